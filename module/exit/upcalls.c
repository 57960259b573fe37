// SPDX-License-Identifier: GPL-2.0
/*
 * What the backend asks of the layers above it (vmx/upcall.h): the CPUID
 * a guest sees, the in-kernel local APIC and guest memory. Registered once
 * at module load; the backend calls them as static calls.
 */
#include <linux/rcupdate.h>
#include <asm/msr-index.h>
#include "core.h"
#include "exit/cpuid.h"
#include "exit/exit.h"
#include "exit/gmem.h"
#include "io/lapic.h"
#include "vmx/upcall.h"

static bool apic_globally_enabled(struct axvm_vcpu *vcpu)
{
	u64 base = 0;

	return axvm_lapic_rdmsr(vcpu, MSR_IA32_APICBASE, 0, &base) ||
	       (base & MSR_IA32_APICBASE_ENABLE);
}

/**
 * axvm_exit_cpuid() - the CPUID leaf a guest sees
 * @vcpu: the vCPU that executed CPUID
 * @fn: EAX, the leaf
 * @idx: ECX, the subleaf
 * @r: out: EAX, EBX, ECX, EDX
 *
 * The VM's table (AXVM_SET_CPUID, or the default) with the per-vCPU
 * values: initial APIC ID, x2APIC and TSC-deadline with an in-kernel APIC,
 * the x2APIC topology ID. Leaves not in the table read as zeros. The
 * backend adds what mirrors its own state (OSXSAVE).
 */
void axvm_exit_cpuid(struct axvm_vcpu *vcpu, u32 fn, u32 idx, u32 *r)
{
	const struct axvm_cpuid_entry *e;

	r[0] = r[1] = r[2] = r[3] = 0;
	rcu_read_lock();
	e = axvm_cpuid_lookup(rcu_dereference(vcpu->vm->cpuid), fn, idx);
	if (e) {
		r[0] = e->eax;
		r[1] = e->ebx;
		r[2] = e->ecx;
		r[3] = e->edx;
	}
	rcu_read_unlock();
	/* Initial APIC ID in EBX[31:24] (SDM Vol. 2A, CPUID, Table 3-8). */
	if (fn == 1) {
		r[1] = (r[1] & 0x00ffffff) | vcpu->id << 24;
		/* The in-kernel APIC has x2APIC mode and TSC-deadline. */
		if (vcpu->lapic)
			r[2] |= BIT(21) | BIT(24);
		/*
		 * IA32_APIC_BASE.EN clear: the APIC is globally disabled and
		 * CPUID.1:EDX.APIC reads 0 (SDM Vol. 3A, 10.4.3), as in KVM.
		 * Without an in-kernel APIC the backend applies its own MSR.
		 */
		if (vcpu->lapic && !apic_globally_enabled(vcpu))
			r[3] &= ~BIT(9);
	} else if (fn == 7 && idx == 0) {
		r[2] &= ~(BIT(3) | BIT(4));	/* PKU/OSPKE: CR4.PKE is refused */
	} else if (fn == 0xb || fn == 0x1f) {
		r[3] = vcpu->id;
	}
}

static int gmem_rw(struct axvm_vcpu *vcpu, u64 gpa, void *buf,
		   unsigned int len, bool write)
{
	return axvm_gmem_rw(vcpu->vm, gpa, buf, len, write);
}

static const struct axvm_vmx_upcalls upcalls = {
	.cpuid = axvm_exit_cpuid,
	.apic_pending_vector = axvm_lapic_pending_vector,
	.apic_accept = axvm_lapic_accept,
	.apic_get_cr8 = axvm_lapic_get_cr8,
	.apic_set_cr8 = axvm_lapic_set_cr8,
	.apic_rdmsr = axvm_lapic_rdmsr,
	.apic_wrmsr = axvm_lapic_wrmsr,
	.apic_halt = axvm_lapic_halt,
	.gmem_translate = axvm_gmem_translate,
	.gmem_rw = gmem_rw,
};

/**
 * axvm_exit_register() - connect the backend's upcalls to this layer
 *
 * Called once at module load, before any vCPU exists.
 */
void axvm_exit_register(void)
{
	axvm_vmx_register_upcalls(&upcalls);
}
