// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/io/lapic_regs.c: local APIC priorities, the
 * timer divider, LVT layout, logical destinations and the x2APIC MSR map
 * (SDM Vol. 3A, chapter 10).
 */
#include <kunit/test.h>
#include <linux/bitmap.h>

#include "io/lapic.h"

static void highest_vector(struct kunit *test)
{
	DECLARE_BITMAP(r, 256);

	bitmap_zero(r, 256);
	KUNIT_EXPECT_EQ(test, axvm_lapic_highest(r), -1);
	set_bit(0x20, r);
	KUNIT_EXPECT_EQ(test, axvm_lapic_highest(r), 0x20);
	set_bit(0xff, r);
	KUNIT_EXPECT_EQ(test, axvm_lapic_highest(r), 0xff);
	clear_bit(0xff, r);
	set_bit(0x41, r);
	KUNIT_EXPECT_EQ(test, axvm_lapic_highest(r), 0x41);
}

/* 10.8.3.1: PPR from TPR and the highest in-service vector. */
static void processor_priority(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, axvm_lapic_ppr(0, -1), 0u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_ppr(0x25, -1), 0x25u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_ppr(0x25, 0x31), 0x30u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_ppr(0x35, 0x31), 0x35u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_ppr(0x30, 0x3f), 0x30u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_ppr(0x1ff, -1), 0xffu);
}

/* Only a higher priority class than PPR's is dispatched. */
static void deliverable(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, axvm_lapic_deliverable(-1, 0));
	KUNIT_EXPECT_TRUE(test, axvm_lapic_deliverable(0x20, 0));
	KUNIT_EXPECT_TRUE(test, axvm_lapic_deliverable(0x20, 0x1f));
	KUNIT_EXPECT_FALSE(test, axvm_lapic_deliverable(0x2f, 0x20));
	KUNIT_EXPECT_FALSE(test, axvm_lapic_deliverable(0x2f, 0x2f));
	KUNIT_EXPECT_TRUE(test, axvm_lapic_deliverable(0x30, 0x2f));
	/* The in-service vector blocks its own class. */
	KUNIT_EXPECT_FALSE(test, axvm_lapic_deliverable(0x41,
							axvm_lapic_ppr(0, 0x40)));
	KUNIT_EXPECT_TRUE(test, axvm_lapic_deliverable(0x51,
						       axvm_lapic_ppr(0, 0x40)));
}

/* Figure 10-10: bits 0, 1 and 3 select the divider. */
static void timer_divisor(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0x0), 2u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0x1), 4u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0x2), 8u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0x3), 16u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0x8), 32u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0x9), 64u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0xa), 128u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0xb), 1u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_divisor(0x4), 2u);	/* bit 2 ignored */
}

static void lvt_layout(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_index(LAPIC_REG_LVT_TIMER), 0);
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_index(LAPIC_REG_LVT_ERROR), 5);
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_index(LAPIC_REG_LVT_CMCI), 6);
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_index(LAPIC_REG_TMICT), -1);
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_index(LAPIC_REG_ICR_LO), -1);
	/* Timer: vector, mask, mode; never delivery status (bit 12). */
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_mask(LAPIC_REG_LVT_TIMER), 0x700ffu);
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_mask(LAPIC_REG_LVT_ERROR), 0x100ffu);
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_mask(LAPIC_REG_LVT_LINT0) & BIT(12), 0u);
	KUNIT_EXPECT_EQ(test, axvm_lapic_lvt_mask(LAPIC_REG_LVT_LINT0), 0x1a7ffu);
}

/* 10.6.2.2 (flat, cluster) and 10.12.10.2 (x2APIC cluster). */
static void logical_destination(struct kunit *test)
{
	/* flat: LDR bit set in the 8-bit destination */
	KUNIT_EXPECT_TRUE(test, axvm_lapic_match_logical(false, 0x02000000,
							 0xffffffff, 0x03));
	KUNIT_EXPECT_FALSE(test, axvm_lapic_match_logical(false, 0x04000000,
							  0xffffffff, 0x03));
	/* cluster: same cluster nibble and a common member bit */
	KUNIT_EXPECT_TRUE(test, axvm_lapic_match_logical(false, 0x21000000,
							 0x0fffffff, 0x23));
	KUNIT_EXPECT_FALSE(test, axvm_lapic_match_logical(false, 0x31000000,
							  0x0fffffff, 0x23));
	KUNIT_EXPECT_FALSE(test, axvm_lapic_match_logical(false, 0x24000000,
							  0x0fffffff, 0x23));
	/* x2APIC: LDR from the ID, cluster in the high half */
	KUNIT_EXPECT_EQ(test, axvm_x2apic_ldr(0), 0x00000001u);
	KUNIT_EXPECT_EQ(test, axvm_x2apic_ldr(5), 0x00000020u);
	KUNIT_EXPECT_EQ(test, axvm_x2apic_ldr(0x13), 0x00010008u);
	KUNIT_EXPECT_TRUE(test, axvm_lapic_match_logical(true, axvm_x2apic_ldr(0x13),
							 0, 0x0001000c));
	KUNIT_EXPECT_FALSE(test, axvm_lapic_match_logical(true, axvm_x2apic_ldr(0x13),
							  0, 0x0000000c));
}

static void x2apic_msr_map(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, axvm_lapic_msr_offset(0x7ff), -1);
	KUNIT_EXPECT_EQ(test, axvm_lapic_msr_offset(0x900), -1);
	KUNIT_EXPECT_EQ(test, axvm_lapic_msr_offset(0x802), LAPIC_REG_ID);
	KUNIT_EXPECT_EQ(test, axvm_lapic_msr_offset(0x80b), LAPIC_REG_EOI);
	KUNIT_EXPECT_EQ(test, axvm_lapic_msr_offset(0x830), LAPIC_REG_ICR_LO);
	KUNIT_EXPECT_EQ(test, axvm_lapic_msr_offset(0x832), LAPIC_REG_LVT_TIMER);
	KUNIT_EXPECT_EQ(test, axvm_lapic_msr_offset(0x83f), LAPIC_REG_SELF_IPI);
}

static struct kunit_case lapic_cases[] = {
	KUNIT_CASE(highest_vector),
	KUNIT_CASE(processor_priority),
	KUNIT_CASE(deliverable),
	KUNIT_CASE(timer_divisor),
	KUNIT_CASE(lvt_layout),
	KUNIT_CASE(logical_destination),
	KUNIT_CASE(x2apic_msr_map),
	{}
};

static struct kunit_suite lapic_suite = {
	.name = "axvm_lapic",
	.test_cases = lapic_cases,
};
kunit_test_suite(lapic_suite);
