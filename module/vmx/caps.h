/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What this CPU's VMX offers and which control values axvm runs with.
 */
#ifndef AXVM_VMX_CAPS_H
#define AXVM_VMX_CAPS_H

#include <linux/types.h>

/* IA32_VMX_EPT_VPID_CAP, SDM Vol. 3D, Appendix A.10. */
#define AXVM_EPT_CAP_WALK4		BIT_ULL(6)
#define AXVM_EPT_CAP_WB			BIT_ULL(14)
#define AXVM_EPT_CAP_2M			BIT_ULL(16)
#define AXVM_EPT_CAP_INVEPT		BIT_ULL(20)
#define AXVM_EPT_CAP_AD			BIT_ULL(21)
#define AXVM_EPT_CAP_INVEPT_SINGLE	BIT_ULL(25)
#define AXVM_EPT_CAP_INVEPT_ALL		BIT_ULL(26)
#define AXVM_VPID_CAP_INVVPID		BIT_ULL(32)
#define AXVM_VPID_CAP_SINGLE		BIT_ULL(41)
#define AXVM_VPID_CAP_ALL		BIT_ULL(42)

/**
 * struct axvm_vmx_caps - VMX facts read once at module load
 * @basic:	IA32_VMX_BASIC
 * @revision:	VMCS revision identifier
 * @vmcs_size:	bytes of a VMCS/VMXON region
 * @pin:	pin-based controls axvm sets
 * @proc:	primary processor-based controls
 * @proc2:	secondary processor-based controls
 * @exit:	VM-exit controls
 * @entry:	VM-entry controls
 * @ept_vpid:	IA32_VMX_EPT_VPID_CAP
 * @misc:	IA32_VMX_MISC
 * @cr0_fixed0: IA32_VMX_CR0_FIXED0
 * @cr0_fixed1: IA32_VMX_CR0_FIXED1
 * @cr4_fixed0: IA32_VMX_CR4_FIXED0
 * @cr4_fixed1: IA32_VMX_CR4_FIXED1
 * @has_vpid:	VPIDs in use
 * @has_ept_2m: 2 MiB EPT leaves
 * @has_ept_ad: EPT accessed/dirty bits
 * @has_preempt_timer: VMX-preemption timer in use
 * @has_mtf: the monitor trap flag may be set (a debugger's single step)
 * @preempt_timer_shift: TSC bits per preemption-timer tick
 * @host_xsave: the host enabled XSAVE (CR4.OSXSAVE); else FXSAVE is used
 */
struct axvm_vmx_caps {
	u64 basic;
	u32 revision;
	u32 vmcs_size;
	u32 pin, proc, proc2, exit, entry;
	u64 ept_vpid;
	u64 misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool has_vpid, has_ept_2m, has_ept_ad, has_preempt_timer, has_mtf;
	u8 preempt_timer_shift;
	bool host_xsave;
};

extern struct axvm_vmx_caps axvm_vmx;

int axvm_vmx_probe(void);
void axvm_vmx_report(void);

#endif
