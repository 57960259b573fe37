// SPDX-License-Identifier: GPL-2.0
/*
 * The backend's static calls up (vmx/upcall.h). Unset until module load
 * registers them; no vCPU can exist before that.
 */
#include "vmx/upcall.h"

#define AXVM_VMX_UPCALL_DEFINE(name)					\
	DEFINE_STATIC_CALL_NULL(axvm_vmx_up_##name,			\
				*(((struct axvm_vmx_upcalls *)0)->name));
AXVM_VMX_UPCALLS(AXVM_VMX_UPCALL_DEFINE)

/**
 * axvm_vmx_register_upcalls() - point the backend's upcalls at @u
 * @u: every member set; called once, before any vCPU exists
 */
void axvm_vmx_register_upcalls(const struct axvm_vmx_upcalls *u)
{
#define AXVM_VMX_UPCALL_SET(name) static_call_update(axvm_vmx_up_##name, u->name);
	AXVM_VMX_UPCALLS(AXVM_VMX_UPCALL_SET)
#undef AXVM_VMX_UPCALL_SET
}
