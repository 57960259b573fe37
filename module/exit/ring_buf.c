// SPDX-License-Identifier: GPL-2.0
/*
 * The producer side of the exit ring on its own: no vCPU, no tracing, so
 * KUnit can drive it against a simulated consumer (tests/kunit/ring_test.c).
 */
#include <linux/string.h>
#include "exit/ring.h"

/**
 * axvm_ring_update_cons() - take userspace's consumer index, if sane
 * @r: the ring
 *
 * Return: 0, or -EPROTO if the index went backwards or past the producer
 * (then the ring keeps the last good one).
 */
int axvm_ring_update_cons(struct axvm_ring *r)
{
	/* Pairs with the consumer's store-release: its slot writes are done. */
	u32 cons = smp_load_acquire(&r->hdr->cons);

	if (!axvm_ring_cons_valid(r->prod, r->cons, cons))
		return -EPROTO;
	r->cons = cons;
	return 0;
}

/**
 * axvm_ring_produce() - publish one record in the next slot
 * @r: the ring
 * @e: the record
 * @posted: mark it AXVM_EXIT_F_POSTED (and count it)
 *
 * Return: 0, -ENOSPC when every slot holds an unfinished record, -EPROTO
 * for a broken consumer index.
 */
int axvm_ring_produce(struct axvm_ring *r, const struct axvm_exit *e,
		      bool posted)
{
	struct axvm_ring_entry *slot;
	int ret;

	ret = axvm_ring_update_cons(r);
	if (ret)
		return ret;
	if (axvm_ring_is_full(r->prod, r->cons, r->nr))
		return -ENOSPC;
	slot = &r->entries[axvm_ring_slot(r->prod, r->nr)];
	memcpy(&slot->exit, e, sizeof(*e));
	if (posted)
		slot->exit.flags |= AXVM_EXIT_F_POSTED;
	slot->response = AXVM_RESP_NONE;
	slot->seq = r->prod;
	/* The slot is complete before the consumer can see it. */
	smp_store_release(&r->hdr->prod, r->prod + 1);
	WRITE_ONCE(r->prod, r->prod + 1);
	if (posted)
		r->hdr->posted++;
	return 0;
}
