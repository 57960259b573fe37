// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: coverage of the VMX exit handler table (module/vmx/exit_table.c).
 * Every exit the requested VM-execution controls can cause, every exit
 * the SDM makes unconditional (Vol. 3C, 26.1.2) and the entry-failure
 * reasons must have a handler; VMX instructions in the guest must get
 * #UD; exits axvm never enables stay without a handler, so enabling one
 * without writing its handler fails here.
 */
#include <kunit/test.h>
#include <uapi/asm/vmx.h>

#include "vmx/exit_table.h"

/* Stand-ins for the handlers, each distinct, so the table links here. */
#define STUB(name) \
	int name(struct axvm_vcpu *vcpu, struct axvm_exit *exit) { return __LINE__; }
STUB(axvm_vmx_exit_exception_nmi)
STUB(axvm_vmx_exit_external_interrupt)
STUB(axvm_vmx_exit_triple_fault)
STUB(axvm_vmx_exit_window)
STUB(axvm_vmx_exit_cpuid)
STUB(axvm_vmx_exit_ud)
STUB(axvm_vmx_exit_hlt)
STUB(axvm_vmx_exit_rdpmc)
STUB(axvm_vmx_exit_wbinvd)
STUB(axvm_vmx_exit_vmcall)
STUB(axvm_vmx_exit_io)
STUB(axvm_vmx_exit_failed_entry)
STUB(axvm_vmx_exit_ept_violation)
STUB(axvm_vmx_exit_preemption_timer)
STUB(axvm_vmx_handle_cr)
STUB(axvm_vmx_handle_dr)
STUB(axvm_vmx_handle_xsetbv)
STUB(axvm_vmx_handle_rdmsr)
STUB(axvm_vmx_handle_wrmsr)
STUB(axvm_vmx_exit_mtf)

struct ctl_exit {
	u32 bit;
	u32 reason;
};

/* Control bit → the exit it causes (SDM Vol. 3C, 25.6.1, 25.6.2). */
static const struct ctl_exit pin_exits[] = {
	{ AXVM_PIN_EXT_INTR_EXITING, EXIT_REASON_EXTERNAL_INTERRUPT },
	{ AXVM_PIN_NMI_EXITING, EXIT_REASON_EXCEPTION_NMI },
	{ AXVM_PIN_PREEMPTION_TIMER, EXIT_REASON_PREEMPTION_TIMER },
};

static const struct ctl_exit proc_exits[] = {
	{ AXVM_PROC_INTR_WINDOW_EXITING, EXIT_REASON_INTERRUPT_WINDOW },
	{ AXVM_PROC_NMI_WINDOW_EXITING, EXIT_REASON_NMI_WINDOW },
	{ AXVM_PROC_HLT_EXITING, EXIT_REASON_HLT },
	{ AXVM_PROC_INVLPG_EXITING, EXIT_REASON_INVLPG },
	{ AXVM_PROC_MWAIT_EXITING, EXIT_REASON_MWAIT_INSTRUCTION },
	{ AXVM_PROC_RDPMC_EXITING, EXIT_REASON_RDPMC },
	{ AXVM_PROC_RDTSC_EXITING, EXIT_REASON_RDTSC },
	{ AXVM_PROC_CR3_LOAD_EXITING, EXIT_REASON_CR_ACCESS },
	{ AXVM_PROC_CR3_STORE_EXITING, EXIT_REASON_CR_ACCESS },
	{ AXVM_PROC_CR8_LOAD_EXITING, EXIT_REASON_CR_ACCESS },
	{ AXVM_PROC_CR8_STORE_EXITING, EXIT_REASON_CR_ACCESS },
	{ AXVM_PROC_MOV_DR_EXITING, EXIT_REASON_DR_ACCESS },
	{ AXVM_PROC_UNCOND_IO_EXITING, EXIT_REASON_IO_INSTRUCTION },
	{ AXVM_PROC_USE_IO_BITMAPS, EXIT_REASON_IO_INSTRUCTION },
	{ AXVM_PROC_USE_MSR_BITMAPS, EXIT_REASON_MSR_READ },
	{ AXVM_PROC_USE_MSR_BITMAPS, EXIT_REASON_MSR_WRITE },
	{ AXVM_PROC_MONITOR_EXITING, EXIT_REASON_MONITOR_INSTRUCTION },
	{ AXVM_PROC_PAUSE_EXITING, EXIT_REASON_PAUSE_INSTRUCTION },
	{ AXVM_PROC_MONITOR_TRAP_FLAG, EXIT_REASON_MONITOR_TRAP_FLAG },
};

static const struct ctl_exit proc2_exits[] = {
	{ AXVM_PROC2_EPT, EXIT_REASON_EPT_VIOLATION },
	{ AXVM_PROC2_WBINVD_EXITING, EXIT_REASON_WBINVD },
	{ AXVM_PROC2_RDRAND_EXITING, EXIT_REASON_RDRAND },
	{ AXVM_PROC2_RDSEED_EXITING, EXIT_REASON_RDSEED },
	{ AXVM_PROC2_DESC_EXITING, EXIT_REASON_GDTR_IDTR },
	{ AXVM_PROC2_DESC_EXITING, EXIT_REASON_LDTR_TR },
	{ AXVM_PROC2_PAUSE_LOOP_EXITING, EXIT_REASON_PAUSE_INSTRUCTION },
	{ AXVM_PROC2_XSAVES, EXIT_REASON_XSAVES },
	{ AXVM_PROC2_PML, EXIT_REASON_PML_FULL },
};

static bool handled(u32 reason)
{
	return reason < AXVM_VMX_NR_REASONS && axvm_vmx_exit_handlers[reason];
}

static void check_ctls(struct kunit *test, const char *what,
		       const struct ctl_exit *t, size_t n, u32 requested)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (requested & t[i].bit)
			KUNIT_EXPECT_TRUE_MSG(test, handled(t[i].reason),
					      "%s control %#x is requested but exit %u has no handler",
					      what, t[i].bit, t[i].reason);
}

static void requested_controls_are_handled(struct kunit *test)
{
	check_ctls(test, "pin", pin_exits, ARRAY_SIZE(pin_exits),
		   AXVM_PIN_REQUIRED | AXVM_PIN_OPTIONAL);
	check_ctls(test, "proc", proc_exits, ARRAY_SIZE(proc_exits),
		   AXVM_PROC_REQUIRED | AXVM_PROC_OPTIONAL | AXVM_PROC_DYNAMIC |
		   /* default1 on CPUs without TRUE controls (A.3.2) */
		   AXVM_PROC_CR3_LOAD_EXITING | AXVM_PROC_CR3_STORE_EXITING);
	check_ctls(test, "proc2", proc2_exits, ARRAY_SIZE(proc2_exits),
		   AXVM_PROC2_REQUIRED | AXVM_PROC2_OPTIONAL);
}

static void unrequested_exits_have_no_handler(struct kunit *test)
{
	/* The exits of controls axvm does not set: none may be half done. */
	static const u32 never[] = {
		EXIT_REASON_INVLPG, EXIT_REASON_RDTSC,
		EXIT_REASON_PAUSE_INSTRUCTION,
		EXIT_REASON_RDRAND, EXIT_REASON_RDSEED, EXIT_REASON_GDTR_IDTR,
		EXIT_REASON_LDTR_TR, EXIT_REASON_XSAVES, EXIT_REASON_PML_FULL,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(never); i++)
		KUNIT_EXPECT_FALSE_MSG(test, handled(never[i]),
				       "exit %u has a handler but no control enables it",
				       never[i]);
}

static void unconditional_exits_are_handled(struct kunit *test)
{
	/* SDM Vol. 3C, 26.1.2, and the failures of VM entry (26.8). */
	static const u32 always[] = {
		EXIT_REASON_TRIPLE_FAULT, EXIT_REASON_CPUID,
		AXVM_EXIT_REASON_GETSEC, EXIT_REASON_INVD, EXIT_REASON_XSETBV,
		EXIT_REASON_VMCALL, EXIT_REASON_INVALID_STATE,
		EXIT_REASON_MSR_LOAD_FAIL,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(always); i++)
		KUNIT_EXPECT_TRUE_MSG(test, handled(always[i]),
				      "unconditional exit %u has no handler",
				      always[i]);
	KUNIT_EXPECT_TRUE(test, axvm_vmx_exit_handlers[EXIT_REASON_INVALID_STATE] ==
			  axvm_vmx_exit_failed_entry);
	KUNIT_EXPECT_TRUE(test, axvm_vmx_exit_handlers[EXIT_REASON_TRIPLE_FAULT] ==
			  axvm_vmx_exit_triple_fault);
}

static void vmx_instructions_get_ud(struct kunit *test)
{
	/* No nested VMX: the guest sees #UD, as without VMX (26.1.2). */
	static const u32 vmx_insns[] = {
		EXIT_REASON_VMCLEAR, EXIT_REASON_VMLAUNCH, EXIT_REASON_VMPTRLD,
		EXIT_REASON_VMPTRST, EXIT_REASON_VMREAD, EXIT_REASON_VMRESUME,
		EXIT_REASON_VMWRITE, EXIT_REASON_VMOFF, EXIT_REASON_VMON,
		EXIT_REASON_INVEPT, EXIT_REASON_INVVPID, AXVM_EXIT_REASON_GETSEC,
		EXIT_REASON_INVD, EXIT_REASON_MWAIT_INSTRUCTION,
		EXIT_REASON_MONITOR_INSTRUCTION,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vmx_insns); i++)
		KUNIT_EXPECT_TRUE_MSG(test, axvm_vmx_exit_handlers[vmx_insns[i]] ==
				      axvm_vmx_exit_ud, "exit %u", vmx_insns[i]);
	/* VMCALL is the hypercall, not #UD. */
	KUNIT_EXPECT_TRUE(test, axvm_vmx_exit_handlers[EXIT_REASON_VMCALL] ==
			  axvm_vmx_exit_vmcall);
}

static struct kunit_case exit_table_cases[] = {
	KUNIT_CASE(requested_controls_are_handled),
	KUNIT_CASE(unrequested_exits_have_no_handler),
	KUNIT_CASE(unconditional_exits_are_handled),
	KUNIT_CASE(vmx_instructions_get_ud),
	{}
};

static struct kunit_suite exit_table_suite = {
	.name = "axvm_vmx_exit_table",
	.test_cases = exit_table_cases,
};
kunit_test_suite(exit_table_suite);
