// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/vmx/ctls.c: VMX control and CR0/CR4 fixed-bit
 * arithmetic. Runs under UML, so it uses its own bit definitions instead of
 * the x86 headers.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "vmx/ctls.h"

/* A capability MSR: allowed-0 settings in 31:0, allowed-1 in 63:32. */
#define CAP(may_be_one, must_be_one) \
	(((u64)(u32)(may_be_one) << 32) | (u32)(must_be_one))

/* Pin-based VM-execution controls, SDM Vol. 3C, Table 25-5. */
#define PIN_EXT_INTR		BIT(0)
#define PIN_NMI_EXITING		BIT(3)
#define PIN_VIRTUAL_NMIS	BIT(5)
#define PIN_PREEMPT_TIMER	BIT(6)
#define PIN_POSTED_INTR		BIT(7)

/* Primary processor-based VM-execution controls, Table 25-6. */
#define PROC_HLT_EXITING	BIT(7)
#define PROC_CR3_LOAD_EXITING	BIT(15)
#define PROC_CR3_STORE_EXITING	BIT(16)
#define PROC_UNCOND_IO_EXITING	BIT(24)
#define PROC_MSR_BITMAPS	BIT(28)
#define PROC_SECONDARY		BIT(31)

/* A Skylake IA32_VMX_TRUE_PINBASED_CTLS: default1 bits 1, 2, 4. */
#define SKL_TRUE_PIN		0x0000007f00000016ULL
/* Skylake-era IA32_VMX_PROCBASED_CTLS and its TRUE counterpart. */
#define SKL_PROC		0xfff9fffe0401e172ULL
#define SKL_TRUE_PROC		0xfff9fffe04006172ULL

#define CR0_PE			BIT_ULL(0)
#define CR0_ET			BIT_ULL(4)
#define CR0_NE			BIT_ULL(5)
#define CR0_NW			BIT_ULL(29)
#define CR0_CD			BIT_ULL(30)
#define CR0_PG			BIT_ULL(31)
#define CR0_RESET		(CR0_CD | CR0_NW | CR0_ET)	/* 0x60000010 */

#define CR4_PAE			BIT_ULL(5)
#define CR4_VMXE		BIT_ULL(13)
#define CR4_LA57		BIT_ULL(12)

/* Typical IA32_VMX_CR0_FIXED0/1 and a CR4_FIXED1 of a CPU without LA57. */
#define CR0_FIXED0		0x80000021ULL		/* PG | NE | PE */
#define CR0_FIXED1		0xffffffffULL
#define CR0_FIXED0_UG		(CR0_FIXED0 & ~(CR0_PE | CR0_PG))
#define CR4_FIXED0		0x00002000ULL		/* VMXE */
#define CR4_FIXED1		0x003767ffULL

struct adjust_case {
	const char *name;
	u64 cap;
	u32 required;
	u32 optional;
	int ret;
	u32 out;	/* only checked when ret == 0 */
};

static const struct adjust_case adjust_cases[] = {
	{
		.name = "must_be_one_forced",
		.cap = CAP(0xff, 0x16),
		.ret = 0,
		.out = 0x16,
	},
	{
		.name = "required_and_must_be_one_merge",
		.cap = CAP(0xff, 0x16),
		.required = 0x09,
		.ret = 0,
		.out = 0x1f,
	},
	{
		.name = "optional_dropped_when_not_allowed",
		.cap = CAP(0x0f, 0x00),
		.required = 0x01,
		.optional = 0xf2,
		.ret = 0,
		.out = 0x03,
	},
	{
		.name = "optional_kept_when_allowed",
		.cap = CAP(0xffffffff, 0x00),
		.required = 0x01,
		.optional = 0x80000000,
		.ret = 0,
		.out = 0x80000001,
	},
	{
		.name = "required_not_allowed",
		.cap = CAP(0x0f, 0x00),
		.required = 0x10,
		.ret = -EOPNOTSUPP,
	},
	{
		.name = "nothing_allowed_nothing_needed",
		.cap = 0,
		.optional = 0xffffffff,
		.ret = 0,
		.out = 0,
	},
	{
		.name = "nothing_allowed_bit31_needed",
		.cap = 0,
		.required = BIT(31),
		.ret = -EOPNOTSUPP,
	},
	{
		.name = "contradictory_msr",
		.cap = CAP(0x0f, 0x10),
		.ret = -EIO,
	},
	{
		.name = "contradictory_msr_bit31",
		.cap = CAP(0x7fffffff, 0x80000000),
		.required = 0x01,
		.ret = -EIO,
	},
	{
		.name = "skylake_pin_no_posted_interrupts",
		.cap = SKL_TRUE_PIN,
		.required = PIN_EXT_INTR | PIN_NMI_EXITING,
		.optional = PIN_VIRTUAL_NMIS | PIN_PREEMPT_TIMER |
			    PIN_POSTED_INTR,
		.ret = 0,
		.out = 0x7f,
	},
	{
		.name = "skylake_pin_posted_interrupts_required",
		.cap = SKL_TRUE_PIN,
		.required = PIN_EXT_INTR | PIN_POSTED_INTR,
		.ret = -EOPNOTSUPP,
	},
	{
		.name = "skylake_proc_cr3_exiting_forced",
		.cap = SKL_PROC,
		.required = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
			    PROC_MSR_BITMAPS | PROC_SECONDARY,
		.ret = 0,
		.out = 0x9501e1f2,
	},
	{
		.name = "skylake_true_proc_cr3_exiting_optional",
		.cap = SKL_TRUE_PROC,
		.required = PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
			    PROC_MSR_BITMAPS | PROC_SECONDARY,
		.ret = 0,
		.out = 0x950061f2,
	},
	{
		.name = "skylake_true_proc_bit0_not_allowed",
		.cap = SKL_TRUE_PROC,
		.optional = BIT(0) | BIT(17) | BIT(18),
		.ret = 0,
		.out = 0x04006172,
	},
};

static void adjust_case_desc(const struct adjust_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(adjust, adjust_cases, adjust_case_desc);

static void adjust_ctls_test(struct kunit *test)
{
	const struct adjust_case *c = test->param_value;
	u32 out = 0xdeadbeef;
	int ret;

	ret = axvm_vmx_adjust_ctls(c->cap, c->required, c->optional, &out);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, out, c->out);
	/* Whatever was chosen, the MSR itself must accept it. */
	KUNIT_EXPECT_EQ(test, out & (u32)c->cap, (u32)c->cap);
	KUNIT_EXPECT_EQ(test, out & ~(u32)(c->cap >> 32), 0U);
	KUNIT_EXPECT_EQ(test, out & c->required, c->required);
}

/* The TRUE MSR may clear default1 bits; axvm must then leave them off. */
static void adjust_ctls_true_msr_test(struct kunit *test)
{
	u32 plain, true_ctls;

	KUNIT_ASSERT_EQ(test, axvm_vmx_adjust_ctls(SKL_PROC, PROC_HLT_EXITING,
						   0, &plain), 0);
	KUNIT_ASSERT_EQ(test, axvm_vmx_adjust_ctls(SKL_TRUE_PROC,
						   PROC_HLT_EXITING, 0,
						   &true_ctls), 0);
	KUNIT_EXPECT_TRUE(test, plain & PROC_CR3_LOAD_EXITING);
	KUNIT_EXPECT_TRUE(test, plain & PROC_CR3_STORE_EXITING);
	KUNIT_EXPECT_FALSE(test, true_ctls & PROC_CR3_LOAD_EXITING);
	KUNIT_EXPECT_FALSE(test, true_ctls & PROC_CR3_STORE_EXITING);
	KUNIT_EXPECT_EQ(test, plain & ~(PROC_CR3_LOAD_EXITING |
					PROC_CR3_STORE_EXITING), true_ctls);
}

static void fixed_cr0_test(struct kunit *test)
{
	/* Without unrestricted guest CR0 must have PE, NE and PG. */
	KUNIT_EXPECT_EQ(test, axvm_vmx_fixed_cr(CR0_RESET, CR0_FIXED0,
						CR0_FIXED1),
			CR0_RESET | CR0_PE | CR0_NE | CR0_PG);
	/* With it, the caller drops PE and PG from fixed0: only NE is set. */
	KUNIT_EXPECT_EQ(test, axvm_vmx_fixed_cr(CR0_RESET, CR0_FIXED0_UG,
						CR0_FIXED1),
			0x60000030ULL);
	KUNIT_EXPECT_EQ(test, axvm_vmx_fixed_cr(0, 0, CR0_FIXED1), 0ULL);
	/* FIXED1 has bits 63:32 clear: they are forced to 0. */
	KUNIT_EXPECT_EQ(test, axvm_vmx_fixed_cr(BIT_ULL(32) | CR0_ET,
						CR0_FIXED0_UG, CR0_FIXED1),
			CR0_ET | CR0_NE);
}

static void fixed_cr4_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, axvm_vmx_fixed_cr(CR4_PAE, CR4_FIXED0,
						CR4_FIXED1),
			CR4_PAE | CR4_VMXE);
	/* LA57 is not in this CPU's FIXED1. */
	KUNIT_EXPECT_EQ(test, axvm_vmx_fixed_cr(CR4_PAE | CR4_LA57, CR4_FIXED0,
						CR4_FIXED1),
			CR4_PAE | CR4_VMXE);
}

static void cr0_valid_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, axvm_vmx_cr_valid(CR0_PE | CR0_NE | CR0_PG,
						  CR0_FIXED0, CR0_FIXED1));
	/* Real mode is only valid under unrestricted guest. */
	KUNIT_EXPECT_FALSE(test, axvm_vmx_cr_valid(CR0_NE | CR0_ET,
						   CR0_FIXED0, CR0_FIXED1));
	KUNIT_EXPECT_TRUE(test, axvm_vmx_cr_valid(CR0_NE | CR0_ET,
						  CR0_FIXED0_UG, CR0_FIXED1));
	KUNIT_EXPECT_TRUE(test, axvm_vmx_cr_valid(CR0_NE | CR0_PE,
						  CR0_FIXED0_UG, CR0_FIXED1));
	/* NE stays fixed even with unrestricted guest. */
	KUNIT_EXPECT_FALSE(test, axvm_vmx_cr_valid(CR0_RESET, CR0_FIXED0_UG,
						   CR0_FIXED1));
	KUNIT_EXPECT_FALSE(test, axvm_vmx_cr_valid(BIT_ULL(32) | CR0_NE,
						   CR0_FIXED0_UG, CR0_FIXED1));
}

static void cr4_valid_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, axvm_vmx_cr_valid(CR4_PAE | CR4_VMXE,
						  CR4_FIXED0, CR4_FIXED1));
	KUNIT_EXPECT_FALSE(test, axvm_vmx_cr_valid(CR4_PAE, CR4_FIXED0,
						   CR4_FIXED1));
	KUNIT_EXPECT_FALSE(test, axvm_vmx_cr_valid(CR4_PAE | CR4_VMXE |
						   CR4_LA57, CR4_FIXED0,
						   CR4_FIXED1));
}

/* Whatever the input, the fixed value is valid and fixing is idempotent. */
static void fixed_cr_is_valid_test(struct kunit *test)
{
	static const u64 values[] = {
		0, CR0_RESET, CR0_PE | CR0_PG, BIT_ULL(32), BIT_ULL(63),
		~0ULL, CR4_LA57 | CR4_PAE,
	};
	static const u64 fixed[][2] = {
		{ CR0_FIXED0, CR0_FIXED1 },
		{ CR0_FIXED0_UG, CR0_FIXED1 },
		{ CR4_FIXED0, CR4_FIXED1 },
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		for (j = 0; j < ARRAY_SIZE(values); j++) {
			u64 f0 = fixed[i][0], f1 = fixed[i][1];
			u64 v = axvm_vmx_fixed_cr(values[j], f0, f1);

			KUNIT_EXPECT_TRUE_MSG(test, axvm_vmx_cr_valid(v, f0, f1),
					      "value %#llx fixed %#llx/%#llx",
					      values[j], f0, f1);
			KUNIT_EXPECT_EQ(test, axvm_vmx_fixed_cr(v, f0, f1), v);
		}
	}
}

static struct kunit_case axvm_vmx_ctls_cases[] = {
	KUNIT_CASE_PARAM(adjust_ctls_test, adjust_gen_params),
	KUNIT_CASE(adjust_ctls_true_msr_test),
	KUNIT_CASE(fixed_cr0_test),
	KUNIT_CASE(fixed_cr4_test),
	KUNIT_CASE(cr0_valid_test),
	KUNIT_CASE(cr4_valid_test),
	KUNIT_CASE(fixed_cr_is_valid_test),
	{}
};

static struct kunit_suite axvm_vmx_ctls_suite = {
	.name = "axvm_vmx_ctls",
	.test_cases = axvm_vmx_ctls_cases,
};

kunit_test_suite(axvm_vmx_ctls_suite);

MODULE_DESCRIPTION("KUnit tests for axvm VMX control arithmetic");
MODULE_LICENSE("GPL");
