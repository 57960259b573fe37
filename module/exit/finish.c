// SPDX-License-Identifier: GPL-2.0
/*
 * Finishing an exit, in one place: the answer to a pending exit (from
 * userspace through the run page or the exit ring, or from an in-kernel
 * device) is written back into the guest's registers or memory and the
 * instruction is retired. REP string elements (INS/OUTS in the backend,
 * MOVS/STOS to MMIO in exit/mmio.c) step their registers and keep RIP
 * until the last element.
 */
#include <asm/trapnr.h>
#include "core.h"
#include "exit/exit.h"
#include "vmx/access.h"

/* Write an IN result to AL/AX/EAX as the instruction would (EAX zero-extends). */
static void complete_io_read(struct axvm_vcpu *vcpu, const struct axvm_exit *exit)
{
	unsigned long *rax = &axvm_vmx_gprs(vcpu)[AXVM_REG_RAX];
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
 * axvm_exit_finish() - complete the pending exit with an answer
 * @vcpu: loaded vCPU with a pending exit (vcpu->pending_exit)
 * @resp: AXVM_RESP_*
 * @data: the value for read variants (and the hypercall return)
 *
 * Used for userspace's answers and for in-kernel devices alike.
 *
 * Return: 0, or -EINVAL for an answer that does not fit (nothing changes).
 */
int axvm_exit_finish(struct axvm_vcpu *vcpu, u32 resp, u64 data)
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
		axvm_vmx_string_io_abort(vcpu);
		axvm_vmx_queue_exception(vcpu, X86_TRAP_GP, true, 0);
		return 0;
	}
	if (axvm_vmx_string_io_active(vcpu)) {
		/* INS/OUTS: the backend steps RSI/RDI/RCX, RIP at the last. */
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
			axvm_vmx_gprs(vcpu)[AXVM_REG_RAX] = data;
		break;
	case AXVM_EXIT_MMIO_READ:
	case AXVM_EXIT_MMIO_WRITE:
		/* REP MOVS/STOS: RIP stays until the last element. */
		if (!axvm_exit_mmio_complete(vcpu, kind == AXVM_EXIT_MMIO_READ,
					     data))
			return 0;
		break;
	case AXVM_EXIT_SYSREG_READ:
		axvm_vmx_gprs(vcpu)[AXVM_REG_RAX] = (u32)data;
		axvm_vmx_gprs(vcpu)[AXVM_REG_RDX] = data >> 32;
		break;
	}
	axvm_vmx_skip_instruction(vcpu);
	return 0;
}

/**
 * axvm_exit_complete() - finish the instruction userspace answered
 * @vcpu: loaded vCPU
 * @run: the run page (the data field of the answer)
 * @resp: run->response, read once by the caller
 *
 * Only the answer is taken from the shared page; what the exit was (width,
 * port, ...) comes from the kernel's own copy, which userspace cannot
 * change under us.
 *
 * Return: 0, or -EINVAL for a response that does not fit the exit.
 */
int axvm_exit_complete(struct axvm_vcpu *vcpu, struct axvm_run *run, u32 resp)
{
	int ret;

	if (vcpu->pending_exit == AXVM_EXIT_NOTHING)
		return 0;
	ret = axvm_exit_finish(vcpu, resp,
				   axvm_exit_answer(&run->exit, vcpu->pending_exit));
	if (!ret)
		WRITE_ONCE(run->response, AXVM_RESP_NONE);
	return ret;
}
