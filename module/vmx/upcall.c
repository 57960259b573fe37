// SPDX-License-Identifier: GPL-2.0
/*
 * The backend's static calls up (vmx/upcall.h). Unset until module load
 * registers them; no vCPU can exist before that.
 */
#include "vmx/upcall.h"

DEFINE_STATIC_CALL_NULL(axvm_vmx_up_apic_pending_vector,
	*((struct axvm_vmx_upcalls *)0)->apic_pending_vector);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_apic_accept,
	*((struct axvm_vmx_upcalls *)0)->apic_accept);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_apic_get_cr8,
	*((struct axvm_vmx_upcalls *)0)->apic_get_cr8);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_apic_set_cr8,
	*((struct axvm_vmx_upcalls *)0)->apic_set_cr8);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_apic_rdmsr,
	*((struct axvm_vmx_upcalls *)0)->apic_rdmsr);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_apic_wrmsr,
	*((struct axvm_vmx_upcalls *)0)->apic_wrmsr);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_apic_halt,
	*((struct axvm_vmx_upcalls *)0)->apic_halt);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_gmem_translate,
	*((struct axvm_vmx_upcalls *)0)->gmem_translate);
DEFINE_STATIC_CALL_NULL(axvm_vmx_up_gmem_rw,
	*((struct axvm_vmx_upcalls *)0)->gmem_rw);

/**
 * axvm_vmx_register_upcalls() - point the backend's upcalls at @u
 * @u: every member set; called once, before any vCPU exists
 */
void axvm_vmx_register_upcalls(const struct axvm_vmx_upcalls *u)
{
	static_call_update(axvm_vmx_up_apic_pending_vector,
			   u->apic_pending_vector);
	static_call_update(axvm_vmx_up_apic_accept, u->apic_accept);
	static_call_update(axvm_vmx_up_apic_get_cr8, u->apic_get_cr8);
	static_call_update(axvm_vmx_up_apic_set_cr8, u->apic_set_cr8);
	static_call_update(axvm_vmx_up_apic_rdmsr, u->apic_rdmsr);
	static_call_update(axvm_vmx_up_apic_wrmsr, u->apic_wrmsr);
	static_call_update(axvm_vmx_up_apic_halt, u->apic_halt);
	static_call_update(axvm_vmx_up_gmem_translate, u->gmem_translate);
	static_call_update(axvm_vmx_up_gmem_rw, u->gmem_rw);
}
