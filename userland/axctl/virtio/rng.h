/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: virtio-rng, the entropy device (VIRTIO 1.2 section 5.4 "Entropy
 * Device"), over virtio-mmio (`--rng`).
 *
 * One request queue; no feature bits, no configuration space (5.4.3,
 * 5.4.4). The driver offers device-writable buffers; the device fills
 * them with random bytes from the host's getrandom(2) (the kernel's
 * CSPRNG: it does not block once the host has booted) and returns them
 * with the number of bytes written (5.4.6). A chain with a
 * device-readable buffer is malformed (5.4.6.1: the driver MUST NOT
 * place them): DEVICE_NEEDS_RESET. At most VIRTIO_RNG_MAX_FILL bytes per
 * buffer are filled, which the used length tells the driver (5.4.6:
 * "the device MAY write fewer bytes"): a guest cannot make a vCPU thread
 * spend long in getrandom.
 *
 * Served on the notifying vCPU's thread, inside the QueueNotify write:
 * a getrandom of at most 64 KiB needs no I/O thread.
 */
#ifndef AXCTL_VIRTIO_RNG_H
#define AXCTL_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio/mmio.h"

#define VIRTIO_ID_ENTROPY	4
#define VIRTIO_RNG_MAX_FILL	(64U << 10)

/**
 * struct virtio_rng - the entropy device
 * @vm: its transport
 * @chain: the request being served
 * @reqs, @bytes, @errors: buffers filled, bytes given, getrandom failures
 */
struct virtio_rng {
	struct virtio_mmio vm;
	struct vq_chain chain;
	uint64_t reqs, bytes, errors;
};

/* The transport at base over guest RAM mem, interrupt through set_irq(arg, level). */
void virtio_rng_setup(struct virtio_rng *r, uint64_t base, const struct guest_mem *mem,
		      void (*set_irq)(void *, bool), void *arg);
/* Free the transport's lock. */
void virtio_rng_close(struct virtio_rng *r);

#endif
