// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: names of VMX basic exit reasons (SDM Vol. 3D, Appendix C, as
 * Linux's asm/vmx.h spells them), exit kinds, VM states and events.
 */
#include <stdio.h>

#include <linux/axvm.h>
#include <linux/axvm_genl.h>

#include "axctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const vmx_reasons[] = {
	[0] = "EXCEPTION_NMI",
	[1] = "EXTERNAL_INTERRUPT",
	[2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL",
	[4] = "SIPI",
	[5] = "IO_SMI",
	[6] = "OTHER_SMI",
	[7] = "INTERRUPT_WINDOW",
	[8] = "NMI_WINDOW",
	[9] = "TASK_SWITCH",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "CR_ACCESS",
	[29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION",
	[31] = "MSR_READ",
	[32] = "MSR_WRITE",
	[33] = "INVALID_STATE",
	[34] = "MSR_LOAD_FAIL",
	[36] = "MWAIT",
	[37] = "MONITOR_TRAP_FLAG",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[41] = "MCE_DURING_VMENTRY",
	[43] = "TPR_BELOW_THRESHOLD",
	[44] = "APIC_ACCESS",
	[45] = "EOI_INDUCED",
	[46] = "GDTR_IDTR",
	[47] = "LDTR_TR",
	[48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "PREEMPTION_TIMER",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC_WRITE",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "PML_FULL",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[65] = "PCONFIG",
	[66] = "SPP",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[69] = "LOADIWKEY",
	[70] = "ENCLV",
	[72] = "ENQCMD_PASID_FAIL",
	[73] = "ENQCMDS_PASID_FAIL",
	[74] = "BUS_LOCK",
	[75] = "NOTIFY",
};

const char *vmx_reason_name(uint32_t reason)
{
	return reason < ARRAY_SIZE(vmx_reasons) ? vmx_reasons[reason] : NULL;
}

static const char *const exit_kinds[] = {
	[AXVM_EXIT_NOTHING] = "NOTHING",
	[AXVM_EXIT_HYPERCALL] = "HYPERCALL",
	[AXVM_EXIT_MMIO_READ] = "MMIO_READ",
	[AXVM_EXIT_MMIO_WRITE] = "MMIO_WRITE",
	[AXVM_EXIT_SYSREG_READ] = "SYSREG_READ",
	[AXVM_EXIT_SYSREG_WRITE] = "SYSREG_WRITE",
	[AXVM_EXIT_IO_READ] = "IO_READ",
	[AXVM_EXIT_IO_WRITE] = "IO_WRITE",
	[AXVM_EXIT_EXTERNAL_INTERRUPT] = "EXTERNAL_INTERRUPT",
	[AXVM_EXIT_NESTED_PAGE_FAULT] = "NESTED_PAGE_FAULT",
	[AXVM_EXIT_HALT] = "HALT",
	[AXVM_EXIT_CPU_UP] = "CPU_UP",
	[AXVM_EXIT_CPU_DOWN] = "CPU_DOWN",
	[AXVM_EXIT_SYSTEM_DOWN] = "SYSTEM_DOWN",
	[AXVM_EXIT_SEND_IPI] = "SEND_IPI",
	[AXVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[AXVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
};

static const char *numbered(const char *prefix, uint32_t n)
{
	static __thread char buf[32];

	snprintf(buf, sizeof(buf), "%s%u", prefix, n);
	return buf;
}

const char *exit_kind_name(uint32_t kind)
{
	if (kind < ARRAY_SIZE(exit_kinds) && exit_kinds[kind])
		return exit_kinds[kind];
	return numbered("KIND_", kind);
}

const char *vm_state_name(uint32_t state)
{
	switch (state) {
	case AXVM_VM_CREATED:
		return "created";
	case AXVM_VM_RUNNING:
		return "running";
	case AXVM_VM_STOPPED:
		return "stopped";
	}
	return numbered("state-", state);
}

const char *genl_event_name(uint32_t ev)
{
	switch (ev) {
	case AXVM_EV_CREATED:
		return "created";
	case AXVM_EV_STARTED:
		return "started";
	case AXVM_EV_STOPPED:
		return "stopped";
	case AXVM_EV_DESTROYED:
		return "destroyed";
	case AXVM_EV_VCPU_EXIT:
		return "vcpu-exit";
	}
	return numbered("event-", ev);
}
