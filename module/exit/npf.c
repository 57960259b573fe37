// SPDX-License-Identifier: GPL-2.0
/*
 * NestedPageFault fast path: guest RAM is mapped into the EPT lazily, on
 * the first access, without leaving the kernel. An access outside every
 * memory region, or a write to a read-only one, goes to userspace.
 */
#include "core.h"
#include "exit/exit.h"
#include "vmx/access.h"

/**
 * axvm_exit_nested_page_fault() - map guest RAM on an EPT violation
 * @vcpu: the vCPU that faulted
 * @exit: the NestedPageFault record (addr, access_flags)
 *
 * Return: AXVM_RESUME once mapped, AXVM_USER for MMIO or a write to
 * read-only memory, or a negative errno (-ENOMEM).
 */
int axvm_exit_nested_page_fault(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vm *vm = vcpu->vm;
	u64 gpa = exit->u.nested_page_fault.addr;
	const struct axvm_memslot *m;
	int ret;

	mutex_lock(&vm->lock);
	m = axvm_memslot_find(&vm->slots, gpa);
	if (!m || ((exit->u.nested_page_fault.access_flags & AXVM_ACCESS_WRITE) &&
		   (m->flags & AXVM_MEM_READONLY))) {
		mutex_unlock(&vm->lock);
		return axvm_exit_mmio(vcpu, exit);
	}
	ret = axvm_memslot_map_fault(&vm->ept, m, gpa, axvm_vmx_has_ept_2m());
	mutex_unlock(&vm->lock);
	if (ret < 0)
		return ret;
	return AXVM_RESUME;
}
