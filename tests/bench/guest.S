/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit-cost benchmark guest: 32-bit protected mode, flat, no paging,
 * linked and loaded at BENCH_LOAD_GPA. Parameters and results live in the
 * block at BENCH_RES_GPA (bench_abi.h). Each case runs loops with the
 * same shape (counter in EBP, parameter in EDI):
 *   warm-up:  setup + exiting instruction, RES_WARM times (caches, KVM's
 *             MMIO SPTEs, first-time paths in both hypervisors)
 * then RES_REPS times (ESI = the repetition's offset in RES_STAMPS):
 *   empty:    setup only, RES_ITERS times, timed
 *   measured: setup + exiting instruction, RES_ITERS times, timed
 * (measured - empty) / RES_ITERS is the cost of one exit round trip as
 * the guest sees it; the host takes the smallest over the repetitions
 * (a host interrupt landing in a measured loop only ever adds). LFENCE around RDTSC keeps the loops from overlapping
 * the time stamps on real hardware; in Bochs it costs an instruction.
 */
#include "bench_abi.h"

#define RES(off)	(BENCH_RES_GPA + (off))

	.code32
	.section .text.entry, "ax"
	.global _start
_start:
	movl	RES(RES_BODY), %eax
	cmpl	$BODY_NR, %eax
	jae	done
	jmp	*bodies(, %eax, 4)

/* Store EDX:EAX (a TSC value) at stamp \off of the repetition at ESI. */
.macro STAMP off
	lfence
	rdtsc
	lfence
	movl	%eax, RES(RES_STAMPS + \off)(%esi)
	movl	%edx, RES(RES_STAMPS + \off + 4)(%esi)
.endm

/* One loop: \count iterations of \setup (and \insn unless empty). */
.macro LOOP count, param, setup, insn
	movl	RES(\count), %ebp
	movl	RES(\param), %edi
	testl	%ebp, %ebp
	jz	2f
1:	\setup
	\insn
	decl	%ebp
	jnz	1b
2:
.endm

.macro CASE name, setup, insn
case_\name:
	LOOP	RES_WARM, RES_PARAM_WARM, "\setup", "\insn"
	xorl	%esi, %esi
3:	STAMP	RES_E0
	LOOP	RES_ITERS, RES_PARAM, "\setup", ""
	STAMP	RES_E1
	STAMP	RES_T0
	LOOP	RES_ITERS, RES_PARAM, "\setup", "\insn"
	STAMP	RES_T1
	movl	%edi, RES(RES_PARAM)
	addl	$RES_REP_SIZE, %esi
	decl	RES(RES_REPS)
	jnz	3b
	jmp	done
.endm

	CASE	cpuid, "xorl %eax, %eax; xorl %ecx, %ecx", "cpuid"
	CASE	vmcall, "movl %edi, %eax; movl $0x2000, %ebx; movl $1, %ecx; xorl %edx, %edx", "vmcall"
	CASE	pio_read, "movl %edi, %edx", "inb %dx, %al"
	CASE	pio_write, "movl %edi, %edx", "outb %al, %dx"
	CASE	mmio_read, "", "movl (%edi), %eax"
	CASE	mmio_write, "", "movl %eax, (%edi)"
	CASE	rdmsr, "movl %edi, %ecx", "rdmsr"
	CASE	touch, "addl $4096, %edi", "movb $1, (%edi)"

done:
	movl	$BENCH_DONE_MAGIC, RES(RES_MAGIC)
	xorl	%eax, %eax
	outl	%eax, $BENCH_DONE_PORT
1:	hlt
	jmp	1b

	.balign 4
bodies:
	.long	case_cpuid, case_vmcall, case_pio_read, case_pio_write
	.long	case_mmio_read, case_mmio_write, case_rdmsr, case_touch
