// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection (SDM Vol. 3C, 27.6 "Event Injection"): exceptions raised
 * by emulation, NMIs and external interrupts queued by userspace, and
 * events whose delivery a VM exit interrupted (IDT-vectoring information,
 * 28.2.4 "Information for VM Exits That Occur During Event Delivery"), which
 * are re-injected before anything else.
 */
#include <asm/trapnr.h>
#include <asm/vmx.h>
#include "axvm_trace.h"
#include "vmx/insn.h"
#include "vmx/upcall.h"
#include "vmx/vmx.h"

/* Interruptibility-state bits: 25.4.2 "Guest Non-Register State", Table 25-3. */
#define INTR_BLOCK_STI		BIT(0)
#define INTR_BLOCK_MOV_SS	BIT(1)
#define INTR_BLOCK_NMI		BIT(3)

/**
 * axvm_vmx_queue_exception() - raise an exception at the next entry
 * @vcpu: the vCPU
 * @vector: exception vector
 * @has_error: push @error
 * @error: error code
 *
 * The instruction that caused it does not complete (RIP stays).
 */
void axvm_vmx_queue_exception(struct axvm_vcpu *vcpu, u8 vector,
			      bool has_error, u32 error)
{
	struct axvm_vmx_event *ev = &to_vmx(vcpu)->exception;

	ev->pending = true;
	ev->vector = vector;
	ev->has_error = has_error;
	ev->error = error;
}

/**
 * axvm_vmx_queue_page_fault() - raise #PF for an access emulation made
 * @vcpu: the vCPU
 * @la: the linear address that faulted
 * @error: the error code (SDM Vol. 3A, 4.7 "Page-Fault Exceptions")
 *
 * CR2 takes @la now, as the CPU loads it when it detects the fault, before
 * delivery (Vol. 3A, 6.15 "Exception and Interrupt Reference", #PF); the
 * guest's CR2 is loaded by hand at the next entry (vmx/vcpu_run.c).
 */
void axvm_vmx_queue_page_fault(struct axvm_vcpu *vcpu, u64 la, u32 error)
{
	to_vmx(vcpu)->cr2 = la;
	axvm_vmx_queue_exception(vcpu, X86_TRAP_PF, true, error);
}

/**
 * axvm_vmx_queue_event() - AXVM_INJECT: queue an event from userspace
 * @vcpu: the vCPU
 * @e: the event
 *
 * Return: 0, -EINVAL for a bad type, vector or padding, -EBUSY if one of
 * the same type is still pending.
 */
int axvm_vmx_queue_event(struct axvm_vcpu *vcpu, const struct axvm_event *e)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	struct axvm_vmx_event *ev;

	if (e->pad || e->has_error_code > 1)
		return -EINVAL;
	switch (e->type) {
	case AXVM_EVENT_EXTINT:
		if (e->vector < 32 || e->has_error_code)
			return -EINVAL;
		ev = &vmx->irq;
		break;
	case AXVM_EVENT_NMI:
		ev = &vmx->nmi;
		break;
	case AXVM_EVENT_EXCEPTION:
		/* The error code must match the vector, or VM entry fails. */
		if (e->vector >= 32 || e->vector == 2 ||
		    e->has_error_code != axvm_vmx_vector_has_error(e->vector))
			return -EINVAL;
		ev = &vmx->exception;
		break;
	default:
		return -EINVAL;
	}
	if (ev->pending)
		return -EBUSY;
	ev->vector = e->type == AXVM_EVENT_NMI ? 2 : e->vector;
	ev->has_error = e->has_error_code;
	ev->error = e->error_code;
	ev->pending = true;
	return 0;
}

static void set_window_exiting(u32 bit, bool on)
{
	u64 proc = axvm_vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	u64 want = on ? proc | bit : proc & ~(u64)bit;

	if (want != proc)
		axvm_vmcs_write(CPU_BASED_VM_EXEC_CONTROL, want);
}

/**
 * axvm_vmx_vector_has_error() - whether an exception pushes an error code
 * @vector: exception vector
 *
 * Return: true for #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX
 * (SDM Vol. 3A, 6.15 "Exception and Interrupt Reference") in protected
 * mode.
 */
bool axvm_vmx_vector_has_error(u8 vector)
{
	return vector < 32 && (BIT(vector) & (BIT(8) | BIT(10) | BIT(11) |
					      BIT(12) | BIT(13) | BIT(14) |
					      BIT(17) | BIT(21) | BIT(29) |
					      BIT(30)));
}

/*
 * A fault pushes RFLAGS with RF set, so that the handler's IRET restarts
 * the instruction without an instruction breakpoint firing again (SDM
 * Vol. 3B, 18.3.1.1 "Instruction-Breakpoint Exception Condition"; Vol.
 * 3A, 6.5 "Exception Classifications", Table 6-1). An injected event pushes
 * the guest-state RFLAGS as it is (Vol. 3C, 27.6.1.2), so for an
 * exception of the fault class the kernel sets RF there, as KVM does.
 * #DB is a trap when emulation raises it (single step, data breakpoints),
 * #BP and #OF are traps, #DF and #MC aborts.
 */
static bool fault_class(u8 vector)
{
	return vector < 32 && !(BIT(vector) & (BIT(X86_TRAP_DB) | BIT(X86_TRAP_BP) |
					       BIT(X86_TRAP_OF) | BIT(X86_TRAP_DF) |
					       BIT(X86_TRAP_MC)));
}

static void inject(struct axvm_vcpu *vcpu, u32 type,
		   const struct axvm_vmx_event *ev)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = INTR_INFO_VALID_MASK | type | ev->vector;

	trace_axvm_inject(vmx->vm_id, vmx->vcpu_id, ev->vector, type >> 8);
	/*
	 * Real mode never pushes an error code (27.2.1.3 "Checks on VM-Entry
	 * Control Fields").
	 */
	if (ev->has_error && (axvm_vmcs_read(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		axvm_vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error);
	}
	axvm_vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

/*
 * An event whose delivery the exit interrupted is delivered again first
 * (27.6.1.1 "Details of Vectored-Event Injection" allows the same information
 * to be used for injection).
 */
static bool reinject_vectoring(struct axvm_vmx_vcpu *vmx)
{
	u32 idt = vmx->exit.idt_vectoring;
	u32 type = idt & INTR_INFO_INTR_TYPE_MASK;

	if (!(idt & VECTORING_INFO_VALID_MASK))
		return false;
	vmx->exit.idt_vectoring = 0;
	if (idt & VECTORING_INFO_DELIVER_CODE_MASK)
		axvm_vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     axvm_vmcs_read(IDT_VECTORING_ERROR_CODE));
	/*
	 * Software events need the instruction length again (27.6.1.1
	 * "Details of Vectored-Event Injection").
	 */
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		axvm_vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmx->exit.inst_len);
	axvm_vmcs_write(VM_ENTRY_INTR_INFO_FIELD, idt & ~INTR_INFO_RESVD_BITS_MASK);
	return true;
}

/*
 * The write half of an MMIO read-modify-write is due (exit/mmio.c): the
 * instruction re-executes and must fault again before anything else runs,
 * so no event and no window exit (which would come before the
 * instruction) until then. RIP moved (userspace set it): that ends it.
 */
static bool rmw_due(struct axvm_vmx_vcpu *vmx)
{
	if (vmx->hold_events && axvm_vmcs_read(GUEST_RIP) != vmx->hold_rip)
		vmx->hold_events = false;
	return vmx->hold_events;
}

/*
 * A single-step trap is pending after an emulated instruction (BS in the
 * pending debug exceptions, vmx/vcpu_run.c). It has priority over NMIs and
 * interrupts (SDM Vol. 3A, 6.9 "Priority Among Concurrent Events", Table 6-2),
 * but an entry that injects one discards pending debug exceptions (Vol. 3C,
 * 27.7.3 "Delivery of Pending Debug Exceptions after VM Entry"): inject
 * nothing, it is delivered right after entry; the window exits, which rank
 * below debug traps (Vol. 3C, 27.7.5 "Interrupt-Window Exiting and
 * Virtual-Interrupt Delivery", 27.7.6 "NMI-Window Exiting"), bring the NMI or
 * interrupt next.
 */
static bool single_step_due(const struct axvm_vmx_vcpu *vmx)
{
	u32 basic = vmx->exit.reason & 0xffff;

	/*
	 * Had a window exit come before the trap anyway, holding back again
	 * would never end: deliver, as if the trap came after the event.
	 */
	if (basic == EXIT_REASON_INTERRUPT_WINDOW ||
	    basic == EXIT_REASON_NMI_WINDOW)
		return false;
	return (axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
	       (axvm_vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) & AXVM_PENDING_DBG_BS);
}

/**
 * axvm_vmx_requeue_vectoring() - an intercepted exception interrupted delivery
 * @vcpu: the vCPU, in the handler of an exception exit
 *
 * Only benign exceptions (#DB, #AC) are reflected, so the event whose
 * delivery they interrupted is never turned into #DF (SDM Vol. 3A, 6.15
 * "Exception and Interrupt Reference", Table 6-5): an exception or
 * software interrupt is dropped (the CPU handles the two serially, and the
 * instruction that raised the first one raises it again once the new one
 * is handled); an NMI or external interrupt is delivered after the new
 * exception, as in KVM.
 */
void axvm_vmx_requeue_vectoring(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u32 idt = vmx->exit.idt_vectoring;

	if (!(idt & VECTORING_INFO_VALID_MASK))
		return;
	vmx->exit.idt_vectoring = 0;
	switch (idt & INTR_INFO_INTR_TYPE_MASK) {
	case INTR_TYPE_NMI_INTR:
		vmx->nmi.pending = true;
		vmx->nmi.vector = 2;
		vmx->nmi.has_error = false;
		break;
	case INTR_TYPE_EXT_INTR:
		vmx->held_irq = idt & (INTR_INFO_VALID_MASK |
				       INTR_INFO_INTR_TYPE_MASK |
				       INTR_INFO_VECTOR_MASK);
		break;
	}
}

/**
 * axvm_vmx_inject_pending() - program the next entry's event, if any
 * @vcpu: the loaded vCPU, right before entry (IRQs may be on)
 *
 * Priority: re-injected vectoring event, exception, an external interrupt
 * held back by axvm_vmx_requeue_vectoring(), NMI, the PIC's
 * interrupt (AXVM_INJECT, like ExtINT through LINT0), the local APIC's
 * highest deliverable vector. Whatever cannot be delivered yet asks for an
 * NMI/interrupt-window exit; a window no longer wanted is closed.
 */
void axvm_vmx_inject_pending(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	int apic_vec = vmx->apic_in_kernel ?
		       axvm_vmx_up(apic_pending_vector)(vcpu) : -1;
	u64 intr, rflags;

	if (reinject_vectoring(vmx))
		goto windows;
	if (vmx->exception.pending) {
		if (fault_class(vmx->exception.vector))
			axvm_vmcs_write(GUEST_RFLAGS, axvm_vmcs_read(GUEST_RFLAGS) |
				     X86_EFLAGS_RF);
		inject(vcpu, INTR_TYPE_HARD_EXCEPTION, &vmx->exception);
		vmx->exception.pending = false;
		goto windows;
	}
	if (vmx->held_irq) {
		/* Its delivery had begun: IF and the shadows no longer matter. */
		axvm_vmcs_write(VM_ENTRY_INTR_INFO_FIELD, vmx->held_irq);
		vmx->held_irq = 0;
		goto windows;
	}
	if (!vmx->nmi.pending && !vmx->irq.pending && apic_vec < 0 &&
	    !vmx->windows_open)
		return;
	if (rmw_due(vmx)) {
		set_window_exiting(CPU_BASED_NMI_WINDOW_EXITING, false);
		set_window_exiting(CPU_BASED_INTR_WINDOW_EXITING, false);
		vmx->windows_open = true;	/* decide again next entry */
		return;
	}
	if (single_step_due(vmx))
		goto windows;
	intr = axvm_vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	if (vmx->nmi.pending &&
	    !(intr & (INTR_BLOCK_NMI | INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))) {
		inject(vcpu, INTR_TYPE_NMI_INTR, &vmx->nmi);
		vmx->nmi.pending = false;
		goto windows;
	}
	if (!vmx->irq.pending && apic_vec < 0)
		goto windows;
	rflags = axvm_vmcs_read(GUEST_RFLAGS);
	if ((rflags & X86_EFLAGS_IF) &&
	    !(intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))) {
		if (vmx->irq.pending) {
			inject(vcpu, INTR_TYPE_EXT_INTR, &vmx->irq);
			vmx->irq.pending = false;
		} else {
			struct axvm_vmx_event ev = { .vector = apic_vec };

			inject(vcpu, INTR_TYPE_EXT_INTR, &ev);
			axvm_vmx_up(apic_accept)(vcpu, apic_vec);
			apic_vec = -1;	/* the next one waits for this EOI or IRET */
		}
	}
windows:
	/*
	 * A HLTing guest is woken by the injection (27.6 "Event Injection":
	 * the activity state becomes active).
	 */
	if (axvm_vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)
		axvm_vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	set_window_exiting(CPU_BASED_NMI_WINDOW_EXITING, vmx->nmi.pending);
	set_window_exiting(CPU_BASED_INTR_WINDOW_EXITING,
			   vmx->irq.pending || apic_vec >= 0);
	vmx->windows_open = vmx->nmi.pending || vmx->irq.pending || apic_vec >= 0;
}

/**
 * axvm_vmx_ready_for_interrupt() - could the guest take an interrupt now?
 * @vcpu: the loaded vCPU, outside the guest
 *
 * Return: true if RFLAGS.IF=1, no STI/MOV-SS shadow blocks and no
 * external interrupt from AXVM_INJECT is queued.
 */
bool axvm_vmx_ready_for_interrupt(struct axvm_vcpu *vcpu)
{
	return !to_vmx(vcpu)->irq.pending &&
	       (axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(axvm_vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
		 (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

/**
 * axvm_vmx_event_pending() - an NMI or interrupt waits for the guest
 * @vcpu: the vCPU
 *
 * Return: true if HLT should not stop the vCPU.
 */
bool axvm_vmx_event_pending(struct axvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->nmi.pending || to_vmx(vcpu)->irq.pending ||
	       to_vmx(vcpu)->exception.pending || to_vmx(vcpu)->held_irq;
}
