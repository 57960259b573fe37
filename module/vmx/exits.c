// SPDX-License-Identifier: GPL-2.0
/*
 * Decode VMX exits into axvm's arch-neutral exit record.
 *
 * One table indexed by the basic exit reason (SDM Vol. 3D, Appendix C);
 * every handler is small, named for its exit, and returns enum
 * axvm_exit_action. Policy (what is served in the kernel) is in
 * module/exit/.
 */
#include <linux/nospec.h>
#include <linux/string.h>
#include <asm/trapnr.h>
#include <asm/vmx.h>
#include "axvm_trace.h"
#include "core.h"
#include "exit/cpuid.h"
#include "exit/exit.h"
#include "vmx/exit_table.h"
#include "vmx/insn.h"
#include "vmx/qual.h"
#include "vmx/vmx.h"


static int internal_error(struct axvm_exit *exit, u32 suberror, u64 data)
{
	exit->kind = AXVM_EXIT_INTERNAL_ERROR;
	exit->u.internal.suberror = suberror;
	exit->u.internal.data[0] = data;
	return AXVM_USER;
}

/* An exit with no handler: say so, never pretend it was a Halt. */
static int handle_unknown(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	return internal_error(exit, AXVM_INTERNAL_UNKNOWN_EXIT,
			      vcpu->vmx.exit.reason);
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
	u32 info = vcpu->vmx.exit.intr_info;
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
 * interrupt comes (exit/run.c); with IF=0 only NMI or INIT could wake it:
 * userspace decides (Halt record).
 */
int axvm_vmx_exit_hlt(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	bool intr_on = axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;

	axvm_vmx_skip_instruction(vcpu);
	if (vcpu->vmx.nmi.pending || vcpu->vmx.exception.pending ||
	    (vcpu->vmx.irq.pending && intr_on))
		return AXVM_RESUME;
	if (vcpu->lapic && intr_on) {
		axvm_lapic_halt(vcpu);
		return AXVM_RESUME;
	}
	exit->kind = AXVM_EXIT_HALT;
	return AXVM_USER;
}

int axvm_vmx_exit_cpuid(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	unsigned long *g = vcpu->vmx.gprs;
	u32 fn = g[AXVM_REG_RAX], idx = g[AXVM_REG_RCX];
	const struct axvm_cpuid_entry *e;
	u32 a = 0, b = 0, c = 0, d = 0;

	rcu_read_lock();
	e = axvm_cpuid_lookup(rcu_dereference(vcpu->vm->cpuid), fn, idx);
	if (e) {
		a = e->eax;
		b = e->ebx;
		c = e->ecx;
		d = e->edx;
	}
	rcu_read_unlock();
	/* Per-vCPU values: initial APIC ID, OSXSAVE mirrors CR4 (Table 3-10). */
	if (fn == 1) {
		b = (b & 0x00ffffff) | vcpu->id << 24;
		c &= ~BIT(27);
		if (vcpu->vmx.cr4_shadow & X86_CR4_OSXSAVE)
			c |= BIT(27);
		/* The in-kernel APIC has x2APIC mode and TSC-deadline. */
		if (vcpu->lapic)
			c |= BIT(21) | BIT(24);
	} else if (fn == 7 && idx == 0) {
		c &= ~(BIT(3) | BIT(4));	/* PKU/OSPKE: CR4.PKE is refused */
	} else if (fn == 0xb || fn == 0x1f) {
		d = vcpu->id;
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

/* Exit qualification for I/O instructions: 28.2.1, Table 28-5. */
int axvm_vmx_exit_io(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_io_qual io = axvm_decode_io_qual(vcpu->vmx.exit.qualification);

	if (io.in) {
		exit->kind = AXVM_EXIT_IO_READ;
		exit->u.io_read.port = io.port;
		exit->u.io_read.width = io.width;
		exit->u.io_read.data = 0;
	} else {
		exit->kind = AXVM_EXIT_IO_WRITE;
		exit->u.io_write.port = io.port;
		exit->u.io_write.width = io.width;
		exit->u.io_write.data = vcpu->vmx.gprs[AXVM_REG_RAX] &
					(io.width == 4 ? 0xffffffffull :
					 (1ull << (io.width * 8)) - 1);
	}
	if (io.string)		/* INS/OUTS: one element per exit */
		return axvm_vmx_string_io(vcpu, exit);
	return AXVM_USER;
}

int axvm_vmx_exit_vmcall(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	const unsigned long *g = vcpu->vmx.gprs;

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

/* EPT violation qualification: 28.2.1, Table 28-7. */
int axvm_vmx_exit_ept_violation(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	exit->guest_phys = axvm_vmcs_read(GUEST_PHYSICAL_ADDRESS);
	exit->kind = AXVM_EXIT_NESTED_PAGE_FAULT;
	exit->u.nested_page_fault.addr = exit->guest_phys;
	exit->u.nested_page_fault.access_flags =
		axvm_ept_qual_access(vcpu->vmx.exit.qualification);
	return axvm_exit_nested_page_fault(vcpu, exit);
}

/* Entry failed on guest state or MSR loading (27.8): report, stay usable. */
int axvm_vmx_exit_failed_entry(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	/* An event meant for the failed entry must not stick to the next. */
	axvm_vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	exit->kind = AXVM_EXIT_FAIL_ENTRY;
	exit->u.fail_entry.hardware_entry_failure_reason =
		vcpu->vmx.exit.reason & 0xffff;
	exit->u.fail_entry.qualification = vcpu->vmx.exit.qualification;
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
	const struct axvm_vmx_exit_info *e = &vcpu->vmx.exit;
	u32 basic = e->reason & 0xffff;
	axvm_vmx_exit_handler h = NULL;

	memset(exit, 0, sizeof(*exit));
	exit->basic_reason = basic;
	exit->qualification = e->qualification;
	exit->guest_rip = e->rip;
	exit->vcpu_id = vcpu->id;
	exit->inst_len = e->inst_len;

	if (e->reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		h = axvm_vmx_exit_failed_entry;
	else if (basic < AXVM_VMX_NR_REASONS)
		h = axvm_vmx_exit_handlers[array_index_nospec(basic,
							      AXVM_VMX_NR_REASONS)];
	return h ? h(vcpu, exit) : handle_unknown(vcpu, exit);
}

/* Write an IN result to AL/AX/EAX as the instruction would (EAX zero-extends). */
static void complete_io_read(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
	unsigned long *rax = &vcpu->vmx.gprs[AXVM_REG_RAX];
	u64 data = exit->u.io_read.data;

	switch (exit->u.io_read.width) {
	case 1:
		*rax = (*rax & ~0xfful) | (data & 0xff);
		break;
	case 2:
		*rax = (*rax & ~0xfffful) | (data & 0xffff);
		break;
	default:
		*rax = (u32)data;
		break;
	}
}


/**
 * axvm_vmx_finish_exit() - complete the pending exit with an answer
 * @vcpu: loaded vCPU with a pending exit (vcpu->pending_exit)
 * @resp: AXVM_RESP_*
 * @data: the value for read variants (and the hypercall return)
 *
 * Used for userspace's answers and for in-kernel devices alike.
 *
 * Return: 0, or -EINVAL for an answer that does not fit (nothing changes).
 */
int axvm_vmx_finish_exit(struct axvm_vcpu *vcpu, u32 resp, u64 data)
{
	u32 kind = vcpu->pending_exit;

	if (kind == AXVM_EXIT_NOTHING)
		return 0;
	/* Reads need data (or #GP); a bad answer leaves the exit pending. */
	if (resp > AXVM_RESP_INJECT_GP ||
	    (resp == AXVM_RESP_NONE &&
	     (kind == AXVM_EXIT_IO_READ || kind == AXVM_EXIT_MMIO_READ ||
	      kind == AXVM_EXIT_SYSREG_READ)))
		return -EINVAL;
	vcpu->pending_exit = AXVM_EXIT_NOTHING;
	if (resp == AXVM_RESP_INJECT_GP) {
		vcpu->vmx.string_io.active = false;
		axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return 0;
	}
	if (vcpu->vmx.string_io.active) {
		if (axvm_vmx_string_io_complete(vcpu, data))
			axvm_vmx_skip_instruction(vcpu);
		return 0;
	}
	switch (kind) {
	case AXVM_EXIT_IO_READ:
		vcpu->pending_record.u.io_read.data = data;
		complete_io_read(vcpu, &vcpu->pending_record);
		break;
	case AXVM_EXIT_HYPERCALL:
		if (resp == AXVM_RESP_DATA)
			vcpu->vmx.gprs[AXVM_REG_RAX] = data;
		break;
	case AXVM_EXIT_MMIO_READ:
	case AXVM_EXIT_MMIO_WRITE:
		/* REP MOVS/STOS: RIP stays until the last element. */
		if (!axvm_exit_mmio_complete(vcpu, kind == AXVM_EXIT_MMIO_READ,
					     data))
			return 0;
		break;
	case AXVM_EXIT_SYSREG_READ:
		vcpu->vmx.gprs[AXVM_REG_RAX] = (u32)data;
		vcpu->vmx.gprs[AXVM_REG_RDX] = data >> 32;
		break;
	}
	axvm_vmx_skip_instruction(vcpu);
	return 0;
}

/**
 * axvm_vmx_complete_exit() - finish the instruction userspace answered
 * @vcpu: loaded vCPU
 * @run: the run page (response and the last exit record)
 *
 * Only the answer is taken from the shared page; what the exit was (width,
 * port, ...) comes from the kernel's own copy, which userspace cannot
 * change under us.
 *
 * Return: 0, or -EINVAL for a response that does not fit the exit.
 */
int axvm_vmx_complete_exit(struct axvm_vcpu *vcpu, struct axvm_run *run)
{
	u32 resp = READ_ONCE(run->response);
	int ret;

	if (vcpu->pending_exit == AXVM_EXIT_NOTHING)
		return 0;
	ret = axvm_vmx_finish_exit(vcpu, resp,
				   axvm_exit_answer(&run->exit, vcpu->pending_exit));
	if (!ret)
		WRITE_ONCE(run->response, AXVM_RESP_NONE);
	return ret;
}
