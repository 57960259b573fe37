// SPDX-License-Identifier: GPL-2.0
/*
 * Control-value adjustment from the VMX capability MSRs.
 *
 * Every VMX control field has an "allowed-0" half (bits that must be 1)
 * and an "allowed-1" half (bits that may be 1), SDM Vol. 3D, Appendix A.3-A.5.
 * CR0/CR4 have IA32_VMX_CRx_FIXED0/1 (Appendix A.7, A.8).
 */
#include <linux/errno.h>
#include "vmx/ctls.h"

/**
 * axvm_vmx_adjust_ctls() - choose a control value the CPU accepts
 * @cap_msr:	the capability MSR: low half allowed-0, high half allowed-1
 * @required:	bits axvm cannot work without
 * @optional:	bits axvm uses when the CPU has them
 * @out:	the adjusted value
 *
 * Return: 0, -EOPNOTSUPP if a required bit may not be set, or -EIO if the
 * MSR contradicts itself (a bit that must be 1 but may not be 1).
 */
int axvm_vmx_adjust_ctls(u64 cap_msr, u32 required, u32 optional, u32 *out)
{
	u32 must_be_one = (u32)cap_msr;
	u32 may_be_one = (u32)(cap_msr >> 32);

	if (must_be_one & ~may_be_one)
		return -EIO;
	if (required & ~may_be_one)
		return -EOPNOTSUPP;
	*out = ((required | optional) & may_be_one) | must_be_one;
	return 0;
}

/**
 * axvm_vmx_fixed_cr() - force the fixed bits of CR0 or CR4
 * @value:	the wanted register value
 * @fixed0:	IA32_VMX_CRx_FIXED0: bits set here must be 1
 * @fixed1:	IA32_VMX_CRx_FIXED1: bits clear here must be 0
 *
 * Return: @value with the fixed bits applied.
 */
u64 axvm_vmx_fixed_cr(u64 value, u64 fixed0, u64 fixed1)
{
	return (value | fixed0) & fixed1;
}

/**
 * axvm_vmx_cr_valid() - whether a CR0/CR4 value respects the fixed bits
 * @value:	register value
 * @fixed0:	bits that must be 1
 * @fixed1:	bits that may be 1
 *
 * Return: true if VMX operation allows @value.
 */
bool axvm_vmx_cr_valid(u64 value, u64 fixed0, u64 fixed1)
{
	return axvm_vmx_fixed_cr(value, fixed0, fixed1) == value;
}
