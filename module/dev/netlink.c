// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "axvm" (uapi/linux/axvm_genl.h): VM_NEW,
 * VM_DEL, VM_STOP, VM_PAUSE, VM_RESUME, VM_GET (do and dump), VM_STATS,
 * EVENT_SUBSCRIBE, and the "events" multicast group. Initial network
 * namespace only. See Documentation/netlink.rst and
 * Documentation/netlink/axvm.yaml.
 *
 * Ownership (owner.c): every command about a VM sees only the
 * caller's own VMs, unless the caller has CAP_NET_ADMIN in the initial
 * user namespace; a foreign VM is "no such VM" (ENOENT) and is not dumped.
 * VM_NEW needs CAP_NET_ADMIN or an fd of /dev/axvm (AXVM_A_VM_DEV_FD): the
 * device's mode and group decide who may make VMs, over netlink too.
 * Events: the "events" group is for CAP_NET_ADMIN only (it cannot be
 * filtered per receiver); owners get their VMs' events unicast on the
 * sockets they subscribed with EVENT_SUBSCRIBE.
 *
 * Every request is validated strictly against the policy of its command
 * (unknown attributes, trailing data and bad header fields are refused).
 * Requests run without genl_mutex (parallel_ops); the registry lock and
 * VM references make them safe against each other and against files being
 * closed. Module exit unregisters the family first, which waits for the
 * requests in progress; dumps hold a module reference while they last.
 */
#include <linux/file.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/axvm_genl.h>
#include "core.h"
#include "dev/chardev.h"
#include "dev/netlink.h"
#include "dev/registry.h"
#include "vm.h"

enum { AXVM_MCGRP_EVENTS };

/*
 * Joining needs CAP_NET_ADMIN where the kernel can check it (upstream 6.6,
 * backported to Debian's 6.1); without that check nothing is multicast.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define AXVM_MCAST_EVENTS	true
#define AXVM_MCAST_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#else
#define AXVM_MCAST_EVENTS	false
#define AXVM_MCAST_FLAGS	0
#endif

static const struct genl_multicast_group axvm_mcgrps[] = {
	[AXVM_MCGRP_EVENTS] = {
		.name = AXVM_GENL_MCGRP_EVENTS,
		.flags = AXVM_MCAST_FLAGS,
	},
};

/**
 * struct ev_sub - a socket subscribed with EVENT_SUBSCRIBE
 * @node: in ev_subs
 * @portid: where events are unicast
 * @sk: the subscribed socket (a reference): once it is closing, its port
 *	id may be someone else's before NETLINK_URELEASE removes this entry
 * @cred: the subscriber's credentials: it gets its own VMs' events
 * @all: it had CAP_NET_ADMIN: it gets every VM's events
 */
struct ev_sub {
	struct list_head node;
	u32 portid;
	struct sock *sk;
	const struct cred *cred;
	bool all;
};

/* Subscribers; removed when their socket closes (NETLINK_URELEASE). */
static LIST_HEAD(ev_subs);
static DEFINE_MUTEX(ev_lock);
static unsigned int nr_subs;
#define AXVM_MAX_EV_SUBS	4096

/* Events are sent only while the family is registered. */
static bool nl_up;

#define AXVM_NAME_POLICY { .type = NLA_NUL_STRING, .len = AXVM_NAME_MAX - 1 }

static const struct nla_policy vm_new_policy[AXVM_A_VM_DEV_FD + 1] = {
	[AXVM_A_VM_NAME] = AXVM_NAME_POLICY,
	[AXVM_A_VM_MEM_BYTES] = { .type = NLA_U64 },
	[AXVM_A_VM_VCPUS] = NLA_POLICY_RANGE(NLA_U32, 1, AXVM_MAX_VCPUS),
	[AXVM_A_VM_FLAGS] = NLA_POLICY_MAX(NLA_U32, 0),
	[AXVM_A_VM_DEV_FD] = { .type = NLA_U32 },
};

/* Commands that name one VM: by NAME, by ID, or by both. */
static const struct nla_policy vm_ref_policy[AXVM_A_VM_NAME + 1] = {
	[AXVM_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[AXVM_A_VM_NAME] = AXVM_NAME_POLICY,
};

static struct genl_family axvm_genl_family;

/* Worst-case size of the attributes of a VM message. */
static size_t vm_msg_size(void)
{
	return nla_total_size(sizeof(u32)) +		/* ID */
	       nla_total_size(AXVM_NAME_MAX) +		/* NAME */
	       nla_total_size_64bit(sizeof(u64)) +	/* MEM_BYTES */
	       4 * nla_total_size(sizeof(u32));	/* VCPUS, STATE, OWNER_* */
}

static int fill_vm(struct sk_buff *skb, const struct axvm_vm_info *vi)
{
	if (nla_put_u32(skb, AXVM_A_VM_ID, vi->id) ||
	    nla_put_string(skb, AXVM_A_VM_NAME, vi->name) ||
	    nla_put_u64_64bit(skb, AXVM_A_VM_MEM_BYTES, vi->mem_bytes,
			      AXVM_A_PAD) ||
	    nla_put_u32(skb, AXVM_A_VM_VCPUS, vi->nr_vcpus) ||
	    nla_put_u32(skb, AXVM_A_VM_STATE, vi->state) ||
	    nla_put_u32(skb, AXVM_A_VM_OWNER_PID, vi->owner) ||
	    nla_put_u32(skb, AXVM_A_VM_OWNER_UID, vi->owner_uid))
		return -EMSGSIZE;
	return 0;
}

/* Sends @msg, allocated for vm_msg_size(), with @vi as the reply. */
static int reply_vm(struct sk_buff *msg, struct genl_info *info, u8 cmd,
		    const struct axvm_vm_info *vi)
{
	void *hdr;

	hdr = genlmsg_put_reply(msg, info, &axvm_genl_family, 0, cmd);
	if (!hdr || fill_vm(msg, vi)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The VM name in @attr if it is one: 1 to 31 characters of
 * [A-Za-z0-9_.-]; else NULL with the extack set. The policy has already
 * checked that a NUL comes within AXVM_NAME_MAX bytes.
 */
static const char *parse_name(const struct nlattr *attr,
			      struct netlink_ext_ack *extack)
{
	const char *name = nla_data(attr);

	if (!name[0] || !axvm_vm_name_valid(name)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "VM name must be 1 to 31 characters of [A-Za-z0-9_.-]");
		return NULL;
	}
	return name;
}

/* Snapshot @vm for the caller: its owner's uid in the caller's namespace. */
static void vm_info(struct axvm_vm *vm, struct axvm_vm_info *vi)
{
	axvm_registry_info(vm, vi);
	vi->owner_uid = from_kuid_munged(current_user_ns(), vm->owner.uid);
}

/*
 * The VM a request names (NAME and/or ID: both must then match); every
 * command that takes an existing VM goes through here. A VM the caller
 * may not see (owner.c) is "no such VM", as if it did not exist.
 * axvm_reg_lock held.
 */
static struct axvm_vm *lookup(const struct sk_buff *skb,
			     struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[AXVM_A_VM_ID];
	struct nlattr *name_attr = info->attrs[AXVM_A_VM_NAME];
	const char *name = NULL;
	struct axvm_vm *vm;

	if (!id_attr && !name_attr) {
		NL_SET_ERR_MSG(info->extack,
			       "AXVM_A_VM_NAME or AXVM_A_VM_ID is required");
		return ERR_PTR(-EINVAL);
	}
	if (name_attr) {
		name = parse_name(name_attr, info->extack);
		if (!name)
			return ERR_PTR(-EINVAL);
	}
	vm = axvm_registry_find(id_attr ? nla_get_u32(id_attr) : 0, name);
	if (!vm || !axvm_owner_may_nl(&vm->owner, skb)) {
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr ?: id_attr,
				    "no such VM");
		return ERR_PTR(-ENOENT);
	}
	return vm;
}

/* The VM a request names, with a reference. */
static struct axvm_vm *get_vm(const struct sk_buff *skb,
			     struct genl_info *info)
{
	struct axvm_vm *vm;

	mutex_lock(&axvm_reg_lock);
	vm = lookup(skb, info);
	if (!IS_ERR(vm))
		refcount_inc(&vm->refs);
	mutex_unlock(&axvm_reg_lock);
	return vm;
}

/*
 * May this sender create a VM? With CAP_NET_ADMIN, or when it shows an fd
 * of /dev/axvm open for reading and writing: the device's mode and group
 * decide, as for AXVM_CREATE_VM.
 */
static int may_create(const struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[AXVM_A_VM_DEV_FD];
	struct file *f;
	bool ok;

	if (netlink_capable(skb, CAP_NET_ADMIN))
		return 0;
	if (!attr) {
		NL_SET_ERR_MSG(info->extack,
			       "VM_NEW needs CAP_NET_ADMIN or AXVM_A_VM_DEV_FD");
		return -EPERM;
	}
	f = fget(nla_get_u32(attr));
	ok = f && axvm_chardev_is_dev(f) &&
	     (f->f_mode & (FMODE_READ | FMODE_WRITE)) ==
	     (FMODE_READ | FMODE_WRITE);
	if (f)
		fput(f);
	if (!ok) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "not an fd of /dev/axvm open for reading and writing");
		return -EPERM;
	}
	return 0;
}

static int vm_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *mem_attr = info->attrs[AXVM_A_VM_MEM_BYTES];
	struct nlattr *name_attr = info->attrs[AXVM_A_VM_NAME];
	struct axvm_create_vm args = {};
	struct axvm_vm_info vi;
	struct axvm_vm *vm;
	struct sk_buff *msg;
	const char *name;
	u64 mem = 0;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, AXVM_A_VM_NAME)) {
		NL_SET_ERR_MSG(info->extack, "AXVM_A_VM_NAME is required");
		return -EINVAL;
	}
	ret = may_create(skb, info);
	if (ret)
		return ret;
	name = parse_name(name_attr, info->extack);
	if (!name)
		return -EINVAL;
	strscpy(args.name, name, sizeof(args.name));
	if (mem_attr) {
		mem = nla_get_u64(mem_attr);
		if (!mem || mem > READ_ONCE(axvm_max_vm_mem)) {
			NL_SET_ERR_MSG_ATTR(info->extack, mem_attr,
					    "memory size must be > 0 and <= the max_vm_mem module parameter");
			return -ERANGE;
		}
		if (!PAGE_ALIGNED(mem)) {
			NL_SET_ERR_MSG_ATTR(info->extack, mem_attr,
					    "memory size must be page aligned");
			return -EINVAL;
		}
	}

	msg = genlmsg_new(vm_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = axvm_vm_create(&args, &vm);
	if (ret) {
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
					    "a VM of this name exists");
		else if (ret == -EBUSY)
			NL_SET_ERR_MSG(info->extack,
				       "VMX is in use by another hypervisor");
		else if (ret == -ENOSPC)
			NL_SET_ERR_MSG(info->extack,
				       "as many VMs exist as the max_vms module parameter allows");
		else if (ret == -EDQUOT)
			NL_SET_ERR_MSG(info->extack,
				       "this user has as many VMs as the max_vms_per_user module parameter allows");
		goto free_msg;
	}
	vm->reg.mem_bytes = mem;
	if (info->attrs[AXVM_A_VM_VCPUS])
		vm->reg.nr_vcpus = nla_get_u32(info->attrs[AXVM_A_VM_VCPUS]);
	ret = axvm_registry_add(vm, true);
	if (ret) {
		if (ret == -EEXIST)
			NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
					    "a VM of this name exists");
		axvm_vm_put(vm);
		goto free_msg;
	}
	mutex_lock(&axvm_reg_lock);
	vm_info(vm, &vi);
	mutex_unlock(&axvm_reg_lock);
	/* The registry holds its own reference now. */
	axvm_vm_put(vm);
	return reply_vm(msg, info, AXVM_CMD_VM_NEW, &vi);
free_msg:
	nlmsg_free(msg);
	return ret;
}

static int vm_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct axvm_vm *vm = get_vm(skb, info);
	int ret;

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = axvm_registry_del(vm);
	if (ret)
		NL_SET_ERR_MSG(info->extack, "no such VM");
	axvm_vm_put(vm);
	return ret;
}

static int vm_stop_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct axvm_vm *vm = get_vm(skb, info);

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	axvm_vm_stop(vm);
	axvm_vm_put(vm);
	return 0;
}

/*
 * VM_PAUSE and VM_RESUME: @op is axvm_vm_pause() or axvm_vm_resume(). The
 * caller's own VMs only, as every command (get_vm()).
 */
static int vm_pause_resume(const struct sk_buff *skb, struct genl_info *info,
			   int (*op)(struct axvm_vm *vm))
{
	struct axvm_vm *vm = get_vm(skb, info);
	int ret;

	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = op(vm);
	if (ret == -EINVAL)
		NL_SET_ERR_MSG(info->extack,
			       "VM has not run yet or was deleted");
	else if (ret == -EALREADY && op == axvm_vm_pause)
		NL_SET_ERR_MSG(info->extack, "VM is paused already");
	else if (ret == -EALREADY)
		NL_SET_ERR_MSG(info->extack, "VM is not paused");
	axvm_vm_put(vm);
	return ret;
}

static int vm_pause_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vm_pause_resume(skb, info, axvm_vm_pause);
}

static int vm_resume_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vm_pause_resume(skb, info, axvm_vm_resume);
}

static int vm_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct axvm_vm_info vi;
	struct axvm_vm *vm;
	struct sk_buff *msg;

	msg = genlmsg_new(vm_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&axvm_reg_lock);
	vm = lookup(skb, info);
	if (!IS_ERR(vm))
		vm_info(vm, &vi);
	mutex_unlock(&axvm_reg_lock);
	if (IS_ERR(vm)) {
		nlmsg_free(msg);
		return PTR_ERR(vm);
	}
	return reply_vm(msg, info, AXVM_CMD_VM_GET, &vi);
}

/*
 * cb->args[0]: the id to continue from. Request attributes are ignored.
 * Only the VMs the caller may see are dumped.
 */
static int vm_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long id = cb->args[0];
	struct axvm_vm_info vi;
	struct axvm_vm *vm;
	void *hdr;

	mutex_lock(&axvm_reg_lock);
	cb->seq = axvm_registry_gen();
	for (; (vm = axvm_registry_next(&id)); id++) {
		if (!axvm_owner_may_nl(&vm->owner, cb->skb))
			continue;
		vm_info(vm, &vi);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &axvm_genl_family,
				  NLM_F_MULTI, AXVM_CMD_VM_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (fill_vm(skb, &vi)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&axvm_reg_lock);
	cb->args[0] = id;
	return skb->len;
}

/**
 * struct vcpu_snap - one vCPU's counters, copied out under vm->lock
 * @id: vCPU id
 * @st: its counters
 */
struct vcpu_snap {
	u32 id;
	struct axvm_vcpu_stats st;
};

/* Copies the counters of @vm's vCPUs; returns how many, or -ENOMEM. */
static int snap_vcpus(struct axvm_vm *vm, struct vcpu_snap **out)
{
	struct vcpu_snap *s;
	struct axvm_vcpu *vcpu;
	int i, r, n = 0;

	/* Room for all: vCPUs may come while the lock is not held. */
	s = kvcalloc(AXVM_MAX_VCPUS, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	for (i = 0; i < AXVM_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu && vm->retired[i]) {
			/* A closed vCPU: its counters as they were. */
			s[n].id = i;
			s[n].st = *vm->retired[i];
			n++;
			continue;
		}
		if (!vcpu)
			continue;
		/* Counted by the vCPU's thread without a lock: a snapshot. */
		s[n].id = vcpu->id;
		s[n].st.exits_kernel = READ_ONCE(vcpu->stats.exits_kernel);
		s[n].st.exits_user = READ_ONCE(vcpu->stats.exits_user);
		for (r = 0; r < AXVM_NR_REASONS; r++)
			s[n].st.reasons[r] = READ_ONCE(vcpu->stats.reasons[r]);
		n++;
	}
	mutex_unlock(&vm->lock);
	*out = s;
	return n;
}

static size_t vcpu_stats_size(const struct vcpu_snap *s)
{
	size_t size = nla_total_size(0) +			/* VCPU nest */
		      nla_total_size(sizeof(u32)) +		/* VCPU_ID */
		      2 * nla_total_size_64bit(sizeof(u64));	/* EXITS_* */
	int r;

	for (r = 0; r < AXVM_NR_REASONS; r++)
		if (s->st.reasons[r])
			size += nla_total_size(0) +		/* REASON */
				nla_total_size(sizeof(u32)) +
				nla_total_size_64bit(sizeof(u64));
	return size;
}

static int fill_vcpu_stats(struct sk_buff *skb, const struct vcpu_snap *s)
{
	struct nlattr *vcpu_nest, *reason_nest;
	int r;

	vcpu_nest = nla_nest_start(skb, AXVM_A_VM_VCPU);
	if (!vcpu_nest ||
	    nla_put_u32(skb, AXVM_A_VCPU_ID, s->id) ||
	    nla_put_u64_64bit(skb, AXVM_A_VCPU_EXITS_KERNEL, s->st.exits_kernel,
			      AXVM_A_PAD) ||
	    nla_put_u64_64bit(skb, AXVM_A_VCPU_EXITS_USER, s->st.exits_user,
			      AXVM_A_PAD))
		return -EMSGSIZE;
	for (r = 0; r < AXVM_NR_REASONS; r++) {
		if (!s->st.reasons[r])
			continue;
		reason_nest = nla_nest_start(skb, AXVM_A_VCPU_REASON);
		if (!reason_nest ||
		    nla_put_u32(skb, AXVM_A_REASON_ID, r) ||
		    nla_put_u64_64bit(skb, AXVM_A_REASON_COUNT, s->st.reasons[r],
				      AXVM_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, reason_nest);
	}
	nla_nest_end(skb, vcpu_nest);
	return 0;
}

static int vm_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vcpu_snap *snap;
	struct sk_buff *msg;
	struct axvm_vm *vm;
	size_t size;
	void *hdr;
	int i, n, ret;

	vm = get_vm(skb, info);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	n = snap_vcpus(vm, &snap);
	if (n < 0) {
		ret = n;
		goto put_vm;
	}
	size = nla_total_size(sizeof(u32)) + nla_total_size(AXVM_NAME_MAX);
	for (i = 0; i < n; i++)
		size += vcpu_stats_size(&snap[i]);
	ret = -ENOMEM;
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		goto free_snap;
	ret = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &axvm_genl_family, 0,
				AXVM_CMD_VM_STATS);
	if (!hdr ||
	    nla_put_u32(msg, AXVM_A_VM_ID, vm->id) ||
	    nla_put_string(msg, AXVM_A_VM_NAME, vm->name))
		goto free_msg;
	for (i = 0; i < n; i++)
		if (fill_vcpu_stats(msg, &snap[i]))
			goto free_msg;
	genlmsg_end(msg, hdr);
	kvfree(snap);
	axvm_vm_put(vm);
	return genlmsg_reply(msg, info);
free_msg:
	nlmsg_free(msg);
free_snap:
	kvfree(snap);
put_vm:
	axvm_vm_put(vm);
	return ret;
}

/* No attributes; strict validation refuses any. */
static const struct nla_policy ev_sub_policy[AXVM_A_VM_ID + 1] = {
	[AXVM_A_VM_ID] = { .type = NLA_REJECT },
};

/*
 * EVENT_SUBSCRIBE: unicast the caller's VMs' events (every VM's, with
 * CAP_NET_ADMIN) to the sending socket until it is closed. Subscribing
 * again changes nothing.
 */
static int ev_subscribe_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ev_sub *s;
	int ret = 0;

	mutex_lock(&ev_lock);
	list_for_each_entry(s, &ev_subs, node)
		if (s->portid == info->snd_portid)
			goto out;
	ret = -ENOSPC;
	if (nr_subs >= AXVM_MAX_EV_SUBS) {
		NL_SET_ERR_MSG(info->extack, "too many event subscribers");
		goto out;
	}
	ret = -ENOMEM;
	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		goto out;
	s->portid = info->snd_portid;
	s->sk = NETLINK_CB(skb).sk;
	sock_hold(s->sk);
	s->cred = get_current_cred();
	s->all = netlink_capable(skb, CAP_NET_ADMIN);
	list_add_tail(&s->node, &ev_subs);
	nr_subs++;
	ret = 0;
out:
	mutex_unlock(&ev_lock);
	return ret;
}

static void ev_sub_free(struct ev_sub *s)
{
	list_del(&s->node);
	nr_subs--;
	sock_put(s->sk);
	put_cred(s->cred);
	kfree(s);
}

/* A netlink socket closes: forget its subscription. */
static int ev_sock_release(struct notifier_block *nb, unsigned long what,
			   void *data)
{
	struct netlink_notify *n = data;
	struct ev_sub *s, *tmp;

	if (what != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    n->net != &init_net || !n->portid)
		return NOTIFY_DONE;
	mutex_lock(&ev_lock);
	list_for_each_entry_safe(s, tmp, &ev_subs, node)
		if (s->portid == n->portid)
			ev_sub_free(s);
	mutex_unlock(&ev_lock);
	return NOTIFY_DONE;
}

static struct notifier_block ev_nb = {
	.notifier_call = ev_sock_release,
};

static const struct genl_ops axvm_genl_ops[] = {
	{
		.cmd = AXVM_CMD_VM_NEW,
		.doit = vm_new_doit,
		.policy = vm_new_policy,
		.maxattr = ARRAY_SIZE(vm_new_policy) - 1,
	},
	{
		.cmd = AXVM_CMD_VM_DEL,
		.doit = vm_del_doit,
		.policy = vm_ref_policy,
		.maxattr = ARRAY_SIZE(vm_ref_policy) - 1,
	},
	{
		.cmd = AXVM_CMD_VM_GET,
		.doit = vm_get_doit,
		.dumpit = vm_get_dumpit,
		.policy = vm_ref_policy,
		.maxattr = ARRAY_SIZE(vm_ref_policy) - 1,
	},
	{
		.cmd = AXVM_CMD_VM_STATS,
		.doit = vm_stats_doit,
		.policy = vm_ref_policy,
		.maxattr = ARRAY_SIZE(vm_ref_policy) - 1,
	},
	{
		.cmd = AXVM_CMD_VM_STOP,
		.doit = vm_stop_doit,
		.policy = vm_ref_policy,
		.maxattr = ARRAY_SIZE(vm_ref_policy) - 1,
	},
	{
		.cmd = AXVM_CMD_EVENT_SUBSCRIBE,
		.doit = ev_subscribe_doit,
		.policy = ev_sub_policy,
		.maxattr = ARRAY_SIZE(ev_sub_policy) - 1,
	},
	{
		.cmd = AXVM_CMD_VM_PAUSE,
		.doit = vm_pause_doit,
		.policy = vm_ref_policy,
		.maxattr = ARRAY_SIZE(vm_ref_policy) - 1,
	},
	{
		.cmd = AXVM_CMD_VM_RESUME,
		.doit = vm_resume_doit,
		.policy = vm_ref_policy,
		.maxattr = ARRAY_SIZE(vm_ref_policy) - 1,
	},
};

static struct genl_family axvm_genl_family __ro_after_init = {
	.name = AXVM_GENL_NAME,
	.version = AXVM_GENL_VERSION,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = axvm_genl_ops,
	.n_ops = ARRAY_SIZE(axvm_genl_ops),
	/* Every command: reserved header bits and flags are checked. */
	.resv_start_op = AXVM_CMD_UNSPEC + 1,
	.mcgrps = axvm_mcgrps,
	.n_mcgrps = ARRAY_SIZE(axvm_mcgrps),
};

/* Unicast a copy of @skb to every subscriber that may see @vm. */
static void unicast_event(struct axvm_vm *vm, struct sk_buff *skb)
{
	struct sk_buff *copy;
	struct ev_sub *s;

	mutex_lock(&ev_lock);
	list_for_each_entry(s, &ev_subs, node) {
		if (!s->all && !axvm_owner_is(&vm->owner, s->cred))
			continue;
		/* Closing (sock_orphan()): the port id may be reused already. */
		if (sock_flag(s->sk, SOCK_DEAD))
			continue;
		copy = skb_clone(skb, GFP_KERNEL);
		if (!copy)
			break;
		/* Never blocks; a full socket gets ENOBUFS, as for multicast. */
		genlmsg_unicast(&init_net, copy, s->portid);
	}
	mutex_unlock(&ev_lock);
}

static void send_event(struct axvm_vm *vm, u32 event,
		       const struct axvm_vcpu *vcpu, u32 kind)
{
	bool mcast = AXVM_MCAST_EVENTS &&
		     genl_has_listeners(&axvm_genl_family, &init_net,
					AXVM_MCGRP_EVENTS);
	struct sk_buff *skb;
	void *hdr;

	if (!READ_ONCE(nl_up) || (!mcast && list_empty_careful(&ev_subs)))
		return;
	/* Callers may hold locks; an event is never worth sleeping for. */
	skb = genlmsg_new(vm_msg_size() + 3 * nla_total_size(sizeof(u32)),
			  GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &axvm_genl_family, 0, AXVM_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, AXVM_A_VM_ID, vm->id) ||
	    nla_put_string(skb, AXVM_A_VM_NAME, vm->name) ||
	    nla_put_u32(skb, AXVM_A_EVENT, event) ||
	    (vcpu && (nla_put_u32(skb, AXVM_A_VCPU_ID, vcpu->id) ||
		      nla_put_u32(skb, AXVM_A_EXIT_KIND, kind)))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	unicast_event(vm, skb);
	if (!mcast) {
		nlmsg_free(skb);
		return;
	}
	/* No listener, or one with a full socket: not the sender's problem. */
	genlmsg_multicast(&axvm_genl_family, skb, 0, AXVM_MCGRP_EVENTS,
			  GFP_ATOMIC);
}

/**
 * axvm_nl_vm_event() - send an event about a VM: multicast to group
 * "events" (CAP_NET_ADMIN listeners), unicast to subscribers that own it
 * @vm: the VM (alive, or being freed)
 * @event: AXVM_EV_CREATED, _STARTED, _STOPPED, _DESTROYED, _PAUSED or
 *	_RESUMED
 *
 * Process context (may sleep on the subscriber list's mutex); never fails
 * the caller: without listeners, memory or a registered family, the event
 * is dropped.
 */
void axvm_nl_vm_event(struct axvm_vm *vm, u32 event)
{
	send_event(vm, event, NULL, 0);
}

/**
 * axvm_nl_vcpu_exit_event() - multicast AXVM_EV_VCPU_EXIT
 * @vcpu: the vCPU whose AXVM_RUN returned a terminal exit
 * @kind: the exit's enum axvm_exit_kind
 *
 * Like axvm_nl_vm_event(): never fails the caller.
 */
void axvm_nl_vcpu_exit_event(struct axvm_vcpu *vcpu, u32 kind)
{
	send_event(vcpu->vm, AXVM_EV_VCPU_EXIT, vcpu, kind);
}

/**
 * axvm_nl_init() - register the generic netlink family
 *
 * Return: 0 or the genl_register_family() error.
 */
int axvm_nl_init(void)
{
	int ret;

	ret = netlink_register_notifier(&ev_nb);
	if (ret)
		return ret;
	ret = genl_register_family(&axvm_genl_family);
	if (ret) {
		netlink_unregister_notifier(&ev_nb);
		return ret;
	}
	WRITE_ONCE(nl_up, true);
	return 0;
}

/**
 * axvm_nl_exit() - unregister the family
 *
 * Waits for requests in progress; none can start afterwards. Events are
 * dropped from here on.
 */
void axvm_nl_exit(void)
{
	struct ev_sub *s, *tmp;

	WRITE_ONCE(nl_up, false);
	genl_unregister_family(&axvm_genl_family);
	netlink_unregister_notifier(&ev_nb);
	mutex_lock(&ev_lock);
	list_for_each_entry_safe(s, tmp, &ev_subs, node)
		ev_sub_free(s);
	mutex_unlock(&ev_lock);
}
