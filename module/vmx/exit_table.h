/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX exit handler table: one entry per basic exit reason (SDM Vol.
 * 3D, Appendix C), defined on its own in vmx/exit_table.c so that KUnit
 * can check its coverage (tests/kunit/exit_table_test.c) without VMX.
 */
#ifndef AXVM_VMX_EXIT_TABLE_H
#define AXVM_VMX_EXIT_TABLE_H

#include <linux/axvm.h>
#include "vmx/ctl_bits.h"

struct axvm_vcpu;

/* Basic exit reasons 0..79 (Table C-1 of the SDM this code follows). */
#define AXVM_VMX_NR_REASONS	80

/* Not named in every kernel's asm/vmx.h (SDM Vol. 3D, Table C-1). */
#define AXVM_EXIT_REASON_GETSEC	11

/*
 * Every handler decodes one exit into @exit and returns enum
 * axvm_exit_action (vmx/vmx.h) or a negative errno.
 */
typedef int (*axvm_vmx_exit_handler)(struct axvm_vcpu *vcpu,
				     struct axvm_exit *exit);

extern const axvm_vmx_exit_handler axvm_vmx_exit_handlers[AXVM_VMX_NR_REASONS];

/* vmx/exits.c */
int axvm_vmx_exit_exception_nmi(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_external_interrupt(struct axvm_vcpu *vcpu,
				     struct axvm_exit *exit);
int axvm_vmx_exit_triple_fault(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_window(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_cpuid(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_ud(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_hlt(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_rdpmc(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_wbinvd(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_vmcall(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_io(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_failed_entry(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_ept_violation(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_preemption_timer(struct axvm_vcpu *vcpu,
				   struct axvm_exit *exit);
/* vmx/cr.c */
int axvm_vmx_handle_cr(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_handle_xsetbv(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
/* vmx/debug.c */
int axvm_vmx_handle_dr(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_exit_exception(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
/* vmx/guest_debug.c */
int axvm_vmx_exit_mtf(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
/* vmx/msr.c */
int axvm_vmx_handle_rdmsr(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
int axvm_vmx_handle_wrmsr(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

/*
 * The VM-execution controls axvm asks for (vmx/caps.c): required ones
 * fail the probe if missing, optional ones are used when present. Every
 * exit they can cause has a handler (tests/kunit/exit_table_test.c).
 */
#define AXVM_PIN_REQUIRED	(AXVM_PIN_EXT_INTR_EXITING | AXVM_PIN_NMI_EXITING | \
				 AXVM_PIN_VIRTUAL_NMIS)
#define AXVM_PIN_OPTIONAL	AXVM_PIN_PREEMPTION_TIMER
#define AXVM_PROC_REQUIRED	(AXVM_PROC_HLT_EXITING | AXVM_PROC_USE_IO_BITMAPS | \
				 AXVM_PROC_USE_MSR_BITMAPS | AXVM_PROC_MOV_DR_EXITING | \
				 AXVM_PROC_RDPMC_EXITING | AXVM_PROC_MWAIT_EXITING | \
				 AXVM_PROC_MONITOR_EXITING | AXVM_PROC_CR8_LOAD_EXITING | \
				 AXVM_PROC_CR8_STORE_EXITING | AXVM_PROC_SECONDARY)
#define AXVM_PROC_OPTIONAL	AXVM_PROC_TSC_OFFSETTING
/*
 * Set and cleared at run time: the windows (vmx/inject.c), the monitor
 * trap flag of a debugger's single step (vmx/guest_debug.c).
 */
#define AXVM_PROC_DYNAMIC	(AXVM_PROC_INTR_WINDOW_EXITING | \
				 AXVM_PROC_NMI_WINDOW_EXITING | \
				 AXVM_PROC_MONITOR_TRAP_FLAG)
#define AXVM_PROC2_REQUIRED	(AXVM_PROC2_EPT | AXVM_PROC2_UNRESTRICTED_GUEST)
/*
 * Not RDTSCP or XSAVES: they would read the host's TSC_AUX and IA32_XSS
 * until those are switched.
 */
#define AXVM_PROC2_OPTIONAL	(AXVM_PROC2_VPID | AXVM_PROC2_INVPCID | \
				 AXVM_PROC2_WBINVD_EXITING)

#endif
