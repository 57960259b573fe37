/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A raw generic netlink client for the "axvm" family (uapi/linux/axvm_genl.h),
 * for the selftests. Raw sockets rather than libnl, so that a test can
 * send exactly the bytes it wants: attributes of the wrong size, unknown
 * types, strings without a NUL, trailing garbage, reserved header bits.
 * Every request asks for an ACK; the kernel's extended ACK (message,
 * offending attribute's offset, missing attribute's type) is kept in the
 * result.
 */
#ifndef AXVM_SELFTEST_NL_H
#define AXVM_SELFTEST_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/axvm.h>
#include <linux/axvm_genl.h>

/* An open NETLINK_GENERIC socket and what the controller told about axvm. */
struct axnl {
	int fd;
	uint16_t family;	/* family id of "axvm" */
	uint32_t events_grp;	/* multicast group id of "events" */
	uint32_t seq;
};

/* A request being built: netlink + genetlink headers, then attributes. */
struct axnl_req {
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	};
	size_t len;		/* bytes used; nlh.nlmsg_len is set on send */
};

/*
 * What the kernel answered. @err is 0 or a negative errno (the ACK's or
 * the dump's final error). Extended ACK: @msg ("" if none), @offs (byte
 * offset of the offending attribute in the request, or -1), @miss_type
 * (the missing attribute's type, or -1).
 */
struct axnl_result {
	int err;
	char msg[256];
	long offs;
	int miss_type;
	bool dump_intr;		/* some dump message had NLM_F_DUMP_INTR */
};

/* One VM as VM_GET reports it (all attributes are required in replies). */
struct axnl_vm {
	uint32_t id;
	char name[AXVM_NAME_MAX];
	uint64_t mem_bytes;
	uint32_t vcpus;
	uint32_t state;
	uint32_t owner_pid;
	int64_t owner_uid;	/* -1: no AXVM_A_VM_OWNER_UID (older module) */
};

/* One vCPU of a VM_STATS reply; reasons[] indexed by VMX basic reason. */
#define AXNL_MAX_REASON	80
struct axnl_vcpu_stats {
	uint32_t id;
	uint64_t exits_kernel;
	uint64_t exits_user;
	uint64_t reasons[AXNL_MAX_REASON];
};

struct axnl_stats {
	uint32_t vm_id;
	char name[AXVM_NAME_MAX];
	unsigned int nr_vcpus;
	struct axnl_vcpu_stats vcpus[AXVM_MAX_VCPUS];
};

/* One message of the "events" group. -1: the attribute was absent. */
struct axnl_event {
	uint32_t vm_id;
	char name[AXVM_NAME_MAX];
	int64_t event;
	int64_t vcpu_id;
	int64_t exit_kind;
};

/*
 * Open a socket, with extended ACKs, and resolve "axvm" and its "events"
 * group through the controller. 0, or -errno (-ENOENT: no such family).
 */
int axnl_open(struct axnl *nl);
void axnl_close(struct axnl *nl);
/* Join the events group: this socket then receives multicast events. */
int axnl_subscribe(struct axnl *nl);

/* Start a request of family nl->family (or another), command cmd. */
void axnl_req_init(struct axnl_req *req, uint16_t family, uint8_t cmd,
		   uint16_t flags);
/* Append an attribute of any type, with len bytes of data (padded). */
void axnl_put(struct axnl_req *req, uint16_t type, const void *data, size_t len);
void axnl_put_u32(struct axnl_req *req, uint16_t type, uint32_t v);
void axnl_put_u64(struct axnl_req *req, uint16_t type, uint64_t v);
void axnl_put_str(struct axnl_req *req, uint16_t type, const char *s);
/* Append raw bytes (not an attribute): for trailing-garbage tests. */
void axnl_put_raw(struct axnl_req *req, const void *data, size_t len);
/* Byte offset of the next attribute from the start of the message. */
size_t axnl_offset(const struct axnl_req *req);
/* The genetlink header of the request (to set reserved/version). */
struct genlmsghdr *axnl_genlhdr(struct axnl_req *req);

/*
 * Send req (NLM_F_REQUEST | NLM_F_ACK added) and read the answer until the
 * ACK, or NLMSG_DONE for a dump. Each reply message of the family goes to
 * cb (if given) with its attributes. Returns res->err (0 or -errno); a
 * failure of the socket itself is fatal.
 */
typedef void (*axnl_cb)(const struct genlmsghdr *g, const struct nlattr *attrs,
			size_t len, void *arg);
int axnl_xfer(struct axnl *nl, struct axnl_req *req, struct axnl_result *res,
	      axnl_cb cb, void *arg);

/*
 * Parse a run of attributes into tb[0..max] (the last of each type wins;
 * unknown types ignored). Returns false if they do not fit in len.
 */
bool axnl_parse(const struct nlattr *attrs, size_t len,
		const struct nlattr **tb, unsigned int max);
uint32_t axnl_u32(const struct nlattr *a);
uint64_t axnl_u64(const struct nlattr *a);

/* --- the family's commands -------------------------------------------- */

/* VM_NEW: name, and mem/vcpus unless 0. out (may be NULL): the reply. */
int axnl_vm_new(struct axnl *nl, const char *name, uint64_t mem,
		uint32_t vcpus, struct axnl_result *res, struct axnl_vm *out);
/* VM_NEW with AXVM_A_VM_DEV_FD = dev_fd (none if dev_fd < 0). */
int axnl_vm_new_dev(struct axnl *nl, const char *name, int dev_fd,
		    struct axnl_result *res, struct axnl_vm *out);
/* EVENT_SUBSCRIBE: the caller's VMs' events, unicast to this socket. */
int axnl_event_subscribe(struct axnl *nl, struct axnl_result *res);
/* VM_DEL, VM_STOP, VM_GET (do): by name (if non-NULL) and/or id (if non-0). */
int axnl_vm_ref(struct axnl *nl, uint8_t cmd, const char *name, uint32_t id,
		struct axnl_result *res, struct axnl_vm *out);
/* VM_GET dump: up to max VMs into vms; returns how many, or -errno. */
int axnl_vm_list(struct axnl *nl, struct axnl_vm *vms, int max,
		 struct axnl_result *res);
/* VM_STATS by name. */
int axnl_vm_stats(struct axnl *nl, const char *name, struct axnl_stats *st,
		  struct axnl_result *res);
/* Find a VM in a list by name (NULL if absent). */
const struct axnl_vm *axnl_find(const struct axnl_vm *vms, int n,
				const char *name);

/*
 * Next event on a subscribed socket, waiting up to timeout_ms. Returns 1
 * with ev filled, 0 on timeout, -errno (e.g. -ENOBUFS: events were lost).
 * Messages of other commands are skipped.
 */
int axnl_next_event(struct axnl *nl, struct axnl_event *ev, int timeout_ms);

const char *axnl_event_name(int64_t ev);

#endif
