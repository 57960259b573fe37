/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupt stubs of mb_pit: exceptions 0-31 go to mb_exception(vector)
 * (which ends the VM), IRQ0 (vector 0x20) to mb_irq0(), the PIC's
 * spurious vectors 0x27/0x2f just return.
 */
	.code32
	.text

	.macro exc n
	.global exc_\n
exc_\n:
	pushl	$\n
	jmp	exc_common
	.endm

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	exc \n
	.endr

exc_common:
	call	mb_exception		/* does not return */
1:	cli
	hlt
	jmp	1b

	.global irq0_stub
irq0_stub:
	pushal
	cld
	call	mb_irq0
	popal
	iret

	.global spurious_stub
spurious_stub:
	iret

	.section .rodata
	.global exc_stubs
	.balign 4
exc_stubs:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long exc_\n
	.endr

	.section .note.GNU-stack, "", @progbits
