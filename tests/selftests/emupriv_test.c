// SPDX-License-Identifier: GPL-2.0
/*
 * emupriv_test: accesses the kernel emulates for a guest have the privilege
 * of the instruction (Documentation/hardening.rst, "Emulated accesses").
 * REP OUTS/INS (port exits) and MOVS with an MMIO operand are completed
 * by axvm, which walks the guest's page tables for the memory side; a
 * ring-3 process must not read or write guest-kernel memory that way
 * (the bug class of CVE-2010-0298 in KVM), and SMAP binds kernel code.
 *
 *   user_string_io_and_movs  ring 3 (entered by IRETQ, IOPL 3): REP OUTSB
 *                            from, REP INSB and MOVSB from a user MMIO page
 *                            into a supervisor page each get #PF with
 *                            CR2 and error code P|U or P|W|U, nothing
 *                            leaves or lands; the same on a user page work
 *   smap_string_io_and_movs  ring 0 with CR4.SMAP: MOVSB from MMIO and REP
 *                            INSB into a user page get #PF(P|W) with
 *                            RFLAGS.AC = 0 and work with STAC
 *
 * Guest-physical layout (4 MiB RAM, the library's GDT, TSS and identity
 * map, made user-accessible only where the 4 KiB table below says):
 *   0x000000-0x1fffff  supervisor: GDT, TSS, page tables, kernel stack
 *   EP_CODE  0x200000  user: the code below (kernel and user parts)
 *   EP_KDATA 0x202000  supervisor: the data ring 3 must not reach
 *   EP_UDATA 0x203000  user data
 *   EP_USTK  0x205000  top of the user stack (page 0x204000, user)
 *   EP_IDT   0x206000  supervisor: 32 gates
 *   EP_MMIO  0x30000000  outside RAM, a user 2 MiB page
 *   EP_KMMIO 0x30200000  outside RAM, a supervisor 2 MiB page
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "axvm_test.h"

#define XSTR(x)		STR(x)
#define STR(x)		#x

#define EP_CODE		0x200000
#define EP_KDATA	0x202000
#define EP_UDATA	0x203000
#define EP_USTK		0x205000
#define EP_IDT		0x206000
#define EP_PT		0x23000		/* after the library's PML4, PDPT, PD */
#define EP_MMIO		0x30000000
#define EP_KMMIO	0x30200000

#define EP_PORT_EC	0x20		/* #PF handler: error code */
#define EP_PORT_CR2	0x21		/* #PF handler: CR2 */
#define EP_PORT_VEC	0x22		/* any other exception: its vector */
#define EP_PORT_DONE	0x23
#define EP_PORT_OUTS	0x30
#define EP_PORT_INS	0x31
#define EP_DONE		0x600d

/* Ring-3 64-bit code and data after the library's 6 GDT slots. */
#define SEL_UCODE	0x33
#define SEL_UDATA	0x3b
#define GDT_UCODE64	0x00affb000000ffffULL
#define GDT_UDATA	0x00cff3000000ffffULL

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define X86_CR4_SMAP	(1ULL << 21)
#define RFLAGS_IOPL3	(3ULL << 12)

/* #PF error-code bits (SDM Vol. 3A, 4.7). */
#define PF_P		1
#define PF_W		2
#define PF_U		4

asm(
"	.pushsection .rodata.axvm_emupriv_guest, \"a\"\n"
"	.balign 4096\n"
"	.code64\n"
"	.globl ep_start\n"
"ep_start:\n"
/* Vector v at ep_vec + 16 * v reports v and stops; #PF has its own gate. */
"	.globl ep_vec\n"
"ep_vec:\n"
"	.set	v, 0\n"
"	.rept	32\n"
"	.balign	16\n"
"	movl	$v, %eax\n"
"	outl	%eax, $" XSTR(EP_PORT_VEC) "\n"
"1:	hlt\n"
"	jmp	1b\n"
"	.set	v, v + 1\n"
"	.endr\n"
/* #PF: report error code and CR2, resume at R15. */
"	.globl ep_pf\n"
"ep_pf:\n"
"	movq	(%rsp), %rax\n"
"	outl	%eax, $" XSTR(EP_PORT_EC) "\n"
"	movq	%cr2, %rax\n"
"	outl	%eax, $" XSTR(EP_PORT_CR2) "\n"
"	addq	$8, %rsp\n"
"	movq	%r15, (%rsp)\n"
"	iretq\n"
/* Kernel entry: IRETQ to ring 3 with IOPL 3. */
"	.globl ep_kernel\n"
"ep_kernel:\n"
"	pushq	$" XSTR(SEL_UDATA) "\n"
"	pushq	$" XSTR(EP_USTK) "\n"
"	pushq	$0x3002\n"
"	pushq	$" XSTR(SEL_UCODE) "\n"
"	leaq	ep_user(%rip), %rax\n"
"	pushq	%rax\n"
"	iretq\n"
/* Ring 3. Each forbidden access resumes at the next 1: through the #PF. */
"ep_user:\n"
"	leaq	1f(%rip), %r15\n"
"	movl	$" XSTR(EP_KDATA) ", %esi\n"
"	movl	$4, %ecx\n"
"	movw	$" XSTR(EP_PORT_OUTS) ", %dx\n"
"	rep outsb\n"
"	ud2\n"
"1:	leaq	1f(%rip), %r15\n"
"	movl	$" XSTR(EP_KDATA) ", %edi\n"
"	movl	$4, %ecx\n"
"	movw	$" XSTR(EP_PORT_INS) ", %dx\n"
"	rep insb\n"
"	ud2\n"
"1:	leaq	1f(%rip), %r15\n"
"	movl	$" XSTR(EP_MMIO) ", %esi\n"
"	movl	$" XSTR(EP_KDATA) " + 8, %edi\n"
"	movsb\n"
"	ud2\n"
/* The same on the user page: allowed. */
"1:	movl	$" XSTR(EP_UDATA) ", %esi\n"
"	movl	$4, %ecx\n"
"	movw	$" XSTR(EP_PORT_OUTS) ", %dx\n"
"	rep outsb\n"
"	movl	$" XSTR(EP_UDATA) " + 16, %edi\n"
"	movl	$4, %ecx\n"
"	movw	$" XSTR(EP_PORT_INS) ", %dx\n"
"	rep insb\n"
"	movl	$" XSTR(EP_MMIO) ", %esi\n"
"	movl	$" XSTR(EP_UDATA) " + 32, %edi\n"
"	movsb\n"
"	movl	$" XSTR(EP_DONE) ", %eax\n"
"	outl	%eax, $" XSTR(EP_PORT_DONE) "\n"
"1:	jmp	1b\n"
/* Ring 0 with CR4.SMAP: user pages only with RFLAGS.AC. */
"	.globl ep_smap\n"
"ep_smap:\n"
"	leaq	1f(%rip), %r15\n"
"	movl	$" XSTR(EP_KMMIO) ", %esi\n"
"	movl	$" XSTR(EP_UDATA) " + 48, %edi\n"
"	movsb\n"
"	ud2\n"
"1:	leaq	1f(%rip), %r15\n"
"	movl	$" XSTR(EP_UDATA) " + 56, %edi\n"
"	movl	$1, %ecx\n"
"	movw	$" XSTR(EP_PORT_INS) ", %dx\n"
"	rep insb\n"
"	ud2\n"
"1:	stac\n"
"	movl	$" XSTR(EP_KMMIO) ", %esi\n"
"	movl	$" XSTR(EP_UDATA) " + 48, %edi\n"
"	movsb\n"
"	movl	$" XSTR(EP_UDATA) " + 56, %edi\n"
"	movl	$1, %ecx\n"
"	movw	$" XSTR(EP_PORT_INS) ", %dx\n"
"	rep insb\n"
"	clac\n"
"	movl	$" XSTR(EP_DONE) ", %eax\n"
"	outl	%eax, $" XSTR(EP_PORT_DONE) "\n"
"1:	hlt\n"
"	jmp	1b\n"
"	.globl ep_end\n"
"ep_end:\n"
"	.popsection\n");

extern const unsigned char ep_start[], ep_end[], ep_vec[], ep_pf[];
extern const unsigned char ep_kernel[], ep_smap[];

#define GPA_OF(sym)	((uint64_t)EP_CODE + (uint64_t)((sym) - ep_start))

/*
 * User-accessible paging structures above the pages that are user pages
 * (U/S must be set at every level, SDM Vol. 3A, 4.6.1): the library's
 * PML4E and PDPTE get U/S, 0x200000-0x3fffff becomes a 4 KiB table.
 */
static void ep_page_tables(struct axvm_vm *vm)
{
	uint64_t *pml4 = axvm_gpa2hva(vm, GPA_PML4, 3 * 4096);
	uint64_t *pdpt = pml4 + 512, *pd = pdpt + 512;
	uint64_t *pt = axvm_gpa2hva(vm, EP_PT, 4096);

	pml4[0] |= PTE_US;
	pdpt[0] |= PTE_US;
	memset(pt, 0, 4096);
	pt[0] = EP_CODE | PTE_P | PTE_RW | PTE_US;
	pt[1] = (EP_CODE + 0x1000) | PTE_P | PTE_RW | PTE_US;
	pt[2] = EP_KDATA | PTE_P | PTE_RW;
	pt[3] = EP_UDATA | PTE_P | PTE_RW | PTE_US;
	pt[4] = (EP_USTK - 0x1000) | PTE_P | PTE_RW | PTE_US;
	pt[6] = EP_IDT | PTE_P | PTE_RW;
	pd[1] = EP_PT | PTE_P | PTE_RW | PTE_US;
	pd[EP_MMIO >> 21] |= PTE_US;
}

/* Long mode at @entry (CPL 0), the layout above, user segments in the GDT. */
static struct axvm_vcpu *ep_create(struct axvm_vm **vmp, const void *entry)
{
	struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	uint64_t *idt = axvm_gpa2hva(vm, EP_IDT, 32 * 16);
	uint64_t *gdt = axvm_gpa2hva(vm, GPA_GDT, 8 * 8);
	struct axvm_vcpu *v = axvm_vcpu_add(vm, 0);
	uint64_t rsp0 = GPA_STACK_TOP;
	struct axvm_sregs sregs;
	unsigned int i;

	memcpy(axvm_gpa2hva(vm, EP_CODE, ep_end - ep_start), ep_start,
	       ep_end - ep_start);
	memset(axvm_gpa2hva(vm, EP_KDATA, 4096), 0x5a, 4096);
	memset(axvm_gpa2hva(vm, EP_UDATA, 4096), 0, 4096);
	memcpy(axvm_gpa2hva(vm, EP_UDATA, 4), "ABCD", 4);
	axvm_vcpu_setup_long(v, GPA_OF((const unsigned char *)entry));
	ep_page_tables(vm);
	gdt[SEL_UCODE / 8] = GDT_UCODE64;
	gdt[SEL_UDATA / 8] = GDT_UDATA;
	/* RSP0 of the 64-bit TSS, offset 4 (SDM Vol. 3A, 8.7). */
	memcpy(axvm_gpa2hva(vm, GPA_TSS + 4, 8), &rsp0, 8);
	for (i = 0; i < 32; i++) {
		uint64_t h = i == 14 ? GPA_OF(ep_pf) : GPA_OF(ep_vec + 16 * i);

		/* 64-bit interrupt gate, DPL 0 (SDM Vol. 3A, 7.14.1). */
		idt[2 * i] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
			     (0x8eULL << 40) | (((h >> 16) & 0xffff) << 48);
		idt[2 * i + 1] = h >> 32;
	}
	axvm_vcpu_get_sregs(v, &sregs);
	sregs.gdt.limit = 8 * 8 - 1;
	sregs.idt.base = EP_IDT;
	sregs.idt.limit = 32 * 16 - 1;
	axvm_vcpu_set_sregs(v, &sregs);
	*vmp = vm;
	return v;
}

/*
 * AXVM_RUN to the next exit the test must see, keeping the answer already
 * in the run page (axvm_vcpu_run() would reset it).
 */
static uint32_t ep_run(struct __test_metadata *_metadata, struct axvm_vcpu *v)
{
	struct axvm_run *run = v->run;
	int r;

	for (;;) {
		r = __axvm_vcpu_run(v);
		if (r < 0 && errno == EINTR)
			continue;
		EXPECT_EQ(0, r);
		if (r)
			return AXVM_EXIT_NOTHING;
		run->response = AXVM_RESP_NONE;
		if (run->exit.kind != AXVM_EXIT_NOTHING &&
		    run->exit.kind != AXVM_EXIT_EXTERNAL_INTERRUPT)
			return run->exit.kind;
	}
}

/* The next exit is an OUT to @port of @data. */
static void ep_expect_out(struct __test_metadata *_metadata,
			  struct axvm_vcpu *v, uint16_t port, uint32_t data)
{
	struct axvm_exit *e = &v->run->exit;

	ASSERT_EQ(AXVM_EXIT_IO_WRITE, ep_run(_metadata, v)) axvm_dump_exit(stderr, e);
	ASSERT_EQ(port, e->u.io_write.port) axvm_dump_exit(stderr, e);
	EXPECT_EQ(data, e->u.io_write.data);
}

/* The guest took #PF with @ec at @cr2 (the handler's two OUTs). */
static void ep_expect_pf(struct __test_metadata *_metadata,
			 struct axvm_vcpu *v, uint32_t ec, uint32_t cr2)
{
	ep_expect_out(_metadata, v, EP_PORT_EC, ec);
	ep_expect_out(_metadata, v, EP_PORT_CR2, cr2);
}

/*
 * The next exit is a one-byte read, IO_READ of port @addr or MMIO_READ at
 * @addr as @kind says: answer @data.
 */
static void ep_answer(struct __test_metadata *_metadata, struct axvm_vcpu *v,
		      uint32_t kind, uint64_t addr, uint8_t data)
{
	struct axvm_exit *e = &v->run->exit;

	ASSERT_EQ(kind, ep_run(_metadata, v)) axvm_dump_exit(stderr, e);
	if (kind == AXVM_EXIT_IO_READ) {
		EXPECT_EQ(addr, e->u.io_read.port);
		EXPECT_EQ(1, e->u.io_read.width);
		e->u.io_read.data = data;
	} else {
		EXPECT_EQ(addr, e->u.mmio_read.addr);
		EXPECT_EQ(1, e->u.mmio_read.width);
		e->u.mmio_read.data = data;
	}
	v->run->response = AXVM_RESP_DATA;
}

/* No byte of the supervisor page changed. */
static void ep_expect_kdata_intact(struct __test_metadata *_metadata,
				   struct axvm_vm *vm)
{
	const uint8_t *k = axvm_gpa2hva(vm, EP_KDATA, 4096);
	unsigned int i;

	for (i = 0; i < 4096; i++)
		if (k[i] != 0x5a)
			break;
	EXPECT_EQ(4096, i);
}

TEST(user_string_io_and_movs)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	const uint8_t *u;
	unsigned int i;

	AXVM_REQUIRE();
	v = ep_create(&vm, ep_kernel);
	/* Supervisor page from ring 3: REP OUTSB reads, REP INSB and MOVSB write. */
	ep_expect_pf(_metadata, v, PF_P | PF_U, EP_KDATA);
	ep_expect_pf(_metadata, v, PF_P | PF_W | PF_U, EP_KDATA);
	ep_expect_pf(_metadata, v, PF_P | PF_W | PF_U, EP_KDATA + 8);
	/* User page: every element goes through. */
	for (i = 0; i < 4; i++)
		ep_expect_out(_metadata, v, EP_PORT_OUTS, "ABCD"[i]);
	for (i = 0; i < 4; i++)
		ep_answer(_metadata, v, AXVM_EXIT_IO_READ, EP_PORT_INS, 'a' + i);
	ep_answer(_metadata, v, AXVM_EXIT_MMIO_READ, EP_MMIO, 0x77);
	ep_expect_out(_metadata, v, EP_PORT_DONE, EP_DONE);

	ep_expect_kdata_intact(_metadata, vm);
	u = axvm_gpa2hva(vm, EP_UDATA, 4096);
	EXPECT_EQ(0, memcmp(u + 16, "abcd", 4));
	EXPECT_EQ(0x77, u[32]);
	axvm_vm_free(vm);
}

TEST(smap_string_io_and_movs)
{
	struct axvm_sregs sregs;
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	const uint8_t *u;

	unsigned int a, b, c, d;

	AXVM_REQUIRE();
	/* The guest runs on this CPU: SMAP is CPUID.(7,0):EBX[20]. */
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1U << 20)))
		SKIP(return, "the CPU has no SMAP");
	v = ep_create(&vm, ep_smap);
	axvm_vcpu_get_sregs(v, &sregs);
	sregs.cr4 |= X86_CR4_SMAP;
	axvm_vcpu_set_sregs(v, &sregs);
	/* RFLAGS.AC = 0: no supervisor write to a user page. */
	ep_expect_pf(_metadata, v, PF_P | PF_W, EP_UDATA + 48);
	ep_expect_pf(_metadata, v, PF_P | PF_W, EP_UDATA + 56);
	/* STAC: allowed. */
	ep_answer(_metadata, v, AXVM_EXIT_MMIO_READ, EP_KMMIO, 0x55);
	ep_answer(_metadata, v, AXVM_EXIT_IO_READ, EP_PORT_INS, 0x66);
	ep_expect_out(_metadata, v, EP_PORT_DONE, EP_DONE);

	u = axvm_gpa2hva(vm, EP_UDATA, 4096);
	EXPECT_EQ(0x55, u[48]);
	EXPECT_EQ(0x66, u[56]);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
