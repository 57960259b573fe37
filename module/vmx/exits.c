// SPDX-License-Identifier: GPL-2.0
/*
 * Decode VMX exits into axvm's arch-neutral exit record.
 *
 * One table indexed by the basic exit reason (SDM Vol. 3D, Appendix C "VMX
 * Basic Exit Reasons"); every handler is small, named for its exit, and
 * returns enum axvm_exit_action. Policy (what is served in the kernel, the
 * nested page fault, CPUID) is in module/exit/, reached only through
 * vmx/upcall.h or by returning the record.
 */
#include <linux/nospec.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>
#include "lib/cpuid.h"
#include "vmx/exit_table.h"
#include "vmx/insn.h"
#include "vmx/qual.h"
#include "vmx/upcall.h"
#include "vmx/vmx.h"

/* An exit with no handler: say so, never pretend it was a Halt. */
static int handle_unknown(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	return axvm_exit_internal_record(exit, AXVM_INTERNAL_UNKNOWN_EXIT,
					 to_vmx(vcpu)->exit.reason, 0);
}

/* Interrupts stay pending (no ack-on-exit): the host takes them at sti. */
int axvm_vmx_exit_external_interrupt(struct axvm_vcpu *vcpu,
				     struct axvm_exit *exit)
{
	return AXVM_RESUME;
}

/*
 * NMIs (the host got it in axvm_vmx_enter()) and the exceptions of the
 * exception bitmap: #DB, #AC, #MC (vmx/debug.c).
 */
int axvm_vmx_exit_exception_nmi(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	u32 info = to_vmx(vcpu)->exit.intr_info;
	int ret;

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return AXVM_RESUME;
	ret = axvm_vmx_exit_exception(vcpu, exit);
	return ret == -EINVAL ? handle_unknown(vcpu, exit) : ret;
}

int axvm_vmx_exit_preemption_timer(struct axvm_vcpu *vcpu,
				   struct axvm_exit *exit)
{
	return AXVM_RESUME;
}

int axvm_vmx_exit_triple_fault(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	exit->kind = AXVM_EXIT_SYSTEM_DOWN;
	return AXVM_USER;
}

/*
 * HLT with an event to deliver just continues: the injection wakes it.
 * With a local APIC and IF=1 the vCPU sleeps in the kernel until an
 * interrupt comes (io/lapic.c); with IF=0 only NMI or INIT could wake it:
 * userspace decides (Halt record).
 */
int axvm_vmx_exit_hlt(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	bool intr_on = axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;

	axvm_vmx_skip_instruction(vcpu);
	if (to_vmx(vcpu)->nmi.pending || to_vmx(vcpu)->exception.pending ||
	    (to_vmx(vcpu)->irq.pending && intr_on))
		return AXVM_RESUME;
	if (to_vmx(vcpu)->apic_in_kernel && intr_on) {
		axvm_vmx_up(apic_halt)(vcpu);
		return AXVM_RESUME;
	}
	exit->kind = AXVM_EXIT_HALT;
	return AXVM_USER;
}

/* IA32_APIC_BASE.EN: the in-kernel APIC's MSR, else the backend's own. */
static bool apic_globally_enabled(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u64 base = 0;

	if (!vmx->apic_in_kernel)
		return vmx->apic_base & MSR_IA32_APICBASE_ENABLE;
	return axvm_vmx_up(apic_rdmsr)(vcpu, MSR_IA32_APICBASE, 0, &base) ||
	       (base & MSR_IA32_APICBASE_ENABLE);
}

int axvm_vmx_exit_cpuid(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long *g = vmx->gprs;
	u32 fn = g[AXVM_REG_RAX], idx = g[AXVM_REG_RCX];
	const struct axvm_cpuid_entry *e;
	u32 a = 0, b = 0, c = 0, d = 0;

	/* The VM's table (AXVM_SET_CPUID or the default, lib/cpuid.c). */
	rcu_read_lock();
	e = axvm_cpuid_lookup(rcu_dereference(*vmx->cpuid), fn, idx);
	if (e) {
		a = e->eax;
		b = e->ebx;
		c = e->ecx;
		d = e->edx;
	}
	rcu_read_unlock();
	/* Per-vCPU values: initial APIC ID, OSXSAVE mirrors CR4 (Table 3-10). */
	if (fn == 1) {
		b = (b & 0x00ffffff) | vmx->vcpu_id << 24;
		c &= ~BIT(27);
		if (vmx->cr4_shadow & X86_CR4_OSXSAVE)
			c |= BIT(27);
		/* The in-kernel APIC has x2APIC mode and TSC-deadline. */
		if (vmx->apic_in_kernel)
			c |= BIT(21) | BIT(24);
		/*
		 * IA32_APIC_BASE.EN clear: the APIC is globally disabled and
		 * CPUID.1:EDX.APIC reads 0 (SDM Vol. 3A, 11.4.3 "Enabling or
		 * Disabling the Local APIC"), as in KVM.
		 */
		if (!apic_globally_enabled(vcpu))
			d &= ~BIT(9);
	} else if (fn == 7 && idx == 0) {
		c &= ~(BIT(3) | BIT(4));	/* PKU/OSPKE: CR4.PKE is refused */
	} else if (fn == 0xb || fn == 0x1f) {
		d = vmx->vcpu_id;
	}
	g[AXVM_REG_RAX] = a;
	g[AXVM_REG_RBX] = b;
	g[AXVM_REG_RCX] = c;
	g[AXVM_REG_RDX] = d;
	axvm_vmx_skip_instruction(vcpu);
	return AXVM_RESUME;
}

/* VMX instructions, GETSEC, INVD, MONITOR/MWAIT: not for guests (#UD). */
int axvm_vmx_exit_ud(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	axvm_vmx_queue_exception(vcpu, X86_TRAP_UD, false, 0);
	return AXVM_RESUME;
}

/*
 * WBINVD would write back and flush every cache of this host CPU: costly
 * for the host and of no use to a guest without assigned devices (all its
 * memory is write-back and coherent). It completes as a no-op, as in KVM
 * without non-coherent DMA. Not #UD: it is a legal CPL0 instruction that
 * Linux guests execute (MTRR changes, CPU offlining).
 */
int axvm_vmx_exit_wbinvd(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	axvm_vmx_skip_instruction(vcpu);
	return AXVM_RESUME;
}

/* No PMU is exposed: RDPMC of any counter is #GP(0). */
int axvm_vmx_exit_rdpmc(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
	return AXVM_RESUME;
}

/* The window opened: axvm_vmx_inject_pending() delivers at entry. */
int axvm_vmx_exit_window(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	return AXVM_RESUME;
}

/* I/O qualification: 28.2.1 "Basic VM-Exit Information", Table 28-5. */
int axvm_vmx_exit_io(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_io_qual io = axvm_decode_io_qual(to_vmx(vcpu)->exit.qualification);

	if (io.in) {
		exit->kind = AXVM_EXIT_IO_READ;
		exit->u.io_read.port = io.port;
		exit->u.io_read.width = io.width;
		exit->u.io_read.data = 0;
	} else {
		exit->kind = AXVM_EXIT_IO_WRITE;
		exit->u.io_write.port = io.port;
		exit->u.io_write.width = io.width;
		exit->u.io_write.data = to_vmx(vcpu)->gprs[AXVM_REG_RAX] &
					(io.width == 4 ? 0xffffffffull :
					 (1ull << (io.width * 8)) - 1);
	}
	if (io.string)		/* INS/OUTS: one element per exit */
		return axvm_vmx_string_io(vcpu, exit);
	return AXVM_USER;
}

int axvm_vmx_exit_vmcall(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	const unsigned long *g = to_vmx(vcpu)->gprs;

	exit->kind = AXVM_EXIT_HYPERCALL;
	exit->u.hypercall.nr = g[AXVM_REG_RAX];
	exit->u.hypercall.args[0] = g[AXVM_REG_RDI];
	exit->u.hypercall.args[1] = g[AXVM_REG_RSI];
	exit->u.hypercall.args[2] = g[AXVM_REG_RDX];
	exit->u.hypercall.args[3] = g[AXVM_REG_RCX];
	exit->u.hypercall.args[4] = g[AXVM_REG_R8];
	exit->u.hypercall.args[5] = g[AXVM_REG_R9];
	exit->u.hypercall.ret = 0;
	return AXVM_USER;
}

/*
 * EPT violation qualification: 28.2.1 "Basic VM-Exit Information",
 * Table 28-7.
 */
int axvm_vmx_exit_ept_violation(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	exit->guest_phys = axvm_vmcs_read(GUEST_PHYSICAL_ADDRESS);
	exit->kind = AXVM_EXIT_NESTED_PAGE_FAULT;
	exit->u.nested_page_fault.addr = exit->guest_phys;
	exit->u.nested_page_fault.access_flags =
		axvm_ept_qual_access(to_vmx(vcpu)->exit.qualification);
	/* RAM to map or MMIO to emulate: exit policy decides (exit/run.c). */
	return AXVM_USER;
}

/*
 * Entry failed on guest state or MSR loading (27.8 "VM-Entry Failures
 * During or After Loading Guest State"): report, stay usable.
 */
int axvm_vmx_exit_failed_entry(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	/* An event meant for the failed entry must not stick to the next. */
	axvm_vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	exit->kind = AXVM_EXIT_FAIL_ENTRY;
	exit->u.fail_entry.hardware_entry_failure_reason =
		to_vmx(vcpu)->exit.reason & 0xffff;
	exit->u.fail_entry.qualification = to_vmx(vcpu)->exit.qualification;
	return AXVM_USER;
}


/**
 * axvm_vmx_handle_exit() - decode and handle the last VM exit
 * @vcpu: the loaded vCPU that exited
 * @exit: the record to fill (the run page's)
 *
 * Return: enum axvm_exit_action or a negative errno.
 */
int axvm_vmx_handle_exit(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	const struct axvm_vmx_exit_info *e = &to_vmx(vcpu)->exit;
	u32 basic = e->reason & 0xffff;
	axvm_vmx_exit_handler h = NULL;

	memset(exit, 0, sizeof(*exit));
	exit->basic_reason = basic;
	exit->qualification = e->qualification;
	exit->guest_rip = e->rip;
	exit->vcpu_id = to_vmx(vcpu)->vcpu_id;
	exit->inst_len = e->inst_len;
	/* The guest moved on: an MMIO read-modify-write's write is off. */
	if (to_vmx(vcpu)->hold_events && e->rip != to_vmx(vcpu)->hold_rip)
		to_vmx(vcpu)->hold_events = false;

	if (e->reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		h = axvm_vmx_exit_failed_entry;
	else if (basic < AXVM_VMX_NR_REASONS)
		h = axvm_vmx_exit_handlers[array_index_nospec(basic,
							      AXVM_VMX_NR_REASONS)];
	return h ? h(vcpu, exit) : handle_unknown(vcpu, exit);
}
