/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hello16: a flat real-mode guest for `axctl start --format flat` (axctl.8,
 * BOOT PROTOCOL: loaded at 0x1000, CS:IP = 0000:1000, SS:SP = 0000:1000,
 * DI = the command line or 0). Prints a greeting and the command line over
 * COM1, then writes 0 to the debug-exit port: axctl exits with status 1.
 */
#include "guest.h"

	.code16
	.section .text.start, "ax"
	.global _start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%di, %bp		/* the command line, or 0 */
	movw	$greeting, %si
	call	puts
	testw	%bp, %bp
	jz	1f
	movw	$cmdline, %si
	call	puts
	movw	%bp, %si
	call	puts
	movw	$newline, %si
	call	puts
1:	xorb	%al, %al
	outb	%al, $DEBUG_EXIT_PORT
2:	hlt
	jmp	2b

/* puts: the NUL-terminated string at DS:SI to COM1. */
puts:
	lodsb
	testb	%al, %al
	jz	2f
	movb	%al, %bl
	movw	$COM1_PORT + 5, %dx	/* LSR: wait for THR empty */
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	movb	%bl, %al
	movw	$COM1_PORT, %dx
	outb	%al, %dx
	jmp	puts
2:	ret

greeting:
	.asciz	"Hello from real mode (axvm flat guest)!\n"
cmdline:
	.asciz	"command line: "
newline:
	.asciz	"\n"

	.section .note.GNU-stack, "", @progbits
