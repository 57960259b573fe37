/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wrappers for the VMX instructions. Each reports VMfailInvalid/VMfailValid
 * (CF or ZF set, SDM Vol. 3C, 31.2 "Conventions") as -EIO so no caller can
 * ignore a failure; the VM-instruction error field says why (31.4 "VM
 * Instruction Error Numbers").
 */
#ifndef AXVM_VMX_INSN_H
#define AXVM_VMX_INSN_H

#include <linux/types.h>
#include <linux/errno.h>
#include <asm/vmx.h>

static __always_inline int axvm_vmxon(u64 pa)
{
	u8 fail;

	asm volatile("vmxon %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline void axvm_vmxoff(void)
{
	asm volatile("vmxoff" ::: "cc", "memory");
}

static __always_inline int axvm_vmclear(u64 pa)
{
	u8 fail;

	asm volatile("vmclear %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int axvm_vmptrld(u64 pa)
{
	u8 fail;

	asm volatile("vmptrld %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int axvm_vmread(unsigned long field, u64 *value)
{
	u8 fail;
	unsigned long v;

	asm volatile("vmread %[field], %[v]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail), [v] "=rm" (v)
		     : [field] "r" (field) : "cc");
	*value = v;
	return fail ? -EIO : 0;
}

static __always_inline int axvm_vmwrite(unsigned long field, u64 value)
{
	u8 fail;

	asm volatile("vmwrite %[v], %[field]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail)
		     : [v] "rm" ((unsigned long)value), [field] "r" (field)
		     : "cc", "memory");
	return fail ? -EIO : 0;
}

/* INVEPT/INVVPID descriptors: SDM Vol. 3C, 31.3 "VMX Instructions". */
static __always_inline int axvm_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, rsvd; } desc = { eptp, 0 };
	u8 fail;

	asm volatile("invept %[desc], %[type]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail)
		     : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int axvm_invvpid(unsigned long type, u16 vpid, u64 gva)
{
	struct { u64 vpid : 16, rsvd : 48; u64 gva; } desc = { vpid, 0, gva };
	u8 fail;

	asm volatile("invvpid %[desc], %[type]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail)
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
