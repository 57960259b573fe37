/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoder for the x86 instructions that access MMIO: what an EPT violation
 * on a guest-physical address outside guest RAM has to emulate.
 *
 * References are to the Intel SDM. Vol. 2A chapter 2 "Instruction Format": 2.1
 * "Instruction Format for Protected Mode, Real-Address Mode, and Virtual-8086
 * Mode" (Figure 2-1), 2.1.1 "Instruction Prefixes", 2.1.5 "Addressing-Mode
 * Encoding of ModR/M and SIB Bytes" (Tables 2-1/2-2/2-3), 2.2.1 "REX Prefixes"
 * (Tables 2-4/2-5), 2.2.1.2 "More on REX Prefix Fields", 2.2.1.6 "RIP-Relative
 * Addressing" (Table 2-7) and 2.3.11 "AVX Instruction Length" (the 15-byte
 * limit); Table 3-1 of Vol. 2A chapter 3 for register codes. Vol. 2D Appendix A
 * "Opcode Map" (Table A-2 one-byte, A-3 two-byte, A-6 ModR/M opcode
 * extensions). Vol. 1 chapter 3 "Basic Execution Environment": 3.4.1.1
 * "General-Purpose Registers in 64-Bit Mode", 3.4.3.1 "Status Flags", 3.6
 * "Operand-size and Address-size Attributes" (Table 3-4), 3.7.4 "Specifying a
 * Segment Selector" (Table 3-5), 3.7.4.1 "Segmentation in 64-Bit Mode" and
 * 3.7.5 "Specifying an Offset". Bare numbers in decode.[ch] are these sections:
 * 2.x in Vol. 2A, 3.x in Vol. 1.
 *
 * Pure C, no x86 headers: it also builds for UML, where KUnit runs.
 */
#ifndef AXVM_LIB_DECODE_H
#define AXVM_LIB_DECODE_H

#include <linux/types.h>
#include <linux/axvm.h>

/* The architectural limit on the length of one instruction (2.3.11). */
#define AXVM_INSN_MAX_LEN	15

/* @reg, @mem.base or @mem.index when the instruction has none. */
#define AXVM_INSN_NO_REG	0xff

/**
 * enum axvm_insn_mode - the code-segment attributes the bytes run under
 * @AXVM_INSN_MODE_16: real mode, virtual-8086 mode or CS.D = 0
 * @AXVM_INSN_MODE_32: protected or compatibility mode with CS.D = 1
 * @AXVM_INSN_MODE_64: 64-bit mode (IA32_EFER.LMA = 1 and CS.L = 1)
 */
enum axvm_insn_mode {
	AXVM_INSN_MODE_16,
	AXVM_INSN_MODE_32,
	AXVM_INSN_MODE_64,
};

/**
 * enum axvm_insn_op - what the decoded instruction does with memory
 * @AXVM_INSN_OP_READ: load into @reg: MOV 8A/8B/A0/A1, MOVZX, MOVSX,
 *	MOVSXD; finish it with axvm_insn_load_value()
 * @AXVM_INSN_OP_WRITE: store @reg: MOV 88/89/A2/A3; the data is
 *	axvm_insn_store_value()
 * @AXVM_INSN_OP_WRITE_IMM: store @imm: MOV C6/C7 /0
 * @AXVM_INSN_OP_MOVS: MOVS, [rSI] (@mem) to ES:[rDI]
 * @AXVM_INSN_OP_STOS: STOS, rAX (@reg) to ES:[rDI] (@mem)
 * @AXVM_INSN_OP_LODS: LODS, [rSI] (@mem) into rAX (@reg)
 * @AXVM_INSN_OP_ALU: an ALU, exchange or bit-test instruction with a
 *	memory operand (@alu says which); read the memory operand, then
 *	axvm_insn_alu() gives what to write back and the new RFLAGS
 */
enum axvm_insn_op {
	AXVM_INSN_OP_READ = 1,
	AXVM_INSN_OP_WRITE,
	AXVM_INSN_OP_WRITE_IMM,
	AXVM_INSN_OP_MOVS,
	AXVM_INSN_OP_STOS,
	AXVM_INSN_OP_LODS,
	AXVM_INSN_OP_ALU,
};

/**
 * enum axvm_insn_alu - the operation of an AXVM_INSN_OP_ALU instruction
 * @AXVM_INSN_ALU_NONE: not an ALU instruction
 * @AXVM_INSN_ALU_ADD: ADD
 * @AXVM_INSN_ALU_OR: OR
 * @AXVM_INSN_ALU_ADC: ADC
 * @AXVM_INSN_ALU_SBB: SBB
 * @AXVM_INSN_ALU_AND: AND
 * @AXVM_INSN_ALU_SUB: SUB
 * @AXVM_INSN_ALU_XOR: XOR
 * @AXVM_INSN_ALU_CMP: CMP
 * @AXVM_INSN_ALU_TEST: TEST
 * @AXVM_INSN_ALU_XCHG: XCHG (86/87)
 * @AXVM_INSN_ALU_BT: BT (0F A3, 0F BA /4)
 * @AXVM_INSN_ALU_BTS: BTS (0F AB, 0F BA /5)
 * @AXVM_INSN_ALU_BTR: BTR (0F B3, 0F BA /6)
 * @AXVM_INSN_ALU_BTC: BTC (0F BB, 0F BA /7)
 *
 * ADD..CMP are numbered as the reg field of group 1 (Table A-6) plus one,
 * BT..BTC as the reg field of group 8 minus 4 plus AXVM_INSN_ALU_BT.
 */
enum axvm_insn_alu {
	AXVM_INSN_ALU_NONE,
	AXVM_INSN_ALU_ADD,
	AXVM_INSN_ALU_OR,
	AXVM_INSN_ALU_ADC,
	AXVM_INSN_ALU_SBB,
	AXVM_INSN_ALU_AND,
	AXVM_INSN_ALU_SUB,
	AXVM_INSN_ALU_XOR,
	AXVM_INSN_ALU_CMP,
	AXVM_INSN_ALU_TEST,
	AXVM_INSN_ALU_XCHG,
	AXVM_INSN_ALU_BT,
	AXVM_INSN_ALU_BTS,
	AXVM_INSN_ALU_BTR,
	AXVM_INSN_ALU_BTC,
};

/**
 * enum axvm_insn_seg - segment registers, numbered as Sreg (Table 3-6)
 * @AXVM_INSN_SEG_ES: ES
 * @AXVM_INSN_SEG_CS: CS
 * @AXVM_INSN_SEG_SS: SS
 * @AXVM_INSN_SEG_DS: DS
 * @AXVM_INSN_SEG_FS: FS
 * @AXVM_INSN_SEG_GS: GS
 */
enum axvm_insn_seg {
	AXVM_INSN_SEG_ES,
	AXVM_INSN_SEG_CS,
	AXVM_INSN_SEG_SS,
	AXVM_INSN_SEG_DS,
	AXVM_INSN_SEG_FS,
	AXVM_INSN_SEG_GS,
};

/**
 * struct axvm_insn_mem - the memory operand, before segmentation
 * @disp: displacement sign-extended to 64 bits; for MOV moffs (A0-A3) the
 *	offset itself, zero-extended
 * @base: base register (enum axvm_gpr) or AXVM_INSN_NO_REG
 * @index: index register (enum axvm_gpr) or AXVM_INSN_NO_REG
 * @scale: factor applied to @index: 1, 2, 4 or 8
 * @seg: the segment (enum axvm_insn_seg) after overrides: the default of
 *	Table 3-5 (SS if @base is rSP or rBP, DS otherwise; ES for the
 *	destination of STOS) unless a prefix overrides it. In 64-bit mode
 *	overrides to ES, CS, SS and DS are ignored (3.7.4.1), as the CPU does.
 * @seg_override: a segment-override prefix chose @seg
 * @rip_rel: RIP-relative (64-bit mode, ModR/M mod = 0, r/m = 5): the offset
 *	is the address of the next instruction plus @disp
 *
 * The offset is (@base + @index * @scale + @disp) modulo 2^(8 * addr_size);
 * axvm_insn_mem_offset() computes it. MOVS has a second, implicit operand,
 * ES:[rDI], that @mem does not describe.
 */
struct axvm_insn_mem {
	s64 disp;
	u8 base;
	u8 index;
	u8 scale;
	u8 seg;
	bool seg_override;
	bool rip_rel;
};

/**
 * struct axvm_insn - one decoded instruction
 * @len: length in bytes, prefixes included (1..AXVM_INSN_MAX_LEN)
 * @op: enum axvm_insn_op
 * @alu: enum axvm_insn_alu, for AXVM_INSN_OP_ALU
 * @mem_dst: AXVM_INSN_OP_ALU: the result goes to memory (or, for CMP,
 *	TEST and BT, memory is the first operand); false: @reg is the
 *	destination (ADD..CMP 02/03 forms) and memory the source
 * @src_imm: AXVM_INSN_OP_ALU: the other operand is @imm, not @reg
 * @width: bytes of memory the access reads or writes: 1, 2, 4 or 8
 * @reg: the register loaded or stored (enum axvm_gpr), AXVM_INSN_NO_REG
 *	if none (MOVS, MOV C6/C7, group-1 immediates). A legacy high-byte
 *	register (AH, CH, DH, BH) is its 64-bit container RAX..RBX with
 *	@high_byte set.
 * @reg_width: bytes of @reg the instruction writes (loads) or reads
 *	(stores): 1, 2, 4 or 8; 0 if @reg is AXVM_INSN_NO_REG. Larger than
 *	@width for MOVZX, MOVSX and MOVSXD. A 4-byte register write
 *	zero-extends into the full 64-bit register, see
 *	axvm_insn_merge_reg().
 * @signed_ext: the load sign-extends from @width to @reg_width (MOVSX,
 *	MOVSXD); zero extension otherwise
 * @high_byte: @reg means bits 15:8 (AH, CH, DH, BH): an 8-bit register
 *	field of 4..7 without any REX prefix (Table 3-1, 2.2.1.2)
 * @op_size: effective operand size in bytes: 2, 4 or 8 (Table 3-4)
 * @addr_size: effective address size in bytes: 2, 4 or 8 (Table 3-4),
 *	also the width of rSI, rDI and rCX for string instructions
 * @rep: 0, or the last of the repeat prefixes F2/F3 (REPNE/REP). Both act
 *	as REP on MOVS, STOS and LODS.
 * @lock: a LOCK (F0) prefix was present (only ALU instructions accept it)
 * @rex: the REX prefix in effect (40-4F in 64-bit mode), 0 if none
 * @modrm: the ModR/M byte, if @has_modrm
 * @sib: the SIB byte, if @has_sib
 * @has_modrm: the instruction has a ModR/M byte
 * @has_sib: the instruction has a SIB byte
 * @opcode: the opcode: 0x88, or 0x0fb6 for two-byte opcodes
 * @imm: the immediate as the instruction uses it: extended (C7 with REX.W,
 *	group 1 83) to @width bytes and zero-extended from there to 64 bits.
 *	For AXVM_INSN_OP_WRITE_IMM this is exactly the data written.
 * @mem: the memory operand
 */
struct axvm_insn {
	u8 len;
	u8 op;
	u8 alu;
	bool mem_dst;
	bool src_imm;
	u8 width;
	u8 reg;
	u8 reg_width;
	bool signed_ext;
	bool high_byte;
	u8 op_size;
	u8 addr_size;
	u8 rep;
	bool lock;
	u8 rex;
	u8 modrm;
	u8 sib;
	bool has_modrm;
	bool has_sib;
	u16 opcode;
	u64 imm;
	struct axvm_insn_mem mem;
};

int axvm_insn_decode(struct axvm_insn *insn, const u8 *bytes,
		     unsigned int len, enum axvm_insn_mode mode);
int axvm_insn_merge_reg(u64 old, u64 data, unsigned int width,
			unsigned int reg_width, bool signed_ext, bool high_byte,
			u64 *out);
u64 axvm_insn_load_value(const struct axvm_insn *insn, u64 old, u64 data);
u64 axvm_insn_store_value(const struct axvm_insn *insn, u64 reg);
/**
 * struct axvm_insn_alu_result - what an AXVM_INSN_OP_ALU instruction does
 * @mem: the value to store to memory (@insn->width bytes)
 * @reg: the new 64-bit value of @insn->reg
 * @rflags: RFLAGS after the instruction
 * @write_mem: @mem must be written (not for CMP, TEST, BT, 02/03 forms)
 * @write_reg: @reg changed (02/03 forms other than CMP, XCHG)
 */
struct axvm_insn_alu_result {
	u64 mem;
	u64 reg;
	u64 rflags;
	bool write_mem;
	bool write_reg;
};

int axvm_insn_alu(const struct axvm_insn *insn, u64 mem, u64 reg, u64 rflags,
		  struct axvm_insn_alu_result *res);
u64 axvm_insn_mem_offset(const struct axvm_insn *insn, const u64 *gprs,
			 u64 rip);

#endif
