// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: the vCPU state rules of a multi-vCPU VM (see smp.h).
 */
#include "smp.h"

enum halt_action smp_halt_action(bool lapic, unsigned int id, bool if_set)
{
	if (!if_set)
		return id == 0 ? HALT_END : HALT_PARK;
	if (lapic)
		return HALT_RESUME;
	/* Without the LAPIC only vCPU 0 runs: an AP here is a surprise. */
	return id == 0 ? HALT_WAIT_PIC : HALT_END;
}

bool smp_vm_over(const enum vcpu_state *states, unsigned int n)
{
	unsigned int i;
	bool running = false;

	for (i = 0; i < n; i++) {
		if (states[i] == VCPU_HALTED)
			return true;
		if (states[i] == VCPU_RUNNING)
			running = true;
	}
	return !running;
}

enum vcpu_state smp_initial_state(bool lapic, unsigned int id)
{
	return id == 0 || lapic ? VCPU_RUNNING : VCPU_IDLE;
}

const char *vcpu_state_name(enum vcpu_state s)
{
	switch (s) {
	case VCPU_IDLE:
		return "idle";
	case VCPU_RUNNING:
		return "running";
	case VCPU_PARKED:
		return "parked";
	case VCPU_HALTED:
		return "halted";
	}
	return "?";
}
