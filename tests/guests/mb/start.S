/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry of the Multiboot test kernels, in 32-bit protected mode as a
 * Multiboot loader leaves them: EAX = 0x2BADB002, EBX = the info
 * structure. Takes its own stack (the spec leaves ESP undefined), calls
 * mb_main(magic, info) and reports its return value v through the
 * debug-exit port (axctl exits with (v << 1) | 1), then halts with
 * interrupts off if that port did not end the VM.
 *
 * With MB_AOUT the header carries the a.out kludge (flag bit 16) and the
 * loader must use its address fields, not the ELF headers.
 */
#include "multiboot_abi.h"

#define MB_MAGIC	MB_HEADER_MAGIC
#ifdef MB_AOUT
#define MB_FLAGS	(MB_FLAG_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_AOUT)
#else
#define MB_FLAGS	(MB_FLAG_ALIGN | MB_FLAG_MEMINFO)
#endif

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)
#ifdef MB_AOUT
	.long	mb_header		/* header_addr */
	.long	_load_start		/* load_addr */
	.long	_load_end		/* load_end_addr */
	.long	_bss_end		/* bss_end_addr */
	.long	_start			/* entry_addr */
#endif

	.code32
	.section .text.start, "ax"
	.global _start
_start:
	cli
	cld
	movl	$stack_top, %esp
	pushl	%ebx
	pushl	%eax
	call	mb_main
	outb	%al, $0xf4
1:	cli
	hlt
	jmp	1b

	.section .bss
	.balign 16
stack:
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
