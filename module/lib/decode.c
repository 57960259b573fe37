// SPDX-License-Identifier: GPL-2.0
/*
 * Decoder for the x86 instructions that access MMIO (decode.h lists the
 * SDM sections and tables cited here as "2.1.1", "Table 2-2", "A-6" and so
 * on, with their volumes and titles).
 *
 * Instruction layout (SDM Vol. 2A, 2.1, Figure 2-1): legacy prefixes, REX
 * (64-bit mode), opcode (one or two bytes), ModR/M, SIB, displacement,
 * immediate. Every byte is fetched through next_byte(), which never looks
 * beyond the caller's length and enforces the 15-byte limit (2.3.11).
 *
 * Decoded (opcode maps Table ):
 *   88/89/8A/8B MOV r/m<->reg    C6/C7 /0 MOV r/m, imm
 *   A0-A3 MOV moffs              0F B6/B7 MOVZX, 0F BE/BF MOVSX
 *   63 MOVSXD (64-bit mode)      A4/A5 MOVS, AA/AB STOS, AC/AD LODS
 * and, as AXVM_INSN_OP_ALU, the ALU forms a guest might aim at a device
 * register: 00-3B with low bits 0-3 (ADD/OR/ADC/SBB/AND/SUB/XOR/CMP
 * r/m<->reg), 80/81/83 group 1 (82 outside 64-bit mode), 84/85 TEST,
 * F6/F7 /0 and /1 TEST r/m,imm, 86/87 XCHG, 0F A3/AB/B3/BB BT/BTS/BTR/BTC
 * r/m,reg and 0F BA /4-/7 (group 8) BT/BTS/BTR/BTC r/m,imm8.
 *
 * Errors: -ENOSPC when the bytes end inside the instruction (fetch more and
 * retry), -EINVAL when the bytes are not an instruction listed above, would
 * exceed 15 bytes, use a register operand where memory is needed (ModR/M
 * mod = 3: no memory access to emulate) or carry a LOCK prefix the CPU
 * rejects with #UD (Vol. 2A, "LOCK-Assert LOCK# Signal Prefix").
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include "lib/decode.h"

/* REX bits (Table 2-4). */
#define REX_W	BIT(3)
#define REX_R	BIT(2)
#define REX_X	BIT(1)
#define REX_B	BIT(0)

/* ModR/M and SIB fields (Figure 2-1). */
#define MODRM_MOD(m)	((m) >> 6)
#define MODRM_REG(m)	(((m) >> 3) & 7)
#define MODRM_RM(m)	((m) & 7)
#define SIB_SS(s)	((s) >> 6)
#define SIB_INDEX(s)	(((s) >> 3) & 7)
#define SIB_BASE(s)	((s) & 7)

#define NO_SEG		0xff

struct decoder {
	const u8 *bytes;
	unsigned int len;
	unsigned int pos;
	enum axvm_insn_mode mode;
	u8 seg;			/* segment-override prefix or NO_SEG */
	bool lockable;		/* LOCK is legal on this instruction */
};

static u64 width_mask(unsigned int bytes)
{
	return bytes >= 8 ? ~0ULL : BIT_ULL(8 * bytes) - 1;
}

static bool valid_width(unsigned int bytes)
{
	return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
}

static int next_byte(struct decoder *d, u8 *b)
{
	if (d->pos >= AXVM_INSN_MAX_LEN)
		return -EINVAL;		/* #GP: longer than 15 bytes */
	if (d->pos >= d->len)
		return -ENOSPC;
	*b = d->bytes[d->pos++];
	return 0;
}

/* A little-endian displacement, immediate or moffs of @size bytes. */
static int next_le(struct decoder *d, unsigned int size, u64 *val)
{
	unsigned int i;
	u8 b;
	int ret;

	*val = 0;
	for (i = 0; i < size; i++) {
		ret = next_byte(d, &b);
		if (ret)
			return ret;
		*val |= (u64)b << (8 * i);
	}
	return 0;
}

static int next_disp(struct decoder *d, unsigned int size, s64 *disp)
{
	u64 v;
	int ret = next_le(d, size, &v);

	if (ret)
		return ret;
	*disp = sign_extend64(v, 8 * size - 1);
	return 0;
}

/*
 * An immediate of @size bytes for an operand of @width bytes: imm8 and
 * imm32 sign-extend to the operand size (Table A-1 "Ib", "Iz"; MOV C7 with
 * REX.W, group 1 83), then the value is cut to @width.
 */
static int next_imm(struct decoder *d, struct axvm_insn *insn,
		    unsigned int size, unsigned int width)
{
	u64 v;
	int ret = next_le(d, size, &v);

	if (ret)
		return ret;
	insn->imm = (u64)sign_extend64(v, 8 * size - 1) & width_mask(width);
	return 0;
}

/*
 * A general register in the ModR/M reg field (Table 3-1, 2.2.1.2): with
 * REX.R for r8-r15; for byte operands without any REX prefix 4-7 are the
 * legacy AH, CH, DH, BH, i.e. bits 15:8 of RAX, RCX, RDX, RBX.
 */
static void set_reg(struct axvm_insn *insn, bool byte)
{
	unsigned int r = MODRM_REG(insn->modrm);

	if (insn->rex & REX_R)
		r += 8;
	if (byte && !insn->rex && r >= 4) {
		insn->reg = r - 4;
		insn->high_byte = true;
	} else {
		insn->reg = r;
	}
}

/* 16-bit addressing forms, Table 2-1. */
static int decode_ea16(struct decoder *d, struct axvm_insn *insn)
{
	static const u8 base[8] = {
		AXVM_REG_RBX, AXVM_REG_RBX, AXVM_REG_RBP, AXVM_REG_RBP,
		AXVM_INSN_NO_REG, AXVM_INSN_NO_REG, AXVM_REG_RBP, AXVM_REG_RBX,
	};
	static const u8 index[8] = {
		AXVM_REG_RSI, AXVM_REG_RDI, AXVM_REG_RSI, AXVM_REG_RDI,
		AXVM_REG_RSI, AXVM_REG_RDI, AXVM_INSN_NO_REG, AXVM_INSN_NO_REG,
	};
	unsigned int mod = MODRM_MOD(insn->modrm), rm = MODRM_RM(insn->modrm);
	struct axvm_insn_mem *mem = &insn->mem;

	mem->base = base[rm];
	mem->index = index[rm];
	if (mod == 0 && rm == 6) {		/* [disp16] */
		mem->base = AXVM_INSN_NO_REG;
		return next_disp(d, 2, &mem->disp);
	}
	if (mod == 1)
		return next_disp(d, 1, &mem->disp);
	if (mod == 2)
		return next_disp(d, 2, &mem->disp);
	return 0;
}

/* 32- and 64-bit addressing forms, Tables 2-2, 2-3 and 2-5. */
static int decode_ea32(struct decoder *d, struct axvm_insn *insn)
{
	unsigned int mod = MODRM_MOD(insn->modrm), rm = MODRM_RM(insn->modrm);
	struct axvm_insn_mem *mem = &insn->mem;
	unsigned int idx;
	int ret;

	if (rm == 5 && mod == 0) {
		/*
		 * disp32; in 64-bit mode RIP-relative instead, also with
		 * REX.B (2.2.1.6, Table 2-7).
		 */
		mem->rip_rel = d->mode == AXVM_INSN_MODE_64;
		return next_disp(d, 4, &mem->disp);
	}
	if (rm == 4) {				/* SIB follows */
		ret = next_byte(d, &insn->sib);
		if (ret)
			return ret;
		insn->has_sib = true;
		idx = SIB_INDEX(insn->sib) + (insn->rex & REX_X ? 8 : 0);
		/* Index 100b means none; with REX.X it is r12 (Table 2-5). */
		if (idx != AXVM_REG_RSP)
			mem->index = idx;
		mem->scale = 1U << SIB_SS(insn->sib);
		/* Base 101b with mod 00 is disp32, whatever REX.B says. */
		if (SIB_BASE(insn->sib) == 5 && mod == 0)
			return next_disp(d, 4, &mem->disp);
		mem->base = SIB_BASE(insn->sib) + (insn->rex & REX_B ? 8 : 0);
	} else {
		mem->base = rm + (insn->rex & REX_B ? 8 : 0);
	}
	if (mod == 1)
		return next_disp(d, 1, &mem->disp);
	if (mod == 2)
		return next_disp(d, 4, &mem->disp);
	return 0;
}

/*
 * Table 3-5: SS for rSP/rBP-based operands, DS otherwise, unless a
 * segment-override prefix says otherwise; in 64-bit mode only FS and GS
 * overrides take effect (3.7.4.1).
 */
static void set_seg(struct decoder *d, struct axvm_insn *insn, u8 dflt)
{
	struct axvm_insn_mem *mem = &insn->mem;

	mem->seg = dflt;
	if (d->seg == NO_SEG)
		return;
	if (d->mode == AXVM_INSN_MODE_64 && d->seg < AXVM_INSN_SEG_FS)
		return;
	mem->seg = d->seg;
	mem->seg_override = true;
}

/* ModR/M with a memory operand, then SIB and displacement. */
static int decode_modrm(struct decoder *d, struct axvm_insn *insn)
{
	u8 dflt = AXVM_INSN_SEG_DS;
	int ret;

	ret = next_byte(d, &insn->modrm);
	if (ret)
		return ret;
	insn->has_modrm = true;
	if (MODRM_MOD(insn->modrm) == 3)
		return -EINVAL;		/* register operand: not MMIO */
	if (insn->addr_size == 2)
		ret = decode_ea16(d, insn);
	else
		ret = decode_ea32(d, insn);
	if (ret)
		return ret;
	if (insn->mem.base == AXVM_REG_RSP || insn->mem.base == AXVM_REG_RBP)
		dflt = AXVM_INSN_SEG_SS;
	set_seg(d, insn, dflt);
	return 0;
}

/* ModR/M with a memory operand and a register (the reg field). */
static int decode_modrm_reg(struct decoder *d, struct axvm_insn *insn,
			    bool byte)
{
	int ret = decode_modrm(d, insn);

	if (ret)
		return ret;
	set_reg(insn, byte);
	return 0;
}

/*
 * ALU r/m forms 00-3B (low three opcode bits 0-3: Eb,Gb Ev,Gv Gb,Eb
 * Gv,Ev), TEST 84/85 and XCHG 86/87. TEST and XCHG have memory as the
 * first operand whatever the direction bit would say.
 */
static int decode_alu_rm(struct decoder *d, struct axvm_insn *insn,
			 unsigned int alu, bool byte, bool mem_dst)
{
	insn->op = AXVM_INSN_OP_ALU;
	insn->alu = alu;
	insn->mem_dst = mem_dst;
	insn->width = byte ? 1 : insn->op_size;
	insn->reg_width = insn->width;
	d->lockable = mem_dst && alu != AXVM_INSN_ALU_CMP &&
		      alu != AXVM_INSN_ALU_TEST;
	return decode_modrm_reg(d, insn, byte);
}

/* F6 /0 /1 TEST Eb,Ib; F7 /0 /1 TEST Ev,Iz (group 3, Table A-6). */
static int decode_group3(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	int ret;

	ret = decode_modrm(d, insn);
	if (ret)
		return ret;
	if (MODRM_REG(insn->modrm) > 1)
		return -EINVAL;		/* NOT, NEG, MUL, ...: not decoded */
	insn->op = AXVM_INSN_OP_ALU;
	insn->alu = AXVM_INSN_ALU_TEST;
	insn->mem_dst = true;
	insn->src_imm = true;
	insn->width = op == 0xf6 ? 1 : insn->op_size;
	return next_imm(d, insn, min_t(unsigned int, insn->width, 4),
			insn->width);
}

/*
 * 0F A3/AB/B3/BB BT/BTS/BTR/BTC Ev,Gv and 0F BA /4-/7 Ev,Ib (group 8).
 * Only 16-, 32- and 64-bit operands exist. With a register bit offset the
 * CPU may access memory away from the effective address ("BT": bit-string
 * addressing); the hardware's faulting address is what the exit reports.
 */
static int decode_bt(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	int ret;

	insn->op = AXVM_INSN_OP_ALU;
	insn->mem_dst = true;
	insn->width = insn->op_size;
	if (op != 0xba) {
		insn->alu = AXVM_INSN_ALU_BT + ((op >> 3) & 3);
		insn->reg_width = insn->width;
		d->lockable = insn->alu != AXVM_INSN_ALU_BT;
		return decode_modrm_reg(d, insn, false);
	}
	ret = decode_modrm(d, insn);
	if (ret)
		return ret;
	if (MODRM_REG(insn->modrm) < 4)
		return -EINVAL;		/* group 8 /0-/3 are undefined */
	insn->alu = AXVM_INSN_ALU_BT + MODRM_REG(insn->modrm) - 4;
	insn->src_imm = true;
	d->lockable = insn->alu != AXVM_INSN_ALU_BT;
	ret = next_le(d, 1, &insn->imm);
	return ret;
}

/* Group 1 (Table A-6): 80 Eb,Ib; 81 Ev,Iz; 82 Eb,Ib; 83 Ev,Ib. */
static int decode_group1(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	bool byte = op == 0x80 || op == 0x82;
	int ret;

	ret = decode_modrm(d, insn);
	if (ret)
		return ret;
	insn->op = AXVM_INSN_OP_ALU;
	insn->alu = AXVM_INSN_ALU_ADD + MODRM_REG(insn->modrm);
	insn->mem_dst = true;
	insn->src_imm = true;
	insn->width = byte ? 1 : insn->op_size;
	d->lockable = insn->alu != AXVM_INSN_ALU_CMP;
	if (op == 0x81)
		return next_imm(d, insn, min_t(unsigned int, insn->width, 4),
				insn->width);
	return next_imm(d, insn, 1, insn->width);
}

/* 88/89 MOV Eb,Gb / Ev,Gv; 8A/8B MOV Gb,Eb / Gv,Ev. */
static int decode_mov(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	bool byte = !(op & 1);

	insn->op = op & 2 ? AXVM_INSN_OP_READ : AXVM_INSN_OP_WRITE;
	insn->width = byte ? 1 : insn->op_size;
	insn->reg_width = insn->width;
	return decode_modrm_reg(d, insn, byte);
}

/* C6 /0 MOV Eb,Ib; C7 /0 MOV Ev,Iz (imm32 sign-extended with REX.W). */
static int decode_mov_imm(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	int ret;

	ret = decode_modrm(d, insn);
	if (ret)
		return ret;
	if (MODRM_REG(insn->modrm) != 0)
		return -EINVAL;		/* group 11: only /0 is MOV */
	insn->op = AXVM_INSN_OP_WRITE_IMM;
	insn->width = op == 0xc6 ? 1 : insn->op_size;
	return next_imm(d, insn, min_t(unsigned int, insn->width, 4),
			insn->width);
}

/*
 * A0-A3 MOV AL/rAX <-> moffs: the offset is address-size wide (8 bytes in
 * 64-bit mode unless 67), no ModR/M ("MOV" in Vol. 2B, Table A-2 "Ob/Ov").
 */
static int decode_moffs(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	u64 off;
	int ret;

	ret = next_le(d, insn->addr_size, &off);
	if (ret)
		return ret;
	insn->mem.disp = (s64)off;
	insn->op = op & 2 ? AXVM_INSN_OP_WRITE : AXVM_INSN_OP_READ;
	insn->width = op & 1 ? insn->op_size : 1;
	insn->reg_width = insn->width;
	insn->reg = AXVM_REG_RAX;
	set_seg(d, insn, AXVM_INSN_SEG_DS);
	return 0;
}

/*
 * String instructions: A4/A5 MOVS, AA/AB STOS, AC/AD LODS. Source DS:rSI
 * (overridable), destination ES:rDI (not overridable), rSI/rDI/rCX of
 * address size ("MOVS", "STOS", "LODS" in Vol. 2B).
 */
static int decode_string(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	insn->width = op & 1 ? insn->op_size : 1;
	switch (op & ~1) {
	case 0xa4:
		insn->op = AXVM_INSN_OP_MOVS;
		break;
	case 0xaa:
		insn->op = AXVM_INSN_OP_STOS;
		insn->reg = AXVM_REG_RAX;
		insn->reg_width = insn->width;
		insn->mem.base = AXVM_REG_RDI;
		insn->mem.seg = AXVM_INSN_SEG_ES;
		return 0;
	default:
		insn->op = AXVM_INSN_OP_LODS;
		insn->reg = AXVM_REG_RAX;
		insn->reg_width = insn->width;
		break;
	}
	insn->mem.base = AXVM_REG_RSI;
	set_seg(d, insn, AXVM_INSN_SEG_DS);
	return 0;
}

/*
 * 0F B6/B7 MOVZX Gv,Eb/Ew; 0F BE/BF MOVSX Gv,Eb/Ew; the BT family
 * (Table A-3).
 */
static int decode_0f(struct decoder *d, struct axvm_insn *insn)
{
	u8 op;
	int ret;

	ret = next_byte(d, &op);
	if (ret)
		return ret;
	insn->opcode = 0x0f00 | op;
	if (op == 0xa3 || op == 0xab || op == 0xb3 || op == 0xbb || op == 0xba)
		return decode_bt(d, insn, op);
	if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
		return -EINVAL;
	insn->op = AXVM_INSN_OP_READ;
	insn->width = op & 1 ? 2 : 1;
	insn->reg_width = insn->op_size;
	insn->signed_ext = op >= 0xbe;
	return decode_modrm_reg(d, insn, false);
}

/*
 * 63 /r in 64-bit mode: MOVSXD Gv,Ed. With REX.W it sign-extends a dword
 * into 64 bits; without, it is a plain 32- (or with 66 16-) bit move. In
 * the other modes 63 is ARPL, which is not decoded.
 */
static int decode_movsxd(struct decoder *d, struct axvm_insn *insn)
{
	if (d->mode != AXVM_INSN_MODE_64)
		return -EINVAL;
	insn->op = AXVM_INSN_OP_READ;
	insn->reg_width = insn->op_size;
	insn->width = min_t(unsigned int, insn->op_size, 4);
	insn->signed_ext = true;
	return decode_modrm_reg(d, insn, false);
}

static int decode_opcode(struct decoder *d, struct axvm_insn *insn, u8 op)
{
	insn->opcode = op;
	if (op < 0x40 && (op & 7) < 4)
		return decode_alu_rm(d, insn, AXVM_INSN_ALU_ADD + (op >> 3),
				     !(op & 1), !(op & 2));
	switch (op) {
	case 0x0f:
		return decode_0f(d, insn);
	case 0x63:
		return decode_movsxd(d, insn);
	case 0x82:		/* alias of 80, #UD in 64-bit mode */
		if (d->mode == AXVM_INSN_MODE_64)
			return -EINVAL;
		fallthrough;
	case 0x80:
	case 0x81:
	case 0x83:
		return decode_group1(d, insn, op);
	case 0x84:
	case 0x85:
		return decode_alu_rm(d, insn, AXVM_INSN_ALU_TEST, op == 0x84,
				     true);
	case 0x86:		/* XCHG: LOCK implied, and allowed */
	case 0x87:
		return decode_alu_rm(d, insn, AXVM_INSN_ALU_XCHG, op == 0x86,
				     true);
	case 0xf6:
	case 0xf7:
		return decode_group3(d, insn, op);
	case 0x88:
	case 0x89:
	case 0x8a:
	case 0x8b:
		return decode_mov(d, insn, op);
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		return decode_moffs(d, insn, op);
	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab:
	case 0xac:
	case 0xad:
		return decode_string(d, insn, op);
	case 0xc6:
	case 0xc7:
		return decode_mov_imm(d, insn, op);
	default:
		return -EINVAL;
	}
}

/*
 * Legacy prefixes in any order and number (2.1.1); within a group the last
 * one counts. REX must come last: one followed by a legacy prefix is
 * ignored (2.2.1). Returns the first byte after the prefixes.
 */
static int decode_prefixes(struct decoder *d, struct axvm_insn *insn,
			   bool *opsize, bool *adsize, u8 *op)
{
	u8 b;
	int ret;

	for (;;) {
		ret = next_byte(d, &b);
		if (ret)
			return ret;
		switch (b) {
		case 0x66:
			*opsize = true;
			break;
		case 0x67:
			*adsize = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			insn->rep = b;
			break;
		case 0x26:	/* ES */
		case 0x2e:	/* CS */
		case 0x36:	/* SS */
		case 0x3e:	/* DS */
			d->seg = (b >> 3) & 3;
			break;
		case 0x64:
			d->seg = AXVM_INSN_SEG_FS;
			break;
		case 0x65:
			d->seg = AXVM_INSN_SEG_GS;
			break;
		default:
			if (d->mode == AXVM_INSN_MODE_64 && (b & 0xf0) == 0x40) {
				insn->rex = b;
				continue;
			}
			*op = b;
			return 0;
		}
		insn->rex = 0;
	}
}

/**
 * axvm_insn_decode() - decode one MMIO-accessing instruction
 * @insn: the result; zeroed first, meaningless on error
 * @bytes: the instruction bytes, starting at the first prefix
 * @len: valid bytes at @bytes; at most AXVM_INSN_MAX_LEN are looked at,
 *	none beyond @len
 * @mode: the code-segment mode the bytes execute in
 *
 * Operand size and address size follow Vol. 1 Table 3-4: 16-bit mode
 * defaults to 2/2, 32-bit to 4/4, 64-bit to 4/8; 66 and 67 toggle 2<->4
 * (64-bit: operand 4->2, address 8->4), REX.W selects 8-byte operands and
 * wins over 66.
 *
 * Context: any; no memory is accessed except @bytes and @insn.
 * Return: 0 with @insn valid; -ENOSPC if @len ends inside the instruction;
 * -EINVAL if the bytes are not a decodable memory-accessing instruction
 * (unknown opcode, register-only ModR/M, longer than 15 bytes, LOCK where
 * the CPU raises #UD, bad @mode).
 */
int axvm_insn_decode(struct axvm_insn *insn, const u8 *bytes,
		     unsigned int len, enum axvm_insn_mode mode)
{
	struct decoder d = {
		.bytes = bytes,
		.len = min_t(unsigned int, len, AXVM_INSN_MAX_LEN),
		.mode = mode,
		.seg = NO_SEG,
	};
	bool opsize = false, adsize = false;
	u8 op;
	int ret;

	memset(insn, 0, sizeof(*insn));
	insn->reg = AXVM_INSN_NO_REG;
	insn->mem.base = AXVM_INSN_NO_REG;
	insn->mem.index = AXVM_INSN_NO_REG;
	insn->mem.scale = 1;
	if (mode != AXVM_INSN_MODE_16 && mode != AXVM_INSN_MODE_32 &&
	    mode != AXVM_INSN_MODE_64)
		return -EINVAL;

	ret = decode_prefixes(&d, insn, &opsize, &adsize, &op);
	if (ret)
		return ret;

	if (mode == AXVM_INSN_MODE_64) {
		insn->op_size = insn->rex & REX_W ? 8 : opsize ? 2 : 4;
		insn->addr_size = adsize ? 4 : 8;
	} else {
		unsigned int dflt = mode == AXVM_INSN_MODE_32 ? 4 : 2;

		insn->op_size = opsize ? 6 - dflt : dflt;
		insn->addr_size = adsize ? 6 - dflt : dflt;
	}

	ret = decode_opcode(&d, insn, op);
	if (!ret && insn->lock && !d.lockable)
		ret = -EINVAL;		/* #UD */
	insn->len = d.pos;
	return ret;
}

/**
 * axvm_insn_merge_reg() - the register value after a load, as the CPU does
 * @old: the full 64-bit register before the load
 * @data: what was read from memory; bits beyond @width are ignored
 * @width: bytes read: 1, 2, 4 or 8
 * @reg_width: bytes of the register written: 1, 2, 4 or 8, >= @width
 * @signed_ext: sign-extend (MOVSX, MOVSXD) rather than zero-extend from
 *	@width to @reg_width
 * @high_byte: write bits 15:8 (AH, CH, DH, BH); needs @reg_width == 1
 * @out: the new 64-bit register value
 *
 * Writes of 1 or 2 bytes leave the other bits of @old alone; writes of 4
 * bytes zero-extend to 64 bits (Vol. 1, 3.4.1.1 "General-Purpose Registers
 * in 64-Bit Mode"). Outside 64-bit mode the SDM leaves the upper half
 * undefined, so zero-extending always is what the CPU does in 64-bit mode
 * and a valid choice elsewhere.
 *
 * Context: any.
 * Return: 0, or -EINVAL for an invalid width combination (@out untouched).
 */
int axvm_insn_merge_reg(u64 old, u64 data, unsigned int width,
			unsigned int reg_width, bool signed_ext, bool high_byte,
			u64 *out)
{
	u64 val;

	if (!valid_width(width) || !valid_width(reg_width) ||
	    width > reg_width || (high_byte && reg_width != 1))
		return -EINVAL;
	val = data & width_mask(width);
	if (signed_ext)
		val = sign_extend64(val, 8 * width - 1);
	switch (reg_width) {
	case 1:
		if (high_byte)
			*out = (old & ~0xff00ULL) | ((val & 0xff) << 8);
		else
			*out = (old & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*out = (old & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*out = val & 0xffffffffULL;
		break;
	default:
		*out = val;
		break;
	}
	return 0;
}

/**
 * axvm_insn_load_value() - complete a decoded load (READ or LODS)
 * @insn: a successfully decoded instruction
 * @old: the current 64-bit value of @insn->reg
 * @data: the value read from memory (@insn->width bytes)
 *
 * Context: any.
 * Return: the new value of @insn->reg (axvm_insn_merge_reg() with the
 * decoded widths, extension and high-byte flag); @old if @insn is not a
 * load into a register.
 */
u64 axvm_insn_load_value(const struct axvm_insn *insn, u64 old, u64 data)
{
	u64 val;

	if ((insn->op != AXVM_INSN_OP_READ && insn->op != AXVM_INSN_OP_LODS) ||
	    axvm_insn_merge_reg(old, data, insn->width, insn->reg_width,
				insn->signed_ext, insn->high_byte, &val))
		return old;
	return val;
}

/**
 * axvm_insn_store_value() - the data a decoded store writes
 * @insn: a successfully decoded instruction
 * @reg: the current 64-bit value of @insn->reg (ignored for WRITE_IMM)
 *
 * Context: any.
 * Return: for WRITE and STOS the low @insn->width bytes of @reg (bits 15:8
 * for AH..BH), for WRITE_IMM @insn->imm, otherwise 0.
 */
u64 axvm_insn_store_value(const struct axvm_insn *insn, u64 reg)
{
	switch (insn->op) {
	case AXVM_INSN_OP_WRITE:
	case AXVM_INSN_OP_STOS:
		if (insn->high_byte)
			reg >>= 8;
		return reg & width_mask(insn->width);
	case AXVM_INSN_OP_WRITE_IMM:
		return insn->imm;
	default:
		return 0;
	}
}

/**
 * axvm_insn_mem_offset() - the effective address (offset) of @insn->mem
 * @insn: a successfully decoded instruction
 * @gprs: the 16 general registers, indexed by enum axvm_gpr
 * @rip: address of the instruction's first byte (for RIP-relative)
 *
 * Computes base + index * scale + displacement (RIP-relative: next RIP +
 * displacement) modulo the address size (Vol. 1, 3.7.5 "Specifying an
 * Offset"). The segment base is the caller's to add: @insn->mem.seg names
 * it; in 64-bit mode only FS and GS have one.
 *
 * Context: any.
 * Return: the offset, zero-extended from @insn->addr_size.
 */
u64 axvm_insn_mem_offset(const struct axvm_insn *insn, const u64 *gprs,
			 u64 rip)
{
	const struct axvm_insn_mem *mem = &insn->mem;
	u64 off = (u64)mem->disp;

	if (mem->rip_rel)
		off += rip + insn->len;
	if (mem->base < 16)
		off += gprs[mem->base];
	if (mem->index < 16)
		off += gprs[mem->index] * mem->scale;
	return off & width_mask(insn->addr_size);
}

/* RFLAGS bits an ALU instruction writes (Vol. 1, 3.4.3.1 "Status Flags"). */
#define FL_CF	BIT_ULL(0)
#define FL_PF	BIT_ULL(2)
#define FL_AF	BIT_ULL(4)
#define FL_ZF	BIT_ULL(6)
#define FL_SF	BIT_ULL(7)
#define FL_OF	BIT_ULL(11)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* ZF, SF and PF (even parity of the low byte) of a result. */
static u64 zsp(u64 r, unsigned int width)
{
	u64 f = 0;

	if (!(r & width_mask(width)))
		f |= FL_ZF;
	if (r & BIT_ULL(8 * width - 1))
		f |= FL_SF;
	if (!(hweight8(r & 0xff) & 1))
		f |= FL_PF;
	return f;
}

/*
 * ADD..CMP and TEST on @d (destination) and @s (source), both cut to @width;
 * the flags as the instruction pages (Vol. 2A "ADD", Vol. 2B "SUB", ...) define
 * them. AF is undefined for the logical operations: cleared, as Intel CPUs do.
 */
static u64 alu_binary(unsigned int alu, u64 d, u64 s, unsigned int width,
		      u64 rflags, u64 *out)
{
	u64 m = width_mask(width), sign = BIT_ULL(8 * width - 1);
	u64 c = rflags & FL_CF ? 1 : 0, r, f = 0;

	switch (alu) {
	case AXVM_INSN_ALU_ADD:
	case AXVM_INSN_ALU_ADC:
		if (alu == AXVM_INSN_ALU_ADD)
			c = 0;
		r = (d + s + c) & m;
		if (c ? r <= d : r < d)
			f |= FL_CF;
		if ((d ^ r) & (s ^ r) & sign)
			f |= FL_OF;
		f |= (d ^ s ^ r) & FL_AF;
		break;
	case AXVM_INSN_ALU_SUB:
	case AXVM_INSN_ALU_SBB:
	case AXVM_INSN_ALU_CMP:
		if (alu != AXVM_INSN_ALU_SBB)
			c = 0;
		r = (d - s - c) & m;
		if (c ? d <= s : d < s)
			f |= FL_CF;
		if ((d ^ s) & (d ^ r) & sign)
			f |= FL_OF;
		f |= (d ^ s ^ r) & FL_AF;
		break;
	case AXVM_INSN_ALU_OR:
		r = d | s;
		break;
	case AXVM_INSN_ALU_XOR:
		r = d ^ s;
		break;
	default:		/* AND, TEST */
		r = d & s;
		break;
	}
	*out = r;
	return (rflags & ~FL_ARITH) | f | zsp(r, width);
}

/*
 * BT/BTS/BTR/BTC: CF is the selected bit, ZF is kept, OF, SF, AF and PF
 * are undefined (kept here). The bit offset is taken modulo the operand
 * size: with a register offset the CPU has already moved the access to
 * the operand holding the bit (Vol. 2A "BT", bit-string addressing).
 */
static u64 alu_bit(unsigned int alu, u64 d, u64 off, unsigned int width,
		   u64 rflags, u64 *out)
{
	u64 bit = BIT_ULL(off & (8 * width - 1));

	rflags = d & bit ? rflags | FL_CF : rflags & ~FL_CF;
	if (alu == AXVM_INSN_ALU_BTS)
		d |= bit;
	else if (alu == AXVM_INSN_ALU_BTR)
		d &= ~bit;
	else if (alu == AXVM_INSN_ALU_BTC)
		d ^= bit;
	*out = d;
	return rflags;
}

/**
 * axvm_insn_alu() - execute a decoded AXVM_INSN_OP_ALU instruction
 * @insn: the instruction
 * @mem: the value read from its memory operand (low @insn->width bytes)
 * @reg: the full 64-bit value of @insn->reg (ignored with @insn->src_imm)
 * @rflags: RFLAGS before the instruction
 * @res: what the instruction does: the value to store, the register's
 *	new value (merged as axvm_insn_merge_reg() does: 4-byte writes
 *	zero-extend) and the new RFLAGS
 *
 * Context: any.
 * Return: 0, or -EINVAL if @insn is not an ALU instruction (@res zeroed).
 */
int axvm_insn_alu(const struct axvm_insn *insn, u64 mem, u64 reg, u64 rflags,
		  struct axvm_insn_alu_result *res)
{
	unsigned int w = insn->width, alu = insn->alu;
	u64 m = width_mask(w), src, r;

	memset(res, 0, sizeof(*res));
	if (insn->op != AXVM_INSN_OP_ALU || !valid_width(w))
		return -EINVAL;
	res->rflags = rflags;
	res->reg = reg;
	mem &= m;
	src = insn->src_imm ? insn->imm :
	      (insn->high_byte ? reg >> 8 : reg) & m;
	if (alu >= AXVM_INSN_ALU_BT && alu <= AXVM_INSN_ALU_BTC) {
		/* Offsets from a register are signed; only the low bits count. */
		res->rflags = alu_bit(alu, mem, src, w, rflags, &res->mem);
		res->write_mem = alu != AXVM_INSN_ALU_BT;
		return 0;
	}
	if (alu == AXVM_INSN_ALU_XCHG) {
		res->mem = src;
		res->write_mem = true;
		r = mem;
	} else if (alu >= AXVM_INSN_ALU_ADD && alu <= AXVM_INSN_ALU_TEST) {
		if (insn->mem_dst) {
			res->rflags = alu_binary(alu, mem, src, w, rflags,
						 &res->mem);
			res->write_mem = alu != AXVM_INSN_ALU_CMP &&
					 alu != AXVM_INSN_ALU_TEST;
			return 0;
		}
		res->rflags = alu_binary(alu, src, mem, w, rflags, &r);
		if (alu == AXVM_INSN_ALU_CMP)
			return 0;
	} else {
		return -EINVAL;
	}
	res->write_reg = true;
	return axvm_insn_merge_reg(reg, r, w, w, false, insn->high_byte,
				   &res->reg);
}
