/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flat guest images (objcopy -O binary of guests/guestNN.S), embedded
 * in every test executable. The .bin files are found through the
 * assembler's include path (-Wa,-I<build dir>/guests).
 */
	.section .rodata.axvm_guests, "a"

	.balign 64
	.global guest16_image, guest16_image_end
guest16_image:
	.incbin "guest16.bin"
guest16_image_end:

	.balign 64
	.global guest32_image, guest32_image_end
guest32_image:
	.incbin "guest32.bin"
guest32_image_end:

	.balign 64
	.global guest64_image, guest64_image_end
guest64_image:
	.incbin "guest64.bin"
guest64_image_end:

	.section .note.GNU-stack, "", @progbits
