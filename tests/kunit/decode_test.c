// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/lib/decode.c, the MMIO instruction decoder, and
 * its register write-back. Encodings follow SDM Vol. 2A chapter 2 and the
 * opcode maps of Vol. 2D Appendix A; each case names its assembly.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "lib/decode.h"

#define M16	AXVM_INSN_MODE_16
#define M32	AXVM_INSN_MODE_32
#define M64	AXVM_INSN_MODE_64
#define NR	AXVM_INSN_NO_REG

#define RD	AXVM_INSN_OP_READ
#define WR	AXVM_INSN_OP_WRITE
#define WI	AXVM_INSN_OP_WRITE_IMM
#define MOVS	AXVM_INSN_OP_MOVS
#define STOS	AXVM_INSN_OP_STOS
#define LODS	AXVM_INSN_OP_LODS
#define ALU	AXVM_INSN_OP_ALU
/* ALU operand forms: memory is the destination / the source is @imm. */
#define MD	.mem_dst = true
#define IMM	.src_imm = true

#define RAX	AXVM_REG_RAX
#define RCX	AXVM_REG_RCX
#define RDX	AXVM_REG_RDX
#define RBX	AXVM_REG_RBX
#define RSP	AXVM_REG_RSP
#define RBP	AXVM_REG_RBP
#define RSI	AXVM_REG_RSI
#define RDI	AXVM_REG_RDI
#define R8	AXVM_REG_R8
#define R9	AXVM_REG_R9
#define R12	AXVM_REG_R12
#define R13	AXVM_REG_R13
#define R15	AXVM_REG_R15

#define ES	AXVM_INSN_SEG_ES
#define SS	AXVM_INSN_SEG_SS
#define DS	AXVM_INSN_SEG_DS
#define FS	AXVM_INSN_SEG_FS
#define GS	AXVM_INSN_SEG_GS

/* The instruction bytes and their count. */
#define B(...)	.bytes = { __VA_ARGS__ }, .nbytes = sizeof((u8[]){ __VA_ARGS__ })
/* Sizes: operand, address. */
#define SZ(o, a)	.op_size = (o), .addr_size = (a)
/* A memory operand: base, index, scale, displacement, segment. */
#define MEM(b, i, s, d, sg)	\
	.mem = { .base = (b), .index = (i), .scale = (s), .disp = (d), .seg = (sg) }
/* Access: operation, memory width, register, register width. */
#define ACC(o, w, r, rw)	.op = (o), .width = (w), .reg = (r), .reg_width = (rw)

struct decode_case {
	const char *name;
	enum axvm_insn_mode mode;
	u8 bytes[AXVM_INSN_MAX_LEN + 1];
	unsigned int nbytes;
	int ret;
	struct axvm_insn want;	/* checked if ret == 0 */
};

static const struct decode_case decode_cases[] = {
	/* MOV 88-8B, ModR/M mod 00, register classes and REX. */
	{ "mov [rax],ecx", M64, B(0x89, 0x08), 0, { .len = 2,
	  ACC(WR, 4, RCX, 4), SZ(4, 8), MEM(RAX, NR, 1, 0, DS) } },
	{ "mov ecx,[rax]", M64, B(0x8b, 0x08), 0, { .len = 2,
	  ACC(RD, 4, RCX, 4), SZ(4, 8), MEM(RAX, NR, 1, 0, DS) } },
	{ "mov [rax],cl", M64, B(0x88, 0x08), 0, { .len = 2,
	  ACC(WR, 1, RCX, 1), SZ(4, 8), MEM(RAX, NR, 1, 0, DS) } },
	{ "mov ah,[rbx]", M64, B(0x8a, 0x23), 0, { .len = 2,
	  ACC(RD, 1, RAX, 1), .high_byte = true, SZ(4, 8),
	  MEM(RBX, NR, 1, 0, DS) } },
	{ "mov [rsi],bh", M64, B(0x88, 0x3e), 0, { .len = 2,
	  ACC(WR, 1, RBX, 1), .high_byte = true, SZ(4, 8),
	  MEM(RSI, NR, 1, 0, DS) } },
	{ "mov spl,[rbx] (REX 40)", M64, B(0x40, 0x8a, 0x23), 0, { .len = 3,
	  ACC(RD, 1, RSP, 1), SZ(4, 8), MEM(RBX, NR, 1, 0, DS) } },
	{ "mov [rax],r9b (REX.R)", M64, B(0x44, 0x88, 0x08), 0, { .len = 3,
	  ACC(WR, 1, R9, 1), SZ(4, 8), MEM(RAX, NR, 1, 0, DS) } },
	{ "mov rax,[rcx] (REX.W)", M64, B(0x48, 0x8b, 0x01), 0, { .len = 3,
	  ACC(RD, 8, RAX, 8), SZ(8, 8), MEM(RCX, NR, 1, 0, DS) } },
	{ "mov r15,[r8] (REX.WRB)", M64, B(0x4d, 0x8b, 0x38), 0, { .len = 3,
	  ACC(RD, 8, R15, 8), SZ(8, 8), MEM(R8, NR, 1, 0, DS) } },
	{ "mov ax,[rdx] (66)", M64, B(0x66, 0x8b, 0x02), 0, { .len = 3,
	  ACC(RD, 2, RAX, 2), SZ(2, 8), MEM(RDX, NR, 1, 0, DS) } },
	{ "66 REX.W: REX.W wins", M64, B(0x66, 0x48, 0x8b, 0x02), 0, { .len = 4,
	  ACC(RD, 8, RAX, 8), SZ(8, 8), MEM(RDX, NR, 1, 0, DS) } },
	{ "REX before 66 is ignored", M64, B(0x48, 0x66, 0x8b, 0x02), 0,
	  { .len = 4, ACC(RD, 2, RAX, 2), SZ(2, 8), MEM(RDX, NR, 1, 0, DS) } },
	{ "mov ecx,[rax] in 32-bit mode", M32, B(0x8b, 0x08), 0, { .len = 2,
	  ACC(RD, 4, RCX, 4), SZ(4, 4), MEM(RAX, NR, 1, 0, DS) } },
	/* Displacements, mod 01 and 10. */
	{ "mov [rbp+8],edx", M64, B(0x89, 0x55, 0x08), 0, { .len = 3,
	  ACC(WR, 4, RDX, 4), SZ(4, 8), MEM(RBP, NR, 1, 8, SS) } },
	{ "mov [rbp-8],edx", M64, B(0x89, 0x55, 0xf8), 0, { .len = 3,
	  ACC(WR, 4, RDX, 4), SZ(4, 8), MEM(RBP, NR, 1, -8, SS) } },
	{ "mov [rax+0x12345678],ecx", M64,
	  B(0x89, 0x88, 0x78, 0x56, 0x34, 0x12), 0, { .len = 6,
	  ACC(WR, 4, RCX, 4), SZ(4, 8), MEM(RAX, NR, 1, 0x12345678, DS) } },
	{ "mov [rax-0x80000000],ecx", M64,
	  B(0x89, 0x88, 0x00, 0x00, 0x00, 0x80), 0, { .len = 6,
	  ACC(WR, 4, RCX, 4), SZ(4, 8), MEM(RAX, NR, 1, -0x80000000LL, DS) } },
	{ "mov eax,[r13+0] (REX.B, mod 01)", M64, B(0x41, 0x8b, 0x45, 0x00), 0,
	  { .len = 4, ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(R13, NR, 1, 0, DS) } },
	/* mod 00, r/m 101: RIP-relative in 64-bit mode, disp32 elsewhere. */
	{ "mov eax,[rip+0x10]", M64, B(0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), 0,
	  { .len = 6, ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(NR, NR, 1, 0x10, DS),
	    .mem.rip_rel = true } },
	{ "mov eax,[rip+0x10] (REX.B still RIP)", M64,
	  B(0x41, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), 0, { .len = 7,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(NR, NR, 1, 0x10, DS),
	  .mem.rip_rel = true } },
	{ "mov eax,[0x1000] in 32-bit mode", M32,
	  B(0x8b, 0x05, 0x00, 0x10, 0x00, 0x00), 0, { .len = 6,
	  ACC(RD, 4, RAX, 4), SZ(4, 4), MEM(NR, NR, 1, 0x1000, DS) } },
	/* SIB. */
	{ "mov eax,[rax+rcx*4]", M64, B(0x8b, 0x04, 0x88), 0, { .len = 3,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(RAX, RCX, 4, 0, DS) } },
	{ "mov eax,[rsp] (SIB, no index)", M64, B(0x8b, 0x04, 0x24), 0,
	  { .len = 3, ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(RSP, NR, 1, 0, SS) } },
	{ "mov eax,[rax+r12] (REX.X)", M64, B(0x42, 0x8b, 0x04, 0x20), 0,
	  { .len = 4, ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(RAX, R12, 1, 0, DS) } },
	{ "mov eax,[rcx*4+0x2000] (mod 00 base 101)", M64,
	  B(0x8b, 0x04, 0x8d, 0x00, 0x20, 0x00, 0x00), 0, { .len = 7,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(NR, RCX, 4, 0x2000, DS) } },
	{ "mov eax,[0x11223344] (SIB, REX.B, no base)", M64,
	  B(0x41, 0x8b, 0x04, 0x25, 0x44, 0x33, 0x22, 0x11), 0, { .len = 8,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(NR, NR, 1, 0x11223344, DS) } },
	{ "mov eax,[rbp+rbp*4+0x10] (SIB mod 01)", M64,
	  B(0x8b, 0x44, 0xad, 0x10), 0, { .len = 4,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(RBP, RBP, 4, 0x10, SS) } },
	{ "mov eax,[r13+0x100] (SIB mod 10)", M64,
	  B(0x41, 0x8b, 0x84, 0x25, 0x00, 0x01, 0x00, 0x00), 0, { .len = 8,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(R13, NR, 1, 0x100, DS) } },
	{ "mov rax,[r9+r8*8] (REX.WXB)", M64, B(0x4b, 0x8b, 0x04, 0xc1), 0,
	  { .len = 4, ACC(RD, 8, RAX, 8), SZ(8, 8), MEM(R9, R8, 8, 0, DS) } },
	/* 16-bit addressing (Table 2-1). */
	{ "mov ax,[bx+si]", M16, B(0x8b, 0x00), 0, { .len = 2,
	  ACC(RD, 2, RAX, 2), SZ(2, 2), MEM(RBX, RSI, 1, 0, DS) } },
	{ "mov ax,[bp+di+0x10]", M16, B(0x8b, 0x43, 0x10), 0, { .len = 3,
	  ACC(RD, 2, RAX, 2), SZ(2, 2), MEM(RBP, RDI, 1, 0x10, SS) } },
	{ "mov cx,[0x1234]", M16, B(0x8b, 0x0e, 0x34, 0x12), 0, { .len = 4,
	  ACC(RD, 2, RCX, 2), SZ(2, 2), MEM(NR, NR, 1, 0x1234, DS) } },
	{ "mov al,[bp-0x8000]", M16, B(0x8a, 0x86, 0x00, 0x80), 0, { .len = 4,
	  ACC(RD, 1, RAX, 1), SZ(2, 2), MEM(RBP, NR, 1, -0x8000, SS) } },
	{ "mov [si],ax", M16, B(0x89, 0x04), 0, { .len = 2,
	  ACC(WR, 2, RAX, 2), SZ(2, 2), MEM(NR, RSI, 1, 0, DS) } },
	{ "mov eax,[bx] (67 in 32-bit mode)", M32, B(0x67, 0x8b, 0x07), 0,
	  { .len = 3, ACC(RD, 4, RAX, 4), SZ(4, 2), MEM(RBX, NR, 1, 0, DS) } },
	{ "mov eax,[esp] (66 67 in 16-bit mode)", M16,
	  B(0x66, 0x67, 0x8b, 0x04, 0x24), 0, { .len = 5,
	  ACC(RD, 4, RAX, 4), SZ(4, 4), MEM(RSP, NR, 1, 0, SS) } },
	{ "mov eax,[eax] (67 in 64-bit mode)", M64, B(0x67, 0x8b, 0x00), 0,
	  { .len = 3, ACC(RD, 4, RAX, 4), SZ(4, 4), MEM(RAX, NR, 1, 0, DS) } },
	/* Segment overrides. */
	{ "mov eax,fs:[rax]", M64, B(0x64, 0x8b, 0x00), 0, { .len = 3,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(RAX, NR, 1, 0, FS),
	  .mem.seg_override = true } },
	{ "mov eax,ds:[rbp+0] (DS ignored in 64-bit)", M64,
	  B(0x3e, 0x8b, 0x45, 0x00), 0, { .len = 4,
	  ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(RBP, NR, 1, 0, SS) } },
	{ "mov es:[eax],ecx", M32, B(0x26, 0x89, 0x08), 0, { .len = 3,
	  ACC(WR, 4, RCX, 4), SZ(4, 4), MEM(RAX, NR, 1, 0, ES),
	  .mem.seg_override = true } },
	{ "es fs mov eax,[rax]: last wins", M64, B(0x26, 0x64, 0x8b, 0x00), 0,
	  { .len = 4, ACC(RD, 4, RAX, 4), SZ(4, 8), MEM(RAX, NR, 1, 0, FS),
	    .mem.seg_override = true } },
	/* MOV C6/C7 /0. */
	{ "mov byte [rax],0x7f", M64, B(0xc6, 0x00, 0x7f), 0, { .len = 3,
	  ACC(WI, 1, NR, 0), SZ(4, 8), MEM(RAX, NR, 1, 0, DS), .imm = 0x7f } },
	{ "mov dword [rax+4],0x12345678", M64,
	  B(0xc7, 0x40, 0x04, 0x78, 0x56, 0x34, 0x12), 0, { .len = 7,
	  ACC(WI, 4, NR, 0), SZ(4, 8), MEM(RAX, NR, 1, 4, DS),
	  .imm = 0x12345678 } },
	{ "mov dword [rax],0x80000000", M64,
	  B(0xc7, 0x00, 0x00, 0x00, 0x00, 0x80), 0, { .len = 6,
	  ACC(WI, 4, NR, 0), SZ(4, 8), MEM(RAX, NR, 1, 0, DS),
	  .imm = 0x80000000 } },
	{ "mov qword [rax],imm32 sign-extended", M64,
	  B(0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80), 0, { .len = 7,
	  ACC(WI, 8, NR, 0), SZ(8, 8), MEM(RAX, NR, 1, 0, DS),
	  .imm = 0xffffffff80000000ULL } },
	{ "mov word [rax],0x1234", M64, B(0x66, 0xc7, 0x00, 0x34, 0x12), 0,
	  { .len = 5, ACC(WI, 2, NR, 0), SZ(2, 8), MEM(RAX, NR, 1, 0, DS),
	    .imm = 0x1234 } },
	{ "mov byte [rip-16],0xaa", M64,
	  B(0xc6, 0x05, 0xf0, 0xff, 0xff, 0xff, 0xaa), 0, { .len = 7,
	  ACC(WI, 1, NR, 0), SZ(4, 8), MEM(NR, NR, 1, -16, DS),
	  .mem.rip_rel = true, .imm = 0xaa } },
	{ "mov word [bx],0xbeef", M16, B(0xc7, 0x07, 0xef, 0xbe), 0,
	  { .len = 4, ACC(WI, 2, NR, 0), SZ(2, 2), MEM(RBX, NR, 1, 0, DS),
	    .imm = 0xbeef } },
	{ "C7 /1 is not MOV", M64, B(0xc7, 0x08, 0, 0, 0, 0), -EINVAL },
	/* MOV A0-A3 moffs. */
	{ "mov al,[moffs64]", M64,
	  B(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11), 0,
	  { .len = 9, ACC(RD, 1, RAX, 1), SZ(4, 8),
	    MEM(NR, NR, 1, 0x1122334455667788LL, DS) } },
	{ "mov eax,[moffs64] high half", M64,
	  B(0xa1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80), 0,
	  { .len = 9, ACC(RD, 4, RAX, 4), SZ(4, 8),
	    MEM(NR, NR, 1, (s64)0x8000000000000000ULL, DS) } },
	{ "mov [moffs32],rax (67 REX.W)", M64,
	  B(0x67, 0x48, 0xa3, 0x78, 0x56, 0x34, 0x12), 0, { .len = 7,
	  ACC(WR, 8, RAX, 8), SZ(8, 4), MEM(NR, NR, 1, 0x12345678, DS) } },
	{ "mov [moffs32],ax in 32-bit mode", M32,
	  B(0x66, 0xa3, 0x00, 0x10, 0x00, 0x00), 0, { .len = 6,
	  ACC(WR, 2, RAX, 2), SZ(2, 4), MEM(NR, NR, 1, 0x1000, DS) } },
	{ "mov al,[moffs16] in 16-bit mode", M16, B(0xa0, 0x34, 0x12), 0,
	  { .len = 3, ACC(RD, 1, RAX, 1), SZ(2, 2),
	    MEM(NR, NR, 1, 0x1234, DS) } },
	{ "mov gs:[moffs64],al", M64,
	  B(0x65, 0xa2, 0, 0x10, 0, 0, 0, 0, 0, 0), 0, { .len = 10,
	  ACC(WR, 1, RAX, 1), SZ(4, 8), MEM(NR, NR, 1, 0x1000, GS),
	  .mem.seg_override = true } },
	/* MOVZX, MOVSX, MOVSXD. */
	{ "movzx eax,byte [rcx]", M64, B(0x0f, 0xb6, 0x01), 0, { .len = 3,
	  ACC(RD, 1, RAX, 4), SZ(4, 8), MEM(RCX, NR, 1, 0, DS) } },
	{ "movzx rax,word [rcx]", M64, B(0x48, 0x0f, 0xb7, 0x01), 0,
	  { .len = 4, ACC(RD, 2, RAX, 8), SZ(8, 8), MEM(RCX, NR, 1, 0, DS) } },
	{ "movzx ax,byte [rcx]", M64, B(0x66, 0x0f, 0xb6, 0x01), 0,
	  { .len = 4, ACC(RD, 1, RAX, 2), SZ(2, 8), MEM(RCX, NR, 1, 0, DS) } },
	{ "movzx esp,byte [rcx] (no high byte)", M64, B(0x0f, 0xb6, 0x21), 0,
	  { .len = 3, ACC(RD, 1, RSP, 4), SZ(4, 8), MEM(RCX, NR, 1, 0, DS) } },
	{ "movsx ecx,byte [rdx]", M64, B(0x0f, 0xbe, 0x0a), 0, { .len = 3,
	  ACC(RD, 1, RCX, 4), .signed_ext = true, SZ(4, 8),
	  MEM(RDX, NR, 1, 0, DS) } },
	{ "movsx r8,word [rdx] (REX.WR)", M64, B(0x4c, 0x0f, 0xbf, 0x02), 0,
	  { .len = 4, ACC(RD, 2, R8, 8), .signed_ext = true, SZ(8, 8),
	    MEM(RDX, NR, 1, 0, DS) } },
	{ "movsx eax,word [bx] in 16-bit mode", M16,
	  B(0x66, 0x0f, 0xbf, 0x07), 0, { .len = 4, ACC(RD, 2, RAX, 4),
	  .signed_ext = true, SZ(4, 2), MEM(RBX, NR, 1, 0, DS) } },
	{ "movsxd rax,dword [rcx]", M64, B(0x48, 0x63, 0x01), 0, { .len = 3,
	  ACC(RD, 4, RAX, 8), .signed_ext = true, SZ(8, 8),
	  MEM(RCX, NR, 1, 0, DS) } },
	{ "movsxd eax,dword [rcx] (no REX.W)", M64, B(0x63, 0x01), 0,
	  { .len = 2, ACC(RD, 4, RAX, 4), .signed_ext = true, SZ(4, 8),
	    MEM(RCX, NR, 1, 0, DS) } },
	{ "63 is ARPL outside 64-bit mode", M32, B(0x63, 0x01), -EINVAL },
	{ "0F 0B (UD2) is not decoded", M64, B(0x0f, 0x0b), -EINVAL },
	/* String instructions. */
	{ "movsb", M64, B(0xa4), 0, { .len = 1,
	  ACC(MOVS, 1, NR, 0), SZ(4, 8), MEM(RSI, NR, 1, 0, DS) } },
	{ "rep movsd in 32-bit mode", M32, B(0xf3, 0xa5), 0, { .len = 2,
	  ACC(MOVS, 4, NR, 0), SZ(4, 4), MEM(RSI, NR, 1, 0, DS),
	  .rep = 0xf3 } },
	{ "rep movsq", M64, B(0xf3, 0x48, 0xa5), 0, { .len = 3,
	  ACC(MOVS, 8, NR, 0), SZ(8, 8), MEM(RSI, NR, 1, 0, DS),
	  .rep = 0xf3 } },
	{ "fs movsw: source segment", M16, B(0x64, 0xa5), 0, { .len = 2,
	  ACC(MOVS, 2, NR, 0), SZ(2, 2), MEM(RSI, NR, 1, 0, FS),
	  .mem.seg_override = true } },
	{ "stosb", M64, B(0xaa), 0, { .len = 1,
	  ACC(STOS, 1, RAX, 1), SZ(4, 8), MEM(RDI, NR, 1, 0, ES) } },
	{ "rep stosw (66 67)", M64, B(0x66, 0x67, 0xf3, 0xab), 0, { .len = 4,
	  ACC(STOS, 2, RAX, 2), SZ(2, 4), MEM(RDI, NR, 1, 0, ES),
	  .rep = 0xf3 } },
	{ "fs stosb: ES not overridable", M32, B(0x64, 0xaa), 0, { .len = 2,
	  ACC(STOS, 1, RAX, 1), SZ(4, 4), MEM(RDI, NR, 1, 0, ES) } },
	{ "fs lodsb", M64, B(0x64, 0xac), 0, { .len = 2,
	  ACC(LODS, 1, RAX, 1), SZ(4, 8), MEM(RSI, NR, 1, 0, FS),
	  .mem.seg_override = true } },
	{ "lodsd in 16-bit mode", M16, B(0x66, 0xad), 0, { .len = 2,
	  ACC(LODS, 4, RAX, 4), SZ(4, 2), MEM(RSI, NR, 1, 0, DS) } },
	{ "rep rep-ne lodsq: last wins", M64, B(0xf3, 0xf2, 0x48, 0xad), 0,
	  { .len = 4, ACC(LODS, 8, RAX, 8), SZ(8, 8), MEM(RSI, NR, 1, 0, DS),
	    .rep = 0xf2 } },
	/* ALU, XCHG, bit tests (emulated: axvm_insn_alu()). */
	{ "test [rax],ecx", M64, B(0x85, 0x08), 0, { .len = 2,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_TEST, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "test [rax],ah", M64, B(0x84, 0x20), 0, { .len = 2,
	  ACC(ALU, 1, RAX, 1), .high_byte = true, .alu = AXVM_INSN_ALU_TEST,
	  MD, SZ(4, 8), MEM(RAX, NR, 1, 0, DS) } },
	{ "cmp [rax],ecx", M64, B(0x39, 0x08), 0, { .len = 2,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_CMP, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "cmp cl,[rax]", M64, B(0x3a, 0x08), 0, { .len = 2,
	  ACC(ALU, 1, RCX, 1), .alu = AXVM_INSN_ALU_CMP, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "cmp rcx,[rax]", M64, B(0x48, 0x3b, 0x08), 0, { .len = 3,
	  ACC(ALU, 8, RCX, 8), .alu = AXVM_INSN_ALU_CMP, SZ(8, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "cmp dword [rax],-1 (83 /7)", M64, B(0x83, 0x38, 0xff), 0,
	  { .len = 3, ACC(ALU, 4, NR, 0), .alu = AXVM_INSN_ALU_CMP, MD, IMM,
	    SZ(4, 8), MEM(RAX, NR, 1, 0, DS), .imm = 0xffffffff } },
	{ "and qword [rax],imm32 (81 /4)", M64,
	  B(0x48, 0x81, 0x20, 0x00, 0x00, 0x00, 0x80), 0, { .len = 7,
	  ACC(ALU, 8, NR, 0), .alu = AXVM_INSN_ALU_AND, MD, IMM, SZ(8, 8),
	  MEM(RAX, NR, 1, 0, DS), .imm = 0xffffffff80000000ULL } },
	{ "or byte [rax],1 (80 /1)", M64, B(0x80, 0x08, 0x01), 0, { .len = 3,
	  ACC(ALU, 1, NR, 0), .alu = AXVM_INSN_ALU_OR, MD, IMM, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS), .imm = 1 } },
	{ "or word [bx],0x1234 (81 /1)", M16, B(0x81, 0x0f, 0x34, 0x12), 0,
	  { .len = 4, ACC(ALU, 2, NR, 0), .alu = AXVM_INSN_ALU_OR, MD, IMM,
	    SZ(2, 2), MEM(RBX, NR, 1, 0, DS), .imm = 0x1234 } },
	{ "and ecx,[rax] (23)", M64, B(0x23, 0x08), 0, { .len = 2,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_AND, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "lock or [rax],ecx", M64, B(0xf0, 0x09, 0x08), 0, { .len = 3,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_OR, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS), .lock = true } },
	{ "add byte [eax],1 (82, 32-bit mode)", M32, B(0x82, 0x00, 0x01), 0,
	  { .len = 3, ACC(ALU, 1, NR, 0), .alu = AXVM_INSN_ALU_ADD, MD, IMM,
	    SZ(4, 4), MEM(RAX, NR, 1, 0, DS), .imm = 1 } },
	{ "or [r12+0x1000],eax", M64,
	  B(0x41, 0x09, 0x84, 0x24, 0x00, 0x10, 0x00, 0x00), 0, { .len = 8,
	  ACC(ALU, 4, RAX, 4), .alu = AXVM_INSN_ALU_OR, MD, SZ(4, 8),
	  MEM(R12, NR, 1, 0x1000, DS) } },
	{ "add [rax],ecx", M64, B(0x01, 0x08), 0, { .len = 2,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_ADD, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "sub [rax],ecx", M64, B(0x29, 0x08), 0, { .len = 2,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_SUB, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "xor [rax],ecx", M64, B(0x31, 0x08), 0, { .len = 2,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_XOR, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "xchg [rax],ecx", M64, B(0x87, 0x08), 0, { .len = 2,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_XCHG, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "lock xchg [rax],bl", M64, B(0xf0, 0x86, 0x18), 0, { .len = 3,
	  ACC(ALU, 1, RBX, 1), .alu = AXVM_INSN_ALU_XCHG, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS), .lock = true } },
	{ "test dword [rax],imm32 (F7 /0)", M64,
	  B(0xf7, 0x00, 0x78, 0x56, 0x34, 0x12), 0, { .len = 6,
	  ACC(ALU, 4, NR, 0), .alu = AXVM_INSN_ALU_TEST, MD, IMM, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS), .imm = 0x12345678 } },
	{ "test byte [rax],0x80 (F6 /0)", M64, B(0xf6, 0x00, 0x80), 0,
	  { .len = 3, ACC(ALU, 1, NR, 0), .alu = AXVM_INSN_ALU_TEST, MD, IMM,
	    SZ(4, 8), MEM(RAX, NR, 1, 0, DS), .imm = 0x80 } },
	{ "bt [rax],ecx", M64, B(0x0f, 0xa3, 0x08), 0, { .len = 3,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_BT, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "bts [rax],rcx", M64, B(0x48, 0x0f, 0xab, 0x08), 0, { .len = 4,
	  ACC(ALU, 8, RCX, 8), .alu = AXVM_INSN_ALU_BTS, MD, SZ(8, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "btr [rax],cx", M64, B(0x66, 0x0f, 0xb3, 0x08), 0, { .len = 4,
	  ACC(ALU, 2, RCX, 2), .alu = AXVM_INSN_ALU_BTR, MD, SZ(2, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "btc [rax],ecx", M64, B(0x0f, 0xbb, 0x08), 0, { .len = 3,
	  ACC(ALU, 4, RCX, 4), .alu = AXVM_INSN_ALU_BTC, MD, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS) } },
	{ "bt dword [rax],5 (0F BA /4)", M64, B(0x0f, 0xba, 0x20, 0x05), 0,
	  { .len = 4, ACC(ALU, 4, NR, 0), .alu = AXVM_INSN_ALU_BT, MD, IMM,
	    SZ(4, 8), MEM(RAX, NR, 1, 0, DS), .imm = 5 } },
	{ "lock bts dword [rax],3 (0F BA /5)", M64,
	  B(0xf0, 0x0f, 0xba, 0x28, 0x03), 0, { .len = 5,
	  ACC(ALU, 4, NR, 0), .alu = AXVM_INSN_ALU_BTS, MD, IMM, SZ(4, 8),
	  MEM(RAX, NR, 1, 0, DS), .imm = 3, .lock = true } },
	{ "lock bt: UD", M64, B(0xf0, 0x0f, 0xa3, 0x08), -EINVAL },
	{ "lock test: UD", M64, B(0xf0, 0x85, 0x08), -EINVAL },
	{ "0F BA /0: UD", M64, B(0x0f, 0xba, 0x00, 0x01), -EINVAL },
	{ "not [rax] (F7 /2): not decoded", M64, B(0xf7, 0x10), -EINVAL },
	{ "82 in 64-bit mode", M64, B(0x82, 0x00, 0x01), -EINVAL },
	{ "lock cmp: UD", M64, B(0xf0, 0x39, 0x08), -EINVAL },
	{ "lock or ecx,[rax]: UD", M64, B(0xf0, 0x0b, 0x08), -EINVAL },
	{ "lock mov: UD", M64, B(0xf0, 0x89, 0x08), -EINVAL },
	{ "lock movsb: UD", M64, B(0xf0, 0xa4), -EINVAL },
	/* Not memory, not known, too long, truncated. */
	{ "mov eax,ecx (mod 11)", M64, B(0x89, 0xc8), -EINVAL },
	{ "movzx eax,cl (mod 11)", M64, B(0x0f, 0xb6, 0xc1), -EINVAL },
	{ "nop", M64, B(0x90), -EINVAL },
	{ "VEX (C5)", M64, B(0xc5, 0xf8, 0x77), -EINVAL },
	{ "REX is DEC in 32-bit mode", M32, B(0x48, 0x8b, 0x01), -EINVAL },
	{ "bad mode", 3, B(0x89, 0x08), -EINVAL },
	{ "15 bytes", M64, B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x08), 0, { .len = 15,
	  ACC(WR, 2, RCX, 2), SZ(2, 8), MEM(RAX, NR, 1, 0, DS) } },
	{ "16 bytes: too long", M64, B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x08),
	  -EINVAL },
	{ "15 prefixes", M64, B(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66), -EINVAL },
	{ "empty", M64, .nbytes = 0, -ENOSPC },
	{ "prefixes only", M64, B(0x66, 0x67), -ENOSPC },
	{ "0F only", M64, B(0x0f), -ENOSPC },
	{ "no ModR/M", M64, B(0x8b), -ENOSPC },
	{ "no SIB", M64, B(0x8b, 0x04), -ENOSPC },
	{ "short disp32", M64, B(0x8b, 0x05, 0x10, 0x00), -ENOSPC },
	{ "short disp16", M16, B(0x8b, 0x0e, 0x34), -ENOSPC },
	{ "short imm32", M64, B(0xc7, 0x00, 0x78, 0x56), -ENOSPC },
	{ "short moffs64", M64, B(0xa1, 0x00, 0x00, 0x00, 0x00), -ENOSPC },
};

static void decode_case_desc(const struct decode_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decode, decode_cases, decode_case_desc);

static void expect_insn(struct kunit *test, const struct axvm_insn *got,
			const struct axvm_insn *want)
{
	KUNIT_EXPECT_EQ(test, got->len, want->len);
	KUNIT_EXPECT_EQ(test, got->op, want->op);
	KUNIT_EXPECT_EQ(test, got->alu, want->alu);
	KUNIT_EXPECT_EQ(test, got->mem_dst, want->mem_dst);
	KUNIT_EXPECT_EQ(test, got->src_imm, want->src_imm);
	KUNIT_EXPECT_EQ(test, got->width, want->width);
	KUNIT_EXPECT_EQ(test, got->reg, want->reg);
	KUNIT_EXPECT_EQ(test, got->reg_width, want->reg_width);
	KUNIT_EXPECT_EQ(test, got->signed_ext, want->signed_ext);
	KUNIT_EXPECT_EQ(test, got->high_byte, want->high_byte);
	KUNIT_EXPECT_EQ(test, got->op_size, want->op_size);
	KUNIT_EXPECT_EQ(test, got->addr_size, want->addr_size);
	KUNIT_EXPECT_EQ(test, got->rep, want->rep);
	KUNIT_EXPECT_EQ(test, got->lock, want->lock);
	KUNIT_EXPECT_EQ(test, got->imm, want->imm);
	KUNIT_EXPECT_EQ(test, got->mem.base, want->mem.base);
	KUNIT_EXPECT_EQ(test, got->mem.index, want->mem.index);
	KUNIT_EXPECT_EQ(test, got->mem.scale, want->mem.scale);
	KUNIT_EXPECT_EQ(test, got->mem.disp, want->mem.disp);
	KUNIT_EXPECT_EQ(test, got->mem.seg, want->mem.seg);
	KUNIT_EXPECT_EQ(test, got->mem.seg_override, want->mem.seg_override);
	KUNIT_EXPECT_EQ(test, got->mem.rip_rel, want->mem.rip_rel);
}

/* Each table entry, decoded from exactly its bytes. */
static void decode_test(struct kunit *test)
{
	const struct decode_case *c = test->param_value;
	struct axvm_insn insn;
	int ret;

	ret = axvm_insn_decode(&insn, c->bytes, c->nbytes, c->mode);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (!ret)
		expect_insn(test, &insn, &c->want);
}

/*
 * Every proper prefix of a decodable entry is -ENOSPC (so the decoder
 * never used a byte it was not given), and bytes after the instruction
 * change nothing.
 */
static void decode_bounds_test(struct kunit *test)
{
	u8 buf[AXVM_INSN_MAX_LEN];
	struct axvm_insn insn;
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];

		if (c->ret)
			continue;
		for (k = 0; k < c->want.len; k++)
			KUNIT_EXPECT_EQ_MSG(test, axvm_insn_decode(&insn, c->bytes,
								   k, c->mode),
					    -ENOSPC, "%s, %u bytes", c->name, k);
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, c->bytes, c->nbytes);
		KUNIT_ASSERT_EQ_MSG(test, axvm_insn_decode(&insn, buf,
							   sizeof(buf), c->mode),
				    0, "%s, padded", c->name);
		expect_insn(test, &insn, &c->want);
		/* More than 15 valid bytes: only 15 are looked at. */
		KUNIT_EXPECT_EQ(test, axvm_insn_decode(&insn, c->bytes,
						       sizeof(c->bytes),
						       c->mode), 0);
	}
}

/* The raw fields the table does not compare. */
static void decode_raw_fields_test(struct kunit *test)
{
	static const u8 sib[] = { 0x66, 0x4b, 0x8b, 0x44, 0xc1, 0x10 };
	static const u8 movzx[] = { 0x0f, 0xb7, 0x01 };
	struct axvm_insn insn;

	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, sib, sizeof(sib), M64), 0);
	KUNIT_EXPECT_EQ(test, insn.rex, 0x4b);
	KUNIT_EXPECT_TRUE(test, insn.has_modrm);
	KUNIT_EXPECT_EQ(test, insn.modrm, 0x44);
	KUNIT_EXPECT_TRUE(test, insn.has_sib);
	KUNIT_EXPECT_EQ(test, insn.sib, 0xc1);
	KUNIT_EXPECT_EQ(test, insn.opcode, 0x8b);
	KUNIT_EXPECT_EQ(test, insn.width, 8);
	KUNIT_EXPECT_EQ(test, insn.mem.disp, 0x10);

	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, movzx, sizeof(movzx),
					       M32), 0);
	KUNIT_EXPECT_EQ(test, insn.opcode, 0x0fb7);
	KUNIT_EXPECT_EQ(test, insn.rex, 0);
	KUNIT_EXPECT_FALSE(test, insn.has_sib);
}

struct merge_case {
	const char *name;
	u64 old;
	u64 data;
	u8 width;
	u8 reg_width;
	bool signed_ext;
	bool high_byte;
	int ret;
	u64 want;
};

#define OLD	0x1122334455667788ULL

static const struct merge_case merge_cases[] = {
	{ "byte to AL", OLD, 0xab, 1, 1, false, false, 0, 0x11223344556677abULL },
	{ "byte to AH", OLD, 0xab, 1, 1, false, true, 0, 0x112233445566ab88ULL },
	{ "byte ignores data above", OLD, 0xffab, 1, 1, false, false, 0,
	  0x11223344556677abULL },
	{ "byte to AH ignores data above", OLD, 0x12ab, 1, 1, false, true, 0,
	  0x112233445566ab88ULL },
	{ "word merges", OLD, 0xbeef, 2, 2, false, false, 0,
	  0x112233445566beefULL },
	{ "word ignores data above", OLD, 0xffffbeef, 2, 2, false, false, 0,
	  0x112233445566beefULL },
	{ "dword zero-extends", OLD, 0xdeadbeef, 4, 4, false, false, 0,
	  0xdeadbeefULL },
	{ "dword ignores data above", OLD, 0x99999999deadbeefULL, 4, 4,
	  false, false, 0, 0xdeadbeefULL },
	{ "qword replaces", OLD, 0x8877665544332211ULL, 8, 8, false, false, 0,
	  0x8877665544332211ULL },
	{ "movzx word, byte", OLD, 0x80, 1, 2, false, false, 0,
	  0x1122334455660080ULL },
	{ "movzx dword, byte", OLD, 0x80, 1, 4, false, false, 0, 0x80 },
	{ "movzx qword, byte", OLD, 0x80, 1, 8, false, false, 0, 0x80 },
	{ "movzx dword, word", OLD, 0x8000, 2, 4, false, false, 0, 0x8000 },
	{ "movzx qword, word", OLD, 0xffff, 2, 8, false, false, 0, 0xffff },
	{ "movsx word, byte", OLD, 0x80, 1, 2, true, false, 0,
	  0x112233445566ff80ULL },
	{ "movsx dword, byte", OLD, 0x80, 1, 4, true, false, 0, 0xffffff80 },
	{ "movsx qword, byte", OLD, 0x80, 1, 8, true, false, 0,
	  0xffffffffffffff80ULL },
	{ "movsx dword, positive byte", OLD, 0x7f, 1, 4, true, false, 0, 0x7f },
	{ "movsx dword, word", OLD, 0x8000, 2, 4, true, false, 0, 0xffff8000 },
	{ "movsx qword, word", OLD, 0x8000, 2, 8, true, false, 0,
	  0xffffffffffff8000ULL },
	{ "movsx qword, word, data above", OLD, 0x12347fff, 2, 8, true, false,
	  0, 0x7fff },
	{ "movsxd qword, dword", OLD, 0x80000000, 4, 8, true, false, 0,
	  0xffffffff80000000ULL },
	{ "movsxd qword, positive dword", OLD, 0x7fffffff, 4, 8, true, false,
	  0, 0x7fffffff },
	{ "movsx same width", OLD, 0x80, 1, 1, true, false, 0,
	  0x1122334455667780ULL },
	{ "width 3", OLD, 0, 3, 4, false, false, -EINVAL },
	{ "reg_width 0", OLD, 0, 1, 0, false, false, -EINVAL },
	{ "reg_width 16", OLD, 0, 8, 16, false, false, -EINVAL },
	{ "width > reg_width", OLD, 0, 4, 2, false, false, -EINVAL },
	{ "high byte of a word", OLD, 0, 1, 2, false, true, -EINVAL },
};

static void merge_case_desc(const struct merge_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(merge, merge_cases, merge_case_desc);

static void merge_test(struct kunit *test)
{
	const struct merge_case *c = test->param_value;
	u64 out = 0x5a5a5a5a5a5a5a5aULL;
	int ret;

	ret = axvm_insn_merge_reg(c->old, c->data, c->width, c->reg_width,
				  c->signed_ext, c->high_byte, &out);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	KUNIT_EXPECT_EQ(test, out, ret ? 0x5a5a5a5a5a5a5a5aULL : c->want);
}

struct load_case {
	const char *name;
	enum axvm_insn_mode mode;
	u8 bytes[8];
	unsigned int nbytes;
	u64 data;
	u8 reg;
	u64 want;
};

/* Decode, then complete the load with every register holding OLD. */
static const struct load_case load_cases[] = {
	{ "mov al,[rbx]", M64, B(0x8a, 0x03), 0xfe, RAX, 0x11223344556677feULL },
	{ "mov ch,[rbx]", M64, B(0x8a, 0x2b), 0xfe, RCX, 0x112233445566fe88ULL },
	{ "mov dh,[rbx]", M64, B(0x8a, 0x33), 0xfe, RDX, 0x112233445566fe88ULL },
	{ "mov bpl,[rbx]", M64, B(0x40, 0x8a, 0x2b), 0xfe, RBP,
	  0x11223344556677feULL },
	{ "mov r12b,[rbx]", M64, B(0x44, 0x8a, 0x23), 0xfe, R12,
	  0x11223344556677feULL },
	{ "mov si,[rbx]", M64, B(0x66, 0x8b, 0x33), 0xcafe, RSI,
	  0x112233445566cafeULL },
	{ "mov edi,[rbx]", M64, B(0x8b, 0x3b), 0xcafebabe, RDI, 0xcafebabeULL },
	{ "mov r15d,[rbx]", M64, B(0x44, 0x8b, 0x3b), 0xcafebabe, R15,
	  0xcafebabeULL },
	{ "mov r9,[rbx]", M64, B(0x4c, 0x8b, 0x0b), 0x0123456789abcdefULL, R9,
	  0x0123456789abcdefULL },
	{ "mov ax,[bx] (16-bit)", M16, B(0x8b, 0x07), 0xcafe, RAX,
	  0x112233445566cafeULL },
	{ "mov eax,[ebx] (32-bit)", M32, B(0x8b, 0x03), 0xcafebabe, RAX,
	  0xcafebabeULL },
	{ "movzx eax,byte [rbx]", M64, B(0x0f, 0xb6, 0x03), 0xff, RAX, 0xff },
	{ "movzx ax,byte [rbx]", M64, B(0x66, 0x0f, 0xb6, 0x03), 0xff, RAX,
	  0x11223344556600ffULL },
	{ "movsx rcx,word [rbx]", M64, B(0x48, 0x0f, 0xbf, 0x0b), 0xfffe, RCX,
	  0xfffffffffffffffeULL },
	{ "movsx cx,byte [rbx]", M64, B(0x66, 0x0f, 0xbe, 0x0b), 0x80, RCX,
	  0x112233445566ff80ULL },
	{ "movsxd rdx,[rbx]", M64, B(0x48, 0x63, 0x13), 0x80000000, RDX,
	  0xffffffff80000000ULL },
	{ "mov eax,[moffs32] (32-bit)", M32, B(0xa1, 0, 0x10, 0, 0), 0x12345678,
	  RAX, 0x12345678 },
	{ "lodsw", M64, B(0x66, 0xad), 0xcafe, RAX, 0x112233445566cafeULL },
};

static void load_case_desc(const struct load_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(load, load_cases, load_case_desc);

static void load_test(struct kunit *test)
{
	const struct load_case *c = test->param_value;
	struct axvm_insn insn;

	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, c->bytes, c->nbytes,
					       c->mode), 0);
	KUNIT_EXPECT_EQ(test, insn.reg, c->reg);
	KUNIT_EXPECT_EQ(test, axvm_insn_load_value(&insn, OLD, c->data),
			c->want);
}

/* What stores write, and that non-loads leave the register alone. */
static void store_value_test(struct kunit *test)
{
	static const u8 mov_bh[] = { 0x88, 0x3e };	/* mov [rsi],bh */
	static const u8 mov_cx[] = { 0x66, 0x89, 0x0e };	/* mov [rsi],cx */
	static const u8 mov_q[] = { 0x48, 0x89, 0x0e };	/* mov [rsi],rcx */
	static const u8 imm[] = { 0xc6, 0x06, 0x5a };	/* mov byte [rsi],0x5a */
	static const u8 stosd[] = { 0xab };
	static const u8 movsb[] = { 0xa4 };
	struct axvm_insn insn;

	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, mov_bh, 2, M64), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_store_value(&insn, OLD), 0x77);
	KUNIT_EXPECT_EQ(test, axvm_insn_load_value(&insn, OLD, 0), OLD);
	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, mov_cx, 3, M64), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_store_value(&insn, OLD), 0x7788);
	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, mov_q, 3, M64), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_store_value(&insn, OLD), OLD);
	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, imm, 3, M64), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_store_value(&insn, OLD), 0x5a);
	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, stosd, 1, M64), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_store_value(&insn, OLD), 0x55667788);
	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, movsb, 1, M64), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_store_value(&insn, OLD), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_load_value(&insn, OLD, 1), OLD);
}

/* Effective addresses: wrap-around at the address size, RIP-relative. */
static void mem_offset_test(struct kunit *test)
{
	static const struct {
		enum axvm_insn_mode mode;
		u8 bytes[10];
		unsigned int nbytes;
		u64 want;
	} cases[] = {
		/* mov eax,[rax+rcx*4] */
		{ M64, B(0x8b, 0x04, 0x88), 0x1000 + 0x30 * 4 },
		/* mov eax,[rip+0x10]: next RIP 0x400006 */
		{ M64, B(0x8b, 0x05, 0x10, 0, 0, 0), 0x400016 },
		/* mov eax,[rip-0x10] with 67: EIP-relative, 32 bits */
		{ M64, B(0x67, 0x8b, 0x05, 0xf0, 0xff, 0xff, 0xff), 0x3ffff7 },
		/* mov eax,[rbp-8] */
		{ M64, B(0x8b, 0x45, 0xf8), 0xfffffffffffffff8ULL },
		/* mov eax,[esi-8] (67): ESI only, bits 63:32 dropped */
		{ M64, B(0x67, 0x8b, 0x46, 0xf8), 0x221a },
		/* mov ax,[bx+si+0x10] with BX = 0xfff0 (16 bits): wraps */
		{ M16, B(0x8b, 0x40, 0x10), 0x0030 },
		/* mov eax,[rcx*4+0x2000] */
		{ M64, B(0x8b, 0x04, 0x8d, 0x00, 0x20, 0, 0), 0x20c0 },
		/* mov al,[moffs64] */
		{ M64, B(0xa0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
		  0x1122334455667788ULL },
		/* lodsb with 67: ESI */
		{ M64, B(0x67, 0xac), 0x2222 },
		/* mov [bp+0x8000] (disp16 sign-extended, wraps) */
		{ M16, B(0x89, 0x86, 0x00, 0x80), 0x8100 },
	};
	u64 gprs[16] = { 0 };
	struct axvm_insn insn;
	unsigned int i;

	gprs[RAX] = 0x1000;
	gprs[RCX] = 0x30;
	gprs[RBP] = 0x100;
	gprs[RBX] = 0xfff0;
	gprs[RSI] = 0xffffffff00002222ULL;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, cases[i].bytes,
						       cases[i].nbytes,
						       cases[i].mode), 0);
		gprs[RBP] = i == 3 ? 0 : 0x100;
		gprs[RSI] = i == 5 ? 0x30 : 0xffffffff00002222ULL;
		KUNIT_EXPECT_EQ_MSG(test, axvm_insn_mem_offset(&insn, gprs,
							       0x400000),
				    cases[i].want, "case %u", i);
	}
}

/* RFLAGS bits (SDM Vol. 1, 3.4.3.1). */
#define CF	0x1ULL
#define PF	0x4ULL
#define AF	0x10ULL
#define ZF	0x40ULL
#define SF	0x80ULL
#define OF	0x800ULL
#define FX	0x2ULL		/* bit 1, always set */

struct alu_case {
	const char *name;
	u8 bytes[AXVM_INSN_MAX_LEN + 1];
	unsigned int nbytes;
	u64 mem, reg, rflags;		/* before */
	struct axvm_insn_alu_result want;
};

/* Flags worked out by hand from the Vol. 2 pages of each instruction. */
static const struct alu_case alu_cases[] = {
	{ "or [rax],ecx: CF OF AF cleared", B(0x09, 0x08), 0xf000, 1,
	  FX | CF | OF | AF, { .mem = 0xf001, .reg = 1, .rflags = FX,
	  .write_mem = true } },
	{ "add [rax],ecx: carry out, zero", B(0x01, 0x08), 0xffffffff, 1, FX,
	  { .mem = 0, .reg = 1, .rflags = FX | CF | PF | AF | ZF,
	  .write_mem = true } },
	{ "add [rax],ecx: signed overflow", B(0x01, 0x08), 0x7fffffff, 1, FX,
	  { .mem = 0x80000000, .reg = 1, .rflags = FX | OF | SF | PF | AF,
	  .write_mem = true } },
	{ "adc [rax],ecx: carry in", B(0x11, 0x08), 0xffffffff, 0, FX | CF,
	  { .mem = 0, .reg = 0, .rflags = FX | CF | PF | AF | ZF,
	  .write_mem = true } },
	{ "sub [rax],ecx: borrow", B(0x29, 0x08), 1, 2, FX,
	  { .mem = 0xffffffff, .reg = 2, .rflags = FX | CF | SF | PF | AF,
	  .write_mem = true } },
	{ "sbb [rax],ecx: borrow in", B(0x19, 0x08), 0, 0, FX | CF,
	  { .mem = 0xffffffff, .reg = 0, .rflags = FX | CF | SF | PF | AF,
	  .write_mem = true } },
	{ "sub qword [rax],1 (83 /5)", B(0x48, 0x83, 0x28, 0x01), 0, 0, FX,
	  { .mem = ~0ULL, .reg = 0, .rflags = FX | CF | SF | PF | AF,
	  .write_mem = true } },
	{ "cmp [rax],ecx: equal, no store", B(0x39, 0x08), 5, 5, FX | CF,
	  { .mem = 0, .reg = 5, .rflags = FX | ZF | PF } },
	{ "cmp cl,[rax]: reg minus mem", B(0x3a, 0x08), 4, 0x12340003, FX,
	  { .mem = 0, .reg = 0x12340003, .rflags = FX | CF | SF | PF | AF } },
	{ "and ecx,[rax]: into the register, zero-extended", B(0x23, 0x08),
	  0x0f0f0f0f, 0xffffffffffff00ffULL, FX | ZF,
	  { .reg = 0x0f0f000f, .rflags = FX | PF, .write_reg = true } },
	{ "xor byte [rax],0xff (80 /6)", B(0x80, 0x30, 0xff), 0x0f, 0, FX,
	  { .mem = 0xf0, .reg = 0, .rflags = FX | SF | PF,
	  .write_mem = true } },
	{ "test dword [rax],imm32: no store", B(0xf7, 0x00, 0x00, 0x00, 0x00,
	  0x80), 0x80000001, 0, FX | CF | OF, { .reg = 0,
	  .rflags = FX | SF | PF } },
	{ "xchg [rax],ecx: flags kept", B(0x87, 0x08), 0xaabbccdd,
	  0xffffffff11223344ULL, FX | CF | OF | ZF, { .mem = 0x11223344,
	  .reg = 0xaabbccdd, .rflags = FX | CF | OF | ZF, .write_mem = true,
	  .write_reg = true } },
	{ "xchg [rax],ah", B(0x86, 0x20), 0x5a, 0x1234, FX, { .mem = 0x12,
	  .reg = 0x5a34, .rflags = FX, .write_mem = true,
	  .write_reg = true } },
	{ "bts [rax],ecx: offset modulo 32, ZF kept", B(0x0f, 0xab, 0x08), 1,
	  33, FX | CF | ZF, { .mem = 3, .reg = 33, .rflags = FX | ZF,
	  .write_mem = true } },
	{ "btr dword [rax],0 (0F BA /6)", B(0x0f, 0xba, 0x30, 0x00), 0x81, 0,
	  FX, { .mem = 0x80, .reg = 0, .rflags = FX | CF,
	  .write_mem = true } },
	{ "btc [rax],ecx", B(0x0f, 0xbb, 0x08), 0, 31, FX | CF,
	  { .mem = 0x80000000, .reg = 31, .rflags = FX, .write_mem = true } },
	{ "bt dword [rax],7: no store", B(0x0f, 0xba, 0x20, 0x07), 0x80, 0, FX,
	  { .mem = 0x80, .reg = 0, .rflags = FX | CF } },
};

static void alu_case_desc(const struct alu_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(alu, alu_cases, alu_case_desc);

/* Decode, then execute on the memory value: store, register, RFLAGS. */
static void alu_test(struct kunit *test)
{
	const struct alu_case *c = test->param_value;
	struct axvm_insn_alu_result r;
	struct axvm_insn insn;

	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, c->bytes, c->nbytes, M64),
			0);
	KUNIT_ASSERT_EQ(test, axvm_insn_alu(&insn, c->mem, c->reg, c->rflags, &r),
			0);
	KUNIT_EXPECT_EQ(test, r.write_mem, c->want.write_mem);
	if (c->want.write_mem)
		KUNIT_EXPECT_EQ(test, r.mem, c->want.mem);
	KUNIT_EXPECT_EQ(test, r.write_reg, c->want.write_reg);
	KUNIT_EXPECT_EQ(test, r.reg, c->want.reg);
	KUNIT_EXPECT_EQ(test, r.rflags, c->want.rflags);
}

/* Only ALU instructions execute. */
static void alu_rejects_test(struct kunit *test)
{
	static const u8 mov[] = { 0x89, 0x08 };
	struct axvm_insn_alu_result r;
	struct axvm_insn insn;

	KUNIT_ASSERT_EQ(test, axvm_insn_decode(&insn, mov, sizeof(mov), M64), 0);
	KUNIT_EXPECT_EQ(test, axvm_insn_alu(&insn, 1, 2, FX, &r), -EINVAL);
	KUNIT_EXPECT_FALSE(test, r.write_mem);
	KUNIT_EXPECT_FALSE(test, r.write_reg);
}

static struct kunit_case axvm_decode_cases[] = {
	KUNIT_CASE_PARAM(decode_test, decode_gen_params),
	KUNIT_CASE(decode_bounds_test),
	KUNIT_CASE(decode_raw_fields_test),
	KUNIT_CASE_PARAM(merge_test, merge_gen_params),
	KUNIT_CASE_PARAM(load_test, load_gen_params),
	KUNIT_CASE(store_value_test),
	KUNIT_CASE(mem_offset_test),
	KUNIT_CASE_PARAM(alu_test, alu_gen_params),
	KUNIT_CASE(alu_rejects_test),
	{}
};

static struct kunit_suite axvm_decode_suite = {
	.name = "axvm_decode",
	.test_cases = axvm_decode_cases,
};
kunit_test_suite(axvm_decode_suite);

MODULE_DESCRIPTION("KUnit tests for the axvm MMIO instruction decoder");
MODULE_LICENSE("GPL");
