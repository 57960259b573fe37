/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exit contract between module/vmx/ (hardware decode) and module/exit/
 * (arch-neutral policy).
 */
#ifndef AXVM_EXIT_EXIT_H
#define AXVM_EXIT_EXIT_H

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

/* vmx/exits.c: decode the last VM exit; table indexed by basic reason. */
int axvm_vmx_handle_exit(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
/* vmx/exits.c: apply userspace's answer to the exit it was given. */
int axvm_vmx_complete_exit(struct axvm_vcpu *vcpu, struct axvm_run *run);

/* exit/npf.c: resolve a nested page fault on guest RAM in the kernel. */
int axvm_exit_nested_page_fault(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

#endif
