/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AP trampoline, copied to TRAMP_BASE (below 1 MiB) by smp_start_ap():
 * a SIPI with vector TRAMP_BASE >> 12 starts the AP here in real mode
 * (CS = TRAMP_BASE >> 4, IP = 0). It loads its own flat GDT, enters
 * 32-bit protected mode, takes the next slot with LOCK XADD on
 * ap_next_slot, the slot's stack in ap_stacks, and calls ap_entry(slot)
 * in the kernel image above 1 MiB. Slots past MAX_CPUS halt.
 */
#include "apic.h"

#define T(x)	(TRAMP_BASE + (x) - tramp_start)

	.section .rodata
	.balign	16
	.global tramp_start, tramp_end
	.code16
tramp_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tramp_gdtr - tramp_start
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $T(tramp_pm)

	.code32
tramp_pm:
	movl	$0x10, %eax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	$1, %eax
	lock xaddl %eax, ap_next_slot
	cmpl	$MAX_CPUS, %eax
	jae	tramp_halt
	leal	1(%eax), %ecx
	shll	$AP_STACK_SHIFT, %ecx
	addl	$ap_stacks, %ecx
	movl	%ecx, %esp
	pushl	%eax
	movl	$ap_entry, %ecx
	call	*%ecx
tramp_halt:
	cli
	hlt
	jmp	tramp_halt

	.balign	8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, flat, 32-bit */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat */
tramp_gdtr:
	.word	tramp_gdtr - tramp_gdt - 1
	.long	T(tramp_gdt)
tramp_end:

	.section .note.GNU-stack, "", @progbits
