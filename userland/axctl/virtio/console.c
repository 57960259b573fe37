// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: virtio-console, one port (see console.h; VIRTIO 1.2 section 5.3).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "virtio/console.h"

/* All of len bytes to fd, or false. */
static bool write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* The transmitq (under vm.lock): every chain's bytes to out_fd, in order. */
static void console_tx(struct virtio_console *c)
{
	struct virtio_mmio *vm = &c->vm;
	struct vq_chain *ch = &c->chain;
	unsigned int i;
	int p;

	while (virtio_mmio_queue_live(vm, VIRTIO_CONSOLE_TXQ)) {
		p = vq_pop(&vm->vq[VIRTIO_CONSOLE_TXQ], &vm->mem, ch);
		if (!p)
			break;
		if (p < 0 || ch->nr_in) {	/* 5.3.6.1: readable buffers only */
			virtio_mmio_fail(vm);
			return;
		}
		for (i = 0; i < ch->nr_out; i++)
			if (c->out_fd >= 0 &&
			    !write_all(c->out_fd, ch->iov[i].iov_base, ch->iov[i].iov_len))
				c->tx_errors++;
		c->tx_bytes += ch->out_bytes;
		vq_push(&vm->vq[VIRTIO_CONSOLE_TXQ], ch->head, 0);
	}
	virtio_mmio_used(vm, VIRTIO_CONSOLE_TXQ);
}

static void console_notify(struct virtio_mmio *vm, unsigned int q)
{
	struct virtio_console *c = vm->dev;

	if (q == VIRTIO_CONSOLE_TXQ)
		console_tx(c);
	else if (c->room)
		c->room(c->room_arg);	/* new receive buffers */
}

/* Copy len bytes into the chain's writable buffers: how many fit. */
static size_t fill_chain(const struct vq_chain *ch, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = ch->nr_out; i < ch->nr_out + ch->nr_in && done < len; i++) {
		size_t k = ch->iov[i].iov_len;

		if (k > len - done)
			k = len - done;
		memcpy(ch->iov[i].iov_base, buf + done, k);
		done += k;
	}
	return done;
}

size_t virtio_console_rx_push(struct virtio_console *c, const uint8_t *buf, size_t len)
{
	struct virtio_mmio *vm = &c->vm;
	struct virtq *q = &vm->vq[VIRTIO_CONSOLE_RXQ];
	size_t done = 0, k;
	int p;

	pthread_mutex_lock(&vm->lock);
	while (done < len && virtio_mmio_queue_live(vm, VIRTIO_CONSOLE_RXQ)) {
		p = vq_pop(q, &vm->mem, &c->chain);
		if (!p)
			break;
		if (p < 0 || c->chain.nr_out) {	/* 5.3.6.1: writable buffers only */
			virtio_mmio_fail(vm);
			break;
		}
		k = fill_chain(&c->chain, buf + done, len - done);
		vq_push(q, c->chain.head, k);
		done += k;
	}
	c->rx_bytes += done;
	virtio_mmio_used(vm, VIRTIO_CONSOLE_RXQ);
	pthread_mutex_unlock(&vm->lock);
	return done;
}

static const void *console_config(struct virtio_mmio *vm)
{
	return ((struct virtio_console *)vm->dev)->config;
}

static const struct virtio_dev_ops console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nr_queues = 2,
	.config_len = VIRTIO_CONSOLE_CONFIG_LEN,
	.config = console_config,
	.notify = console_notify,
};

void virtio_console_setup(struct virtio_console *c, uint64_t base, const struct guest_mem *mem,
			  int out_fd, void (*set_irq)(void *, bool), void *arg)
{
	memset(c->config, 0, sizeof(c->config));
	c->out_fd = out_fd;
	virtio_mmio_init(&c->vm, &console_ops, c, base, mem, 0, set_irq, arg);
}

void virtio_console_close(struct virtio_console *c)
{
	if (c->vm.ops)
		virtio_mmio_destroy(&c->vm);
	c->vm.ops = NULL;
}
