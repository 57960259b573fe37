// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page-table walker (SDM Vol. 3A chapter 4 "Paging"; gwalk.h lists
 * the sections cited here by number with their titles).
 *
 * One loop serves all modes; they differ in the number of levels, the
 * entry size, the index bits per level, where CR3 points and which bits
 * are reserved:
 *
 *   mode     levels entry index bits   large pages
 *   32-bit   2      4     10,10        4 MiB PDE if CR4.PSE (4.3)
 *   PAE      3      8     2,9,9        2 MiB PDE (4.4)
 *   4-level  4      8     9 each       2 MiB PDE, 1 GiB PDPTE (4.5)
 *   5-level  5      8     9 each       2 MiB PDE, 1 GiB PDPTE (4.5)
 *
 * What is checked:
 *  - P at every level; reserved bits of present entries (4.7, RSVD flag):
 *    address bits at and above MAXPHYADDR, XD without IA32_EFER.NXE, PS in
 *    PML5Es and PML4Es, the PAT-to-address gap of large pages, PDPTE bits
 *    2:1 and 8:5 in PAE mode, bit 21 and the unused PSE-36 bits of 4 MiB
 *    pages (4 MiB pages use PSE-36 up to 40 address bits).
 *  - Access rights as in 4.6.1 "Determination of Access Rights", with the
 *    CPL deciding user or supervisor mode: user accesses need U/S at every
 *    level, user writes R/W at every level; supervisor writes need R/W at
 *    every level only if CR0.WP = 1; fetches fault on XD (with NXE),
 *    supervisor fetches from user pages if CR4.SMEP = 1; supervisor data
 *    accesses to user pages if CR4.SMAP = 1, unless they are explicit
 *    ones with RFLAGS.AC = 1.
 *  - Protection keys (4.6.2 "Protection Keys") in 4- and 5-level paging
 *    with CR4.PKE: data accesses to user pages, by the key in bits 62:59
 *    of the leaf and PKRU; WD binds supervisor writes only if CR0.WP = 1.
 *  - Canonical linear addresses in 4- and 5-level paging.
 * What is not:
 *  - Supervisor protection keys (CR4.PKS), CET shadow stacks, HLAT;
 *    1 GiB pages are assumed supported (CPUID.80000001H:EDX.Page1GB).
 *  - PAE PDPTEs are read from memory at CR3; the CPU uses the four PDPTE
 *    registers loaded when CR3 was last written (4.4.1 "PDPTE Registers"), so a
 *    guest that edits its PDPT without reloading CR3 sees a difference. A
 *    reserved bit there is a #PF here, a #GP at the MOV to CR3 on hardware.
 *  - Accessed and dirty flags are not set: the walk only reads.
 */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include "lib/gwalk.h"

/* Paging-structure entry bits (Tables 4-4..4-20). */
#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_XD		BIT_ULL(63)
#define PTE_PKEY_SHIFT	59	/* bits 62:59 of a leaf (Tables 4-18..4-20) */

#define PAGE_SHIFT_4K	12

static unsigned int phys_bits(const struct axvm_gwalk_ctx *ctx)
{
	if (!ctx->maxphyaddr || ctx->maxphyaddr > 52)
		return 52;
	return max(ctx->maxphyaddr, 32U);
}

/**
 * axvm_gwalk_mode() - the paging mode selected by CR0, CR4 and IA32_EFER
 * @ctx: the guest's control registers
 *
 * Table 4-1: CR0.PG = 0 no paging; CR4.PAE = 0 32-bit paging;
 * IA32_EFER.LME = 0 PAE paging; otherwise 4-level, or 5-level if
 * CR4.LA57.
 *
 * Context: any.
 * Return: enum axvm_paging_mode.
 */
enum axvm_paging_mode axvm_gwalk_mode(const struct axvm_gwalk_ctx *ctx)
{
	if (!(ctx->cr0 & AXVM_GW_CR0_PG))
		return AXVM_PAGING_NONE;
	if (!(ctx->cr4 & AXVM_GW_CR4_PAE))
		return AXVM_PAGING_32;
	if (!(ctx->efer & AXVM_GW_EFER_LME))
		return AXVM_PAGING_PAE;
	if (ctx->cr4 & AXVM_GW_CR4_LA57)
		return AXVM_PAGING_5LEVEL;
	return AXVM_PAGING_4LEVEL;
}

/* May the entry at @level map a page (PS = 1)? */
static bool large_ok(const struct axvm_gwalk_ctx *ctx,
		     enum axvm_paging_mode mode, unsigned int level)
{
	switch (mode) {
	case AXVM_PAGING_32:
		return level == 2 && (ctx->cr4 & AXVM_GW_CR4_PSE);
	case AXVM_PAGING_PAE:
		return level == 2;
	default:
		return level == 2 || level == 3;
	}
}

/* Reserved bits of a present entry at @level, mapping a page if @large. */
static u64 rsvd_bits(const struct axvm_gwalk_ctx *ctx,
		     enum axvm_paging_mode mode, unsigned int level,
		     bool large, unsigned int m)
{
	u64 xd = ctx->efer & AXVM_GW_EFER_NXE ? 0 : PTE_XD;
	u64 r;

	switch (mode) {
	case AXVM_PAGING_32:
		/*
		 * Table 4-4: bits (M-20):13 of a 4 MiB PDE are address bits
		 * (M-1):32 (PSE-36, M at most 40), the rest up to 21 reserved.
		 */
		if (!large)
			return 0;
		m = min(m, 40U);
		return BIT_ULL(21) | (m < 40 ? GENMASK_ULL(20, 13 + m - 32) : 0);
	case AXVM_PAGING_PAE:
		/* Table 4-8: the PDPTE has neither XD nor rights nor PS. */
		if (level == 3)
			return GENMASK_ULL(63, m) | GENMASK_ULL(8, 5) |
			       GENMASK_ULL(2, 1);
		/* Tables 4-9..4-11: bits 62:M. */
		r = GENMASK_ULL(62, m) | xd;
		break;
	default:
		/* Tables 4-14..4-20: bits 51:M; 62:52 are ignored. */
		r = (m < 52 ? GENMASK_ULL(51, m) : 0) | xd;
		if (level >= 4)
			r |= PTE_PS;
		break;
	}
	/* 2 MiB: bits 20:13, 1 GiB: bits 29:13 (bit 12 is PAT). */
	if (large)
		r |= GENMASK_ULL(PAGE_SHIFT_4K + 9 * (level - 1) - 1, 13);
	return r;
}

/* The physical address in a 4 MiB 32-bit-paging PDE (Table 4-4). */
static u64 pse36_frame(u64 pde, unsigned int m)
{
	unsigned int hi = min(m, 40U) - 32;
	u64 frame = pde & GENMASK_ULL(31, 22);

	if (hi)
		frame |= ((pde >> 13) & GENMASK_ULL(hi - 1, 0)) << 32;
	return frame;
}

static int pf(struct axvm_gwalk_result *res, u32 error_code)
{
	res->error_code = error_code;
	return AXVM_GWALK_PF;
}

/*
 * 4.6.1 "Determination of Access Rights": does @access, user-mode if
 * @user, violate the combined rights?
 * At CPL 3 a supervisor-mode access is an implicit one, so SMAP binds it
 * whatever RFLAGS.AC says.
 */
static bool rights_violated(const struct axvm_gwalk_ctx *ctx,
			    const struct axvm_gwalk_result *res, u32 access,
			    bool user)
{
	bool write = access & AXVM_GWALK_WRITE;
	bool implicit = access & AXVM_GWALK_IMPLICIT;

	if (user && !res->user)
		return true;
	if (access & AXVM_GWALK_FETCH)
		return res->nx ||
		       (!user && res->user && (ctx->cr4 & AXVM_GW_CR4_SMEP));
	if (!user && res->user && (ctx->cr4 & AXVM_GW_CR4_SMAP) &&
	    (implicit || !(ctx->rflags & AXVM_GW_RFLAGS_AC)))
		return true;
	if (write && !res->writable)
		return user || (ctx->cr0 & AXVM_GW_CR0_WP);
	return false;
}

/*
 * 4.6.2 "Protection Keys": with CR4.PKE in IA-32e mode, a data access to a user
 * page is checked against PKRU's bits for the leaf's key: AD forbids every data
 * access, WD user writes, and supervisor writes if CR0.WP = 1.
 */
static bool pkey_violated(const struct axvm_gwalk_ctx *ctx,
			  enum axvm_paging_mode mode,
			  const struct axvm_gwalk_result *res, u32 access,
			  bool user)
{
	unsigned int key, bits;

	if (!(ctx->cr4 & AXVM_GW_CR4_PKE) || mode < AXVM_PAGING_4LEVEL ||
	    (access & AXVM_GWALK_FETCH) || !res->user)
		return false;
	key = (res->pte >> PTE_PKEY_SHIFT) & 0xf;
	bits = (ctx->pkru >> (2 * key)) & 3;
	if (bits & AXVM_GW_PKRU_AD)
		return true;
	return (bits & AXVM_GW_PKRU_WD) && (access & AXVM_GWALK_WRITE) &&
	       (user || (ctx->cr0 & AXVM_GW_CR0_WP));
}

/**
 * axvm_gwalk() - translate a guest-linear address
 * @ctx: guest control registers and the memory reader
 * @la: the linear address (segment base already added); truncated to 32
 *	bits when paging is off, 32-bit or PAE
 * @access: AXVM_GWALK_READ, AXVM_GWALK_WRITE or AXVM_GWALK_FETCH, ORed
 *	with AXVM_GWALK_IMPLICIT for an implicit supervisor-mode access;
 *	any other access at @ctx->cpl 3 is a user-mode one
 * @res: the translation, or the fault's error code
 *
 * The error code of a page fault (4.7 "Page-Fault Exceptions") has P clear for
 * a not-present entry and set for a reserved-bit (with RSVD), access-rights or
 * protection-key (with PK) violation; W and U describe @access; I is set for a
 * fetch if CR4.SMEP = 1 or CR4.PAE = IA32_EFER.NXE = 1. The walk stops at the
 * first not-present or reserved-bit entry, as the CPU's does.
 *
 * Context: whatever @ctx->read allows; the walk itself does not sleep.
 * Return: 0 with @res->gpa set; AXVM_GWALK_PF with @res->error_code set;
 * AXVM_GWALK_NONCANONICAL if @la is not canonical for 4- or 5-level
 * paging; or the negative errno of a failed @ctx->read.
 */
int axvm_gwalk(const struct axvm_gwalk_ctx *ctx, u64 la, u32 access,
	       struct axvm_gwalk_result *res)
{
	enum axvm_paging_mode mode = axvm_gwalk_mode(ctx);
	unsigned int m = phys_bits(ctx);
	u64 addr_mask = GENMASK_ULL(m - 1, PAGE_SHIFT_4K);
	unsigned int levels, esize = 8, bits = 9, level, shift;
	bool user = ctx->cpl == 3 && !(access & AXVM_GWALK_IMPLICIT);
	u32 ec = (access & AXVM_PFEC_W) | (user ? AXVM_PFEC_U : 0);
	u64 table, pte, idx;
	bool large, pk;
	int ret;

	memset(res, 0, sizeof(*res));
	res->writable = true;
	res->user = true;

	switch (mode) {
	case AXVM_PAGING_NONE:
		res->gpa = la & U32_MAX;
		return 0;
	case AXVM_PAGING_32:
		levels = 2;
		esize = 4;
		bits = 10;
		la &= U32_MAX;
		table = ctx->cr3 & GENMASK_ULL(31, 12);
		break;
	case AXVM_PAGING_PAE:
		/* The top level has 4 entries: 2 index bits (31:30). */
		levels = 3;
		la &= U32_MAX;
		table = ctx->cr3 & GENMASK_ULL(31, 5);
		break;
	default:
		levels = mode == AXVM_PAGING_5LEVEL ? 5 : 4;
		/*
		 * Bits 63:48 (63:57) must be copies of bit 47 (56): SDM Vol. 1,
		 * 3.3.7.1 "Canonical Addressing".
		 */
		if (sign_extend64(la, 12 + 9 * levels - 1) != (s64)la)
			return AXVM_GWALK_NONCANONICAL;
		table = ctx->cr3 & addr_mask;
		break;
	}

	/* 4.7: I only where execute-disable or SMEP can apply. */
	if ((access & AXVM_GWALK_FETCH) &&
	    ((ctx->cr4 & AXVM_GW_CR4_SMEP) ||
	     ((ctx->cr4 & AXVM_GW_CR4_PAE) && (ctx->efer & AXVM_GW_EFER_NXE))))
		ec |= AXVM_PFEC_I;

	for (level = levels; ; level--) {
		shift = PAGE_SHIFT_4K + bits * (level - 1);
		idx = (la >> shift) & (BIT_ULL(bits) - 1);
		ret = ctx->read(ctx->opaque, table + idx * esize, esize, &pte);
		if (ret)
			return ret;
		if (esize == 4)
			pte &= U32_MAX;
		if (!(pte & PTE_P))
			return pf(res, ec);
		large = level > 1 && (pte & PTE_PS) &&
			large_ok(ctx, mode, level);
		if (pte & rsvd_bits(ctx, mode, level, large, m))
			return pf(res, ec | AXVM_PFEC_P | AXVM_PFEC_RSVD);
		/* PAE PDPTEs carry no access rights (Table 4-8). */
		if (mode != AXVM_PAGING_PAE || level != 3) {
			res->writable &= !!(pte & PTE_RW);
			res->user &= !!(pte & PTE_US);
			if (ctx->efer & AXVM_GW_EFER_NXE)
				res->nx |= !!(pte & PTE_XD);
		}
		if (level == 1 || large)
			break;
		table = pte & (mode == AXVM_PAGING_32 ? GENMASK_ULL(31, 12) :
			       addr_mask);
	}

	res->level = level;
	res->pte = pte;
	res->page_size = BIT_ULL(shift);
	pk = pkey_violated(ctx, mode, res, access, user);
	if (pk || rights_violated(ctx, res, access, user))
		return pf(res, ec | AXVM_PFEC_P | (pk ? AXVM_PFEC_PK : 0));
	if (mode == AXVM_PAGING_32 && large)
		res->gpa = pse36_frame(pte, m);
	else if (mode == AXVM_PAGING_32)
		res->gpa = pte & GENMASK_ULL(31, 12);
	else
		res->gpa = pte & addr_mask & ~(res->page_size - 1);
	res->gpa |= la & (res->page_size - 1);
	return 0;
}
