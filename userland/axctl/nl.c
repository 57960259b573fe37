// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: requests to the generic netlink family "axvm", with the kernel's
 * extended ACK message reported.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "axctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* libnl error codes back to errno, for errors libnl itself detected. */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_PERM:
		return EPERM;
	case NLE_NOACCESS:
		return EACCES;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_EXIST:
		return EEXIST;
	case NLE_BUSY:
		return EBUSY;
	case NLE_INVAL:
		return EINVAL;
	case NLE_AGAIN:
		return EAGAIN;
	case NLE_INTR:
		return EINTR;
	case NLE_PROTO_MISMATCH:
	case NLE_AF_NOSUPPORT:
		return EPROTONOSUPPORT;
	case NLE_OPNOTSUPP:
		return EOPNOTSUPP;
	case NLE_RANGE:
		return ERANGE;
	case NLE_MSGSIZE:
		return EMSGSIZE;
	}
	return EIO;
}

int axnl_open(struct axnl *nl)
{
	int one = 1;
	int r;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	r = genl_connect(nl->sk);
	if (r < 0) {
		r = -nlerr_to_errno(r);
		goto fail;
	}
	/* Best effort: kernels without extack just send plain errors. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	r = genl_ctrl_resolve(nl->sk, AXVM_GENL_NAME);
	if (r < 0) {
		r = r == -NLE_OBJ_NOTFOUND ? -ENOENT : -nlerr_to_errno(r);
		goto fail;
	}
	nl->family = r;
	/* VM_STATS of many vCPUs is tens of KiB: peek at the size first. */
	nl_socket_enable_msg_peek(nl->sk);
	return 0;
fail:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return r;
}

void axnl_open_or_die(struct axnl *nl)
{
	int r = axnl_open(nl);

	if (r == -ENOENT)
		axctl_die(AXCTL_ENOMODULE,
			  "axvm module not loaded (no generic netlink family \"%s\"): modprobe axvm",
			  AXVM_GENL_NAME);
	if (r == -EPERM || r == -EACCES)
		axctl_die(AXCTL_EPERM, "permission denied on the netlink socket");
	if (r)
		axctl_die(AXCTL_EFAIL, "cannot talk to the axvm netlink family: %s",
			  strerror(-r));
}

void axnl_close(struct axnl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *axnl_msg(struct axnl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
			 cmd, AXVM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct call_ctx {
	struct axnl *nl;
	axnl_reply_fn fn;
	void *arg;
	int err;	/* -errno, or 0 */
	bool done;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct call_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[AXVM_A_MAX + 1];
	struct genlmsghdr *g;
	int r;

	if (!genlmsg_valid_hdr(h, 0) ||
	    genlmsg_parse(h, 0, tb, AXVM_A_MAX, NULL) < 0) {
		c->err = -EPROTO;
		return NL_STOP;
	}
	g = nlmsg_data(h);
	if (c->fn) {
		r = c->fn(tb, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  c->arg);
		if (r < 0) {
			c->err = r;
			return NL_STOP;
		}
	}
	return NL_OK;
}

/* A dump that failed part-way ends with NLMSG_DONE carrying -errno. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct call_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int e;

	if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&e, nlmsg_data(h), sizeof(e));
		if (e < 0 && !c->err)
			c->err = e;
	}
	c->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct call_ctx *c = arg;

	(void)msg;
	c->done = true;
	return NL_STOP;
}

/* Pick NLMSGERR_ATTR_MSG (and MISS_TYPE) out of an extended ACK. */
static void parse_extack(struct axnl *nl, struct nlmsgerr *e)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct nlattr *a;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (h->nlmsg_len <= off)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)h + off),
		      h->nlmsg_len - off, NULL) < 0)
		return;
	a = tb[NLMSGERR_ATTR_MSG];
	if (a && nla_len(a) > 0) {
		size_t n = strnlen(nla_data(a), nla_len(a));

		if (n >= sizeof(nl->ext_msg))
			n = sizeof(nl->ext_msg) - 1;
		memcpy(nl->ext_msg, nla_data(a), n);
		nl->ext_msg[n] = '\0';
	}
	a = tb[NLMSGERR_ATTR_MISS_TYPE];
	if (a && nla_len(a) >= 4)
		nl->ext_missing = (int)nla_get_u32(a) + 1;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct call_ctx *c = arg;

	(void)who;
	c->err = e->error < 0 ? e->error : -EPROTO;
	parse_extack(c->nl, e);
	c->done = true;
	return NL_STOP;
}

int axnl_call(struct axnl *nl, struct nl_msg *msg, axnl_reply_fn fn, void *arg)
{
	struct call_ctx c = { .nl = nl, .fn = fn, .arg = arg };
	bool intr = false;
	struct nl_cb *cb;
	int r;

	nl->ext_msg[0] = '\0';
	nl->ext_missing = 0;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &c);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &c);

	r = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (r < 0) {
		nl_cb_put(cb);
		return -nlerr_to_errno(r);
	}
	while (!c.done && !c.err) {
		r = nl_recvmsgs(nl->sk, cb);
		/* A dump that changed meanwhile: read it to its end, then say so. */
		if (r == -NLE_DUMP_INTR) {
			intr = true;
			continue;
		}
		if (r < 0 && !c.err)
			c.err = -nlerr_to_errno(r);
	}
	nl_cb_put(cb);
	if (!c.err && intr)
		return -EAGAIN;
	return c.err;
}

bool nla_get_uint(struct nlattr *a, uint64_t *v)
{
	uint32_t v32;
	uint64_t v64;

	if (!a)
		return false;
	if (nla_len(a) >= 8) {
		memcpy(&v64, nla_data(a), sizeof(v64));
		*v = v64;
		return true;
	}
	if (nla_len(a) >= 4) {
		memcpy(&v32, nla_data(a), sizeof(v32));
		*v = v32;
		return true;
	}
	return false;
}

void vm_info_parse(struct nlattr **tb, struct vm_info *vm)
{
	uint64_t v;

	memset(vm, 0, sizeof(*vm));
	if ((vm->has_id = nla_get_uint(tb[AXVM_A_VM_ID], &v)))
		vm->id = v;
	if (tb[AXVM_A_VM_NAME] && nla_len(tb[AXVM_A_VM_NAME]) > 0) {
		size_t n = strnlen(nla_data(tb[AXVM_A_VM_NAME]),
				   nla_len(tb[AXVM_A_VM_NAME]));

		if (n >= sizeof(vm->name))
			n = sizeof(vm->name) - 1;
		memcpy(vm->name, nla_data(tb[AXVM_A_VM_NAME]), n);
	}
	if ((vm->has_mem = nla_get_uint(tb[AXVM_A_VM_MEM_BYTES], &v)))
		vm->mem_bytes = v;
	if ((vm->has_vcpus = nla_get_uint(tb[AXVM_A_VM_VCPUS], &v)))
		vm->vcpus = v;
	if ((vm->has_state = nla_get_uint(tb[AXVM_A_VM_STATE], &v)))
		vm->state = v;
	if ((vm->has_owner = nla_get_uint(tb[AXVM_A_VM_OWNER_PID], &v)))
		vm->owner_pid = v;
}

static int vm_get_reply(struct nlattr **tb, struct nlattr *head, int len,
			void *arg)
{
	(void)head;
	(void)len;
	vm_info_parse(tb, arg);
	return 0;
}

int axnl_vm_get(struct axnl *nl, const char *name, struct vm_info *vm)
{
	struct nl_msg *msg = axnl_msg(nl, AXVM_CMD_VM_GET, 0);

	memset(vm, 0, sizeof(*vm));
	if (!msg || nla_put_string(msg, AXVM_A_VM_NAME, name) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return axnl_call(nl, msg, vm_get_reply, vm);
}

void axnl_die(struct axnl *nl, int err, const char *what, const char *name)
{
	char ext[320] = "";
	int status = AXCTL_EFAIL;
	char msg[256];

	if (err < 0)
		err = -err;
	if (nl && nl->ext_msg[0])
		snprintf(ext, sizeof(ext), " (kernel: %s)", nl->ext_msg);
	else if (nl && nl->ext_missing)
		snprintf(ext, sizeof(ext), " (kernel: missing attribute %d)",
			 nl->ext_missing - 1);
	switch (err) {
	case ENOENT:
	case ESRCH:
		status = AXCTL_ENOVM;
		snprintf(msg, sizeof(msg), "no VM named %s", name);
		break;
	case EEXIST:
		status = AXCTL_EEXIST;
		snprintf(msg, sizeof(msg), "VM %s already exists", name);
		break;
	case EPERM:
	case EACCES:
		status = AXCTL_EPERM;
		snprintf(msg, sizeof(msg),
			 "permission denied (need read/write access to %s, or CAP_NET_ADMIN)",
			 AXVM_DEV_PATH);
		break;
	case EBUSY:
		status = AXCTL_EBUSY;
		if (!strcmp(what, "create"))
			snprintf(msg, sizeof(msg),
				 "another hypervisor holds VT-x (EBUSY)");
		else
			snprintf(msg, sizeof(msg), "VM %s is busy", name);
		break;
	case ENOSPC:
		if (!strcmp(what, "create")) {
			snprintf(msg, sizeof(msg),
				 "too many VMs (axvm module parameter max_vms)");
			break;
		}
		/* fall through */
	case EDQUOT:
		if (!strcmp(what, "create")) {
			snprintf(msg, sizeof(msg),
				 "too many VMs of this user (axvm module parameter max_vms_per_user)");
			break;
		}
		/* fall through */
	default:
		snprintf(msg, sizeof(msg), "%s %s: %s", what, name, strerror(err));
		break;
	}
	axctl_die(status, "%s%s", msg, ext);
}
