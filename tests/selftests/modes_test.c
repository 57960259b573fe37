// SPDX-License-Identifier: GPL-2.0
/*
 * modes_test: a real-mode, a 32-bit protected-mode and a 64-bit long-mode
 * guest each sum 1..n (n handed over in RCX with AXVM_SET_REGS), report the
 * sum with a 32-bit OUT to UCALL_PORT_REPORT and HLT. The host checks the
 * IO_WRITE record (port, width 4, data, and the VMX details), the HALT
 * record, and the registers read back with AXVM_GET_REGS/AXVM_GET_SREGS.
 * Also: register state round-trips through SET/GET for every mode.
 */
#include <string.h>

#include "axvm_test.h"

/* Details of the IO_WRITE exit of "out %eax, $UCALL_PORT_REPORT" at out_rip. */
static void check_out_exit(struct __test_metadata *_metadata,
			   struct axvm_vcpu *vcpu, uint64_t out_rip,
			   unsigned int out_len)
{
	const struct axvm_exit *e = &vcpu->run->exit;
	/* Size 4 (3 = size - 1), OUT, not string, not REP, immediate port. */
	uint64_t qual = 3 | (1 << 6) | ((uint64_t)UCALL_PORT_REPORT << 16);

	EXPECT_EQ(VMX_EXIT_IO_INSTRUCTION, e->basic_reason);
	EXPECT_EQ(qual, e->qualification);
	EXPECT_EQ(out_rip, e->guest_rip);
	EXPECT_EQ(vcpu->id, e->vcpu_id);
	EXPECT_EQ(0U, e->flags & ~AXVM_EXIT_F_POSTED);
	if (e->inst_len) {
		EXPECT_EQ(out_len, e->inst_len);
	}
}

static void check_hlt_exit(struct __test_metadata *_metadata,
			   struct axvm_vcpu *vcpu, uint64_t hlt_rip)
{
	const struct axvm_exit *e = &vcpu->run->exit;

	EXPECT_EQ(VMX_EXIT_HLT, e->basic_reason);
	EXPECT_EQ(hlt_rip, e->guest_rip);
	EXPECT_EQ(vcpu->id, e->vcpu_id);
	if (e->inst_len) {
		EXPECT_EQ(1, e->inst_len);
	}
}

static void set_rcx(struct axvm_vcpu *vcpu, uint64_t rcx)
{
	struct axvm_regs regs;

	axvm_vcpu_get_regs(vcpu, &regs);
	regs.rcx = rcx;
	axvm_vcpu_set_regs(vcpu, &regs);
}

/*
 * The real-mode guest entered as cs_sel:ip where cs_sel << 4 + ip is the
 * linear address the image was linked for; RIP values are offsets into CS.
 */
static void run_real_mode(struct __test_metadata *_metadata, uint16_t cs_sel)
{
	uint64_t cs_base = (uint64_t)cs_sel << 4;
	struct axvm_sregs sregs;
	struct axvm_regs regs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest16);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_real(vcpu, cs_sel, G16_SUM - cs_base);
	set_rcx(vcpu, 100);

	ASSERT_RUN_REPORT(vcpu, 5050);
	check_out_exit(_metadata, vcpu, G16_SUM_OUT - cs_base, 3);	/* 66 e7 10 */
	ASSERT_RUN_HALT(vcpu);
	check_hlt_exit(_metadata, vcpu, G16_SUM_HLT - cs_base);

	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(5050ULL, regs.rax);
	EXPECT_EQ(G16_RBX_VALUE, regs.rbx);
	EXPECT_EQ(0ULL, regs.rcx);
	EXPECT_EQ(G16_SUM_AFTER_HLT - cs_base, regs.rip);
	EXPECT_EQ(GPA_STACK16_TOP, regs.rsp);
	EXPECT_EQ(X86_RFLAGS_FIXED, regs.rflags & X86_RFLAGS_FIXED);
	/* The store through DS = SEG16_TEST_SEG went to (DS << 4) + offset. */
	EXPECT_EQ(G16_SEG_VALUE, *(uint32_t *)axvm_gpa2hva(vm, GPA_SEG16_TEST, 4));

	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(0ULL, sregs.cr0 & (X86_CR0_PE | X86_CR0_PG));
	EXPECT_EQ(cs_sel, sregs.cs.selector);
	EXPECT_EQ(cs_base, sregs.cs.base);
	/* The guest reloaded DS with 0: the base follows the selector. */
	EXPECT_EQ(0, sregs.ds.selector);
	EXPECT_EQ(0ULL, sregs.ds.base);
	EXPECT_EQ(0ULL, sregs.efer & EFER_LMA);

	axvm_vm_free(vm);
}

TEST(real_mode)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	run_real_mode(_metadata, 0);
}

/* Same code with CS = 0x0100 (base 0x1000), IP = offset into CS. */
TEST(real_mode_cs_base)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	run_real_mode(_metadata, GUEST16_LOAD_GPA >> 4);
}

TEST(protected_mode_32)
{
	struct axvm_sregs sregs;
	struct axvm_regs regs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	/* Protected mode without paging needs unrestricted guest. */
	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest32);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_pm32(vcpu, G32_SUM);
	set_rcx(vcpu, 1000);

	ASSERT_RUN_REPORT(vcpu, 500500);
	check_out_exit(_metadata, vcpu, G32_SUM_OUT, 2);		/* e7 10 */
	ASSERT_RUN_HALT(vcpu);
	check_hlt_exit(_metadata, vcpu, G32_SUM_HLT);

	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(500500ULL, regs.rax);
	EXPECT_EQ(G32_RBX_VALUE, regs.rbx);
	EXPECT_EQ(0ULL, regs.rcx);
	EXPECT_EQ(G32_SUM_AFTER_HLT, regs.rip);
	EXPECT_EQ(GPA_STACK_TOP, regs.rsp);

	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(X86_CR0_PE, sregs.cr0 & (X86_CR0_PE | X86_CR0_PG));
	EXPECT_EQ(SEL_CODE32, sregs.cs.selector);
	EXPECT_EQ(1, sregs.cs.db);
	EXPECT_EQ(SEL_DATA, sregs.ss.selector);
	EXPECT_EQ(0ULL, sregs.efer & EFER_LMA);

	axvm_vm_free(vm);
}

TEST(long_mode_64)
{
	/* 1 + ... + 100000 = 5000050000 needs more than 32 bits. */
	const uint64_t n = 100000, sum = n * (n + 1) / 2;
	struct axvm_sregs sregs;
	struct axvm_regs regs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(vcpu, G64_SUM);
	set_rcx(vcpu, n);

	/* A 32-bit OUT carries EAX only, whatever RAX's upper half holds. */
	ASSERT_RUN_REPORT(vcpu, (uint32_t)sum);
	check_out_exit(_metadata, vcpu, G64_SUM_OUT, 2);		/* e7 10 */
	ASSERT_RUN_HALT(vcpu);
	check_hlt_exit(_metadata, vcpu, G64_SUM_HLT);

	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(sum | G64_RAX_HIGH, regs.rax);
	EXPECT_EQ(G64_RBX_VALUE, regs.rbx);
	EXPECT_EQ(G64_R15_VALUE, regs.r15);
	EXPECT_EQ(0ULL, regs.rcx);
	EXPECT_EQ(G64_SUM_AFTER_HLT, regs.rip);
	EXPECT_EQ(GPA_STACK_TOP, regs.rsp);

	axvm_vcpu_get_sregs(vcpu, &sregs);
	EXPECT_EQ(X86_CR0_PE | X86_CR0_PG, sregs.cr0 & (X86_CR0_PE | X86_CR0_PG));
	EXPECT_EQ(EFER_LME | EFER_LMA, sregs.efer & (EFER_LME | EFER_LMA));
	EXPECT_EQ(X86_CR4_PAE, sregs.cr4 & X86_CR4_PAE);
	EXPECT_EQ((uint64_t)GPA_PML4, sregs.cr3);
	EXPECT_EQ(SEL_CODE64, sregs.cs.selector);
	EXPECT_EQ(1, sregs.cs.l);
	EXPECT_EQ(0, sregs.cs.db);

	axvm_vm_free(vm);
}

/* Running a halted guest again resumes after the HLT (and halts again). */
TEST(halt_and_resume)
{
	struct axvm_regs regs;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	int i;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(vcpu, G64_MAGIC);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	ASSERT_RUN_DONE(vcpu);
	for (i = 0; i < 3; i++) {
		ASSERT_RUN_HALT(vcpu);
		axvm_vcpu_get_regs(vcpu, &regs);
		ASSERT_EQ(G64_MAGIC_AFTER_HLT, regs.rip);
	}
	/* And a new entry point works on the same vCPU. */
	axvm_vcpu_set_rip(vcpu, G64_MAGIC);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	axvm_vm_free(vm);
}

TEST(regs_roundtrip)
{
	struct axvm_regs in, out;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint64_t *p;
	unsigned int i;

	AXVM_REQUIRE();
	vm = axvm_vm_create(0);
	vcpu = axvm_vcpu_add(vm, 0);
	p = (uint64_t *)&in;
	for (i = 0; i < sizeof(in) / sizeof(*p); i++)
		p[i] = 0x0101010101010101ULL * (i + 1) ^ 0x8000000000000000ULL;
	in.rip = 0x12345678;		/* canonical, unlike the pattern */
	in.rflags = X86_RFLAGS_FIXED | (1 << 2) | (1 << 6);	/* PF, ZF */
	axvm_vcpu_set_regs(vcpu, &in);
	memset(&out, 0xa5, sizeof(out));
	axvm_vcpu_get_regs(vcpu, &out);
	for (i = 0; i < sizeof(in) / sizeof(*p); i++) {
		EXPECT_EQ(p[i], ((uint64_t *)&out)[i])
			TH_LOG("register #%u of struct axvm_regs", i);
	}
	axvm_vm_free(vm);
}

static void expect_same_segment(struct __test_metadata *_metadata, const char *name,
				const struct axvm_segment *a, const struct axvm_segment *b)
{
	if (a->unusable) {
		EXPECT_EQ(1, b->unusable) TH_LOG("%s", name);
		return;
	}
	EXPECT_EQ(a->base, b->base) TH_LOG("%s.base", name);
	EXPECT_EQ(a->limit, b->limit) TH_LOG("%s.limit", name);
	EXPECT_EQ(a->selector, b->selector) TH_LOG("%s.selector", name);
	EXPECT_EQ(a->type, b->type) TH_LOG("%s.type", name);
	EXPECT_EQ(a->s, b->s) TH_LOG("%s.s", name);
	EXPECT_EQ(a->dpl, b->dpl) TH_LOG("%s.dpl", name);
	EXPECT_EQ(a->present, b->present) TH_LOG("%s.present", name);
	EXPECT_EQ(a->l, b->l) TH_LOG("%s.l", name);
	EXPECT_EQ(a->db, b->db) TH_LOG("%s.db", name);
	EXPECT_EQ(a->g, b->g) TH_LOG("%s.g", name);
	EXPECT_EQ(0, b->unusable) TH_LOG("%s.unusable", name);
	EXPECT_EQ(0, b->pad) TH_LOG("%s.pad", name);
}

static void sregs_roundtrip(struct __test_metadata *_metadata,
			    void (*fill)(struct axvm_sregs *))
{
	struct axvm_sregs in, out;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	unsigned int i;
	const uint64_t cr0_bits = X86_CR0_PE | X86_CR0_PG;

	vm = axvm_vm_create(0);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_get_sregs(vcpu, &in);
	fill(&in);
	axvm_vcpu_set_sregs(vcpu, &in);
	memset(&out, 0xa5, sizeof(out));
	axvm_vcpu_get_sregs(vcpu, &out);
	expect_same_segment(_metadata, "cs", &in.cs, &out.cs);
	expect_same_segment(_metadata, "ds", &in.ds, &out.ds);
	expect_same_segment(_metadata, "es", &in.es, &out.es);
	expect_same_segment(_metadata, "fs", &in.fs, &out.fs);
	expect_same_segment(_metadata, "gs", &in.gs, &out.gs);
	expect_same_segment(_metadata, "ss", &in.ss, &out.ss);
	expect_same_segment(_metadata, "tr", &in.tr, &out.tr);
	expect_same_segment(_metadata, "ldt", &in.ldt, &out.ldt);
	EXPECT_EQ(in.gdt.base, out.gdt.base);
	EXPECT_EQ(in.gdt.limit, out.gdt.limit);
	EXPECT_EQ(in.idt.base, out.idt.base);
	EXPECT_EQ(in.idt.limit, out.idt.limit);
	EXPECT_EQ(in.cr0 & cr0_bits, out.cr0 & cr0_bits);
	EXPECT_EQ(in.cr3, out.cr3);
	EXPECT_EQ(in.cr4 & X86_CR4_PAE, out.cr4 & X86_CR4_PAE);
	EXPECT_EQ(in.efer & (EFER_LME | EFER_LMA), out.efer & (EFER_LME | EFER_LMA));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, out.gdt.pad[i]);
		EXPECT_EQ(0, out.idt.pad[i]);
	}
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0ULL, out.reserved[i]);
	}
	if (!_metadata->passed) {
		TH_LOG("set:");
		axvm_dump_sregs(stderr, &in);
		TH_LOG("got:");
		axvm_dump_sregs(stderr, &out);
	}
	axvm_vm_free(vm);
}

static void fill_real(struct axvm_sregs *sregs)
{
	axvm_sregs_real(sregs, 0x1234);
}

TEST(sregs_roundtrip_real)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	sregs_roundtrip(_metadata, fill_real);
}

TEST(sregs_roundtrip_pm32)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	sregs_roundtrip(_metadata, axvm_sregs_pm32);
}

TEST(sregs_roundtrip_long)
{
	AXVM_REQUIRE();
	sregs_roundtrip(_metadata, axvm_sregs_long);
}

TEST_HARNESS_MAIN
