// SPDX-License-Identifier: GPL-2.0
/*
 * exits_test: the exit model (Documentation/exit-reasons.rst,
 * Documentation/ioctl-abi.rst). One small 64-bit guest per case checks
 * both the exit record that reaches userspace (or that none does) and what
 * the guest sees: registers read back after its final HLT, values it
 * reports with OUT, and the frames its exception handlers find.
 *
 *   cpuid_vendor_leaf, cpuid_leaf1    CPUID in the kernel; AXVM_SET/GET_CPUID
 *   msr_allowlist, msr_gp             RDMSR/WRMSR emulated in the kernel
 *   tsc_adjust                        IA32_TSC_ADJUST moves with the TSC offset
 *   single_step_after_emulation       TF: #DB after emulated/completed insns
 *   msr_to_userspace                  other MSRs: SYSREG_READ/SYSREG_WRITE
 *   hypercall                         VMCALL: HYPERCALL{nr, args}, ret -> RAX
 *   io_widths                         OUT/IN of 1, 2 and 4 bytes
 *   xsetbv_cr4                        CR4.OSXSAVE and XSETBV
 *   ud_for_vmx_insns                  VMX instructions, INVD, ... #UD; RDPMC #GP
 *   triple_fault                      SYSTEM_DOWN
 *   inject_exception                  AXVM_INJECT of exceptions (and NMI)
 *   inject_interrupt_window           external interrupts wait for IF=1; wake HLT
 *   cr0_cr4_shadow                    host-owned CR0.NE, CR4.VMXE
 *
 * The guest code is the top-level assembly below, copied to XG_CODE_GPA;
 * it is position independent (only relative jumps; absolute addresses are
 * the constants below). Guest-physical layout (RAM: 4 MiB at GPA 0, long
 * mode from axvm_vcpu_setup_long(): GDT 0x10000, TSS 0x11000, page tables
 * 0x20000-0x22fff, stack below GPA_STACK_TOP = 0x80000):
 *
 *   XG_CODE_GPA  0x200000  guest code (GPA_SCRATCH), below 64 KiB
 *   XG_IDT_GPA   0x210000  256 16-byte interrupt gates
 *   XG_DATA_GPA  0x211000  data the guests read and write
 *
 * IDT gate v points to the stub at xg_vectors + 16 * v, which does
 * "mov $v, %eax; out %eax, $XG_PORT_VECTOR; hlt" and touches nothing
 * else, so the host sees which vector was delivered, the other registers
 * are as the event found them, and the frame the CPU pushed is at RSP.
 * A path that must not be reached reports XG_BAD on UCALL_PORT_REPORT.
 */
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "axvm_test.h"

#define XSTR(x)			STR(x)
#define STR(x)			#x

/* Guest-physical layout (plain numbers: they are pasted into the asm). */
#define XG_CODE_GPA		0x200000
#define XG_IDT_GPA		0x210000
#define XG_DATA_GPA		0x211000
#define XG_CODE_MAX		0x10000
#define XG_IDT_LIMIT		(256 * 16 - 1)

#define XG_PORT_REPORT		0x10	/* UCALL_PORT_REPORT */
#define XG_PORT_VECTOR		0x12	/* handler of vector EAX ran */
#define XG_BAD			0xbad	/* reported where the guest must not get */
#define XG_READY		0x7ead1
#define XG_READY_HLT		0x7ead2

/* msr_to_userspace */
#define XG_UMSR_RD		0x1234
#define XG_UMSR_WR		0x1235
#define XG_UMSR_WR_GP		0x1236
#define XG_UMSR_RAX		0x5a5a5a5acafef00d	/* only EAX counts */
#define XG_UMSR_RDX		0xa5a5a5a58badf00d	/* only EDX counts */

/* hypercall */
#define XG_HC_NR		0x0123456789abcdef
#define XG_HC_A0		0x1111111111111101
#define XG_HC_A1		0x2222222222222202
#define XG_HC_A2		0x3333333333333303
#define XG_HC_A3		0x4444444444444404
#define XG_HC_A4		0x5555555555555505
#define XG_HC_A5		0x6666666666666606
#define XG_HC_NR2		0x77

/* io_widths */
#define XG_OUT_PATTERN		0x1122334455667788
#define XG_IN_PATTERN		0xdeadbeefcafebabe
#define XG_OUT_DX_PORT		0x3f8
#define XG_IN_DX_PORT		0x3f9

/* inject_interrupt_window: iterations with IF=0, then the total */
#define XG_LOOP1		100000
#define XG_LOOP2		1100000

_Static_assert(XG_PORT_REPORT == UCALL_PORT_REPORT, "report port");
_Static_assert(XG_CODE_GPA >= GPA_SCRATCH && XG_DATA_GPA + 0x1000 <= AXVM_DEFAULT_RAM,
	       "guest layout outside the free RAM");
_Static_assert(XG_CODE_GPA + XG_CODE_MAX <= XG_IDT_GPA, "code runs into the IDT");

#define U64(x)			((uint64_t)(x))

#define X86_CR4_VMXE		(1ULL << 13)
#define X86_CR4_OSXSAVE		(1ULL << 18)
#define X86_RFLAGS_TF		(1ULL << 8)
#define X86_RFLAGS_IF		(1ULL << 9)
#define X86_RFLAGS_RF		(1ULL << 16)

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103
#define MSR_FEATURE_CONTROL	0x3a
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_MISC_ENABLE		0x1a0
#define MSR_APIC_BASE		0x1b
#define MSR_MTRRCAP		0xfe
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_PAT			0x277
#define MSR_TSC			0x10
#define MSR_TSC_ADJUST		0x3b
#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MC_CTL(i)		(0x400 + 4 * (i))
#define MSR_MC_STATUS(i)	(0x401 + 4 * (i))
#define MSR_MC_ADDR(i)		(0x402 + 4 * (i))
#define MSR_MC_MISC(i)		(0x403 + 4 * (i))
#define XG_MCE_BANKS		4	/* IA32_MCG_CAP (vmx/msr.c) */
#define XG_MMIO			0x30000000	/* outside guest RAM */

#define PAT_RESET		0x0007040600070406ULL

/* VMX basic exit reasons (SDM Vol. 3D, Appendix C). */
#define VMX_EXIT_TRIPLE_FAULT	2U
#define VMX_EXIT_VMCALL		18U
#define VMX_EXIT_RDMSR		31U
#define VMX_EXIT_WRMSR		32U

#define VEC_DB			1U
#define VEC_UD			6U
#define VEC_NMI			2U
#define VEC_GP			13U

/* ---------------------------------------------------------------------- */
/* The guest code.                                                        */
/* ---------------------------------------------------------------------- */

asm(
"	.pushsection .rodata.axvm_exits_guest, \"a\"\n"
"	.balign 4096\n"
"	.globl xg_start\n"
"xg_start:\n"

/* The instruction before it must not complete: say so and stop. */
"	.macro XG_BAD_TAIL\n"
"	movl	$" XSTR(XG_BAD) ", %eax\n"
"	outl	%eax, $" XSTR(XG_PORT_REPORT) "\n"
"1:	hlt\n"
"	jmp	1b\n"
"	.endm\n"

/* IDT targets: vector v at xg_vectors + 16 * v (checked by xg_write_idt). */
"	.globl xg_vectors\n"
"	.balign 16\n"
"xg_vectors:\n"
"	.set	xg_vec, 0\n"
"	.rept	256\n"
"	.balign	16\n"
"	movl	$xg_vec, %eax\n"
"	jmp	xg_report_vector\n"
"	.set	xg_vec, xg_vec + 1\n"
"	.endr\n"
"xg_report_vector:\n"
"	outl	%eax, $" XSTR(XG_PORT_VECTOR) "\n"
"1:	hlt\n"
"	jmp	1b\n"

/* CPUID of the EAX/ECX the host set; the other outputs preset to ones. */
"	.globl xg_cpuid, xg_cpuid_hlt\n"
"xg_cpuid:\n"
"	movq	$-1, %rbx\n"
"	movq	$-1, %rdx\n"
"	cpuid\n"
"xg_cpuid_hlt:\n"
"	hlt\n"
"	jmp	xg_cpuid_hlt\n"

/*
 * RSI: table of {u32 msr, u32 flags, u64 value, u64 rax, u64 rdx}, ended
 * by msr ~0. Flags bit 0: WRMSR value first. Then RDMSR (RAX, RDX preset
 * to ones) and store RAX and RDX.
 */
"	.globl xg_msr_table, xg_msr_table_hlt\n"
"xg_msr_table:\n"
"1:	movl	(%rsi), %ecx\n"
"	cmpl	$-1, %ecx\n"
"	je	xg_msr_table_hlt\n"
"	testl	$1, 4(%rsi)\n"
"	jz	2f\n"
"	movl	8(%rsi), %eax\n"
"	movl	12(%rsi), %edx\n"
"	wrmsr\n"
"2:	movq	$-1, %rax\n"
"	movq	$-1, %rdx\n"
"	rdmsr\n"
"	movq	%rax, 16(%rsi)\n"
"	movq	%rdx, 24(%rsi)\n"
"	addq	$32, %rsi\n"
"	jmp	1b\n"
"xg_msr_table_hlt:\n"
"	hlt\n"
"	jmp	xg_msr_table_hlt\n"

/* WRMSR / RDMSR of the ECX, EDX:EAX the host set. */
"	.globl xg_wrmsr\n"
"xg_wrmsr:\n"
"	wrmsr\n"
"	XG_BAD_TAIL\n"
"	.globl xg_rdmsr, xg_rdmsr_hlt\n"
"xg_rdmsr:\n"
"	rdmsr\n"
"xg_rdmsr_hlt:\n"
"	hlt\n"
"	jmp	xg_rdmsr_hlt\n"

/* MSRs userspace answers: RDMSR -> R12/R13, WRMSR (R14 = 1), WRMSR -> #GP. */
"	.globl xg_umsr, xg_umsr_rdmsr, xg_umsr_wrmsr, xg_umsr_wrmsr_gp\n"
"xg_umsr:\n"
"	movl	$" XSTR(XG_UMSR_RD) ", %ecx\n"
"	movq	$-1, %rax\n"
"	movq	$-1, %rdx\n"
"xg_umsr_rdmsr:\n"
"	rdmsr\n"
"	movq	%rax, %r12\n"
"	movq	%rdx, %r13\n"
"	movl	$" XSTR(XG_UMSR_WR) ", %ecx\n"
"	movabsq	$" XSTR(XG_UMSR_RAX) ", %rax\n"
"	movabsq	$" XSTR(XG_UMSR_RDX) ", %rdx\n"
"xg_umsr_wrmsr:\n"
"	wrmsr\n"
"	movl	$1, %r14d\n"
"	movl	$" XSTR(XG_UMSR_WR_GP) ", %ecx\n"
"	movl	$0x11111111, %eax\n"
"	movl	$0x22222222, %edx\n"
"xg_umsr_wrmsr_gp:\n"
"	wrmsr\n"
"	XG_BAD_TAIL\n"

/* Two VMCALLs: RAX after the first -> R12, after the second -> R13. */
"	.globl xg_hypercall, xg_vmcall1, xg_vmcall2, xg_hypercall_hlt\n"
"xg_hypercall:\n"
"	movabsq	$" XSTR(XG_HC_NR) ", %rax\n"
"	movabsq	$" XSTR(XG_HC_A0) ", %rdi\n"
"	movabsq	$" XSTR(XG_HC_A1) ", %rsi\n"
"	movabsq	$" XSTR(XG_HC_A2) ", %rdx\n"
"	movabsq	$" XSTR(XG_HC_A3) ", %rcx\n"
"	movabsq	$" XSTR(XG_HC_A4) ", %r8\n"
"	movabsq	$" XSTR(XG_HC_A5) ", %r9\n"
"xg_vmcall1:\n"
"	vmcall\n"
"	movq	%rax, %r12\n"
"	movl	$" XSTR(XG_HC_NR2) ", %eax\n"
"xg_vmcall2:\n"
"	vmcall\n"
"	movq	%rax, %r13\n"
"xg_hypercall_hlt:\n"
"	hlt\n"
"	jmp	xg_hypercall_hlt\n"

/* Port I/O of every width; RAX after each IN -> R12..R15. */
"	.globl xg_io, xg_io_outb, xg_io_outw, xg_io_outl, xg_io_outdx\n"
"	.globl xg_io_inb, xg_io_inw, xg_io_inl, xg_io_indx, xg_io_hlt\n"
"xg_io:\n"
"	movabsq	$" XSTR(XG_OUT_PATTERN) ", %rax\n"
"	movl	$" XSTR(XG_OUT_DX_PORT) ", %edx\n"
"xg_io_outb:\n"
"	outb	%al, $0x20\n"
"xg_io_outw:\n"
"	outw	%ax, $0x21\n"
"xg_io_outl:\n"
"	outl	%eax, $0x22\n"
"xg_io_outdx:\n"
"	outb	%al, %dx\n"
"	movabsq	$" XSTR(XG_IN_PATTERN) ", %rax\n"
"xg_io_inb:\n"
"	inb	$0x30, %al\n"
"	movq	%rax, %r12\n"
"	movabsq	$" XSTR(XG_IN_PATTERN) ", %rax\n"
"xg_io_inw:\n"
"	inw	$0x31, %ax\n"
"	movq	%rax, %r13\n"
"	movabsq	$" XSTR(XG_IN_PATTERN) ", %rax\n"
"xg_io_inl:\n"
"	inl	$0x32, %eax\n"
"	movq	%rax, %r14\n"
"	movabsq	$" XSTR(XG_IN_PATTERN) ", %rax\n"
"	movl	$" XSTR(XG_IN_DX_PORT) ", %edx\n"
"xg_io_indx:\n"
"	inl	%dx, %eax\n"
"	movq	%rax, %r15\n"
"xg_io_hlt:\n"
"	hlt\n"
"	jmp	xg_io_hlt\n"

/*
 * CR4.OSXSAVE on (CR4 -> R14), XSETBV(0, 3), XGETBV(0) -> R12 (EAX),
 * R13 (EDX), CPUID.1:ECX -> R15.
 */
"	.globl xg_osxsave, xg_osxsave_mov, xg_osxsave_hlt\n"
"xg_osxsave:\n"
"	movq	%cr4, %rax\n"
"	orq	$0x40000, %rax\n"
"xg_osxsave_mov:\n"
"	movq	%rax, %cr4\n"
"	movq	%cr4, %r14\n"
"	xorl	%ecx, %ecx\n"
"	movl	$3, %eax\n"
"	xorl	%edx, %edx\n"
"	xsetbv\n"
"	xorl	%ecx, %ecx\n"
"	movq	$-1, %rax\n"
"	movq	$-1, %rdx\n"
"	xgetbv\n"
"	movq	%rax, %r12\n"
"	movq	%rdx, %r13\n"
"	movl	$1, %eax\n"
"	xorl	%ecx, %ecx\n"
"	cpuid\n"
"	movq	%rcx, %r15\n"
"xg_osxsave_hlt:\n"
"	hlt\n"
"	jmp	xg_osxsave_hlt\n"
"	.globl xg_xsetbv\n"
"xg_xsetbv:\n"
"	xsetbv\n"
"	XG_BAD_TAIL\n"
"	.globl xg_xgetbv, xg_xgetbv_hlt\n"
"xg_xgetbv:\n"
"	xgetbv\n"
"xg_xgetbv_hlt:\n"
"	hlt\n"
"	jmp	xg_xgetbv_hlt\n"

/* Instructions a guest may not have: each faults before the tail. */
"	.globl xg_vmxon, xg_vmclear, xg_vmptrld, xg_vmptrst, xg_vmread\n"
"	.globl xg_vmwrite, xg_vmlaunch, xg_vmresume, xg_vmxoff, xg_invept\n"
"	.globl xg_invvpid, xg_invd, xg_getsec, xg_monitor, xg_mwait, xg_rdpmc\n"
"xg_vmxon:	vmxon	(%rsi)\n"
"	XG_BAD_TAIL\n"
"xg_vmclear:	vmclear	(%rsi)\n"
"	XG_BAD_TAIL\n"
"xg_vmptrld:	vmptrld	(%rsi)\n"
"	XG_BAD_TAIL\n"
"xg_vmptrst:	vmptrst	(%rsi)\n"
"	XG_BAD_TAIL\n"
"xg_vmread:	vmread	%rax, %rbx\n"
"	XG_BAD_TAIL\n"
"xg_vmwrite:	vmwrite	%rbx, %rax\n"
"	XG_BAD_TAIL\n"
"xg_vmlaunch:	vmlaunch\n"
"	XG_BAD_TAIL\n"
"xg_vmresume:	vmresume\n"
"	XG_BAD_TAIL\n"
"xg_vmxoff:	vmxoff\n"
"	XG_BAD_TAIL\n"
"xg_invept:	invept	(%rsi), %rax\n"
"	XG_BAD_TAIL\n"
"xg_invvpid:	invvpid	(%rsi), %rax\n"
"	XG_BAD_TAIL\n"
"xg_invd:	invd\n"
"	XG_BAD_TAIL\n"
"xg_getsec:	getsec\n"
"	XG_BAD_TAIL\n"
"xg_monitor:	monitor\n"
"	XG_BAD_TAIL\n"
"xg_mwait:	mwait\n"
"	XG_BAD_TAIL\n"
"xg_rdpmc:	rdpmc\n"
"	XG_BAD_TAIL\n"

/* WBINVD completes as a no-op in the kernel. */
"	.globl xg_wbinvd\n"
"xg_wbinvd:	wbinvd\n"
"	hlt\n"

/* UD2 (with no IDT: triple fault). */
"	.globl xg_ud2\n"
"xg_ud2:\n"
"	ud2\n"
"	XG_BAD_TAIL\n"

/* A loop that an injected event must interrupt before it starts. */
"	.globl xg_loop\n"
"xg_loop:\n"
"	xorl	%ecx, %ecx\n"
"1:	incl	%ecx\n"
"	cmpl	$1000000, %ecx\n"
"	jne	1b\n"
"	XG_BAD_TAIL\n"

/*
 * IF=0: report XG_READY, count RCX to XG_LOOP1, R12 = RCX, R13 = 1, STI,
 * count on to XG_LOOP2: the interrupt queued at XG_READY must arrive in
 * the second loop.
 */
"	.globl xg_irq_window, xg_irq_window_loop2, xg_irq_window_end\n"
"xg_irq_window:\n"
"	cli\n"
"	xorl	%ecx, %ecx\n"
"	xorl	%r12d, %r12d\n"
"	xorl	%r13d, %r13d\n"
"	movl	$" XSTR(XG_READY) ", %eax\n"
"	outl	%eax, $" XSTR(XG_PORT_REPORT) "\n"
"1:	incl	%ecx\n"
"	cmpl	$" XSTR(XG_LOOP1) ", %ecx\n"
"	jne	1b\n"
"	movq	%rcx, %r12\n"
"	movl	$1, %r13d\n"
"	sti\n"
"	nop\n"
"xg_irq_window_loop2:\n"
"	incl	%ecx\n"
"	cmpl	$" XSTR(XG_LOOP2) ", %ecx\n"
"	jne	xg_irq_window_loop2\n"
"xg_irq_window_end:\n"
"	XG_BAD_TAIL\n"

/* IF=0: report XG_READY_HLT; then STI; HLT (in the STI shadow). */
"	.globl xg_hlt_wake, xg_hlt_wake_hlt, xg_hlt_wake_after\n"
"xg_hlt_wake:\n"
"	cli\n"
"	movl	$" XSTR(XG_READY_HLT) ", %eax\n"
"	outl	%eax, $" XSTR(XG_PORT_REPORT) "\n"
"	sti\n"
"xg_hlt_wake_hlt:\n"
"	hlt\n"
"xg_hlt_wake_after:\n"
"	XG_BAD_TAIL\n"

/*
 * CR0 -> R12; CR0 without NE, read back -> R13; CR0 restored, read back
 * -> R14; CR4 -> R15; then CR4 | VMXE, which must fault.
 */
"	.globl xg_cr, xg_cr_vmxe\n"
"xg_cr:\n"
"	movq	%cr0, %r12\n"
"	movq	%r12, %rax\n"
"	andq	$~0x20, %rax\n"
"	movq	%rax, %cr0\n"
"	movq	%cr0, %r13\n"
"	movq	%r12, %cr0\n"
"	movq	%cr0, %r14\n"
"	movq	%cr4, %r15\n"
"	movq	%r15, %rax\n"
"	orq	$0x2000, %rax\n"
"xg_cr_vmxe:\n"
"	movq	%rax, %cr4\n"
"	XG_BAD_TAIL\n"
"	.globl xg_read_crs, xg_read_crs_hlt\n"
"xg_read_crs:\n"
"	movq	%cr0, %rax\n"
"	movq	%cr4, %rbx\n"
"xg_read_crs_hlt:\n"
"	hlt\n"
"	jmp	xg_read_crs_hlt\n"


/* Single step over instructions the kernel emulates or completes. */
"	.macro TF_ON\n"
"	pushfq\n"
"	orq	$0x100, (%rsp)\n"
"	popfq\n"
"	.endm\n"
"	.globl xg_ss_cpuid, xg_ss_cpuid_next\n"
"xg_ss_cpuid:\n"
"	TF_ON\n"
"	cpuid\n"
"xg_ss_cpuid_next:\n"
"	XG_BAD_TAIL\n"
"	.globl xg_ss_rdmsr, xg_ss_rdmsr_next\n"
"xg_ss_rdmsr:\n"
"	TF_ON\n"
"	rdmsr\n"
"xg_ss_rdmsr_next:\n"
"	XG_BAD_TAIL\n"
"	.globl xg_ss_out, xg_ss_out_next\n"
"xg_ss_out:\n"
"	TF_ON\n"
"	outb	%al, $0x82\n"
"xg_ss_out_next:\n"
"	XG_BAD_TAIL\n"
"	.globl xg_ss_in, xg_ss_in_next\n"
"xg_ss_in:\n"
"	TF_ON\n"
"	inb	$0x81, %al\n"
"xg_ss_in_next:\n"
"	XG_BAD_TAIL\n"
"	.globl xg_ss_mmio, xg_ss_mmio_next\n"
"xg_ss_mmio:\n"
"	TF_ON\n"
"	movl	%eax, (%r12)\n"
"xg_ss_mmio_next:\n"
"	XG_BAD_TAIL\n"
"	.globl xg_ss_mmio_or, xg_ss_mmio_or_next\n"
"xg_ss_mmio_or:\n"
"	TF_ON\n"
"	orl	%eax, 0x1000(%r12)\n"
"xg_ss_mmio_or_next:\n"
"	XG_BAD_TAIL\n"
"	.globl xg_ss_hlt, xg_ss_hlt_next\n"
"xg_ss_hlt:\n"
"	TF_ON\n"
"	hlt\n"
"xg_ss_hlt_next:\n"
"	XG_BAD_TAIL\n"
/* The trap after MOV SS waits one instruction (CPUID): one #DB after it. */
"	.globl xg_ss_movss, xg_ss_movss_next\n"
"xg_ss_movss:\n"
"	movl	%ss, %eax\n"
"	TF_ON\n"
"	movl	%eax, %ss\n"
"	cpuid\n"
"xg_ss_movss_next:\n"
"	XG_BAD_TAIL\n"

/*
 * IA32_TSC_ADJUST (0x3b): TSC -> R12; ADJUST = 2^40; TSC -> R13; ADJUST
 * -> R14; TSC = 0x1000; TSC -> RBX; ADJUST -> R15.
 */
"	.macro RDTSC64 reg\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rdx, %rax\n"
"	movq	%rax, \\reg\n"
"	.endm\n"
"	.macro RDMSR64 msr, reg\n"
"	movl	\\msr, %ecx\n"
"	rdmsr\n"
"	shlq	$32, %rdx\n"
"	orq	%rdx, %rax\n"
"	movq	%rax, \\reg\n"
"	.endm\n"
"	.globl xg_tsc_adjust, xg_tsc_adjust_hlt\n"
"xg_tsc_adjust:\n"
"	RDTSC64	%r12\n"
"	movl	$0x3b, %ecx\n"
"	xorl	%eax, %eax\n"
"	movl	$0x100, %edx\n"
"	wrmsr\n"
"	RDTSC64	%r13\n"
"	RDMSR64	$0x3b, %r14\n"
"	movl	$0x10, %ecx\n"
"	movl	$0x1000, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	RDTSC64	%rbx\n"
"	RDMSR64	$0x3b, %r15\n"
"xg_tsc_adjust_hlt:\n"
"	hlt\n"
"	jmp	xg_tsc_adjust_hlt\n"
"	.globl xg_end\n"
"xg_end:\n"
"	.purgem XG_BAD_TAIL\n"
"	.purgem TF_ON\n"
"	.purgem RDTSC64\n"
"	.purgem RDMSR64\n"
"	.popsection\n"
);

extern const unsigned char xg_start[], xg_end[], xg_vectors[];
extern const unsigned char xg_cpuid[], xg_cpuid_hlt[];
extern const unsigned char xg_msr_table[], xg_msr_table_hlt[];
extern const unsigned char xg_wrmsr[], xg_rdmsr[], xg_rdmsr_hlt[];
extern const unsigned char xg_umsr[], xg_umsr_rdmsr[], xg_umsr_wrmsr[], xg_umsr_wrmsr_gp[];
extern const unsigned char xg_hypercall[], xg_vmcall1[], xg_vmcall2[], xg_hypercall_hlt[];
extern const unsigned char xg_io[], xg_io_outb[], xg_io_outw[], xg_io_outl[], xg_io_outdx[];
extern const unsigned char xg_io_inb[], xg_io_inw[], xg_io_inl[], xg_io_indx[], xg_io_hlt[];
extern const unsigned char xg_osxsave[], xg_osxsave_mov[], xg_osxsave_hlt[];
extern const unsigned char xg_xsetbv[], xg_xgetbv[], xg_xgetbv_hlt[];
extern const unsigned char xg_vmxon[], xg_vmclear[], xg_vmptrld[], xg_vmptrst[], xg_vmread[];
extern const unsigned char xg_vmwrite[], xg_vmlaunch[], xg_vmresume[], xg_vmxoff[], xg_invept[];
extern const unsigned char xg_invvpid[], xg_invd[], xg_getsec[], xg_monitor[], xg_mwait[];
extern const unsigned char xg_wbinvd[];
extern const unsigned char xg_rdpmc[], xg_ud2[], xg_loop[];
extern const unsigned char xg_irq_window[], xg_irq_window_loop2[], xg_irq_window_end[];
extern const unsigned char xg_hlt_wake[], xg_hlt_wake_hlt[], xg_hlt_wake_after[];
extern const unsigned char xg_cr[], xg_cr_vmxe[], xg_read_crs[], xg_read_crs_hlt[];
extern const unsigned char xg_ss_cpuid[], xg_ss_cpuid_next[], xg_ss_rdmsr[], xg_ss_rdmsr_next[];
extern const unsigned char xg_ss_out[], xg_ss_out_next[], xg_ss_in[], xg_ss_in_next[];
extern const unsigned char xg_ss_mmio[], xg_ss_mmio_next[], xg_ss_mmio_or[], xg_ss_mmio_or_next[];
extern const unsigned char xg_ss_hlt[], xg_ss_hlt_next[], xg_ss_movss[], xg_ss_movss_next[];
extern const unsigned char xg_tsc_adjust[], xg_tsc_adjust_hlt[];

/* Guest-physical address of a label of the guest code. */
#define GPA_OF(sym)	(U64(XG_CODE_GPA) + U64((uintptr_t)(sym) - (uintptr_t)xg_start))

/* ---------------------------------------------------------------------- */
/* Host side.                                                             */
/* ---------------------------------------------------------------------- */

static void xg_write_idt(struct axvm_vm *vm)
{
	uint64_t *idt = axvm_gpa2hva(vm, XG_IDT_GPA, XG_IDT_LIMIT + 1);
	unsigned int v;

	for (v = 0; v < 256; v++) {
		const unsigned char *stub = xg_vectors + 16 * v;
		uint64_t h = GPA_OF(stub);
		uint32_t imm;

		/* b8 imm32: movl $v, %eax */
		memcpy(&imm, stub + 1, sizeof(imm));
		AXVM_CHECK(stub[0] == 0xb8 && imm == v,
			   "stub of vector %u is not at xg_vectors + 16 * %u", v, v);
		/* 64-bit interrupt gate, DPL 0, present (SDM Vol. 3A, 6.14.1). */
		idt[2 * v] = (h & 0xffff) | (U64(SEL_CODE64) << 16) | (0x8eULL << 40) |
			     (((h >> 16) & 0xffff) << 48);
		idt[2 * v + 1] = h >> 32;
	}
}

/*
 * A VM with 4 MiB of RAM and the guest code, one vCPU (id) in long mode at
 * entry; with_idt: the IDT of handler stubs, else the library's IDT
 * (limit 0: any exception is a triple fault).
 */
static struct axvm_vcpu *xg_create(struct axvm_vm **vmp, uint32_t id,
				   uint64_t entry, bool with_idt)
{
	size_t len = xg_end - xg_start;
	struct axvm_sregs sregs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_CHECK(len <= XG_CODE_MAX, "guest code is %zu bytes", len);
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	memcpy(axvm_gpa2hva(vm, XG_CODE_GPA, len), xg_start, len);
	memset(axvm_gpa2hva(vm, XG_DATA_GPA, 0x1000), 0, 0x1000);
	vcpu = axvm_vcpu_add(vm, id);
	axvm_vcpu_setup_long(vcpu, entry);
	if (with_idt) {
		xg_write_idt(vm);
		axvm_vcpu_get_sregs(vcpu, &sregs);
		sregs.idt.base = XG_IDT_GPA;
		sregs.idt.limit = XG_IDT_LIMIT;
		axvm_vcpu_set_sregs(vcpu, &sregs);
	}
	*vmp = vm;
	return vcpu;
}

/* Start over at entry with the GPRs in *regs (RSP, RIP, RFLAGS are set here). */
static void xg_start_at(struct axvm_vcpu *vcpu, uint64_t entry, struct axvm_regs *regs)
{
	regs->rip = entry;
	regs->rsp = GPA_STACK_TOP;
	regs->rflags = X86_RFLAGS_FIXED;
	axvm_vcpu_set_regs(vcpu, regs);
}

/*
 * Answer the last exit with response (and whatever the caller put into
 * run->exit), then run until the next exit userspace has to look at.
 */
static uint32_t run_answer(struct axvm_vcpu *vcpu, uint32_t response)
{
	struct axvm_run *run = vcpu->run;
	int r;

	run->response = response;
	r = __axvm_vcpu_run(vcpu);
	/* The answer was consumed before any EINTR: go on without one. */
	if (r < 0 && errno == EINTR)
		return axvm_vcpu_run(vcpu);
	AXVM_CHECK(r == 0, "AXVM_RUN with response %u returned %d", response, r);
	if (run->exit.kind == AXVM_EXIT_NOTHING ||
	    run->exit.kind == AXVM_EXIT_EXTERNAL_INTERRUPT)
		return axvm_vcpu_run(vcpu);
	return run->exit.kind;
}

/* The exit record's common fields. */
static void check_exit(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
		       uint32_t basic_reason, uint64_t rip)
{
	const struct axvm_exit *e = &vcpu->run->exit;

	EXPECT_EQ(basic_reason, e->basic_reason)
		axvm_dump_exit(stderr, e);
	EXPECT_EQ(rip, e->guest_rip)
		axvm_dump_exit(stderr, e);
	EXPECT_EQ(vcpu->id, e->vcpu_id);
	EXPECT_EQ(0U, e->flags & AXVM_EXIT_F_POSTED);
}

/* The exit just returned is the HLT at hlt_rip, and RIP is past it. */
static void check_halt(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
		       uint64_t hlt_rip, struct axvm_regs *regs)
{
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_HALT);
	check_exit(_metadata, vcpu, VMX_EXIT_HLT, hlt_rip);
	axvm_vcpu_get_regs(vcpu, regs);
	EXPECT_EQ(hlt_rip + 1, regs->rip);
}

static void run_to_halt(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
			uint64_t hlt_rip, struct axvm_regs *regs)
{
	axvm_vcpu_run(vcpu);
	check_halt(_metadata, vcpu, hlt_rip, regs);
}

/* What an exception or interrupt pushed (64-bit mode, no stack switch). */
struct xg_frame {
	uint64_t error, rip, cs, rflags, rsp, ss;
};

/*
 * The exit just returned must be the report of the handler of vector; let
 * it run to its HLT and read the frame the CPU pushed for it.
 */
static void expect_handler(struct __test_metadata *_metadata, struct axvm_vm *vm,
			   struct axvm_vcpu *vcpu, const char *what, uint32_t vector,
			   bool has_error, struct xg_frame *f)
{
	const struct axvm_exit *e = &vcpu->run->exit;
	const uint64_t *p;
	struct axvm_regs regs;

	ASSERT_EQ(AXVM_EXIT_IO_WRITE, e->kind) {
		TH_LOG("%s: expected the handler of vector %u to report, got exit %s",
		       what, vector, axvm_exit_name(e->kind));
		axvm_dump_exit(stderr, e);
	}
	ASSERT_EQ(XG_PORT_VECTOR, e->u.io_write.port) {
		TH_LOG("%s: expected the handler of vector %u; the guest reported 0x%llx on port 0x%x%s",
		       what, vector, (unsigned long long)e->u.io_write.data, e->u.io_write.port,
		       e->u.io_write.data == XG_BAD ?
		       " (the instruction completed instead of faulting)" : "");
		axvm_dump_exit(stderr, e);
	}
	ASSERT_EQ(U64(vector), e->u.io_write.data)
		TH_LOG("%s: vector %llu was delivered instead of %u", what,
		       (unsigned long long)e->u.io_write.data, vector);
	axvm_vcpu_run(vcpu);
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_HALT);
	axvm_vcpu_get_regs(vcpu, &regs);
	/* The CPU aligns RSP to 16 (GPA_STACK_TOP is) and pushes 5 or 6 quads. */
	ASSERT_EQ(GPA_STACK_TOP - (has_error ? 48 : 40), regs.rsp) {
		TH_LOG("%s: the frame of vector %u %s an error code", what, vector,
		       has_error ? "should have" : "should not have");
		axvm_dump_regs(stderr, &regs);
	}
	p = axvm_gpa2hva(vm, regs.rsp, 48);
	memset(f, 0, sizeof(*f));
	if (has_error)
		f->error = *p++;
	f->rip = p[0];
	f->cs = p[1];
	f->rflags = p[2];
	f->rsp = p[3];
	f->ss = p[4];
	EXPECT_EQ(SEL_CODE64, f->cs) TH_LOG("%s", what);
	EXPECT_EQ(GPA_STACK_TOP, f->rsp) TH_LOG("%s", what);
}

/* The exception (vector, error code) was raised by the instruction at rip. */
static void expect_fault(struct __test_metadata *_metadata, struct axvm_vm *vm,
			 struct axvm_vcpu *vcpu, const char *what, uint32_t vector,
			 bool has_error, uint32_t error, uint64_t rip)
{
	struct xg_frame f;

	expect_handler(_metadata, vm, vcpu, what, vector, has_error, &f);
	/* Every caller's vector is a fault: RF is set in its frame (17.3.1.1). */
	EXPECT_EQ(X86_RFLAGS_RF, f.rflags & X86_RFLAGS_RF)
		TH_LOG("%s: RFLAGS.RF clear in the frame of fault %u", what, vector);
	EXPECT_EQ(rip, f.rip)
		TH_LOG("%s: vector %u should be raised by the instruction at 0x%llx",
		       what, vector, (unsigned long long)rip);
	if (has_error) {
		EXPECT_EQ(U64(error), f.error) TH_LOG("%s: error code", what);
	}
}

/* CPUID(leaf, subleaf) in the guest; the HLT is the first exit. */
static void guest_cpuid(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
			uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	/* CPUID reads EAX/ECX only: junk in the upper halves must not matter. */
	struct axvm_regs regs = {
		.rax = 0xffffffff00000000ULL | leaf,
		.rcx = 0xffffffff00000000ULL | subleaf,
	};

	xg_start_at(vcpu, GPA_OF(xg_cpuid), &regs);
	run_to_halt(_metadata, vcpu, GPA_OF(xg_cpuid_hlt), &regs);
	/* The outputs are zero-extended into the 64-bit registers. */
	EXPECT_EQ(0ULL, regs.rax >> 32);
	EXPECT_EQ(0ULL, regs.rbx >> 32);
	EXPECT_EQ(0ULL, regs.rcx >> 32);
	EXPECT_EQ(0ULL, regs.rdx >> 32);
	out[0] = regs.rax;
	out[1] = regs.rbx;
	out[2] = regs.rcx;
	out[3] = regs.rdx;
}

/* ---------------------------------------------------------------------- */

TEST(cpuid_vendor_leaf)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t r[4];
	char sig[13];

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_cpuid), false);
	/* No exit reaches userspace before the HLT: CPUID is the kernel's. */
	guest_cpuid(_metadata, vcpu, 0x40000000, 0, r);
	EXPECT_EQ(0x40000000U, r[0]);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = 0;
	EXPECT_STREQ("axvmaxvmaxvm", sig);
	axvm_vm_free(vm);
}

static struct axvm_cpuid *cpuid_alloc(uint32_t nent)
{
	struct axvm_cpuid *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

	AXVM_CHECK(c, "calloc");
	c->nent = nent;
	return c;
}

static const struct axvm_cpuid_entry *
cpuid_find(const struct axvm_cpuid *c, uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == function &&
		    (!(c->entries[i].flags & AXVM_CPUID_F_INDEX) ||
		     c->entries[i].index == index))
			return &c->entries[i];
	return NULL;
}

#define CUSTOM_NENT	6

static const struct axvm_cpuid_entry custom_cpuid[CUSTOM_NENT] = {
	{ .function = 0x40000001, .eax = 1, .ebx = 2, .ecx = 3, .edx = 4 },
	{ .function = 7, .index = 0, .flags = AXVM_CPUID_F_INDEX,
	  .eax = 0x70, .ebx = 0x71, .ecx = 0x72, .edx = 0x73 },
	{ .function = 7, .index = 1, .flags = AXVM_CPUID_F_INDEX,
	  .eax = 0x170, .ebx = 0x171, .ecx = 0x172, .edx = 0x173 },
	/* EBX[31:24] is the vCPU's APIC ID whatever the table says. */
	{ .function = 1, .eax = 0x806f8, .ebx = 0xab123456,
	  .ecx = 0x80000201, .edx = 0x178bfbff },
	/* EDX of leaf 0BH is the x2APIC ID: the vCPU id. */
	{ .function = 0xb, .index = 0, .flags = AXVM_CPUID_F_INDEX,
	  .eax = 0xb0, .ebx = 0xb1, .ecx = 0xb2, .edx = 0xb3 },
	{ .function = 0x80000000, .eax = 0x80000000 },
};

TEST(cpuid_leaf1)
{
	const uint32_t id = 5;
	const struct axvm_cpuid_entry *e;
	struct axvm_cpuid *c, *got;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t r[4], n;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, id, GPA_OF(xg_cpuid), false);

	/* The default table. */
	guest_cpuid(_metadata, vcpu, 1, 0, r);
	EXPECT_EQ(1U << 31, r[2] & (1U << 31)) TH_LOG("hypervisor bit clear: ecx 0x%x", r[2]);
	EXPECT_EQ(0U, r[2] & (1U << 5)) TH_LOG("VMX visible: ecx 0x%x", r[2]);
	EXPECT_EQ(0U, r[2] & (1U << 3)) TH_LOG("MONITOR visible: ecx 0x%x", r[2]);
	EXPECT_EQ(0U, r[2] & (1U << 27)) TH_LOG("OSXSAVE set with CR4.OSXSAVE clear: ecx 0x%x", r[2]);
	EXPECT_EQ(id, r[1] >> 24) TH_LOG("ebx 0x%x", r[1]);

	c = cpuid_alloc(0);
	EXPECT_ERRNO(E2BIG, ioctl(vm->fd, AXVM_GET_CPUID, c));
	n = c->nent;
	ASSERT_LT(0U, n);
	ASSERT_GE(U64(AXVM_MAX_CPUID_ENTRIES), U64(n));
	free(c);
	c = cpuid_alloc(n);
	ASSERT_EQ(0, ioctl(vm->fd, AXVM_GET_CPUID, c));
	ASSERT_EQ(n, c->nent);
	e = cpuid_find(c, 0x40000000, 0);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(0x40000000U, e->eax);
	EXPECT_EQ(0, memcmp(&e->ebx, "axvm", 4));
	e = cpuid_find(c, 1, 0);
	ASSERT_TRUE(e != NULL);
	EXPECT_EQ(1U << 31, e->ecx & (1U << 31));
	EXPECT_EQ(0U, e->ecx & (1U << 5));
	free(c);

	/* A table of our own. */
	c = cpuid_alloc(CUSTOM_NENT);
	memcpy(c->entries, custom_cpuid, sizeof(custom_cpuid));
	ASSERT_EQ(0, ioctl(vm->fd, AXVM_SET_CPUID, c));

	got = cpuid_alloc(CUSTOM_NENT - 1);
	EXPECT_ERRNO(E2BIG, ioctl(vm->fd, AXVM_GET_CPUID, got));
	EXPECT_EQ(U64(CUSTOM_NENT), U64(got->nent)) TH_LOG("GET with too little room tells the count");
	free(got);
	got = cpuid_alloc(AXVM_MAX_CPUID_ENTRIES);
	ASSERT_EQ(0, ioctl(vm->fd, AXVM_GET_CPUID, got));
	ASSERT_EQ(U64(CUSTOM_NENT), U64(got->nent));
	EXPECT_EQ(0, memcmp(got->entries, custom_cpuid, sizeof(custom_cpuid)));

	/* An entry without AXVM_CPUID_F_INDEX answers every subleaf. */
	guest_cpuid(_metadata, vcpu, 0x40000001, 0x77, r);
	EXPECT_EQ(1U, r[0]);
	EXPECT_EQ(2U, r[1]);
	EXPECT_EQ(3U, r[2]);
	EXPECT_EQ(4U, r[3]);
	guest_cpuid(_metadata, vcpu, 7, 0, r);
	EXPECT_EQ(0x70U, r[0]);
	EXPECT_EQ(0x73U, r[3]);
	guest_cpuid(_metadata, vcpu, 7, 1, r);
	EXPECT_EQ(0x170U, r[0]);
	EXPECT_EQ(0x171U, r[1]);
	EXPECT_EQ(0x172U, r[2]);
	EXPECT_EQ(0x173U, r[3]);
	/* No entry: zeros. */
	guest_cpuid(_metadata, vcpu, 7, 2, r);
	EXPECT_EQ(0U, r[0] | r[1] | r[2] | r[3]);
	guest_cpuid(_metadata, vcpu, 0x40000000, 0, r);
	EXPECT_EQ(0U, r[0] | r[1] | r[2] | r[3]) TH_LOG("the vendor leaf outlived SET_CPUID");
	guest_cpuid(_metadata, vcpu, 1, 0, r);
	EXPECT_EQ(0x806f8U, r[0]);
	EXPECT_EQ(0x00123456U | id << 24, r[1]);
	EXPECT_EQ(0x80000201U, r[2]);
	EXPECT_EQ(0x178bfbffU, r[3]);
	guest_cpuid(_metadata, vcpu, 0xb, 0, r);
	EXPECT_EQ(0xb0U, r[0]);
	EXPECT_EQ(id, r[3]);

	/* Garbage is refused and leaves the table alone. */
	c->pad = 1;
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, AXVM_SET_CPUID, c));
	c->pad = 0;
	c->entries[2].pad = 1;
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, AXVM_SET_CPUID, c));
	c->entries[2].pad = 0;
	c->entries[0].flags = 2;
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, AXVM_SET_CPUID, c));
	free(c);
	c = cpuid_alloc(AXVM_MAX_CPUID_ENTRIES + 1);
	EXPECT_ERRNO(E2BIG, ioctl(vm->fd, AXVM_SET_CPUID, c));
	free(c);
	memset(got, 0, sizeof(*got) + AXVM_MAX_CPUID_ENTRIES * sizeof(got->entries[0]));
	got->nent = AXVM_MAX_CPUID_ENTRIES;
	ASSERT_EQ(0, ioctl(vm->fd, AXVM_GET_CPUID, got));
	ASSERT_EQ(U64(CUSTOM_NENT), U64(got->nent));
	EXPECT_EQ(0, memcmp(got->entries, custom_cpuid, sizeof(custom_cpuid)));
	free(got);
	axvm_vm_free(vm);
}

/* The guest's MSR table entry (xg_msr_table). */
struct xg_msr {
	uint32_t msr;
	uint32_t flags;		/* bit 0: write value first */
	uint64_t value;
	uint64_t rax, rdx;	/* what RDMSR left */
};

struct msr_case {
	const char *name;
	uint32_t msr;
	bool write;
	uint64_t value;		/* written */
	uint64_t expect;	/* read back */
};

TEST(msr_allowlist)
{
	const uint64_t efer = EFER_LME | EFER_LMA;	/* axvm_sregs_long() */
	const uint64_t misc_enable = (1ULL << 0) | (1ULL << 11) | (1ULL << 12);
	const struct msr_case cases[] = {
		{ "EFER", MSR_EFER, false, 0, efer },
		{ "EFER.SCE", MSR_EFER, true, efer | 1, efer | 1 },
		{ "LSTAR", MSR_LSTAR, true, 0xffffffff81000000ULL, 0xffffffff81000000ULL },
		{ "STAR", MSR_STAR, true, 0x0023001000000000ULL, 0x0023001000000000ULL },
		{ "CSTAR", MSR_CSTAR, true, 0xffff800000001234ULL, 0xffff800000001234ULL },
		{ "SFMASK", MSR_SFMASK, true, 0x47700, 0x47700 },
		{ "KERNEL_GS_BASE", MSR_KERNEL_GS_BASE, true, 0xffff888012345000ULL,
		  0xffff888012345000ULL },
		{ "FS_BASE", MSR_FS_BASE, true, 0x0000123456789000ULL, 0x0000123456789000ULL },
		{ "GS_BASE", MSR_GS_BASE, true, 0x00007fff12340000ULL, 0x00007fff12340000ULL },
		{ "SYSENTER_CS", MSR_SYSENTER_CS, true, 0x10, 0x10 },
		{ "SYSENTER_ESP", MSR_SYSENTER_ESP, true, 0xffffc90000001000ULL,
		  0xffffc90000001000ULL },
		{ "SYSENTER_EIP", MSR_SYSENTER_EIP, true, 0xffffffff81234567ULL,
		  0xffffffff81234567ULL },
		{ "PAT (reset)", MSR_PAT, false, 0, PAT_RESET },
		{ "PAT", MSR_PAT, true, 0x0007010600070406ULL, 0x0007010600070406ULL },
		{ "TSC_AUX", MSR_TSC_AUX, true, 0x12345678, 0x12345678 },
		{ "MISC_ENABLE", MSR_MISC_ENABLE, false, 0, misc_enable },
		/* The others of the allowlist (Documentation/exit-reasons.rst). */
		{ "APIC_BASE", MSR_APIC_BASE, false, 0, 0xfee00000ULL | (1 << 11) | (1 << 8) },
		{ "FEATURE_CONTROL", MSR_FEATURE_CONTROL, false, 0, 1 },
		{ "MTRRcap", MSR_MTRRCAP, false, 0, 0 },
		{ "MTRRdefType", MSR_MTRR_DEF_TYPE, true, 0xc06, 0xc06 },
		/* IA32_TSC_ADJUST and the machine-check MSRs CPUID.1:EDX.MCA promises. */
		{ "TSC_ADJUST (reset)", MSR_TSC_ADJUST, false, 0, 0 },
		{ "MCG_CAP", MSR_MCG_CAP, false, 0, XG_MCE_BANKS },
		{ "MCG_STATUS", MSR_MCG_STATUS, true, 0x5, 0x5 },
		{ "MC0_CTL all ones", MSR_MC_CTL(0), true, ~0ULL, ~0ULL },
		{ "MC2_CTL bit 10 clear", MSR_MC_CTL(2), true, ~(1ULL << 10), ~(1ULL << 10) },
		{ "MC1_STATUS 0", MSR_MC_STATUS(1), true, 0, 0 },
		{ "MC3_ADDR", MSR_MC_ADDR(XG_MCE_BANKS - 1), true, 0x12345678, 0x12345678 },
		{ "MC3_MISC", MSR_MC_MISC(XG_MCE_BANKS - 1), true, 0x55, 0x55 },
		/* A second read: the first write stuck. */
		{ "LSTAR again", MSR_LSTAR, false, 0, 0xffffffff81000000ULL },
		{ "KERNEL_GS_BASE again", MSR_KERNEL_GS_BASE, false, 0, 0xffff888012345000ULL },
	};
	const unsigned int n = ARRAY_SIZE(cases);
	struct axvm_sregs sregs;
	struct axvm_regs regs = { .rsi = XG_DATA_GPA };
	struct axvm_vcpu *vcpu;
	struct xg_msr *t;
	struct axvm_vm *vm;
	unsigned int i;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_msr_table), true);
	t = axvm_gpa2hva(vm, XG_DATA_GPA, (n + 1) * sizeof(*t));
	for (i = 0; i < n; i++) {
		t[i].msr = cases[i].msr;
		t[i].flags = cases[i].write;
		t[i].value = cases[i].value;
		t[i].rax = t[i].rdx = 0x5555555555555555ULL;	/* not written yet */
	}
	t[n].msr = ~0U;
	xg_start_at(vcpu, GPA_OF(xg_msr_table), &regs);

	/* All in the kernel: the HLT is the first exit. */
	axvm_vcpu_run(vcpu);
	if (vcpu->run->exit.kind != AXVM_EXIT_HALT) {
		axvm_vcpu_get_regs(vcpu, &regs);
		i = (regs.rsi - XG_DATA_GPA) / sizeof(*t);
		if (i < n)
			TH_LOG("stopped at table entry %u (%s)", i, cases[i].name);
	}
	check_halt(_metadata, vcpu, GPA_OF(xg_msr_table_hlt), &regs);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(cases[i].expect & 0xffffffff, t[i].rax)
			TH_LOG("%s (%#x): EAX (upper half zero)", cases[i].name, cases[i].msr);
		EXPECT_EQ(cases[i].expect >> 32, t[i].rdx)
			TH_LOG("%s (%#x): EDX (upper half zero)", cases[i].name, cases[i].msr);
	}
	/* Bases written by WRMSR are the segment bases. */
	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(0x0000123456789000ULL, sregs.fs.base);
	EXPECT_EQ(0x00007fff12340000ULL, sregs.gs.base);
	EXPECT_EQ(efer | 1, sregs.efer);
	axvm_vm_free(vm);
}

TEST(msr_gp)
{
	/* WRMSRs that must raise #GP(0) and change nothing. */
	const struct msr_case bad[] = {
		{ "FS_BASE non-canonical", MSR_FS_BASE, true, 0x0000800000000000ULL, 0 },
		{ "PAT type 2", MSR_PAT, true, 0x0007040600070402ULL, PAT_RESET },
		{ "FEATURE_CONTROL", MSR_FEATURE_CONTROL, true, 5, 1 },
		{ "LSTAR non-canonical", MSR_LSTAR, true, 0x8000000000000000ULL, 0 },
		{ "TSC_AUX bit 32", MSR_TSC_AUX, true, 1ULL << 32, 0 },
		{ "EFER.LME off with paging on", MSR_EFER, true, EFER_LMA, EFER_LME | EFER_LMA },
		/* As KVM on Intel: MCi_STATUS takes only 0, MCi_CTL 0 or all ones. */
		{ "MC0_STATUS non-zero", MSR_MC_STATUS(0), true, 1, 0 },
		{ "MC0_CTL 5", MSR_MC_CTL(0), true, 5, 0 },
		{ "MCG_CAP is read-only", MSR_MCG_CAP, true, 8, XG_MCE_BANKS },
	};
	const unsigned int n = ARRAY_SIZE(bad);
	struct axvm_regs regs;
	struct axvm_sregs sregs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	unsigned int i;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_wrmsr), true);
	for (i = 0; i < n; i++) {
		regs = (struct axvm_regs){
			.rcx = bad[i].msr,
			.rax = bad[i].value & 0xffffffff,
			.rdx = bad[i].value >> 32,
		};
		xg_start_at(vcpu, GPA_OF(xg_wrmsr), &regs);
		axvm_vcpu_run(vcpu);
		expect_fault(_metadata, vm, vcpu, bad[i].name, VEC_GP, true, 0, GPA_OF(xg_wrmsr));

		/* The MSR kept its value. */
		regs = (struct axvm_regs){ .rcx = bad[i].msr, .rax = ~0ULL, .rdx = ~0ULL };
		xg_start_at(vcpu, GPA_OF(xg_rdmsr), &regs);
		run_to_halt(_metadata, vcpu, GPA_OF(xg_rdmsr_hlt), &regs);
		EXPECT_EQ(bad[i].expect & 0xffffffff, regs.rax) TH_LOG("%s", bad[i].name);
		EXPECT_EQ(bad[i].expect >> 32, regs.rdx) TH_LOG("%s", bad[i].name);
	}
	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(0ULL, sregs.fs.base);
	EXPECT_EQ(EFER_LME | EFER_LMA, sregs.efer);
	axvm_vm_free(vm);
}

/*
 * IA32_TSC_ADJUST (SDM Vol. 3B, 17.17.3): writing it moves the TSC by the
 * change; writing the TSC moves it by the TSC's change.
 */
TEST(tsc_adjust)
{
	const uint64_t adj = 1ULL << 40, slack = 1ULL << 36;
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs = { 0 };
	struct axvm_vm *vm;
	uint64_t at_write;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_tsc_adjust), true);
	xg_start_at(vcpu, GPA_OF(xg_tsc_adjust), &regs);
	axvm_vcpu_run(vcpu);
	check_halt(_metadata, vcpu, GPA_OF(xg_tsc_adjust_hlt), &regs);
	EXPECT_EQ(adj, regs.r14) TH_LOG("TSC_ADJUST reads what was written");
	EXPECT_LE(adj, regs.r13 - regs.r12) TH_LOG("the TSC moved with TSC_ADJUST");
	EXPECT_GT(adj + slack, regs.r13 - regs.r12);
	EXPECT_LE(0x1000ULL, regs.rbx) TH_LOG("WRMSR to the TSC");
	EXPECT_GT(slack, regs.rbx);
	/* The TSC moved by 0x1000 - (TSC at the write): so did TSC_ADJUST. */
	at_write = adj + 0x1000 - regs.r15;
	EXPECT_LE(0LL, (int64_t)(at_write - regs.r13))
		TH_LOG("TSC_ADJUST 0x%llx after the TSC write", (unsigned long long)regs.r15);
	EXPECT_GT((int64_t)slack, (int64_t)(at_write - regs.r13));
	axvm_vm_free(vm);
}

/*
 * RFLAGS.TF = 1: after an instruction the kernel emulates, skips or
 * completes for userspace, the single-step #DB comes (SDM Vol. 3B,
 * 17.3.1.4), at the next instruction, with TF in the frame; after MOV SS
 * it waits one instruction, then comes once.
 */
TEST(single_step_after_emulation)
{
	static const struct {
		const char *name;
		const unsigned char *insn, *next;
	} cases[] = {
		{ "CPUID", xg_ss_cpuid, xg_ss_cpuid_next },
		{ "RDMSR EFER", xg_ss_rdmsr, xg_ss_rdmsr_next },
		{ "OUT answered by userspace", xg_ss_out, xg_ss_out_next },
		{ "IN answered by userspace", xg_ss_in, xg_ss_in_next },
		{ "MMIO write", xg_ss_mmio, xg_ss_mmio_next },
		{ "MMIO OR (read, write)", xg_ss_mmio_or, xg_ss_mmio_or_next },
		{ "HLT", xg_ss_hlt, xg_ss_hlt_next },
		{ "MOV SS; CPUID", xg_ss_movss, xg_ss_movss_next },
	};
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct xg_frame f;
	struct axvm_vm *vm;
	unsigned int i, n;
	uint32_t kind;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_ss_cpuid), true);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		regs = (struct axvm_regs){ .rcx = MSR_EFER, .r12 = XG_MMIO };
		xg_start_at(vcpu, GPA_OF(cases[i].insn), &regs);
		kind = axvm_vcpu_run(vcpu);
		/* Answer what userspace must (at most a read and a write). */
		for (n = 0; n < 3; n++) {
			const struct axvm_exit *e = &vcpu->run->exit;

			if (kind == AXVM_EXIT_IO_WRITE && e->u.io_write.port == XG_PORT_VECTOR)
				break;
			if (kind == AXVM_EXIT_IO_READ || kind == AXVM_EXIT_MMIO_READ)
				kind = run_answer(vcpu, AXVM_RESP_DATA);
			else
				kind = run_answer(vcpu, AXVM_RESP_NONE);
		}
		expect_handler(_metadata, vm, vcpu, cases[i].name, VEC_DB, false, &f);
		EXPECT_EQ(GPA_OF(cases[i].next), f.rip)
			TH_LOG("%s: the #DB must follow the instruction itself", cases[i].name);
		EXPECT_EQ(X86_RFLAGS_TF, f.rflags & X86_RFLAGS_TF) TH_LOG("%s", cases[i].name);
		EXPECT_EQ(0ULL, f.rflags & X86_RFLAGS_RF) TH_LOG("%s: a trap", cases[i].name);
	}
	axvm_vm_free(vm);
}

TEST(msr_to_userspace)
{
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct axvm_run *run;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_umsr), true);
	run = vcpu->run;

	/* RDMSR of an MSR not on the list: SYSREG_READ, answered with data. */
	axvm_vcpu_run(vcpu);
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_SYSREG_READ);
	check_exit(_metadata, vcpu, VMX_EXIT_RDMSR, GPA_OF(xg_umsr_rdmsr));
	EXPECT_EQ(2, run->exit.inst_len);
	EXPECT_EQ(U64(XG_UMSR_RD), run->exit.u.sysreg_read.addr);
	EXPECT_EQ(AXVM_REG_RAX, run->exit.u.sysreg_read.reg);
	run->exit.u.sysreg_read.data = 0x1122334455667788ULL;
	run_answer(vcpu, AXVM_RESP_DATA);

	/* WRMSR: SYSREG_WRITE of EDX:EAX (not the upper halves), completed. */
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_SYSREG_WRITE);
	check_exit(_metadata, vcpu, VMX_EXIT_WRMSR, GPA_OF(xg_umsr_wrmsr));
	EXPECT_EQ(2, run->exit.inst_len);
	EXPECT_EQ(U64(XG_UMSR_WR), run->exit.u.sysreg_write.addr);
	EXPECT_EQ(0x8badf00dcafef00dULL, run->exit.u.sysreg_write.value);
	run_answer(vcpu, AXVM_RESP_NONE);

	/* Another WRMSR, answered with #GP: the guest's handler runs. */
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_SYSREG_WRITE);
	check_exit(_metadata, vcpu, VMX_EXIT_WRMSR, GPA_OF(xg_umsr_wrmsr_gp));
	EXPECT_EQ(U64(XG_UMSR_WR_GP), run->exit.u.sysreg_write.addr);
	EXPECT_EQ(0x2222222211111111ULL, run->exit.u.sysreg_write.value);
	run_answer(vcpu, AXVM_RESP_INJECT_GP);
	expect_fault(_metadata, vm, vcpu, "WRMSR answered with INJECT_GP", VEC_GP, true, 0,
		     GPA_OF(xg_umsr_wrmsr_gp));

	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0x55667788ULL, regs.r12) TH_LOG("RAX after RDMSR");
	EXPECT_EQ(0x11223344ULL, regs.r13) TH_LOG("RDX after RDMSR");
	EXPECT_EQ(1ULL, regs.r14) TH_LOG("the first WRMSR did not complete");
	EXPECT_EQ(U64(XG_UMSR_WR_GP), regs.rcx);
	axvm_vm_free(vm);
}

TEST(hypercall)
{
	const uint64_t ret = 0xfeedfacecafe0001ULL;
	const uint64_t args[6] = {
		XG_HC_A0, XG_HC_A1, XG_HC_A2, XG_HC_A3, XG_HC_A4, XG_HC_A5,
	};
	const struct axvm_exit *e;
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct axvm_vm *vm;
	unsigned int i;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_hypercall), true);
	e = &vcpu->run->exit;

	axvm_vcpu_run(vcpu);
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_HYPERCALL);
	check_exit(_metadata, vcpu, VMX_EXIT_VMCALL, GPA_OF(xg_vmcall1));
	EXPECT_EQ(3, e->inst_len);		/* 0f 01 c1 */
	EXPECT_EQ(U64(XG_HC_NR), e->u.hypercall.nr);
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(args[i], e->u.hypercall.args[i])
			TH_LOG("args[%u]: RDI, RSI, RDX, RCX, R8, R9 in that order", i);
	}
	EXPECT_EQ(0ULL, e->u.hypercall.ret);
	vcpu->run->exit.u.hypercall.ret = ret;
	run_answer(vcpu, AXVM_RESP_DATA);

	/* The guest went on past the VMCALL to the next one. */
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_HYPERCALL);
	check_exit(_metadata, vcpu, VMX_EXIT_VMCALL, GPA_OF(xg_vmcall2));
	EXPECT_EQ(U64(XG_HC_NR2), e->u.hypercall.nr);
	EXPECT_EQ(U64(XG_HC_A0), e->u.hypercall.args[0]);
	/* Answered without data: RAX stays. */
	run_answer(vcpu, AXVM_RESP_NONE);

	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_HALT);
	check_halt(_metadata, vcpu, GPA_OF(xg_hypercall_hlt), &regs);
	EXPECT_EQ(ret, regs.r12) TH_LOG("RAX after the VMCALL answered with ret");
	EXPECT_EQ(U64(XG_HC_NR2), regs.r13) TH_LOG("RAX after the VMCALL answered with NONE");
	EXPECT_EQ(U64(XG_HC_A0), regs.rdi);
	EXPECT_EQ(U64(XG_HC_A5), regs.r9);
	axvm_vm_free(vm);
}

/* I/O qualification (SDM Vol. 3C, Table 28-5): size-1, IN, DX/immediate, port. */
static uint64_t io_qual(unsigned int width, bool in, bool imm, uint16_t port)
{
	return (width - 1) | (in ? 1 << 3 : 0) | (imm ? 1 << 6 : 0) | U64(port) << 16;
}

static void check_io(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
		     uint32_t kind, const unsigned char *insn, unsigned int len,
		     unsigned int width, bool imm, uint16_t port)
{
	const struct axvm_exit *e = &vcpu->run->exit;
	bool in = kind == AXVM_EXIT_IO_READ;

	ASSERT_EXIT_KIND(vcpu, kind);
	check_exit(_metadata, vcpu, VMX_EXIT_IO_INSTRUCTION, GPA_OF(insn));
	EXPECT_EQ(io_qual(width, in, imm, port), e->qualification);
	EXPECT_EQ(len, e->inst_len);
	if (in) {
		EXPECT_EQ(port, e->u.io_read.port);
		EXPECT_EQ(width, e->u.io_read.width);
	} else {
		EXPECT_EQ(port, e->u.io_write.port);
		EXPECT_EQ(width, e->u.io_write.width);
	}
}

TEST(io_widths)
{
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct axvm_run *run;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_io), true);
	run = vcpu->run;

	/* OUT: the data is AL, AX or EAX, whatever the rest of RAX holds. */
	axvm_vcpu_run(vcpu);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_WRITE, xg_io_outb, 2, 1, true, 0x20);
	EXPECT_EQ(0x88ULL, run->exit.u.io_write.data);
	axvm_vcpu_run(vcpu);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_WRITE, xg_io_outw, 3, 2, true, 0x21);
	EXPECT_EQ(0x7788ULL, run->exit.u.io_write.data);
	axvm_vcpu_run(vcpu);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_WRITE, xg_io_outl, 2, 4, true, 0x22);
	EXPECT_EQ(0x55667788ULL, run->exit.u.io_write.data);
	axvm_vcpu_run(vcpu);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_WRITE, xg_io_outdx, 1, 1, false,
		 XG_OUT_DX_PORT);
	EXPECT_EQ(0x88ULL, run->exit.u.io_write.data);

	/* IN: the host's data, cut to the width. */
	axvm_vcpu_run(vcpu);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_READ, xg_io_inb, 2, 1, true, 0x30);
	/* An unknown response is refused and the exit stays to be answered. */
	run->response = AXVM_RESP_INJECT_GP + 5;
	EXPECT_ERRNO(EINVAL, __axvm_vcpu_run(vcpu));
	run->exit.u.io_read.data = 0xa1a2a3a4;
	run_answer(vcpu, AXVM_RESP_DATA);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_READ, xg_io_inw, 3, 2, true, 0x31);
	run->exit.u.io_read.data = 0xb1b2b3b4;
	run_answer(vcpu, AXVM_RESP_DATA);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_READ, xg_io_inl, 2, 4, true, 0x32);
	run->exit.u.io_read.data = 0xffffffffc1c2c3c4ULL;
	run_answer(vcpu, AXVM_RESP_DATA);
	check_io(_metadata, vcpu, AXVM_EXIT_IO_READ, xg_io_indx, 1, 4, false, XG_IN_DX_PORT);
	run->exit.u.io_read.data = 0xd1d2d3d4;
	run_answer(vcpu, AXVM_RESP_DATA);

	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_HALT);
	check_halt(_metadata, vcpu, GPA_OF(xg_io_hlt), &regs);
	/* IN AL and IN AX keep the rest of RAX; IN EAX zero-extends. */
	EXPECT_EQ(0xdeadbeefcafebaa4ULL, regs.r12);
	EXPECT_EQ(0xdeadbeefcafeb3b4ULL, regs.r13);
	EXPECT_EQ(0x00000000c1c2c3c4ULL, regs.r14);
	EXPECT_EQ(0x00000000d1d2d3d4ULL, regs.r15);
	axvm_vm_free(vm);
}

/* 1 if /proc/cpuinfo lists flag for the CPU we run on, 0 if not, -1 if unknown. */
static int cpuinfo_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	int cpu = sched_getcpu(), cur = -1, found = -1;
	char *line = NULL, *tok, *save;
	size_t size = 0;

	if (!f)
		return -1;
	while (found < 0 && getline(&line, &size, f) > 0) {
		if (sscanf(line, "processor : %d", &cur) == 1)
			continue;
		if (strncmp(line, "flags", 5) || (cpu >= 0 && cur != cpu))
			continue;
		found = 0;
		tok = strchr(line, ':');
		for (tok = tok ? strtok_r(tok + 1, " \t\n", &save) : NULL; tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, flag))
				found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

TEST(xsetbv_cr4)
{
	unsigned int a, b, c, d;
	struct axvm_sregs sregs;
	struct axvm_regs regs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	bool osxsave, xsave;
	uint32_t r[4];
	int flag;

	AXVM_REQUIRE();
	/*
	 * axvm lets guests have XSAVE iff the host kernel enabled it:
	 * CR4.OSXSAVE (axvm_vmx.host_xsave), which CPUID.1:ECX[27] mirrors
	 * here in userspace. /proc/cpuinfo's "xsave" (gone when the kernel
	 * disabled XSAVE, as in the Bochs test machine) is only logged.
	 */
	__cpuid(1, a, b, c, d);
	osxsave = c & (1U << 27);
	flag = cpuinfo_flag("xsave");
	xsave = osxsave;
	TH_LOG("host: CPUID.1:ECX.XSAVE %u OSXSAVE %u, /proc/cpuinfo xsave %d: guest XSAVE %s",
	       (c >> 26) & 1, osxsave, flag, xsave ? "on" : "off");
	if (flag >= 0 && osxsave != (flag == 1))
		TH_LOG("note: CR4.OSXSAVE and /proc/cpuinfo disagree; axvm follows CR4.OSXSAVE");
	(void)a;
	(void)b;
	(void)d;

	vcpu = xg_create(&vm, 0, GPA_OF(xg_osxsave), true);

	/* What the default CPUID says about it. */
	guest_cpuid(_metadata, vcpu, 1, 0, r);
	EXPECT_EQ((unsigned int)xsave, (r[2] >> 26) & 1) TH_LOG("guest CPUID.1:ECX.XSAVE");
	EXPECT_EQ(0U, (r[2] >> 27) & 1) TH_LOG("guest CPUID.1:ECX.OSXSAVE before CR4.OSXSAVE");
	if (!xsave) {
		EXPECT_EQ(0U, (r[2] >> 28) & 1) TH_LOG("AVX without XSAVE");
	}

	regs = (struct axvm_regs){ 0 };
	xg_start_at(vcpu, GPA_OF(xg_osxsave), &regs);
	axvm_vcpu_run(vcpu);
	if (!xsave) {
		/* MOV to CR4 setting OSXSAVE: #GP(0), CR4 unchanged. */
		expect_fault(_metadata, vm, vcpu, "MOV to CR4 setting OSXSAVE", VEC_GP, true, 0,
			     GPA_OF(xg_osxsave_mov));
		regs = (struct axvm_regs){ 0 };
		xg_start_at(vcpu, GPA_OF(xg_read_crs), &regs);
		run_to_halt(_metadata, vcpu, GPA_OF(xg_read_crs_hlt), &regs);
		EXPECT_EQ(0ULL, regs.rbx & X86_CR4_OSXSAVE) TH_LOG("guest CR4 0x%llx",
								  (unsigned long long)regs.rbx);
		axvm_vcpu_get_sregs(vcpu, &sregs);
		EXPECT_EQ(0ULL, sregs.cr4 & X86_CR4_OSXSAVE);
		axvm_vm_free(vm);
		return;
	}

	/* CR4.OSXSAVE set, XSETBV(0, 3) done, XGETBV(0) reads 3. */
	check_halt(_metadata, vcpu, GPA_OF(xg_osxsave_hlt), &regs);
	EXPECT_EQ(X86_CR4_OSXSAVE, regs.r14 & X86_CR4_OSXSAVE) TH_LOG("CR4 read back");
	EXPECT_EQ(3ULL, regs.r12) TH_LOG("XCR0 low");
	EXPECT_EQ(0ULL, regs.r13) TH_LOG("XCR0 high");
	EXPECT_EQ(1ULL << 27, regs.r15 & (1ULL << 27)) TH_LOG("CPUID.1:ECX.OSXSAVE mirrors CR4");
	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(X86_CR4_OSXSAVE, sregs.cr4 & X86_CR4_OSXSAVE);

	/* XSETBV without x87 in XCR0: #GP. */
	regs = (struct axvm_regs){ .rcx = 0, .rax = 0, .rdx = 0 };
	xg_start_at(vcpu, GPA_OF(xg_xsetbv), &regs);
	axvm_vcpu_run(vcpu);
	expect_fault(_metadata, vm, vcpu, "XSETBV(0, 0)", VEC_GP, true, 0, GPA_OF(xg_xsetbv));
	/* XSETBV of an XCR other than 0: #GP. */
	regs = (struct axvm_regs){ .rcx = 1, .rax = 3, .rdx = 0 };
	xg_start_at(vcpu, GPA_OF(xg_xsetbv), &regs);
	axvm_vcpu_run(vcpu);
	expect_fault(_metadata, vm, vcpu, "XSETBV(1, 3)", VEC_GP, true, 0, GPA_OF(xg_xsetbv));
	/* XCR0 is still 3. */
	regs = (struct axvm_regs){ .rcx = 0, .rax = ~0ULL, .rdx = ~0ULL };
	xg_start_at(vcpu, GPA_OF(xg_xgetbv), &regs);
	run_to_halt(_metadata, vcpu, GPA_OF(xg_xgetbv_hlt), &regs);
	EXPECT_EQ(3ULL, regs.rax);
	EXPECT_EQ(0ULL, regs.rdx);
	axvm_vm_free(vm);
}

TEST(ud_for_vmx_insns)
{
	static const struct {
		const char *name;
		const unsigned char *insn;
		uint32_t vector;
	} insns[] = {
		{ "VMXON", xg_vmxon, VEC_UD },
		{ "VMCLEAR", xg_vmclear, VEC_UD },
		{ "VMPTRLD", xg_vmptrld, VEC_UD },
		{ "VMPTRST", xg_vmptrst, VEC_UD },
		{ "VMREAD", xg_vmread, VEC_UD },
		{ "VMWRITE", xg_vmwrite, VEC_UD },
		{ "VMLAUNCH", xg_vmlaunch, VEC_UD },
		{ "VMRESUME", xg_vmresume, VEC_UD },
		{ "VMXOFF", xg_vmxoff, VEC_UD },
		{ "INVEPT", xg_invept, VEC_UD },
		{ "INVVPID", xg_invvpid, VEC_UD },
		{ "INVD", xg_invd, VEC_UD },
		{ "GETSEC", xg_getsec, VEC_UD },
		{ "MONITOR", xg_monitor, VEC_UD },
		{ "MWAIT", xg_mwait, VEC_UD },
		{ "RDPMC", xg_rdpmc, VEC_GP },
	};
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct axvm_vm *vm;
	unsigned int i;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_vmxon), true);
	for (i = 0; i < ARRAY_SIZE(insns); i++) {
		/* Operands: RSI -> a zeroed page, RAX = 1 (INVEPT/INVVPID type), RCX = 0. */
		regs = (struct axvm_regs){ .rsi = XG_DATA_GPA, .rax = 1 };
		xg_start_at(vcpu, GPA_OF(insns[i].insn), &regs);
		axvm_vcpu_run(vcpu);
		expect_fault(_metadata, vm, vcpu, insns[i].name, insns[i].vector,
			     insns[i].vector == VEC_GP, 0, GPA_OF(insns[i].insn));
	}
	axvm_vm_free(vm);
}

TEST(wbinvd_is_a_nop)
{
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs = { 0 };
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_wbinvd), true);
	xg_start_at(vcpu, GPA_OF(xg_wbinvd), &regs);
	ASSERT_EQ(AXVM_EXIT_HALT, axvm_vcpu_run(vcpu))
		axvm_dump_exit(stderr, &vcpu->run->exit);
	EXPECT_EQ(GPA_OF(xg_wbinvd) + 2, vcpu->run->exit.guest_rip);
	axvm_vm_free(vm);
}

TEST(triple_fault)
{
	struct axvm_sregs sregs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_ud2), false);
	axvm_vcpu_get_sregs(vcpu, &sregs);
	ASSERT_EQ(0, sregs.idt.limit);
	/* #UD, #GP (no gate), #DF (no gate): shutdown. */
	axvm_vcpu_run(vcpu);
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_SYSTEM_DOWN);
	EXPECT_EQ(VMX_EXIT_TRIPLE_FAULT, vcpu->run->exit.basic_reason);
	EXPECT_EQ(vcpu->id, vcpu->run->exit.vcpu_id);
	axvm_vm_free(vm);
}

static int inject(struct axvm_vcpu *vcpu, uint8_t type, uint8_t vector,
		  uint8_t has_error_code, uint32_t error_code, uint8_t pad)
{
	struct axvm_event ev = {
		.type = type,
		.vector = vector,
		.has_error_code = has_error_code,
		.pad = pad,
		.error_code = error_code,
	};

	return ioctl(vcpu->fd, AXVM_INJECT, &ev);
}

TEST(inject_exception)
{
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct xg_frame f;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_loop), true);

	/* Garbage. */
	EXPECT_ERRNO(EINVAL, inject(vcpu, 9, 6, 0, 0, 0)) TH_LOG("type 9");
	EXPECT_ERRNO(EINVAL, inject(vcpu, 1, 6, 0, 0, 0)) TH_LOG("type 1");
	EXPECT_ERRNO(EINVAL, inject(vcpu, AXVM_EVENT_EXTINT, 31, 0, 0, 0)) TH_LOG("EXTINT 31");
	EXPECT_ERRNO(EINVAL, inject(vcpu, AXVM_EVENT_EXTINT, 0x40, 1, 0, 0))
		TH_LOG("EXTINT with an error code");
	EXPECT_ERRNO(EINVAL, inject(vcpu, AXVM_EVENT_EXCEPTION, 6, 0, 0, 1)) TH_LOG("pad");
	EXPECT_ERRNO(EINVAL, inject(vcpu, AXVM_EVENT_EXCEPTION, 32, 0, 0, 0))
		TH_LOG("exception vector 32");
	EXPECT_ERRNO(EINVAL, inject(vcpu, AXVM_EVENT_EXCEPTION, 2, 0, 0, 0))
		TH_LOG("NMI as an exception");
	EXPECT_ERRNO(EINVAL, inject(vcpu, AXVM_EVENT_EXCEPTION, 13, 2, 0, 0))
		TH_LOG("has_error_code 2");

	/* #UD before the first instruction: the loop never starts. */
	ASSERT_EQ(0, inject(vcpu, AXVM_EVENT_EXCEPTION, VEC_UD, 0, 0, 0));
	EXPECT_ERRNO(EBUSY, inject(vcpu, AXVM_EVENT_EXCEPTION, VEC_GP, 1, 0, 0))
		TH_LOG("a second exception while one is pending");
	regs = (struct axvm_regs){ .rcx = 0x77 };
	xg_start_at(vcpu, GPA_OF(xg_loop), &regs);
	axvm_vcpu_run(vcpu);
	expect_fault(_metadata, vm, vcpu, "injected #UD", VEC_UD, false, 0, GPA_OF(xg_loop));
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(0x77ULL, regs.rcx) TH_LOG("the loop ran");

	/* An exception with an error code. */
	regs = (struct axvm_regs){ .rcx = 0x77 };
	xg_start_at(vcpu, GPA_OF(xg_loop), &regs);
	ASSERT_EQ(0, inject(vcpu, AXVM_EVENT_EXCEPTION, VEC_GP, 1, 0x1234, 0));
	axvm_vcpu_run(vcpu);
	expect_fault(_metadata, vm, vcpu, "injected #GP(0x1234)", VEC_GP, true, 0x1234,
		     GPA_OF(xg_loop));

	/* An NMI (the vector is ignored): the gate of vector 2. */
	regs = (struct axvm_regs){ .rcx = 0x77 };
	xg_start_at(vcpu, GPA_OF(xg_loop), &regs);
	ASSERT_EQ(0, inject(vcpu, AXVM_EVENT_NMI, 0x99, 0, 0, 0));
	axvm_vcpu_run(vcpu);
	expect_handler(_metadata, vm, vcpu, "injected NMI", VEC_NMI, false, &f);
	EXPECT_EQ(GPA_OF(xg_loop), f.rip);
	axvm_vm_free(vm);
}

TEST(inject_interrupt_window)
{
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct xg_frame f;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_irq_window), true);

	/* IF=0 at "ready": the interrupt has to wait for the STI. */
	ASSERT_RUN_REPORT(vcpu, XG_READY);
	axvm_vcpu_get_regs(vcpu, &regs);
	ASSERT_EQ(0ULL, regs.rflags & X86_RFLAGS_IF);
	ASSERT_EQ(0, inject(vcpu, AXVM_EVENT_EXTINT, 0x40, 0, 0, 0));
	EXPECT_ERRNO(EBUSY, inject(vcpu, AXVM_EVENT_EXTINT, 0x41, 0, 0, 0))
		TH_LOG("a second interrupt while one is pending");
	axvm_vcpu_run(vcpu);
	expect_handler(_metadata, vm, vcpu, "interrupt 0x40 queued with IF=0", 0x40, false, &f);
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(1ULL, regs.r13) TH_LOG("the interrupt came before the STI");
	EXPECT_EQ(U64(XG_LOOP1), regs.r12);
	EXPECT_LE(U64(XG_LOOP1), regs.rcx);
	EXPECT_GT(U64(XG_LOOP2), regs.rcx);
	EXPECT_LE(GPA_OF(xg_irq_window_loop2), f.rip)
		TH_LOG("interrupted at 0x%llx, before the STI and its shadow",
		       (unsigned long long)f.rip);
	EXPECT_GE(GPA_OF(xg_irq_window_end), f.rip);
	EXPECT_EQ(X86_RFLAGS_IF, f.rflags & X86_RFLAGS_IF);
	if (regs.rcx != XG_LOOP1)
		TH_LOG("note: delivered %llu iterations after the window opened",
		       (unsigned long long)(regs.rcx - XG_LOOP1));

	/* A HLT with an interrupt pending wakes up into the handler. */
	regs = (struct axvm_regs){ 0 };
	xg_start_at(vcpu, GPA_OF(xg_hlt_wake), &regs);
	ASSERT_RUN_REPORT(vcpu, XG_READY_HLT);
	ASSERT_EQ(0, inject(vcpu, AXVM_EVENT_EXTINT, 0x41, 0, 0, 0));
	axvm_vcpu_run(vcpu);
	expect_handler(_metadata, vm, vcpu, "interrupt 0x41 pending at STI; HLT", 0x41, false,
		       &f);
	EXPECT_EQ(GPA_OF(xg_hlt_wake_after), f.rip)
		TH_LOG("the interrupt should end the HLT (0x%llx)",
		       (unsigned long long)GPA_OF(xg_hlt_wake_hlt));
	EXPECT_EQ(X86_RFLAGS_IF, f.rflags & X86_RFLAGS_IF);
	axvm_vm_free(vm);
}

TEST(cr0_cr4_shadow)
{
	struct axvm_sregs sregs;
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct axvm_vm *vm;
	uint64_t cr0;

	AXVM_REQUIRE();
	vcpu = xg_create(&vm, 0, GPA_OF(xg_cr), true);
	axvm_vcpu_get_sregs(vcpu, &sregs);
	cr0 = sregs.cr0;
	ASSERT_EQ(X86_CR0_NE, cr0 & X86_CR0_NE);

	axvm_vcpu_run(vcpu);
	/* CR4.VMXE is the host's: the guest may not set it. */
	expect_fault(_metadata, vm, vcpu, "MOV to CR4 setting VMXE", VEC_GP, true, 0,
		     GPA_OF(xg_cr_vmxe));
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(cr0, regs.r12) TH_LOG("CR0 as the library set it");
	EXPECT_EQ(cr0 & ~X86_CR0_NE, regs.r13) TH_LOG("CR0 after clearing NE");
	EXPECT_EQ(cr0, regs.r14) TH_LOG("CR0 after setting NE again");
	/* VMXE is set in the real CR4 but reads as 0. */
	EXPECT_EQ(X86_CR4_PAE, regs.r15) TH_LOG("CR4 0x%llx", (unsigned long long)regs.r15);

	regs = (struct axvm_regs){ 0 };
	xg_start_at(vcpu, GPA_OF(xg_read_crs), &regs);
	run_to_halt(_metadata, vcpu, GPA_OF(xg_read_crs_hlt), &regs);
	EXPECT_EQ(cr0, regs.rax);
	EXPECT_EQ(X86_CR4_PAE, regs.rbx) TH_LOG("CR4 after the failed write");

	/* CR0.NE as userspace sets it is what the guest reads. */
	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(cr0, sregs.cr0);
	EXPECT_EQ(X86_CR4_PAE, sregs.cr4);
	sregs.cr0 &= ~X86_CR0_NE;
	axvm_vcpu_set_sregs(vcpu, &sregs);
	regs = (struct axvm_regs){ 0 };
	xg_start_at(vcpu, GPA_OF(xg_read_crs), &regs);
	run_to_halt(_metadata, vcpu, GPA_OF(xg_read_crs_hlt), &regs);
	EXPECT_EQ(cr0 & ~X86_CR0_NE, regs.rax);
	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(cr0 & ~X86_CR0_NE, sregs.cr0);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
