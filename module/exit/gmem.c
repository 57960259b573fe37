// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel access to guest RAM by guest-physical address, through the
 * pinned pages of the memory slots (never through the VMM's mapping,
 * which it may change at any time).
 */
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <asm/trapnr.h>
#include "core.h"
#include "exit/exit.h"
#include "exit/gmem.h"
#include "vmx/access.h"
#include "lib/gwalk.h"

/**
 * axvm_gmem_rw() - copy to or from guest RAM
 * @vm: the VM
 * @gpa: guest-physical address
 * @buf: kernel buffer
 * @len: bytes
 * @write: copy @buf into the guest
 *
 * Return: 0, -EFAULT if any byte is outside RAM, -EPERM for a write to a
 * read-only slot.
 */
int axvm_gmem_rw(struct axvm_vm *vm, u64 gpa, void *buf, size_t len,
		 bool write)
{
	int ret = 0;

	mutex_lock(&vm->lock);
	while (len) {
		const struct axvm_memslot *m = axvm_memslot_find(&vm->slots, gpa);
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(gpa));
		struct page *page;
		void *va;

		if (!m || axvm_memslot_gpa_to_page(m, gpa, &page)) {
			ret = -EFAULT;
			break;
		}
		if (write && (m->flags & AXVM_MEM_READONLY)) {
			ret = -EPERM;
			break;
		}
		va = kmap_local_page(page);
		if (write)
			memcpy(va + offset_in_page(gpa), buf, n);
		else
			memcpy(buf, va + offset_in_page(gpa), n);
		kunmap_local(va);
		gpa += n;
		buf += n;
		len -= n;
	}
	mutex_unlock(&vm->lock);
	return ret;
}

static int read_pte(void *opaque, u64 gpa, unsigned int size, u64 *val)
{
	*val = 0;
	return axvm_gmem_rw(opaque, gpa, val, size, false);
}

/**
 * axvm_gmem_walk() - walk the guest's paging as one of its accesses would
 * @vcpu: a loaded vCPU (its paging mode and privilege are read from the
 *	hardware)
 * @la: the linear address
 * @access: AXVM_GWALK_READ, AXVM_GWALK_WRITE or AXVM_GWALK_FETCH, ORed
 *	with AXVM_GWALK_IMPLICIT for an implicit supervisor-mode access
 * @res: the translation or the fault
 *
 * The access has the privilege of the instruction being emulated: the
 * CPL (a user-mode access at CPL 3), RFLAGS.AC for SMAP, CR0.WP, CR4.SMEP
 * and CR4.SMAP (SDM Vol. 3A, 4.6 "Access Rights"). Protection keys never
 * apply: guests cannot set CR4.PKE (vmx/cr.c), so PKRU is not consulted.
 * Page-table entries are read from guest RAM; nothing is injected.
 *
 * Return: axvm_gwalk()'s: 0, AXVM_GWALK_PF, AXVM_GWALK_NONCANONICAL, or
 * -EFAULT when a paging structure is outside guest RAM.
 */
int axvm_gmem_walk(struct axvm_vcpu *vcpu, u64 la, unsigned int access,
		   struct axvm_gwalk_result *res)
{
	struct axvm_guest_mode m;
	struct axvm_gwalk_ctx ctx;

	axvm_vmx_read_mode(vcpu, &m);
	ctx = (struct axvm_gwalk_ctx){
		.cr0 = m.cr0, .cr3 = m.cr3, .cr4 = m.cr4, .efer = m.efer,
		.rflags = m.rflags, .cpl = m.cpl,
		.read = read_pte, .opaque = vcpu->vm,
	};
	return axvm_gwalk(&ctx, la, access, res);
}

/**
 * axvm_gmem_raise() - give the guest the fault a walk found
 * @vcpu: the vCPU
 * @la: the linear address walked (CR2 of a #PF)
 * @walk: axvm_gmem_walk()'s positive result
 * @res: its result
 *
 * #PF with the walk's error code, or #GP(0) for a non-canonical address
 * (a stack-segment operand would get #SS(0) on the CPU; emulation only
 * meets DS- and ES-based string operands, which may be overridden to SS in
 * a rare case this does not tell apart).
 */
void axvm_gmem_raise(struct axvm_vcpu *vcpu, u64 la, int walk,
		     const struct axvm_gwalk_result *res)
{
	if (walk == AXVM_GWALK_PF)
		axvm_vmx_queue_page_fault(vcpu, la, res->error_code);
	else
		axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
}

/**
 * axvm_gmem_translate() - a guest linear address to guest-physical
 * @vcpu: a loaded vCPU
 * @la: the linear address
 * @access: as for axvm_gmem_walk()
 * @gpa: out
 *
 * The one translation for every instruction emulation path: an access
 * emulated for the guest is checked as the CPU would check it, with the
 * instruction's privilege (axvm_gmem_walk()), and a fault goes to the
 * guest as the CPU would raise it (axvm_gmem_raise()); the instruction
 * then does not complete and the guest resumes at it, in its handler.
 *
 * Return: 0; a positive value when a fault was queued for the guest;
 * -EFAULT when a paging structure is outside guest RAM.
 */
int axvm_gmem_translate(struct axvm_vcpu *vcpu, u64 la, unsigned int access,
			u64 *gpa)
{
	struct axvm_gwalk_result r;
	int ret = axvm_gmem_walk(vcpu, la, access, &r);

	if (ret < 0)
		return ret;
	if (ret) {
		axvm_gmem_raise(vcpu, la, ret, &r);
		return ret;
	}
	*gpa = r.gpa;
	return 0;
}
