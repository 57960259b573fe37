// SPDX-License-Identifier: GPL-2.0
/*
 * One trip into the guest and back: the host state that changes between
 * entries, the guest FPU/XSAVE state, the entry itself, and the hardware
 * facts of the exit read while interrupts are still off.
 */
#include <linux/sched/signal.h>
#include <linux/timex.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/msr-index.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include "axvm_trace.h"
#include "vmx/access.h"
#include "vmx/caps.h"
#include "vmx/insn.h"
#include "vmx/vmx.h"

#define XSTATE_ALL	(~0ull)

/*
 * VM-exit interruption information of an #MC exit (28.2.2 "Information for
 * VM Exits Due to Vectored Events", Table 28-19).
 */
#define MC_INFO_MASK	(INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK | \
			 INTR_INFO_VECTOR_MASK)
#define MC_INFO		(INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | \
			 X86_TRAP_MC)

/*
 * The guest's x87/SSE/AVX state: XSAVE format when the host enabled XSAVE
 * (CR4.OSXSAVE), else FXSAVE format (the first 512 bytes of the same area).
 */
static __always_inline void restore_guest_fpu(void *area)
{
	if (axvm_vmx.host_xsave)
		asm volatile("xrstor64 %0" : : "m" (*(u8 *)area),
			     "a" ((u32)XSTATE_ALL), "d" ((u32)(XSTATE_ALL >> 32))
			     : "memory");
	else
		asm volatile("fxrstor64 %0" : : "m" (*(u8 *)area) : "memory");
}

static __always_inline void save_guest_fpu(void *area)
{
	if (axvm_vmx.host_xsave)
		asm volatile("xsave64 %0" : "+m" (*(u8 *)area)
			     : "a" ((u32)XSTATE_ALL), "d" ((u32)(XSTATE_ALL >> 32))
			     : "memory");
	else
		asm volatile("fxsave64 %0" : "+m" (*(u8 *)area) : : "memory");
}

/*
 * Host CR3 (PCID) and CR4 can differ per CPU and task: refresh (27.2.2
 * "Checks on Host Control Registers, MSRs, and SSP").
 */
static void refresh_host_crs(struct axvm_vmx_vcpu *vmx)
{
	unsigned long cr3 = __read_cr3(), cr4 = cr4_read_shadow();

	if (unlikely(cr3 != vmx->host.cr3)) {
		axvm_vmcs_write(HOST_CR3, cr3);
		vmx->host.cr3 = cr3;
	}
	if (unlikely(cr4 != vmx->host.cr4)) {
		axvm_vmcs_write(HOST_CR4, cr4);
		vmx->host.cr4 = cr4;
	}
}

/**
 * axvm_vmx_preempt_ticks() - VMX-preemption timer value of one host tick
 *
 * Return: the value for VMX_PREEMPTION_TIMER_VALUE (26.5.1 "VMX-Preemption
 * Timer"), 0 without
 * the timer.
 */
u32 axvm_vmx_preempt_ticks(void)
{
	u64 ticks;

	if (!axvm_vmx.has_preempt_timer)
		return 0;
	ticks = ((u64)tsc_khz * 1000 / HZ) >> axvm_vmx.preempt_timer_shift;
	return min_t(u64, ticks, U32_MAX);
}

static void read_exit_info(struct axvm_vmx_vcpu *vmx)
{
	struct axvm_vmx_exit_info *e = &vmx->exit;

	e->reason = axvm_vmcs_read(VM_EXIT_REASON);
	e->qualification = axvm_vmcs_read(EXIT_QUALIFICATION);
	/*
	 * Only exception/NMI exits report an event here (28.2.2 "Information
	 * for VM Exits Due to Vectored Events").
	 */
	e->intr_info = (e->reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI ?
		       axvm_vmcs_read(VM_EXIT_INTR_INFO) : 0;
	e->intr_error = e->intr_info & INTR_INFO_DELIVER_CODE_MASK ?
			axvm_vmcs_read(VM_EXIT_INTR_ERROR_CODE) : 0;
	e->idt_vectoring = axvm_vmcs_read(IDT_VECTORING_INFO_FIELD);
	e->inst_len = axvm_vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	e->rip = axvm_vmcs_read(GUEST_RIP);
}

/* An NMI that caused the exit was consumed by it: hand it to the host. */
static void deliver_host_nmi(struct axvm_vmx_exit_info *e)
{
	if ((e->reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI &&
	    (e->intr_info & INTR_INFO_VALID_MASK) &&
	    (e->intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		asm volatile("int $2");
}

/**
 * axvm_vmx_enter() - run the guest until the next VM exit
 * @vcpu: a loaded vCPU; preemption enabled
 *
 * Return: 0 with to_vmx(vcpu)->exit filled; -EAGAIN if a reschedule or a
 * signal came in before entry (nothing ran); -EIO if VMLAUNCH/VMRESUME
 * failed (vmx.exit.reason holds the VM-instruction error).
 */
int axvm_vmx_enter(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 host_xcr0 = 0;
	bool swap_xcr0;
	int fail;

	if (trace_axvm_entry_enabled())
		trace_axvm_entry(to_vmx(vcpu)->vm_id, to_vmx(vcpu)->vcpu_id,
				 axvm_vmcs_read(GUEST_RIP));
	kernel_fpu_begin();
	local_irq_disable();
	if (need_resched() || signal_pending(current) || axvm_vmx_rebooting()) {
		local_irq_enable();
		kernel_fpu_end();
		return -EAGAIN;
	}
	/* After the last bail-out: a programmed event must reach this entry. */
	axvm_vmx_inject_pending(vcpu);
	axvm_vmx_switch_to_guest(vmx);
	refresh_host_crs(vmx);

	restore_guest_fpu(vmx->fpu);
	swap_xcr0 = axvm_vmx.host_xsave && (vmx->cr4_shadow & X86_CR4_OSXSAVE) &&
		    vmx->guest_xcr0 != (host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK));
	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx->guest_xcr0);

	if (native_read_cr2() != vmx->cr2)
		native_write_cr2(vmx->cr2);
	/* DR7/DEBUGCTL come from the VMCS; DR0-3/DR6 only once used (debug.c). */
	if (unlikely(vmx->dr_switch))
		axvm_vmx_dr_load_guest(vmx);
	fail = axvm_vmx_vmenter(vmx->gprs, vmx->launched);
	vmx->cr2 = native_read_cr2();
	if (unlikely(vmx->dr_switch))
		axvm_vmx_dr_after_exit(vmx);

	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	save_guest_fpu(vmx->fpu);
	/*
	 * A VM exit clears DEBUGCTL and sets DR7 to 400H (28.3.1 "Saving
	 * Control Registers, Debug Registers, and MSRs").
	 */
	if (vmx->host.debugctl)
		update_debugctlmsr(vmx->host.debugctl);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	if (likely(!fail)) {
		read_exit_info(vmx);
		/* A machine check in the guest or during entry is the host's. */
		if (unlikely((vmx->exit.reason & 0xffff) ==
			     EXIT_REASON_MCE_DURING_VMENTRY ||
			     (vmx->exit.intr_info & MC_INFO_MASK) == MC_INFO))
			axvm_vmx_machine_check();
		/*
		 * A failed entry leaves the VMCS unlaunched (27.8 "VM-Entry
		 * Failures During or After Loading Guest State").
		 */
		if (!(vmx->exit.reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			vmx->launched = true;
		deliver_host_nmi(&vmx->exit);
	} else {
		vmx->exit.reason = 0;
		vmx->exit.qualification = axvm_vmcs_read(VM_INSTRUCTION_ERROR);
	}
	local_irq_enable();
	kernel_fpu_end();
	return fail ? -EIO : 0;
}

/**
 * axvm_vmx_skip_instruction() - advance RIP past the exiting instruction
 * @vcpu: a loaded vCPU
 *
 * Completes the instruction as the CPU would have:
 * - ends an STI/MOV SS interrupt shadow (SDM Vol. 3C, 25.4.2 "Guest
 *   Non-Register State": interruptibility state);
 * - with RFLAGS.TF = 1 (and IA32_DEBUGCTL.BTF = 0: then only branches trap)
 *   the single-step trap follows the instruction (Vol. 3B, 18.3.1.4
 *   "Single-Step Exception Condition"): BS is set in the pending debug
 *   exceptions (Vol. 3C, 25.4.2 "Guest Non-Register State", Table 25-4),
 *   which VM entry delivers as a #DB right after the instruction (27.7.3),
 *   as KVM's kvm_skip_emulated_instruction() does with its own queued #DB.
 *   A trap the hardware already held pending (an instruction in a MOV SS
 *   shadow with TF = 1 saves BS itself) stays: one #DB, not two;
 * - a debugger's single step ends here: no MTF exit follows an
 *   instruction that was emulated (vmx/guest_debug.c).
 */
void axvm_vmx_skip_instruction(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 intr, dbg;

	axvm_vmcs_write(GUEST_RIP, vmx->exit.rip + vmx->exit.inst_len);
	if (!axvm_vmread(GUEST_INTERRUPTIBILITY_INFO, &intr) && (intr & 3))
		axvm_vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr & ~3ull);
	if ((axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
	    !(axvm_vmcs_read(GUEST_IA32_DEBUGCTL) & DEBUGCTLMSR_BTF)) {
		dbg = axvm_vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS);
		axvm_vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, dbg | AXVM_PENDING_DBG_BS);
	}
	/* No MTF exit follows an emulated instruction (vmx/guest_debug.c). */
	if (unlikely(vmx->gdb.control & AXVM_GUESTDBG_SINGLESTEP) && !vmx->gdb.tf_step)
		vmx->gdb.step_done = true;
}

/**
 * axvm_vmx_restart_instruction() - the exiting instruction runs again
 * @vcpu: a loaded vCPU
 *
 * For an instruction that faulted and will be executed again from its
 * start (the read half of an MMIO read-modify-write): a single-step trap
 * the exit saved in the pending debug exceptions would fire before the
 * instruction ran; the instruction raises its own when it completes. Only
 * a trap held by a MOV SS or STI shadow stays (SDM Vol. 3C, 25.4.2:
 * the entry checks then require it).
 */
void axvm_vmx_restart_instruction(struct axvm_vcpu *vcpu)
{
	u64 intr = axvm_vmcs_read(GUEST_INTERRUPTIBILITY_INFO), dbg;

	if (intr & 3)
		return;
	dbg = axvm_vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS);
	if (dbg & AXVM_PENDING_DBG_BS)
		axvm_vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
				dbg & ~(u64)AXVM_PENDING_DBG_BS);
}
