/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the generic netlink family "axvm" through libnl-genl-3.
 */
#ifndef AXCTL_NL_H
#define AXCTL_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

#include <linux/axvm.h>
#include <linux/axvm_genl.h>

struct axnl {
	struct nl_sock *sk;
	int family;
	/* Of the last failed request: the extack message and missing attr. */
	char ext_msg[256];
	int ext_missing;	/* attribute type + 1, 0 if none */
};

/* What VM_NEW/VM_GET reply with. has_* say which attributes came. */
struct vm_info {
	bool has_id, has_mem, has_vcpus, has_state, has_owner;
	uint32_t id;
	char name[AXVM_NAME_MAX];
	uint64_t mem_bytes;
	uint32_t vcpus;
	uint32_t state;
	uint32_t owner_pid;
};

/*
 * Connect and resolve the family: 0, -ENOENT when the family is not
 * registered (module not loaded), another -errno else. On failure the
 * socket is released.
 */
int axnl_open(struct axnl *nl);
/* axnl_open(), dying with axctl's messages and exit statuses on failure. */
void axnl_open_or_die(struct axnl *nl);
void axnl_close(struct axnl *nl);

/* A request for cmd; NULL on allocation failure. */
struct nl_msg *axnl_msg(struct axnl *nl, uint8_t cmd, int flags);

/*
 * Called for every reply message with its top-level attributes (tb has
 * AXVM_A_MAX + 1 entries, unvalidated; the last of a repeated attribute)
 * and the whole attribute stream (head, len) for repeated ones. A
 * negative return stops the call and becomes its result.
 */
typedef int (*axnl_reply_fn)(struct nlattr **tb, struct nlattr *head, int len,
			     void *arg);

/*
 * Send msg (freed) and collect the replies up to the ACK or the end of a
 * dump. Returns 0 or -errno (the kernel's, with nl->ext_msg filled from
 * the extended ACK when it sent one).
 */
int axnl_call(struct axnl *nl, struct nl_msg *msg, axnl_reply_fn fn, void *arg);

/* VM_GET of one VM by name: 0 or -errno. */
int axnl_vm_get(struct axnl *nl, const char *name, struct vm_info *vm);

/* Attribute getters tolerant of u32/u64 width; false if absent/short. */
bool nla_get_uint(struct nlattr *a, uint64_t *v);
void vm_info_parse(struct nlattr **tb, struct vm_info *vm);

/*
 * Die with the message and status for a failed request about VM name:
 * ENOENT "no VM named", EEXIST "already exists", EPERM "permission
 * denied (need CAP_NET_ADMIN)", EBUSY (what = "create": "another
 * hypervisor holds VT-x"), else "<what> NAME: strerror". The extack
 * message, if any, is appended.
 */
void axnl_die(struct axnl *nl, int err, const char *what, const char *name)
	__attribute__((noreturn));

#endif
