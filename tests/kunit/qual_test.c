// SPDX-License-Identifier: GPL-2.0
/* KUnit tests for module/vmx/qual.h: exit-qualification decoding. */
#include <kunit/test.h>

#include "vmx/qual.h"

static void io_qualification(struct kunit *test)
{
	/* OUT DX, AL to 0x3f8: size 0 (1 byte), OUT, not string, DX. */
	struct axvm_io_qual q = axvm_decode_io_qual(0x03f80000);

	KUNIT_EXPECT_EQ(test, q.port, 0x3f8);
	KUNIT_EXPECT_EQ(test, q.width, 1);
	KUNIT_EXPECT_FALSE(test, q.in);
	KUNIT_EXPECT_FALSE(test, q.string);
	KUNIT_EXPECT_FALSE(test, q.imm);
	/* IN EAX, 0x60 (imm): size 3 (4 bytes), IN, operand imm. */
	q = axvm_decode_io_qual(0x00600000 | 3 | BIT(3) | BIT(6));
	KUNIT_EXPECT_EQ(test, q.port, 0x60);
	KUNIT_EXPECT_EQ(test, q.width, 4);
	KUNIT_EXPECT_TRUE(test, q.in);
	KUNIT_EXPECT_TRUE(test, q.imm);
	/* REP INSW from 0xffff. */
	q = axvm_decode_io_qual(0xffff0000ull | 1 | BIT(3) | BIT(4) | BIT(5));
	KUNIT_EXPECT_EQ(test, q.port, 0xffff);
	KUNIT_EXPECT_EQ(test, q.width, 2);
	KUNIT_EXPECT_TRUE(test, q.string);
	KUNIT_EXPECT_TRUE(test, q.rep);
	/* Bits above 31 are reserved and ignored. */
	q = axvm_decode_io_qual(0xdead000000100000ull);
	KUNIT_EXPECT_EQ(test, q.port, 0x10);
}

static void cr_qualification(struct kunit *test)
{
	/* MOV CR4, RBX: CR 4, type 0, GPR 3. */
	struct axvm_cr_qual q = axvm_decode_cr_qual(4 | (3 << 8));

	KUNIT_EXPECT_EQ(test, q.cr, 4);
	KUNIT_EXPECT_EQ(test, q.type, AXVM_CR_MOV_TO);
	KUNIT_EXPECT_EQ(test, q.gpr, 3);
	/* MOV R15, CR8. */
	q = axvm_decode_cr_qual(8 | (1 << 4) | (15 << 8));
	KUNIT_EXPECT_EQ(test, q.cr, 8);
	KUNIT_EXPECT_EQ(test, q.type, AXVM_CR_MOV_FROM);
	KUNIT_EXPECT_EQ(test, q.gpr, 15);
	/* LMSW 0x0011. */
	q = axvm_decode_cr_qual((3 << 4) | (0x11 << 16));
	KUNIT_EXPECT_EQ(test, q.type, AXVM_CR_LMSW);
	KUNIT_EXPECT_EQ(test, q.lmsw_src, 0x11);
	q = axvm_decode_cr_qual(2 << 4);
	KUNIT_EXPECT_EQ(test, q.type, AXVM_CR_CLTS);
}

static void ept_qualification(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, axvm_ept_qual_access(BIT(0)), (u32)AXVM_ACCESS_READ);
	KUNIT_EXPECT_EQ(test, axvm_ept_qual_access(BIT(1)), (u32)AXVM_ACCESS_WRITE);
	KUNIT_EXPECT_EQ(test, axvm_ept_qual_access(BIT(2)), (u32)AXVM_ACCESS_EXEC);
	/* Bits 3-5 say what the page allowed, not what was done. */
	KUNIT_EXPECT_EQ(test, axvm_ept_qual_access(BIT(1) | BIT(3) | BIT(4)),
			(u32)AXVM_ACCESS_WRITE);
	KUNIT_EXPECT_TRUE(test, axvm_ept_qual_data_access(BIT(7) | BIT(8) | 1));
	/* Paging-structure access during the walk: bit 8 clear. */
	KUNIT_EXPECT_FALSE(test, axvm_ept_qual_data_access(BIT(7) | 1));
	/* No linear address (e.g. event delivery through the IDT). */
	KUNIT_EXPECT_FALSE(test, axvm_ept_qual_data_access(BIT(8) | 1));
}

static struct kunit_case qual_cases[] = {
	KUNIT_CASE(io_qualification),
	KUNIT_CASE(cr_qualification),
	KUNIT_CASE(ept_qualification),
	{}
};

static struct kunit_suite qual_suite = {
	.name = "axvm_vmx_qual",
	.test_cases = qual_cases,
};
kunit_test_suite(qual_suite);
