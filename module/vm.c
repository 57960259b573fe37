// SPDX-License-Identifier: GPL-2.0
/*
 * The VM and vCPU lifetime, top to bottom: creation, memory regions,
 * CPUID, the lifecycle state machine (CREATED, RUNNING, STOPPED, stop
 * requests), fd release and teardown.
 *
 * Lifetime: the VM fd holds one reference and each vCPU holds one, so the
 * VM (its EPT and pinned memory) outlives every vCPU whatever order the
 * fds are closed in. Each VM also holds a reference on VMX operation. A VM
 * made by netlink VM_NEW is also held by the registry (dev/registry.c).
 * VMs hold no module reference: open files pin the module, and module
 * exit frees the VMs only the registry holds.
 *
 * Stops: a stop request bumps vm->reg.stop_seq and kicks the threads in
 * AXVM_RUN; every vCPU answers each request once, with -ESHUTDOWN from the
 * AXVM_RUN it is in or from its next one. VM_DEL also marks the VM dead:
 * from then on every AXVM_RUN fails with -ESHUTDOWN.
 *
 * Pauses: VM_PAUSE sets AXVM_VMF_PAUSED and kicks the threads in
 * AXVM_RUN; the run loop (run.c) sleeps before every guest entry while the
 * bit is set (axvm_vcpu_pause_wait(), core.h), without returning to
 * userspace. A stop request ends the
 * pause. The guest's TSC is not adjusted (see Documentation/netlink.rst).
 *
 * The control plane above (registry, netlink) hears of lifecycle events
 * through struct axvm_vm_hooks, which it registers at module load.
 */
#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/axvm_genl.h>
#include <asm/processor.h>
#include "core.h"
#include "lib/cpuid.h"
#include "exit/posted.h"
#include "exit/ring.h"
#include "io/ioapic.h"
#include "io/lapic.h"
#include "io/post.h"
#include "vm.h"
#include "vmx/caps.h"

u64 axvm_max_vm_mem = 4ull << 30;
module_param_named(max_vm_mem, axvm_max_vm_mem, ullong, 0644);
MODULE_PARM_DESC(max_vm_mem, "Guest memory bytes one VM may register (default 4 GiB)");

unsigned int axvm_max_vms = 128;
module_param_named(max_vms, axvm_max_vms, uint, 0644);
MODULE_PARM_DESC(max_vms, "VMs that may exist at once (default 128)");

static atomic_t next_vm_id = ATOMIC_INIT(0);
static atomic_t nr_vms = ATOMIC_INIT(0);	/* bounded by axvm_max_vms */
static const struct axvm_vm_hooks *hooks;

/**
 * axvm_vm_register_hooks() - the control plane's lifecycle callbacks
 * @h: the hooks, all set; static for the module's lifetime
 *
 * Called once at module load, before any VM can exist.
 */
void axvm_vm_register_hooks(const struct axvm_vm_hooks *h)
{
	hooks = h;
}

static void host_cpuid(u32 fn, u32 idx, u32 *a, u32 *b, u32 *c, u32 *d)
{
	cpuid_count(fn, idx, a, b, c, d);
}

static struct axvm_cpuid_table *default_cpuid(void)
{
	struct axvm_cpuid_policy p = {
		.xsave = axvm_vmx.host_xsave,
		.xcr0 = axvm_vmx_supported_xcr0(),
	};

	return axvm_cpuid_default(host_cpuid, &p);
}

static void flush_ept(struct axvm_ept *ept)
{
	axvm_vmx_flush_ept_all_cpus(ept->eptp);
}

/**
 * axvm_vm_name_valid() - is @name a valid VM name (possibly empty)?
 * @name: AXVM_NAME_MAX bytes
 *
 * Return: true if NUL-terminated within AXVM_NAME_MAX and of [A-Za-z0-9_.-].
 */
bool axvm_vm_name_valid(const char *name)
{
	int i;

	for (i = 0; i < AXVM_NAME_MAX; i++) {
		char c = name[i];

		if (!c)
			return true;
		/* ASCII only: the kernel's isalnum() accepts Latin-1 letters. */
		if (!isascii(c) || (!isalnum(c) && c != '_' && c != '-' && c != '.'))
			return false;
	}
	return false;	/* not terminated */
}

/**
 * axvm_vm_create() - create a VM (AXVM_CREATE_VM)
 * @args: flags (must be 0) and name
 * @out: the new VM, one reference
 *
 * A taken name is refused before anything is built (a VM takes VMX
 * operation and an id); axvm_registry_add() checks again, for a creation
 * of the same name that races with this one.
 *
 * The current task's user owns the VM (owner.c).
 *
 * Return: 0, -EINVAL for bad arguments, -EEXIST for a name in use, -EBUSY
 * if another hypervisor holds VMX, -ENOSPC when max_vms VMs exist,
 * -EDQUOT when the user has max_vms_per_user, -ENOMEM.
 */
int axvm_vm_create(const struct axvm_create_vm *args, struct axvm_vm **out)
{
	struct axvm_vm *vm;
	int ret;

	if (args->flags || args->pad || !axvm_vm_name_valid(args->name))
		return -EINVAL;
	if (args->name[0] && hooks->name_taken(args->name))
		return -EEXIST;
	if (atomic_inc_return(&nr_vms) > READ_ONCE(axvm_max_vms)) {
		atomic_dec(&nr_vms);
		return -ENOSPC;
	}
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		atomic_dec(&nr_vms);
		return -ENOMEM;
	}
	refcount_set(&vm->refs, 1);
	mutex_init(&vm->lock);
	memcpy(vm->name, args->name, AXVM_NAME_MAX);
	vm->id = atomic_inc_return(&next_vm_id);
	ret = axvm_owner_charge(&vm->owner);
	if (ret)
		goto free_vm;
	RCU_INIT_POINTER(vm->cpuid, default_cpuid());
	ret = -ENOMEM;
	if (!rcu_access_pointer(vm->cpuid))
		goto free_vm;

	ret = axvm_vmx_get();
	if (ret)
		goto free_vm;
	ret = axvm_ept_init(&vm->ept, axvm_vmx.has_ept_ad);
	if (ret)
		goto put_vmx;
	vm->ept.flush = flush_ept;
	axvm_iobus_init(&vm->iobus);
	ret = axvm_post_init(vm);
	if (ret)
		goto destroy_ept;
	*out = vm;
	return 0;
destroy_ept:
	axvm_iobus_destroy(&vm->iobus);
	axvm_ept_destroy(&vm->ept);
put_vmx:
	axvm_vmx_put();
free_vm:
	kfree(rcu_access_pointer(vm->cpuid));
	axvm_owner_release(&vm->owner);
	kfree(vm);
	atomic_dec(&nr_vms);
	return ret;
}

static void vm_free(struct axvm_vm *vm)
{
	int i;

	/* Translations of this EPTP must not outlive its pages on any CPU. */
	axvm_vmx_flush_ept_all_cpus(vm->ept.eptp);
	axvm_ept_destroy(&vm->ept);
	axvm_memslots_free(&vm->slots);
	axvm_iobus_destroy(&vm->iobus);
	axvm_post_destroy(vm);
	axvm_ioapic_free(vm);
	for (i = 0; i < AXVM_MAX_VCPUS; i++)
		kfree(vm->retired[i]);
	axvm_vmx_put();
	kfree(rcu_access_pointer(vm->cpuid));
	axvm_posted_free(&vm->posted);
	hooks->freed(vm);
	axvm_owner_release(&vm->owner);
	kfree(vm);
	atomic_dec(&nr_vms);
}

/**
 * axvm_vm_put() - drop a reference; the last unregisters and frees the VM
 * @vm: the VM
 *
 * Not with axvm_reg_lock held: the last reference takes it.
 */
void axvm_vm_put(struct axvm_vm *vm)
{
	if (hooks->put_last(vm))
		vm_free(vm);
}

/**
 * axvm_vm_set_memory_region() - add, replace or delete a memory region
 * @vm: the VM
 * @r: the region (size 0 deletes)
 *
 * Return: 0 or the errno of axvm_memslot_set().
 */
int axvm_vm_set_memory_region(struct axvm_vm *vm,
			      const struct axvm_memory_region *r)
{
	struct axvm_memslot old;
	int ret;

	mutex_lock(&vm->lock);
	ret = axvm_memslot_set(&vm->slots, r, axvm_max_vm_mem, &old);
	if (!ret && old.used) {
		/*
		 * The old range may be mapped: unmap it (the EPT's flush hook
		 * INVEPTs every CPU) before its pages are unpinned. vCPUs
		 * cannot fault it back in meanwhile: they need vm->lock.
		 */
		axvm_ept_unmap(&vm->ept, old.gpa, old.size);
		axvm_memslot_release(&old);
	}
	/* Eager mapping on request; lazily on EPT violation otherwise. */
	if (!ret && r->size && (r->flags & AXVM_MEM_POPULATE)) {
		ret = axvm_memslot_map(&vm->ept, &vm->slots.slot[r->slot], r->gpa,
				       r->size, axvm_vmx.has_ept_2m);
		ret = ret < 0 ? ret : 0;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * axvm_vm_set_cpuid() - AXVM_SET_CPUID: replace the VM's CPUID table
 * @vm: the VM
 * @u: the user's struct axvm_cpuid
 *
 * vCPUs in the guest see the old or the new table, never a mix (RCU).
 *
 * Return: 0, -EFAULT, -EINVAL (padding, flags), -E2BIG (too many), -ENOMEM.
 */
int axvm_vm_set_cpuid(struct axvm_vm *vm, struct axvm_cpuid __user *u)
{
	struct axvm_cpuid hdr;
	struct axvm_cpuid_table *t, *old;
	int ret;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.pad)
		return -EINVAL;
	if (hdr.nent > AXVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	t = kzalloc(struct_size(t, e, hdr.nent), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	t->nent = hdr.nent;
	if (copy_from_user(t->e, u->entries, flex_array_size(t, e, hdr.nent))) {
		kfree(t);
		return -EFAULT;
	}
	ret = axvm_cpuid_validate(t->e, t->nent);
	if (ret) {
		kfree(t);
		return ret;
	}
	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->cpuid, t, lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	kfree_rcu(old, rcu);
	return 0;
}

/**
 * axvm_vm_get_cpuid() - AXVM_GET_CPUID: read the VM's CPUID table
 * @vm: the VM
 * @u: in: nent = room; out: nent = entries, and the entries
 *
 * Return: 0, -EFAULT, -E2BIG if the room is too small (nent tells the need).
 */
int axvm_vm_get_cpuid(struct axvm_vm *vm, struct axvm_cpuid __user *u)
{
	struct axvm_cpuid hdr;
	struct axvm_cpuid_table *t;
	int ret = 0;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	t = rcu_dereference_protected(vm->cpuid, lockdep_is_held(&vm->lock));
	if (hdr.nent < t->nent)
		ret = -E2BIG;
	else if (copy_to_user(u->entries, t->e, flex_array_size(t, e, t->nent)))
		ret = -EFAULT;
	hdr.nent = t->nent;
	mutex_unlock(&vm->lock);
	if (ret != -EFAULT && put_user(hdr.nent, &u->nent))
		ret = -EFAULT;
	return ret;
}

/**
 * axvm_vcpu_create() - create vCPU @id (AXVM_CREATE_VCPU)
 * @vm: the VM
 * @id: vCPU id
 * @out: the vCPU
 *
 * Return: 0, -EINVAL for an id out of range, -EEXIST for a duplicate,
 * -ENOMEM, -EIO.
 */
int axvm_vcpu_create(struct axvm_vm *vm, unsigned long id,
		     struct axvm_vcpu **out)
{
	struct axvm_vcpu *vcpu;
	int ret;

	if (id >= AXVM_MAX_VCPUS)
		return -EINVAL;
	/* vm->vcpus[id] below: no speculative access past the array. */
	id = array_index_nospec(id, AXVM_MAX_VCPUS);
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run) {
		kfree(vcpu);
		return -ENOMEM;
	}
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);
	/* Stop requests made before the vCPU existed are not its to answer. */
	vcpu->reg.stop_seen = atomic_read(&vm->reg.stop_seq);
	RCU_INIT_POINTER(vcpu->reg.task, NULL);

	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		ret = -EEXIST;
		goto unlock;
	}
	if (vm->has_lapic) {
		ret = axvm_lapic_create(vcpu);
		if (ret)
			goto unlock;
	}
	ret = axvm_vmx_vcpu_create(vcpu, &(struct axvm_vmx_vcpu_info){
		.vm_id = vm->id, .vcpu_id = id, .eptp = vm->ept.eptp,
		.apic_in_kernel = !!vcpu->lapic, .cpuid = &vm->cpuid,
	});
	if (ret)
		goto unlock;
	if (vm->retired[id]) {
		vcpu->stats = *vm->retired[id];
		kfree(vm->retired[id]);
		vm->retired[id] = NULL;
	}
	/* Published whole: IPIs find it under RCU (io/lapic.c). */
	smp_store_release(&vm->vcpus[id], vcpu);
	refcount_inc(&vm->refs);
	mutex_unlock(&vm->lock);
	*out = vcpu;
	return 0;
unlock:
	mutex_unlock(&vm->lock);
	axvm_lapic_destroy(vcpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	return ret;
}

/**
 * axvm_vcpu_destroy() - free a vCPU (its fd was closed)
 * @vcpu: the vCPU; no thread uses it
 */
void axvm_vcpu_destroy(struct axvm_vcpu *vcpu)
{
	struct axvm_vm *vm = vcpu->vm;
	struct axvm_vcpu_stats *st = kmalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);

	if (st)
		*st = vcpu->stats;
	mutex_lock(&vm->lock);
	vm->vcpus[vcpu->id] = NULL;
	kfree(vm->retired[vcpu->id]);
	vm->retired[vcpu->id] = st;	/* statistics outlive the fd */
	mutex_unlock(&vm->lock);
	if (vcpu->lapic) {
		/* Other vCPUs' IPIs may still be delivering to this one. */
		synchronize_rcu();
		axvm_lapic_destroy(vcpu);
	}
	axvm_vmx_vcpu_destroy(vcpu);
	axvm_ring_destroy(vcpu);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	axvm_vm_put(vm);
}

/* Kicks every vCPU of @vm out of the guest and its sleeps; vm->lock held. */
static void kick_all_locked(struct axvm_vm *vm)
{
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	for (i = 0; i < AXVM_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			axvm_vcpu_kick(vm->vcpus[i]);
}

/**
 * axvm_vm_stop() - ask every vCPU to leave AXVM_RUN with -ESHUTDOWN
 * @vm: the VM; the caller holds a reference
 *
 * One request: every vCPU that exists now answers it once, from the
 * AXVM_RUN it is in or from its next one. A thread in the guest is kicked
 * out by an IPI, or at the latest by the next preemption-timer or host
 * timer-interrupt exit. AXVM_EV_STOPPED follows when no vCPU is in
 * AXVM_RUN any more.
 */
void axvm_vm_stop(struct axvm_vm *vm)
{
	struct axvm_vm_reg *r = &vm->reg;

	atomic_inc(&r->stop_seq);
	set_bit(AXVM_VMF_STOP_PENDING, &r->flags);
	/* A stop ends a pause: the sleepers wake to answer it. */
	clear_bit(AXVM_VMF_PAUSED, &r->flags);
	/*
	 * Pairs with axvm_vcpu_run_begin(): a thread that published itself
	 * before this point is kicked, any other sees the new stop_seq
	 * before it enters the guest. Also orders the pending bit before
	 * reading @running below (see axvm_vcpu_run_end()).
	 */
	smp_mb__after_atomic();
	mutex_lock(&vm->lock);
	kick_all_locked(vm);
	mutex_unlock(&vm->lock);
	if (!atomic_read(&r->running) &&
	    test_and_clear_bit(AXVM_VMF_STOP_PENDING, &r->flags))
		hooks->vm_event(vm, AXVM_EV_STOPPED);
}

/**
 * axvm_vm_pause() - VM_PAUSE: every vCPU leaves the guest and sleeps
 * @vm: the VM; the caller holds a reference
 *
 * The vCPUs in the guest are kicked out; every vCPU then sleeps in
 * AXVM_RUN before its next guest entry until axvm_vm_resume() or a stop.
 * Sends AXVM_EV_PAUSED.
 *
 * Return: 0, -EINVAL if no vCPU has ever run or the VM was deleted,
 * -EALREADY if it is paused already.
 */
int axvm_vm_pause(struct axvm_vm *vm)
{
	struct axvm_vm_reg *r = &vm->reg;
	int ret = 0;

	/* vm->lock: PAUSED and RESUMED events go out in the order of the bit. */
	mutex_lock(&vm->lock);
	if (!test_bit(AXVM_VMF_STARTED, &r->flags) ||
	    test_bit(AXVM_VMF_DEAD, &r->flags)) {
		ret = -EINVAL;
	} else if (test_and_set_bit(AXVM_VMF_PAUSED, &r->flags)) {
		ret = -EALREADY;
	} else {
		/* Fully ordered: a thread past its check is kicked out. */
		kick_all_locked(vm);
		hooks->vm_event(vm, AXVM_EV_PAUSED);
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * axvm_vm_resume() - VM_RESUME: the paused vCPUs enter the guest again
 * @vm: the VM; the caller holds a reference
 *
 * Sends AXVM_EV_RESUMED.
 *
 * Return: 0, or -EALREADY if the VM is not paused.
 */
int axvm_vm_resume(struct axvm_vm *vm)
{
	int ret = 0;

	mutex_lock(&vm->lock);
	if (test_and_clear_bit(AXVM_VMF_PAUSED, &vm->reg.flags)) {
		/* Wakes the sleepers: their condition sees the bit clear. */
		kick_all_locked(vm);
		hooks->vm_event(vm, AXVM_EV_RESUMED);
	} else {
		ret = -EALREADY;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * axvm_vm_state() - the VM's enum axvm_vm_state
 * @vm: the VM
 *
 * Return: PAUSED while paused with a vCPU in AXVM_RUN, RUNNING while a
 * vCPU is in AXVM_RUN, else STOPPED once one has been, else CREATED.
 */
u32 axvm_vm_state(struct axvm_vm *vm)
{
	if (atomic_read(&vm->reg.running))
		return test_bit(AXVM_VMF_PAUSED, &vm->reg.flags) ?
		       AXVM_VM_PAUSED : AXVM_VM_RUNNING;
	if (test_bit(AXVM_VMF_STARTED, &vm->reg.flags))
		return AXVM_VM_STOPPED;
	return AXVM_VM_CREATED;
}

/**
 * axvm_vcpu_run_begin() - AXVM_RUN starts
 * @vcpu: the vCPU; its mutex is held
 *
 * Counts the vCPU as running, publishes the thread for kicks and sends
 * AXVM_EV_STARTED on the VM's first AXVM_RUN.
 */
void axvm_vcpu_run_begin(struct axvm_vcpu *vcpu)
{
	struct axvm_vm_reg *r = &vcpu->vm->reg;

	rcu_assign_pointer(vcpu->reg.task, current);
	atomic_inc(&r->running);
	/* Pairs with axvm_vm_stop(): publish before reading stop_seq. */
	smp_mb__after_atomic();
	if (!test_bit(AXVM_VMF_STARTED, &r->flags) &&
	    !test_bit(AXVM_VMF_DEAD, &r->flags) &&
	    !test_and_set_bit(AXVM_VMF_STARTED, &r->flags))
		hooks->vm_event(vcpu->vm, AXVM_EV_STARTED);
}

static bool terminal_exit(u32 kind)
{
	return kind == AXVM_EXIT_SYSTEM_DOWN || kind == AXVM_EXIT_FAIL_ENTRY ||
	       kind == AXVM_EXIT_INTERNAL_ERROR;
}

/**
 * axvm_vcpu_run_end() - AXVM_RUN returns
 * @vcpu: the vCPU; its mutex is held
 * @ret: what AXVM_RUN returns; 0 means run->exit holds a new exit
 *
 * Sends AXVM_EV_VCPU_EXIT for a terminal exit, and AXVM_EV_STOPPED when
 * the last running vCPU leaves after a stop request.
 */
void axvm_vcpu_run_end(struct axvm_vcpu *vcpu, int ret)
{
	struct axvm_vm_reg *r = &vcpu->vm->reg;
	u32 kind = vcpu->last_exit_kind;	/* not the run page's */

	RCU_INIT_POINTER(vcpu->reg.task, NULL);
	if (!ret && terminal_exit(kind))
		hooks->vcpu_exit(vcpu, kind);
	/* Both fully ordered: pairs with axvm_vm_stop(). */
	if (atomic_dec_and_test(&r->running) &&
	    test_and_clear_bit(AXVM_VMF_STOP_PENDING, &r->flags))
		hooks->vm_event(vcpu->vm, AXVM_EV_STOPPED);
}
