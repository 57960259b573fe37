// SPDX-License-Identifier: GPL-2.0
/*
 * VM ownership: a VM belongs to the user that created it, a uid in a user
 * namespace (the creator's effective kuid and user_ns). Attaching to a VM
 * (AXVM_ATTACH_VM) and every netlink command about one are allowed to
 * that user, and to the administrator: CAP_SYS_ADMIN in the initial user
 * namespace for /dev/axvm, CAP_NET_ADMIN there for netlink. Anyone else
 * is told the VM does not exist (ENOENT): a foreign VM is not even listed.
 *
 * "The caller" is both the process making the request and whoever opened
 * the file or socket it comes through, as netlink_capable() does for
 * capabilities: a socket or /dev/axvm fd handed to a setuid program does
 * not make the program act as its opener, nor the opener as the program.
 *
 * The per-user limit: max_vms_per_user VMs per kuid (all namespaces
 * together: a user namespace makes no new users), counted from creation
 * to the VM's free, like max_vms. Callers with CAP_SYS_ADMIN in the
 * initial namespace are not counted (as RLIMIT_NPROC spares them).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>
#include <net/netlink.h>
#include <net/sock.h>
#include "owner.h"

/* Here, not in vm.c next to max_vms: vm.c calls owner.c, not back. */
unsigned int axvm_max_vms_per_user = 32;
module_param_named(max_vms_per_user, axvm_max_vms_per_user, uint, 0644);
MODULE_PARM_DESC(max_vms_per_user,
		 "VMs one user (uid) may have at once; CAP_SYS_ADMIN is not counted (default 32)");

/* Live VMs per kuid (xa_mk_value counts), for max_vms_per_user. */
static DEFINE_XARRAY(per_uid);
static DEFINE_MUTEX(per_uid_lock);

/**
 * axvm_owner_charge() - make the current task's user a new VM's owner
 * @o: the VM's owner record, zeroed
 *
 * Counts the VM against the user's max_vms_per_user unless the caller
 * has CAP_SYS_ADMIN in the initial user namespace. Balanced by
 * axvm_owner_release(), also on failure.
 *
 * Return: 0, -EDQUOT when the user has max_vms_per_user VMs, -ENOMEM.
 */
int axvm_owner_charge(struct axvm_owner *o)
{
	const struct cred *c = current_cred();
	unsigned long key = __kuid_val(c->euid);
	unsigned long n;
	int ret = 0;

	o->uid = c->euid;
	o->ns = get_user_ns(c->user_ns);
	/* Asked at every creation: no audit record for the common "no". */
	if (ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN))
		return 0;
	mutex_lock(&per_uid_lock);
	n = xa_to_value(xa_load(&per_uid, key) ?: xa_mk_value(0));
	if (n >= READ_ONCE(axvm_max_vms_per_user))
		ret = -EDQUOT;
	else
		ret = xa_err(xa_store(&per_uid, key, xa_mk_value(n + 1),
				      GFP_KERNEL_ACCOUNT));
	mutex_unlock(&per_uid_lock);
	o->charged = !ret;
	return ret;
}

/**
 * axvm_owner_release() - the VM is freed: uncount it, drop the namespace
 * @o: the owner record axvm_owner_charge() filled
 */
void axvm_owner_release(struct axvm_owner *o)
{
	unsigned long key = __kuid_val(o->uid);
	unsigned long n;

	if (o->charged) {
		mutex_lock(&per_uid_lock);
		n = xa_to_value(xa_load(&per_uid, key));
		if (n > 1)
			xa_store(&per_uid, key, xa_mk_value(n - 1), GFP_KERNEL);
		else
			xa_erase(&per_uid, key);
		mutex_unlock(&per_uid_lock);
		o->charged = false;
	}
	put_user_ns(o->ns);
	o->ns = NULL;
}

/**
 * axvm_owner_is() - are these credentials the owner?
 * @o: a VM's owner
 * @c: credentials
 *
 * Return: true if @c has @o's effective uid in @o's user namespace.
 */
bool axvm_owner_is(const struct axvm_owner *o, const struct cred *c)
{
	return uid_eq(o->uid, c->euid) && o->ns == c->user_ns;
}

/**
 * axvm_owner_may_file() - may the caller attach to a VM through @f?
 * @o: the VM's owner
 * @f: the /dev/axvm file the request came through
 *
 * Return: true if the current task and @f's opener are both the owner,
 * or both have CAP_SYS_ADMIN in the initial user namespace.
 */
bool axvm_owner_may_file(const struct axvm_owner *o, const struct file *f)
{
	if (axvm_owner_is(o, current_cred()) && axvm_owner_is(o, f->f_cred))
		return true;
	return file_ns_capable(f, &init_user_ns, CAP_SYS_ADMIN) &&
	       capable(CAP_SYS_ADMIN);
}

/**
 * axvm_owner_may_nl() - may the sender of a netlink request see and act
 * on a VM?
 * @o: the VM's owner
 * @skb: the request
 *
 * Return: true if the sending task and the sending socket's opener are
 * both the owner, or both have CAP_NET_ADMIN in the initial user
 * namespace (netlink_capable()).
 */
bool axvm_owner_may_nl(const struct axvm_owner *o, const struct sk_buff *skb)
{
	const struct socket *sock = NETLINK_CB(skb).sk->sk_socket;

	if (netlink_capable(skb, CAP_NET_ADMIN))
		return true;
	return sock && sock->file && axvm_owner_is(o, current_cred()) &&
	       axvm_owner_is(o, sock->file->f_cred);
}
