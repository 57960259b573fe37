/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit-qualification decoding (SDM Vol. 3C, 28.2.1 "Basic VM-Exit
 * Information"): pure functions, so KUnit checks them without hardware.
 */
#ifndef AXVM_VMX_QUAL_H
#define AXVM_VMX_QUAL_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/axvm.h>

/**
 * struct axvm_io_qual - an I/O instruction exit (Table 28-5)
 * @port: port number
 * @width: access size in bytes (1, 2 or 4)
 * @in: IN/INS (else OUT/OUTS)
 * @string: INS/OUTS
 * @rep: REP prefix
 * @imm: the port was an immediate operand
 */
struct axvm_io_qual {
	u16 port;
	u8 width;
	bool in, string, rep, imm;
};

static inline struct axvm_io_qual axvm_decode_io_qual(u64 q)
{
	return (struct axvm_io_qual){
		.port = q >> 16,
		.width = (q & 7) + 1,
		.in = q & BIT(3),
		.string = q & BIT(4),
		.rep = q & BIT(5),
		.imm = q & BIT(6),
	};
}

/* Control-register access types (Table 28-3). */
enum { AXVM_CR_MOV_TO, AXVM_CR_MOV_FROM, AXVM_CR_CLTS, AXVM_CR_LMSW };

/**
 * struct axvm_cr_qual - a control-register access exit (Table 28-3)
 * @cr: register number
 * @type: AXVM_CR_*
 * @gpr: general-purpose register (enum axvm_gpr)
 * @lmsw_src: LMSW source data
 */
struct axvm_cr_qual {
	u8 cr, type, gpr;
	u16 lmsw_src;
};

static inline struct axvm_cr_qual axvm_decode_cr_qual(u64 q)
{
	return (struct axvm_cr_qual){
		.cr = q & 15,
		.type = (q >> 4) & 3,
		.gpr = (q >> 8) & 15,
		.lmsw_src = q >> 16,
	};
}

/**
 * axvm_ept_qual_access() - the access that caused an EPT violation
 * @q: exit qualification (Table 28-7)
 *
 * Return: AXVM_ACCESS_READ/WRITE/EXEC bits.
 */
static inline u32 axvm_ept_qual_access(u64 q)
{
	return (q & BIT(0) ? AXVM_ACCESS_READ : 0) |
	       (q & BIT(1) ? AXVM_ACCESS_WRITE : 0) |
	       (q & BIT(2) ? AXVM_ACCESS_EXEC : 0);
}

/**
 * axvm_ept_qual_data_access() - the violation is the instruction's own
 * data access to a translated linear address (bits 7 and 8), not a guest
 * paging-structure walk or event delivery
 * @q: exit qualification
 *
 * Return: true if emulating the instruction's access is meaningful.
 */
static inline bool axvm_ept_qual_data_access(u64 q)
{
	return (q & BIT(7)) && (q & BIT(8));
}

#endif
