// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the exit ring's producer (module/exit/ring_buf.c and the
 * index helpers in exit/ring.h) against a simulated consumer, and for the
 * posted-range table (module/exit/posted.c).
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/slab.h>

#include "exit/posted.h"
#include "exit/ring.h"

#define NR 16

static struct axvm_ring *ring_alloc(struct kunit *test, u32 start)
{
	struct axvm_ring *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->hdr = kunit_kzalloc(test, sizeof(*r->hdr), GFP_KERNEL);
	r->entries = kunit_kcalloc(test, NR, sizeof(*r->entries), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->hdr);
	KUNIT_ASSERT_NOT_NULL(test, r->entries);
	r->nr = NR;
	/* Both sides start at the same (possibly near-wrapping) index. */
	r->prod = r->cons = start;
	r->hdr->prod = r->hdr->cons = start;
	return r;
}

static struct axvm_exit io_write(u32 data)
{
	struct axvm_exit e = { .kind = AXVM_EXIT_IO_WRITE };

	e.u.io_write.port = 0xe0;
	e.u.io_write.width = 4;
	e.u.io_write.data = data;
	return e;
}

/* The consumer: take every published record, check order, finish them. */
static u32 consume(struct kunit *test, struct axvm_ring *r, u32 *next)
{
	u32 prod = smp_load_acquire(&r->hdr->prod), cons = r->hdr->cons, n = 0;

	for (; cons != prod; cons++, n++) {
		struct axvm_ring_entry *s = &r->entries[cons & (NR - 1)];

		KUNIT_EXPECT_EQ(test, s->seq, cons);
		KUNIT_EXPECT_EQ(test, s->exit.u.io_write.data, (u64)*next);
		(*next)++;
	}
	smp_store_release(&r->hdr->cons, cons);
	return n;
}

static void index_arithmetic(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, axvm_ring_used(5, 5), 0U);
	KUNIT_EXPECT_EQ(test, axvm_ring_used(2, 0xfffffffeU), 4U);
	KUNIT_EXPECT_TRUE(test, axvm_ring_is_full(0x0000000cU, 0xfffffffcU, NR));
	KUNIT_EXPECT_FALSE(test, axvm_ring_is_full(0x0000000bU, 0xfffffffcU, NR));
	KUNIT_EXPECT_EQ(test, axvm_ring_slot(0xffffffffU, NR), 15U);
	KUNIT_EXPECT_EQ(test, axvm_ring_slot(0x10U, NR), 0U);
	/* The consumer may stay, move up to the producer, never beyond. */
	KUNIT_EXPECT_TRUE(test, axvm_ring_cons_valid(3, 0xfffffffeU, 0xfffffffeU));
	KUNIT_EXPECT_TRUE(test, axvm_ring_cons_valid(3, 0xfffffffeU, 3));
	KUNIT_EXPECT_TRUE(test, axvm_ring_cons_valid(3, 0xfffffffeU, 1));
	KUNIT_EXPECT_FALSE(test, axvm_ring_cons_valid(3, 0xfffffffeU, 4));
	KUNIT_EXPECT_FALSE(test, axvm_ring_cons_valid(3, 0xfffffffeU, 0xfffffffdU));
	/* done(): the consumer is past the record. */
	KUNIT_EXPECT_TRUE(test, axvm_ring_done(0, 0xffffffffU));
	KUNIT_EXPECT_FALSE(test, axvm_ring_done(0xffffffffU, 0xffffffffU));
}

static void fill_drain_wrap(struct kunit *test)
{
	struct axvm_ring *r = ring_alloc(test, 0xfffffff8U);
	struct axvm_exit e;
	u32 sent = 0, next = 0, i;

	/* Fill: exactly NR records fit, the next is refused. */
	for (i = 0; i < NR; i++) {
		e = io_write(sent++);
		KUNIT_ASSERT_EQ(test, axvm_ring_produce(r, &e, true), 0);
	}
	e = io_write(sent);
	KUNIT_EXPECT_EQ(test, axvm_ring_produce(r, &e, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, r->hdr->prod, 0xfffffff8U + NR);
	KUNIT_EXPECT_EQ(test, consume(test, r, &next), (u32)NR);
	/* Across the u32 wrap, in partial batches: order is kept. */
	for (i = 0; i < 10 * NR; i++) {
		e = io_write(sent);
		if (axvm_ring_produce(r, &e, true) == -ENOSPC) {
			consume(test, r, &next);
			KUNIT_ASSERT_EQ(test, axvm_ring_produce(r, &e, true), 0);
		}
		sent++;
		if (i % 7 == 0)
			consume(test, r, &next);
	}
	consume(test, r, &next);
	KUNIT_EXPECT_EQ(test, next, sent);
	KUNIT_EXPECT_EQ(test, r->hdr->posted, (u64)sent);
	KUNIT_EXPECT_EQ(test, r->entries[0].exit.flags, (u32)AXVM_EXIT_F_POSTED);
}

static void posted_then_read_order(struct kunit *test)
{
	struct axvm_ring *r = ring_alloc(test, 0);
	struct axvm_exit e = io_write(0), rd = { .kind = AXVM_EXIT_IO_READ };
	u32 i;

	for (i = 0; i < 5; i++) {
		e = io_write(i);
		KUNIT_ASSERT_EQ(test, axvm_ring_produce(r, &e, true), 0);
	}
	KUNIT_ASSERT_EQ(test, axvm_ring_produce(r, &rd, false), 0);
	/* The read sits behind the five writes and is not marked posted. */
	KUNIT_EXPECT_EQ(test, r->entries[5].exit.kind, (u32)AXVM_EXIT_IO_READ);
	KUNIT_EXPECT_EQ(test, r->entries[5].exit.flags, 0U);
	KUNIT_EXPECT_EQ(test, r->entries[5].seq, 5U);
	KUNIT_EXPECT_EQ(test, r->hdr->posted, 5ULL);
	KUNIT_EXPECT_FALSE(test, axvm_ring_done(r->hdr->cons, 5));
	r->hdr->cons = 6;
	KUNIT_EXPECT_EQ(test, axvm_ring_update_cons(r), 0);
	KUNIT_EXPECT_TRUE(test, axvm_ring_done(r->cons, 5));
}

static void broken_consumer(struct kunit *test)
{
	struct axvm_ring *r = ring_alloc(test, 100);
	struct axvm_exit e = io_write(1);

	KUNIT_ASSERT_EQ(test, axvm_ring_produce(r, &e, false), 0);
	r->hdr->cons = 102;		/* past the producer */
	KUNIT_EXPECT_EQ(test, axvm_ring_produce(r, &e, false), -EPROTO);
	r->hdr->cons = 99;		/* backwards */
	KUNIT_EXPECT_EQ(test, axvm_ring_update_cons(r), -EPROTO);
	KUNIT_EXPECT_EQ(test, r->cons, 100U);	/* the last good one stays */
	KUNIT_EXPECT_EQ(test, r->prod, 101U);
	r->hdr->cons = 101;
	KUNIT_EXPECT_EQ(test, axvm_ring_produce(r, &e, false), 0);
}

static int add(struct axvm_posted_table *t, u8 bus, u32 flags, u64 base,
	       u64 len)
{
	struct axvm_posted_range u = { .bus = bus, .flags = flags,
				       .base = base, .len = len };
	int ret = axvm_posted_check(&u);

	return ret ? ret : axvm_posted_table_apply(t, &u);
}

static void posted_table(struct kunit *test)
{
	struct axvm_posted_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_PIO, 0, 0x3f8, 8), 0);
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_MMIO, 0, 0xfe000000, 0x1000), 0);
	KUNIT_EXPECT_TRUE(test, axvm_posted_table_match(t, AXVM_POSTED_PIO, 0x3f8, 1));
	KUNIT_EXPECT_TRUE(test, axvm_posted_table_match(t, AXVM_POSTED_PIO, 0x3fc, 4));
	/* Straddling the end, another bus, zero width: not posted. */
	KUNIT_EXPECT_FALSE(test, axvm_posted_table_match(t, AXVM_POSTED_PIO, 0x3fe, 4));
	KUNIT_EXPECT_FALSE(test, axvm_posted_table_match(t, AXVM_POSTED_MMIO, 0x3f8, 1));
	KUNIT_EXPECT_FALSE(test, axvm_posted_table_match(t, AXVM_POSTED_PIO, 0x3f8, 0));
	KUNIT_EXPECT_TRUE(test, axvm_posted_table_match(t, AXVM_POSTED_MMIO,
							0xfe000ff8, 8));
	KUNIT_EXPECT_FALSE(test, axvm_posted_table_match(t, AXVM_POSTED_MMIO,
							 ~0ULL, 8));
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_PIO, 0, 0x3ff, 2), -EEXIST);
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_PIO, 0, 0x10000, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_MMIO, 0, ~0ULL, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, add(t, 7, 0, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_PIO, AXVM_POSTED_F_REMOVE,
				  0x3f8, 4), -ENOENT);
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_PIO, AXVM_POSTED_F_REMOVE,
				  0x3f8, 8), 0);
	KUNIT_EXPECT_FALSE(test, axvm_posted_table_match(t, AXVM_POSTED_PIO, 0x3f8, 1));
	for (i = 1; i < AXVM_MAX_POSTED_RANGES; i++)
		KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_PIO, 0, i * 16, 16), 0);
	KUNIT_EXPECT_EQ(test, add(t, AXVM_POSTED_PIO, 0, 0x1000, 1), -ENOSPC);
}

static struct kunit_case ring_cases[] = {
	KUNIT_CASE(index_arithmetic),
	KUNIT_CASE(fill_drain_wrap),
	KUNIT_CASE(posted_then_read_order),
	KUNIT_CASE(broken_consumer),
	KUNIT_CASE(posted_table),
	{}
};

static struct kunit_suite ring_suite = {
	.name = "axvm_ring",
	.test_cases = ring_cases,
};
kunit_test_suite(ring_suite);
