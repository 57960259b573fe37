// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/io/ioapic_regs.c: the 82093AA's indirect
 * registers, redirection-table write masks, edge and level pins, masking,
 * remote IRR and re-delivery after EOI, and the wired-OR of a line's
 * sources (Documentation/ioapic.rst).
 */
#include <kunit/test.h>

#include "io/ioapic.h"

#define LO(pin)	(IOAPIC_REG_REDIR + 2 * (pin))
#define HI(pin)	(IOAPIC_REG_REDIR + 2 * (pin) + 1)

static void power_up(struct kunit *test)
{
	struct axvm_ioapic_state s;
	int i;

	axvm_ioapic_reset(&s);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, IOAPIC_REG_VERSION), 0x170020u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, IOAPIC_REG_ID), 0u);
	for (i = 0; i < AXVM_IOAPIC_PINS; i++) {
		KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(i)), 0x10000u);
		KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, HI(i)), 0u);
	}
	/* Past the last entry: reads 0, writes change nothing. */
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(24)), 0u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_write(&s, LO(24), 0x30), 0u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, 0x03), 0u);
}

static void id_and_write_masks(struct kunit *test)
{
	struct axvm_ioapic_state s;

	axvm_ioapic_reset(&s);
	axvm_ioapic_write(&s, IOAPIC_REG_ID, 0xff00ffff);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, IOAPIC_REG_ID), 0x0f000000u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, IOAPIC_REG_ARB), 0x0f000000u);
	axvm_ioapic_write(&s, IOAPIC_REG_VERSION, 0);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, IOAPIC_REG_VERSION), 0x170020u);
	/* Delivery status (12) and remote IRR (14) are read-only. */
	axvm_ioapic_write(&s, LO(3), 0xffffffff);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(3)), 0x1afffu);
	axvm_ioapic_write(&s, HI(3), 0xffffffff);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, HI(3)), 0xff000000u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(4)), 0x10000u);
}

static void message_fields(struct kunit *test)
{
	struct axvm_ioapic_state s;
	struct axvm_apic_msg m;

	axvm_ioapic_reset(&s);
	/* vector 0x31, lowest priority, logical, active low, level */
	axvm_ioapic_write(&s, LO(9), 0x31 | 1 << 8 | 1 << 11 | 1 << 13 | 1 << 15);
	axvm_ioapic_write(&s, HI(9), 0x03000000);
	axvm_ioapic_msg(&s, 9, &m);
	KUNIT_EXPECT_EQ(test, m.vector, 0x31);
	KUNIT_EXPECT_EQ(test, m.mode, IOAPIC_DM_LOWEST);
	KUNIT_EXPECT_TRUE(test, m.logical);
	KUNIT_EXPECT_TRUE(test, m.level);
	KUNIT_EXPECT_EQ(test, m.dest, 3u);
	axvm_ioapic_write(&s, LO(9), 0x40 | IOAPIC_DM_NMI << 8);
	axvm_ioapic_msg(&s, 9, &m);
	KUNIT_EXPECT_EQ(test, m.mode, IOAPIC_DM_NMI);
	KUNIT_EXPECT_FALSE(test, m.logical);
	KUNIT_EXPECT_FALSE(test, m.level);
}

static void edge_pin(struct kunit *test)
{
	struct axvm_ioapic_state s;

	axvm_ioapic_reset(&s);
	axvm_ioapic_write(&s, LO(2), 0x30);	/* edge, unmasked */
	KUNIT_EXPECT_TRUE(test, axvm_ioapic_set_line(&s, 2, 0, true));
	/* Still high: no new edge. */
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 2, 0, true));
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 2, 0, false));
	KUNIT_EXPECT_TRUE(test, axvm_ioapic_set_line(&s, 2, 0, true));
	axvm_ioapic_accepted(&s, 2);		/* edge: no remote IRR */
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(2)), 0x30u);
	axvm_ioapic_set_line(&s, 2, 0, false);
	/* Masked: the edge is lost, also when unmasked later. */
	axvm_ioapic_write(&s, LO(2), 0x10030);
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 2, 0, true));
	KUNIT_EXPECT_EQ(test, axvm_ioapic_write(&s, LO(2), 0x30), 0u);
}

static void level_pin_remote_irr(struct kunit *test)
{
	struct axvm_ioapic_state s;

	axvm_ioapic_reset(&s);
	axvm_ioapic_write(&s, LO(9), 0x8041);	/* level, vector 0x41 */
	KUNIT_EXPECT_TRUE(test, axvm_ioapic_set_line(&s, 9, 0, true));
	axvm_ioapic_accepted(&s, 9);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(9)), 0xc041u);
	/* Remote IRR set: a repeated assert sends nothing. */
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 9, 0, true));
	/* Software cannot clear remote IRR by writing the entry. */
	KUNIT_EXPECT_EQ(test, axvm_ioapic_write(&s, LO(9), 0x8041), 0u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(9)), 0xc041u);
	/* EOI of another vector: nothing. */
	KUNIT_EXPECT_EQ(test, axvm_ioapic_eoi_vector(&s, 0x42), 0u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(9)), 0xc041u);
	/* EOI with the line still asserted: clear and send again. */
	KUNIT_EXPECT_EQ(test, axvm_ioapic_eoi_vector(&s, 0x41), BIT(9));
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(9)), 0x8041u);
	axvm_ioapic_accepted(&s, 9);
	/* De-asserted before the EOI: cleared, nothing sent. */
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 9, 0, false));
	KUNIT_EXPECT_EQ(test, axvm_ioapic_eoi_vector(&s, 0x41), 0u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(9)), 0x8041u);
}

static void level_pin_masking(struct kunit *test)
{
	struct axvm_ioapic_state s;

	axvm_ioapic_reset(&s);
	axvm_ioapic_write(&s, LO(5), 0x18050);	/* level, masked */
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 5, 0, true));
	/* Unmasking an asserted level line sends it. */
	KUNIT_EXPECT_EQ(test, axvm_ioapic_write(&s, LO(5), 0x8050), BIT(5));
	axvm_ioapic_accepted(&s, 5);
	/* Masked while in service: EOI clears remote IRR, nothing sent. */
	axvm_ioapic_write(&s, LO(5), 0x18050);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_eoi_vector(&s, 0x50), 0u);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(5)), 0x18050u);
	/* Switching to edge drops a remote IRR. */
	axvm_ioapic_write(&s, LO(5), 0x8050);
	axvm_ioapic_accepted(&s, 5);
	axvm_ioapic_write(&s, LO(5), 0x0050);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(5)), 0x50u);
	/* NMI level entries never set remote IRR (no EOI comes). */
	axvm_ioapic_write(&s, LO(5), 0x8000 | IOAPIC_DM_NMI << 8);
	axvm_ioapic_accepted(&s, 5);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_read(&s, LO(5)) & 0x4000, 0u);
}

/* Two sources on one level line: asserted until both let go. */
static void shared_line(struct kunit *test)
{
	struct axvm_ioapic_state s;

	axvm_ioapic_reset(&s);
	axvm_ioapic_write(&s, LO(11), 0x8060);
	KUNIT_EXPECT_TRUE(test, axvm_ioapic_set_line(&s, 11, 0, true));
	axvm_ioapic_accepted(&s, 11);
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 11, 31, true));
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 11, 0, false));
	/* Source 31 still asserts: the EOI sends again. */
	KUNIT_EXPECT_EQ(test, axvm_ioapic_eoi_vector(&s, 0x60), BIT(11));
	axvm_ioapic_accepted(&s, 11);
	axvm_ioapic_set_line(&s, 11, 31, false);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_eoi_vector(&s, 0x60), 0u);
	/* Edge: a second source asserting a high line is no new edge. */
	axvm_ioapic_write(&s, LO(12), 0x61);
	KUNIT_EXPECT_TRUE(test, axvm_ioapic_set_line(&s, 12, 1, true));
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 12, 2, true));
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 12, 1, false));
	KUNIT_EXPECT_FALSE(test, axvm_ioapic_set_line(&s, 12, 2, false));
	KUNIT_EXPECT_TRUE(test, axvm_ioapic_set_line(&s, 12, 2, true));
}

/* One EOI serves every level pin sharing the vector. */
static void eoi_several_pins(struct kunit *test)
{
	struct axvm_ioapic_state s;

	axvm_ioapic_reset(&s);
	axvm_ioapic_write(&s, LO(16), 0x8070);
	axvm_ioapic_write(&s, LO(17), 0x8070);
	axvm_ioapic_write(&s, LO(18), 0x8071);
	axvm_ioapic_set_line(&s, 16, 0, true);
	axvm_ioapic_set_line(&s, 17, 0, true);
	axvm_ioapic_set_line(&s, 18, 0, true);
	axvm_ioapic_accepted(&s, 16);
	axvm_ioapic_accepted(&s, 17);
	axvm_ioapic_accepted(&s, 18);
	KUNIT_EXPECT_EQ(test, axvm_ioapic_eoi_vector(&s, 0x70), BIT(16) | BIT(17));
	KUNIT_EXPECT_NE(test, axvm_ioapic_read(&s, LO(18)) & 0x4000, 0u);
}

static struct kunit_case ioapic_cases[] = {
	KUNIT_CASE(power_up),
	KUNIT_CASE(id_and_write_masks),
	KUNIT_CASE(message_fields),
	KUNIT_CASE(edge_pin),
	KUNIT_CASE(level_pin_remote_irr),
	KUNIT_CASE(level_pin_masking),
	KUNIT_CASE(shared_line),
	KUNIT_CASE(eoi_several_pins),
	{}
};

static struct kunit_suite ioapic_suite = {
	.name = "axvm_ioapic",
	.test_cases = ioapic_cases,
};
kunit_test_suite(ioapic_suite);
