// SPDX-License-Identifier: GPL-2.0
/*
 * Guest debugging by a debugger in the VMM (a gdb stub), as KVM's
 * KVM_SET_GUEST_DEBUG: AXVM_SET_GUEST_DEBUG turns on
 *
 * - single step with the monitor trap flag (SDM Vol. 3C, 26.5.2
 *   "Monitor Trap Flag"): the CPU exits after one instruction, whatever
 *   the guest's RFLAGS.TF, so the guest never sees the step. An
 *   instruction that exits and is completed by emulation (CPUID, port
 *   I/O answered by the VMM, ...) never reaches the MTF exit: the step is
 *   reported before the next entry instead (axvm_vmx_step_record()).
 *   A CPU without the flag (Bochs' models) steps with RFLAGS.TF, as
 *   KVM's KVM_GUESTDBG_SINGLESTEP does: the single-step #DB (DR6.BS,
 *   Vol. 3B, 18.3.1.4) exits and becomes the record; an emulated
 *   instruction raises it through the pending debug exceptions
 *   (axvm_vmx_skip_instruction()). TF is hidden from AXVM_GET_REGS, not
 *   from the guest's own PUSHF;
 * - software breakpoints: #BP joins the exception bitmap (25.6.3
 *   "Exception Bitmap"); an INT3 exits before it is delivered, RIP on the
 *   INT3, and becomes a Debug record;
 * - hardware breakpoints in the debug registers: the debugger's DR0-DR3
 *   and DR7 replace the guest's in the CPU while the guest's are kept
 *   aside (its MOV DR is emulated on them); a #DB whose DR6 bits (the
 *   exit qualification, 28.2.1 "Basic VM-Exit Information") name an
 *   enabled breakpoint of the debugger's is its, every other #DB is the
 *   guest's (vmx/debug.c).
 *
 * Every Debug record needs no answer; the next AXVM_RUN goes on.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>
#include "vmx/access.h"
#include "vmx/caps.h"
#include "vmx/insn.h"
#include "vmx/vmx.h"

/* DR6 and DR7 (SDM Vol. 3B, 18.2.3 "Debug Status Register (DR6)", 18.2.4). */
#define DR6_BS			BIT(14)
#define DR6_FIXED1		0xfffe0ff0ul	/* reads as 1 (RTM: active low) */
#define DR6_VOLATILE		0x0001e80ful	/* B0-B3, BD, BS, BT, RTM */
#define DR7_FIXED1		BIT(10)
/* L0-G3, LE, GE, RTM, GD, R/W0-LEN3: what MOV to DR7 keeps. */
#define DR7_VOLATILE		0xffff2bfful
/* What a debugger may ask for: no GD, no RTM, bits 63:32 clear. */
#define DR7_DEBUGGER		0xffff03fful

/* CS.L: 64-bit mode, where MOV DR moves 64 bits (Vol. 2B, MOV DR). */
#define CS_AR_L			BIT(13)

static bool canonical(u64 la)
{
	return (u64)((s64)(la << 16) >> 16) == la;
}

static int check_debug(const struct axvm_guest_debug *dbg)
{
	u32 c = dbg->control;
	int i;

	if (dbg->pad || dbg->reserved[0] || dbg->reserved[1] ||
	    (c & ~AXVM_GUESTDBG_VALID) || (c && !(c & AXVM_GUESTDBG_ENABLE)))
		return -EINVAL;
	if (!(c & AXVM_GUESTDBG_USE_HW_BP))
		return dbg->dr7 || dbg->dr[0] || dbg->dr[1] || dbg->dr[2] ||
		       dbg->dr[3] ? -EINVAL : 0;
	if (dbg->dr7 & ~(DR7_DEBUGGER | DR7_FIXED1))
		return -EINVAL;
	/* They are loaded with MOV DR, which faults on them in the host. */
	for (i = 0; i < 4; i++)
		if (!canonical(dbg->dr[i]))
			return -EINVAL;
	return 0;
}

/* The debugger's DR0-DR3/DR7 go in; the guest's DR7 is kept aside. */
static void hw_bp_on(struct axvm_vmx_vcpu *vmx,
		     const struct axvm_guest_debug *dbg)
{
	/* No MOV DR runs unexiting now: dr_after_exit() took them back. */
	if (!(vmx->dr_switch & AXVM_DR_GDB))
		vmx->gdb.guest_dr7 = axvm_vmcs_read(GUEST_DR7);
	memcpy(vmx->gdb.dr, dbg->dr, sizeof(vmx->gdb.dr));
	vmx->gdb.dr7 = dbg->dr7 | DR7_FIXED1;
	axvm_vmcs_write(GUEST_DR7, vmx->gdb.dr7);
	vmx->dr_switch = AXVM_DR_GDB;
}

static void hw_bp_off(struct axvm_vmx_vcpu *vmx)
{
	if (!(vmx->dr_switch & AXVM_DR_GDB))
		return;
	axvm_vmcs_write(GUEST_DR7, vmx->gdb.guest_dr7);
	vmx->dr_switch = vmx->gdb.guest_dr7 & 0xff ? AXVM_DR_BP_ENABLED : 0;
	memset(vmx->gdb.dr, 0, sizeof(vmx->gdb.dr));
	vmx->gdb.dr7 = 0;
}

/* Step with RFLAGS.TF (no MTF): set it, or take back what was added. */
static void tf_step(struct axvm_vmx_vcpu *vmx, bool on)
{
	u64 rflags = axvm_vmcs_read(GUEST_RFLAGS);

	if (on && !vmx->gdb.tf_step) {
		vmx->gdb.tf_added = !(rflags & X86_EFLAGS_TF);
		axvm_vmcs_write(GUEST_RFLAGS, rflags | X86_EFLAGS_TF);
	} else if (!on && vmx->gdb.tf_step && vmx->gdb.tf_added) {
		axvm_vmcs_write(GUEST_RFLAGS, rflags & ~(u64)X86_EFLAGS_TF);
	}
	if (!on)
		vmx->gdb.tf_added = false;
	vmx->gdb.tf_step = on;
}

/*
 * A TF step trapped. TF is set again in case the instruction (POPF, IRET)
 * cleared it, for the next step. In an STI or MOV SS shadow the entry
 * checks want BS pending with TF set (SDM Vol. 3C, 27.3.1.5 "Checks on
 * Guest Non-Register State"), as in exit_db().
 */
static void tf_step_taken(struct axvm_vmx_vcpu *vmx)
{
	axvm_vmcs_write(GUEST_RFLAGS, axvm_vmcs_read(GUEST_RFLAGS) | X86_EFLAGS_TF);
	if (axvm_vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & 3)
		axvm_vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
				axvm_vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) | DR6_BS);
}

/**
 * axvm_vmx_debug_hide_tf() - RFLAGS as the VMM sees and sets it
 * @vmx: the vCPU
 * @rflags: the value
 * @to_user: true for AXVM_GET_REGS (hide the debugger's TF), false for
 *	AXVM_SET_REGS (keep it set)
 *
 * Return: @rflags without, or with, the TF a TF step added.
 */
u64 axvm_vmx_debug_hide_tf(struct axvm_vmx_vcpu *vmx, u64 rflags, bool to_user)
{
	if (likely(!vmx->gdb.tf_added))
		return rflags;
	return to_user ? rflags & ~(u64)X86_EFLAGS_TF : rflags | X86_EFLAGS_TF;
}

/**
 * axvm_vmx_set_guest_debug() - AXVM_SET_GUEST_DEBUG
 * @vcpu: a loaded vCPU, not running
 * @dbg: what the debugger asks for (struct axvm_guest_debug)
 *
 * Return: 0; -EINVAL for unknown or inconsistent bits, a DR7 the
 * debugger may not set or a non-canonical address. Nothing changes on
 * error.
 */
int axvm_vmx_set_guest_debug(struct axvm_vcpu *vcpu,
			     const struct axvm_guest_debug *dbg)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u32 c = dbg->control;
	u64 proc, bitmap;
	int ret;

	ret = check_debug(dbg);
	if (ret)
		return ret;
	proc = axvm_vmcs_read(CPU_BASED_VM_EXEC_CONTROL) &
	       ~(u64)CPU_BASED_MONITOR_TRAP_FLAG;
	if ((c & AXVM_GUESTDBG_SINGLESTEP) && axvm_vmx.has_mtf)
		proc |= CPU_BASED_MONITOR_TRAP_FLAG;
	axvm_vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	tf_step(vmx, (c & AXVM_GUESTDBG_SINGLESTEP) && !axvm_vmx.has_mtf);
	bitmap = axvm_vmcs_read(EXCEPTION_BITMAP) & ~BIT(X86_TRAP_BP);
	if (c & AXVM_GUESTDBG_USE_SW_BP)
		bitmap |= BIT(X86_TRAP_BP);
	axvm_vmcs_write(EXCEPTION_BITMAP, bitmap);
	if (c & AXVM_GUESTDBG_USE_HW_BP)
		hw_bp_on(vmx, dbg);
	else
		hw_bp_off(vmx);
	vmx->gdb.control = c;
	vmx->gdb.step_done = false;
	return 0;
}

static int debug_record(struct axvm_vmx_vcpu *vmx, struct axvm_exit *exit,
			u32 exception, u64 dr6)
{
	exit->kind = AXVM_EXIT_DEBUG;
	exit->u.debug.exception = exception;
	exit->u.debug.pc = axvm_vmcs_read(GUEST_RIP);
	exit->u.debug.dr6 = dr6;
	exit->u.debug.dr7 = vmx->gdb.dr7;
	return AXVM_USER;
}

/**
 * axvm_vmx_exit_mtf() - the monitor trap flag: one instruction ran
 * @vcpu: the vCPU
 * @exit: the record
 *
 * Return: AXVM_USER (a Debug record with DR6.BS, as KVM reports a step),
 * or AXVM_RESUME when the debugger has stopped stepping meanwhile.
 */
int axvm_vmx_exit_mtf(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->gdb.step_done = false;
	if (!(vmx->gdb.control & AXVM_GUESTDBG_SINGLESTEP))
		return AXVM_RESUME;
	return debug_record(vmx, exit, X86_TRAP_DB, DR6_FIXED1 | DR6_BS);
}

/**
 * axvm_vmx_step_record() - report a step that emulation completed
 * @vcpu: the loaded vCPU, about to enter; axvm_vmx_step_pending() is true
 * @exit: the record to fill
 *
 * The record is that of an MTF exit at the next instruction.
 */
void axvm_vmx_step_record(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);

	vmx->gdb.step_done = false;
	memset(exit, 0, sizeof(*exit));
	exit->basic_reason = EXIT_REASON_MONITOR_TRAP_FLAG;
	exit->vcpu_id = vmx->vcpu_id;
	exit->guest_rip = axvm_vmcs_read(GUEST_RIP);
	debug_record(vmx, exit, X86_TRAP_DB, DR6_FIXED1 | DR6_BS);
}

/**
 * axvm_vmx_debug_bp() - an intercepted #BP (INT3) is the debugger's
 * @vcpu: the vCPU
 * @exit: the record
 *
 * The exit comes before delivery, RIP on the INT3 (27.1 "Architectural
 * State Before a VM Exit"). A VMM that finds no breakpoint of its own
 * there gives the guest its #BP: RIP past the INT3, then AXVM_INJECT of
 * exception 3.
 *
 * Return: AXVM_USER.
 */
int axvm_vmx_debug_bp(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	return debug_record(to_vmx(vcpu), exit, X86_TRAP_BP, 0);
}

/**
 * axvm_vmx_debug_db() - is this #DB the debugger's step or breakpoint?
 * @vcpu: the vCPU, at a #DB exit
 * @exit: the record, filled if so
 *
 * An instruction breakpoint is a fault: RIP is on the instruction. RF is
 * set as the CPU's own delivery would (SDM Vol. 3B, 17.3.1.1
 * "Instruction-Breakpoint Exception Condition"), so that going on runs
 * the instruction instead of hitting the breakpoint again.
 *
 * Return: true with a Debug record in @exit, false for the guest's #DB.
 */
bool axvm_vmx_debug_db(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 hits = vmx->exit.qualification & 0xf, mine = 0;
	int i;

	if (vmx->gdb.tf_step && (vmx->exit.qualification & DR6_BS)) {
		tf_step_taken(vmx);
		debug_record(vmx, exit, X86_TRAP_DB, DR6_FIXED1 | DR6_BS);
		return true;
	}
	if (!(vmx->dr_switch & AXVM_DR_GDB))
		return false;
	for (i = 0; i < 4; i++)
		if (vmx->gdb.dr7 & (3ul << (2 * i)))
			mine |= BIT(i);
	hits &= mine;
	if (!hits)
		return false;
	for (i = 0; i < 4; i++)
		if ((hits & BIT(i)) && !(vmx->gdb.dr7 & (3ul << (16 + 4 * i))))
			axvm_vmcs_write(GUEST_RFLAGS, axvm_vmcs_read(GUEST_RFLAGS) |
					X86_EFLAGS_RF);
	debug_record(vmx, exit, X86_TRAP_DB,
		     DR6_FIXED1 | (vmx->exit.qualification & DR6_VOLATILE));
	return true;
}

/**
 * axvm_vmx_debug_mov_dr() - MOV DR while the debugger owns the registers
 * @vcpu: the vCPU at a MOV DR exit whose faults were checked
 *
 * The guest reads and writes its own registers, kept aside; the exit
 * stays on. Qualification: 28.2.1, Table 28-3 (bit 4: 1 = MOV from DR).
 * A write of DR0-DR3 that is not canonical, which would be loaded into
 * the host's registers later, is #GP(0), as are bits 63:32 of DR6/DR7.
 *
 * Return: false if the guest's registers are in the CPU (not emulated).
 */
bool axvm_vmx_debug_mov_dr(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 q = vmx->exit.qualification, v;
	unsigned int dr = q & 7, reg = (q >> 8) & 15;
	bool wide = axvm_vmcs_read(GUEST_CS_AR_BYTES) & CS_AR_L;

	if (!(vmx->dr_switch & AXVM_DR_GDB))
		return false;
	if (q & BIT(4)) {
		v = dr < 4 ? vmx->dr[dr] : (dr & 1) ? vmx->gdb.guest_dr7 :
		    vmx->dr[4];
		axvm_vmx_set_gpr(vcpu, reg, wide ? v : (u32)v);
		axvm_vmx_skip_instruction(vcpu);
		return true;
	}
	v = axvm_vmx_get_gpr(vcpu, reg);
	if (!wide)
		v = (u32)v;
	if ((dr < 4 && !canonical(v)) || (dr >= 4 && v >> 32)) {
		axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return true;
	}
	if (dr < 4)
		vmx->dr[dr] = v;
	else if (dr & 1)
		vmx->gdb.guest_dr7 = (v & DR7_VOLATILE) | DR7_FIXED1;
	else
		vmx->dr[4] = (v & DR6_VOLATILE) | DR6_FIXED1;
	axvm_vmx_skip_instruction(vcpu);
	return true;
}
