/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared exit ring: one per vCPU, mmap'd by userspace (layout and
 * memory ordering in uapi/linux/axvm.h and Documentation/ring.rst).
 *
 * The kernel is the only producer, userspace the only consumer. Userspace
 * owns @hdr->cons and the answer fields of slots it has not finished; the
 * kernel never trusts either: @cons is validated against the kernel's own
 * @prod, and an answer is read once into kernel memory.
 */
#ifndef AXVM_EXIT_RING_H
#define AXVM_EXIT_RING_H

#include <linux/types.h>
#include <asm/barrier.h>
#include <linux/wait.h>
#include <linux/axvm.h>

struct axvm_vcpu;
struct file;
struct poll_table_struct;
struct vm_area_struct;

/**
 * struct axvm_ring - kernel side of one vCPU's exit ring
 * @hdr: the shared header page (__vmalloc memory, accounted)
 * @entries: the shared slots, right after @hdr's page
 * @size: bytes mapped (header page + slots, page aligned)
 * @nr: slots (power of two)
 * @mode: AXVM_RING_SYNC or AXVM_RING_ASYNC
 * @prod: records published; the kernel's copy, never read back
 * @cons: the last @hdr->cons found valid
 * @wait_seq: index of the record the vCPU waits on, if @waiting
 * @waiting: a record that needs an answer is in the ring
 * @unpublished: the vCPU's pending record found the ring full
 * @posted_pending: that record is a posted write
 * @poll_wq: poll() on the vCPU fd waits here for records
 */
struct axvm_ring {
	struct axvm_ring_hdr *hdr;
	struct axvm_ring_entry *entries;
	size_t size;
	u32 nr, mode;
	u32 prod, cons;
	u32 wait_seq;
	bool waiting;
	bool unpublished;
	bool posted_pending;
	wait_queue_head_t poll_wq;
};

/* Index arithmetic on free-running u32 indices (wraparound is fine). */
static inline u32 axvm_ring_used(u32 prod, u32 cons)
{
	return prod - cons;
}

static inline bool axvm_ring_is_full(u32 prod, u32 cons, u32 nr)
{
	return axvm_ring_used(prod, cons) >= nr;
}

/* A new consumer index may only move forward, and not past @prod. */
static inline bool axvm_ring_cons_valid(u32 prod, u32 old_cons, u32 cons)
{
	return cons - old_cons <= prod - old_cons;
}

/* Has the consumer finished the record with index @seq? */
static inline bool axvm_ring_done(u32 cons, u32 seq)
{
	return (s32)(cons - seq) > 0;
}

static inline u32 axvm_ring_slot(u32 index, u32 nr)
{
	return index & (nr - 1);
}

/* ring_buf.c: the producer, without a vCPU (KUnit-tested). */
int axvm_ring_update_cons(struct axvm_ring *r);
int axvm_ring_produce(struct axvm_ring *r, const struct axvm_exit *e,
		      bool posted);

/* ring.c */
bool axvm_ring_config_valid(const struct axvm_ring_config *c);
int axvm_ring_create(struct axvm_vcpu *vcpu, const struct axvm_ring_config *c);
void axvm_ring_destroy(struct axvm_vcpu *vcpu);
int axvm_ring_forward(struct axvm_vcpu *vcpu, const struct axvm_exit *e,
		      bool posted);
int axvm_ring_collect(struct axvm_vcpu *vcpu);
void axvm_ring_kick(struct axvm_vcpu *vcpu);
__poll_t axvm_ring_poll(struct axvm_vcpu *vcpu, struct file *f,
			struct poll_table_struct *pt);
int axvm_ring_mmap(struct axvm_vcpu *vcpu, struct vm_area_struct *vma);

#endif
