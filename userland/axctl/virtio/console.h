/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: virtio-console with one port (VIRTIO 1.2 section 5.3 "Console
 * Device"), over virtio-mmio (`--console virtio`). Linux's virtio_console
 * makes it hvc0.
 *
 * No feature bits: no VIRTIO_CONSOLE_F_SIZE, no F_MULTIPORT (so no control
 * queues), no F_EMERG_WRITE. Queues (5.3.2): 0 receiveq (port 0), the
 * driver's device-writable buffers that console input fills; 1 transmitq
 * (port 0), device-readable buffers whose bytes go to @out_fd in order,
 * unbuffered, as COM1's do. The configuration space (5.3.4) reads 0: its
 * fields are only valid with the features not offered. A device-writable
 * buffer on the transmitq or a device-readable one on the receiveq is
 * malformed (5.3.6.1): DEVICE_NEEDS_RESET.
 *
 * Transmit runs on the notifying vCPU's thread, inside the QueueNotify
 * write (like COM1's THR writes: a write(2) to stdout). Receive:
 * virtio_console_rx_push() takes what fits into the buffers the driver
 * made available and returns how much; when the driver adds buffers
 * (QueueNotify on the receiveq) @room is called, so a writer held back
 * can push again (console.h's back-pressure: input is never dropped).
 */
#ifndef AXCTL_VIRTIO_CONSOLE_H
#define AXCTL_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio/mmio.h"

#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_CONSOLE_CONFIG_LEN	12	/* cols, rows, max_nr_ports, emerg_wr */
#define VIRTIO_CONSOLE_RXQ		0
#define VIRTIO_CONSOLE_TXQ		1

/**
 * struct virtio_console - the console device
 * @vm: its transport
 * @out_fd: transmitted bytes go here (-1: dropped)
 * @room: the driver added receive buffers (under vm.lock), or NULL
 * @room_arg: for @room
 * @config: the configuration space (zeros)
 * @chain: the chain being served (under vm.lock)
 * @tx_bytes, @rx_bytes, @tx_errors: counters
 */
struct virtio_console {
	struct virtio_mmio vm;
	int out_fd;
	void (*room)(void *arg);
	void *room_arg;
	uint8_t config[VIRTIO_CONSOLE_CONFIG_LEN];
	struct vq_chain chain;
	uint64_t tx_bytes, rx_bytes, tx_errors;
};

/* The transport at base over guest RAM mem, interrupt through set_irq(arg, level). */
void virtio_console_setup(struct virtio_console *c, uint64_t base, const struct guest_mem *mem,
			  int out_fd, void (*set_irq)(void *, bool), void *arg);
/* Takes vm.lock: how many of len bytes went into the receive buffers. */
size_t virtio_console_rx_push(struct virtio_console *c, const uint8_t *buf, size_t len);
/* Free the transport's lock. */
void virtio_console_close(struct virtio_console *c);

#endif
