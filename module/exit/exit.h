/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit contract between module/vmx/ (hardware decode) and module/exit/
 * (arch-neutral policy).
 */
#ifndef AXVM_EXIT_EXIT_H
#define AXVM_EXIT_EXIT_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/axvm.h>

struct axvm_vcpu;

/**
 * enum axvm_exit_action - what a handler decided; the one return contract
 * @AXVM_RESUME: handled, re-enter the guest
 * @AXVM_USER: the exit record is filled: return to userspace
 *
 * A negative errno instead ends AXVM_RUN with that error (host-side
 * failure, e.g. -ENOMEM); guest misbehaviour is never an errno but a
 * record (SystemDown, InternalError, ...).
 */
enum axvm_exit_action {
	AXVM_RESUME = 0,
	AXVM_USER = 1,
};

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

/* vmx/exits.c: decode the last VM exit; table indexed by basic reason. */
int axvm_vmx_handle_exit(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
/* vmx/exits.c: apply userspace's (or a device's) answer to an exit. */
int axvm_vmx_complete_exit(struct axvm_vcpu *vcpu, struct axvm_run *run);
int axvm_vmx_finish_exit(struct axvm_vcpu *vcpu, u32 resp, u64 data);

/**
 * struct axvm_guest_mode - guest state that decides how to fetch/decode
 * @cr0: CR0
 * @cr3: CR3
 * @cr4: CR4
 * @efer: EFER
 * @cs_base: CS base
 * @rip: RIP
 * @cs_ar: CS access rights (VMX layout: L bit 13, D/B bit 14)
 */
struct axvm_guest_mode {
	u64 cr0, cr3, cr4, efer, cs_base, rip;
	u32 cs_ar;
};

/* vmx/state.c: accessors for arch-neutral policy code. */
void axvm_vmx_read_mode(struct axvm_vcpu *vcpu, struct axvm_guest_mode *m);
u64 axvm_vmx_get_rflags(struct axvm_vcpu *vcpu);
void axvm_vmx_set_rflags(struct axvm_vcpu *vcpu, u64 rflags);
u64 axvm_vmx_seg_base(struct axvm_vcpu *vcpu, unsigned int seg);
u64 axvm_vmx_guest_linear(struct axvm_vcpu *vcpu);
u64 axvm_vmx_get_gpr(struct axvm_vcpu *vcpu, unsigned int reg);
void axvm_vmx_set_gpr(struct axvm_vcpu *vcpu, unsigned int reg, u64 val);
void axvm_vmx_set_inst_len(struct axvm_vcpu *vcpu, unsigned int len);
void axvm_vmx_restart_instruction(struct axvm_vcpu *vcpu);

/* exit/run.c: the axvm_complete latency of a forwarded record */
void axvm_exit_note_forwarded(struct axvm_vcpu *vcpu);
void axvm_exit_trace_completed(struct axvm_vcpu *vcpu, u32 kind, u32 resp);

/* exit/mmio.c */
int axvm_exit_mmio(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
bool axvm_exit_mmio_complete(struct axvm_vcpu *vcpu, bool read, u64 data);

/* exit/gmem.c: translate a guest linear address through guest paging. */
int axvm_gmem_translate(struct axvm_vcpu *vcpu, u64 la, unsigned int access,
			u64 *gpa);

/* exit/npf.c: resolve a nested page fault on guest RAM in the kernel. */
int axvm_exit_nested_page_fault(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

#endif
