/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Real-mode selftest guest, linked at GUEST16_LOAD_GPA (0x1000) and entered
 * with CS = 0 (base 0), so IP equals the link address. DS = ES = SS = 0,
 * SP = GPA_STACK16_TOP. The host enters at one of the global labels below.
 */
#include "guest_abi.h"

	.code16
	.section .text.entry, "ax"

/*
 * sum: ECX = n. Reports EAX = 1 + 2 + ... + n (summed in a near-called
 * subroutine, so SS:SP is used), leaves EBX = G16_RBX_VALUE, and stores
 * G16_SEG_VALUE through DS = SEG16_TEST_SEG (real-mode segmentation: the
 * host finds it at GPA_SEG16_TEST).
 */
	.global sum, sum_out, sum_hlt, sum_after_hlt
sum:
	call	add_up
	movw	$SEG16_TEST_SEG, %dx
	movw	%dx, %ds
	movl	$G16_SEG_VALUE, SEG16_TEST_OFF
	xorw	%dx, %dx
	movw	%dx, %ds
	movl	$G16_RBX_VALUE, %ebx
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

/* EAX = 1 + ... + ECX; ECX = 0 afterwards. */
add_up:
	xorl	%eax, %eax
	testl	%ecx, %ecx
	jz	2f
1:	addl	%ecx, %eax
	decl	%ecx
	jnz	1b
2:	ret
