/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM-execution control bits axvm names (SDM Vol. 3C, 25.6.1 "Pin-Based
 * VM-Execution Controls", Table 25-5; 25.6.2 "Processor-Based VM-Execution
 * Controls", Tables 25-6 and 25-7), without <asm/vmx.h>, so that KUnit (UML,
 * where asm/vmx.h does not build) can reason about them. vmx/caps.c
 * checks at build time that they equal the kernel's own definitions.
 */
#ifndef AXVM_VMX_CTL_BITS_H
#define AXVM_VMX_CTL_BITS_H

#include <linux/bits.h>

/* Pin-based */
#define AXVM_PIN_EXT_INTR_EXITING	BIT(0)
#define AXVM_PIN_NMI_EXITING		BIT(3)
#define AXVM_PIN_VIRTUAL_NMIS		BIT(5)
#define AXVM_PIN_PREEMPTION_TIMER	BIT(6)

/* Primary processor-based */
#define AXVM_PROC_INTR_WINDOW_EXITING	BIT(2)
#define AXVM_PROC_TSC_OFFSETTING	BIT(3)
#define AXVM_PROC_HLT_EXITING		BIT(7)
#define AXVM_PROC_INVLPG_EXITING	BIT(9)
#define AXVM_PROC_MWAIT_EXITING		BIT(10)
#define AXVM_PROC_RDPMC_EXITING		BIT(11)
#define AXVM_PROC_RDTSC_EXITING		BIT(12)
#define AXVM_PROC_CR3_LOAD_EXITING	BIT(15)
#define AXVM_PROC_CR3_STORE_EXITING	BIT(16)
#define AXVM_PROC_CR8_LOAD_EXITING	BIT(19)
#define AXVM_PROC_CR8_STORE_EXITING	BIT(20)
#define AXVM_PROC_NMI_WINDOW_EXITING	BIT(22)
#define AXVM_PROC_MOV_DR_EXITING	BIT(23)
#define AXVM_PROC_UNCOND_IO_EXITING	BIT(24)
#define AXVM_PROC_USE_IO_BITMAPS	BIT(25)
#define AXVM_PROC_MONITOR_TRAP_FLAG	BIT(27)
#define AXVM_PROC_USE_MSR_BITMAPS	BIT(28)
#define AXVM_PROC_MONITOR_EXITING	BIT(29)
#define AXVM_PROC_PAUSE_EXITING		BIT(30)
#define AXVM_PROC_SECONDARY		BIT(31)

/* Secondary processor-based */
#define AXVM_PROC2_EPT			BIT(1)
#define AXVM_PROC2_DESC_EXITING		BIT(2)
#define AXVM_PROC2_RDTSCP		BIT(3)
#define AXVM_PROC2_VPID			BIT(5)
#define AXVM_PROC2_WBINVD_EXITING	BIT(6)
#define AXVM_PROC2_UNRESTRICTED_GUEST	BIT(7)
#define AXVM_PROC2_PAUSE_LOOP_EXITING	BIT(10)
#define AXVM_PROC2_RDRAND_EXITING	BIT(11)
#define AXVM_PROC2_INVPCID		BIT(12)
#define AXVM_PROC2_RDSEED_EXITING	BIT(16)
#define AXVM_PROC2_PML			BIT(17)
#define AXVM_PROC2_XSAVES		BIT(20)

#endif
