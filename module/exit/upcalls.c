// SPDX-License-Identifier: GPL-2.0
/*
 * What the backend asks of the layers above it (vmx/upcall.h): the
 * in-kernel local APIC and guest memory. Registered once
 * at module load; the backend calls them as static calls.
 */
#include "core.h"
#include "exit/exit.h"
#include "exit/gmem.h"
#include "io/lapic.h"
#include "vmx/upcall.h"

static int gmem_rw(struct axvm_vcpu *vcpu, u64 gpa, void *buf,
		   unsigned int len, bool write)
{
	return axvm_gmem_rw(vcpu->vm, gpa, buf, len, write);
}

static const struct axvm_vmx_upcalls upcalls = {
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
