// SPDX-License-Identifier: GPL-2.0
/*
 * The exit handler table, indexed by basic exit reason. A reason without
 * an entry is reported as AXVM_INTERNAL_UNKNOWN_EXIT, never as a Halt.
 * Every reason the VM-execution controls of vmx/vmcs.c can produce, and
 * every unconditional one the guest can trigger, has an entry (checked by
 * tests/kunit/exit_table_test.c).
 */
#include <uapi/asm/vmx.h>
#include "vmx/exit_table.h"

const axvm_vmx_exit_handler axvm_vmx_exit_handlers[AXVM_VMX_NR_REASONS] = {
	[EXIT_REASON_EXCEPTION_NMI]	= axvm_vmx_exit_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = axvm_vmx_exit_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]	= axvm_vmx_exit_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]	= axvm_vmx_exit_window,
	[EXIT_REASON_NMI_WINDOW]	= axvm_vmx_exit_window,
	[EXIT_REASON_CPUID]		= axvm_vmx_exit_cpuid,
	[AXVM_EXIT_REASON_GETSEC]	= axvm_vmx_exit_ud,
	[EXIT_REASON_HLT]		= axvm_vmx_exit_hlt,
	[EXIT_REASON_INVD]		= axvm_vmx_exit_ud,
	[EXIT_REASON_RDPMC]		= axvm_vmx_exit_rdpmc,
	[EXIT_REASON_VMCALL]		= axvm_vmx_exit_vmcall,
	[EXIT_REASON_VMCLEAR]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMLAUNCH]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMPTRLD]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMPTRST]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMREAD]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMRESUME]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMWRITE]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMOFF]		= axvm_vmx_exit_ud,
	[EXIT_REASON_VMON]		= axvm_vmx_exit_ud,
	[EXIT_REASON_CR_ACCESS]		= axvm_vmx_handle_cr,
	[EXIT_REASON_DR_ACCESS]		= axvm_vmx_handle_dr,
	[EXIT_REASON_IO_INSTRUCTION]	= axvm_vmx_exit_io,
	[EXIT_REASON_MSR_READ]		= axvm_vmx_handle_rdmsr,
	[EXIT_REASON_MSR_WRITE]		= axvm_vmx_handle_wrmsr,
	[EXIT_REASON_INVALID_STATE]	= axvm_vmx_exit_failed_entry,
	[EXIT_REASON_MSR_LOAD_FAIL]	= axvm_vmx_exit_failed_entry,
	[EXIT_REASON_MWAIT_INSTRUCTION]	= axvm_vmx_exit_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION] = axvm_vmx_exit_ud,
	[EXIT_REASON_EPT_VIOLATION]	= axvm_vmx_exit_ept_violation,
	[EXIT_REASON_INVEPT]		= axvm_vmx_exit_ud,
	[EXIT_REASON_PREEMPTION_TIMER]	= axvm_vmx_exit_preemption_timer,
	[EXIT_REASON_INVVPID]		= axvm_vmx_exit_ud,
	[EXIT_REASON_WBINVD]		= axvm_vmx_exit_wbinvd,
	[EXIT_REASON_XSETBV]		= axvm_vmx_handle_xsetbv,
	[EXIT_REASON_MONITOR_TRAP_FLAG]	= axvm_vmx_exit_mtf,
};
