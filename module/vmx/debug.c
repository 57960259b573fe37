// SPDX-License-Identifier: GPL-2.0
/*
 * Debug registers, #DB, #AC and #MC of a guest.
 *
 * #DB and #AC are always intercepted (SDM Vol. 3C, 25.6.3 "Exception
 * Bitmap"): a #DB raised while delivering a #DB (a data breakpoint on the
 * stack the delivery writes, CVE-2015-8104) or an #AC raised while
 * delivering an #AC (a misaligned ring-3 stack with CR0.AM and RFLAGS.AC,
 * CVE-2015-5307) would otherwise loop in the CPU for ever with no window
 * for a host interrupt. Intercepted, every round trip goes through
 * axvm_vmx_enter(), which stops for signals and rescheduling, and the
 * exception is reflected into the guest as the CPU would have delivered it.
 *
 * DR7 and IA32_DEBUGCTL are switched by the VMCS ("load debug controls" on
 * entry, "save debug controls" on exit: 27.3.2.1 "Loading Guest Control
 * Registers, Debug Registers, and MSRs", 28.3.1 "Saving Control Registers,
 * Debug Registers, and MSRs"), so the host's
 * breakpoints (ptrace watchpoints of the VMM, perf) are never armed in the
 * guest. DR0-DR3 and DR6 have no VMCS field: they are loaded by hand
 * before entry, lazily as in KVM. MOV DR exits until the guest first uses
 * a debug register; then the exit is turned off and the guest's values are
 * loaded at each entry until the next VM exit, which reads them back and
 * turns the exit on again. A guest that never touches them costs one test
 * of a flag per entry.
 *
 * A machine check that interrupts the guest (#MC exit) or a VM entry (exit
 * reason 41) is the host's: it goes to the host's machine-check handler
 * right after the exit, with interrupts still off, as KVM's
 * kvm_machine_check() does.
 */
#include <linux/sched.h>
#include <asm/cpu.h>
#include <asm/debugreg.h>
#include <asm/mce.h>
#include <asm/ptrace.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>
#include "vmx/insn.h"
#include "vmx/vmx.h"

/*
 * DR6 bits (SDM Vol. 3B, 18.2.3 "Debug Status Register (DR6)"); BD/BS/RTM
 * are not in every uapi header.
 */
#define AXVM_DR6_BD		BIT(13)
#define AXVM_DR6_BS		BIT(14)
/* Fixed-1 bits and the active-low RTM bit: the reset value of DR6. */
#define AXVM_DR6_ACTIVE_LOW	0xffff0ff0ul
#define AXVM_DR7_GD		BIT(13)
#define AXVM_DR7_RESET		0x400ul
/*
 * L0-L3/G0-G3: a breakpoint in DR0-DR3 is enabled (18.2.4 "Debug Control
 * Register (DR7)").
 */
#define AXVM_DR7_BP_EN		0xfful

/*
 * Interruptibility state: blocking by STI / MOV SS (25.4.2 "Guest
 * Non-Register State", Table 25-3).
 */
#define INTR_BLOCK_STI_MOVSS	(BIT(0) | BIT(1))

/**
 * axvm_vmx_dr_reset() - debug registers at power-on and INIT (Table 10-1)
 * @vmx: the vCPU
 *
 * SDM Vol. 3A, 10.1.1 "Processor State After Reset", Table 10-1.
 */
void axvm_vmx_dr_reset(struct axvm_vmx_vcpu *vmx)
{
	memset(vmx->dr, 0, sizeof(vmx->dr));
	vmx->dr[4] = AXVM_DR6_ACTIVE_LOW;
	vmx->dr_switch &= ~AXVM_DR_BP_ENABLED;
	/* A debugger's breakpoints outlive the guest's INIT. */
	if (vmx->dr_switch & AXVM_DR_GDB) {
		vmx->gdb.guest_dr7 = AXVM_DR7_RESET;
		axvm_vmcs_write(GUEST_DR7, vmx->gdb.dr7);
	}
}

/**
 * axvm_vmx_dr_load_guest() - put the guest's DR0-DR3 and DR6 in hardware
 * @vmx: the vCPU about to enter, IRQs off, dr_switch non-zero
 *
 * DR0-DR3 are the debugger's while it has hardware breakpoints.
 *
 * DR7 is cleared first: a host breakpoint must not fire on a guest
 * address in the few host instructions left before the entry loads the
 * guest's DR7. hw_breakpoint_restore() after the exit puts the host's
 * DR0-DR3, DR6 and DR7 back when the host has breakpoints.
 */
void axvm_vmx_dr_load_guest(struct axvm_vmx_vcpu *vmx)
{
	/* A debugger's breakpoints replace the guest's (vmx/guest_debug.c). */
	const unsigned long *dr = vmx->dr_switch & AXVM_DR_GDB ? vmx->gdb.dr :
				  vmx->dr;

	set_debugreg(0, 7);
	set_debugreg(dr[0], 0);
	set_debugreg(dr[1], 1);
	set_debugreg(dr[2], 2);
	set_debugreg(dr[3], 3);
	set_debugreg(vmx->dr[4], 6);
}

/**
 * axvm_vmx_dr_after_exit() - take the guest's debug registers back
 * @vmx: the vCPU right after a VM exit, IRQs off, dr_switch non-zero
 *
 * With MOV DR exiting off the guest may have changed any of them: read
 * DR0-DR3, DR6 and the DR7 the exit saved, and make MOV DR exit again.
 * The host's DR6 is left clean, as its #DB handler expects.
 */
void axvm_vmx_dr_after_exit(struct axvm_vmx_vcpu *vmx)
{
	if (vmx->dr_switch & AXVM_DR_WONT_EXIT) {
		get_debugreg(vmx->dr[0], 0);
		get_debugreg(vmx->dr[1], 1);
		get_debugreg(vmx->dr[2], 2);
		get_debugreg(vmx->dr[3], 3);
		get_debugreg(vmx->dr[4], 6);
		axvm_vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
				axvm_vmcs_read(CPU_BASED_VM_EXEC_CONTROL) |
				CPU_BASED_MOV_DR_EXITING);
		vmx->dr_switch = 0;
		if (axvm_vmcs_read(GUEST_DR7) & AXVM_DR7_BP_EN)
			vmx->dr_switch = AXVM_DR_BP_ENABLED;
	}
	set_debugreg(AXVM_DR6_ACTIVE_LOW, 6);
}

/**
 * axvm_vmx_handle_dr() - MOV to/from a debug register (qualification: 28.2.1)
 * @vcpu: the vCPU
 * @exit: the record
 *
 * The faults the instruction would raise are raised here (SDM Vol. 3B,
 * 18.2.2 "Debug Registers DR4 and DR5"; Vol. 2B, MOV-Move to/from Debug
 * Registers): #UD for DR4/DR5
 * with CR4.DE set, #GP(0) at CPL > 0, #DB (DR6.BD) when DR7.GD is set,
 * since the MOV DR exit takes priority over that #DB. While a debugger
 * has hardware breakpoints the instruction is emulated on the guest's
 * registers kept aside (vmx/guest_debug.c). Otherwise MOV DR
 * exiting is turned off and the instruction runs again in the guest on
 * its own debug registers (see the top of this file).
 *
 * Return: AXVM_RESUME.
 */
int axvm_vmx_handle_dr(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned int dr = vmx->exit.qualification & 7;

	/* GUEST_CR4: the guest changes DE without an exit (not host-owned). */
	if ((dr == 4 || dr == 5) && (axvm_vmcs_read(GUEST_CR4) & X86_CR4_DE)) {
		axvm_vmx_queue_exception(vcpu, X86_TRAP_UD, false, 0);
		return AXVM_RESUME;
	}
	if (axvm_vmx_guest_cpl(vcpu)) {
		axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return AXVM_RESUME;
	}
	if ((vmx->dr_switch & AXVM_DR_GDB ? vmx->gdb.guest_dr7 :
	     axvm_vmcs_read(GUEST_DR7)) & AXVM_DR7_GD) {
		axvm_vmx_reflect_db(vcpu, AXVM_DR6_BD);
		return AXVM_RESUME;
	}
	if (axvm_vmx_debug_mov_dr(vcpu))
		return AXVM_RESUME;
	axvm_vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
			axvm_vmcs_read(CPU_BASED_VM_EXEC_CONTROL) &
			~(u64)CPU_BASED_MOV_DR_EXITING);
	vmx->dr_switch |= AXVM_DR_WONT_EXIT;
	return AXVM_RESUME;
}

/**
 * axvm_vmx_reflect_db() - deliver a #DB to the guest as the CPU would
 * @vcpu: the vCPU
 * @payload: DR6 bits of the event, in the layout of the exit qualification
 *	and pending-debug-exceptions field (28.2.1 "Basic VM-Exit
 *	Information": B0-B3, BD, BS, RTM)
 *
 * A #DB that causes a VM exit does not update DR6 (28.1 "Architectural
 * State Before a VM Exit"): do it here.
 * B0-B3 are replaced, the other bits accumulate, RTM is active low; the
 * delivery clears DR7.GD (SDM Vol. 3B, 18.2.4 "Debug Control Register
 * (DR7)").
 */
void axvm_vmx_reflect_db(struct axvm_vcpu *vcpu, unsigned long payload)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long dr6 = vmx->dr[4], dr7 = axvm_vmcs_read(GUEST_DR7);

	dr6 &= ~DR_TRAP_BITS;
	dr6 |= AXVM_DR6_ACTIVE_LOW | payload;
	dr6 ^= payload & AXVM_DR6_ACTIVE_LOW;
	dr6 &= ~BIT(12);	/* enabled-breakpoint bit: not a DR6 bit */
	vmx->dr[4] = dr6 & 0xffffffff;
	if (dr7 & AXVM_DR7_GD)
		axvm_vmcs_write(GUEST_DR7, dr7 & ~AXVM_DR7_GD);
	axvm_vmx_queue_exception(vcpu, X86_TRAP_DB, false, 0);
}

/*
 * #DB exit: the exit qualification holds what DR6 would have got (28.2.1
 * "Basic VM-Exit Information"). A debugger's hardware breakpoint becomes
 * its record; any other #DB is the guest's.
 */
static int exit_db(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u32 type = vmx->exit.intr_info & INTR_INFO_INTR_TYPE_MASK;

	if (axvm_vmx_debug_db(vcpu, exit))
		return AXVM_USER;
	if (type == INTR_TYPE_PRIV_SW_EXCEPTION) {
		/* ICEBP (INT1) exits before it completes: it is a trap. */
		axvm_vmx_skip_instruction(vcpu);
	} else if ((axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
		   (axvm_vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
		    INTR_BLOCK_STI_MOVSS)) {
		/*
		 * The CPU does not record the single-step trap in the pending
		 * debug exceptions on a #DB exit; entry would fail its check
		 * (27.3.1.5 "Checks on Guest Non-Register State") without
		 * BS: keep the step pending, as KVM does.
		 */
		axvm_vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
				axvm_vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) |
				AXVM_DR6_BS);
	}
	axvm_vmx_reflect_db(vcpu, vmx->exit.qualification);
	return AXVM_RESUME;
}

/*
 * #AC exit. The alignment check of a CPL-3 access with CR0.AM and
 * RFLAGS.AC is the guest's: re-inject it with its error code (always 0).
 * Any other #AC is a split-lock #AC of the host's split-lock detection,
 * which the host's policy handles (warn and let the task go on, or
 * SIGBUS), as KVM does; only without that feature is every #AC the guest's.
 */
static int exit_ac(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	bool guest_ac = axvm_vmx_guest_cpl(vcpu) == 3 &&
			(axvm_vmcs_read(GUEST_CR0) & X86_CR0_AM) &&
			(axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_AC);

	if (guest_ac || !boot_cpu_has(X86_FEATURE_SPLIT_LOCK_DETECT)) {
		axvm_vmx_queue_exception(vcpu, X86_TRAP_AC, true,
					 vmx->exit.intr_error);
		return AXVM_RESUME;
	}
	if (handle_guest_split_lock(vmx->exit.rip))
		return AXVM_RESUME;
	/* SIGBUS is pending: tell the VMM why. */
	return axvm_exit_internal_record(exit, AXVM_INTERNAL_UNKNOWN_EXIT,
					 vmx->exit.reason, 0);
}

/**
 * axvm_vmx_exit_exception() - an intercepted exception: #DB, #AC, #MC, #BP
 * @vcpu: the vCPU
 * @exit: the record
 *
 * An exception intercepted while the CPU delivered another event
 * (IDT-vectoring information, 28.2.4 "Information for VM Exits That Occur
 * During Event Delivery") follows the rules of SDM Vol. 3A, 6.15
 * "Exception and Interrupt Reference", Table 6-5: #DB and #AC are benign,
 * so with an exception or software interrupt in delivery the new
 * exception is delivered and the old one is dropped (the instruction that
 * raised it runs again); an NMI or external interrupt in delivery is kept
 * and delivered after it.
 *
 * Return: AXVM_RESUME, AXVM_USER, or -EINVAL for an exception the
 * exception bitmap does not select.
 */
int axvm_vmx_exit_exception(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u8 vector = vmx->exit.intr_info & INTR_INFO_VECTOR_MASK;

	/* The host's handler ran right after the exit (axvm_vmx_enter()). */
	if (vector == X86_TRAP_MC)
		return AXVM_RESUME;
	/* Only a debugger's AXVM_GUESTDBG_USE_SW_BP intercepts #BP. */
	if (vector == X86_TRAP_BP)
		return axvm_vmx_debug_bp(vcpu, exit);
	if (vector != X86_TRAP_DB && vector != X86_TRAP_AC)
		return -EINVAL;
	axvm_vmx_requeue_vectoring(vcpu);
	if (vector == X86_TRAP_DB)
		return exit_db(vcpu, exit);
	return exit_ac(vcpu, exit);
}

/**
 * axvm_vmx_machine_check() - hand a machine check to the host's handler
 *
 * Called right after an #MC exit or an exit for a machine check during VM
 * entry (basic reason 41), IRQs off. The regs are those of a user context
 * (CS RPL 3, IF set), as KVM's kvm_machine_check() passes: the machine
 * check did not interrupt host kernel code.
 */
void axvm_vmx_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}
