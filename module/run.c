// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU run loop: enter the guest, let the backend decode the exit and
 * exit policy route it (exit/route.c), until an exit needs userspace, a
 * signal or a stop request comes; a paused VM's vCPUs sleep before entry.
 * Like AxVM's run_vcpu, but an exit the kernel cannot handle is reported
 * as what it is, never turned into a Halt.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include "core.h"
#include "exit/exit.h"
#include "io/lapic.h"
#include "run.h"
#include "vm.h"
#include "vmx/access.h"

/**
 * axvm_vcpu_run() - AXVM_RUN: run the guest until an exit needs userspace
 * @vcpu: the vCPU; its mutex is held
 *
 * Return: 0 with run->exit filled (a Nothing record in sync ring mode:
 * serve the ring), -EINTR for a signal or immediate_exit (the guest can
 * be re-entered), -EINVAL for a bad answer, -EPROTO for a broken ring
 * consumer index, -EIO when the VMX instructions themselves failed (also
 * reported in run->exit), -ESHUTDOWN for a stop request (VM_STOP: once
 * per request) or a deleted VM (VM_DEL: for good); see vm.c.
 */
int axvm_vcpu_run(struct axvm_vcpu *vcpu)
{
	struct axvm_run *run = vcpu->run;
	int ret;

	axvm_vcpu_run_begin(vcpu);
	axvm_vmx_vcpu_load(vcpu);
	ret = axvm_exit_resume_pending(vcpu, run);
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
		if (test_bit(AXVM_VMF_PAUSED, &vcpu->vm->reg.flags)) {
			ret = axvm_vcpu_pause_wait(vcpu);
			if (!ret)
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
		ret = axvm_vmx_enter(vcpu);
		if (ret == -EAGAIN) {
			ret = AXVM_RESUME;
			continue;
		}
		if (ret) {
			/* VMfail: data[0] is the VM-instruction error. */
			ret = axvm_exit_internal_error(vcpu, &run->exit,
					AXVM_INTERNAL_VMX_INSN,
					axvm_vmx_exit_qualification(vcpu));
			break;
		}
		ret = axvm_exit_route(vcpu, &run->exit,
				      axvm_vmx_handle_exit(vcpu, &run->exit));
	}
	if (ret == AXVM_USER)
		ret = 0;
	WRITE_ONCE(run->ready_for_interrupt, axvm_vmx_ready_for_interrupt(vcpu));
	axvm_vmx_vcpu_put(vcpu);
	axvm_vcpu_run_end(vcpu, ret);
	return ret;
}
