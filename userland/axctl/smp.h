/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl start: what the VMM does with the vCPUs of a multi-vCPU VM, as
 * pure functions (no ioctls) so that the host unit tests can check them.
 *
 * With the in-kernel local APIC (AXVM_CAP_LAPIC) every vCPU has a thread
 * in AXVM_RUN: the APs sleep in the kernel until the guest's INIT/SIPI, a
 * HLT with IF=1 sleeps in the kernel until an interrupt comes, so a Halt
 * record means IF=0. Without it only vCPU 0 runs and a HLT with IF=1
 * waits in axctl for the PIC.
 */
#ifndef AXCTL_SMP_H
#define AXCTL_SMP_H

#include <stdbool.h>

enum vcpu_state {
	VCPU_IDLE,	/* never runs guest code (an AP without the LAPIC) */
	VCPU_RUNNING,	/* in its run loop (an AP perhaps still waiting for SIPI) */
	VCPU_PARKED,	/* halted with IF=0 (or stopped): only INIT could wake it */
	VCPU_HALTED,	/* halted for good, the VM ends (vCPU 0 with IF=0) */
};

enum halt_action {
	HALT_END,	/* vCPU 0, IF=0: the VM ends ("guest halted") */
	HALT_PARK,	/* an AP with IF=0: its thread parks, the VM goes on */
	HALT_WAIT_PIC,	/* no LAPIC, vCPU 0, IF=1: wait in axctl for the PIC */
	HALT_RESUME,	/* LAPIC, IF=1 (the kernel should have slept): run again */
};

/* What a Halt record of vCPU id means. */
enum halt_action smp_halt_action(bool lapic, unsigned int id, bool if_set);

/*
 * After a state change: does the VM end? True when a vCPU is
 * VCPU_HALTED, or when no vCPU is left running (all parked or idle).
 */
bool smp_vm_over(const enum vcpu_state *states, unsigned int n);

/* The state a vCPU's thread starts in. */
enum vcpu_state smp_initial_state(bool lapic, unsigned int id);

const char *vcpu_state_name(enum vcpu_state s);

#endif
