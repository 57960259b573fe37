/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: split virtqueues, device side (VIRTIO 1.2, section 2.7 "Split
 * Virtqueues"), modern interface only (little-endian, VIRTIO_F_VERSION_1).
 *
 * Everything in a queue is written by the guest and may change under the
 * device at any time, so every index, length and address is read once
 * into a local and checked before use:
 *   - the rings: QueueNum a power of two up to VQ_MAX_SIZE, the three
 *     areas aligned (2.7 "Virtqueue alignment": 16, 2, 4) and wholly
 *     inside guest RAM when the queue is enabled (vq_enable);
 *   - the available index: at most QueueNum ahead of what the device has
 *     taken (2.7: Queue Size is the most buffers queued at any time);
 *   - a chain: head and every next below QueueNum, at most QueueNum
 *     descriptors in all (2.7.5.3.1: "a driver MUST NOT create a
 *     descriptor chain longer than the Queue Size"; a loop is a chain
 *     that never ends, so it trips the same limit), device-writable
 *     descriptors only after the readable ones (2.7.4.2), each buffer
 *     wholly inside guest RAM (addr + len checked for overflow), the sum
 *     of lengths below VQ_MAX_CHAIN_BYTES (2.7.5.2: at most 2^32 bytes);
 *   - indirect tables (2.7.5.3, VIRTIO_RING_F_INDIRECT_DESC): only when
 *     negotiated, a length that is a non-zero multiple of 16, inside
 *     guest RAM, not nested, not combined with NEXT, entries' next inside
 *     the table, its entries counted in the QueueNum limit (2.7.5.3.1);
 *     the WRITE flag of the descriptor that points to it is ignored
 *     (2.7.5.3.2).
 * A violation makes vq_pop() return -EINVAL (or -ENOSPC for a chain too
 * big for the caller's array); the transport then sets DEVICE_NEEDS_RESET
 * (2.1.2) and the device stops using the queue. Nothing outside guest RAM
 * is ever read or written: buffers are handed out as host iovecs that
 * guest_mem_ptr() proved to be inside it.
 *
 * Pure data: no threads, no locks. The caller serialises calls per queue.
 */
#ifndef AXCTL_VIRTIO_VIRTQUEUE_H
#define AXCTL_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VQ_MAX_SIZE		256		/* QueueNumMax we offer */
#define VQ_MAX_CHAIN_BYTES	(1ULL << 32)	/* 4 GiB: no request is larger */

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_USED_F_NO_NOTIFY	1
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* Feature bits of the queues (VIRTIO 1.2 section 6 "Reserved Feature Bits"). */
#define VIRTIO_RING_F_INDIRECT_DESC	28
#define VIRTIO_RING_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

/**
 * struct guest_mem - guest RAM as axctl maps it (ram.c)
 * @ram: host address of GPA 0
 * @low: bytes at GPA 0
 * @high: bytes at GPA 4 GiB, stored right after the low part in @ram
 */
struct guest_mem {
	uint8_t *ram;
	uint64_t low, high;
};

/* Host address of [gpa, gpa + len) if it lies wholly in one RAM part, else NULL. */
void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* 2.7.5 "The Virtqueue Descriptor Table" */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/**
 * struct virtq - the device's state of one split queue
 * @num: QueueNum (0: not set)
 * @ready: QueueReady as the device accepted it
 * @desc_gpa, @avail_gpa, @used_gpa: the areas as the driver wrote them
 * @desc, @avail, @used: their host addresses once enabled
 * @last_avail: the next available-ring slot the device takes
 * @used_idx: the device's used index (written to the ring on push)
 * @event_idx: VIRTIO_RING_F_EVENT_IDX negotiated
 * @indirect: VIRTIO_RING_F_INDIRECT_DESC negotiated
 * @signalled: used_idx when the driver was last notified
 */
struct virtq {
	uint32_t num;
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct virtq_desc *desc;
	uint16_t *avail;	/* flags, idx, ring[num], used_event */
	uint8_t *used;		/* flags, idx, ring[num] of {id, len}, avail_event */
	uint16_t last_avail, used_idx, signalled;
	bool event_idx, indirect;
};

/**
 * struct vq_chain - one descriptor chain, mapped
 * @head: its head index (for vq_push)
 * @iov: the buffers, readable ones first
 * @nr_out: readable buffers (iov[0..nr_out))
 * @nr_in: writable buffers (iov[nr_out..nr_out + nr_in))
 * @out_bytes, @in_bytes: their total lengths
 */
struct vq_chain {
	uint16_t head;
	struct iovec iov[VQ_MAX_SIZE];
	unsigned int nr_out, nr_in;
	uint64_t out_bytes, in_bytes;
};

/* Back to the reset state (num 0, not ready). */
void vq_reset(struct virtq *q);
/*
 * QueueReady 1: check num and the areas against m, map them. 0, or
 * -EINVAL with the queue left disabled.
 */
int vq_enable(struct virtq *q, const struct guest_mem *m, bool event_idx, bool indirect);
/* The driver made buffers available that the device has not taken. */
bool vq_has_work(const struct virtq *q);
/* Take the next chain: 1, 0 if none, -EINVAL for a malformed one. */
int vq_pop(struct virtq *q, const struct guest_mem *m, struct vq_chain *c);
/* Return a chain with len bytes written to its writable buffers. */
void vq_push(struct virtq *q, uint16_t head, uint32_t len);
/* After pushes: whether the driver wants a used-buffer notification now. */
bool vq_should_notify(struct virtq *q);

#endif
