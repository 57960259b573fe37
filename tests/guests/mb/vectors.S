/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IDT stubs of the APIC test kernels: vector v's stub is at
 * vec_stubs + 16 * v; it pushes v and goes to mb_vector(v) with every
 * general register saved. Exceptions never return (mb_vector ends the
 * VM), so an error code under the vector number does no harm.
 */
	.code32
	.text

	.balign	16
	.global vec_stubs
vec_stubs:
	.set	vec, 0
	.rept	256
	.balign	16
	pushl	$vec
	jmp	vec_common
	.set	vec, vec + 1
	.endr

vec_common:
	pushal
	cld
	pushl	32(%esp)		/* the vector */
	call	mb_vector
	addl	$4, %esp
	popal
	addl	$4, %esp
	iret

	.section .note.GNU-stack, "", @progbits
