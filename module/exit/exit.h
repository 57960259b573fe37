/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit policy (module/exit/): what the run loop and the control plane call
 * to route, serve, forward and finish exits. The contract with the backend
 * below (enum axvm_exit_action, accessors) is in vmx/vmx.h, vmx/access.h.
 */
#ifndef AXVM_EXIT_EXIT_H
#define AXVM_EXIT_EXIT_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/axvm.h>
#include "vmx/vmx.h"

struct axvm_vcpu;

/**
 * axvm_exit_answer() - the answer userspace wrote into a shared record
 * @e: the record in shared memory (run page or ring slot)
 * @kind: what the exit was, from the kernel's own copy (never @e->kind)
 *
 * Read once: userspace may change it under us.
 *
 * Return: the read variant's data, the hypercall's return value, or 0.
 */
static inline u64 axvm_exit_answer(const struct axvm_exit *e, u32 kind)
{
	switch (kind) {
	case AXVM_EXIT_IO_READ:
		return READ_ONCE(e->u.io_read.data);
	case AXVM_EXIT_MMIO_READ:
		return READ_ONCE(e->u.mmio_read.data);
	case AXVM_EXIT_SYSREG_READ:
		return READ_ONCE(e->u.sysreg_read.data);
	case AXVM_EXIT_HYPERCALL:
		return READ_ONCE(e->u.hypercall.ret);
	}
	return 0;
}

/* exit/finish.c: apply userspace's (or a device's) answer to an exit. */
int axvm_exit_complete(struct axvm_vcpu *vcpu, struct axvm_run *run, u32 resp);
int axvm_exit_finish(struct axvm_vcpu *vcpu, u32 resp, u64 data);

/* exit/run.c: the run loop; every exit passes its one choke point. */
int axvm_vcpu_run(struct axvm_vcpu *vcpu);
int axvm_exit_internal_error(struct axvm_vcpu *vcpu, struct axvm_exit *e,
			     u32 suberror, u64 data);
/* exit/run.c: the axvm_complete latency of a forwarded record */
void axvm_exit_note_forwarded(struct axvm_vcpu *vcpu);
void axvm_exit_trace_completed(struct axvm_vcpu *vcpu, u32 kind, u32 resp);

/* exit/upcalls.c: connect the backend's upcalls (vmx/upcall.h). */
void axvm_exit_register(void);

/* exit/mmio.c */
int axvm_exit_mmio(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
bool axvm_exit_mmio_complete(struct axvm_vcpu *vcpu, bool read, u64 data);

/*
 * exit/gmem.c: translate a guest linear address through guest paging,
 * with the privilege of the emulated access; raise its fault in the guest.
 */
struct axvm_gwalk_result;
int axvm_gmem_walk(struct axvm_vcpu *vcpu, u64 la, unsigned int access,
		   struct axvm_gwalk_result *res);
void axvm_gmem_raise(struct axvm_vcpu *vcpu, u64 la, int walk,
		     const struct axvm_gwalk_result *res);
int axvm_gmem_translate(struct axvm_vcpu *vcpu, u64 la, unsigned int access,
			u64 *gpa);

/* exit/npf.c: resolve a nested page fault on guest RAM in the kernel. */
int axvm_exit_nested_page_fault(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

#endif
