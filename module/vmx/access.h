/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the layers above may know of a vCPU's hardware state: guest mode
 * and registers, and the facts of the last exit they need. Small ones are
 * inline (the per-exit path pays no call); exit/, io/ and the run loop
 * read VMX state only through this header, never struct axvm_vmx_vcpu.
 */
#ifndef AXVM_VMX_ACCESS_H
#define AXVM_VMX_ACCESS_H

#include <linux/types.h>
#include "vmx/qual.h"
#include "vmx/vmx.h"

/**
 * struct axvm_guest_mode - guest state that decides how to fetch/decode
 * @cr0: CR0
 * @cr3: CR3
 * @cr4: CR4
 * @efer: EFER
 * @cs_base: CS base
 * @rip: RIP
 * @cs_ar: CS access rights (VMX layout: L bit 13, D/B bit 14)
 * @rflags: RFLAGS (AC decides SMAP for explicit supervisor accesses)
 * @cpl: the current privilege level (axvm_vmx_guest_cpl())
 */
struct axvm_guest_mode {
	u64 cr0, cr3, cr4, efer, cs_base, rip, rflags;
	u32 cs_ar;
	u8 cpl;
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
bool axvm_vmx_has_ept_2m(void);
void axvm_vmx_step_record(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

/**
 * axvm_vmx_step_pending() - did a debugger's step end in emulation?
 * @vcpu: the vCPU about to enter
 *
 * Then the run loop reports it (axvm_vmx_step_record()) instead of
 * entering: the next MTF exit would come one instruction too late.
 *
 * Return: true if a Debug record is due.
 */
static __always_inline bool axvm_vmx_step_pending(struct axvm_vcpu *vcpu)
{
	return unlikely(to_vmx(vcpu)->gdb.step_done);
}

/**
 * axvm_vmx_gprs() - the guest GPRs the backend keeps in memory
 * @vcpu: the vCPU
 *
 * Indexed by enum axvm_gpr; RSP is not among them (it lives in the VMCS:
 * use axvm_vmx_get_gpr()). For the write-back of an answered exit.
 *
 * Return: the array of AXVM_NR_GPRS registers.
 */
static __always_inline unsigned long *axvm_vmx_gprs(struct axvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->gprs;
}

/**
 * axvm_vmx_string_io_active() - does an INS/OUTS element wait for an answer?
 * @vcpu: the vCPU
 *
 * Return: true while the pending port exit is one element of INS/OUTS
 * (the backend completes it, not a device on the bus).
 */
static __always_inline bool axvm_vmx_string_io_active(struct axvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->string_io.active;
}

/**
 * axvm_vmx_hold_events() - keep NMIs and interrupts out until RIP moves
 * @vcpu: the vCPU
 * @on: hold them while the guest's RIP is the exiting instruction's
 *
 * For an instruction that must execute again before anything else (the
 * write half of an MMIO read-modify-write): no event is injected and no
 * window exit requested while RIP is still there; any exit at another RIP
 * (or userspace moving RIP) ends it.
 */
static __always_inline void axvm_vmx_hold_events(struct axvm_vcpu *vcpu, bool on)
{
	to_vmx(vcpu)->hold_events = on;
	to_vmx(vcpu)->hold_rip = to_vmx(vcpu)->exit.rip;
}

/**
 * axvm_vmx_events_held() - is axvm_vmx_hold_events() still in force?
 * @vcpu: the vCPU
 *
 * Return: true until an exit at another RIP ended the hold.
 */
static __always_inline bool axvm_vmx_events_held(struct axvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->hold_events;
}

/**
 * axvm_vmx_string_io_abort() - drop the INS/OUTS element in flight
 * @vcpu: the vCPU (its answer was #GP: the instruction does not go on)
 */
static __always_inline void axvm_vmx_string_io_abort(struct axvm_vcpu *vcpu)
{
	to_vmx(vcpu)->string_io.active = false;
}

/**
 * axvm_vmx_exit_qualification() - the last exit's qualification
 * @vcpu: the vCPU
 *
 * Return: the raw field (also the VM-instruction error after VMfail).
 */
static __always_inline u64 axvm_vmx_exit_qualification(struct axvm_vcpu *vcpu)
{
	return to_vmx(vcpu)->exit.qualification;
}

/**
 * axvm_vmx_npf_data_access() - was the last EPT violation a data access
 * through a linear address?
 * @vcpu: the vCPU, after an EPT violation
 *
 * Only then is there an instruction whose operand can be emulated (SDM
 * Vol. 3C, "Exit Qualification for EPT Violations", Table 28-7, bits 7-8).
 *
 * Return: true for a data access the guest's instruction made.
 */
static __always_inline bool axvm_vmx_npf_data_access(struct axvm_vcpu *vcpu)
{
	return axvm_ept_qual_data_access(to_vmx(vcpu)->exit.qualification);
}

#endif
