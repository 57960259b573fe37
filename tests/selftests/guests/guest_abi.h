/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the selftest guests and the host side agree on. Included by the
 * guest assembly (guests/guestNN.S) and by C (lib/axvm_util.h), so it holds
 * #defines only.
 *
 * The "ucall" convention: a guest reports to the host with a 32-bit OUT of
 * EAX (so the exit record is AXVM_EXIT_IO_WRITE, width 4):
 *   port UCALL_PORT_REPORT: "here is a value" (data = EAX)
 *   port UCALL_PORT_DONE:   "finished" (data = 0 for success)
 * and then executes HLT (AXVM_EXIT_HALT), followed by a jump back to the
 * HLT, so running a halted guest again halts again.
 */
#ifndef AXVM_SELFTEST_GUEST_ABI_H
#define AXVM_SELFTEST_GUEST_ABI_H

/* Unsigned in C (so the harness compares them without sign warnings). */
#ifdef __ASSEMBLER__
#define ABI_U(x)		x
#else
#define ABI_U(x)		x##ULL
#endif

#define UCALL_PORT_REPORT	ABI_U(0x10)
#define UCALL_PORT_DONE		ABI_U(0x11)

/* Load addresses (GPA) of the guest images. */
#define GUEST16_LOAD_GPA	ABI_U(0x1000)	/* real mode: CS:IP = 0000:1000 */
#define GUEST_LOAD_GPA		ABI_U(0x100000)	/* 32-bit and 64-bit images */

/* Guest-physical layout of the standard test VM (RAM from GPA 0). */
#define GPA_STACK16_TOP		ABI_U(0x8000)	/* real mode SS:SP = 0000:8000 */
#define GPA_GDT			ABI_U(0x10000)
#define GPA_TSS			ABI_U(0x11000)
#define GPA_PML4		ABI_U(0x20000)	/* PDPT, PD: 0x21000, 0x22000 */
#define SEG16_TEST_SEG		ABI_U(0x3000)	/* real-mode guest writes 3000:0010 */
#define SEG16_TEST_OFF		ABI_U(0x0010)
#define GPA_SEG16_TEST		((SEG16_TEST_SEG << 4) + SEG16_TEST_OFF)
#define GPA_STACK_TOP		ABI_U(0x80000)	/* 32/64-bit ESP/RSP */
#define GPA_SCRATCH		ABI_U(0x200000)	/* free for tests up to 0x3fffff */

/* GDT selectors (layout: axvm_vm_write_gdt() in lib/axvm_util.c). */
#define SEL_CODE32		ABI_U(0x08)
#define SEL_DATA		ABI_U(0x10)
#define SEL_CODE64		ABI_U(0x18)
#define SEL_TSS			ABI_U(0x20)	/* 16 bytes: slots 0x20, 0x28 */

/* Constants the guests leave in registers (checked with AXVM_GET_REGS). */
#define GUEST_MAGIC		ABI_U(0x600dcafe)
#define G16_RBX_VALUE		ABI_U(0x1234abcd)
#define G16_SEG_VALUE		ABI_U(0x5a5a1234)
#define G32_RBX_VALUE		ABI_U(0xdeadbeef)
#define G64_RBX_VALUE		ABI_U(0xfeedfacecafebeef)
#define G64_R15_VALUE		ABI_U(0x0123456789abcdef)
#define G64_RAX_HIGH		ABI_U(0xdead000000000000) /* OR-ed into RAX before OUT */

/* pattern (guest32): the dword at address A holds A * PATTERN_MUL + seed. */
#define PATTERN_MUL		ABI_U(0x9e3779b1)

/* checksum (guest64): one loop step, mirrored by the host (preempt_test). */
#define CSUM_MUL		ABI_U(6364136223846793005)
#define CSUM_ADD		ABI_U(1442695040888963407)
#define CSUM_SHIFT		ABI_U(29)
#define CSUM_ROT		ABI_U(7)

#endif
