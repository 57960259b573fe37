/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the axvm guests, in 64-bit long mode as `axctl start` leaves an
 * ELF64 image (axctl.8, BOOT PROTOCOL): RDI = command line or 0, RSI =
 * RAM size. Clears .bss (axctl does too; a guest should not rely on it),
 * takes its own stack, calls guest_main(cmdline, ram_size), then reports
 * guest_main's return value v through the debug-exit port (axctl exits
 * with (v << 1) | 1) and halts if that port did not end the VM.
 */
#include "guest.h"

	.code64
	.section .text.start, "ax"
	.global _start
_start:
	cli
	cld
	movq	%rdi, %r12
	movq	%rsi, %r13
	leaq	__bss_start(%rip), %rdi
	leaq	__bss_end(%rip), %rcx
	subq	%rdi, %rcx
	xorl	%eax, %eax
	rep stosb
	leaq	stack_top(%rip), %rsp
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	movq	%r13, %rsi
	call	guest_main
	outb	%al, $DEBUG_EXIT_PORT
1:	hlt
	jmp	1b

	.section .bss
	.balign 16
stack:
	.skip	GUEST_STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
