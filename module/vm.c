// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU objects: creation, memory regions, teardown.
 *
 * Lifetime: the VM fd holds one reference and each vCPU holds one, so the
 * VM (its EPT and pinned memory) outlives every vCPU whatever order the
 * fds are closed in. Each VM also holds a reference on VMX operation. A VM
 * made by netlink VM_NEW is also held by the registry (dev/registry.c).
 * VMs hold no module reference: open files pin the module, and module
 * exit frees the VMs only the registry holds.
 */
#include <linux/atomic.h>
#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>
#include "core.h"
#include "vmx/caps.h"

static atomic_t next_vm_id = ATOMIC_INIT(0);
static atomic_t nr_vms = ATOMIC_INIT(0);	/* bounded by axvm_max_vms */

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
 * Return: 0, -EINVAL for bad arguments, -EEXIST for a name in use, -EBUSY
 * if another hypervisor holds VMX, -ENOSPC when max_vms VMs exist, -ENOMEM.
 */
int axvm_vm_create(const struct axvm_create_vm *args, struct axvm_vm **out)
{
	struct axvm_vm *vm;
	int ret;

	if (args->flags || args->pad || !axvm_vm_name_valid(args->name))
		return -EINVAL;
	if (args->name[0] && axvm_registry_name_taken(args->name))
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
	RCU_INIT_POINTER(vm->cpuid, default_cpuid());
	if (!rcu_access_pointer(vm->cpuid)) {
		kfree(vm);
		atomic_dec(&nr_vms);
		return -ENOMEM;
	}

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
	for (i = 0; i < AXVM_MAX_VCPUS; i++)
		kfree(vm->retired[i]);
	axvm_vmx_put();
	kfree(rcu_access_pointer(vm->cpuid));
	axvm_posted_free(&vm->posted);
	axvm_registry_vm_free(vm);
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
	if (axvm_registry_put_last(vm))
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
	axvm_vcpu_reg_init(vcpu);

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
	ret = axvm_vmx_vcpu_create(vcpu);
	if (ret)
		goto unlock;
	if (vm->retired[id]) {
		struct axvm_vcpu_stats *st = vm->retired[id];

		vcpu->exits_kernel = st->exits_kernel;
		vcpu->exits_user = st->exits_user;
		memcpy(vcpu->reasons, st->reasons, sizeof(st->reasons));
		vm->retired[id] = NULL;
		kfree(st);
	}
	/* Published whole: IPIs find it under RCU (dev/lapic.c). */
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

	if (st) {
		st->exits_kernel = vcpu->exits_kernel;
		st->exits_user = vcpu->exits_user;
		memcpy(st->reasons, vcpu->reasons, sizeof(st->reasons));
	}
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
