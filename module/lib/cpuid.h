/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPUID a guest sees: one table per VM, a default derived from the
 * host, replaceable by userspace (AXVM_SET_CPUID).
 */
#ifndef AXVM_LIB_CPUID_H
#define AXVM_LIB_CPUID_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/axvm.h>

/**
 * struct axvm_cpuid_table - a CPUID table, read under RCU
 * @rcu: for kfree_rcu()
 * @nent: entries in @e
 * @e: the entries
 */
struct axvm_cpuid_table {
	struct rcu_head rcu;
	u32 nent;
	struct axvm_cpuid_entry e[];
};

/* Host CPUID as the default is built from it (KUnit passes a fake). */
typedef void (*axvm_cpuid_raw_fn)(u32 fn, u32 idx, u32 *a, u32 *b, u32 *c,
				  u32 *d);

/**
 * struct axvm_cpuid_policy - what the default may expose
 * @xsave: the host enabled XSAVE, so the guest may have it
 * @xcr0: XCR0 bits the guest may enable
 */
struct axvm_cpuid_policy {
	bool xsave;
	u64 xcr0;
};

struct axvm_cpuid_table *axvm_cpuid_default(axvm_cpuid_raw_fn raw,
					    const struct axvm_cpuid_policy *p);
void axvm_cpuid_filter(struct axvm_cpuid_entry *e,
		       const struct axvm_cpuid_policy *p);
const struct axvm_cpuid_entry *
axvm_cpuid_lookup(const struct axvm_cpuid_table *t, u32 fn, u32 idx);
int axvm_cpuid_validate(const struct axvm_cpuid_entry *e, u32 nent);

#endif
