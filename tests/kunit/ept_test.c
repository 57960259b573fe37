// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/ept/ept.c, the 4-level EPT builder. Host-physical
 * addresses are made up: the builder never touches the pages it maps.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "ept/ept.h"

#define LEAF_MT_WB	(6ULL << 3)		/* SDM 29.3.2: bits 5:3 */
#define HPA_1G		0x40000000ULL		/* 1 GiB, 2 MiB aligned */
#define TABLE_RWX	7ULL			/* non-leaf entries */

struct ept_ctx {
	struct axvm_ept ept;
	int flushes;
};

static void count_flush(struct axvm_ept *ept)
{
	container_of(ept, struct ept_ctx, ept)->flushes++;
}

static int ept_test_init(struct kunit *test)
{
	struct ept_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	return axvm_ept_init(&ctx->ept, false);
}

static void ept_test_exit(struct kunit *test)
{
	struct ept_ctx *ctx = test->priv;

	if (ctx)
		axvm_ept_destroy(&ctx->ept);
}

static struct axvm_ept *test_ept(struct kunit *test)
{
	return &((struct ept_ctx *)test->priv)->ept;
}

/* The raw entry of @level on the walk for @gpa, 0 if the walk stops. */
static u64 *raw_slot(struct axvm_ept *ept, u64 gpa, int level)
{
	u64 *table = ept->pml4;
	int l;

	for (l = AXVM_EPT_LEVELS; ; l--) {
		u64 *slot = &table[(gpa >> (12 + 9 * (l - 1))) & 511];

		if (l == level)
			return slot;
		if (!(*slot & AXVM_EPTE_PERM_MASK) || (*slot & AXVM_EPTE_LARGE))
			return NULL;
		table = __va(*slot & AXVM_EPTE_ADDR_MASK);
	}
}

static u64 raw_entry(struct axvm_ept *ept, u64 gpa, int level)
{
	u64 *slot = raw_slot(ept, gpa, level);

	return slot ? *slot : 0;
}

/* Expect @gpa to translate to @hpa at @level with @prot. */
static void expect_map(struct kunit *test, struct axvm_ept *ept, u64 gpa,
		       u64 hpa, u32 prot, int level)
{
	u64 got_hpa = 0;
	u32 got_prot = 0;
	int got_level = 0;

	KUNIT_ASSERT_EQ_MSG(test, axvm_ept_walk(ept, gpa, &got_hpa, &got_prot,
						&got_level), 0,
			    "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got_hpa, hpa, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got_prot, prot, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got_level, level, "gpa %#llx", gpa);
}

static void expect_unmapped(struct kunit *test, struct axvm_ept *ept, u64 gpa)
{
	KUNIT_EXPECT_EQ_MSG(test, axvm_ept_walk(ept, gpa, NULL, NULL, NULL),
			    -ENOENT, "gpa %#llx", gpa);
}

static void init_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	struct axvm_ept ad = {};

	KUNIT_EXPECT_EQ(test, ept->eptp & 0xfff, 0x1eULL);	/* WB, 4 levels */
	KUNIT_EXPECT_EQ(test, ept->eptp & AXVM_EPTP_ADDR_MASK,
			(u64)__pa(ept->pml4));
	KUNIT_EXPECT_FALSE(test, ept->ad);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 1UL);
	KUNIT_EXPECT_NULL(test, ept->flush);
	KUNIT_EXPECT_NULL(test, memchr_inv(ept->pml4, 0, PAGE_SIZE));
	expect_unmapped(test, ept, 0);

	KUNIT_ASSERT_EQ(test, axvm_ept_init(&ad, true), 0);
	KUNIT_EXPECT_EQ(test, ad.eptp & 0xfff, 0x5eULL);	/* + A/D */
	KUNIT_EXPECT_TRUE(test, ad.ad);
	axvm_ept_destroy(&ad);
	KUNIT_EXPECT_EQ(test, ad.nr_tables, 0UL);
}

static void map_4k_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0x1000, 0xabc000, SZ_4K,
					   AXVM_EPT_R | AXVM_EPT_W, true), 0);
	expect_map(test, ept, 0x1000, 0xabc000, AXVM_EPT_R | AXVM_EPT_W, 1);
	expect_map(test, ept, 0x1123, 0xabc123, AXVM_EPT_R | AXVM_EPT_W, 1);
	expect_unmapped(test, ept, 0);
	expect_unmapped(test, ept, 0x2000);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);

	/* Leaf: address, R/W, WB; non-leaf: R/W/X and a table address. */
	KUNIT_EXPECT_EQ(test, raw_entry(ept, 0x1000, 1),
			0xabc000ULL | AXVM_EPTE_R | AXVM_EPTE_W | LEAF_MT_WB);
	KUNIT_EXPECT_EQ(test, raw_entry(ept, 0x1000, 4) & 0xfff, TABLE_RWX);
	KUNIT_EXPECT_EQ(test, raw_entry(ept, 0x1000, 3) & 0xfff, TABLE_RWX);
	KUNIT_EXPECT_EQ(test, raw_entry(ept, 0x1000, 2) & 0xfff, TABLE_RWX);
}

static void map_2m_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_2M, HPA_1G, SZ_2M,
					   AXVM_EPT_RWX, true), 0);
	expect_map(test, ept, SZ_2M, HPA_1G, AXVM_EPT_RWX, 2);
	expect_map(test, ept, SZ_2M + 0x12345, HPA_1G + 0x12345,
		   AXVM_EPT_RWX, 2);
	expect_map(test, ept, SZ_4M - 1, HPA_1G + SZ_2M - 1, AXVM_EPT_RWX, 2);
	expect_unmapped(test, ept, SZ_4M);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 3UL);
	KUNIT_EXPECT_EQ(test, raw_entry(ept, SZ_2M, 2),
			HPA_1G | AXVM_EPTE_LARGE | LEAF_MT_WB | 7);

	/* Three more blocks in one call: still no page table. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_4M, HPA_1G + SZ_4M, 6 * SZ_1M,
					   AXVM_EPT_R, true), 0);
	expect_map(test, ept, SZ_4M, HPA_1G + SZ_4M, AXVM_EPT_R, 2);
	expect_map(test, ept, SZ_8M + 5, HPA_1G + SZ_8M + 5, AXVM_EPT_R, 2);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 3UL);
}

static void no_2m_unless_aligned_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	u64 g = SZ_1G;	/* a fresh 1 GiB region for each case */

	/* allow_2m false. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, g, HPA_1G, SZ_2M,
					   AXVM_EPT_RWX, false), 0);
	expect_map(test, ept, g, HPA_1G, AXVM_EPT_RWX, 1);
	expect_map(test, ept, g + SZ_2M - SZ_4K, HPA_1G + SZ_2M - SZ_4K,
		   AXVM_EPT_RWX, 1);

	/* hpa only 4 KiB aligned. */
	g += SZ_1G;
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, g, HPA_1G + SZ_4K, SZ_2M,
					   AXVM_EPT_RWX, true), 0);
	expect_map(test, ept, g, HPA_1G + SZ_4K, AXVM_EPT_RWX, 1);
	expect_map(test, ept, g + SZ_1M, HPA_1G + SZ_4K + SZ_1M,
		   AXVM_EPT_RWX, 1);

	/* gpa only 4 KiB aligned. */
	g += SZ_1G;
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, g + SZ_4K, HPA_1G, SZ_2M,
					   AXVM_EPT_RWX, true), 0);
	expect_map(test, ept, g + SZ_4K, HPA_1G, AXVM_EPT_RWX, 1);
	expect_map(test, ept, g + SZ_2M, HPA_1G + SZ_2M - SZ_4K,
		   AXVM_EPT_RWX, 1);

	/* Size 2 MiB + 4 KiB: one 2 MiB leaf, then a 4 KiB one. */
	g += SZ_1G;
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, g, HPA_1G, SZ_2M + SZ_4K,
					   AXVM_EPT_RWX, true), 0);
	expect_map(test, ept, g, HPA_1G, AXVM_EPT_RWX, 2);
	expect_map(test, ept, g + SZ_2M, HPA_1G + SZ_2M, AXVM_EPT_RWX, 1);
	expect_unmapped(test, ept, g + SZ_2M + SZ_4K);

	/* [2M - 4K, 4M + 4K): 4 KiB head, 2 MiB middle, 4 KiB tail. */
	g += SZ_1G;
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, g + SZ_2M - SZ_4K,
					   HPA_1G + SZ_2M - SZ_4K,
					   SZ_2M + 2 * SZ_4K,
					   AXVM_EPT_RWX, true), 0);
	expect_map(test, ept, g + SZ_2M - SZ_4K, HPA_1G + SZ_2M - SZ_4K,
		   AXVM_EPT_RWX, 1);
	expect_map(test, ept, g + SZ_2M, HPA_1G + SZ_2M, AXVM_EPT_RWX, 2);
	expect_map(test, ept, g + SZ_4M, HPA_1G + SZ_4M, AXVM_EPT_RWX, 1);
	expect_unmapped(test, ept, g + SZ_4M + SZ_4K);
}

static void prot_test(struct kunit *test)
{
	static const u32 good[] = {
		AXVM_EPT_R, AXVM_EPT_R | AXVM_EPT_W, AXVM_EPT_R | AXVM_EPT_X,
		AXVM_EPT_RWX, AXVM_EPT_X, AXVM_EPT_R | AXVM_EPT_IGNORE_PAT,
	};
	static const u32 bad[] = {
		0, AXVM_EPT_W, AXVM_EPT_W | AXVM_EPT_X, AXVM_EPT_IGNORE_PAT,
		AXVM_EPT_RWX | BIT(4), BIT(31),
	};
	struct axvm_ept *ept = test_ept(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, axvm_ept_map(ept, 0, 0, SZ_4K, bad[i],
						       false),
				    -EINVAL, "prot %#x", bad[i]);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 1UL);

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		u64 gpa = i * SZ_4K, hpa = 0x100000 + i * SZ_4K, e;

		KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, gpa, hpa, SZ_4K,
						   good[i], false), 0);
		expect_map(test, ept, gpa, hpa, good[i], 1);
		e = raw_entry(ept, gpa, 1);
		KUNIT_EXPECT_EQ(test, e & AXVM_EPTE_PERM_MASK,
				(u64)(good[i] & AXVM_EPT_RWX));
		KUNIT_EXPECT_EQ(test, !!(e & AXVM_EPTE_IPAT),
				!!(good[i] & AXVM_EPT_IGNORE_PAT));
		KUNIT_EXPECT_EQ(test, e & AXVM_EPTE_MT_MASK, LEAF_MT_WB);
	}

	/* 2 MiB leaves carry the permissions too. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_2M, HPA_1G, SZ_2M,
					   AXVM_EPT_R | AXVM_EPT_X, true), 0);
	expect_map(test, ept, SZ_2M, HPA_1G, AXVM_EPT_R | AXVM_EPT_X, 2);
}

static void remap_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	u64 *pte;

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, 0x5000, SZ_4K,
					   AXVM_EPT_RWX, false), 0);
	/* The same mapping again (a second vCPU faulting): no change. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0x5000, SZ_4K,
					   AXVM_EPT_RWX, false), 0);
	/* Set A/D as the CPU would: still the same mapping. */
	pte = raw_slot(ept, 0, 1);
	KUNIT_ASSERT_NOT_NULL(test, pte);
	*pte |= AXVM_EPTE_A | AXVM_EPTE_D;
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0x5000, SZ_4K,
					   AXVM_EPT_RWX, false), 0);
	KUNIT_EXPECT_TRUE(test, *pte & AXVM_EPTE_D);

	/* Permission change and a new target: one present leaf each. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0x5000, SZ_4K,
					   AXVM_EPT_R, false), 1);
	expect_map(test, ept, 0, 0x5000, AXVM_EPT_R, 1);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0x9000, SZ_4K,
					   AXVM_EPT_R, false), 1);
	expect_map(test, ept, 0, 0x9000, AXVM_EPT_R, 1);

	/* 8 pages: the present one is unchanged, 7 are new: no change. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0x9000, 8 * SZ_4K,
					   AXVM_EPT_R, false), 0);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0x9000, 8 * SZ_4K,
					   AXVM_EPT_RWX, false), 8);

	/* A 2 MiB leaf changing permissions stays a 2 MiB leaf. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_2M, HPA_1G, SZ_2M,
					   AXVM_EPT_RWX, true), 0);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, SZ_2M, HPA_1G, SZ_2M,
					   AXVM_EPT_R, true), 1);
	expect_map(test, ept, SZ_2M + SZ_4K, HPA_1G + SZ_4K, AXVM_EPT_R, 2);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);
}

static void map_4k_into_2m_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, HPA_1G, SZ_2M,
					   AXVM_EPT_RWX, true), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 3UL);
	/* Split (1) plus the changed leaf (1). */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0x5000, 0x77000, SZ_4K,
					   AXVM_EPT_R, true), 2);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);
	expect_map(test, ept, 0x5000, 0x77000, AXVM_EPT_R, 1);
	expect_map(test, ept, 0x4000, HPA_1G + 0x4000, AXVM_EPT_RWX, 1);
	expect_map(test, ept, 0x6000, HPA_1G + 0x6000, AXVM_EPT_RWX, 1);
	expect_map(test, ept, 0, HPA_1G, AXVM_EPT_RWX, 1);
	expect_map(test, ept, SZ_2M - 1, HPA_1G + SZ_2M - 1, AXVM_EPT_RWX, 1);
	KUNIT_EXPECT_EQ(test, raw_entry(ept, 0x4000, 1),
			(HPA_1G + 0x4000) | LEAF_MT_WB | 7);
}

static void unmap_4k_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0x10000, 0x200000, 16 * SZ_4K,
					   AXVM_EPT_RWX, true), 0);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0x14000, 4 * SZ_4K), 4);
	expect_map(test, ept, 0x13000, 0x203000, AXVM_EPT_RWX, 1);
	expect_unmapped(test, ept, 0x14000);
	expect_unmapped(test, ept, 0x17fff);
	expect_map(test, ept, 0x18000, 0x208000, AXVM_EPT_RWX, 1);
	/* Again, and somewhere never mapped: nothing to do. */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0x14000, 4 * SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, SZ_1G * 1024ULL, SZ_1G), 0);
	/* A range with holes: only the 12 present leaves count. */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0, SZ_1M), 12);
	expect_unmapped(test, ept, 0x10000);
	/* Without a flush callback the empty tables stay. */
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);
}

static void unmap_2m_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_2M, HPA_1G, SZ_4M,
					   AXVM_EPT_R | AXVM_EPT_X, true), 0);
	/* Whole leaf: cleared, no split. */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, SZ_4M, SZ_2M), 1);
	expect_unmapped(test, ept, SZ_4M);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 3UL);

	/* One page of a leaf: split (1) + clear (1). */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, SZ_2M + 0x3000, SZ_4K), 2);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);
	expect_map(test, ept, SZ_2M, HPA_1G, AXVM_EPT_R | AXVM_EPT_X, 1);
	expect_map(test, ept, SZ_2M + 0x2000, HPA_1G + 0x2000,
		   AXVM_EPT_R | AXVM_EPT_X, 1);
	expect_unmapped(test, ept, SZ_2M + 0x3000);
	expect_map(test, ept, SZ_2M + 0x4000, HPA_1G + 0x4000,
		   AXVM_EPT_R | AXVM_EPT_X, 1);
	expect_map(test, ept, SZ_4M - SZ_4K, HPA_1G + SZ_2M - SZ_4K,
		   AXVM_EPT_R | AXVM_EPT_X, 1);
}

static void unmap_head_tail_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	u32 p = AXVM_EPT_RWX;

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, HPA_1G, 6 * SZ_1M, p, true),
			0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 3UL);
	/*
	 * [1M, 5M): head leaf split + 256 pages, middle leaf, tail leaf
	 * split + 256 pages.
	 */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, SZ_1M, SZ_4M),
			1 + 256 + 1 + 1 + 256);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 5UL);
	expect_map(test, ept, 0, HPA_1G, p, 1);
	expect_map(test, ept, SZ_1M - SZ_4K, HPA_1G + SZ_1M - SZ_4K, p, 1);
	expect_unmapped(test, ept, SZ_1M);
	expect_unmapped(test, ept, SZ_2M);
	expect_unmapped(test, ept, SZ_4M + SZ_1M - 1);
	expect_map(test, ept, SZ_4M + SZ_1M, HPA_1G + SZ_4M + SZ_1M, p, 1);
	expect_map(test, ept, 6 * SZ_1M - 1, HPA_1G + 6 * SZ_1M - 1, p, 1);
}

static void range_errors_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	const u64 top = AXVM_EPT_MAX_GPA;
	const u32 p = AXVM_EPT_RWX;

	/* Misalignment. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0x1001, 0, SZ_4K, p, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0x800, SZ_4K, p, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0, 0x1800, p, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0, 0, p, 0), -EINVAL);
	/* Wrap-around and the 48-bit limit. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, SZ_4K, 0, -(u64)SZ_4K, p, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, -(u64)SZ_4K, 0, SZ_8K, p, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, top, 0, SZ_4K, p, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, top - SZ_4K, 0, SZ_8K, p, 0),
			-EINVAL);
	/* Host addresses beyond 52 bits. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, BIT_ULL(52), SZ_4K, p, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, BIT_ULL(52) - SZ_4K, SZ_8K,
					   p, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, -(u64)SZ_4K, SZ_8K, p, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 1UL);

	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0x1001, SZ_4K), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0, 0x1800), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, -(u64)SZ_4K, SZ_8K),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, top - SZ_4K, SZ_8K),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_ept_walk(ept, top, NULL, NULL, NULL),
			-EINVAL);

	/* The very last page below 2^48 and the largest host address. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, top - SZ_4K,
					   BIT_ULL(52) - SZ_4K, SZ_4K, p, 0), 0);
	expect_map(test, ept, top - 1, BIT_ULL(52) - 1, p, 1);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, top - SZ_4K, SZ_4K), 1);
}

static void nr_tables_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	const u32 p = AXVM_EPT_RWX;

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, 0, SZ_4K, p, true), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);	/* PML4 PDPT PD PT */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_2M, 0, SZ_4K, p, true), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 5UL);	/* + PT */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_1G, 0, SZ_4K, p, true), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 7UL);	/* + PD PT */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 512 * (u64)SZ_1G, 0, SZ_4K,
					   p, true), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 10UL);	/* + PDPT PD PT */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, 0, SZ_4K, p, true), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 10UL);
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_4M, 0, SZ_2M, p, true), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 10UL);	/* a PDE only */

	/* 1 GiB of 4 KiB pages: a new PD and 512 PTs. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 2 * (u64)SZ_1G, 0, SZ_1G, p,
					   false), 0);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 10UL + 1 + 512);
	expect_map(test, ept, 3 * (u64)SZ_1G - 1, SZ_1G - 1, p, 1);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 2 * (u64)SZ_1G, SZ_1G),
			512 * 512);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 10UL + 1 + 512);
}

static void reclaim_test(struct kunit *test)
{
	struct ept_ctx *ctx = test->priv;
	struct axvm_ept *ept = &ctx->ept;
	const u32 p = AXVM_EPT_RWX;

	ept->flush = count_flush;
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, 0, SZ_4K, p, true), 0);
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_4M, HPA_1G, SZ_2M, p, true),
			0);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 0);	/* nothing was present */
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);

	/* The leaf and its now empty PT (the PD still holds a 2M leaf). */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0, SZ_4K), 2);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 1);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 3UL);
	expect_map(test, ept, SZ_4M, HPA_1G, p, 2);

	/* The 2M leaf, then the PD and the PDPT. */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0, SZ_1G), 3);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 2);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 1UL);
	KUNIT_EXPECT_NULL(test, memchr_inv(ept->pml4, 0, PAGE_SIZE));

	/* Nothing changed, no flush. */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0, SZ_1G), 0);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 2);

	/* A table kept alive by another leaf is not freed. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, 0, 2 * SZ_4K, p, true), 0);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, 0, SZ_4K), 1);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 3);

	/* Map changes flush too; filling not-present entries does not. */
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, SZ_4K, 0, SZ_4K, AXVM_EPT_R,
					   true), 1);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 4);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, 0, 0, SZ_4K, p, true), 0);
	KUNIT_EXPECT_EQ(test, ctx->flushes, 4);

	/* Split then unmap the rest: the split PT is freed again. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_4M, HPA_1G, SZ_2M, p, true),
			0);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, SZ_4M, SZ_4K), 2);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 5UL);
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, SZ_4M, SZ_2M), 511 + 1);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);
}

static void no_promotion_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	const u32 p = AXVM_EPT_RWX;

	/* A page table exists under [2M, 4M): a 2M map keeps 4K leaves. */
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_2M, 0x1000, SZ_4K, p, true),
			0);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, SZ_2M, HPA_1G, SZ_2M, p, true),
			1);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 4UL);
	expect_map(test, ept, SZ_2M, HPA_1G, p, 1);
	expect_map(test, ept, SZ_4M - SZ_4K, HPA_1G + SZ_2M - SZ_4K, p, 1);

	/* Once the tables are reclaimed (PT, PD, PDPT), the block is 2M. */
	ept->flush = count_flush;
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(ept, SZ_2M, SZ_2M), 512 + 3);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 1UL);
	KUNIT_EXPECT_EQ(test, axvm_ept_map(ept, SZ_2M, HPA_1G, SZ_2M, p, true),
			0);
	expect_map(test, ept, SZ_2M, HPA_1G, p, 2);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 3UL);
}

static void destroy_test(struct kunit *test)
{
	struct axvm_ept *ept = test_ept(test);
	const u32 p = AXVM_EPT_RWX;

	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 0, HPA_1G, SZ_8M, p, true), 0);
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, SZ_1G, 0, SZ_1M, p, true), 0);
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, 1ULL << 40, 0, SZ_2M, p, false),
			0);
	KUNIT_ASSERT_EQ(test, axvm_ept_map(ept, (1ULL << 47) + SZ_2M, HPA_1G,
					   SZ_4M, p, true), 0);
	KUNIT_ASSERT_GE(test, axvm_ept_unmap(ept, SZ_1M, SZ_4K), 1); /* split */
	/* PML4, PDPT+PD, PD+PT, PDPT+PD+PT, PDPT+PD, the split PT. */
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 1UL + 2 + 2 + 3 + 2 + 1);

	axvm_ept_destroy(ept);
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 0UL);
	KUNIT_EXPECT_NULL(test, ept->pml4);
	KUNIT_EXPECT_EQ(test, ept->eptp, 0ULL);
	axvm_ept_destroy(ept);		/* twice: harmless (exit does it too) */
	KUNIT_EXPECT_EQ(test, ept->nr_tables, 0UL);
}

static struct kunit_case axvm_ept_cases[] = {
	KUNIT_CASE(init_test),
	KUNIT_CASE(map_4k_test),
	KUNIT_CASE(map_2m_test),
	KUNIT_CASE(no_2m_unless_aligned_test),
	KUNIT_CASE(prot_test),
	KUNIT_CASE(remap_test),
	KUNIT_CASE(map_4k_into_2m_test),
	KUNIT_CASE(unmap_4k_test),
	KUNIT_CASE(unmap_2m_test),
	KUNIT_CASE(unmap_head_tail_test),
	KUNIT_CASE(range_errors_test),
	KUNIT_CASE(nr_tables_test),
	KUNIT_CASE(reclaim_test),
	KUNIT_CASE(no_promotion_test),
	KUNIT_CASE(destroy_test),
	{}
};

static struct kunit_suite axvm_ept_suite = {
	.name = "axvm_ept",
	.init = ept_test_init,
	.exit = ept_test_exit,
	.test_cases = axvm_ept_cases,
};
kunit_test_suite(axvm_ept_suite);

MODULE_DESCRIPTION("KUnit tests for the axvm EPT builder");
MODULE_LICENSE("GPL");
