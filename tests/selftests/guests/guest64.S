/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit long-mode selftest guest (identity-mapped first GiB, 2 MiB pages),
 * linked at GUEST_LOAD_GPA. RSP = GPA_STACK_TOP.
 */
#include "guest_abi.h"

	.code64
	.section .text.entry, "ax"

/*
 * sum: RCX = n. RAX = 1 + ... + n with G64_RAX_HIGH OR-ed into the upper
 * half, then OUT of EAX: the exit must carry only the low 32 bits.
 * RBX = G64_RBX_VALUE, R15 = G64_R15_VALUE (64-bit values read back with
 * AXVM_GET_REGS).
 */
	.global sum, sum_out, sum_hlt, sum_after_hlt
sum:
	call	add_up
	movabsq	$G64_RAX_HIGH, %rdx
	orq	%rdx, %rax
	movabsq	$G64_RBX_VALUE, %rbx
	movabsq	$G64_R15_VALUE, %r15
sum_out:
	outl	%eax, $UCALL_PORT_REPORT
sum_hlt:
	hlt
sum_after_hlt:
	jmp	sum_hlt

/* magic: reports GUEST_MAGIC, then done, then halts. */
	.global magic, magic_hlt, magic_after_hlt
magic:
	movl	$GUEST_MAGIC, %eax
	outl	%eax, $UCALL_PORT_REPORT
	xorl	%eax, %eax
	outl	%eax, $UCALL_PORT_DONE
magic_hlt:
	hlt
magic_after_hlt:
	jmp	magic_hlt

/*
 * checksum: RCX = iterations (> 0), RSI = seed, RDI = where to store the
 * result. Per iteration (8 instructions):
 *	x = x * CSUM_MUL + CSUM_ADD; s ^= x >> CSUM_SHIFT; s = rol(s, CSUM_ROT)
 * with x = seed, s = 0 at the start. Stores s at [RDI], reports its low and
 * high halves, then done, halt. RAX = s at the HLT.
 */
	.global checksum, checksum_hlt, checksum_after_hlt
checksum:
	movq	%rsi, %rax
	xorl	%edx, %edx
	movabsq	$CSUM_MUL, %r8
	movabsq	$CSUM_ADD, %r9
	testq	%rcx, %rcx
	jz	2f
1:	imulq	%r8, %rax
	addq	%r9, %rax
	movq	%rax, %r10
	shrq	$CSUM_SHIFT, %r10
	xorq	%r10, %rdx
	rolq	$CSUM_ROT, %rdx
	decq	%rcx
	jnz	1b
2:	movq	%rdx, (%rdi)
	movl	%edx, %eax
	outl	%eax, $UCALL_PORT_REPORT
	movq	%rdx, %rax
	shrq	$32, %rax
	outl	%eax, $UCALL_PORT_REPORT
	xorl	%eax, %eax
	outl	%eax, $UCALL_PORT_DONE
	movq	%rdx, %rax
checksum_hlt:
	hlt
checksum_after_hlt:
	jmp	checksum_hlt

/* RAX = 1 + ... + RCX; RCX = 0 afterwards. */
add_up:
	xorl	%eax, %eax
	testq	%rcx, %rcx
	jz	2f
1:	addq	%rcx, %rax
	decq	%rcx
	jnz	1b
2:	ret
