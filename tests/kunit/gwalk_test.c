// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/lib/gwalk.c, the guest page-table walker. The
 * guest-physical memory is a small fake that holds the paging structures;
 * the pages they map are never read. Entry formats: SDM Vol. 3A 4.3-4.5,
 * error codes: 4.7.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include "lib/gwalk.h"

#define FAKE_SIZE	(32 * SZ_4K)

/* Entry bits. */
#define P	BIT_ULL(0)
#define RW	BIT_ULL(1)
#define US	BIT_ULL(2)
#define PS	BIT_ULL(7)
#define XD	BIT_ULL(63)

/* Error codes. */
#define EC_P	AXVM_PFEC_P
#define EC_W	AXVM_PFEC_W
#define EC_U	AXVM_PFEC_U
#define EC_RSVD	AXVM_PFEC_RSVD
#define EC_I	AXVM_PFEC_I
#define EC_PK	AXVM_PFEC_PK

#define RD	AXVM_GWALK_READ
#define WR	AXVM_GWALK_WRITE
#define FETCH	AXVM_GWALK_FETCH
#define IMPL	AXVM_GWALK_IMPLICIT
/* Not an access kind of the walker: walk() runs the access at CPL 3. */
#define USER	BIT(30)

/* The shape of a paging mode's tree, for building one. */
struct fmt {
	unsigned int levels;
	unsigned int bits;
	unsigned int esize;
	bool pae;
};

static const struct fmt fmt32 = { 2, 10, 4, false };
static const struct fmt fmt_pae = { 3, 9, 8, true };
static const struct fmt fmt4 = { 4, 9, 8, false };
static const struct fmt fmt5 = { 5, 9, 8, false };

struct fake {
	struct kunit *test;
	u8 *mem;
	u64 next;		/* next free table */
	unsigned int reads;
	const struct fmt *fmt;
	u64 root;
	struct axvm_gwalk_ctx ctx;
	struct axvm_gwalk_result res;
};

static int fake_read(void *opaque, u64 gpa, unsigned int size, u64 *val)
{
	struct fake *f = opaque;
	unsigned int i;

	f->reads++;
	if ((size != 4 && size != 8) || gpa % size || gpa >= FAKE_SIZE)
		return -ERANGE;
	*val = 0;
	for (i = 0; i < size; i++)
		*val |= (u64)f->mem[gpa + i] << (8 * i);
	return 0;
}

static u64 get(struct fake *f, u64 gpa, unsigned int size)
{
	u64 val;

	KUNIT_ASSERT_EQ(f->test, fake_read(f, gpa, size, &val), 0);
	f->reads--;
	return val;
}

static void put(struct fake *f, u64 gpa, u64 val, unsigned int size)
{
	unsigned int i;

	KUNIT_ASSERT_LT(f->test, gpa, (u64)FAKE_SIZE);
	for (i = 0; i < size; i++)
		f->mem[gpa + i] = val >> (8 * i);
}

static u64 new_table(struct fake *f)
{
	u64 t = f->next;

	KUNIT_ASSERT_LT(f->test, t, (u64)FAKE_SIZE);
	f->next += SZ_4K;
	return t;
}

/*
 * The address of the entry at @level on the walk for @la, creating the
 * tables above it (with P, R/W and U/S; PAE PDPTEs with P only).
 */
static u64 slot(struct fake *f, u64 la, unsigned int level)
{
	const struct fmt *fmt = f->fmt;
	u64 table = f->root, a, e;
	unsigned int l;

	for (l = fmt->levels; ; l--) {
		a = table + ((la >> (12 + fmt->bits * (l - 1))) &
			     (BIT_ULL(fmt->bits) - 1)) * fmt->esize;
		if (l == level)
			return a;
		e = get(f, a, fmt->esize);
		if (!(e & P)) {
			e = new_table(f) | P;
			if (!(fmt->pae && l == 3))
				e |= RW | US;
			put(f, a, e, fmt->esize);
		}
		table = e & GENMASK_ULL(51, 12);
	}
}

/* Set the entry at @level for @la. */
static void set(struct fake *f, u64 la, unsigned int level, u64 entry)
{
	put(f, slot(f, la, level), entry, f->fmt->esize);
}

/* Change bits of the (existing) entry at @level for @la. */
static void change(struct fake *f, u64 la, unsigned int level, u64 clear,
		   u64 bits)
{
	u64 a = slot(f, la, level);

	put(f, a, (get(f, a, f->fmt->esize) & ~clear) | bits, f->fmt->esize);
}

static int gwalk_test_init(struct kunit *test)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->mem = kunit_kzalloc(test, FAKE_SIZE, GFP_KERNEL);
	if (!f->mem)
		return -ENOMEM;
	f->test = test;
	f->next = SZ_4K;
	f->ctx.read = fake_read;
	f->ctx.opaque = f;
	test->priv = f;
	return 0;
}

/*
 * A fresh tree of @mode, CR0.WP = 1, CR4.PSE = 1, IA32_EFER.NXE = 0,
 * RFLAGS.AC = 0, PKRU = 0.
 */
static struct fake *setup(struct kunit *test, enum axvm_paging_mode mode)
{
	struct fake *f = test->priv;

	f->ctx.cr0 = AXVM_GW_CR0_PG | AXVM_GW_CR0_WP;
	f->ctx.cr4 = AXVM_GW_CR4_PSE;
	f->ctx.efer = 0;
	f->ctx.rflags = 0;
	f->ctx.pkru = 0;
	switch (mode) {
	case AXVM_PAGING_NONE:
		f->ctx.cr0 = 0;
		break;
	case AXVM_PAGING_32:
		f->fmt = &fmt32;
		break;
	case AXVM_PAGING_PAE:
		f->fmt = &fmt_pae;
		f->ctx.cr4 |= AXVM_GW_CR4_PAE;
		break;
	case AXVM_PAGING_4LEVEL:
		f->fmt = &fmt4;
		f->ctx.cr4 |= AXVM_GW_CR4_PAE;
		f->ctx.efer = AXVM_GW_EFER_LME;
		break;
	case AXVM_PAGING_5LEVEL:
		f->fmt = &fmt5;
		f->ctx.cr4 |= AXVM_GW_CR4_PAE | AXVM_GW_CR4_LA57;
		f->ctx.efer = AXVM_GW_EFER_LME;
		break;
	}
	f->root = new_table(f);
	f->ctx.cr3 = f->root;
	KUNIT_ASSERT_EQ(test, axvm_gwalk_mode(&f->ctx), mode);
	return f;
}

/* Walk at CPL 3 if @access has USER, else at CPL 0. */
static int walk(struct fake *f, u64 la, u32 access)
{
	f->reads = 0;
	f->ctx.cpl = access & USER ? 3 : 0;
	return axvm_gwalk(&f->ctx, la, access & ~USER, &f->res);
}

/* Expect a translation of @la to @gpa. */
#define EXPECT_GPA(f, la, access, want) do {				\
	KUNIT_EXPECT_EQ((f)->test, walk((f), (la), (access)), 0);	\
	KUNIT_EXPECT_EQ((f)->test, (f)->res.gpa, (u64)(want));		\
} while (0)

/* Expect a page fault with error code @ec. */
#define EXPECT_PF(f, la, access, ec) do {				\
	KUNIT_EXPECT_EQ((f)->test, walk((f), (la), (access)),		\
			AXVM_GWALK_PF);					\
	KUNIT_EXPECT_EQ((f)->test, (f)->res.error_code, (u32)(ec));	\
} while (0)

static void mode_test(struct kunit *test)
{
	static const struct {
		u64 cr0, cr4, efer;
		enum axvm_paging_mode mode;
	} cases[] = {
		{ 0, 0, 0, AXVM_PAGING_NONE },
		{ AXVM_GW_CR0_WP, AXVM_GW_CR4_PAE | AXVM_GW_CR4_LA57,
		  AXVM_GW_EFER_LME, AXVM_PAGING_NONE },
		{ AXVM_GW_CR0_PG, 0, 0, AXVM_PAGING_32 },
		{ AXVM_GW_CR0_PG, AXVM_GW_CR4_PSE | AXVM_GW_CR4_LA57,
		  AXVM_GW_EFER_NXE, AXVM_PAGING_32 },
		{ AXVM_GW_CR0_PG, AXVM_GW_CR4_PAE, 0, AXVM_PAGING_PAE },
		{ AXVM_GW_CR0_PG, AXVM_GW_CR4_PAE | AXVM_GW_CR4_LA57,
		  AXVM_GW_EFER_NXE, AXVM_PAGING_PAE },
		{ AXVM_GW_CR0_PG, AXVM_GW_CR4_PAE, AXVM_GW_EFER_LME,
		  AXVM_PAGING_4LEVEL },
		{ AXVM_GW_CR0_PG, AXVM_GW_CR4_PAE | AXVM_GW_CR4_LA57,
		  AXVM_GW_EFER_LME, AXVM_PAGING_5LEVEL },
	};
	struct axvm_gwalk_ctx ctx = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ctx.cr0 = cases[i].cr0;
		ctx.cr4 = cases[i].cr4;
		ctx.efer = cases[i].efer;
		KUNIT_EXPECT_EQ_MSG(test, axvm_gwalk_mode(&ctx), cases[i].mode,
				    "case %u", i);
	}
}

static void no_paging_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_NONE);

	EXPECT_GPA(f, 0xb8000, RD, 0xb8000);
	EXPECT_GPA(f, 0x123456789ULL, WR | USER, 0x23456789);
	EXPECT_GPA(f, 0xfffffff0, FETCH, 0xfffffff0);
	KUNIT_EXPECT_EQ(test, f->reads, 0U);
	KUNIT_EXPECT_EQ(test, f->res.level, 0);
	KUNIT_EXPECT_TRUE(test, f->res.writable && f->res.user);
	KUNIT_EXPECT_FALSE(test, f->res.nx);
}

static void paging32_4k_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_32);

	set(f, 0x00403123, 1, 0x5000 | P | RW | US);
	set(f, 0xc0000000, 1, 0xfffff000 | P);
	EXPECT_GPA(f, 0x00403123, RD, 0x5123);
	KUNIT_EXPECT_EQ(test, f->reads, 2U);
	KUNIT_EXPECT_EQ(test, f->res.level, 1);
	KUNIT_EXPECT_EQ(test, f->res.page_size, (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, f->res.pte, 0x5000 | P | RW | US);
	EXPECT_GPA(f, 0x00403fff, WR | USER, 0x5fff);
	EXPECT_GPA(f, 0x100403123ULL, RD, 0x5123);	/* 32-bit linear */
	EXPECT_GPA(f, 0xc0000abc, RD, 0xfffffabc);
	KUNIT_EXPECT_FALSE(test, f->res.writable);
	KUNIT_EXPECT_FALSE(test, f->res.user);
	/* No NX in 32-bit paging: bit 63 does not exist. */
	EXPECT_GPA(f, 0xc0000abc, FETCH, 0xfffffabc);
}

static void paging32_4m_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_32);
	u64 pt = new_table(f);

	/* 4.3: with CR4.PSE a PS=1 PDE maps 4 MiB. */
	set(f, 0x00812345, 2, 0x12c00000 | PS | P | RW | US);
	EXPECT_GPA(f, 0x00812345, WR | USER, 0x12c12345);
	KUNIT_EXPECT_EQ(test, f->reads, 1U);
	KUNIT_EXPECT_EQ(test, f->res.level, 2);
	KUNIT_EXPECT_EQ(test, f->res.page_size, (u64)SZ_4M);

	/* Without CR4.PSE, PS is ignored: the PDE points to a page table. */
	set(f, 0x00c01000, 2, pt | PS | P | RW | US);
	put(f, pt + 1 * 4, 0x7000 | P | RW | US, 4);
	f->ctx.cr4 = 0;
	EXPECT_GPA(f, 0x00c01234, RD, 0x7234);
	KUNIT_EXPECT_EQ(test, f->res.level, 1);

	/* PSE-36: PDE bits 20:13 are physical-address bits 39:32. */
	f->ctx.cr4 = AXVM_GW_CR4_PSE;
	set(f, 0x01000000, 2, 0x00400000 | BIT(14) | BIT(13) | PS | P);
	EXPECT_GPA(f, 0x01000008, RD, 0x300400008ULL);
	f->ctx.maxphyaddr = 36;		/* bits 16:13 address, 20:17 reserved */
	EXPECT_GPA(f, 0x01000008, RD, 0x300400008ULL);
	set(f, 0x01000000, 2, 0x00400000 | BIT(17) | PS | P);
	EXPECT_PF(f, 0x01000008, RD, EC_P | EC_RSVD);
	f->ctx.maxphyaddr = 40;
	EXPECT_GPA(f, 0x01000008, RD, 0x1000400008ULL);
	f->ctx.maxphyaddr = 32;		/* no PSE-36 bits at all */
	set(f, 0x01000000, 2, 0x00400000 | BIT(13) | PS | P);
	EXPECT_PF(f, 0x01000008, RD, EC_P | EC_RSVD);
	f->ctx.maxphyaddr = 0;
	/* Bit 21 is always reserved. */
	set(f, 0x01000000, 2, 0x00400000 | BIT(21) | PS | P);
	EXPECT_PF(f, 0x01000008, WR, EC_P | EC_W | EC_RSVD);
}

static void paging32_fault_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_32);

	/* Not-present PDE, then not-present PTE. */
	EXPECT_PF(f, 0x00400000, RD, 0);
	KUNIT_EXPECT_EQ(test, f->reads, 1U);
	set(f, 0x00400000, 1, 0);
	EXPECT_PF(f, 0x00400000, WR | USER, EC_W | EC_U);
	KUNIT_EXPECT_EQ(test, f->reads, 2U);

	/* A supervisor page: the PDE lacks U/S. */
	set(f, 0x00400000, 1, 0x9000 | P | RW | US);
	change(f, 0x00400000, 2, US, 0);
	EXPECT_PF(f, 0x00400000, RD | USER, EC_P | EC_U);
	EXPECT_GPA(f, 0x00400000, WR, 0x9000);

	/* Read-only: CR0.WP decides for supervisor writes only. */
	set(f, 0x00800000, 1, 0xa000 | P | US);
	EXPECT_PF(f, 0x00800010, WR, EC_P | EC_W);
	EXPECT_PF(f, 0x00800010, WR | USER, EC_P | EC_W | EC_U);
	EXPECT_GPA(f, 0x00800010, RD | USER, 0xa010);
	f->ctx.cr0 &= ~AXVM_GW_CR0_WP;
	EXPECT_GPA(f, 0x00800010, WR, 0xa010);
	EXPECT_PF(f, 0x00800010, WR | USER, EC_P | EC_W | EC_U);

	/* Fetches: I only with SMEP in 32-bit paging (4.7). */
	EXPECT_PF(f, 0x00c00000, FETCH, 0);
	EXPECT_GPA(f, 0x00800010, FETCH, 0xa010);
	f->ctx.cr4 |= AXVM_GW_CR4_SMEP;
	EXPECT_PF(f, 0x00c00000, FETCH, EC_I);
	EXPECT_PF(f, 0x00800010, FETCH, EC_P | EC_I);
	EXPECT_GPA(f, 0x00800010, FETCH | USER, 0xa010);
	EXPECT_GPA(f, 0x00400000, FETCH, 0x9000);	/* supervisor page */
}

static void pae_4k_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_PAE);

	/* A PDPT need only be 32-byte aligned (4.4.1). */
	f->root += 0x20;
	f->ctx.cr3 = f->root;
	set(f, 0xc0201234, 1, 0x9000 | P | RW | US);
	EXPECT_GPA(f, 0xc0201234, WR | USER, 0x9234);
	KUNIT_EXPECT_EQ(test, f->reads, 3U);
	KUNIT_EXPECT_EQ(test, f->res.level, 1);
	KUNIT_EXPECT_EQ(test, f->res.page_size, (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, get(f, f->root + 3 * 8, 8) & ~GENMASK_ULL(51, 12),
			P);
	/* Bits 63:32 of the linear address are dropped. */
	EXPECT_GPA(f, 0xffffffffc0201234ULL, RD, 0x9234);
	/* Physical addresses above 4 GiB. */
	set(f, 0x00001000, 1, 0xf00000000ULL | P);
	EXPECT_GPA(f, 0x00001fff, RD, 0xf00000fffULL);
	/* Not present at the PDPTE. */
	EXPECT_PF(f, 0x40000000, RD | USER, EC_U);
	KUNIT_EXPECT_EQ(test, f->reads, 1U);
}

static void pae_2m_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_PAE);

	set(f, 0x80412345, 2, 0x00600000 | PS | P | RW | US);
	EXPECT_GPA(f, 0x80412345, WR | USER, 0x00612345);
	KUNIT_EXPECT_EQ(test, f->reads, 2U);
	KUNIT_EXPECT_EQ(test, f->res.level, 2);
	KUNIT_EXPECT_EQ(test, f->res.page_size, (u64)SZ_2M);
	/* PAT (bit 12) is not an address bit. */
	set(f, 0x80412345, 2, 0x00600000 | BIT(12) | PS | P);
	EXPECT_GPA(f, 0x80412345, RD, 0x00612345);
	/* Bits 20:13 are reserved. */
	set(f, 0x80412345, 2, 0x00600000 | BIT(13) | PS | P);
	EXPECT_PF(f, 0x80412345, RD, EC_P | EC_RSVD);
}

static void pae_rsvd_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_PAE);

	set(f, 0x00001000, 1, 0x5000 | P | RW);
	EXPECT_GPA(f, 0x00001000, WR, 0x5000);
	/* PDPTE bits 2:1 and 8:5 are reserved, and 63 even with NXE. */
	change(f, 0x00001000, 3, 0, RW);
	EXPECT_PF(f, 0x00001000, RD, EC_P | EC_RSVD);
	change(f, 0x00001000, 3, RW, BIT(5));
	EXPECT_PF(f, 0x00001000, RD, EC_P | EC_RSVD);
	change(f, 0x00001000, 3, BIT(5), XD);
	f->ctx.efer |= AXVM_GW_EFER_NXE;
	EXPECT_PF(f, 0x00001000, RD, EC_P | EC_RSVD);
	change(f, 0x00001000, 3, XD, 0);
	EXPECT_GPA(f, 0x00001000, RD, 0x5000);
	/* In PAE paging, bits 62:MAXPHYADDR are reserved. */
	set(f, 0x00001000, 1, BIT_ULL(62) | 0x5000 | P | RW);
	EXPECT_PF(f, 0x00001000, RD, EC_P | EC_RSVD);
	f->ctx.maxphyaddr = 36;
	set(f, 0x00001000, 1, BIT_ULL(36) | 0x5000 | P | RW);
	EXPECT_PF(f, 0x00001000, RD, EC_P | EC_RSVD);
	f->ctx.maxphyaddr = 37;
	EXPECT_GPA(f, 0x00001000, RD, BIT_ULL(36) | 0x5000);
	/* XD is reserved without IA32_EFER.NXE. */
	set(f, 0x00001000, 1, XD | 0x5000 | P | RW);
	EXPECT_GPA(f, 0x00001000, RD, 0x5000);
	f->ctx.efer &= ~AXVM_GW_EFER_NXE;
	EXPECT_PF(f, 0x00001000, RD, EC_P | EC_RSVD);
}

static void pae_nx_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_PAE);

	f->ctx.efer = AXVM_GW_EFER_NXE;
	set(f, 0x00001000, 1, XD | 0x5000 | P | RW | US);
	EXPECT_GPA(f, 0x00001000, RD | USER, 0x5000);
	KUNIT_EXPECT_TRUE(test, f->res.nx);
	EXPECT_PF(f, 0x00001000, FETCH, EC_P | EC_I);
	EXPECT_PF(f, 0x00001000, FETCH | USER, EC_P | EC_U | EC_I);
	/* I is reported for not-present fetches only with NXE (or SMEP). */
	EXPECT_PF(f, 0x00400000, FETCH, EC_I);
	f->ctx.efer = 0;
	EXPECT_PF(f, 0x00400000, FETCH, 0);
	/* XD on a non-leaf PDE applies too. */
	f->ctx.efer = AXVM_GW_EFER_NXE;
	set(f, 0x00001000, 1, 0x5000 | P | RW | US);
	EXPECT_GPA(f, 0x00001000, FETCH, 0x5000);
	change(f, 0x00001000, 2, 0, XD);
	EXPECT_PF(f, 0x00001000, FETCH | USER, EC_P | EC_U | EC_I);
}

static void long4_4k_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	set(f, 0x00007fffffe01234ULL, 1, 0x123456000ULL | P | RW | US);
	set(f, 0xffff800000005678ULL, 1, 0x8000 | P | RW);
	EXPECT_GPA(f, 0x00007fffffe01234ULL, WR | USER, 0x123456234ULL);
	KUNIT_EXPECT_EQ(test, f->reads, 4U);
	KUNIT_EXPECT_EQ(test, f->res.level, 1);
	KUNIT_EXPECT_EQ(test, f->res.page_size, (u64)SZ_4K);
	KUNIT_EXPECT_TRUE(test, f->res.writable && f->res.user);
	EXPECT_GPA(f, 0xffff800000005678ULL, WR, 0x8678);
	KUNIT_EXPECT_FALSE(test, f->res.user);
	/* CR3 bits 11:0 (PCID or PWT/PCD) are not address bits. */
	f->ctx.cr3 = f->root | 0x123;
	EXPECT_GPA(f, 0xffff800000005678ULL, RD, 0x8678);
	/* Bits 62:52 are ignored in 4-level paging. */
	set(f, 0x1000, 1, BIT_ULL(62) | BIT_ULL(55) | 0x3000 | P);
	EXPECT_GPA(f, 0x1abc, RD, 0x3abc);
}

static void long4_large_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	/* 2 MiB. */
	set(f, 0x40212345, 2, 0x40200000 | PS | P | RW | US);
	EXPECT_GPA(f, 0x40212345, WR | USER, 0x40212345);
	KUNIT_EXPECT_EQ(test, f->reads, 3U);
	KUNIT_EXPECT_EQ(test, f->res.level, 2);
	KUNIT_EXPECT_EQ(test, f->res.page_size, (u64)SZ_2M);
	set(f, 0x40212345, 2, 0x40200000 | BIT(20) | PS | P);
	EXPECT_PF(f, 0x40212345, RD, EC_P | EC_RSVD);
	set(f, 0x40212345, 2, 0x40200000 | BIT(12) | PS | P);	/* PAT */
	EXPECT_GPA(f, 0x40212345, RD, 0x40212345);

	/* 1 GiB. */
	set(f, 0x7fc0001234ULL, 3, 0x180000000ULL | PS | P | RW | US);
	EXPECT_GPA(f, 0x7fc0001234ULL, RD | USER, 0x180001234ULL);
	KUNIT_EXPECT_EQ(test, f->reads, 2U);
	KUNIT_EXPECT_EQ(test, f->res.level, 3);
	KUNIT_EXPECT_EQ(test, f->res.page_size, (u64)SZ_1G);
	set(f, 0x7fc0001234ULL, 3, 0x180000000ULL | BIT(29) | PS | P);
	EXPECT_PF(f, 0x7fc0001234ULL, RD, EC_P | EC_RSVD);
	set(f, 0x7fc0001234ULL, 3, 0x180000000ULL | BIT(13) | PS | P);
	EXPECT_PF(f, 0x7fc0001234ULL, WR | USER, EC_P | EC_W | EC_U | EC_RSVD);

	/* PS is reserved in a PML4E. */
	change(f, 0x40212345, 4, 0, PS);
	EXPECT_PF(f, 0x40212345, RD, EC_P | EC_RSVD);
	KUNIT_EXPECT_EQ(test, f->reads, 1U);
}

static void long4_rsvd_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	set(f, 0x1000, 1, BIT_ULL(40) | 0x3000 | P);
	EXPECT_GPA(f, 0x1008, RD, BIT_ULL(40) | 0x3008);
	f->ctx.maxphyaddr = 40;
	EXPECT_PF(f, 0x1008, RD, EC_P | EC_RSVD);
	f->ctx.maxphyaddr = 41;
	EXPECT_GPA(f, 0x1008, RD, BIT_ULL(40) | 0x3008);
	/* A non-leaf entry with an address bit above MAXPHYADDR. */
	f->ctx.maxphyaddr = 39;
	set(f, 0x1000, 1, 0x3000 | P);
	change(f, 0x1000, 3, 0, BIT_ULL(45));
	EXPECT_PF(f, 0x1008, RD, EC_P | EC_RSVD);
	KUNIT_EXPECT_EQ(test, f->reads, 2U);
	change(f, 0x1000, 3, BIT_ULL(45), 0);
	/* XD: reserved without NXE. */
	change(f, 0x1000, 2, 0, XD);
	EXPECT_PF(f, 0x1008, RD, EC_P | EC_RSVD);
	f->ctx.efer |= AXVM_GW_EFER_NXE;
	EXPECT_GPA(f, 0x1008, RD, 0x3008);
	/* Reserved bits win over not-present below and over rights. */
	set(f, 0x1000, 1, 0);
	change(f, 0x1000, 2, 0, BIT_ULL(50));
	EXPECT_PF(f, 0x1008, WR | USER, EC_P | EC_W | EC_U | EC_RSVD);
}

static void long4_rights_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	set(f, 0x201000, 1, 0x3000 | P | RW | US);
	EXPECT_GPA(f, 0x201000, WR | USER, 0x3000);
	/* U/S clear at the PML4E: a supervisor page. */
	change(f, 0x201000, 4, US, 0);
	EXPECT_PF(f, 0x201000, RD | USER, EC_P | EC_U);
	EXPECT_GPA(f, 0x201000, WR, 0x3000);
	KUNIT_EXPECT_FALSE(test, f->res.user);
	change(f, 0x201000, 4, 0, US);
	/* R/W clear at the PDPTE: read-only. */
	change(f, 0x201000, 3, RW, 0);
	EXPECT_GPA(f, 0x201000, RD | USER, 0x3000);
	KUNIT_EXPECT_FALSE(test, f->res.writable);
	EXPECT_PF(f, 0x201000, WR | USER, EC_P | EC_W | EC_U);
	EXPECT_PF(f, 0x201000, WR, EC_P | EC_W);
	f->ctx.cr0 &= ~AXVM_GW_CR0_WP;
	EXPECT_GPA(f, 0x201000, WR, 0x3000);
	EXPECT_PF(f, 0x201000, WR | USER, EC_P | EC_W | EC_U);
}

static void long4_nx_smep_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	f->ctx.efer |= AXVM_GW_EFER_NXE;
	set(f, 0x201000, 1, 0x3000 | P | RW | US);
	EXPECT_GPA(f, 0x201000, FETCH | USER, 0x3000);
	KUNIT_EXPECT_FALSE(test, f->res.nx);
	/* XD at the PDPTE covers everything below. */
	change(f, 0x201000, 3, 0, XD);
	EXPECT_GPA(f, 0x201000, RD, 0x3000);
	KUNIT_EXPECT_TRUE(test, f->res.nx);
	EXPECT_PF(f, 0x201000, FETCH, EC_P | EC_I);
	EXPECT_PF(f, 0x201000, FETCH | USER, EC_P | EC_U | EC_I);
	change(f, 0x201000, 3, XD, 0);

	/* SMEP: no supervisor fetches from user pages. */
	EXPECT_GPA(f, 0x201000, FETCH, 0x3000);
	f->ctx.cr4 |= AXVM_GW_CR4_SMEP;
	EXPECT_PF(f, 0x201000, FETCH, EC_P | EC_I);
	EXPECT_GPA(f, 0x201000, FETCH | USER, 0x3000);
	EXPECT_GPA(f, 0x201000, RD, 0x3000);	/* CR4.SMAP = 0 */
	change(f, 0x201000, 1, US, 0);
	EXPECT_GPA(f, 0x201000, FETCH, 0x3000);
}

/*
 * CPL decides user or supervisor mode (4.6 "Access Rights"): 0, 1 and 2
 * are supervisor; at CPL 3 only the implicit accesses are, and their
 * error code has U clear (4.7).
 */
static void cpl_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);
	unsigned int cpl;

	set(f, 0x201000, 1, 0x3000 | P | RW);		/* supervisor page */
	set(f, 0x401000, 1, 0x5000 | P | RW | US);	/* user page */
	for (cpl = 0; cpl < 3; cpl++) {
		f->ctx.cpl = cpl;
		KUNIT_EXPECT_EQ(test, axvm_gwalk(&f->ctx, 0x201000, WR, &f->res), 0);
	}
	f->ctx.cpl = 3;
	KUNIT_EXPECT_EQ(test, axvm_gwalk(&f->ctx, 0x201000, WR, &f->res),
			AXVM_GWALK_PF);
	KUNIT_EXPECT_EQ(test, f->res.error_code, (u32)(EC_P | EC_W | EC_U));
	/* Implicit supervisor accesses at CPL 3: no U in the error code. */
	EXPECT_GPA(f, 0x201000, WR | USER | IMPL, 0x3000);
	change(f, 0x201000, 1, RW, 0);
	EXPECT_PF(f, 0x201000, WR | USER | IMPL, EC_P | EC_W);
	EXPECT_PF(f, 0x601000, RD | USER | IMPL, 0);
	/* User mode: user pages only, also for fetches. */
	EXPECT_GPA(f, 0x401000, FETCH | USER, 0x5000);
	EXPECT_PF(f, 0x201000, FETCH | USER, EC_P | EC_U);
	f->ctx.efer |= AXVM_GW_EFER_NXE;
	EXPECT_PF(f, 0x201000, FETCH | USER, EC_P | EC_U | EC_I);
}

/*
 * SMAP (4.6.1): supervisor data accesses to user pages fault with
 * CR4.SMAP, unless explicit with RFLAGS.AC = 1; fetches are SMEP's.
 */
static void smap_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	set(f, 0x201000, 1, 0x3000 | P | RW | US);	/* user page */
	set(f, 0x401000, 1, 0x5000 | P | RW);		/* supervisor page */
	EXPECT_GPA(f, 0x201000, WR, 0x3000);		/* SMAP off */
	f->ctx.cr4 |= AXVM_GW_CR4_SMAP;
	EXPECT_PF(f, 0x201000, RD, EC_P);
	EXPECT_PF(f, 0x201000, WR, EC_P | EC_W);
	EXPECT_GPA(f, 0x401000, WR, 0x5000);
	EXPECT_GPA(f, 0x201000, WR | USER, 0x3000);
	EXPECT_GPA(f, 0x201000, FETCH, 0x3000);		/* not SMAP's */
	/* EFLAGS.AC lifts it for explicit accesses only. */
	f->ctx.rflags = AXVM_GW_RFLAGS_AC;
	EXPECT_GPA(f, 0x201000, RD, 0x3000);
	EXPECT_GPA(f, 0x201000, WR, 0x3000);
	EXPECT_PF(f, 0x201000, RD | IMPL, EC_P);
	EXPECT_PF(f, 0x201000, WR | USER | IMPL, EC_P | EC_W);
	/* With AC, writes to read-only user pages follow CR0.WP. */
	change(f, 0x201000, 2, RW, 0);
	EXPECT_PF(f, 0x201000, WR, EC_P | EC_W);
	f->ctx.cr0 &= ~AXVM_GW_CR0_WP;
	EXPECT_GPA(f, 0x201000, WR, 0x3000);
	f->ctx.rflags = 0;
	EXPECT_PF(f, 0x201000, WR, EC_P | EC_W);
	/* Not-present beats SMAP: P clear. */
	EXPECT_PF(f, 0x601000, RD, 0);
}

/*
 * Protection keys (4.6.2): PKRU's AD and WD for the leaf's key, user
 * pages, data accesses, IA-32e mode with CR4.PKE; the error code has PK.
 */
static void pkeys_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);
	u64 key5 = 5ULL << 59;

	set(f, 0x201000, 1, 0x3000 | P | RW | US | key5);
	set(f, 0x401000, 1, 0x5000 | P | RW | key5);	/* supervisor page */
	f->ctx.pkru = AXVM_GW_PKRU_AD << 10;		/* key 5: AD */
	EXPECT_GPA(f, 0x201000, RD | USER, 0x3000);	/* CR4.PKE = 0 */
	f->ctx.cr4 |= AXVM_GW_CR4_PKE;
	EXPECT_PF(f, 0x201000, RD | USER, EC_P | EC_U | EC_PK);
	EXPECT_PF(f, 0x201000, WR | USER, EC_P | EC_W | EC_U | EC_PK);
	EXPECT_PF(f, 0x201000, RD, EC_P | EC_PK);	/* supervisor too */
	EXPECT_GPA(f, 0x201000, FETCH | USER, 0x3000);	/* not fetches */
	EXPECT_GPA(f, 0x401000, WR, 0x5000);		/* nor supervisor pages */
	f->ctx.pkru = AXVM_GW_PKRU_AD << 8;		/* key 4: not ours */
	EXPECT_GPA(f, 0x201000, WR | USER, 0x3000);

	/* WD: writes only; supervisor writes only with CR0.WP. */
	f->ctx.pkru = AXVM_GW_PKRU_WD << 10;
	EXPECT_GPA(f, 0x201000, RD | USER, 0x3000);
	EXPECT_PF(f, 0x201000, WR | USER, EC_P | EC_W | EC_U | EC_PK);
	EXPECT_PF(f, 0x201000, WR, EC_P | EC_W | EC_PK);
	f->ctx.cr0 &= ~AXVM_GW_CR0_WP;
	EXPECT_GPA(f, 0x201000, WR, 0x3000);
	EXPECT_PF(f, 0x201000, WR | USER, EC_P | EC_W | EC_U | EC_PK);
	f->ctx.cr0 |= AXVM_GW_CR0_WP;

	/* Both a rights and a key violation: P, W, U and PK. */
	change(f, 0x201000, 1, RW, 0);
	EXPECT_PF(f, 0x201000, WR | USER, EC_P | EC_W | EC_U | EC_PK);
	f->ctx.pkru = 0;
	EXPECT_PF(f, 0x201000, WR | USER, EC_P | EC_W | EC_U);

	/* Not in 32-bit paging, where every page would have key 0. */
	f = setup(test, AXVM_PAGING_32);
	set(f, 0x00400000, 1, 0x9000 | P | RW | US);
	f->ctx.cr4 |= AXVM_GW_CR4_PKE;
	f->ctx.pkru = AXVM_GW_PKRU_AD;
	EXPECT_GPA(f, 0x00400000, WR | USER, 0x9000);
}

static void long4_not_present_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);
	unsigned int level;

	set(f, 0x40201000, 1, 0x3000 | P | RW | US);
	f->ctx.efer |= AXVM_GW_EFER_NXE;
	for (level = 1; level <= 4; level++) {
		u64 a = slot(f, 0x40201000, level);
		u64 e = get(f, a, 8);

		/* Only P clear: the other bits are not looked at. */
		put(f, a, (e & ~P) | PS | BIT_ULL(51) | RW, 8);
		EXPECT_PF(f, 0x40201000, FETCH | USER, EC_U | EC_I);
		KUNIT_EXPECT_EQ(test, f->reads, 5 - level);
		EXPECT_PF(f, 0x40201000, WR, EC_W);
		put(f, a, e, 8);
		EXPECT_GPA(f, 0x40201000, WR, 0x3000);
	}
}

static void noncanonical_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	KUNIT_EXPECT_EQ(test, walk(f, 0x0000800000000000ULL, RD),
			AXVM_GWALK_NONCANONICAL);
	KUNIT_EXPECT_EQ(test, walk(f, 0xffff7fffffffffffULL, RD),
			AXVM_GWALK_NONCANONICAL);
	KUNIT_EXPECT_EQ(test, walk(f, 0x8000000000000000ULL, FETCH),
			AXVM_GWALK_NONCANONICAL);
	KUNIT_EXPECT_EQ(test, f->reads, 0U);
	EXPECT_PF(f, 0xffff800000000000ULL, RD, 0);

	f = setup(test, AXVM_PAGING_5LEVEL);
	KUNIT_EXPECT_EQ(test, walk(f, 0x0100000000000000ULL, RD),
			AXVM_GWALK_NONCANONICAL);
	KUNIT_EXPECT_EQ(test, walk(f, 0xfeffffffffffffffULL, RD),
			AXVM_GWALK_NONCANONICAL);
	EXPECT_PF(f, 0x0000800000000000ULL, RD, 0);
	EXPECT_PF(f, 0xff00000000000000ULL, RD, 0);
}

static void long5_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_5LEVEL);
	u64 la = 0x00ff123456789abcULL;

	set(f, la, 1, 0x200000000ULL | P | RW | US);
	EXPECT_GPA(f, la, WR | USER, 0x200000abcULL);
	KUNIT_EXPECT_EQ(test, f->reads, 5U);
	/* Canonical in 5-level paging only. */
	f->ctx.cr4 &= ~AXVM_GW_CR4_LA57;
	KUNIT_EXPECT_EQ(test, walk(f, la, RD), AXVM_GWALK_NONCANONICAL);
	f->ctx.cr4 |= AXVM_GW_CR4_LA57;
	/* Large pages, and PS reserved in the PML5E. */
	set(f, 0xff00000040212345ULL, 2, 0x40200000 | PS | P | RW);
	EXPECT_GPA(f, 0xff00000040212345ULL, RD, 0x40212345);
	KUNIT_EXPECT_EQ(test, f->reads, 4U);
	set(f, 0xff000000c0000001ULL, 3, 0xc0000000 | PS | P | RW);
	EXPECT_GPA(f, 0xff000000c0000001ULL, WR, 0xc0000001);
	KUNIT_EXPECT_EQ(test, f->res.level, 3);
	change(f, la, 5, 0, PS);
	EXPECT_PF(f, la, RD, EC_P | EC_RSVD);
	KUNIT_EXPECT_EQ(test, f->reads, 1U);
	/* U/S at the PML5E counts too. */
	change(f, la, 5, PS | US, 0);
	EXPECT_PF(f, la, RD | USER, EC_P | EC_U);
}

static void read_error_test(struct kunit *test)
{
	struct fake *f = setup(test, AXVM_PAGING_4LEVEL);

	/* A PDPTE pointing outside the fake memory: the reader's error. */
	set(f, 0x1000, 3, 0x10000000 | P | RW | US);
	KUNIT_EXPECT_EQ(test, walk(f, 0x1000, RD), -ERANGE);
	KUNIT_EXPECT_EQ(test, f->reads, 3U);

	f = setup(test, AXVM_PAGING_32);
	f->ctx.cr3 = 0x80000000;
	KUNIT_EXPECT_EQ(test, walk(f, 0x1000, RD), -ERANGE);
}

static struct kunit_case axvm_gwalk_cases[] = {
	KUNIT_CASE(mode_test),
	KUNIT_CASE(no_paging_test),
	KUNIT_CASE(paging32_4k_test),
	KUNIT_CASE(paging32_4m_test),
	KUNIT_CASE(paging32_fault_test),
	KUNIT_CASE(pae_4k_test),
	KUNIT_CASE(pae_2m_test),
	KUNIT_CASE(pae_rsvd_test),
	KUNIT_CASE(pae_nx_test),
	KUNIT_CASE(long4_4k_test),
	KUNIT_CASE(long4_large_test),
	KUNIT_CASE(long4_rsvd_test),
	KUNIT_CASE(long4_rights_test),
	KUNIT_CASE(long4_nx_smep_test),
	KUNIT_CASE(cpl_test),
	KUNIT_CASE(smap_test),
	KUNIT_CASE(pkeys_test),
	KUNIT_CASE(long4_not_present_test),
	KUNIT_CASE(noncanonical_test),
	KUNIT_CASE(long5_test),
	KUNIT_CASE(read_error_test),
	{}
};

static struct kunit_suite axvm_gwalk_suite = {
	.name = "axvm_gwalk",
	.init = gwalk_test_init,
	.test_cases = axvm_gwalk_cases,
};
kunit_test_suite(axvm_gwalk_suite);

MODULE_DESCRIPTION("KUnit tests for the axvm guest page-table walker");
MODULE_LICENSE("GPL");
