// SPDX-License-Identifier: GPL-2.0
/*
 * The VM registry: every live VM by id, named VMs also by name, and VM
 * deletion. The netlink family and AXVM_ATTACH_VM use it; the lifecycle
 * (CREATED, RUNNING, STOPPED, stop requests) is vm.c's, which tells the
 * registry and netlink of its events through axvm_registry_hooks.
 *
 * Rules (Documentation/netlink.rst tells the user-visible side):
 *
 * - A VM is in the registry from axvm_registry_add(), right after its
 *   creation, until VM_DEL or until its last reference goes. Names are
 *   unique among registered VMs; "" is no name (listed by id only).
 * - Only a VM made by VM_NEW is held by the registry (AXVM_VMF_HELD: one
 *   reference). Other entries are weak: the final axvm_vm_put() drops the
 *   count to zero and unlinks the VM with axvm_reg_lock held
 *   (refcount_dec_and_mutex_lock()), so a VM found under the lock always
 *   has a reference left and refcount_inc() on it is safe.
 * - Only open files pin the module (file_operations.owner). The registry's
 *   references do not: module exit releases them after the netlink family
 *   is unregistered (no request runs or can start) and while no file is
 *   open (none can be: they would pin the module).
 * - Lock order: axvm_reg_lock, then vm->lock. axvm_vm_put() may take
 *   axvm_reg_lock, so it is never called with it held.
 * - Stops (vm.c): VM_DEL marks the VM dead and asks it to stop; from then
 *   on every AXVM_RUN fails with -ESHUTDOWN.
 */
#include <linux/bitops.h>
#include <linux/lockdep.h>
#include <linux/pid.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <linux/axvm_genl.h>
#include "core.h"
#include "dev/netlink.h"
#include "dev/registry.h"
#include "vm.h"

DEFINE_MUTEX(axvm_reg_lock);

/* Registered VMs by id; axvm_reg_lock serialises every change. */
static DEFINE_XARRAY(vms);
/* Changes with every add and removal: dumps flag NLM_F_DUMP_INTR. */
static unsigned int reg_gen = 1;

static void reg_changed(void)
{
	if (!++reg_gen)
		reg_gen = 1;
}

static struct axvm_vm *find_name(const char *name)
{
	struct axvm_vm *vm;
	unsigned long id;

	xa_for_each(&vms, id, vm)
		if (!strcmp(vm->name, name))
			return vm;
	return NULL;
}

static void unlink_vm(struct axvm_vm *vm)
{
	xa_erase(&vms, vm->id);
	vm->reg.registered = false;
	reg_changed();
}

/**
 * axvm_registry_add() - register a new VM and announce it
 * @vm: the VM, just created; the caller holds a reference
 * @held: the registry takes a reference of its own (VM_NEW): the VM lives
 *	until VM_DEL or module unload
 *
 * The caller becomes the VM's owner.
 *
 * Return: 0, -EEXIST if the name is taken, -ENOMEM, -EBUSY if the id is
 * (after wrapping) still in use.
 */
int axvm_registry_add(struct axvm_vm *vm, bool held)
{
	int ret;

	mutex_lock(&axvm_reg_lock);
	if (vm->name[0] && find_name(vm->name)) {
		ret = -EEXIST;
		goto out;
	}
	ret = xa_insert(&vms, vm->id, vm, GFP_KERNEL);
	if (ret)
		goto out;
	vm->reg.registered = true;
	vm->reg.owner = get_pid(task_tgid(current));
	if (held) {
		refcount_inc(&vm->refs);
		set_bit(AXVM_VMF_HELD, &vm->reg.flags);
	}
	set_bit(AXVM_VMF_ANNOUNCED, &vm->reg.flags);
	reg_changed();
	/* Under the lock: no event about this VM can precede this one. */
	axvm_nl_vm_event(vm, AXVM_EV_CREATED);
out:
	mutex_unlock(&axvm_reg_lock);
	return ret;
}

/**
 * axvm_registry_name_taken() - does a registered VM have this name?
 * @name: a non-empty name
 *
 * A hint for creators, to fail before building a VM: the answer can change
 * as soon as the lock is dropped, so axvm_registry_add() has the last word.
 *
 * Return: true if a registered VM is called @name.
 */
bool axvm_registry_name_taken(const char *name)
{
	bool taken;

	mutex_lock(&axvm_reg_lock);
	taken = find_name(name);
	mutex_unlock(&axvm_reg_lock);
	return taken;
}

/**
 * axvm_registry_put_last() - drop a reference; unlink the VM with the last
 * @vm: the VM
 *
 * Return: true if that was the last reference: the VM is no longer
 * registered and the caller frees it.
 */
bool axvm_registry_put_last(struct axvm_vm *vm)
{
	if (!refcount_dec_and_mutex_lock(&vm->refs, &axvm_reg_lock))
		return false;
	if (vm->reg.registered)
		unlink_vm(vm);
	mutex_unlock(&axvm_reg_lock);
	return true;
}

/**
 * axvm_registry_vm_free() - the VM is being freed: announce it, drop its
 * owner
 * @vm: the VM, unreferenced, its resources released
 */
void axvm_registry_vm_free(struct axvm_vm *vm)
{
	if (test_bit(AXVM_VMF_ANNOUNCED, &vm->reg.flags))
		axvm_nl_vm_event(vm, AXVM_EV_DESTROYED);
	put_pid(vm->reg.owner);
}

/**
 * axvm_registry_attach() - AXVM_ATTACH_VM: a reference to a named VM
 * @name: a valid, non-empty name
 * @f: the /dev/axvm file the request came through
 * @out: the VM, one reference
 *
 * Only the VM's owning user or an administrator may attach
 * (axvm_owner_may_file()); to anyone else the VM does not exist. The
 * caller's process becomes the VM's owner pid; the owning user stays.
 *
 * Return: 0 or -ENOENT.
 */
int axvm_registry_attach(const char *name, const struct file *f,
			 struct axvm_vm **out)
{
	struct axvm_vm *vm;
	struct pid *old;

	mutex_lock(&axvm_reg_lock);
	vm = find_name(name);
	if (!vm || !axvm_owner_may_file(&vm->owner, f)) {
		mutex_unlock(&axvm_reg_lock);
		return -ENOENT;
	}
	refcount_inc(&vm->refs);
	old = vm->reg.owner;
	vm->reg.owner = get_pid(task_tgid(current));
	mutex_unlock(&axvm_reg_lock);
	put_pid(old);
	*out = vm;
	return 0;
}

/**
 * axvm_registry_find() - look a registered VM up; axvm_reg_lock held
 * @id: id, or 0 when looking up by @name only
 * @name: non-empty name, or NULL to look up by @id only
 *
 * With both, the VM must match both.
 *
 * Return: the VM (valid while the lock is held), or NULL.
 */
struct axvm_vm *axvm_registry_find(u32 id, const char *name)
{
	struct axvm_vm *vm;

	lockdep_assert_held(&axvm_reg_lock);
	if (!name)
		return id ? xa_load(&vms, id) : NULL;
	vm = name[0] ? find_name(name) : NULL;
	if (vm && id && vm->id != id)
		return NULL;
	return vm;
}

/**
 * axvm_registry_next() - the registered VM of the lowest id >= *@id;
 * axvm_reg_lock held
 * @id: in: where to start; out: the id found
 *
 * Return: the VM (valid while the lock is held), or NULL at the end.
 */
struct axvm_vm *axvm_registry_next(unsigned long *id)
{
	lockdep_assert_held(&axvm_reg_lock);
	return xa_find(&vms, id, U32_MAX, XA_PRESENT);
}

/**
 * axvm_registry_gen() - generation of the registry; axvm_reg_lock held
 *
 * Return: a non-zero number that changes with every add and removal.
 */
unsigned int axvm_registry_gen(void)
{
	lockdep_assert_held(&axvm_reg_lock);
	return reg_gen;
}

/**
 * axvm_registry_info() - snapshot a registered VM; axvm_reg_lock held
 * @vm: the VM
 * @info: filled; the owner's pid is in the caller's pid namespace, 0 if
 *	the owner is gone or not visible there
 */
void axvm_registry_info(struct axvm_vm *vm, struct axvm_vm_info *info)
{
	struct pid *owner = vm->reg.owner;

	lockdep_assert_held(&axvm_reg_lock);
	info->id = vm->id;
	memcpy(info->name, vm->name, AXVM_NAME_MAX);
	info->mem_bytes = vm->reg.mem_bytes;
	info->nr_vcpus = vm->reg.nr_vcpus;
	info->state = axvm_vm_state(vm);
	info->owner = 0;
	rcu_read_lock();
	if (owner && pid_has_task(owner, PIDTYPE_TGID))
		info->owner = pid_vnr(owner);
	rcu_read_unlock();
}

/**
 * axvm_registry_del() - VM_DEL: unregister, stop for good, drop the
 * registry's reference
 * @vm: the VM; the caller holds a reference
 *
 * The name is free again at once; the VM itself lives on until its last
 * file is closed, but every AXVM_RUN on it fails with -ESHUTDOWN.
 *
 * Return: 0, or -ENOENT if it was no longer registered.
 */
int axvm_registry_del(struct axvm_vm *vm)
{
	bool held;

	mutex_lock(&axvm_reg_lock);
	if (!vm->reg.registered) {
		mutex_unlock(&axvm_reg_lock);
		return -ENOENT;
	}
	unlink_vm(vm);
	set_bit(AXVM_VMF_DEAD, &vm->reg.flags);
	held = test_and_clear_bit(AXVM_VMF_HELD, &vm->reg.flags);
	mutex_unlock(&axvm_reg_lock);
	axvm_vm_stop(vm);
	if (held)
		axvm_vm_put(vm);
	return 0;
}

/**
 * axvm_registry_exit() - module exit: free the VMs the registry holds
 *
 * The netlink family is gone and no axvm file is open, so only VMs made by
 * VM_NEW are left, each with the registry's reference only.
 */
void axvm_registry_exit(void)
{
	struct axvm_vm *vm;
	unsigned long id;
	bool held;

	for (;;) {
		id = 0;
		mutex_lock(&axvm_reg_lock);
		vm = xa_find(&vms, &id, U32_MAX, XA_PRESENT);
		if (!vm) {
			mutex_unlock(&axvm_reg_lock);
			break;
		}
		unlink_vm(vm);
		set_bit(AXVM_VMF_DEAD, &vm->reg.flags);
		held = test_and_clear_bit(AXVM_VMF_HELD, &vm->reg.flags);
		mutex_unlock(&axvm_reg_lock);
		if (!WARN_ON_ONCE(!held))
			axvm_vm_put(vm);
	}
	xa_destroy(&vms);
}

/* The registry's part of a VM's lifetime (vm.c calls up through these). */
const struct axvm_vm_hooks axvm_registry_hooks = {
	.name_taken = axvm_registry_name_taken,
	.put_last = axvm_registry_put_last,
	.freed = axvm_registry_vm_free,
	.vm_event = axvm_nl_vm_event,
	.vcpu_exit = axvm_nl_vcpu_exit_event,
};
