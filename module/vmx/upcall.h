/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend's calls up: what vmx/ needs from the layers above it (the
 * in-kernel local APIC, guest memory) without naming them.
 * The upper layer registers one struct axvm_vmx_upcalls at module load
 * (exit/upcalls.c); each member becomes a static call, as KVM turns
 * kvm_x86_ops into static calls: a direct call on the per-exit path, no
 * indirect branch, and the backend still depends on nothing above it.
 */
#ifndef AXVM_VMX_UPCALL_H
#define AXVM_VMX_UPCALL_H

#include <linux/static_call.h>
#include <linux/types.h>

struct axvm_vcpu;

/**
 * struct axvm_vmx_upcalls - services of the layers above the backend
 * @apic_pending_vector: highest deliverable in-kernel APIC vector, or -1
 * @apic_accept: the APIC's @vector was injected (IRR to ISR)
 * @apic_get_cr8: the TPR as CR8
 * @apic_set_cr8: MOV to CR8 sets the TPR
 * @apic_rdmsr: read an APIC MSR; 0 or nonzero for #GP
 * @apic_wrmsr: write an APIC MSR at guest TSC @tsc; 0 or nonzero for #GP
 * @apic_halt: HLT with interrupts on: sleep until an interrupt comes
 * @gmem_translate: guest linear to guest physical through guest paging,
 *	with the privilege of the access being emulated; 0, a positive value
 *	when the guest's paging refused it and the fault is queued for the
 *	guest, or a negative errno
 * @gmem_rw: copy to or from guest RAM
 *
 * The apic_* ones are called only for a vCPU created with
 * apic_in_kernel (struct axvm_vmx_vcpu_info).
 */
struct axvm_vmx_upcalls {
	int (*apic_pending_vector)(struct axvm_vcpu *vcpu);
	void (*apic_accept)(struct axvm_vcpu *vcpu, int vector);
	u64 (*apic_get_cr8)(struct axvm_vcpu *vcpu);
	void (*apic_set_cr8)(struct axvm_vcpu *vcpu, u64 val);
	int (*apic_rdmsr)(struct axvm_vcpu *vcpu, u32 msr, u64 tsc, u64 *val);
	int (*apic_wrmsr)(struct axvm_vcpu *vcpu, u32 msr, u64 val, u64 tsc);
	void (*apic_halt)(struct axvm_vcpu *vcpu);
	int (*gmem_translate)(struct axvm_vcpu *vcpu, u64 la,
			      unsigned int access, u64 *gpa);
	int (*gmem_rw)(struct axvm_vcpu *vcpu, u64 gpa, void *buf,
		       unsigned int len, bool write);
};

/* One static call per member (vmx/upcall.c defines them). */
DECLARE_STATIC_CALL(axvm_vmx_up_apic_pending_vector,
	*((struct axvm_vmx_upcalls *)0)->apic_pending_vector);
DECLARE_STATIC_CALL(axvm_vmx_up_apic_accept,
	*((struct axvm_vmx_upcalls *)0)->apic_accept);
DECLARE_STATIC_CALL(axvm_vmx_up_apic_get_cr8,
	*((struct axvm_vmx_upcalls *)0)->apic_get_cr8);
DECLARE_STATIC_CALL(axvm_vmx_up_apic_set_cr8,
	*((struct axvm_vmx_upcalls *)0)->apic_set_cr8);
DECLARE_STATIC_CALL(axvm_vmx_up_apic_rdmsr,
	*((struct axvm_vmx_upcalls *)0)->apic_rdmsr);
DECLARE_STATIC_CALL(axvm_vmx_up_apic_wrmsr,
	*((struct axvm_vmx_upcalls *)0)->apic_wrmsr);
DECLARE_STATIC_CALL(axvm_vmx_up_apic_halt,
	*((struct axvm_vmx_upcalls *)0)->apic_halt);
DECLARE_STATIC_CALL(axvm_vmx_up_gmem_translate,
	*((struct axvm_vmx_upcalls *)0)->gmem_translate);
DECLARE_STATIC_CALL(axvm_vmx_up_gmem_rw,
	*((struct axvm_vmx_upcalls *)0)->gmem_rw);

/* Call upcall @name of the registered struct axvm_vmx_upcalls. */
#define axvm_vmx_up(name)	static_call(axvm_vmx_up_##name)

void axvm_vmx_register_upcalls(const struct axvm_vmx_upcalls *u);

#endif
