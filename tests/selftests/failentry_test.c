// SPDX-License-Identifier: GPL-2.0
/*
 * failentry_test: invalid guest state set with AXVM_SET_SREGS makes VM
 * entry fail. AXVM_RUN must then return (0) with an AXVM_EXIT_FAIL_ENTRY
 * record whose hardware_entry_failure_reason is 33 ("VM-entry failure due
 * to invalid guest state", bit 31 of the exit reason stripped), and the VM
 * must stay usable: after a valid state is set again the guest runs to its
 * HLT. Other vCPUs and VMs are not affected meanwhile.
 *
 * Every invalid state below is one the SDM's guest-state checks (Vol. 3C,
 * 27.3.1) reject and that Bochs' VMX emulation (the test machine) checks
 * too. States that are inconsistent beyond the segment/TR access rights
 * (CR0.PG without PE, IA-32e mode without PAE) may instead be refused by
 * AXVM_SET_SREGS with EINVAL, as KVM does.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "axvm_test.h"

enum { MODE_PM32, MODE_LONG };

static void cs_system(struct axvm_sregs *s)	{ s->cs.s = 0; }
static void cs_not_present(struct axvm_sregs *s) { s->cs.present = 0; }
/* Limit 0xffffffff cannot be byte granular (bits 31:20 set needs G=1). */
static void cs_limit_not_g(struct axvm_sregs *s) { s->cs.g = 0; }
/* Type 1: read-only data, not allowed for CS. */
static void cs_data_type(struct axvm_sregs *s)	{ s->cs.type = 1; }
/* Type 9: an available (not busy) TSS. */
static void tr_not_busy(struct axvm_sregs *s)	{ s->tr.type = 9; }
static void tr_unusable(struct axvm_sregs *s)	{ s->tr.unusable = 1; }
/* 64-bit code segment with D/B set as well. */
static void cs_l_and_db(struct axvm_sregs *s)	{ s->cs.db = 1; }
static void cr0_pg_without_pe(struct axvm_sregs *s)
{
	s->cr0 = (s->cr0 | X86_CR0_PG) & ~X86_CR0_PE;
}
static void long_without_pae(struct axvm_sregs *s) { s->cr4 &= ~X86_CR4_PAE; }

FIXTURE(failentry)
{
	struct axvm_vm *vm;
};

FIXTURE_VARIANT(failentry)
{
	int mode;
	void (*mutate)(struct axvm_sregs *sregs);
	bool may_reject_early;
};

FIXTURE_VARIANT_ADD(failentry, cs_system) {
	.mode = MODE_PM32, .mutate = cs_system,
};
FIXTURE_VARIANT_ADD(failentry, cs_not_present) {
	.mode = MODE_PM32, .mutate = cs_not_present,
};
FIXTURE_VARIANT_ADD(failentry, cs_limit_not_g) {
	.mode = MODE_PM32, .mutate = cs_limit_not_g,
};
FIXTURE_VARIANT_ADD(failentry, cs_data_type) {
	.mode = MODE_PM32, .mutate = cs_data_type,
};
FIXTURE_VARIANT_ADD(failentry, tr_not_busy) {
	.mode = MODE_PM32, .mutate = tr_not_busy,
};
FIXTURE_VARIANT_ADD(failentry, tr_unusable) {
	.mode = MODE_PM32, .mutate = tr_unusable,
};
FIXTURE_VARIANT_ADD(failentry, long_cs_l_and_db) {
	.mode = MODE_LONG, .mutate = cs_l_and_db,
};
FIXTURE_VARIANT_ADD(failentry, cr0_pg_without_pe) {
	.mode = MODE_PM32, .mutate = cr0_pg_without_pe, .may_reject_early = true,
};
FIXTURE_VARIANT_ADD(failentry, long_without_pae) {
	.mode = MODE_LONG, .mutate = long_without_pae, .may_reject_early = true,
};

/* Nothing that can SKIP here: 6.1's harness would still run the test. */
FIXTURE_SETUP(failentry)
{
	self->vm = NULL;
}

FIXTURE_TEARDOWN(failentry)
{
	axvm_vm_free(self->vm);
}

/* A vCPU of vm at the "magic" entry of the mode's guest; returns the entry. */
static uint64_t setup_magic(struct axvm_vcpu *vcpu, int mode)
{
	if (mode == MODE_PM32) {
		axvm_load_image(vcpu->vm, &axvm_guest32);
		axvm_vcpu_setup_pm32(vcpu, G32_MAGIC);
		return G32_MAGIC;
	}
	axvm_load_image(vcpu->vm, &axvm_guest64);
	axvm_vcpu_setup_long(vcpu, G64_MAGIC);
	return G64_MAGIC;
}

/* Run: the entry fails for invalid guest state and nothing ran. */
static void expect_fail_entry(struct __test_metadata *_metadata,
			      struct axvm_vcpu *vcpu, uint64_t entry)
{
	const struct axvm_exit *e = &vcpu->run->exit;
	struct axvm_regs regs;

	axvm_vcpu_run(vcpu);
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_FAIL_ENTRY);
	EXPECT_EQ(VMX_EXIT_INVALID_GUEST_STATE, e->u.fail_entry.hardware_entry_failure_reason)
		axvm_dump_exit(stderr, e);
	EXPECT_EQ(VMX_EXIT_INVALID_GUEST_STATE, e->basic_reason);
	EXPECT_EQ(vcpu->id, e->vcpu_id);
	TH_LOG("FAIL_ENTRY: reason %llu, qualification 0x%llx",
	       (unsigned long long)e->u.fail_entry.hardware_entry_failure_reason,
	       (unsigned long long)e->u.fail_entry.qualification);
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(entry, regs.rip);
}

/* Valid state again: the guest runs to its HLT. */
static void expect_recovers(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
			    const struct axvm_sregs *good, uint64_t entry)
{
	axvm_vcpu_set_sregs(vcpu, good);
	axvm_vcpu_set_rip(vcpu, entry);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
}

TEST_F(failentry, fail_then_recover)
{
	struct axvm_sregs good, bad;
	struct axvm_vcpu *vcpu;
	uint64_t entry;
	int r;

	if (variant->mode == MODE_PM32)
		AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	else
		AXVM_REQUIRE();
	self->vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	vcpu = axvm_vcpu_add(self->vm, 0);
	entry = setup_magic(vcpu, variant->mode);
	axvm_vcpu_get_sregs(vcpu, &good);
	bad = good;
	variant->mutate(&bad);

	r = ioctl(vcpu->fd, AXVM_SET_SREGS, &bad);
	if (r) {
		int err = errno;

		ASSERT_TRUE(variant->may_reject_early)
			TH_LOG("AXVM_SET_SREGS refused the state (errno %d): it must reach VM entry",
			       err);
		ASSERT_EQ(EINVAL, err);
		TH_LOG("AXVM_SET_SREGS refused the state up front (EINVAL)");
	} else {
		/* Twice: a failed entry leaves nothing behind that changes the next. */
		expect_fail_entry(_metadata, vcpu, entry);
		expect_fail_entry(_metadata, vcpu, entry);
	}
	expect_recovers(_metadata, vcpu, &good, entry);
	/* And once more through the same failure and back. */
	if (!r) {
		axvm_vcpu_set_rip(vcpu, entry);
		axvm_vcpu_set_sregs(vcpu, &bad);
		expect_fail_entry(_metadata, vcpu, entry);
		expect_recovers(_metadata, vcpu, &good, entry);
	}
}

/*
 * A failed entry on one vCPU leaves another vCPU of the same VM and another
 * VM alone (long mode: no capability needed).
 */
TEST(others_unaffected)
{
	struct axvm_vcpu *a0, *a1 = NULL, *b0;
	struct axvm_sregs good, bad;
	struct axvm_vm *a, *b;
	uint64_t entry;

	AXVM_REQUIRE();
	a = axvm_vm_create(AXVM_DEFAULT_RAM);
	b = axvm_vm_create(AXVM_DEFAULT_RAM);
	a0 = axvm_vcpu_add(a, 0);
	entry = setup_magic(a0, MODE_LONG);
	if (a->caps.max_vcpus >= 2) {
		a1 = axvm_vcpu_add(a, 1);
		setup_magic(a1, MODE_LONG);
	} else {
		TH_LOG("max_vcpus %u: no second vCPU", a->caps.max_vcpus);
	}
	b0 = axvm_vcpu_add(b, 0);
	setup_magic(b0, MODE_LONG);

	axvm_vcpu_get_sregs(a0, &good);
	bad = good;
	cs_system(&bad);
	axvm_vcpu_set_sregs(a0, &bad);
	expect_fail_entry(_metadata, a0, entry);

	if (a1) {
		ASSERT_RUN_REPORT(a1, GUEST_MAGIC);
		ASSERT_RUN_DONE(a1);
		ASSERT_RUN_HALT(a1);
	}
	ASSERT_RUN_REPORT(b0, GUEST_MAGIC);
	ASSERT_RUN_DONE(b0);
	ASSERT_RUN_HALT(b0);

	expect_recovers(_metadata, a0, &good, entry);
	axvm_vm_free(a);
	axvm_vm_free(b);
}

TEST_HARNESS_MAIN
