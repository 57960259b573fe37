// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU run loop (arch-neutral policy): enter, let the hardware layer
 * decode the exit, serve in the kernel what can be served, return the rest
 * to userspace. Like AxVM's run_vcpu, but an exit the kernel cannot handle
 * is reported as what it is, never turned into a Halt.
 */
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include "axvm_trace.h"
#include "core.h"
#include "exit/exit.h"

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
	return !axvm_vmx_finish_exit(vcpu, resp, val);
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
		if (vcpu->vmx.string_io.active)
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
		return !vcpu->vmx.string_io.active &&
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
 * tracepoint, so the two always agree.
 */
static void account_exit(struct axvm_vcpu *vcpu, const struct axvm_exit *e,
			 int action)
{
	u32 basic = e->basic_reason;

	if (basic < AXVM_VMX_NR_REASONS)
		vcpu->reasons[basic]++;
	if (action == AXVM_RESUME)
		vcpu->exits_kernel++;
	else if (action == AXVM_USER)
		vcpu->exits_user++;
	trace_axvm_exit(vcpu->vm->id, vcpu->id, basic, e->kind,
			e->qualification, e->guest_rip, action == AXVM_RESUME);
}

/* The record on the run page says "nothing here: serve the ring". */
static void set_nothing(struct axvm_vcpu *vcpu, struct axvm_exit *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = AXVM_EXIT_NOTHING;
	e->vcpu_id = vcpu->id;
}

/*
 * After the hardware layer decoded an exit: serve it in the kernel, or
 * hand it to userspace (ring or run page). Returns an enum
 * axvm_exit_action or a negative errno.
 */
static int route_exit(struct axvm_vcpu *vcpu, struct axvm_exit *e, int action)
{
	int ret;

	if (action == AXVM_USER && serve_in_kernel(vcpu, e))
		action = AXVM_RESUME;
	account_exit(vcpu, e, action);
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

/*
 * Finish what the last AXVM_RUN left pending, before entering the guest.
 * @e is the kernel's record of this AXVM_RUN (a Nothing record in sync
 * ring mode).
 */
static int resume_pending(struct axvm_vcpu *vcpu, struct axvm_run *run,
			  struct axvm_exit *e)
{
	u32 kind = vcpu->pending_exit;
	u32 resp = READ_ONCE(run->response);
	int ret;

	if (vcpu->ring) {
		ret = axvm_ring_collect(vcpu);
		if (ret == AXVM_USER)
			set_nothing(vcpu, e);
		return ret;
	}
	ret = axvm_vmx_complete_exit(vcpu, run);
	if (!ret && kind != AXVM_EXIT_NOTHING)
		axvm_exit_trace_completed(vcpu, kind, resp);
	return ret;
}

/**
 * axvm_vcpu_run() - AXVM_RUN: run the guest until an exit needs userspace
 * @vcpu: the vCPU; its mutex is held
 *
 * Return: 0 with run->exit filled (a Nothing record in sync ring mode:
 * serve the ring), -EINTR for a signal or immediate_exit (the guest can
 * be re-entered), -EINVAL for a bad answer, -EPROTO for a broken ring
 * consumer index, -EIO when the VMX instructions themselves failed (also
 * reported in run->exit), -ESHUTDOWN for a stop request (VM_STOP: once
 * per request) or a deleted VM (VM_DEL: for good); see dev/registry.c.
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
	axvm_vcpu_run_begin(vcpu);
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
		ret = axvm_vmx_enter(vcpu);
		if (ret == -EAGAIN) {
			ret = AXVM_RESUME;
			continue;
		}
		if (ret) {
			memset(&e, 0, sizeof(e));
			e.kind = AXVM_EXIT_INTERNAL_ERROR;
			e.vcpu_id = vcpu->id;
			e.u.internal.suberror = AXVM_INTERNAL_VMX_INSN;
			e.u.internal.data[0] = vcpu->vmx.exit.qualification;
			ret = AXVM_USER;
			break;
		}
		ret = route_exit(vcpu, &e, axvm_vmx_handle_exit(vcpu, &e));
		/* CpuUp/SendIPI records asked for with AXVM_LAPIC_F_* */
		if (ret == AXVM_RESUME && axvm_lapic_take_report(vcpu, &e))
			ret = AXVM_USER;
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
	axvm_vcpu_run_end(vcpu, ret);
	return ret;
}
