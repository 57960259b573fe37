/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Names of axvm's exit kinds and of the VMX basic exit reasons, once, for
 * the module's tracepoints (module/axvm_trace.h), axctl and the selftests.
 * X-macro lists, like VMX_EXIT_REASONS in Linux's uapi asm/vmx.h: the user
 * defines X and expands the list into a table, a switch or a trace symbol
 * list.
 */
#ifndef _UAPI_LINUX_AXVM_NAMES_H
#define _UAPI_LINUX_AXVM_NAMES_H

/*
 * X(kind, NAME, RecordName) for every enum axvm_exit_kind (linux/axvm.h):
 * NAME as axctl and the selftests print it, RecordName as the records are
 * called in Documentation/ and in the trace output.
 */
#define AXVM_EXIT_KIND_NAMES(X) \
	X(AXVM_EXIT_NOTHING, "NOTHING", "Nothing") \
	X(AXVM_EXIT_HYPERCALL, "HYPERCALL", "Hypercall") \
	X(AXVM_EXIT_MMIO_READ, "MMIO_READ", "MmioRead") \
	X(AXVM_EXIT_MMIO_WRITE, "MMIO_WRITE", "MmioWrite") \
	X(AXVM_EXIT_SYSREG_READ, "SYSREG_READ", "SysRegRead") \
	X(AXVM_EXIT_SYSREG_WRITE, "SYSREG_WRITE", "SysRegWrite") \
	X(AXVM_EXIT_IO_READ, "IO_READ", "IoRead") \
	X(AXVM_EXIT_IO_WRITE, "IO_WRITE", "IoWrite") \
	X(AXVM_EXIT_EXTERNAL_INTERRUPT, "EXTERNAL_INTERRUPT", "ExternalInterrupt") \
	X(AXVM_EXIT_NESTED_PAGE_FAULT, "NESTED_PAGE_FAULT", "NestedPageFault") \
	X(AXVM_EXIT_HALT, "HALT", "Halt") \
	X(AXVM_EXIT_CPU_UP, "CPU_UP", "CpuUp") \
	X(AXVM_EXIT_CPU_DOWN, "CPU_DOWN", "CpuDown") \
	X(AXVM_EXIT_SYSTEM_DOWN, "SYSTEM_DOWN", "SystemDown") \
	X(AXVM_EXIT_SEND_IPI, "SEND_IPI", "SendIPI") \
	X(AXVM_EXIT_FAIL_ENTRY, "FAIL_ENTRY", "FailEntry") \
	X(AXVM_EXIT_INTERNAL_ERROR, "INTERNAL_ERROR", "InternalError") \
	X(AXVM_EXIT_DEBUG, "DEBUG", "Debug")

/*
 * X(reason, NAME) for the VMX basic exit reasons (Intel SDM, Vol. 3D,
 * Appendix C "VMX Basic Exit Reasons", Table C-1), spelled as Linux's
 * asm/vmx.h spells them without the EXIT_REASON_ prefix. Numbers with no
 * name are reserved.
 */
#define AXVM_VMX_REASON_NAMES(X) \
	X(0, "EXCEPTION_NMI") \
	X(1, "EXTERNAL_INTERRUPT") \
	X(2, "TRIPLE_FAULT") \
	X(3, "INIT_SIGNAL") \
	X(4, "SIPI") \
	X(5, "IO_SMI") \
	X(6, "OTHER_SMI") \
	X(7, "INTERRUPT_WINDOW") \
	X(8, "NMI_WINDOW") \
	X(9, "TASK_SWITCH") \
	X(10, "CPUID") \
	X(11, "GETSEC") \
	X(12, "HLT") \
	X(13, "INVD") \
	X(14, "INVLPG") \
	X(15, "RDPMC") \
	X(16, "RDTSC") \
	X(17, "RSM") \
	X(18, "VMCALL") \
	X(19, "VMCLEAR") \
	X(20, "VMLAUNCH") \
	X(21, "VMPTRLD") \
	X(22, "VMPTRST") \
	X(23, "VMREAD") \
	X(24, "VMRESUME") \
	X(25, "VMWRITE") \
	X(26, "VMXOFF") \
	X(27, "VMXON") \
	X(28, "CR_ACCESS") \
	X(29, "DR_ACCESS") \
	X(30, "IO_INSTRUCTION") \
	X(31, "MSR_READ") \
	X(32, "MSR_WRITE") \
	X(33, "INVALID_STATE") \
	X(34, "MSR_LOAD_FAIL") \
	X(36, "MWAIT") \
	X(37, "MONITOR_TRAP_FLAG") \
	X(39, "MONITOR") \
	X(40, "PAUSE") \
	X(41, "MCE_DURING_VMENTRY") \
	X(43, "TPR_BELOW_THRESHOLD") \
	X(44, "APIC_ACCESS") \
	X(45, "EOI_INDUCED") \
	X(46, "GDTR_IDTR") \
	X(47, "LDTR_TR") \
	X(48, "EPT_VIOLATION") \
	X(49, "EPT_MISCONFIG") \
	X(50, "INVEPT") \
	X(51, "RDTSCP") \
	X(52, "PREEMPTION_TIMER") \
	X(53, "INVVPID") \
	X(54, "WBINVD") \
	X(55, "XSETBV") \
	X(56, "APIC_WRITE") \
	X(57, "RDRAND") \
	X(58, "INVPCID") \
	X(59, "VMFUNC") \
	X(60, "ENCLS") \
	X(61, "RDSEED") \
	X(62, "PML_FULL") \
	X(63, "XSAVES") \
	X(64, "XRSTORS") \
	X(65, "PCONFIG") \
	X(66, "SPP") \
	X(67, "UMWAIT") \
	X(68, "TPAUSE") \
	X(69, "LOADIWKEY") \
	X(70, "ENCLV") \
	X(72, "ENQCMD_PASID_FAIL") \
	X(73, "ENQCMDS_PASID_FAIL") \
	X(74, "BUS_LOCK") \
	X(75, "NOTIFY")

#endif /* _UAPI_LINUX_AXVM_NAMES_H */
