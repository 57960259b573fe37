// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: names of VMX basic exit reasons and exit kinds (the tables of
 * linux/axvm_names.h, shared with the module and the selftests), VM
 * states and events.
 */
#include <stdio.h>

#include <linux/axvm.h>
#include <linux/axvm_genl.h>
#include <linux/axvm_names.h>

#include "axctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define REASON_NAME(n, name) [n] = name,
static const char *const vmx_reasons[] = {
	AXVM_VMX_REASON_NAMES(REASON_NAME)
};

const char *vmx_reason_name(uint32_t reason)
{
	return reason < ARRAY_SIZE(vmx_reasons) ? vmx_reasons[reason] : NULL;
}

#define KIND_NAME(k, name, rec) [k] = name,
static const char *const exit_kinds[] = {
	AXVM_EXIT_KIND_NAMES(KIND_NAME)
};

static const char *numbered(const char *prefix, uint32_t n)
{
	static __thread char buf[32];

	snprintf(buf, sizeof(buf), "%s%u", prefix, n);
	return buf;
}

const char *exit_kind_name(uint32_t kind)
{
	if (kind < ARRAY_SIZE(exit_kinds) && exit_kinds[kind])
		return exit_kinds[kind];
	return numbered("KIND_", kind);
}

const char *vm_state_name(uint32_t state)
{
	switch (state) {
	case AXVM_VM_CREATED:
		return "created";
	case AXVM_VM_RUNNING:
		return "running";
	case AXVM_VM_STOPPED:
		return "stopped";
	case AXVM_VM_PAUSED:
		return "paused";
	}
	return numbered("state-", state);
}

const char *genl_event_name(uint32_t ev)
{
	switch (ev) {
	case AXVM_EV_CREATED:
		return "created";
	case AXVM_EV_STARTED:
		return "started";
	case AXVM_EV_STOPPED:
		return "stopped";
	case AXVM_EV_DESTROYED:
		return "destroyed";
	case AXVM_EV_VCPU_EXIT:
		return "vcpu-exit";
	case AXVM_EV_PAUSED:
		return "paused";
	case AXVM_EV_RESUMED:
		return "resumed";
	}
	return numbered("event-", ev);
}
