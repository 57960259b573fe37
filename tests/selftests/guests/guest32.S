/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 32-bit protected-mode selftest guest (flat segments, no paging), linked
 * at GUEST_LOAD_GPA. ESP = GPA_STACK_TOP. The host enters at one of the
 * global labels below with its inputs in registers (AXVM_SET_REGS).
 */
#include "guest_abi.h"

	.code32
	.section .text.entry, "ax"

/* sum: ECX = n. Reports EAX = 1 + ... + n; EBX = G32_RBX_VALUE. */
	.global sum, sum_out, sum_hlt, sum_after_hlt
sum:
	call	add_up
	movl	$G32_RBX_VALUE, %ebx
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
 * pattern: EDI = start, ECX = number of dwords, EDX = seed. Stores
 * A * PATTERN_MUL + seed at every dword address A, then done, halt.
 */
	.global pattern
pattern:
	testl	%ecx, %ecx
	jz	2f
1:	movl	%edi, %eax
	imull	$PATTERN_MUL, %eax, %eax
	addl	%edx, %eax
	movl	%eax, (%edi)
	addl	$4, %edi
	decl	%ecx
	jnz	1b
2:	jmp	done

/*
 * readback: EDI = address of a dword, ESI = array of ECX dwords. Reports
 * [EDI], then [EDI] again (the host changes it in between), then the sum of
 * the array; then done, halt.
 */
	.global readback
readback:
	movl	(%edi), %eax
	outl	%eax, $UCALL_PORT_REPORT
	movl	(%edi), %eax
	outl	%eax, $UCALL_PORT_REPORT
	xorl	%eax, %eax
	testl	%ecx, %ecx
	jz	2f
1:	addl	(%esi), %eax
	addl	$4, %esi
	decl	%ecx
	jnz	1b
2:	outl	%eax, $UCALL_PORT_REPORT
	jmp	done

/*
 * store_load: EBX = value, EDI = address. Stores EBX at [EDI], reports done,
 * then reports what it reads back from [EDI], then halts.
 */
	.global store_load
store_load:
	movl	%ebx, (%edi)
	xorl	%eax, %eax
	outl	%eax, $UCALL_PORT_DONE
	movl	(%edi), %eax
	outl	%eax, $UCALL_PORT_REPORT
1:	hlt
	jmp	1b

done:
	xorl	%eax, %eax
	outl	%eax, $UCALL_PORT_DONE
1:	hlt
	jmp	1b

/* EAX = 1 + ... + ECX; ECX = 0 afterwards. */
add_up:
	xorl	%eax, %eax
	testl	%ecx, %ecx
	jz	2f
1:	addl	%ecx, %eax
	decl	%ecx
	jnz	1b
2:	ret
