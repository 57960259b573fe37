/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who a VM belongs to, and the per-user VM limit. See owner.c and
 * "Ownership" in Documentation/hardening.rst.
 */
#ifndef AXVM_DEV_OWNER_H
#define AXVM_DEV_OWNER_H

#include <linux/cred.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct file;
struct sk_buff;
struct user_namespace;

/**
 * struct axvm_owner - the user a VM belongs to
 * @uid: the creator's effective uid
 * @ns: the creator's user namespace (a reference)
 * @charged: counted against max_vms_per_user
 */
struct axvm_owner {
	kuid_t uid;
	struct user_namespace *ns;
	bool charged;
};

/* module parameter: VMs one uid may have at once */
extern unsigned int axvm_max_vms_per_user;

int axvm_owner_charge(struct axvm_owner *o);
void axvm_owner_release(struct axvm_owner *o);
bool axvm_owner_is(const struct axvm_owner *o, const struct cred *c);
bool axvm_owner_may_file(const struct axvm_owner *o, const struct file *f);
bool axvm_owner_may_nl(const struct axvm_owner *o, const struct sk_buff *skb);

#endif
