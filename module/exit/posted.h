/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Posted-write ranges: ports and guest-physical ranges whose writes are
 * queued on the exit ring without stopping the vCPU (AXVM_SET_POSTED).
 */
#ifndef AXVM_EXIT_POSTED_H
#define AXVM_EXIT_POSTED_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/axvm.h>

/**
 * struct axvm_posted_table - a VM's posted ranges (replaced as a whole)
 * @rcu: freed after a grace period
 * @n: ranges in use
 * @r: the ranges; @last is inclusive
 */
struct axvm_posted_table {
	struct rcu_head rcu;
	u32 n;
	struct {
		u8 bus;
		u64 base, last;
	} r[AXVM_MAX_POSTED_RANGES];
};

int axvm_posted_check(const struct axvm_posted_range *u);
int axvm_posted_table_apply(struct axvm_posted_table *t,
			    const struct axvm_posted_range *u);
bool axvm_posted_table_match(const struct axvm_posted_table *t, u8 bus,
			     u64 addr, u8 width);
int axvm_posted_set(struct axvm_posted_table __rcu **slot, struct mutex *lock,
		    const struct axvm_posted_range *u);
bool axvm_posted_match(struct axvm_posted_table __rcu **slot, u8 bus,
		       u64 addr, u8 width);
void axvm_posted_free(struct axvm_posted_table __rcu **slot);

#endif
