// SPDX-License-Identifier: GPL-2.0
/*
 * RDMSR/WRMSR. The MSR bitmap lets nothing through, so every MSR access
 * exits here (SDM Vol. 3C, 26.1.3 "Instructions That Cause VM
 * Exits Conditionally"). An allowlist is emulated per vCPU;
 * non-canonical bases and reserved bits raise #GP; every other MSR goes to
 * userspace as SysRegRead/SysRegWrite, which answers or asks for #GP. No
 * host MSR is ever read or written on the guest's behalf.
 */
#include <linux/nospec.h>
#include <asm/msr-index.h>
#include <asm/apicdef.h>
#include <asm/msr.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>
#include "vmx/caps.h"
#include "vmx/insn.h"
#include "vmx/upcall.h"
#include "vmx/vmx.h"

static const u32 swapped_msr_index[AXVM_NR_SWAPPED_MSRS] = {
	[AXVM_MSR_STAR] = MSR_STAR,
	[AXVM_MSR_LSTAR] = MSR_LSTAR,
	[AXVM_MSR_CSTAR] = MSR_CSTAR,
	[AXVM_MSR_SFMASK] = MSR_SYSCALL_MASK,
};

/**
 * axvm_vmx_msrs_to_guest() - load the guest's SYSCALL MSRs into hardware
 * @vmx: the vCPU, preemption off
 *
 * The host's values come back in axvm_vmx_msrs_to_host(), before the
 * thread can return to userspace or be scheduled out.
 */
void axvm_vmx_msrs_to_guest(struct axvm_vmx_vcpu *vmx)
{
	int i;

	/* Only MSRs the guest ever wrote: a guest that never did costs nothing. */
	for (i = 0; i < AXVM_NR_SWAPPED_MSRS; i++) {
		if (!(vmx->guest_msrs_set & BIT(i)))
			continue;
		rdmsrl(swapped_msr_index[i], vmx->host.msrs[i]);
		wrmsrl(swapped_msr_index[i], vmx->guest_msrs[i]);
	}
}

/**
 * axvm_vmx_msrs_to_host() - put the host's SYSCALL MSRs back
 * @vmx: the vCPU, preemption off
 */
void axvm_vmx_msrs_to_host(struct axvm_vmx_vcpu *vmx)
{
	int i;

	for (i = 0; i < AXVM_NR_SWAPPED_MSRS; i++)
		if (vmx->guest_msrs_set & BIT(i))
			wrmsrl(swapped_msr_index[i], vmx->host.msrs[i]);
}

static int swapped_index(u32 msr)
{
	int i;

	/* The guest picks the MSR: guest_msrs[i] must not be read past the end. */
	for (i = 0; i < AXVM_NR_SWAPPED_MSRS; i++)
		if (swapped_msr_index[i] == msr)
			return array_index_nospec(i, AXVM_NR_SWAPPED_MSRS);
	return -1;
}

/*
 * 48-bit canonical: bits 63:47 all equal (SDM Vol. 1, 3.3.7.1 "Canonical
 * Addressing").
 */
static bool canonical(u64 v)
{
	return (u64)(((s64)v << 16) >> 16) == v;
}

static bool pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t != 0 && t != 1 && t != 4 && t != 5 && t != 6 && t != 7)
			return false;
	}
	return true;
}

#define EFER_WRITABLE	(EFER_SCE | EFER_LME | EFER_NX)
#define MISC_ENABLE_RO	(MSR_IA32_MISC_ENABLE_FAST_STRING | \
			 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
			 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)

/* Return 0 and *val, 1 if not emulated here, or -EFAULT-free #GP as 2. */
enum { MSR_OK, MSR_USER, MSR_GP };

static bool lapic_msr(struct axvm_vcpu *vcpu, u32 msr)
{
	/*
	 * x2APIC registers are MSRs 800H-8FFH (SDM Vol. 3A, 11.12.1.2 "x2APIC
	 * Register Address Space").
	 */
	return to_vmx(vcpu)->apic_in_kernel &&
	       (msr == MSR_IA32_APICBASE || msr == MSR_IA32_TSC_DEADLINE ||
		(msr >= APIC_BASE_MSR && msr <= APIC_BASE_MSR + 0xff));
}

/*
 * Machine-check architecture (SDM Vol. 3B, 16.3 "Machine-Check MSRs"):
 * IA32_MCG_CAP reports AXVM_MCE_BANKS banks and no other capability (no
 * IA32_MCG_CTL, CMCI, software error recovery, LMCE); nothing ever logs an
 * error, so the banks hold what the guest wrote. The registers a guest finds
 * through CPUID.1:EDX.MCA never #GP; writes follow 16.3.2 "Error-Reporting
 * Register Banks": MCi_CTL takes 0 or all ones (KVM also lets bits 0 and 10 be
 * cleared, which some Linux versions do for a K8 erratum), MCi_STATUS only 0 (a
 * non-zero value #GPs on Intel CPUs, as in KVM), MCi_ADDR and MCi_MISC
 * anything.
 */
static bool mce_bank_msr(u32 msr)
{
	return msr >= MSR_IA32_MC0_CTL &&
	       msr < MSR_IA32_MC0_CTL + 4 * AXVM_MCE_BANKS;
}

static int mce_read(struct axvm_vmx_vcpu *vmx, u32 msr, u64 *val)
{
	u32 i = msr - MSR_IA32_MC0_CTL;

	switch (msr) {
	case MSR_IA32_MCG_CAP:
		*val = AXVM_MCE_BANKS;
		return MSR_OK;
	case MSR_IA32_MCG_STATUS:
		*val = vmx->mcg_status;
		return MSR_OK;
	case MSR_IA32_MCG_CTL:
		return MSR_GP;		/* MCG_CAP.MCG_CTL_P = 0 */
	}
	/* The guest picks the bank: no speculative read past the array. */
	i = array_index_nospec(i, 4 * AXVM_MCE_BANKS);
	*val = vmx->mce_banks[i / 4][i % 4];
	return MSR_OK;
}

static int mce_write(struct axvm_vmx_vcpu *vmx, u32 msr, u64 val)
{
	u32 i = msr - MSR_IA32_MC0_CTL;

	switch (msr) {
	case MSR_IA32_MCG_STATUS:
		vmx->mcg_status = val;
		return MSR_OK;
	case MSR_IA32_MCG_CAP:		/* read-only */
	case MSR_IA32_MCG_CTL:		/* absent */
		return MSR_GP;
	}
	i = array_index_nospec(i, 4 * AXVM_MCE_BANKS);
	if (i % 4 == 0 && val && (val | BIT_ULL(10) | 1) != ~0ULL)
		return MSR_GP;
	if (i % 4 == 1 && val)
		return MSR_GP;
	vmx->mce_banks[i / 4][i % 4] = val;
	return MSR_OK;
}

static bool mce_msr(u32 msr)
{
	return msr == MSR_IA32_MCG_CAP || msr == MSR_IA32_MCG_STATUS ||
	       msr == MSR_IA32_MCG_CTL || mce_bank_msr(msr);
}

/*
 * IA32_TSC_ADJUST (SDM Vol. 3B, 18.17.3 "Time-Stamp Counter Adjustment"):
 * writing it adds the change to the TSC; writing the TSC adds the change to it.
 * Both are the TSC offset moving. Without TSC offsetting the TSC cannot change:
 * #GP, as for the TSC itself.
 */
static int write_tsc(struct axvm_vmx_vcpu *vmx, u32 msr, u64 val)
{
	u64 offset, next;

	if (!(axvm_vmx.proc & CPU_BASED_USE_TSC_OFFSETTING))
		return MSR_GP;
	offset = axvm_vmcs_read(TSC_OFFSET);
	if (msr == MSR_IA32_TSC_ADJUST) {
		next = offset + (val - vmx->tsc_adjust);
		vmx->tsc_adjust = val;
	} else {
		next = val - rdtsc();
		vmx->tsc_adjust += next - offset;
	}
	axvm_vmcs_write(TSC_OFFSET, next);
	return MSR_OK;
}

static u64 guest_tsc(void)
{
	return rdtsc() + axvm_vmcs_read(TSC_OFFSET);
}

static int read_emulated(struct axvm_vcpu *vcpu, u32 msr, u64 *val)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	int i = swapped_index(msr);

	if (lapic_msr(vcpu, msr))
		return axvm_vmx_up(apic_rdmsr)(vcpu, msr, 0, val) ?
		       MSR_GP : MSR_OK;

	if (i >= 0) {
		*val = vmx->guest_msrs[i];
		return MSR_OK;
	}
	if (mce_msr(msr))
		return mce_read(vmx, msr, val);
	switch (msr) {
	case MSR_EFER:
		*val = axvm_vmcs_read(GUEST_IA32_EFER);
		break;
	case MSR_IA32_CR_PAT:
		*val = axvm_vmcs_read(GUEST_IA32_PAT);
		break;
	case MSR_IA32_SYSENTER_CS:
		*val = axvm_vmcs_read(GUEST_SYSENTER_CS);
		break;
	case MSR_IA32_SYSENTER_ESP:
		*val = axvm_vmcs_read(GUEST_SYSENTER_ESP);
		break;
	case MSR_IA32_SYSENTER_EIP:
		*val = axvm_vmcs_read(GUEST_SYSENTER_EIP);
		break;
	case MSR_FS_BASE:
		*val = axvm_vmcs_read(GUEST_FS_BASE);
		break;
	case MSR_GS_BASE:
		*val = axvm_vmcs_read(GUEST_GS_BASE);
		break;
	case MSR_KERNEL_GS_BASE:
		if (vmx->guest_state_loaded)
			rdmsrl(MSR_KERNEL_GS_BASE, vmx->guest_kernel_gs_base);
		*val = vmx->guest_kernel_gs_base;
		break;
	case MSR_IA32_TSC:
		*val = rdtsc() + axvm_vmcs_read(TSC_OFFSET);
		break;
	case MSR_IA32_TSC_ADJUST:
		*val = vmx->tsc_adjust;
		break;
	case MSR_TSC_AUX:
		*val = vmx->tsc_aux;
		break;
	case MSR_IA32_MISC_ENABLE:
		*val = vmx->misc_enable;
		break;
	case MSR_IA32_APICBASE:
		*val = vmx->apic_base;
		break;
	case MSR_IA32_FEAT_CTL:
		*val = FEAT_CTL_LOCKED;	/* locked, VMX off: no nested VMX */
		break;
	case MSR_MTRRcap:
		*val = 0;		/* no variable or fixed ranges */
		break;
	case MSR_MTRRdefType:
		*val = vmx->mtrr_def_type;
		break;
	default:
		return MSR_USER;
	}
	return MSR_OK;
}

static int write_emulated(struct axvm_vcpu *vcpu, u32 msr, u64 val)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	int i = swapped_index(msr);
	u64 efer;

	if (lapic_msr(vcpu, msr))
		return axvm_vmx_up(apic_wrmsr)(vcpu, msr, val, guest_tsc()) ?
		       MSR_GP : MSR_OK;

	if (i >= 0) {
		if (msr == MSR_SYSCALL_MASK ? val >> 32 :
		    msr != MSR_STAR && !canonical(val))
			return MSR_GP;
		if (vmx->guest_state_loaded) {
			if (!(vmx->guest_msrs_set & BIT(i)))
				rdmsrl(msr, vmx->host.msrs[i]);
			wrmsrl(msr, val);
		}
		vmx->guest_msrs_set |= BIT(i);
		vmx->guest_msrs[i] = val;
		return MSR_OK;
	}
	if (mce_msr(msr))
		return mce_write(vmx, msr, val);
	switch (msr) {
	case MSR_EFER:
		efer = axvm_vmcs_read(GUEST_IA32_EFER);
		if (val & ~(EFER_WRITABLE | EFER_LMA))
			return MSR_GP;
		/*
		 * LME may not change while paging is on (SDM Vol. 3A, 10.8.5
		 * "Initializing IA-32e Mode").
		 */
		if (((val ^ efer) & EFER_LME) &&
		    (axvm_vmcs_read(GUEST_CR0) & X86_CR0_PG))
			return MSR_GP;
		axvm_vmcs_write(GUEST_IA32_EFER, (val & ~EFER_LMA) | (efer & EFER_LMA));
		break;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(val))
			return MSR_GP;
		axvm_vmcs_write(GUEST_IA32_PAT, val);
		break;
	case MSR_IA32_SYSENTER_CS:
		axvm_vmcs_write(GUEST_SYSENTER_CS, (u32)val);
		break;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
		if (!canonical(val))
			return MSR_GP;
		axvm_vmcs_write(msr == MSR_IA32_SYSENTER_ESP ? GUEST_SYSENTER_ESP :
			     msr == MSR_IA32_SYSENTER_EIP ? GUEST_SYSENTER_EIP :
			     msr == MSR_FS_BASE ? GUEST_FS_BASE : GUEST_GS_BASE,
			     val);
		break;
	case MSR_KERNEL_GS_BASE:
		if (!canonical(val))
			return MSR_GP;
		vmx->guest_kernel_gs_base = val;
		if (vmx->guest_state_loaded)
			wrmsrl(MSR_KERNEL_GS_BASE, val);
		break;
	case MSR_IA32_TSC:
	case MSR_IA32_TSC_ADJUST:
		return write_tsc(vmx, msr, val);
	case MSR_TSC_AUX:
		if (val >> 32)
			return MSR_GP;
		vmx->tsc_aux = val;
		break;
	case MSR_IA32_MISC_ENABLE:
		if ((val ^ vmx->misc_enable) & MISC_ENABLE_RO)
			return MSR_GP;
		vmx->misc_enable = val;
		break;
	case MSR_IA32_APICBASE:
		/* No in-kernel LAPIC (io/lapic.c has its own): base, enable. */
		if (val & ~(0xfffff000ull | BIT(11) | BIT(8)) ||
		    ((val ^ vmx->apic_base) & BIT(8)))
			return MSR_GP;
		vmx->apic_base = val;
		break;
	case MSR_MTRRdefType:
		if (val & ~0xcffull)
			return MSR_GP;
		vmx->mtrr_def_type = val;
		break;
	case MSR_IA32_FEAT_CTL:
	case MSR_MTRRcap:
		return MSR_GP;		/* locked / read-only */
	default:
		return MSR_USER;
	}
	return MSR_OK;
}

/**
 * axvm_vmx_handle_rdmsr() - RDMSR exit
 * @vcpu: the vCPU
 * @exit: the record
 *
 * Return: AXVM_RESUME (emulated, or #GP queued) or AXVM_USER (SysRegRead).
 */
int axvm_vmx_handle_rdmsr(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	unsigned long *g = to_vmx(vcpu)->gprs;
	u32 msr = g[AXVM_REG_RCX];
	u64 val;

	switch (read_emulated(vcpu, msr, &val)) {
	case MSR_OK:
		g[AXVM_REG_RAX] = (u32)val;
		g[AXVM_REG_RDX] = val >> 32;
		axvm_vmx_skip_instruction(vcpu);
		return AXVM_RESUME;
	case MSR_GP:
		axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return AXVM_RESUME;
	}
	exit->kind = AXVM_EXIT_SYSREG_READ;
	exit->u.sysreg_read.addr = msr;
	exit->u.sysreg_read.reg = AXVM_REG_RAX;
	return AXVM_USER;
}

/**
 * axvm_vmx_handle_wrmsr() - WRMSR exit
 * @vcpu: the vCPU
 * @exit: the record
 *
 * Return: AXVM_RESUME (emulated, or #GP queued) or AXVM_USER (SysRegWrite).
 */
int axvm_vmx_handle_wrmsr(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	unsigned long *g = to_vmx(vcpu)->gprs;
	u32 msr = g[AXVM_REG_RCX];
	u64 val = (u32)g[AXVM_REG_RAX] | (u64)(u32)g[AXVM_REG_RDX] << 32;

	switch (write_emulated(vcpu, msr, val)) {
	case MSR_OK:
		axvm_vmx_skip_instruction(vcpu);
		return AXVM_RESUME;
	case MSR_GP:
		axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return AXVM_RESUME;
	}
	exit->kind = AXVM_EXIT_SYSREG_WRITE;
	exit->u.sysreg_write.addr = msr;
	exit->u.sysreg_write.value = val;
	return AXVM_USER;
}
