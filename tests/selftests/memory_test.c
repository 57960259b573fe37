// SPDX-License-Identifier: GPL-2.0
/*
 * memory_test: guest memory is the caller's memory, and only that VM's.
 *  - guest stores a pattern (in two memory slots); the host sees it in its
 *    mappings, and nothing outside the written range changes;
 *  - host stores values, the guest reads and reports them, including a
 *    value the host changes while the guest is stopped at an exit;
 *  - two VMs with different memory at the same GPAs do not see each
 *    other's stores;
 *  - a store to a GPA with no memory slot ends in an exit naming that GPA;
 *  - a read-only slot can be read but not written;
 *  - a deleted slot is gone for the guest at once, and new memory put in
 *    its place is what the guest sees next.
 * The guests run in 32-bit protected mode without paging (guests/guest32.S),
 * so GPA = linear address and only axvm's EPT translates.
 */
#include <string.h>

#include "axvm_test.h"

/* A second memory slot, away from slot 0's RAM at GPA 0. */
#define SLOT1		1
#define SLOT1_GPA	0x1000000ULL	/* 16 MiB */
#define SLOT1_SIZE	SZ_2M

static struct axvm_vcpu *pm32_vm(uint64_t entry, struct axvm_vm **vmp)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest32);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_pm32(vcpu, entry);
	*vmp = vm;
	return vcpu;
}

static void set_inputs(struct axvm_vcpu *vcpu, uint64_t rip, uint64_t rdi,
		       uint64_t rsi, uint64_t rcx, uint64_t rdx, uint64_t rbx)
{
	struct axvm_regs regs;

	axvm_vcpu_get_regs(vcpu, &regs);
	regs.rip = rip;
	regs.rflags = X86_RFLAGS_FIXED;
	regs.rdi = rdi;
	regs.rsi = rsi;
	regs.rcx = rcx;
	regs.rdx = rdx;
	regs.rbx = rbx;
	axvm_vcpu_set_regs(vcpu, &regs);
}

static uint32_t pattern_value(uint64_t gpa, uint32_t seed)
{
	return (uint32_t)gpa * (uint32_t)PATTERN_MUL + seed;
}

/*
 * Guest "pattern" over [gpa, gpa + 4 * count) with seed; then check every
 * dword through the host mapping, and that the dwords just outside the
 * range are still zero.
 */
static void guest_pattern(struct __test_metadata *_metadata, struct axvm_vm *vm,
			  struct axvm_vcpu *vcpu, uint64_t gpa, uint32_t count,
			  uint32_t seed)
{
	uint32_t *hva = axvm_gpa2hva(vm, gpa, 4ULL * count);
	uint32_t i, bad = 0;

	set_inputs(vcpu, G32_PATTERN, gpa, 0, count, seed, 0);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	for (i = 0; i < count; i++) {
		uint32_t want = pattern_value(gpa + 4ULL * i, seed);

		if (hva[i] != want && bad++ < 8)
			TH_LOG("GPA 0x%llx: host sees 0x%08x, guest stored 0x%08x",
			       (unsigned long long)(gpa + 4ULL * i), hva[i], want);
	}
	ASSERT_EQ(0U, bad);
	EXPECT_EQ(0U, *(uint32_t *)axvm_gpa2hva(vm, gpa - 4, 4));
	EXPECT_EQ(0U, *(uint32_t *)axvm_gpa2hva(vm, gpa + 4ULL * count, 4));
}

TEST(guest_writes_host_sees)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_PATTERN, &vm);
	axvm_vm_add_region(vm, SLOT1, SLOT1_GPA, SLOT1_SIZE);

	/* 64 KiB of slot 0: 16 pages. */
	guest_pattern(_metadata, vm, vcpu, GPA_SCRATCH + 0x40, 0x4000, 0x1234567);
	/* Slot 1, starting 8 bytes before a page boundary. */
	guest_pattern(_metadata, vm, vcpu, SLOT1_GPA + 0x3ff8, 0x2000, 0x89abcdef);
	/* The last page of slot 0's RAM. */
	guest_pattern(_metadata, vm, vcpu, AXVM_DEFAULT_RAM - 0x1000, 0x3ff, 0x55aa55aa);
	axvm_vm_free(vm);
}

TEST(host_writes_guest_sees)
{
	const uint64_t value_gpa = GPA_SCRATCH;
	/* 256 dwords straddling a page boundary of slot 1. */
	const uint64_t array_gpa = SLOT1_GPA + 0x1c00;
	const uint32_t count = 256;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t *value, *array, sum = 0, i;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_READBACK, &vm);
	axvm_vm_add_region(vm, SLOT1, SLOT1_GPA, SLOT1_SIZE);
	value = axvm_gpa2hva(vm, value_gpa, 4);
	array = axvm_gpa2hva(vm, array_gpa, 4ULL * count);

	*value = 0xfeedc0de;
	for (i = 0; i < count; i++) {
		array[i] = i * i * 2654435761U + 7;
		sum += array[i];
	}
	set_inputs(vcpu, G32_READBACK, value_gpa, array_gpa, count, 0, 0);

	ASSERT_RUN_REPORT(vcpu, 0xfeedc0de);
	/* The guest is stopped between its two loads: change the value. */
	*value = 0x0badf00d;
	ASSERT_RUN_REPORT(vcpu, 0x0badf00d);
	ASSERT_RUN_REPORT(vcpu, sum);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
}

/*
 * Two VMs, each with its own RAM at GPA 0, run the same code storing a
 * different value at the same GPA; both are stopped after the store before
 * either reads it back.
 */
TEST(two_vms_isolated)
{
	const uint64_t gpa = GPA_SCRATCH + 0x100;
	const uint32_t val[2] = { 0xaaaaaaaa, 0xbbbbbbbb };
	struct axvm_vcpu *vcpu[2];
	struct axvm_vm *vm[2];
	int i;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	for (i = 0; i < 2; i++) {
		vcpu[i] = pm32_vm(G32_STORE_LOAD, &vm[i]);
		set_inputs(vcpu[i], G32_STORE_LOAD, gpa, 0, 0, 0, val[i]);
	}
	for (i = 0; i < 2; i++)
		ASSERT_RUN_DONE(vcpu[i]);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(val[i], *(uint32_t *)axvm_gpa2hva(vm[i], gpa, 4))
			TH_LOG("VM %d's memory", i);
		/* Nothing else of the VM's scratch area was touched. */
		EXPECT_EQ(0U, *(uint32_t *)axvm_gpa2hva(vm[i], gpa + 4, 4));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_RUN_REPORT(vcpu[i], val[i]);
		ASSERT_RUN_HALT(vcpu[i]);
	}
	for (i = 0; i < 2; i++)
		axvm_vm_free(vm[i]);
}

/*
 * Same GPA, both VMs alive, host memory filled differently beforehand:
 * each guest reads its own VM's memory.
 */
TEST(two_vms_read_own_memory)
{
	const uint64_t gpa = GPA_SCRATCH + 0x2000;
	const uint32_t val[2] = { 0x11111111, 0x22222222 };
	struct axvm_vcpu *vcpu[2];
	struct axvm_vm *vm[2];
	int i;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	for (i = 0; i < 2; i++) {
		vcpu[i] = pm32_vm(G32_READBACK, &vm[i]);
		*(uint32_t *)axvm_gpa2hva(vm[i], gpa, 4) = val[i];
		set_inputs(vcpu[i], G32_READBACK, gpa, gpa, 1, 0, 0);
	}
	for (i = 0; i < 2; i++)
		ASSERT_RUN_REPORT(vcpu[i], val[i]);
	for (i = 0; i < 2; i++) {
		ASSERT_RUN_REPORT(vcpu[i], val[i]);
		ASSERT_RUN_REPORT(vcpu[i], val[i]);	/* sum of one dword */
		ASSERT_RUN_DONE(vcpu[i]);
		ASSERT_RUN_HALT(vcpu[i]);
	}
	for (i = 0; i < 2; i++)
		axvm_vm_free(vm[i]);
}

/*
 * A store to a GPA that no slot covers cannot complete: axvm reports it,
 * either decoded (MMIO_WRITE: address, width, data) or as a nested page
 * fault (address, write access). Either way the address must be exact.
 */
TEST(unbacked_store_exits)
{
	const uint64_t gpa = 0x3000000ULL + 0x123 * 4;	/* 48 MiB: no slot */
	const struct axvm_exit *e;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_STORE_LOAD, &vm);
	set_inputs(vcpu, G32_STORE_LOAD, gpa, 0, 0, 0, 0x5eed5eed);
	axvm_vcpu_run(vcpu);
	e = &vcpu->run->exit;
	if (e->kind == AXVM_EXIT_MMIO_WRITE) {
		EXPECT_EQ(gpa, e->u.mmio_write.addr);
		EXPECT_EQ(AXVM_WIDTH_DWORD, e->u.mmio_write.width);
		EXPECT_EQ(0x5eed5eedULL, e->u.mmio_write.data);
	} else {
		ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_NESTED_PAGE_FAULT);
		EXPECT_EQ(gpa, e->u.nested_page_fault.addr);
		EXPECT_NE(0ULL, e->u.nested_page_fault.access_flags & AXVM_ACCESS_WRITE);
	}
	EXPECT_EQ(G32_STORE_LOAD, e->guest_rip);
	if (!_metadata->passed)
		axvm_dump_exit(stderr, e);
	axvm_vm_free(vm);
}

/*
 * AXVM_MEM_READONLY: the guest reads the slot; its store exits to
 * userspace (decoded MMIO_WRITE or NESTED_PAGE_FAULT with write access)
 * and does not reach the memory.
 */
TEST(readonly_slot)
{
	const uint64_t gpa = SLOT1_GPA + 0x100;
	const struct axvm_exit *e;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t *value;
	char *mem;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST | AXVM_CAP_READONLY_MEM);
	vcpu = pm32_vm(G32_READBACK, &vm);
	mem = axvm_alloc_mem(SLOT1_SIZE);
	value = (uint32_t *)(mem + (gpa - SLOT1_GPA));
	/* Written before registering: the pinned page is this one. */
	*value = 0xc0ffee11;
	axvm_vm_add_region_mem(vm, SLOT1, AXVM_MEM_READONLY, SLOT1_GPA, SLOT1_SIZE, mem);

	set_inputs(vcpu, G32_READBACK, gpa, gpa, 1, 0, 0);
	ASSERT_RUN_REPORT(vcpu, 0xc0ffee11);
	ASSERT_RUN_REPORT(vcpu, 0xc0ffee11);
	ASSERT_RUN_REPORT(vcpu, 0xc0ffee11);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);

	set_inputs(vcpu, G32_STORE_LOAD, gpa, 0, 0, 0, 0xbadbad);
	axvm_vcpu_run(vcpu);
	e = &vcpu->run->exit;
	if (e->kind == AXVM_EXIT_MMIO_WRITE) {
		EXPECT_EQ(gpa, e->u.mmio_write.addr);
		EXPECT_EQ(0xbadbadULL, e->u.mmio_write.data);
	} else {
		ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_NESTED_PAGE_FAULT);
		EXPECT_EQ(gpa, e->u.nested_page_fault.addr);
		EXPECT_NE(0ULL, e->u.nested_page_fault.access_flags & AXVM_ACCESS_WRITE);
	}
	EXPECT_EQ(0xc0ffee11U, *value);
	axvm_vm_free(vm);
}

/*
 * Deleting a slot takes its memory away from a running guest at once (no
 * stale EPT mapping): the next access exits; registering new memory in
 * the slot lets the same load complete with the new contents.
 */
TEST(slot_delete_and_replace)
{
	const uint64_t gpa = SLOT1_GPA + 0x100;
	const struct axvm_exit *e;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t *value;
	char *mem;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_READBACK, &vm);
	value = (uint32_t *)((char *)axvm_vm_add_region(vm, SLOT1, SLOT1_GPA, SLOT1_SIZE) +
			     (gpa - SLOT1_GPA));
	*value = 0x11112222;
	set_inputs(vcpu, G32_READBACK, gpa, GPA_SCRATCH, 1, 0, 0);
	*(uint32_t *)axvm_gpa2hva(vm, GPA_SCRATCH, 4) = 7;

	/* The first load maps the page into the EPT. */
	ASSERT_RUN_REPORT(vcpu, 0x11112222);
	axvm_vm_delete_region(vm, SLOT1);

	/* The second load finds nothing there. */
	axvm_vcpu_run(vcpu);
	e = &vcpu->run->exit;
	if (e->kind == AXVM_EXIT_MMIO_READ) {
		EXPECT_EQ(gpa, e->u.mmio_read.addr);
		TH_LOG("decoded as MMIO_READ: not continuing with a new slot");
		axvm_vm_free(vm);
		return;
	}
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_NESTED_PAGE_FAULT);
	EXPECT_EQ(gpa, e->u.nested_page_fault.addr);
	EXPECT_NE(0ULL, e->u.nested_page_fault.access_flags & AXVM_ACCESS_READ);

	/* New memory in the slot: the same load now completes from it. */
	mem = axvm_alloc_mem(SLOT1_SIZE);
	*(uint32_t *)(mem + (gpa - SLOT1_GPA)) = 0x33334444;
	axvm_vm_add_region_mem(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE, mem);
	ASSERT_RUN_REPORT(vcpu, 0x33334444);
	ASSERT_RUN_REPORT(vcpu, 7);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
