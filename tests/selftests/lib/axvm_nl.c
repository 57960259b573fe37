// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink client for the "axvm" family: see axvm_nl.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "axvm_nl.h"
#include "axvm_util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Big enough for any answer of the family, and a dump part. */
static char rxbuf[256 * 1024] __attribute__((aligned(8)));

#define GENL_HDRLEN_ALL	(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct genlmsghdr)))

static const void *nla_payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static size_t nla_plen(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* The attribute's length with its padding. */
static size_t nla_alen(const struct nlattr *a)
{
	return NLA_ALIGN((size_t)a->nla_len);
}

bool axnl_parse(const struct nlattr *attrs, size_t len,
		const struct nlattr **tb, unsigned int max)
{
	const char *p = (const char *)attrs;
	unsigned int type;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return false;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		if (nla_alen(a) >= len)
			return true;
		len -= nla_alen(a);
		p += nla_alen(a);
	}
	return len == 0;
}

uint32_t axnl_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	AXVM_CHECK(a && nla_plen(a) == 4, "u32 attribute of %zu bytes",
		   a ? nla_plen(a) : 0);
	memcpy(&v, nla_payload(a), 4);
	return v;
}

uint64_t axnl_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	AXVM_CHECK(a && nla_plen(a) == 8, "u64 attribute of %zu bytes",
		   a ? nla_plen(a) : 0);
	memcpy(&v, nla_payload(a), 8);
	return v;
}

/* A string attribute into buf (always terminated). */
static void get_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t n;

	buf[0] = 0;
	if (!a)
		return;
	n = nla_plen(a) < size - 1 ? nla_plen(a) : size - 1;
	memcpy(buf, nla_payload(a), n);
	buf[n] = 0;
}

/* --- requests ----------------------------------------------------------- */

void axnl_req_init(struct axnl_req *req, uint16_t family, uint8_t cmd,
		   uint16_t flags)
{
	struct genlmsghdr *g;

	memset(req->buf, 0, sizeof(req->buf));
	req->nlh.nlmsg_type = family;
	req->nlh.nlmsg_flags = flags;
	g = (struct genlmsghdr *)(req->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = AXVM_GENL_VERSION;
	req->len = GENL_HDRLEN_ALL;
}

struct genlmsghdr *axnl_genlhdr(struct axnl_req *req)
{
	return (struct genlmsghdr *)(req->buf + NLMSG_HDRLEN);
}

size_t axnl_offset(const struct axnl_req *req)
{
	return req->len;
}

void axnl_put_raw(struct axnl_req *req, const void *data, size_t len)
{
	AXVM_CHECK(req->len + len <= sizeof(req->buf), "request too long");
	memcpy(req->buf + req->len, data, len);
	req->len += len;
}

void axnl_put(struct axnl_req *req, uint16_t type, const void *data, size_t len)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + len, .nla_type = type };
	static const char zero[NLA_ALIGNTO];

	axnl_put_raw(req, &a, sizeof(a));
	if (len)
		axnl_put_raw(req, data, len);
	if (NLA_ALIGN(len) != len)
		axnl_put_raw(req, zero, NLA_ALIGN(len) - len);
}

void axnl_put_u32(struct axnl_req *req, uint16_t type, uint32_t v)
{
	axnl_put(req, type, &v, sizeof(v));
}

void axnl_put_u64(struct axnl_req *req, uint16_t type, uint64_t v)
{
	axnl_put(req, type, &v, sizeof(v));
}

void axnl_put_str(struct axnl_req *req, uint16_t type, const char *s)
{
	axnl_put(req, type, s, strlen(s) + 1);
}

/* The extended ACK TLVs after an nlmsgerr (or after DONE's error code). */
static void parse_ext_ack(const struct nlattr *tlvs, size_t len,
			  struct axnl_result *res)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!axnl_parse(tlvs, len, tb, NLMSGERR_ATTR_MAX))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		get_str(tb[NLMSGERR_ATTR_MSG], res->msg, sizeof(res->msg));
	if (tb[NLMSGERR_ATTR_OFFS])
		res->offs = axnl_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		res->miss_type = axnl_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
}

int axnl_xfer(struct axnl *nl, struct axnl_req *req, struct axnl_result *res,
	      axnl_cb cb, void *arg)
{
	bool dump = req->nlh.nlmsg_flags & NLM_F_DUMP;
	struct axnl_result local;
	uint32_t seq = ++nl->seq;
	ssize_t n;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->offs = -1;
	res->miss_type = -1;
	req->nlh.nlmsg_len = req->len;
	req->nlh.nlmsg_flags |= NLM_F_REQUEST;
	/* A dump ends with NLMSG_DONE; an ACK after it is not asked for. */
	if (!dump)
		req->nlh.nlmsg_flags |= NLM_F_ACK;
	req->nlh.nlmsg_seq = seq;
	n = send(nl->fd, req->buf, req->len, 0);
	AXVM_CHECK(n == (ssize_t)req->len, "netlink send: %zd", n);

	for (;;) {
		struct nlmsghdr *h;
		size_t left;

		n = recv(nl->fd, rxbuf, sizeof(rxbuf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		AXVM_CHECK(n > 0, "netlink recv: %zd", n);
		left = n;
		for (h = (struct nlmsghdr *)rxbuf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				size_t off = NLMSG_HDRLEN + sizeof(*e);

				res->err = e->error;
				if (!(h->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				if ((h->nlmsg_flags & NLM_F_ACK_TLVS) &&
				    h->nlmsg_len > off)
					parse_ext_ack((void *)((char *)h + off),
						      h->nlmsg_len - off, res);
				return res->err;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int *err = NLMSG_DATA(h);
				size_t off = NLMSG_HDRLEN + sizeof(int);

				if (h->nlmsg_len >= off)
					res->err = *err;
				if ((h->nlmsg_flags & NLM_F_ACK_TLVS) &&
				    h->nlmsg_len > off)
					parse_ext_ack((void *)((char *)h + off),
						      h->nlmsg_len - off, res);
				return res->err;
			}
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				res->dump_intr = true;
			if (cb && h->nlmsg_len >= GENL_HDRLEN_ALL)
				cb(NLMSG_DATA(h),
				   (const struct nlattr *)((char *)h + GENL_HDRLEN_ALL),
				   h->nlmsg_len - GENL_HDRLEN_ALL, arg);
		}
	}
}

/* --- family resolution -------------------------------------------------- */

static void family_cb(const struct genlmsghdr *g, const struct nlattr *attrs,
		      size_t len, void *arg)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct axnl *nl = arg;
	const struct nlattr *grp;
	size_t left;
	char name[32];

	(void)g;
	if (!axnl_parse(attrs, len, tb, CTRL_ATTR_MAX) || !tb[CTRL_ATTR_FAMILY_ID])
		return;
	memcpy(&nl->family, nla_payload(tb[CTRL_ATTR_FAMILY_ID]), sizeof(nl->family));
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	grp = nla_payload(tb[CTRL_ATTR_MCAST_GROUPS]);
	left = nla_plen(tb[CTRL_ATTR_MCAST_GROUPS]);
	while (left >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN &&
	       grp->nla_len <= left) {
		if (axnl_parse(nla_payload(grp), nla_plen(grp), gtb,
			       CTRL_ATTR_MCAST_GRP_MAX) &&
		    gtb[CTRL_ATTR_MCAST_GRP_NAME] && gtb[CTRL_ATTR_MCAST_GRP_ID]) {
			get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME], name, sizeof(name));
			if (!strcmp(name, AXVM_GENL_MCGRP_EVENTS))
				nl->events_grp = axnl_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
		}
		if (nla_alen(grp) >= left)
			break;
		left -= nla_alen(grp);
		grp = (const struct nlattr *)((const char *)grp + nla_alen(grp));
	}
}

int axnl_open(struct axnl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct axnl_req req;
	int one = 1, r;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one))) {
		r = -errno;
		close(nl->fd);
		nl->fd = -1;
		return r;
	}
	axnl_req_init(&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	axnl_genlhdr(&req)->version = 2;
	axnl_put_str(&req, CTRL_ATTR_FAMILY_NAME, AXVM_GENL_NAME);
	r = axnl_xfer(nl, &req, NULL, family_cb, nl);
	if (!r && !nl->family)
		r = -ENOENT;
	if (r) {
		close(nl->fd);
		nl->fd = -1;
	}
	return r;
}

void axnl_close(struct axnl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int axnl_subscribe(struct axnl *nl)
{
	uint32_t grp = nl->events_grp;

	if (!grp)
		return -ENOENT;
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
		return -errno;
	return 0;
}

/* --- the family's commands ---------------------------------------------- */

static void vm_cb(const struct genlmsghdr *g, const struct nlattr *attrs,
		  size_t len, void *arg)
{
	const struct nlattr *tb[AXVM_A_MAX + 1];
	struct axnl_vm *vm = arg;

	(void)g;
	AXVM_CHECK(axnl_parse(attrs, len, tb, AXVM_A_MAX), "malformed VM message");
	AXVM_CHECK(tb[AXVM_A_VM_ID] && tb[AXVM_A_VM_NAME] &&
		   tb[AXVM_A_VM_MEM_BYTES] && tb[AXVM_A_VM_VCPUS] &&
		   tb[AXVM_A_VM_STATE] && tb[AXVM_A_VM_OWNER_PID],
		   "VM message without every attribute");
	vm->id = axnl_u32(tb[AXVM_A_VM_ID]);
	get_str(tb[AXVM_A_VM_NAME], vm->name, sizeof(vm->name));
	vm->mem_bytes = axnl_u64(tb[AXVM_A_VM_MEM_BYTES]);
	vm->vcpus = axnl_u32(tb[AXVM_A_VM_VCPUS]);
	vm->state = axnl_u32(tb[AXVM_A_VM_STATE]);
	vm->owner_pid = axnl_u32(tb[AXVM_A_VM_OWNER_PID]);
	vm->owner_uid = tb[AXVM_A_VM_OWNER_UID] ?
			(int64_t)axnl_u32(tb[AXVM_A_VM_OWNER_UID]) : -1;
}

int axnl_vm_new(struct axnl *nl, const char *name, uint64_t mem,
		uint32_t vcpus, struct axnl_result *res, struct axnl_vm *out)
{
	struct axnl_vm local;
	struct axnl_req req;

	axnl_req_init(&req, nl->family, AXVM_CMD_VM_NEW, 0);
	axnl_put_str(&req, AXVM_A_VM_NAME, name);
	if (mem)
		axnl_put_u64(&req, AXVM_A_VM_MEM_BYTES, mem);
	if (vcpus)
		axnl_put_u32(&req, AXVM_A_VM_VCPUS, vcpus);
	return axnl_xfer(nl, &req, res, vm_cb, out ? out : &local);
}

int axnl_vm_new_dev(struct axnl *nl, const char *name, int dev_fd,
		    struct axnl_result *res, struct axnl_vm *out)
{
	struct axnl_vm local;
	struct axnl_req req;

	axnl_req_init(&req, nl->family, AXVM_CMD_VM_NEW, 0);
	axnl_put_str(&req, AXVM_A_VM_NAME, name);
	if (dev_fd >= 0)
		axnl_put_u32(&req, AXVM_A_VM_DEV_FD, dev_fd);
	return axnl_xfer(nl, &req, res, vm_cb, out ? out : &local);
}

int axnl_event_subscribe(struct axnl *nl, struct axnl_result *res)
{
	struct axnl_req req;

	axnl_req_init(&req, nl->family, AXVM_CMD_EVENT_SUBSCRIBE, 0);
	return axnl_xfer(nl, &req, res, NULL, NULL);
}

int axnl_vm_ref(struct axnl *nl, uint8_t cmd, const char *name, uint32_t id,
		struct axnl_result *res, struct axnl_vm *out)
{
	struct axnl_vm local;
	struct axnl_req req;

	axnl_req_init(&req, nl->family, cmd, 0);
	if (name)
		axnl_put_str(&req, AXVM_A_VM_NAME, name);
	if (id)
		axnl_put_u32(&req, AXVM_A_VM_ID, id);
	return axnl_xfer(nl, &req, res, vm_cb, out ? out : &local);
}

struct list_arg {
	struct axnl_vm *vms;
	int n, max;
};

static void list_cb(const struct genlmsghdr *g, const struct nlattr *attrs,
		    size_t len, void *arg)
{
	struct list_arg *l = arg;

	AXVM_CHECK(l->n < l->max, "more than %d VMs listed", l->max);
	vm_cb(g, attrs, len, &l->vms[l->n++]);
}

int axnl_vm_list(struct axnl *nl, struct axnl_vm *vms, int max,
		 struct axnl_result *res)
{
	struct list_arg l = { .vms = vms, .max = max };
	struct axnl_req req;
	int r;

	axnl_req_init(&req, nl->family, AXVM_CMD_VM_GET, NLM_F_DUMP);
	r = axnl_xfer(nl, &req, res, list_cb, &l);
	return r ? r : l.n;
}

const struct axnl_vm *axnl_find(const struct axnl_vm *vms, int n,
				const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(vms[i].name, name))
			return &vms[i];
	return NULL;
}

static void stats_vcpu(const struct nlattr *nest, struct axnl_vcpu_stats *v)
{
	const struct nlattr *tb[AXVM_A_MAX + 1], *rtb[AXVM_A_MAX + 1];
	const char *p = nla_payload(nest);
	size_t left = nla_plen(nest);

	AXVM_CHECK(axnl_parse(nla_payload(nest), left, tb, AXVM_A_MAX) &&
		   tb[AXVM_A_VCPU_ID] && tb[AXVM_A_VCPU_EXITS_KERNEL] &&
		   tb[AXVM_A_VCPU_EXITS_USER], "malformed VCPU nest");
	memset(v, 0, sizeof(*v));
	v->id = axnl_u32(tb[AXVM_A_VCPU_ID]);
	v->exits_kernel = axnl_u64(tb[AXVM_A_VCPU_EXITS_KERNEL]);
	v->exits_user = axnl_u64(tb[AXVM_A_VCPU_EXITS_USER]);
	/* REASON nests repeat: walk them all. */
	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		uint32_t r;

		AXVM_CHECK(a->nla_len >= NLA_HDRLEN && a->nla_len <= left,
			   "malformed VCPU nest");
		if ((a->nla_type & NLA_TYPE_MASK) == AXVM_A_VCPU_REASON) {
			AXVM_CHECK(axnl_parse(nla_payload(a), nla_plen(a), rtb, AXVM_A_MAX) &&
				   rtb[AXVM_A_REASON_ID] && rtb[AXVM_A_REASON_COUNT],
				   "malformed REASON nest");
			r = axnl_u32(rtb[AXVM_A_REASON_ID]);
			AXVM_CHECK(r < AXNL_MAX_REASON, "reason %u", r);
			v->reasons[r] = axnl_u64(rtb[AXVM_A_REASON_COUNT]);
		}
		if (nla_alen(a) >= left)
			break;
		left -= nla_alen(a);
		p += nla_alen(a);
	}
}

static void stats_cb(const struct genlmsghdr *g, const struct nlattr *attrs,
		     size_t len, void *arg)
{
	const struct nlattr *tb[AXVM_A_MAX + 1];
	struct axnl_stats *st = arg;
	const char *p = (const char *)attrs;
	size_t left = len;

	(void)g;
	AXVM_CHECK(axnl_parse(attrs, len, tb, AXVM_A_MAX) && tb[AXVM_A_VM_ID] &&
		   tb[AXVM_A_VM_NAME], "malformed VM_STATS reply");
	st->vm_id = axnl_u32(tb[AXVM_A_VM_ID]);
	get_str(tb[AXVM_A_VM_NAME], st->name, sizeof(st->name));
	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;

		if ((a->nla_type & NLA_TYPE_MASK) == AXVM_A_VM_VCPU) {
			AXVM_CHECK(st->nr_vcpus < AXVM_MAX_VCPUS, "too many vCPUs");
			stats_vcpu(a, &st->vcpus[st->nr_vcpus++]);
		}
		if (nla_alen(a) >= left)
			break;
		left -= nla_alen(a);
		p += nla_alen(a);
	}
}

int axnl_vm_stats(struct axnl *nl, const char *name, struct axnl_stats *st,
		  struct axnl_result *res)
{
	struct axnl_req req;

	memset(st, 0, sizeof(*st));
	axnl_req_init(&req, nl->family, AXVM_CMD_VM_STATS, 0);
	axnl_put_str(&req, AXVM_A_VM_NAME, name);
	return axnl_xfer(nl, &req, res, stats_cb, st);
}

/* --- events ------------------------------------------------------------- */

int axnl_next_event(struct axnl *nl, struct axnl_event *ev, int timeout_ms)
{
	const struct nlattr *tb[AXVM_A_MAX + 1];
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	struct genlmsghdr *g;
	struct nlmsghdr *h;
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		n = recv(nl->fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		/* One event per datagram: the kernel multicasts each alone. */
		h = (struct nlmsghdr *)rxbuf;
		if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type != nl->family ||
		    h->nlmsg_len < GENL_HDRLEN_ALL)
			continue;
		g = NLMSG_DATA(h);
		if (g->cmd != AXVM_CMD_EVENT)
			continue;
		AXVM_CHECK(axnl_parse((struct nlattr *)((char *)h + GENL_HDRLEN_ALL),
				      h->nlmsg_len - GENL_HDRLEN_ALL, tb, AXVM_A_MAX),
			   "malformed event");
		memset(ev, 0, sizeof(*ev));
		ev->vm_id = tb[AXVM_A_VM_ID] ? axnl_u32(tb[AXVM_A_VM_ID]) : 0;
		get_str(tb[AXVM_A_VM_NAME], ev->name, sizeof(ev->name));
		ev->event = tb[AXVM_A_EVENT] ? (int64_t)axnl_u32(tb[AXVM_A_EVENT]) : -1;
		ev->vcpu_id = tb[AXVM_A_VCPU_ID] ? (int64_t)axnl_u32(tb[AXVM_A_VCPU_ID]) : -1;
		ev->exit_kind = tb[AXVM_A_EXIT_KIND] ? (int64_t)axnl_u32(tb[AXVM_A_EXIT_KIND]) : -1;
		return 1;
	}
}

const char *axnl_event_name(int64_t ev)
{
	static const char *const names[] = {
		[AXVM_EV_CREATED] = "CREATED",
		[AXVM_EV_STARTED] = "STARTED",
		[AXVM_EV_STOPPED] = "STOPPED",
		[AXVM_EV_DESTROYED] = "DESTROYED",
		[AXVM_EV_VCPU_EXIT] = "VCPU_EXIT",
		[AXVM_EV_PAUSED] = "PAUSED",
		[AXVM_EV_RESUMED] = "RESUMED",
	};

	if (ev >= 0 && ev < (int64_t)(sizeof(names) / sizeof(names[0])))
		return names[ev];
	return "?";
}
