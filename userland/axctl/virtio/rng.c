// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: virtio-rng (see rng.h; VIRTIO 1.2 section 5.4).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "virtio/rng.h"

/* Fill the chain's writable buffers (up to VIRTIO_RNG_MAX_FILL): bytes written. */
static uint32_t rng_fill(struct virtio_rng *r, const struct vq_chain *c)
{
	uint32_t done = 0;
	unsigned int i;

	for (i = c->nr_out; i < c->nr_out + c->nr_in && done < VIRTIO_RNG_MAX_FILL; i++) {
		size_t want = c->iov[i].iov_len, got = 0;

		if (want > VIRTIO_RNG_MAX_FILL - done)
			want = VIRTIO_RNG_MAX_FILL - done;
		while (got < want) {
			ssize_t n = getrandom((uint8_t *)c->iov[i].iov_base + got, want - got, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r->errors++;
				return done + got;
			}
			got += n;
		}
		done += got;
	}
	return done;
}

/* QueueNotify (under vm.lock): serve every buffer the driver made available. */
static void rng_notify(struct virtio_mmio *vm, unsigned int q)
{
	struct virtio_rng *r = vm->dev;
	uint32_t n;
	int p;

	(void)q;
	while (virtio_mmio_queue_live(vm, 0)) {
		p = vq_pop(&vm->vq[0], &vm->mem, &r->chain);
		if (!p)
			break;
		if (p < 0 || r->chain.nr_out) {	/* 5.4.6.1: writable buffers only */
			virtio_mmio_fail(vm);
			break;
		}
		n = rng_fill(r, &r->chain);
		vq_push(&vm->vq[0], r->chain.head, n);
		r->reqs++;
		r->bytes += n;
	}
	virtio_mmio_used(vm, 0);
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_ENTROPY,
	.nr_queues = 1,
	.notify = rng_notify,
};

void virtio_rng_setup(struct virtio_rng *r, uint64_t base, const struct guest_mem *mem,
		      void (*set_irq)(void *, bool), void *arg)
{
	virtio_mmio_init(&r->vm, &rng_ops, r, base, mem, 0, set_irq, arg);
}

void virtio_rng_close(struct virtio_rng *r)
{
	if (r->vm.ops)
		virtio_mmio_destroy(&r->vm);
	r->vm.ops = NULL;
}
