// SPDX-License-Identifier: GPL-2.0
/*
 * Posted-write ranges (AXVM_SET_POSTED). Looked up on every port or MMIO
 * write exit of a vCPU with a ring, so the table is read under RCU and
 * replaced as a whole under the VM lock; a VM without posted ranges pays
 * one pointer test.
 */
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include "exit/posted.h"

/**
 * axvm_posted_check() - validate an AXVM_SET_POSTED argument on its own
 * @u: the argument, copied in
 *
 * Return: 0, or -EINVAL for an unknown bus or flag, non-zero padding, an
 * empty range, a range that wraps, or ports beyond 0xffff.
 */
int axvm_posted_check(const struct axvm_posted_range *u)
{
	u64 last;

	if (u->bus > AXVM_POSTED_MMIO || u->pad[0] || u->pad[1] || u->pad[2] ||
	    (u->flags & ~AXVM_POSTED_F_REMOVE) || !u->len ||
	    check_add_overflow(u->base, u->len - 1, &last))
		return -EINVAL;
	if (u->bus == AXVM_POSTED_PIO && last > 0xffff)
		return -EINVAL;
	return 0;
}

/**
 * axvm_posted_table_apply() - add or remove one range in a table
 * @t: the table (a private copy)
 * @u: a checked argument
 *
 * Return: 0; -EEXIST when an added range overlaps one of the same bus,
 * -ENOSPC when the table is full, -ENOENT when no range equals a removed
 * one.
 */
int axvm_posted_table_apply(struct axvm_posted_table *t,
			    const struct axvm_posted_range *u)
{
	u64 last = u->base + u->len - 1;
	u32 i;

	for (i = 0; i < t->n; i++) {
		if (t->r[i].bus != u->bus)
			continue;
		if (u->flags & AXVM_POSTED_F_REMOVE) {
			if (t->r[i].base == u->base && t->r[i].last == last) {
				t->r[i] = t->r[--t->n];
				return 0;
			}
		} else if (u->base <= t->r[i].last && t->r[i].base <= last) {
			return -EEXIST;
		}
	}
	if (u->flags & AXVM_POSTED_F_REMOVE)
		return -ENOENT;
	if (t->n == AXVM_MAX_POSTED_RANGES)
		return -ENOSPC;
	t->r[t->n].bus = u->bus;
	t->r[t->n].base = u->base;
	t->r[t->n].last = last;
	t->n++;
	return 0;
}

/**
 * axvm_posted_table_match() - is an access wholly inside a posted range?
 * @t: the table
 * @bus: AXVM_POSTED_PIO or AXVM_POSTED_MMIO
 * @addr: port or guest-physical address
 * @width: bytes accessed (1..8)
 *
 * Return: true if every byte of the access is in one range of @bus.
 */
bool axvm_posted_table_match(const struct axvm_posted_table *t, u8 bus,
			     u64 addr, u8 width)
{
	u64 last;
	u32 i;

	if (!width || check_add_overflow(addr, (u64)width - 1, &last))
		return false;
	for (i = 0; i < t->n; i++)
		if (t->r[i].bus == bus && t->r[i].base <= addr &&
		    last <= t->r[i].last)
			return true;
	return false;
}

/**
 * axvm_posted_set() - AXVM_SET_POSTED: change a VM's posted ranges
 * @slot: the VM's table pointer
 * @lock: the VM lock, serialising writers
 * @u: the argument, copied in
 *
 * Return: 0, or an errno of axvm_posted_check() or
 * axvm_posted_table_apply() (the table is then unchanged), -ENOMEM.
 */
int axvm_posted_set(struct axvm_posted_table __rcu **slot, struct mutex *lock,
		    const struct axvm_posted_range *u)
{
	struct axvm_posted_table *old, *t;
	int ret;

	ret = axvm_posted_check(u);
	if (ret)
		return ret;
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	mutex_lock(lock);
	old = rcu_dereference_protected(*slot, lockdep_is_held(lock));
	if (old)
		memcpy(t, old, sizeof(*t));
	ret = axvm_posted_table_apply(t, u);
	if (!ret)
		rcu_assign_pointer(*slot, t);
	mutex_unlock(lock);
	if (ret) {
		kfree(t);
		return ret;
	}
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * axvm_posted_match() - is this write to be posted? (any context)
 * @slot: the VM's table pointer
 * @bus: AXVM_POSTED_PIO or AXVM_POSTED_MMIO
 * @addr: port or guest-physical address
 * @width: bytes written
 *
 * Return: true if the write falls wholly inside a posted range.
 */
bool axvm_posted_match(struct axvm_posted_table __rcu **slot, u8 bus,
		       u64 addr, u8 width)
{
	const struct axvm_posted_table *t;
	bool ret = false;

	if (!rcu_access_pointer(*slot))
		return false;
	rcu_read_lock();
	t = rcu_dereference(*slot);
	if (t)
		ret = axvm_posted_table_match(t, bus, addr, width);
	rcu_read_unlock();
	return ret;
}

/**
 * axvm_posted_free() - free a VM's table (the VM is being destroyed)
 * @slot: the VM's table pointer; no reader is left
 */
void axvm_posted_free(struct axvm_posted_table __rcu **slot)
{
	kfree(rcu_dereference_protected(*slot, true));
	RCU_INIT_POINTER(*slot, NULL);
}
