/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX capability-MSR arithmetic that needs no hardware, so KUnit can test it.
 */
#ifndef AXVM_VMX_CTLS_H
#define AXVM_VMX_CTLS_H

#include <linux/types.h>

/* IA32_VMX_BASIC layout, SDM Vol. 3D, Appendix A.1. */
#define AXVM_VMX_BASIC_REVISION(b)	((u32)(b) & 0x7fffffffu)
#define AXVM_VMX_BASIC_VMCS_SIZE(b)	((u32)((b) >> 32) & 0x1fffu)
#define AXVM_VMX_BASIC_32BIT_ADDR	BIT_ULL(48)
#define AXVM_VMX_BASIC_MEMTYPE(b)	((u32)((b) >> 50) & 0xfu)
#define AXVM_VMX_BASIC_INOUT		BIT_ULL(54)
#define AXVM_VMX_BASIC_TRUE_CTLS	BIT_ULL(55)
#define AXVM_MEMTYPE_WB			6

int axvm_vmx_adjust_ctls(u64 cap_msr, u32 required, u32 optional, u32 *out);
u64 axvm_vmx_fixed_cr(u64 value, u64 fixed0, u64 fixed1);
bool axvm_vmx_cr_valid(u64 value, u64 fixed0, u64 fixed1);

#endif
