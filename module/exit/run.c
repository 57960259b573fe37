// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU run loop (arch-neutral policy): enter, let the hardware layer
 * decode the exit, serve in the kernel what can be served, return the rest
 * to userspace. Like AxVM's run_vcpu, but an exit the kernel cannot handle
 * is reported as what it is, never turned into a Halt.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
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

/*
 * Offer a port or MMIO access to the in-kernel devices; on success the
 * instruction completes here and the guest is re-entered.
 */
static bool serve_in_kernel(struct axvm_vcpu *vcpu, struct axvm_exit *e)
{
	enum axvm_bus bus;
	bool write;
	u64 addr, val = 0;
	u8 width;

	switch (e->kind) {
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
	if (axvm_iobus_access(&vcpu->vm->iobus, bus, addr, width, write, &val))
		return false;
	vcpu->pending_exit = e->kind;
	vcpu->pending_record = *e;
	return !axvm_vmx_finish_exit(vcpu, write ? AXVM_RESP_NONE : AXVM_RESP_DATA,
				     val);
}

/**
 * axvm_vcpu_run() - AXVM_RUN: run the guest until an exit needs userspace
 * @vcpu: the vCPU; its mutex is held
 *
 * Return: 0 with run->exit filled, -EINTR for a signal or immediate_exit
 * (the guest can be re-entered), -EINVAL for a bad answer, -EIO when the
 * VMX instructions themselves failed (also reported in run->exit),
 * -ESHUTDOWN for a stop request (VM_STOP: once per request) or a deleted
 * VM (VM_DEL: for good); see dev/registry.c.
 */
int axvm_vcpu_run(struct axvm_vcpu *vcpu)
{
	struct axvm_run *run = vcpu->run;
	int ret;

	axvm_vcpu_run_begin(vcpu);
	axvm_vmx_vcpu_load(vcpu);
	ret = axvm_vmx_complete_exit(vcpu, run);
	while (!ret) {
		if (axvm_vcpu_stop_requested(vcpu)) {
			ret = -ESHUTDOWN;
			break;
		}
		if (READ_ONCE(run->immediate_exit) || signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
		ret = axvm_vmx_enter(vcpu);
		if (ret == -EAGAIN) {
			ret = 0;
			continue;
		}
		if (ret) {
			memset(&run->exit, 0, sizeof(run->exit));
			run->exit.kind = AXVM_EXIT_INTERNAL_ERROR;
			run->exit.vcpu_id = vcpu->id;
			run->exit.u.internal.suberror = AXVM_INTERNAL_VMX_INSN;
			run->exit.u.internal.data[0] = vcpu->vmx.exit.qualification;
			ret = 0;
			break;
		}
		ret = axvm_vmx_handle_exit(vcpu, &run->exit);
		if (ret == AXVM_USER && serve_in_kernel(vcpu, &run->exit))
			ret = AXVM_RESUME;
		if (ret == AXVM_RESUME)
			vcpu->exits_kernel++;
		if (ret == AXVM_USER) {
			vcpu->exits_user++;
			if (needs_completion(run->exit.kind)) {
				vcpu->pending_exit = run->exit.kind;
				vcpu->pending_record = run->exit;
			}
			ret = 0;
			break;
		}
	}
	axvm_vmx_vcpu_put(vcpu);
	axvm_vcpu_run_end(vcpu, ret);
	return ret;
}
