// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU run loop and the policy for each exit: enter, let the backend
 * decode the exit, serve in the kernel what can be served (guest RAM
 * faults, HC_NOP, in-kernel devices), count and trace every exit at one
 * choke point, and hand the rest to userspace through the run page or the
 * exit ring. Like AxVM's run_vcpu, but an exit the kernel cannot handle is
 * reported as what it is, never turned into a Halt. A paused VM's vCPUs
 * sleep in the loop before entry (VM_PAUSE). The loop and the
 * routing share this file so that the per-exit path stays one function
 * (the compiler inlines the static helpers).
 */
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include "axvm_trace.h"
#include "core.h"
#include "exit/exit.h"
#include "exit/posted.h"
#include "exit/ring.h"
#include "io/lapic.h"
#include "vmx/access.h"

/* Exits whose instruction completes only when userspace answers. */
static bool needs_completion(u32 kind)
{
	return kind == AXVM_EXIT_IO_READ || kind == AXVM_EXIT_IO_WRITE ||
	       kind == AXVM_EXIT_HYPERCALL || kind == AXVM_EXIT_SYSREG_READ ||
	       kind == AXVM_EXIT_SYSREG_WRITE || kind == AXVM_EXIT_MMIO_READ ||
	       kind == AXVM_EXIT_MMIO_WRITE;
}

/* Complete @e here, as if userspace had answered it. */
static bool complete_here(struct axvm_vcpu *vcpu, const struct axvm_exit *e,
			  u32 resp, u64 val)
{
	vcpu->pending_exit = e->kind;
	vcpu->pending_record = *e;
	return !axvm_exit_finish(vcpu, resp, val);
}

/*
 * Offer a port or MMIO access to the in-kernel devices, and axvm's own
 * hypercalls to their handlers; on success the instruction completes here
 * and the guest is re-entered.
 */
static bool serve_in_kernel(struct axvm_vcpu *vcpu, struct axvm_exit *e)
{
	enum axvm_bus bus;
	bool write;
	u64 addr, val = 0;
	u8 width;

	switch (e->kind) {
	case AXVM_EXIT_HYPERCALL:
		/* AXVM_HC_NOP: the cheapest round trip a guest can make. */
		if (e->u.hypercall.nr != AXVM_HC_NOP)
			return false;
		return complete_here(vcpu, e, AXVM_RESP_DATA, 0);
	case AXVM_EXIT_IO_READ:
	case AXVM_EXIT_IO_WRITE:
		if (axvm_vmx_string_io_active(vcpu))
			return false;
		bus = AXVM_BUS_PIO;
		write = e->kind == AXVM_EXIT_IO_WRITE;
		addr = write ? e->u.io_write.port : e->u.io_read.port;
		width = write ? e->u.io_write.width : e->u.io_read.width;
		val = write ? e->u.io_write.data : 0;
		break;
	case AXVM_EXIT_MMIO_READ:
		bus = AXVM_BUS_MMIO;
		write = false;
		addr = e->u.mmio_read.addr;
		width = e->u.mmio_read.width;
		break;
	case AXVM_EXIT_MMIO_WRITE:
		bus = AXVM_BUS_MMIO;
		write = true;
		addr = e->u.mmio_write.addr;
		width = e->u.mmio_write.width;
		val = e->u.mmio_write.data;
		break;
	default:
		return false;
	}
	/* Each vCPU sees its own local APIC at the xAPIC page. */
	if (bus == AXVM_BUS_MMIO && vcpu->lapic &&
	    !axvm_lapic_mmio(vcpu, addr, width, write, &val))
		return complete_here(vcpu, e, write ? AXVM_RESP_NONE : AXVM_RESP_DATA,
				     val);
	if (axvm_iobus_access(&vcpu->vm->iobus, bus, addr, width, write, &val))
		return false;
	return complete_here(vcpu, e, write ? AXVM_RESP_NONE : AXVM_RESP_DATA,
			     val);
}

/**
 * axvm_exit_note_forwarded() - a record left for userspace: note when
 * @vcpu: the vCPU
 *
 * Only while axvm_complete is traced; 0 otherwise, so a tracer attached
 * between forwarding and completion gets no bogus latency.
 */
void axvm_exit_note_forwarded(struct axvm_vcpu *vcpu)
{
	vcpu->forwarded_ns = trace_axvm_complete_enabled() ? ktime_get_ns() : 0;
}

/**
 * axvm_exit_trace_completed() - fire axvm_complete with the service latency
 * @vcpu: the vCPU
 * @kind: the exit kind answered
 * @resp: the response (AXVM_RESP_*)
 */
void axvm_exit_trace_completed(struct axvm_vcpu *vcpu, u32 kind, u32 resp)
{
	if (trace_axvm_complete_enabled() && vcpu->forwarded_ns)
		trace_axvm_complete(vcpu->vm->id, vcpu->id, kind, resp,
				    ktime_get_ns() - vcpu->forwarded_ns);
	vcpu->forwarded_ns = 0;
}

/* Is this write one userspace asked to have posted? */
static bool is_posted(struct axvm_vcpu *vcpu, const struct axvm_exit *e)
{
	if (e->kind == AXVM_EXIT_IO_WRITE)
		return !axvm_vmx_string_io_active(vcpu) &&
		       axvm_posted_match(&vcpu->vm->posted, AXVM_POSTED_PIO,
					 e->u.io_write.port,
					 e->u.io_write.width);
	if (e->kind == AXVM_EXIT_MMIO_WRITE)
		return axvm_posted_match(&vcpu->vm->posted, AXVM_POSTED_MMIO,
					 e->u.mmio_write.addr,
					 e->u.mmio_write.width);
	return false;
}

/*
 * The one choke point every exit passes once its fate is known: the
 * per-reason and kernel/forwarded counters (VM_STATS) and the axvm_exit
 * tracepoint, so the two always agree. @basic is the basic exit reason,
 * or AXVM_NR_REASONS when no VM exit happened (VMfail): counted as an
 * exit to userspace, under no reason.
 */
static void account_exit(struct axvm_vcpu *vcpu, const struct axvm_exit *e,
			 u32 basic, int action)
{
	struct axvm_vcpu_stats *st = &vcpu->stats;

	if (basic < AXVM_NR_REASONS)
		st->reasons[basic]++;
	if (action == AXVM_RESUME)
		st->exits_kernel++;
	else if (action == AXVM_USER)
		st->exits_user++;
	trace_axvm_exit(vcpu->vm->id, vcpu->id, basic, e->kind,
			e->qualification, e->guest_rip, action == AXVM_RESUME);
}

/* The record says "nothing here: serve the ring". */
static void set_nothing(struct axvm_vcpu *vcpu, struct axvm_exit *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = AXVM_EXIT_NOTHING;
	e->vcpu_id = vcpu->id;
}

/*
 * route_exit() - the policy for an exit the backend decoded
 * @vcpu: the loaded vCPU
 * @e: the record (the kernel's; copied out once by the run loop), filled
 *	by axvm_vmx_handle_exit()
 * @action: the backend's enum axvm_exit_action or a negative errno
 *
 * Maps guest RAM or emulates MMIO on a nested page fault, serves in the
 * kernel what can be (HC_NOP, in-kernel devices), turns a local APIC
 * report (CpuUp/SendIPI, AXVM_LAPIC_F_*) into the record, counts and
 * traces the exit once, then hands it to userspace (ring or run page).
 *
 * Return: enum axvm_exit_action or a negative errno.
 */
static int route_exit(struct axvm_vcpu *vcpu, struct axvm_exit *e, int action)
{
	int ret;

	if (action == AXVM_USER) {
		if (e->kind == AXVM_EXIT_NESTED_PAGE_FAULT)
			action = axvm_exit_nested_page_fault(vcpu, e);
		if (action == AXVM_USER && serve_in_kernel(vcpu, e))
			action = AXVM_RESUME;
	}
	if (action == AXVM_RESUME && vcpu->lapic && axvm_lapic_take_report(vcpu, e))
		action = AXVM_USER;
	account_exit(vcpu, e, e->basic_reason, action);
	if (action != AXVM_USER || !needs_completion(e->kind))
		return action;
	if (vcpu->ring) {
		ret = axvm_ring_forward(vcpu, e, is_posted(vcpu, e));
		if (ret == AXVM_USER)
			set_nothing(vcpu, e);
		return ret;
	}
	vcpu->pending_exit = e->kind;
	vcpu->pending_record = *e;
	trace_axvm_forward(vcpu->vm->id, vcpu->id, e->kind, false, false, 0);
	axvm_exit_note_forwarded(vcpu);
	return AXVM_USER;
}

/**
 * axvm_exit_internal_error() - report a failure with no VM exit behind it
 * @vcpu: the vCPU
 * @e: the record to fill (the kernel's; copied out once by the run loop)
 * @suberror: AXVM_INTERNAL_*
 * @data: data[0] of the record (for VMfail: the VM-instruction error)
 *
 * The record goes to userspace through the same choke point as every exit.
 *
 * Return: AXVM_USER.
 */
int axvm_exit_internal_error(struct axvm_vcpu *vcpu, struct axvm_exit *e,
			     u32 suberror, u64 data)
{
	memset(e, 0, sizeof(*e));
	e->vcpu_id = vcpu->id;
	axvm_exit_internal_record(e, suberror, data, 0);
	account_exit(vcpu, e, AXVM_NR_REASONS, AXVM_USER);
	return AXVM_USER;
}

/*
 * Finish what the last AXVM_RUN left pending, before entering the guest.
 * Only the answer is read from the run page; @e is the kernel's record of
 * this AXVM_RUN (a Nothing record in sync ring mode).
 */
static int resume_pending(struct axvm_vcpu *vcpu, struct axvm_run *run,
			  struct axvm_exit *e)
{
	u32 kind = vcpu->pending_exit;
	u32 resp;
	int ret;

	if (vcpu->ring) {
		ret = axvm_ring_collect(vcpu);
		if (ret == AXVM_USER)
			set_nothing(vcpu, e);
		return ret;
	}
	/* One read: the answer applied is the answer traced. */
	resp = READ_ONCE(run->response);
	ret = axvm_exit_complete(vcpu, run, resp);
	if (!ret && kind != AXVM_EXIT_NOTHING)
		axvm_exit_trace_completed(vcpu, kind, resp);
	return ret;
}

/**
 * axvm_vcpu_run() - AXVM_RUN: run the guest until an exit needs userspace
 * @vcpu: the vCPU; its mutex is held, the caller accounts the AXVM_RUN
 *	(axvm_vcpu_run_begin() and axvm_vcpu_run_end(), vm.c)
 *
 * Return: 0 with run->exit filled (a Nothing record in sync ring mode:
 * serve the ring), -EINTR for a signal or immediate_exit (the guest can
 * be re-entered), -EINVAL for a bad answer, -EPROTO for a broken ring
 * consumer index, -EIO when the VMX instructions themselves failed (also
 * reported in run->exit), -ESHUTDOWN for a stop request (VM_STOP: once
 * per request) or a deleted VM (VM_DEL: for good); see vm.c.
 *
 * Every exit is decoded, served and accounted in @e, kernel memory; the
 * record is copied to run->exit once, when AXVM_RUN returns it. The VMM
 * may rewrite the run page at any time (another thread, while AXVM_RUN
 * runs): the kernel never reads back what it wrote there, only the
 * answer fields, once, when the exit is completed.
 */
int axvm_vcpu_run(struct axvm_vcpu *vcpu)
{
	struct axvm_run *run = vcpu->run;
	struct axvm_exit e;
	int ret;

	memset(&e, 0, sizeof(e));
	axvm_vmx_vcpu_load(vcpu);
	ret = resume_pending(vcpu, run, &e);
	while (ret == AXVM_RESUME) {
		cond_resched();
		if (axvm_vcpu_stop_requested(vcpu)) {
			ret = -ESHUTDOWN;
			break;
		}
		if (READ_ONCE(run->immediate_exit) || signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/* VM_PAUSE: sleep here, then look at the requests again. */
		ret = axvm_vcpu_pause_wait(vcpu);
		if (ret) {
			if (ret > 0)
				ret = AXVM_RESUME;
			continue;
		}
		if (vcpu->lapic) {
			/* INIT/SIPI/NMI from others; halt and wait-for-SIPI sleep */
			ret = axvm_lapic_prepare_entry(vcpu);
			if (ret == -EAGAIN) {
				ret = AXVM_RESUME;
				continue;
			}
			if (ret)
				break;
		}
		/* A debugger's step that ended in an emulated instruction. */
		if (axvm_vmx_step_pending(vcpu)) {
			axvm_vmx_step_record(vcpu, &e);
			account_exit(vcpu, &e, e.basic_reason, AXVM_USER);
			ret = AXVM_USER;
			break;
		}
		ret = axvm_vmx_enter(vcpu);
		if (ret == -EAGAIN) {
			ret = AXVM_RESUME;
			continue;
		}
		if (ret) {
			/* VMfail: data[0] is the VM-instruction error. */
			ret = axvm_exit_internal_error(vcpu, &e,
					AXVM_INTERNAL_VMX_INSN,
					axvm_vmx_exit_qualification(vcpu));
			break;
		}
		ret = route_exit(vcpu, &e, axvm_vmx_handle_exit(vcpu, &e));
	}
	vcpu->last_exit_kind = AXVM_EXIT_NOTHING;
	if (ret == AXVM_USER) {
		/* The one copy out; nothing below reads the run page's record. */
		memcpy(&run->exit, &e, sizeof(e));
		vcpu->last_exit_kind = e.kind;
		ret = 0;
	}
	WRITE_ONCE(run->ready_for_interrupt, axvm_vmx_ready_for_interrupt(vcpu));
	axvm_vmx_vcpu_put(vcpu);
	return ret;
}
