// SPDX-License-Identifier: GPL-2.0
/*
 * Control-register, debug-register and XCR0 exits.
 *
 * The host owns CR0.NE, CR4.VMXE and CR4.OSXSAVE (guest/host masks, SDM
 * Vol. 3C, 26.3 "Changes to Instruction Behavior in VMX Non-Root
 * Operation"): a guest MOV to CR0/CR4 that changes one of them exits here
 * and is emulated with the checks the CPU would make (SDM Vol. 3A, 2.5
 * "Control Registers", 10.8 "Software Initialization for Protected-Mode
 * Operation"). CR8 (TPR) exits both ways. MOV DR is in vmx/debug.c.
 */
#include <linux/mm.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>
#include "vmx/caps.h"
#include "vmx/ctls.h"
#include "vmx/insn.h"
#include "vmx/qual.h"
#include "vmx/upcall.h"
#include "vmx/vmx.h"

/* XCR0 features a guest may enable: x87, SSE, AVX, AVX-512 (Vol. 1, 13.3). */
#define XCR0_GUEST_MASK	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
			 XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512)

static void gp(struct axvm_vcpu *vcpu)
{
	axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
}

/* CR8 is the local APIC's TPR[7:4] when there is one (10.8.6.1). */
static u64 get_cr8(struct axvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->apic_in_kernel ? axvm_vmx_up(apic_get_cr8)(vcpu) :
	       to_vmx(vcpu)->cr8;
}

static void set_cr8(struct axvm_vcpu *vcpu, u64 val)
{
	if (to_vmx(vcpu)->apic_in_kernel)
		axvm_vmx_up(apic_set_cr8)(vcpu, val);
	else
		to_vmx(vcpu)->cr8 = val;
}

static bool set_cr0(struct axvm_vcpu *vcpu, u64 val)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 efer = axvm_vmcs_read(GUEST_IA32_EFER);
	u64 old = axvm_vmcs_read(GUEST_CR0), entry;
	bool paging = val & X86_CR0_PG;

	if (val >> 32 || (paging && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return false;
	/*
	 * Turning paging on with EFER.LME enters IA-32e mode (SDM Vol. 3A,
	 * 10.8.5 "Initializing IA-32e Mode").
	 */
	if (paging && !(old & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(axvm_vmcs_read(GUEST_CR4) & X86_CR4_PAE))
			return false;
		efer |= EFER_LMA;
	} else if (!paging && (old & X86_CR0_PG)) {
		/*
		 * Leaving paging from 64-bit code is #GP (10.8.5.4 "Switching
		 * Out of IA-32e Mode Operation").
		 */
		if ((efer & EFER_LMA) &&
		    (axvm_vmcs_read(GUEST_CS_AR_BYTES) & BIT(13)))
			return false;
		efer &= ~EFER_LMA;
	}
	vmx->cr0_shadow = val;
	axvm_vmcs_write(CR0_READ_SHADOW, val);
	axvm_vmcs_write(GUEST_CR0, val | X86_CR0_NE);
	axvm_vmcs_write(GUEST_IA32_EFER, efer);
	entry = axvm_vmcs_read(VM_ENTRY_CONTROLS);
	entry = efer & EFER_LMA ? entry | VM_ENTRY_IA32E_MODE :
				  entry & ~(u64)VM_ENTRY_IA32E_MODE;
	axvm_vmcs_write(VM_ENTRY_CONTROLS, entry);
	return true;
}

static bool set_cr4(struct axvm_vcpu *vcpu, u64 val)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 efer = axvm_vmcs_read(GUEST_IA32_EFER);

	if (val >> 32 || (val & (X86_CR4_VMXE | X86_CR4_PKE)) ||
	    ((val & X86_CR4_OSXSAVE) && !axvm_vmx.host_xsave) ||
	    ((efer & EFER_LMA) && !(val & X86_CR4_PAE)) ||
	    !axvm_vmx_cr_valid(val | X86_CR4_VMXE, 0, axvm_vmx.cr4_fixed1))
		return false;
	vmx->cr4_shadow = val;
	axvm_vmcs_write(CR4_READ_SHADOW, val);
	axvm_vmcs_write(GUEST_CR4, val | X86_CR4_VMXE);
	return true;
}

/**
 * axvm_vmx_handle_cr() - MOV to/from CR0, CR4, CR8 (qualification: 28.2.1)
 * @vcpu: the vCPU
 * @exit: the record
 *
 * Return: AXVM_RESUME; a faulting write queues #GP instead of completing.
 */
int axvm_vmx_handle_cr(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_cr_qual cq = axvm_decode_cr_qual(to_vmx(vcpu)->exit.qualification);
	unsigned int cr = cq.cr, type = cq.type, reg = cq.gpr;
	unsigned long *g = to_vmx(vcpu)->gprs;
	u64 val = reg == AXVM_REG_RSP ? axvm_vmcs_read(GUEST_RSP) : g[reg];
	bool ok = true;

	if (type == AXVM_CR_MOV_TO) {
		if (cr == 0)
			ok = set_cr0(vcpu, val);
		else if (cr == 4)
			ok = set_cr4(vcpu, val);
		else if (cr == 8)
			ok = !(val >> 4) ? (set_cr8(vcpu, val), true) : false;
		else
			ok = false;
	} else if (type == AXVM_CR_MOV_FROM && cr == 8) {
		if (reg == AXVM_REG_RSP)
			axvm_vmcs_write(GUEST_RSP, get_cr8(vcpu));
		else
			g[reg] = get_cr8(vcpu);
	} else {
		/*
		 * CLTS/LMSW never touch NE, so they do not exit (26.1.3
		 * "Instructions That Cause VM Exits Conditionally").
		 */
		ok = false;
	}
	if (!ok) {
		gp(vcpu);
		return AXVM_RESUME;
	}
	axvm_vmx_skip_instruction(vcpu);
	return AXVM_RESUME;
}

/**
 * axvm_vmx_supported_xcr0() - XCR0 bits a guest may set
 *
 * Return: the host's XCR0 limited to the features axvm switches.
 */
u64 axvm_vmx_supported_xcr0(void)
{
	return axvm_vmx.host_xsave ?
	       xgetbv(XCR_XFEATURE_ENABLED_MASK) & XCR0_GUEST_MASK : 0;
}

/**
 * axvm_vmx_handle_xsetbv() - XSETBV (always exits, SDM Vol. 3C, 26.1.2)
 * @vcpu: the vCPU
 * @exit: the record
 *
 * XSETBV is among the 26.1.2 "Instructions That Cause VM Exits
 * Unconditionally". Validates like the CPU (SDM Vol. 1, 13.3 "Enabling the
 * XSAVE Feature Set and XSAVE-Enabled Features"): ECX 0, x87 set, AVX needs
 * SSE, AVX-512 all three or none and needs AVX, nothing unsupported.
 *
 * Return: AXVM_RESUME (set, or #GP queued).
 */
int axvm_vmx_handle_xsetbv(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	unsigned long *g = to_vmx(vcpu)->gprs;
	u64 val = (u32)g[AXVM_REG_RAX] | (u64)(u32)g[AXVM_REG_RDX] << 32;
	u64 avx512 = val & XFEATURE_MASK_AVX512;

	if ((u32)g[AXVM_REG_RCX] != 0 || !(val & XFEATURE_MASK_FP) ||
	    (val & ~axvm_vmx_supported_xcr0()) ||
	    ((val & XFEATURE_MASK_YMM) && !(val & XFEATURE_MASK_SSE)) ||
	    (avx512 && (avx512 != XFEATURE_MASK_AVX512 ||
			!(val & XFEATURE_MASK_YMM)))) {
		gp(vcpu);
		return AXVM_RESUME;
	}
	to_vmx(vcpu)->guest_xcr0 = val;
	axvm_vmx_skip_instruction(vcpu);
	return AXVM_RESUME;
}
