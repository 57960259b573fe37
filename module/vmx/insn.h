/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wrappers for the VMX instructions. Each reports VMfailInvalid/VMfailValid
 * (CF or ZF set, SDM Vol. 3C, 31.2 "Conventions") as -EIO so no caller can
 * ignore a failure; the VM-instruction error field says why (31.4 "VM
 * Instruction Error Numbers").
 *
 * Outside VMX operation every VMX instruction but VMXON raises #UD (31.3
 * "VMX Instructions"),
 * and the reboot notifier (or an emergency VMXOFF of the kernel's crash
 * path) can leave VMX under a vCPU thread at any point. Every instruction
 * therefore has an exception-table fixup, like KVM's kvm_rebooting guard:
 * a fault resumes after the instruction with the preset failure flag and
 * is reported as -EIO, never as an oops.
 */
#ifndef AXVM_VMX_INSN_H
#define AXVM_VMX_INSN_H

#include <linux/types.h>
#include <linux/errno.h>
#include <asm/asm.h>
#include <asm/vmx.h>

static __always_inline int axvm_vmxon(u64 pa)
{
	u8 fail = 1;

	asm volatile("1: vmxon %[pa]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline void axvm_vmxoff(void)
{
	asm volatile("1: vmxoff\n2:\n" _ASM_EXTABLE(1b, 2b) ::: "cc", "memory");
}

static __always_inline int axvm_vmclear(u64 pa)
{
	u8 fail = 1;

	asm volatile("1: vmclear %[pa]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int axvm_vmptrld(u64 pa)
{
	u8 fail = 1;

	asm volatile("1: vmptrld %[pa]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int axvm_vmread(unsigned long field, u64 *value)
{
	u8 fail = 1;
	unsigned long v = 0;

	asm volatile("1: vmread %[field], %[v]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail), [v] "+rm" (v)
		     : [field] "r" (field) : "cc");
	*value = v;
	return fail ? -EIO : 0;
}

static __always_inline int axvm_vmwrite(unsigned long field, u64 value)
{
	u8 fail = 1;

	asm volatile("1: vmwrite %[v], %[field]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail)
		     : [v] "rm" ((unsigned long)value), [field] "r" (field)
		     : "cc", "memory");
	return fail ? -EIO : 0;
}

/* INVEPT/INVVPID descriptors: SDM Vol. 3C, 31.3 "VMX Instructions". */
static __always_inline int axvm_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, rsvd; } desc = { eptp, 0 };
	u8 fail = 1;

	asm volatile("1: invept %[desc], %[type]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail)
		     : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int axvm_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct { u64 vpid : 16, rsvd : 48; u64 gva; } desc = { vpid, 0, gva };
	u8 fail = 1;

	asm volatile("1: invvpid %[desc], %[type]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail)
		     : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
	return fail ? -EIO : 0;
}

void axvm_vmx_insn_failed(const char *insn, unsigned long field);

/*
 * Field accessors for a loaded VMCS. They cannot fail unless axvm has a
 * bug (no current VMCS, a field the CPU lacks); if one does, it is logged
 * with the VM-instruction error instead of being ignored.
 */
static __always_inline u64 axvm_vmcs_read(unsigned long field)
{
	u64 v = 0;

	if (unlikely(axvm_vmread(field, &v)))
		axvm_vmx_insn_failed("VMREAD", field);
	return v;
}

static __always_inline void axvm_vmcs_write(unsigned long field, u64 value)
{
	if (unlikely(axvm_vmwrite(field, value)))
		axvm_vmx_insn_failed("VMWRITE", field);
}

#endif
