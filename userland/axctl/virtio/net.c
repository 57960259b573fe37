// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: virtio-net on a tap device (see net.h; VIRTIO 1.2 section 5.1).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include "virtio/net.h"

#define FEAT(bit)	(1ULL << (bit))
#define NET_FEATURES	(FEAT(VIRTIO_NET_F_CSUM) | FEAT(VIRTIO_NET_F_GUEST_CSUM) | \
			 FEAT(VIRTIO_NET_F_MAC) | FEAT(VIRTIO_NET_F_GUEST_TSO4) | \
			 FEAT(VIRTIO_NET_F_GUEST_TSO6) | FEAT(VIRTIO_NET_F_HOST_TSO4) | \
			 FEAT(VIRTIO_NET_F_HOST_TSO6))
#define NUM_BUFFERS_OFF	10	/* in struct virtio_net_hdr (5.1.6) */

/* --- the options and the tap -------------------------------------------------- */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6], i;
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6 || strlen(s) != 17)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

int virtio_net_parse(struct virtio_net *n, const char *spec, char *err, size_t errlen)
{
	char buf[128], *tok, *save = NULL;
	static const uint8_t zero[6];

	memset(n, 0, sizeof(*n));
	n->fd = n->kick = -1;
	parse_mac(VIRTIO_NET_DEFAULT_MAC, n->mac);
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "--net %s: too long", spec);
		return -1;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "tap=", 4)) {
			if (!tok[4] || strlen(tok + 4) >= IFNAMSIZ || strchr(tok + 4, '/')) {
				snprintf(err, errlen, "--net %s: bad tap name '%s' (1-%d characters, no '/')",
					 spec, tok + 4, IFNAMSIZ - 1);
				return -1;
			}
			snprintf(n->ifname, sizeof(n->ifname), "%s", tok + 4);
		} else if (!strncmp(tok, "mac=", 4)) {
			if (parse_mac(tok + 4, n->mac)) {
				snprintf(err, errlen, "--net %s: bad MAC '%s' (six hex bytes: 52:54:00:12:34:56)",
					 spec, tok + 4);
				return -1;
			}
			if ((n->mac[0] & 1) || !memcmp(n->mac, zero, 6)) {
				snprintf(err, errlen, "--net %s: MAC %s is %s, not a unicast address",
					 spec, tok + 4, n->mac[0] & 1 ? "multicast" : "all zero");
				return -1;
			}
		} else {
			snprintf(err, errlen, "--net %s: unknown option '%s' (tap=NAME[,mac=MAC])",
				 spec, tok);
			return -1;
		}
	}
	if (!n->ifname[0]) {
		snprintf(err, errlen, "--net %s: no tap=NAME", spec);
		return -1;
	}
	return 0;
}

static int tap_fail(int fd, int e, char *err, size_t errlen, const char *fmt, const char *a)
{
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen, fmt, a, strerror(e));
	return -e;
}

int virtio_net_open_tap(struct virtio_net *n, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, hdr = VIRTIO_NET_HDR_LEN, e;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			return tap_fail(-1, e, err, errlen,
					"--net tap=%s: no /dev/net/tun (modprobe tun): %s", n->ifname);
		if (e == EACCES || e == EPERM)
			return tap_fail(-1, EPERM, err, errlen,
					"--net tap=%s: no permission to open /dev/net/tun: %s", n->ifname);
		return tap_fail(-1, e, err, errlen, "--net tap=%s: cannot open /dev/net/tun: %s",
				n->ifname);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	memcpy(ifr.ifr_name, n->ifname, strlen(n->ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		if (e == EPERM || e == EACCES)
			return tap_fail(fd, EPERM, err, errlen,
					"--net tap=%s: not allowed to create or attach to the tap (CAP_NET_ADMIN, or a persistent tap of yours: ip tuntap add NAME mode tap user USER): %s",
					n->ifname);
		if (e == EBUSY)
			return tap_fail(fd, e, err, errlen, "--net tap=%s: in use by another program: %s",
					n->ifname);
		if (e == EINVAL)
			return tap_fail(fd, e, err, errlen, "--net tap=%s: not a tap device (a tun, or another kind of interface): %s",
					n->ifname);
		return tap_fail(fd, e, err, errlen, "--net tap=%s: TUNSETIFF: %s", n->ifname);
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(fd, TUNSETOFFLOAD, 0) < 0)
		return tap_fail(fd, errno, err, errlen,
				"--net tap=%s: cannot set the virtio-net header: %s", n->ifname);
	e = virtio_net_set_fd(n, fd, true);
	if (e)
		return tap_fail(fd, -e, err, errlen, "--net tap=%s: eventfd: %s", n->ifname);
	return 0;
}

int virtio_net_set_fd(struct virtio_net *n, int fd, bool tap)
{
	n->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->kick < 0)
		return -errno;
	n->fd = fd;
	n->tap = tap;
	return 0;
}

void virtio_net_close(struct virtio_net *n)
{
	if (n->fd >= 0)
		close(n->fd);
	if (n->kick >= 0)
		close(n->kick);
	n->fd = n->kick = -1;
	if (n->vm.ops) {
		virtio_mmio_destroy(&n->vm);
		n->vm.ops = NULL;
	}
}

/* --- frames ------------------------------------------------------------------- */

/* Put len bytes at byte off of the iovecs (which hold at least off + len). */
static void iov_put(const struct iovec *iov, unsigned int n, size_t off, const void *src,
		    size_t len)
{
	const uint8_t *p = src;
	unsigned int i;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len, k;

		if (off >= l) {
			off -= l;
			continue;
		}
		k = l - off < len ? l - off : len;
		memcpy((uint8_t *)iov[i].iov_base + off, p, k);
		p += k;
		len -= k;
		off = 0;
	}
}

unsigned int virtio_net_tx(struct virtio_net *n)
{
	struct virtio_mmio *vm = &n->vm;
	struct virtq *q = &vm->vq[VIRTIO_NET_TXQ];
	unsigned int sent = 0, gen;
	ssize_t r;
	int p;

	for (;;) {
		pthread_mutex_lock(&vm->lock);
		p = virtio_mmio_queue_live(vm, VIRTIO_NET_TXQ) ? vq_pop(q, &vm->mem, &n->tx) : 0;
		if (p > 0 && n->tx.nr_in)
			p = -EINVAL;		/* 5.1.6.2: device-readable only */
		if (p < 0)
			virtio_mmio_fail(vm);
		gen = vm->generation;
		pthread_mutex_unlock(&vm->lock);
		if (p <= 0)
			return sent;
		r = -1;
		errno = EINVAL;
		if (n->tx.out_bytes > VIRTIO_NET_HDR_LEN)
			do {
				r = writev(n->fd, n->tx.iov, n->tx.nr_out);
			} while (r < 0 && errno == EINTR);
		if (r < 0) {
			n->tx_dropped++;	/* tap down, bad header, queue full */
		} else {
			n->tx_frames++;
			n->tx_bytes += n->tx.out_bytes - VIRTIO_NET_HDR_LEN;
		}
		pthread_mutex_lock(&vm->lock);
		if (gen == vm->generation && virtio_mmio_queue_live(vm, VIRTIO_NET_TXQ)) {
			vq_push(q, n->tx.head, 0);
			virtio_mmio_used(vm, VIRTIO_NET_TXQ);
		}
		pthread_mutex_unlock(&vm->lock);
		sent++;
	}
}

/* Under vm.lock: hold a receive chain; false if there is none (or it is malformed). */
static bool rx_take(struct virtio_net *n)
{
	struct virtio_mmio *vm = &n->vm;
	int p;

	if (n->rx_held && n->rx_gen == vm->generation)
		return true;
	n->rx_held = false;
	if (!virtio_mmio_queue_live(vm, VIRTIO_NET_RXQ))
		return false;
	p = vq_pop(&vm->vq[VIRTIO_NET_RXQ], &vm->mem, &n->rx);
	if (p > 0 && n->rx.nr_out)
		p = -EINVAL;			/* 5.1.6.3.1: device-writable only */
	if (p < 0)
		virtio_mmio_fail(vm);
	if (p <= 0)
		return false;
	n->rx_held = true;
	n->rx_gen = vm->generation;
	return true;
}

unsigned int virtio_net_rx(struct virtio_net *n, bool *waiting)
{
	struct virtio_mmio *vm = &n->vm;
	static const uint8_t one[2] = { 1, 0 };
	unsigned int got = 0;
	bool held;
	ssize_t r;

	*waiting = false;
	for (;;) {
		pthread_mutex_lock(&vm->lock);
		held = rx_take(n);
		pthread_mutex_unlock(&vm->lock);
		if (!held)
			return got;
		do {
			r = readv(n->fd, n->rx.iov, n->rx.nr_in);
		} while (r < 0 && errno == EINTR);
		if (r < 0 && errno == EAGAIN) {
			*waiting = true;	/* keep the buffer for the next frame */
			return got;
		}
		if (r < VIRTIO_NET_HDR_LEN) {
			n->rx_errors++;		/* a buffer too small: the frame is lost */
			r = 0;
		} else {
			iov_put(n->rx.iov, n->rx.nr_in, NUM_BUFFERS_OFF, one, 2);
			n->rx_frames++;
			n->rx_bytes += r - VIRTIO_NET_HDR_LEN;
		}
		pthread_mutex_lock(&vm->lock);
		if (n->rx_gen == vm->generation && virtio_mmio_queue_live(vm, VIRTIO_NET_RXQ)) {
			vq_push(&vm->vq[VIRTIO_NET_RXQ], n->rx.head, r);
			virtio_mmio_used(vm, VIRTIO_NET_RXQ);
		}
		n->rx_held = false;
		pthread_mutex_unlock(&vm->lock);
		got++;
	}
}

/* --- the transport's side ------------------------------------------------------ */

static const void *net_config(struct virtio_mmio *vm)
{
	return ((struct virtio_net *)vm->dev)->config;
}

static void kick(struct virtio_net *n)
{
	uint64_t one = 1;
	ssize_t r = write(n->kick, &one, sizeof(one));

	(void)r;		/* EAGAIN: already kicked */
}

static void net_notify(struct virtio_mmio *vm, unsigned int q)
{
	(void)q;
	kick(vm->dev);
}

/* The host may hand the guest what the guest said it takes. */
static void set_offload(struct virtio_net *n, unsigned int flags)
{
	if (!n->tap || flags == n->offload)
		return;
	if (ioctl(n->fd, TUNSETOFFLOAD, flags) < 0) {
		if (!n->offload_err)
			n->offload_err = -errno;
		return;
	}
	n->offload = flags;
	n->offload_seen |= flags;
}

static void net_features_ok(struct virtio_mmio *vm)
{
	unsigned int f = 0;

	if (virtio_mmio_has(vm, VIRTIO_NET_F_GUEST_CSUM)) {
		f |= TUN_F_CSUM;
		if (virtio_mmio_has(vm, VIRTIO_NET_F_GUEST_TSO4))
			f |= TUN_F_TSO4;
		if (virtio_mmio_has(vm, VIRTIO_NET_F_GUEST_TSO6))
			f |= TUN_F_TSO6;
	}
	set_offload(vm->dev, f);
}

static void net_reset(struct virtio_mmio *vm)
{
	struct virtio_net *n = vm->dev;

	n->rx_held = false;
	set_offload(n, 0);
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nr_queues = 2,
	.config_len = VIRTIO_NET_CONFIG_LEN,
	.config = net_config,
	.notify = net_notify,
	.reset = net_reset,
	.features_ok = net_features_ok,
};

void virtio_net_setup(struct virtio_net *n, uint64_t base, const struct guest_mem *mem,
		      void (*set_irq)(void *, bool), void *arg)
{
	memset(n->config, 0, sizeof(n->config));
	memcpy(n->config, n->mac, 6);
	virtio_mmio_init(&n->vm, &net_ops, n, base, mem, NET_FEATURES, set_irq, arg);
}

static void *net_thread(void *arg)
{
	struct virtio_net *n = arg;
	struct pollfd p[2] = { { .fd = n->fd }, { .fd = n->kick, .events = POLLIN } };
	uint64_t v;
	bool waiting;

	while (!__atomic_load_n(&n->stop, __ATOMIC_ACQUIRE)) {
		virtio_net_tx(n);
		virtio_net_rx(n, &waiting);
		p[0].events = waiting ? POLLIN : 0;
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		/* Reset the eventfd, then look at both queues again. */
		if ((p[1].revents & POLLIN) && read(n->kick, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
	}
	return NULL;
}

int virtio_net_start(struct virtio_net *n)
{
	int r = pthread_create(&n->thread, NULL, net_thread, n);

	n->started = !r;
	return -r;
}

void virtio_net_stop(struct virtio_net *n)
{
	if (!n->started)
		return;
	__atomic_store_n(&n->stop, true, __ATOMIC_RELEASE);
	kick(n);
	pthread_join(n->thread, NULL);
	n->started = false;
}
