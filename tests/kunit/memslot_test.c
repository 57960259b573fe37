// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/ept/memslot.c: request validation, lookups, the
 * 2 MiB contiguity rule and mapping slots into an EPT. Pinning needs a
 * user address space, which a KUnit thread lacks; only its refusal is
 * tested here.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pfn.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "ept/ept.h"
#include "ept/memslot.h"

#define HVA		0x7f0000000000ULL
#define NO_LIMIT	U64_MAX

static struct axvm_memory_region region(u32 slot, u32 flags, u64 gpa,
					u64 size, u64 hva)
{
	return (struct axvm_memory_region){
		.slot = slot, .flags = flags, .gpa = gpa, .size = size,
		.hva = hva,
	};
}

/* Fill a slot by hand, without pages, as axvm_memslot_set() would. */
static void fake_slot(struct axvm_memslots *s, u32 n, u64 gpa, u64 size)
{
	s->slot[n] = (struct axvm_memslot){
		.gpa = gpa, .size = size, .hva = HVA, .used = true,
		.npages = size >> PAGE_SHIFT,
	};
	s->total_bytes += size;
}

static int check(struct axvm_memslots *s, u32 slot, u32 flags, u64 gpa,
		 u64 size, u64 hva, u64 limit)
{
	struct axvm_memory_region r = region(slot, flags, gpa, size, hva);

	return axvm_memslot_check(s, &r, limit);
}

static struct axvm_memslots *new_slots(struct kunit *test)
{
	struct axvm_memslots *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	return s;
}

static void check_good_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);

	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_1M, HVA, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, AXVM_MAX_MEM_SLOTS - 1,
				    AXVM_MEM_READONLY, 0xfff00000, SZ_1M, HVA,
				    NO_LIMIT), 0);
	/* The last page below 2^48; the largest slot. */
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, AXVM_MEMSLOT_MAX_GPA - SZ_4K,
				    SZ_4K, HVA, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, 0, AXVM_MEMSLOT_MAX_GPA, 0,
				    NO_LIMIT), 0);

	/* Touching an existing slot on either side is no overlap. */
	fake_slot(s, 0, SZ_1M, SZ_1M);
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, 0, SZ_1M, HVA, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, SZ_2M, SZ_1M, HVA, NO_LIMIT), 0);
	/* Replacing a slot: its own old range does not count. */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4M, HVA, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 0, AXVM_MEM_READONLY, SZ_1M, SZ_1M,
				    HVA + SZ_1G, NO_LIMIT), 0);
	/* Deleting a used slot; gpa and hva are ignored. */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, 0, 0, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0x123, 0, 0x456, NO_LIMIT), 0);
	/* A free slot's stale range does not block anything. */
	s->slot[5].gpa = 0;
	s->slot[5].size = SZ_1G;
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, SZ_4M, SZ_1M, HVA, NO_LIMIT), 0);
}

static void check_slot_flags_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);

	KUNIT_EXPECT_EQ(test, check(s, AXVM_MAX_MEM_SLOTS, 0, 0, SZ_4K, HVA,
				    NO_LIMIT), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, U32_MAX, 0, 0, SZ_4K, HVA, NO_LIMIT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, U32_MAX, 0, 0, 0, 0, NO_LIMIT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, 0, BIT(2), 0, SZ_4K, HVA, NO_LIMIT),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, check(s, 0, AXVM_MEM_POPULATE, 0, SZ_4K, HVA,
				    NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 0, BIT(31) | AXVM_MEM_READONLY, 0,
				    SZ_4K, HVA, NO_LIMIT), -EOPNOTSUPP);
	fake_slot(s, 0, 0, SZ_4K);
	KUNIT_EXPECT_EQ(test, check(s, 0, BIT(2), 0, 0, 0, NO_LIMIT),
			-EOPNOTSUPP);
}

static void check_delete_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);

	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, 0, 0, NO_LIMIT), -ENOENT);
	KUNIT_EXPECT_EQ(test, check(s, 3, 0, SZ_1M, 0, HVA, NO_LIMIT),
			-ENOENT);
	fake_slot(s, 3, SZ_1M, SZ_1M);
	KUNIT_EXPECT_EQ(test, check(s, 3, 0, 0, 0, 0, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 2, 0, SZ_1M, 0, HVA, NO_LIMIT),
			-ENOENT);
}

static void check_alignment_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);

	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0x800, SZ_4K, HVA, NO_LIMIT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, SZ_1M + 8, SZ_4K, HVA, NO_LIMIT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, 0x1800, HVA, NO_LIMIT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, 1, HVA, NO_LIMIT), -EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4K, HVA + 1, NO_LIMIT),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4K, HVA + 0x800, NO_LIMIT),
			-EINVAL);
}

static void check_range_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);
	const u64 top = AXVM_MEMSLOT_MAX_GPA;
	const u64 last = -(u64)SZ_4K;	/* 0xfffffffffffff000 */

	/* gpa + size wraps. */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, last, SZ_8K, HVA, NO_LIMIT),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, SZ_4K, last, HVA, NO_LIMIT),
			-EOVERFLOW);
	/* Beyond what a 4-level EPT maps. */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, top - SZ_4K, SZ_8K, HVA,
				    NO_LIMIT), -ERANGE);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, top, SZ_4K, HVA, NO_LIMIT),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, last, SZ_4K, HVA, NO_LIMIT),
			-EOVERFLOW);	/* ends at 2^64 */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, last - SZ_4K, SZ_4K, HVA,
				    NO_LIMIT), -ERANGE);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, top + SZ_4K, HVA, NO_LIMIT),
			-ERANGE);
	/* hva + size wraps. */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_8K, last, NO_LIMIT),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4K, last, NO_LIMIT),
			-EFAULT);	/* ends at 2^64 */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4K, last - SZ_4K, NO_LIMIT),
			0);
}

static void check_overlap_test(struct kunit *test)
{
	static const struct { u64 gpa, size; } clash[] = {
		{ 0, SZ_1M + SZ_4K },			/* over the start */
		{ SZ_2M - SZ_4K, SZ_1M },		/* over the end */
		{ SZ_1M + SZ_4K, SZ_4K },		/* inside */
		{ 0, SZ_4M },				/* around */
		{ SZ_1M, SZ_1M },			/* the same */
		{ SZ_2M - SZ_4K, SZ_4K },		/* the last page */
	};
	struct axvm_memslots *s = new_slots(test);
	unsigned int i;

	fake_slot(s, 7, SZ_1M, SZ_1M);
	for (i = 0; i < ARRAY_SIZE(clash); i++)
		KUNIT_EXPECT_EQ_MSG(test, check(s, 1, 0, clash[i].gpa,
						clash[i].size, HVA, NO_LIMIT),
				    -EEXIST, "gpa %#llx size %#llx",
				    clash[i].gpa, clash[i].size);
	/* Against a second slot too, also when replacing slot 7. */
	fake_slot(s, 8, SZ_8M, SZ_1M);
	KUNIT_EXPECT_EQ(test, check(s, 7, 0, SZ_8M, SZ_4K, HVA, NO_LIMIT),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, check(s, 7, 0, SZ_4M, SZ_4M, HVA, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 7, 0, SZ_4M, SZ_4M + SZ_4K, HVA,
				    NO_LIMIT), -EEXIST);
	/* The same host memory twice is allowed (aliases). */
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, SZ_16M, SZ_1M, HVA, NO_LIMIT), 0);
}

static void check_total_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);

	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4M + SZ_4K, HVA, SZ_4M),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4M, HVA, SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4K, HVA, 0), -E2BIG);

	fake_slot(s, 0, 0, SZ_2M);
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, SZ_2M, SZ_2M, HVA, SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, SZ_2M, SZ_2M + SZ_4K, HVA,
				    SZ_4M), -E2BIG);
	/* Replacing slot 0: its old size is given back. */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4M, HVA, SZ_4M), 0);
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, SZ_4M + SZ_4K, HVA, SZ_4M),
			-E2BIG);
	/* Deleting is never over the limit, even if the limit shrank. */
	KUNIT_EXPECT_EQ(test, check(s, 0, 0, 0, 0, 0, SZ_1M), 0);
	/* Nothing wraps with huge values. */
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, SZ_2M, AXVM_MEMSLOT_MAX_GPA / 2,
				    HVA, NO_LIMIT), 0);
	KUNIT_EXPECT_EQ(test, check(s, 1, 0, SZ_2M, AXVM_MEMSLOT_MAX_GPA / 2,
				    HVA, AXVM_MEMSLOT_MAX_GPA / 2), -E2BIG);
}

static void set_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);
	struct axvm_memslot old = { .used = true };
	struct axvm_memory_region r;

	/* Errors of the check leave everything alone and @old empty. */
	r = region(0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, axvm_memslot_set(s, &r, NO_LIMIT, &old),
			-ENOENT);
	KUNIT_EXPECT_FALSE(test, old.used);

	/* A KUnit thread has no mm to pin from. */
	r = region(0, 0, 0, SZ_4K, HVA);
	KUNIT_EXPECT_EQ(test, axvm_memslot_set(s, &r, NO_LIMIT, &old),
			-EFAULT);
	KUNIT_EXPECT_FALSE(test, s->slot[0].used);
	KUNIT_EXPECT_EQ(test, s->total_bytes, 0ULL);

	/* Delete: the region moves to @old, still pinned, for the caller. */
	fake_slot(s, 4, SZ_1M, SZ_2M);
	fake_slot(s, 5, SZ_4M, SZ_1M);
	r = region(4, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, axvm_memslot_set(s, &r, NO_LIMIT, &old), 0);
	KUNIT_EXPECT_TRUE(test, old.used);
	KUNIT_EXPECT_EQ(test, old.gpa, (u64)SZ_1M);
	KUNIT_EXPECT_EQ(test, old.size, (u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, old.npages, (unsigned long)SZ_2M >> PAGE_SHIFT);
	KUNIT_EXPECT_FALSE(test, s->slot[4].used);
	KUNIT_EXPECT_EQ(test, s->total_bytes, (u64)SZ_1M);
	KUNIT_EXPECT_NULL(test, axvm_memslot_find(s, SZ_1M));

	/* Releasing an unused slot is a no-op. */
	old.used = false;
	axvm_memslot_release(&old);
}

static void find_test(struct kunit *test)
{
	struct axvm_memslots *s = new_slots(test);

	fake_slot(s, 5, SZ_1M, SZ_1M);
	fake_slot(s, 0, SZ_4M, SZ_4M);
	s->slot[9].gpa = 0;		/* stale, unused */
	s->slot[9].size = SZ_1G;

	KUNIT_EXPECT_PTR_EQ(test, axvm_memslot_find(s, SZ_1M),
			    (const struct axvm_memslot *)&s->slot[5]);
	KUNIT_EXPECT_PTR_EQ(test, axvm_memslot_find(s, SZ_2M - 1),
			    (const struct axvm_memslot *)&s->slot[5]);
	KUNIT_EXPECT_PTR_EQ(test, axvm_memslot_find(s, SZ_4M),
			    (const struct axvm_memslot *)&s->slot[0]);
	KUNIT_EXPECT_PTR_EQ(test, axvm_memslot_find(s, SZ_8M - 1),
			    (const struct axvm_memslot *)&s->slot[0]);
	KUNIT_EXPECT_NULL(test, axvm_memslot_find(s, 0));
	KUNIT_EXPECT_NULL(test, axvm_memslot_find(s, SZ_1M - 1));
	KUNIT_EXPECT_NULL(test, axvm_memslot_find(s, SZ_2M));
	KUNIT_EXPECT_NULL(test, axvm_memslot_find(s, SZ_8M));
	KUNIT_EXPECT_NULL(test, axvm_memslot_find(s, U64_MAX));
}

static void ept_prot_test(struct kunit *test)
{
	struct axvm_memslot m = { .used = true };

	KUNIT_EXPECT_EQ(test, axvm_memslot_ept_prot(&m), (u32)AXVM_EPT_RWX);
	m.flags = AXVM_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, axvm_memslot_ept_prot(&m),
			(u32)(AXVM_EPT_R | AXVM_EPT_X));
}

/*
 * Slot fixture with real pages: an order-10 block (4 MiB, naturally
 * aligned) backs a 4 MiB slot at guest 2 MiB. Block 0 of the slot is
 * contiguous; in block 1 two pages are swapped.
 */
struct page_ctx {
	struct page *block;
	struct axvm_memslot m;
	struct axvm_ept ept;
};

#define FIX_ORDER	10
#define FIX_PAGES	BIT(FIX_ORDER)
#define FIX_GPA		SZ_2M
#define SWAP_A		(512 + 10)
#define SWAP_B		(512 + 11)

static int page_test_init(struct kunit *test)
{
	struct page_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	unsigned long i;

	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	ctx->m.pages = kunit_kcalloc(test, FIX_PAGES, sizeof(*ctx->m.pages),
				     GFP_KERNEL);
	if (!ctx->m.pages)
		return -ENOMEM;
	ctx->block = alloc_pages(GFP_KERNEL | __GFP_NOWARN, FIX_ORDER);
	if (!ctx->block)
		return 0;	/* the test skips */
	for (i = 0; i < FIX_PAGES; i++)
		ctx->m.pages[i] = ctx->block + i;
	swap(ctx->m.pages[SWAP_A], ctx->m.pages[SWAP_B]);
	ctx->m.gpa = FIX_GPA;
	ctx->m.size = FIX_PAGES << PAGE_SHIFT;
	ctx->m.npages = FIX_PAGES;
	ctx->m.hva = HVA;
	ctx->m.used = true;
	return axvm_ept_init(&ctx->ept, false);
}

static void page_test_exit(struct kunit *test)
{
	struct page_ctx *ctx = test->priv;

	if (!ctx)
		return;
	axvm_ept_destroy(&ctx->ept);
	if (ctx->block)
		__free_pages(ctx->block, FIX_ORDER);
}

static struct page_ctx *page_ctx(struct kunit *test)
{
	struct page_ctx *ctx = test->priv;

	if (!ctx->block)
		kunit_skip(test, "no order-%d block available", FIX_ORDER);
	return ctx;
}

static u64 page_hpa(struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

static void gpa_to_page_test(struct kunit *test)
{
	struct page_ctx *ctx = page_ctx(test);
	struct axvm_memslot *m = &ctx->m;
	struct page *page = NULL;

	KUNIT_EXPECT_EQ(test, axvm_memslot_gpa_to_page(m, FIX_GPA, &page), 0);
	KUNIT_EXPECT_PTR_EQ(test, page, ctx->block);
	KUNIT_EXPECT_EQ(test, axvm_memslot_gpa_to_page(m, FIX_GPA + 0x1fff,
						       &page), 0);
	KUNIT_EXPECT_PTR_EQ(test, page, ctx->block + 1);
	KUNIT_EXPECT_EQ(test, axvm_memslot_gpa_to_page(m, FIX_GPA +
						       SWAP_A * SZ_4K, &page),
			0);
	KUNIT_EXPECT_PTR_EQ(test, page, ctx->block + SWAP_B);
	KUNIT_EXPECT_EQ(test, axvm_memslot_gpa_to_page(m, FIX_GPA + m->size - 1,
						       &page), 0);
	KUNIT_EXPECT_PTR_EQ(test, page, ctx->block + FIX_PAGES - 1);

	KUNIT_EXPECT_EQ(test, axvm_memslot_gpa_to_page(m, FIX_GPA - 1, &page),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, axvm_memslot_gpa_to_page(m, FIX_GPA + m->size,
						       &page), -ENOENT);
	m->used = false;
	KUNIT_EXPECT_EQ(test, axvm_memslot_gpa_to_page(m, FIX_GPA, &page),
			-ENOENT);
	m->used = true;
}

static void can_map_2m_test(struct kunit *test)
{
	struct page_ctx *ctx = page_ctx(test);
	struct axvm_memslot *m = &ctx->m;
	unsigned long i;

	KUNIT_EXPECT_TRUE(test, axvm_memslot_can_map_2m(m, FIX_GPA));
	KUNIT_EXPECT_TRUE(test, axvm_memslot_can_map_2m(m, FIX_GPA + 0x12345));
	KUNIT_EXPECT_TRUE(test, axvm_memslot_can_map_2m(m, FIX_GPA + SZ_2M -
							1));
	/* Block 1 has two pages swapped. */
	KUNIT_EXPECT_FALSE(test, axvm_memslot_can_map_2m(m, FIX_GPA + SZ_2M));
	/* Outside the slot. */
	KUNIT_EXPECT_FALSE(test, axvm_memslot_can_map_2m(m, 0));
	KUNIT_EXPECT_FALSE(test, axvm_memslot_can_map_2m(m, FIX_GPA + SZ_4M));

	/* Contiguous but starting one page into the block: misaligned. */
	for (i = 0; i < 512; i++)
		m->pages[i] = ctx->block + 1 + i;
	KUNIT_EXPECT_FALSE(test, axvm_memslot_can_map_2m(m, FIX_GPA));
	for (i = 0; i < 512; i++)
		m->pages[i] = ctx->block + i;

	/* The slot starts 4 KiB into the block: block 0 not wholly inside. */
	m->gpa = FIX_GPA + SZ_4K;
	m->size -= SZ_4K;
	KUNIT_EXPECT_FALSE(test, axvm_memslot_can_map_2m(m, FIX_GPA + SZ_1M));
	/* A slot smaller than 2 MiB. */
	m->gpa = FIX_GPA;
	m->size = SZ_2M - SZ_4K;
	KUNIT_EXPECT_FALSE(test, axvm_memslot_can_map_2m(m, FIX_GPA));
	m->size = SZ_2M;
	KUNIT_EXPECT_TRUE(test, axvm_memslot_can_map_2m(m, FIX_GPA));
	m->used = false;
	KUNIT_EXPECT_FALSE(test, axvm_memslot_can_map_2m(m, FIX_GPA));
}

static void expect_slot_mapped(struct kunit *test, struct page_ctx *ctx,
			       u64 gpa, u32 prot, int level)
{
	u64 hpa = 0;
	u32 got_prot = 0;
	int got_level = 0;
	struct page *page;

	KUNIT_ASSERT_EQ(test, axvm_memslot_gpa_to_page(&ctx->m, gpa, &page),
			0);
	KUNIT_ASSERT_EQ_MSG(test, axvm_ept_walk(&ctx->ept, gpa, &hpa,
						&got_prot, &got_level), 0,
			    "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, hpa, page_hpa(page) + offset_in_page(gpa),
			    "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got_prot, prot, "gpa %#llx", gpa);
	KUNIT_EXPECT_EQ_MSG(test, got_level, level, "gpa %#llx", gpa);
}

static void map_fault_test(struct kunit *test)
{
	struct page_ctx *ctx = page_ctx(test);
	const u32 p = AXVM_EPT_RWX;

	/* A fault in the contiguous block maps all of it with one leaf. */
	KUNIT_EXPECT_EQ(test, axvm_memslot_map_fault(&ctx->ept, &ctx->m,
						     FIX_GPA + 0x5123, true),
			0);
	expect_slot_mapped(test, ctx, FIX_GPA + 0x5123, p, 2);
	expect_slot_mapped(test, ctx, FIX_GPA, p, 2);
	/* A second vCPU faulting there: nothing changes. */
	KUNIT_EXPECT_EQ(test, axvm_memslot_map_fault(&ctx->ept, &ctx->m,
						     FIX_GPA + 0x1000, true),
			0);

	/* In the other block only the page. */
	KUNIT_EXPECT_EQ(test, axvm_memslot_map_fault(&ctx->ept, &ctx->m,
						     FIX_GPA + SWAP_A * SZ_4K +
						     0x10, true), 0);
	expect_slot_mapped(test, ctx, FIX_GPA + SWAP_A * SZ_4K, p, 1);
	KUNIT_EXPECT_EQ(test, axvm_ept_walk(&ctx->ept,
					    FIX_GPA + SWAP_B * SZ_4K, NULL,
					    NULL, NULL), -ENOENT);

	/* Without 2 MiB support, 4 KiB only. */
	KUNIT_EXPECT_EQ(test, axvm_ept_unmap(&ctx->ept, FIX_GPA, SZ_4M), 2);
	KUNIT_EXPECT_EQ(test, axvm_memslot_map_fault(&ctx->ept, &ctx->m,
						     FIX_GPA + 0x5123, false),
			0);
	expect_slot_mapped(test, ctx, FIX_GPA + 0x5123, p, 1);
	KUNIT_EXPECT_EQ(test, axvm_ept_walk(&ctx->ept, FIX_GPA + 0x6000, NULL,
					    NULL, NULL), -ENOENT);

	/* Read-only slot. */
	ctx->m.flags = AXVM_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, axvm_memslot_map_fault(&ctx->ept, &ctx->m,
						     FIX_GPA + 0x7000, false),
			0);
	expect_slot_mapped(test, ctx, FIX_GPA + 0x7000,
			   AXVM_EPT_R | AXVM_EPT_X, 1);
}

static void map_slot_test(struct kunit *test)
{
	struct page_ctx *ctx = page_ctx(test);
	struct axvm_memslot *m = &ctx->m;
	const u32 p = AXVM_EPT_RWX;
	u64 gpa;

	/* Eagerly, the whole slot: a 2M leaf, then contiguous runs. */
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m, m->gpa, m->size,
					       true), 0);
	for (gpa = m->gpa; gpa < m->gpa + SZ_2M; gpa += SZ_4K)
		expect_slot_mapped(test, ctx, gpa, p, 2);
	for (; gpa < m->gpa + m->size; gpa += SZ_4K)
		expect_slot_mapped(test, ctx, gpa, p, 1);
	/* Again: all there already. */
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m, m->gpa, m->size,
					       true), 0);
	/* Read-only now: every leaf changes (1 large + 512 small). */
	m->flags = AXVM_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m, m->gpa, m->size,
					       true), 1 + 512);
	expect_slot_mapped(test, ctx, m->gpa + m->size - SZ_4K,
			   AXVM_EPT_R | AXVM_EPT_X, 1);

	/* Ranges outside the slot, misaligned or empty. */
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m, m->gpa - SZ_4K,
					       SZ_8K, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m, m->gpa,
					       m->size + SZ_4K, true),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m,
					       m->gpa + m->size - SZ_4K,
					       SZ_8K, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m, m->gpa + 1,
					       SZ_4K, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_memslot_map(&ctx->ept, m, m->gpa, 0, true),
			-EINVAL);
}

static struct kunit_case axvm_memslot_cases[] = {
	KUNIT_CASE(check_good_test),
	KUNIT_CASE(check_slot_flags_test),
	KUNIT_CASE(check_delete_test),
	KUNIT_CASE(check_alignment_test),
	KUNIT_CASE(check_range_test),
	KUNIT_CASE(check_overlap_test),
	KUNIT_CASE(check_total_test),
	KUNIT_CASE(set_test),
	KUNIT_CASE(find_test),
	KUNIT_CASE(ept_prot_test),
	{}
};

static struct kunit_suite axvm_memslot_suite = {
	.name = "axvm_memslot",
	.test_cases = axvm_memslot_cases,
};

static struct kunit_case axvm_memslot_pages_cases[] = {
	KUNIT_CASE(gpa_to_page_test),
	KUNIT_CASE(can_map_2m_test),
	KUNIT_CASE(map_fault_test),
	KUNIT_CASE(map_slot_test),
	{}
};

static struct kunit_suite axvm_memslot_pages_suite = {
	.name = "axvm_memslot_pages",
	.init = page_test_init,
	.exit = page_test_exit,
	.test_cases = axvm_memslot_pages_cases,
};

kunit_test_suites(&axvm_memslot_suite, &axvm_memslot_pages_suite);

MODULE_DESCRIPTION("KUnit tests for axvm guest memory slots");
MODULE_LICENSE("GPL");
