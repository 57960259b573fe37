// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for module/lib/cpuid.c: the default CPUID table built from
 * a fake host, filtering, lookup and validation.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lib/cpuid.h"

/* A fake host: max basic leaf 0xd, every register all-ones but leaf 0. */
static void fake_host(u32 fn, u32 idx, u32 *a, u32 *b, u32 *c, u32 *d)
{
	if (fn == 0) {
		*a = 0xd;
		memcpy(b, "Genu", 4);
		memcpy(d, "ineI", 4);
		memcpy(c, "ntel", 4);
		return;
	}
	if (fn == 0x80000000) {
		*a = 0x80000008;
		*b = *c = *d = 0;
		return;
	}
	*a = *b = *c = *d = 0xffffffff;
}

static const struct axvm_cpuid_policy no_xsave = { .xsave = false };
static const struct axvm_cpuid_policy xsave_avx = { .xsave = true, .xcr0 = 0x7 };

static struct axvm_cpuid_table *build(struct kunit *test,
				      const struct axvm_cpuid_policy *p)
{
	struct axvm_cpuid_table *t = axvm_cpuid_default(fake_host, p);

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

static void leaf1_hides_vmx_and_sets_hypervisor(struct kunit *test)
{
	struct axvm_cpuid_table *t = build(test, &no_xsave);
	const struct axvm_cpuid_entry *e = axvm_cpuid_lookup(t, 1, 0);

	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->ecx & BIT(5), 0u);	/* VMX */
	KUNIT_EXPECT_EQ(test, e->ecx & BIT(6), 0u);	/* SMX */
	KUNIT_EXPECT_EQ(test, e->ecx & BIT(26), 0u);	/* XSAVE, host has none */
	KUNIT_EXPECT_EQ(test, e->ecx & BIT(28), 0u);	/* AVX needs XSAVE */
	KUNIT_EXPECT_NE(test, e->ecx & BIT(31), 0u);	/* hypervisor */
	/* MCE, MCA: kept from the all-ones host (the MSRs are emulated). */
	KUNIT_EXPECT_EQ(test, e->edx & (BIT(7) | BIT(14)), BIT(7) | BIT(14));
	KUNIT_EXPECT_NE(test, e->edx & BIT(0), 0u);	/* FPU stays */
	KUNIT_EXPECT_EQ(test, e->ebx >> 16, 0u);	/* APIC ID: per vCPU */
	kfree(t);
}

static void xsave_policy_keeps_avx(struct kunit *test)
{
	struct axvm_cpuid_table *t = build(test, &xsave_avx);
	const struct axvm_cpuid_entry *e = axvm_cpuid_lookup(t, 1, 0);

	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_NE(test, e->ecx & BIT(26), 0u);
	KUNIT_EXPECT_NE(test, e->ecx & BIT(28), 0u);
	KUNIT_EXPECT_EQ(test, e->ecx & BIT(27), 0u);	/* OSXSAVE: dynamic */
	e = axvm_cpuid_lookup(t, 0xd, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax, 0x7u);		/* only allowed XCR0 */
	KUNIT_EXPECT_EQ(test, e->edx, 0u);
	e = axvm_cpuid_lookup(t, 0xd, 1);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax & BIT(3), 0u);	/* XSAVES */
	e = axvm_cpuid_lookup(t, 0xd, 5);		/* AVX-512 state: hidden */
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax, 0u);
	kfree(t);
}

static void leaf7_and_pmu_hidden(struct kunit *test)
{
	struct axvm_cpuid_table *t = build(test, &no_xsave);
	const struct axvm_cpuid_entry *e = axvm_cpuid_lookup(t, 7, 0);

	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->edx, 0u);		/* spec-ctrl MSRs */
	KUNIT_EXPECT_EQ(test, e->ebx & BIT(2), 0u);	/* SGX */
	KUNIT_EXPECT_EQ(test, e->ebx & BIT(25), 0u);	/* PT */
	KUNIT_EXPECT_EQ(test, e->ebx & BIT(5), 0u);	/* AVX2 w/o XSAVE */
	e = axvm_cpuid_lookup(t, 0xa, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax | e->ebx | e->ecx | e->edx, 0u);
	e = axvm_cpuid_lookup(t, 0x80000001, 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->edx & BIT(27), 0u);	/* RDTSCP */
	kfree(t);
}

static void vendor_leaf(struct kunit *test)
{
	struct axvm_cpuid_table *t = build(test, &no_xsave);
	const struct axvm_cpuid_entry *e = axvm_cpuid_lookup(t, 0x40000000, 0);

	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->eax, 0x40000000u);
	KUNIT_EXPECT_EQ(test, memcmp(&e->ebx, "axvm", 4), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&e->edx, "axvm", 4), 0);
	kfree(t);
}

static void lookup_subleaves(struct kunit *test)
{
	struct axvm_cpuid_table *t = build(test, &no_xsave);

	KUNIT_EXPECT_NOT_NULL(test, axvm_cpuid_lookup(t, 4, 3));
	KUNIT_EXPECT_NULL(test, axvm_cpuid_lookup(t, 4, 100));
	/* Leaf 2 has no subleaves: any ECX finds it. */
	KUNIT_EXPECT_NOT_NULL(test, axvm_cpuid_lookup(t, 2, 1234));
	KUNIT_EXPECT_NULL(test, axvm_cpuid_lookup(t, 0x20, 0));
	KUNIT_EXPECT_NOT_NULL(test, axvm_cpuid_lookup(t, 0x80000008, 0));
	KUNIT_EXPECT_NULL(test, axvm_cpuid_lookup(t, 0x80000009, 0));
	kfree(t);
}

static void validate(struct kunit *test)
{
	struct axvm_cpuid_entry e[2] = {};

	KUNIT_EXPECT_EQ(test, axvm_cpuid_validate(e, 2), 0);
	e[1].flags = AXVM_CPUID_F_INDEX;
	KUNIT_EXPECT_EQ(test, axvm_cpuid_validate(e, 2), 0);
	e[1].flags = 2;
	KUNIT_EXPECT_EQ(test, axvm_cpuid_validate(e, 2), -EINVAL);
	e[1].flags = 0;
	e[0].pad = 1;
	KUNIT_EXPECT_EQ(test, axvm_cpuid_validate(e, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_cpuid_validate(e, AXVM_MAX_CPUID_ENTRIES + 1),
			-E2BIG);
}

static struct kunit_case cpuid_cases[] = {
	KUNIT_CASE(leaf1_hides_vmx_and_sets_hypervisor),
	KUNIT_CASE(xsave_policy_keeps_avx),
	KUNIT_CASE(leaf7_and_pmu_hidden),
	KUNIT_CASE(vendor_leaf),
	KUNIT_CASE(lookup_subleaves),
	KUNIT_CASE(validate),
	{}
};

static struct kunit_suite cpuid_suite = {
	.name = "axvm_cpuid",
	.test_cases = cpuid_cases,
};
kunit_test_suite(cpuid_suite);
