// SPDX-License-Identifier: GPL-2.0
/*
 * Probe VMX: check the CPU and firmware allow it and choose every control
 * value from the capability MSRs (SDM Vol. 3C, 24.6 "Discovering Support for
 * VMX" to 24.8 "Restrictions on VMX Operation", and Vol. 3D, Appendix A "VMX
 * Capability Reporting Facility").
 */
#include <linux/errno.h>
#include <linux/printk.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/tlbflush.h>
#include <asm/vmx.h>
#include "vmx/access.h"
#include "vmx/caps.h"
#include "vmx/ctls.h"
#include "vmx/exit_table.h"

struct axvm_vmx_caps axvm_vmx __ro_after_init;

static int probe_ctl(const char *what, u32 msr, u32 true_msr, u32 required,
		     u32 optional, u32 *out, u32 *allowed1)
{
	u64 cap;
	int ret;

	if (axvm_vmx.basic & AXVM_VMX_BASIC_TRUE_CTLS)
		msr = true_msr;
	if (rdmsrl_safe(msr, &cap)) {
		pr_err("axvm: cannot read VMX capability MSR %#x\n", msr);
		return -EIO;
	}
	if (allowed1)
		*allowed1 = cap >> 32;
	ret = axvm_vmx_adjust_ctls(cap, required, optional, out);
	if (ret)
		pr_err("axvm: %s controls: CPU lacks required bits %#x (allowed-1 %#x)\n",
		       what, required & ~(u32)(cap >> 32), (u32)(cap >> 32));
	return ret;
}

static int probe_basic(void)
{
	u64 feat;

	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("axvm: CPU has no VMX (or firmware disabled it)\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("axvm: IA32_FEATURE_CONTROL does not allow VMX outside SMX\n");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &axvm_vmx.basic))
		return -EIO;
	axvm_vmx.revision = AXVM_VMX_BASIC_REVISION(axvm_vmx.basic);
	axvm_vmx.vmcs_size = AXVM_VMX_BASIC_VMCS_SIZE(axvm_vmx.basic);
	if (!axvm_vmx.vmcs_size || axvm_vmx.vmcs_size > PAGE_SIZE ||
	    (axvm_vmx.basic & AXVM_VMX_BASIC_32BIT_ADDR) ||
	    AXVM_VMX_BASIC_MEMTYPE(axvm_vmx.basic) != AXVM_MEMTYPE_WB) {
		pr_err("axvm: unsupported IA32_VMX_BASIC %#llx\n", axvm_vmx.basic);
		return -EOPNOTSUPP;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_MISC, &axvm_vmx.misc) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR0_FIXED0, &axvm_vmx.cr0_fixed0) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR0_FIXED1, &axvm_vmx.cr0_fixed1) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR4_FIXED0, &axvm_vmx.cr4_fixed0) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR4_FIXED1, &axvm_vmx.cr4_fixed1))
		return -EIO;
	return 0;
}

static int probe_ept_vpid(void)
{
	u64 ept;
	const u64 need = AXVM_EPT_CAP_WALK4 | AXVM_EPT_CAP_WB | AXVM_EPT_CAP_INVEPT;

	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept))
		return -EIO;
	axvm_vmx.ept_vpid = ept;
	if ((ept & need) != need ||
	    !(ept & (AXVM_EPT_CAP_INVEPT_SINGLE | AXVM_EPT_CAP_INVEPT_ALL))) {
		pr_err("axvm: EPT lacks 4-level walk, WB or INVEPT (cap %#llx)\n", ept);
		return -EOPNOTSUPP;
	}
	axvm_vmx.has_ept_2m = ept & AXVM_EPT_CAP_2M;
	axvm_vmx.has_ept_ad = ept & AXVM_EPT_CAP_AD;
	axvm_vmx.has_vpid = (axvm_vmx.proc2 & SECONDARY_EXEC_ENABLE_VPID) &&
			    (ept & AXVM_VPID_CAP_INVVPID) &&
			    (ept & (AXVM_VPID_CAP_SINGLE | AXVM_VPID_CAP_ALL));
	if (!axvm_vmx.has_vpid)
		axvm_vmx.proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	return 0;
}

/*
 * Our SDM-derived control bits are the kernel's (vmx/ctl_bits.h); XSAVES
 * is left out: its kernel name differs between 6.1 and 6.12.
 */
static_assert(AXVM_PIN_EXT_INTR_EXITING == PIN_BASED_EXT_INTR_MASK);
static_assert(AXVM_PIN_NMI_EXITING == PIN_BASED_NMI_EXITING);
static_assert(AXVM_PIN_VIRTUAL_NMIS == PIN_BASED_VIRTUAL_NMIS);
static_assert(AXVM_PIN_PREEMPTION_TIMER == PIN_BASED_VMX_PREEMPTION_TIMER);
static_assert(AXVM_PROC_INTR_WINDOW_EXITING == CPU_BASED_INTR_WINDOW_EXITING);
static_assert(AXVM_PROC_TSC_OFFSETTING == CPU_BASED_USE_TSC_OFFSETTING);
static_assert(AXVM_PROC_HLT_EXITING == CPU_BASED_HLT_EXITING);
static_assert(AXVM_PROC_INVLPG_EXITING == CPU_BASED_INVLPG_EXITING);
static_assert(AXVM_PROC_MWAIT_EXITING == CPU_BASED_MWAIT_EXITING);
static_assert(AXVM_PROC_RDPMC_EXITING == CPU_BASED_RDPMC_EXITING);
static_assert(AXVM_PROC_RDTSC_EXITING == CPU_BASED_RDTSC_EXITING);
static_assert(AXVM_PROC_CR3_LOAD_EXITING == CPU_BASED_CR3_LOAD_EXITING);
static_assert(AXVM_PROC_CR3_STORE_EXITING == CPU_BASED_CR3_STORE_EXITING);
static_assert(AXVM_PROC_CR8_LOAD_EXITING == CPU_BASED_CR8_LOAD_EXITING);
static_assert(AXVM_PROC_CR8_STORE_EXITING == CPU_BASED_CR8_STORE_EXITING);
static_assert(AXVM_PROC_NMI_WINDOW_EXITING == CPU_BASED_NMI_WINDOW_EXITING);
static_assert(AXVM_PROC_MOV_DR_EXITING == CPU_BASED_MOV_DR_EXITING);
static_assert(AXVM_PROC_UNCOND_IO_EXITING == CPU_BASED_UNCOND_IO_EXITING);
static_assert(AXVM_PROC_USE_IO_BITMAPS == CPU_BASED_USE_IO_BITMAPS);
static_assert(AXVM_PROC_USE_MSR_BITMAPS == CPU_BASED_USE_MSR_BITMAPS);
static_assert(AXVM_PROC_MONITOR_EXITING == CPU_BASED_MONITOR_EXITING);
static_assert(AXVM_PROC_PAUSE_EXITING == CPU_BASED_PAUSE_EXITING);
static_assert(AXVM_PROC_MONITOR_TRAP_FLAG == CPU_BASED_MONITOR_TRAP_FLAG);
static_assert(AXVM_PROC_SECONDARY == CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
static_assert(AXVM_PROC2_EPT == SECONDARY_EXEC_ENABLE_EPT);
static_assert(AXVM_PROC2_DESC_EXITING == SECONDARY_EXEC_DESC);
static_assert(AXVM_PROC2_RDTSCP == SECONDARY_EXEC_ENABLE_RDTSCP);
static_assert(AXVM_PROC2_VPID == SECONDARY_EXEC_ENABLE_VPID);
static_assert(AXVM_PROC2_WBINVD_EXITING == SECONDARY_EXEC_WBINVD_EXITING);
static_assert(AXVM_PROC2_UNRESTRICTED_GUEST == SECONDARY_EXEC_UNRESTRICTED_GUEST);
static_assert(AXVM_PROC2_PAUSE_LOOP_EXITING == SECONDARY_EXEC_PAUSE_LOOP_EXITING);
static_assert(AXVM_PROC2_RDRAND_EXITING == SECONDARY_EXEC_RDRAND_EXITING);
static_assert(AXVM_PROC2_INVPCID == SECONDARY_EXEC_ENABLE_INVPCID);
static_assert(AXVM_PROC2_RDSEED_EXITING == SECONDARY_EXEC_RDSEED_EXITING);
static_assert(AXVM_PROC2_PML == SECONDARY_EXEC_ENABLE_PML);

/**
 * axvm_vmx_probe() - check VMX and choose the controls axvm runs with
 *
 * Required controls are those without which a guest could reach host
 * resources or run unbounded: external-interrupt and NMI exiting, HLT,
 * I/O and MSR bitmaps, EPT, unrestricted guest, EFER/PAT switching, and
 * DR7/DEBUGCTL switching (the host's breakpoints stay out of the guest).
 *
 * Return: 0, or a negative errno after printing what is missing.
 */
int axvm_vmx_probe(void)
{
	u32 proc_allowed1 = 0;
	int ret;

	ret = probe_basic();
	if (ret)
		return ret;

	ret = probe_ctl("pin-based", MSR_IA32_VMX_PINBASED_CTLS,
			MSR_IA32_VMX_TRUE_PINBASED_CTLS,
			AXVM_PIN_REQUIRED, AXVM_PIN_OPTIONAL, &axvm_vmx.pin, NULL);
	if (ret)
		return ret;
	ret = probe_ctl("processor-based", MSR_IA32_VMX_PROCBASED_CTLS,
			MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
			AXVM_PROC_REQUIRED, AXVM_PROC_OPTIONAL, &axvm_vmx.proc,
			&proc_allowed1);
	if (ret)
		return ret;
	ret = probe_ctl("secondary", MSR_IA32_VMX_PROCBASED_CTLS2,
			MSR_IA32_VMX_PROCBASED_CTLS2,
			AXVM_PROC2_REQUIRED, AXVM_PROC2_OPTIONAL,
			&axvm_vmx.proc2, NULL);
	if (ret)
		return ret;
	ret = probe_ctl("VM-exit", MSR_IA32_VMX_EXIT_CTLS,
			MSR_IA32_VMX_TRUE_EXIT_CTLS,
			VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_PAT |
			VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER |
			VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_DEBUG_CONTROLS,
			0, &axvm_vmx.exit, NULL);
	if (ret)
		return ret;
	ret = probe_ctl("VM-entry", MSR_IA32_VMX_ENTRY_CTLS,
			MSR_IA32_VMX_TRUE_ENTRY_CTLS,
			VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER |
			VM_ENTRY_LOAD_DEBUG_CONTROLS, 0, &axvm_vmx.entry, NULL);
	if (ret)
		return ret;
	/* Entry to 64-bit mode is chosen per guest, never by default. */
	axvm_vmx.entry &= ~VM_ENTRY_IA32E_MODE;

	ret = probe_ept_vpid();
	if (ret)
		return ret;

	axvm_vmx.has_preempt_timer = axvm_vmx.pin & PIN_BASED_VMX_PREEMPTION_TIMER;
	/* Set only while a debugger steps (vmx/guest_debug.c). */
	axvm_vmx.has_mtf = proc_allowed1 & AXVM_PROC_MONITOR_TRAP_FLAG;
	axvm_vmx.preempt_timer_shift = axvm_vmx.misc & 0x1f;
	axvm_vmx.host_xsave = cr4_read_shadow() & X86_CR4_OSXSAVE;
	return 0;
}

/**
 * axvm_vmx_report() - log what was detected, once, at module load
 */
void axvm_vmx_report(void)
{
	pr_info("axvm: VMX revision %#x, VMCS %u bytes, true-ctls %s\n",
		axvm_vmx.revision, axvm_vmx.vmcs_size,
		axvm_vmx.basic & AXVM_VMX_BASIC_TRUE_CTLS ? "yes" : "no");
	pr_info("axvm: controls pin %#x proc %#x proc2 %#x exit %#x entry %#x\n",
		axvm_vmx.pin, axvm_vmx.proc, axvm_vmx.proc2, axvm_vmx.exit,
		axvm_vmx.entry);
	pr_info("axvm: EPT 2M %s, A/D %s; VPID %s; preemption timer %s (rate 2^%u); MTF %s; guest FPU via %s\n",
		axvm_vmx.has_ept_2m ? "yes" : "no",
		axvm_vmx.has_ept_ad ? "yes" : "no",
		axvm_vmx.has_vpid ? "yes" : "no",
		axvm_vmx.has_preempt_timer ? "yes" : "no",
		axvm_vmx.preempt_timer_shift,
		axvm_vmx.has_mtf ? "yes" : "no",
		axvm_vmx.host_xsave ? "XSAVE" : "FXSAVE");
}

/**
 * axvm_vmx_has_ept_2m() - may EPT map guest RAM with 2 MiB pages?
 *
 * Return: true if the CPU supports 2 MiB EPT leaves.
 */
bool axvm_vmx_has_ept_2m(void)
{
	return axvm_vmx.has_ept_2m;
}
