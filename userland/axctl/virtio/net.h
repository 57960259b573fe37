/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: virtio-net (VIRTIO 1.2 section 5.1 "Network Device") over
 * virtio-mmio, backed by a tap device (`--net tap=NAME[,mac=MAC]`).
 *
 * Queues (5.1.2): 0 receiveq1, 1 transmitq1; no control queue, one pair.
 * Every frame carries the 12-byte struct virtio_net_hdr of 5.1.6 (VERSION_1
 * makes num_buffers part of it even without VIRTIO_NET_F_MRG_RXBUF), and
 * so does every frame read from or written to the tap: it is opened with
 * IFF_VNET_HDR and TUNSETVNETHDRSZ 12, so a chain's buffers go to
 * writev(2) and come from readv(2) as they are, no copy. The offloads
 * Linux uses by default therefore cost nothing: offered are
 * VIRTIO_NET_F_CSUM and HOST_TSO4/6 (the tap takes partial checksums and
 * GSO frames from the guest), GUEST_CSUM and GUEST_TSO4/6 (when the driver
 * accepts them, TUNSETOFFLOAD lets the host hand it such frames), and
 * VIRTIO_NET_F_MAC (configuration space: the MAC). Not offered:
 * MRG_RXBUF (without it the driver posts receive buffers that hold the
 * largest frame it accepted), STATUS, CTRL_VQ, MQ, ECN, UFO.
 *
 * One thread per device: it polls the tap (only while it holds a receive
 * buffer) and an eventfd that QueueNotify writes (and stop). Transmit:
 * every chain on the transmitq goes to the tap as one frame, the chain is
 * returned with used length 0; a frame the tap refuses (down, malformed
 * header) is counted and dropped, as a NIC drops it. Receive: one frame
 * per chain; num_buffers set to 1 (5.1.6.4). A transmit chain with a
 * device-writable buffer, a receive chain with a device-readable one or
 * any malformed chain: DEVICE_NEEDS_RESET. virtio_net_tx() and
 * virtio_net_rx() are that work, callable directly (the host tests do,
 * with a socketpair standing for the tap).
 */
#ifndef AXCTL_VIRTIO_NET_H
#define AXCTL_VIRTIO_NET_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/mmio.h"

#define VIRTIO_ID_NET		1
#define VIRTIO_NET_HDR_LEN	12
#define VIRTIO_NET_CONFIG_LEN	8	/* mac[6], status (5.1.4) */
#define VIRTIO_NET_RXQ		0
#define VIRTIO_NET_TXQ		1
#define VIRTIO_NET_DEFAULT_MAC	"52:54:00:12:34:56"

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM	1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_GUEST_TSO4	7
#define VIRTIO_NET_F_GUEST_TSO6	8
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12

/**
 * struct virtio_net - one network device
 * @vm: its transport
 * @ifname: the tap's name; @mac the guest's MAC
 * @fd: the tap (or a stand-in), non-blocking
 * @tap: @fd is a real tap (TUNSETOFFLOAD applies)
 * @kick: eventfd: QueueNotify and stop wake the thread
 * @config: the configuration space
 * @rx, @rx_held, @rx_gen: a receive chain taken, waiting for a frame, and
 *                         the transport generation it was taken in
 * @tx: the transmit chain being sent
 * @offload: the TUN_F_* flags last set (0 after the guest's reset at its
 *            power-off); @offload_seen: every flag set since start;
 *            @offload_err: the first failure
 * @tx_frames, @rx_frames, @tx_bytes, @rx_bytes, @tx_dropped, @rx_errors
 */
struct virtio_net {
	struct virtio_mmio vm;
	char ifname[16];
	uint8_t mac[6];
	int fd, kick;
	bool tap;
	uint8_t config[VIRTIO_NET_CONFIG_LEN];
	struct vq_chain rx, tx;
	bool rx_held;
	unsigned int rx_gen;
	unsigned int offload, offload_seen;
	int offload_err;
	pthread_t thread;
	bool stop, started;
	uint64_t tx_frames, rx_frames, tx_bytes, rx_bytes, tx_dropped, rx_errors;
};

/*
 * Parse "tap=NAME[,mac=XX:XX:XX:XX:XX:XX]" into n (nothing opened): 0, or
 * -1 with err filled (no tap=, a name too long, a bad or multicast or zero
 * MAC, an unknown option).
 */
int virtio_net_parse(struct virtio_net *n, const char *spec, char *err, size_t errlen);
/*
 * Open the tap n->ifname (created if missing) with the virtio-net header:
 * 0, or -errno with err filled (-ENOENT: no /dev/net/tun, -EPERM: not
 * allowed, others).
 */
int virtio_net_open_tap(struct virtio_net *n, char *err, size_t errlen);
/* Use fd (a tap, or a packet socket for the tests) as the backend: 0 or -errno. */
int virtio_net_set_fd(struct virtio_net *n, int fd, bool tap);
/* The transport at base over guest RAM mem, interrupt through set_irq(arg, level). */
void virtio_net_setup(struct virtio_net *n, uint64_t base, const struct guest_mem *mem,
		      void (*set_irq)(void *, bool), void *arg);
/* Send every frame the driver queued: how many. */
unsigned int virtio_net_tx(struct virtio_net *n);
/*
 * Deliver frames from the backend while there are receive buffers: how
 * many. *waiting: a buffer is held and the backend had nothing (poll it).
 */
unsigned int virtio_net_rx(struct virtio_net *n, bool *waiting);
/* Start/stop the thread (0 or -errno). */
int virtio_net_start(struct virtio_net *n);
void virtio_net_stop(struct virtio_net *n);
/* After stop: close the backend and the eventfd, free the transport's lock. */
void virtio_net_close(struct virtio_net *n);

#endif
