/* SPDX-License-Identifier: GPL-2.0 */
/* The benchmark guest's flat image (guest.bin, built from guest.S). */
	.section .rodata
	.global bench_guest_start, bench_guest_end
	.balign 16
bench_guest_start:
	.incbin "guest.bin"
bench_guest_end:
	.section .note.GNU-stack, "", @progbits
