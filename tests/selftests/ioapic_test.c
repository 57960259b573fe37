// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic_test: the in-kernel I/O APIC (Documentation/ioapic.rst).
 *
 *   config_errors   AXVM_CREATE_IOAPIC / AXVM_IRQ_LINE argument checks
 *   edge_level      one 64-bit guest programs the I/O APIC through
 *                   IOREGSEL/IOWIN at 0xfec00000: an edge pin pulsed and a
 *                   level pin asserted by AXVM_IRQ_LINE from another thread
 *                   while the guest sleeps in HLT; remote IRR set while in
 *                   service, TMR set for the level vector only; the level
 *                   line still asserted at EOI is delivered again; masking
 *                   holds a level line back until unmasked and loses an edge
 *   route_to_ap     a pin routed to APIC ID 1: vCPU 1 (started by INIT/SIPI,
 *                   x2APIC in real mode) gets it, vCPU 0 does not
 *   mmio_cost       guest TSC ticks per IOWIN read (served in the kernel)
 *                   and per read of an unclaimed MMIO address answered here
 *                   in userspace, where a split irqchip's I/O APIC would be
 *                   (figures for Documentation/ioapic.rst)
 *
 * Guest-physical layout as lapic_test (RAM 4 MiB at GPA 0, long mode from
 * the library): IG_CODE_GPA 0x200000 code, IG_IDT_GPA 0x210000 IDT,
 * IG_DATA_GPA 0x211000 counters (8 bytes per vector) and the handlers'
 * observations at 0x211f00; IG_AP_GPA 0x9000 the AP's real-mode code; the
 * page directory IG_PD_HI 0x23000 maps the I/O APIC and xAPIC pages.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "axvm_test.h"

#define XSTR(x)			STR(x)
#define STR(x)			#x

#define IG_CODE_GPA		0x200000
#define IG_IDT_GPA		0x210000
#define IG_DATA_GPA		0x211000
#define IG_RTE9			0x211f00	/* pin 9's entry in its handler */
#define IG_TMR_LEVEL		0x211f08	/* TMR word of 0x52 in its handler */
#define IG_TMR_EDGE		0x211f10	/* TMR word of 0x51 in its handler */
#define IG_AP_GPA		0x9000
#define IG_AP_FLAG		0x9f00
#define IG_AP_COUNT		0x9f04
#define IG_PD_HI		0x23000
#define IG_PORT_REPORT		0x10
#define IG_PORT_DONE		0x11

#define VEC_EDGE		0x51	/* pin 4 */
#define VEC_LEVEL		0x52	/* pin 9 */
#define VEC_AP			0x53	/* pin 10, to APIC ID 1 */

#define APIC_MMIO		0xfee00000
#define IOAPIC_MMIO		0xfec00000
#define UNCLAIMED_MMIO		0xfed00000	/* no device: goes to userspace */
#define COST_N			200

_Static_assert(IG_PORT_REPORT == UCALL_PORT_REPORT, "report port");
_Static_assert(IG_PORT_DONE == UCALL_PORT_DONE, "done port");
_Static_assert(IOAPIC_MMIO == AXVM_IOAPIC_ADDR, "I/O APIC address");

/* ---------------------------------------------------------------------- */
/* Guest code.                                                            */
/* ---------------------------------------------------------------------- */

asm(
"	.pushsection .rodata.axvm_ioapic_guest, \"a\"\n"
"	.balign 4096\n"
"	.globl ig_start\n"
"ig_start:\n"

"	.macro REPORT reg\n"
"	movl	\\reg, %eax\n"
"	outl	%eax, $" XSTR(IG_PORT_REPORT) "\n"
"	.endm\n"
"	.macro APIC_WR off, val\n"
"	movl	$(" XSTR(APIC_MMIO) " + \\off), %edi\n"
"	movl	\\val, (%rdi)\n"
"	.endm\n"
"	.macro APIC_RD off\n"
"	movl	$(" XSTR(APIC_MMIO) " + \\off), %edi\n"
"	movl	(%rdi), %eax\n"
"	.endm\n"
/* Indirect I/O APIC registers: index into IOREGSEL, data through IOWIN. */
"	.macro IOA_WR idx, val\n"
"	movl	$" XSTR(IOAPIC_MMIO) ", %edi\n"
"	movl	\\idx, (%rdi)\n"
"	movl	\\val, 0x10(%rdi)\n"
"	.endm\n"
"	.macro IOA_RD idx\n"
"	movl	$" XSTR(IOAPIC_MMIO) ", %edi\n"
"	movl	\\idx, (%rdi)\n"
"	movl	0x10(%rdi), %eax\n"
"	.endm\n"
"	.macro WAIT_COUNT v, n\n"
"1:	cmpq	$\\n, " XSTR(IG_DATA_GPA) " + 8 * \\v\n"
"	jae	2f\n"
"	sti\n"
"	hlt\n"
"	cli\n"
"	jmp	1b\n"
"2:\n"
"	.endm\n"
/* Let a pending interrupt in: STI's shadow covers the NOP only. */
"	.macro WINDOW\n"
"	sti\n"
"	nop\n"
"	cli\n"
"	.endm\n"
"	.macro SAVE\n"
"	pushq	%rax\n"
"	pushq	%rdi\n"
"	.endm\n"
"	.macro RESTORE_EOI\n"
"	APIC_WR	0xb0, $0\n"
"	popq	%rdi\n"
"	popq	%rax\n"
"	iretq\n"
"	.endm\n"

/* Edge pin 4: count, TMR word 2 (vectors 0x40-0x5f). */
"	.globl ig_vec_edge\n"
"ig_vec_edge:\n"
"	SAVE\n"
"	incq	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_EDGE) "\n"
"	APIC_RD	0x1a0\n"
"	movl	%eax, " XSTR(IG_TMR_EDGE) "\n"
"	RESTORE_EOI\n"

/*
 * Level pin 9: count; the first time, record the entry (remote IRR) and
 * TMR; from the second on, mask the pin before the EOI (the host keeps
 * the line asserted, so without the mask it would come back at once).
 */
"	.globl ig_vec_level\n"
"ig_vec_level:\n"
"	SAVE\n"
"	incq	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_LEVEL) "\n"
"	cmpq	$1, " XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_LEVEL) "\n"
"	jne	3f\n"
"	IOA_RD	$0x22\n"
"	movl	%eax, " XSTR(IG_RTE9) "\n"
"	APIC_RD	0x1a0\n"
"	movl	%eax, " XSTR(IG_TMR_LEVEL) "\n"
"	jmp	4f\n"
"3:	IOA_WR	$0x22, $0x18052\n"
"4:\n"
"	RESTORE_EOI\n"

"	.globl ig_main\n"
"ig_main:\n"
"	APIC_WR	0xf0, $0x1ff\n"			/* SPIV: software enabled */
"	IOA_RD	$1\n"
"	REPORT	%eax\n"				/* 0: version */
"	IOA_WR	$0x19, $0\n"			/* pin 4 -> APIC 0 */
"	IOA_WR	$0x18, $" XSTR(VEC_EDGE) "\n"	/* edge, fixed, physical */
"	IOA_WR	$0x23, $0\n"			/* pin 9 -> APIC 0 */
"	IOA_WR	$0x22, $(0x8000|" XSTR(VEC_LEVEL) ")\n"	/* level */
"	REPORT	$1\n"				/* 1: host pulses GSI 4 */
"	WAIT_COUNT " XSTR(VEC_EDGE) ", 1\n"
"	REPORT	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_EDGE) "\n"	/* 2 */
"	REPORT	$2\n"				/* 3: host asserts GSI 9 */
"	WAIT_COUNT " XSTR(VEC_LEVEL) ", 2\n"
"	REPORT	" XSTR(IG_RTE9) "\n"		/* 4: remote IRR in service */
"	REPORT	" XSTR(IG_TMR_LEVEL) "\n"	/* 5 */
"	REPORT	" XSTR(IG_TMR_EDGE) "\n"	/* 6 */
"	IOA_RD	$0x22\n"
"	REPORT	%eax\n"				/* 7: masked, remote IRR clear */
"	REPORT	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_LEVEL) "\n"	/* 8 */
"	REPORT	$3\n"				/* 9: host lowers GSI 9 */
"	IOA_WR	$0x22, $(0x8000|" XSTR(VEC_LEVEL) ")\n"	/* unmask */
"	WINDOW\n"
"	REPORT	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_LEVEL) "\n"	/* 10 */
"	IOA_WR	$0x22, $(0x18000|" XSTR(VEC_LEVEL) ")\n"	/* mask */
"	REPORT	$4\n"				/* 11: host asserts GSI 9 */
"	WINDOW\n"
"	REPORT	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_LEVEL) "\n"	/* 12 */
"	IOA_WR	$0x22, $(0x8000|" XSTR(VEC_LEVEL) ")\n"	/* unmask */
"	WINDOW\n"
"	REPORT	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_LEVEL) "\n"	/* 13 */
"	IOA_WR	$0x18, $(0x10000|" XSTR(VEC_EDGE) ")\n"	/* mask pin 4 */
"	REPORT	$5\n"				/* 14: host pulses GSI 4 */
"	IOA_WR	$0x18, $" XSTR(VEC_EDGE) "\n"
"	WINDOW\n"
"	REPORT	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_EDGE) "\n"	/* 15 */
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(IG_PORT_DONE) "\n"
"	hlt\n"

/* route_to_ap, vCPU 0: pin 10 -> APIC 1, start vCPU 1, wait for it. */
"	.globl ig_bsp\n"
"ig_bsp:\n"
"	APIC_WR	0xf0, $0x1ff\n"
"	IOA_WR	$0x25, $(1<<24)\n"
"	IOA_WR	$0x24, $" XSTR(VEC_AP) "\n"
"	APIC_WR	0x310, $(1<<24)\n"
"	APIC_WR	0x300, $0x4500\n"		/* INIT */
"	APIC_WR	0x300, $(0x4600|(" XSTR(IG_AP_GPA) ">>12))\n"	/* SIPI */
"	movl	$200000000, %ecx\n"
"5:	cmpl	$0xa9, " XSTR(IG_AP_FLAG) "\n"
"	je	6f\n"
"	pause\n"
"	loop	5b\n"
"6:	REPORT	" XSTR(IG_AP_FLAG) "\n"		/* 0: AP ready; host pulses GSI 10 */
"	movl	$200000000, %ecx\n"
"7:	cmpl	$0, " XSTR(IG_AP_COUNT) "\n"
"	jne	8f\n"
"	pause\n"
"	loop	7b\n"
"8:	WINDOW\n"
"	REPORT	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_AP) "\n"	/* 1: 0 here */
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(IG_PORT_DONE) "\n"
"	hlt\n"
"	.globl ig_vec_ap_bsp\n"
"ig_vec_ap_bsp:\n"
"	SAVE\n"
"	incq	" XSTR(IG_DATA_GPA) "+8*" XSTR(VEC_AP) "\n"
"	RESTORE_EOI\n"
/* mmio_cost: N reads of an address, TSC delta reported (low 32 bits). */
"	.macro TIME_READS addr, n\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rdx, %rax\n"
"	movq	%rax, %rsi\n"
"	movl	$\\n, %ecx\n"
"	movl	$\\addr, %edi\n"
"11:	movl	(%rdi), %eax\n"
"	loop	11b\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rdx, %rax\n"
"	subq	%rsi, %rax\n"
"	REPORT	%eax\n"
"	.endm\n"
"	.globl ig_cost\n"
"ig_cost:\n"
"	movl	$" XSTR(IOAPIC_MMIO) ", %edi\n"
"	movl	$1, (%rdi)\n"			/* IOREGSEL: version */
"	TIME_READS (" XSTR(IOAPIC_MMIO) "+0x10), " XSTR(COST_N) "\n"
"	TIME_READS " XSTR(UNCLAIMED_MMIO) ", " XSTR(COST_N) "\n"
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(IG_PORT_DONE) "\n"
"	hlt\n"
"	.globl ig_end\n"
"ig_end:\n"

/*
 * vCPU 1 in real mode (copied to IG_AP_GPA): x2APIC on and software
 * enabled through MSRs (the xAPIC page is out of reach below 1 MiB), an
 * IVT gate for VEC_AP, then HLT until it came; reports the count.
 */
"	.globl ig_ap_start\n"
"ig_ap_start:\n"
"	.code16\n"
"	xorw	%ax, %ax\n"
"	movw	%ax, %ds\n"
"	movw	%ax, %ss\n"
"	movw	$0x7000, %sp\n"
"	movl	$0x1b, %ecx\n"
"	rdmsr\n"
"	orl	$0x400, %eax\n"
"	wrmsr\n"
"	movl	$0x80f, %ecx\n"
"	movl	$0x1ff, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	movw	$(" XSTR(IG_AP_GPA) " + ig_ap_isr - ig_ap_start), " XSTR(VEC_AP) " * 4\n"
"	movw	$0, " XSTR(VEC_AP) " * 4 + 2\n"
"	movl	$0xa9, " XSTR(IG_AP_FLAG) "\n"
"9:	cmpl	$0, " XSTR(IG_AP_COUNT) "\n"
"	jne	10f\n"
"	sti\n"
"	hlt\n"
"	cli\n"
"	jmp	9b\n"
"10:	movl	" XSTR(IG_AP_COUNT) ", %eax\n"
"	outl	%eax, $" XSTR(IG_PORT_REPORT) "\n"
"	cli\n"
"	hlt\n"
"ig_ap_isr:\n"
"	pushl	%eax\n"
"	pushl	%ecx\n"
"	pushl	%edx\n"
"	incl	" XSTR(IG_AP_COUNT) "\n"
"	movl	$0x80b, %ecx\n"			/* x2APIC EOI */
"	xorl	%eax, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	popl	%edx\n"
"	popl	%ecx\n"
"	popl	%eax\n"
"	iret\n"
"	.code64\n"
"	.globl ig_ap_end\n"
"ig_ap_end:\n"
"	.popsection\n"
);

extern const unsigned char ig_start[], ig_end[], ig_ap_start[], ig_ap_end[];
extern const unsigned char ig_main[], ig_bsp[], ig_cost[], ig_vec_edge[], ig_vec_level[],
	ig_vec_ap_bsp[];

#define GPA_OF(sym)	((uint64_t)IG_CODE_GPA + (uint64_t)((sym) - ig_start))

/* ---------------------------------------------------------------------- */
/* Host side.                                                             */
/* ---------------------------------------------------------------------- */

static void set_gate(uint64_t *idt, unsigned int v, const unsigned char *h)
{
	uint64_t a = GPA_OF(h);

	idt[2 * v] = (a & 0xffff) | ((uint64_t)SEL_CODE64 << 16) | (0x8eULL << 40) |
		     (((a >> 16) & 0xffff) << 48);
	idt[2 * v + 1] = a >> 32;
}

/* A VM with LAPICs and an I/O APIC, the guest code and IDT. */
static struct axvm_vm *ig_vm(void)
{
	struct axvm_lapic_config cfg = { 0 };
	struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	size_t len = ig_end - ig_start;
	uint64_t *idt;

	AXVM_CHECK(ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg) == 0, "AXVM_CREATE_LAPIC");
	AXVM_CHECK(ioctl(vm->fd, AXVM_CREATE_IOAPIC, 0) == 0, "AXVM_CREATE_IOAPIC");
	memcpy(axvm_gpa2hva(vm, IG_CODE_GPA, len), ig_start, len);
	memcpy(axvm_gpa2hva(vm, IG_AP_GPA, ig_ap_end - ig_ap_start), ig_ap_start,
	       ig_ap_end - ig_ap_start);
	memset(axvm_gpa2hva(vm, IG_AP_FLAG, 0x100), 0, 0x100);
	memset(axvm_gpa2hva(vm, IG_DATA_GPA, 0x1000), 0, 0x1000);
	idt = axvm_gpa2hva(vm, IG_IDT_GPA, 4096);
	memset(idt, 0, 4096);
	set_gate(idt, VEC_EDGE, ig_vec_edge);
	set_gate(idt, VEC_LEVEL, ig_vec_level);
	set_gate(idt, VEC_AP, ig_vec_ap_bsp);
	return vm;
}

/* vCPU in long mode at entry with the IDT; 3-4 GiB mapped by 2 MiB pages. */
static struct axvm_vcpu *ig_vcpu(struct axvm_vm *vm, uint32_t id, const unsigned char *entry)
{
	struct axvm_vcpu *vcpu = axvm_vcpu_add(vm, id);
	struct axvm_sregs sregs;
	uint64_t *pdpt, *pd;

	axvm_vcpu_setup_long(vcpu, GPA_OF(entry));
	pdpt = axvm_gpa2hva(vm, GPA_PML4 + 0x1000, 4096);
	pd = axvm_gpa2hva(vm, IG_PD_HI, 4096);
	memset(pd, 0, 4096);
	pdpt[3] = IG_PD_HI | 3;
	pd[(APIC_MMIO >> 21) & 0x1ff] = (APIC_MMIO & ~0x1fffffULL) | 0x83;
	pd[(IOAPIC_MMIO >> 21) & 0x1ff] = (IOAPIC_MMIO & ~0x1fffffULL) | 0x83;
	axvm_vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.base = IG_IDT_GPA;
	sregs.idt.limit = 256 * 16 - 1;
	axvm_vcpu_set_sregs(vcpu, &sregs);
	return vcpu;
}

/*
 * The other thread that drives lines: it reads a request from a pipe,
 * sleeps 30 ms so the guest is asleep in HLT (or running) by then, and
 * issues AXVM_IRQ_LINE. EOF ends it.
 */
struct raiser {
	int vm_fd;
	int pipe[2];
	int err;
	pthread_t thread;
};

static void *raiser_fn(void *arg)
{
	struct raiser *r = arg;
	struct axvm_irq_line line;

	while (read(r->pipe[0], &line, sizeof(line)) == sizeof(line)) {
		usleep(30000);
		if (ioctl(r->vm_fd, AXVM_IRQ_LINE, &line) && !r->err)
			r->err = errno;
	}
	return NULL;
}

static void raiser_start(struct __test_metadata *_metadata, struct raiser *r, int vm_fd)
{
	r->vm_fd = vm_fd;
	r->err = 0;
	ASSERT_EQ(0, pipe(r->pipe));
	ASSERT_EQ(0, pthread_create(&r->thread, NULL, raiser_fn, r));
}

static void raiser_stop(struct raiser *r)
{
	close(r->pipe[1]);
	pthread_join(r->thread, NULL);
	close(r->pipe[0]);
}

static void raise_later(struct raiser *r, uint32_t gsi, uint8_t level, uint8_t source,
			uint32_t flags)
{
	struct axvm_irq_line line = {
		.gsi = gsi, .level = level, .source = source, .flags = flags,
	};

	if (write(r->pipe[1], &line, sizeof(line)) != sizeof(line))
		r->err = errno;
}

static int irq_line(int vm_fd, uint32_t gsi, uint8_t level, uint8_t source, uint32_t flags)
{
	struct axvm_irq_line line = {
		.gsi = gsi, .level = level, .source = source, .flags = flags,
	};

	return ioctl(vm_fd, AXVM_IRQ_LINE, &line);
}

TEST(config_errors)
{
	struct axvm_lapic_config cfg = { 0 };
	struct axvm_irq_line line = { .gsi = 4, .level = 1 };
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_IOAPIC);
	vm = axvm_vm_create(0);
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	EXPECT_EQ(ENXIO, errno);			/* no I/O APIC */
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_CREATE_IOAPIC, 0));
	EXPECT_EQ(ENXIO, errno);			/* no LAPICs */
	ASSERT_EQ(0, ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg));
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_CREATE_IOAPIC, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(vm->fd, AXVM_CREATE_IOAPIC, 0));
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_CREATE_IOAPIC, 0));
	EXPECT_EQ(EEXIST, errno);
	/* Without vCPUs a line can still change (nobody gets the message). */
	EXPECT_EQ(0, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	line.gsi = AXVM_IOAPIC_PINS;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	line.gsi = 23;
	EXPECT_EQ(0, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	line.source = AXVM_IRQ_SOURCES;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	line.source = AXVM_IRQ_SOURCES - 1;
	line.level = 2;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	line.level = 0;
	line.flags = AXVM_IRQ_LINE_F_PULSE;		/* a pulse that lowers */
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	line.level = 1;
	EXPECT_EQ(0, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	line.flags = 1U << 1;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	line.flags = 0;
	line.pad[5] = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, &line));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ_LINE, NULL));
	EXPECT_EQ(EFAULT, errno);
	axvm_vm_free(vm);
}

/* Run until DONE, collecting reports; between them, act on reports 1-5. */
static int ig_run(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
		  struct raiser *r, uint32_t *reports, int max)
{
	int n = 0, fd = vcpu->vm->fd;

	for (;;) {
		struct axvm_exit *e = &vcpu->run->exit;
		uint32_t kind = axvm_vcpu_run(vcpu);

		if (kind != AXVM_EXIT_IO_WRITE) {
			axvm_dump_exit(stderr, e);
			EXPECT_EQ(AXVM_EXIT_IO_WRITE, kind);
			return n;
		}
		if (e->u.io_write.port == IG_PORT_DONE)
			return n;
		if (n < max)
			reports[n] = e->u.io_write.data;
		switch (n++) {
		case 1:		/* the guest HLTs until the edge comes */
			raise_later(r, 4, 1, 0, AXVM_IRQ_LINE_F_PULSE);
			break;
		case 3:		/* ... and until the level line comes twice */
			raise_later(r, 9, 1, 0, 0);
			break;
		case 9:
			EXPECT_EQ(0, irq_line(fd, 9, 0, 0, 0));
			break;
		case 11:	/* another source, while the pin is masked */
			EXPECT_EQ(0, irq_line(fd, 9, 1, 3, 0));
			break;
		case 14:
			EXPECT_EQ(0, irq_line(fd, 4, 1, 0, AXVM_IRQ_LINE_F_PULSE));
			break;
		}
	}
}

TEST(edge_level)
{
	uint32_t r[20] = { 0 };
	struct raiser ra;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_IOAPIC);
	vm = ig_vm();
	vcpu = ig_vcpu(vm, 0, ig_main);
	raiser_start(_metadata, &ra, vm->fd);
	EXPECT_EQ(16, ig_run(_metadata, vcpu, &ra, r, 20));
	raiser_stop(&ra);
	EXPECT_EQ(0, ra.err);
	EXPECT_EQ(0x00170020U, r[0]);		/* version 0x20, 24 entries */
	EXPECT_EQ(1U, r[2]);			/* the pulse: one interrupt */
	EXPECT_EQ(0xc000U | VEC_LEVEL, r[4]);	/* level, remote IRR set */
	EXPECT_EQ(1U << (VEC_LEVEL - 0x40), r[5]);	/* TMR: level only */
	EXPECT_EQ(0U, r[6]);			/* edge vector: TMR clear */
	EXPECT_EQ(0x18000U | VEC_LEVEL, r[7]);	/* masked, remote IRR cleared */
	EXPECT_EQ(2U, r[8]);			/* re-delivered after the EOI */
	EXPECT_EQ(2U, r[10]);			/* line low: unmask sends nothing */
	EXPECT_EQ(2U, r[12]);			/* masked: held back */
	EXPECT_EQ(3U, r[13]);			/* unmasked: delivered */
	EXPECT_EQ(1U, r[15]);			/* an edge while masked is lost */
	axvm_vm_free(vm);
}

struct ap_result {
	struct axvm_vcpu *vcpu;
	uint32_t kinds[4];
	uint64_t data[4];
	int n;
	int err;
};

/* vCPU 1: AXVM_RUN until its Halt (IF=0 HLT after reporting). */
static void *ap_thread(void *arg)
{
	struct ap_result *a = arg;

	while (a->n < 4) {
		int r = __axvm_vcpu_run(a->vcpu);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			a->err = errno;
			break;
		}
		a->kinds[a->n] = a->vcpu->run->exit.kind;
		a->data[a->n] = a->vcpu->run->exit.u.io_write.data;
		a->vcpu->run->response = AXVM_RESP_NONE;
		if (a->kinds[a->n++] != AXVM_EXIT_IO_WRITE)
			break;
	}
	return NULL;
}

TEST(route_to_ap)
{
	struct ap_result a = { 0 };
	struct axvm_vcpu *bsp;
	struct axvm_vm *vm;
	struct raiser ra;
	pthread_t t;
	int n = 0;

	AXVM_REQUIRE_CAP(AXVM_CAP_IOAPIC);
	vm = ig_vm();
	bsp = ig_vcpu(vm, 0, ig_bsp);
	a.vcpu = axvm_vcpu_add(vm, 1);
	raiser_start(_metadata, &ra, vm->fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, ap_thread, &a));
	for (;;) {
		struct axvm_exit *e = &bsp->run->exit;
		uint32_t kind = axvm_vcpu_run(bsp);

		if (kind != AXVM_EXIT_IO_WRITE) {
			axvm_dump_exit(stderr, e);
			EXPECT_EQ(AXVM_EXIT_IO_WRITE, kind);
			break;
		}
		if (e->u.io_write.port == IG_PORT_DONE)
			break;
		if (n == 0) {
			EXPECT_EQ(0xa9ULL, e->u.io_write.data);	/* AP ready */
			raise_later(&ra, 10, 1, 0, AXVM_IRQ_LINE_F_PULSE);
		} else {
			EXPECT_EQ(0ULL, e->u.io_write.data);	/* not to vCPU 0 */
		}
		n++;
	}
	EXPECT_EQ(2, n);
	pthread_join(t, NULL);
	raiser_stop(&ra);
	EXPECT_EQ(0, ra.err);
	EXPECT_EQ(0, a.err);
	ASSERT_EQ(2, a.n);
	EXPECT_EQ(AXVM_EXIT_IO_WRITE, a.kinds[0]);
	EXPECT_EQ(1ULL, a.data[0]);		/* vCPU 1 took it once */
	EXPECT_EQ(AXVM_EXIT_HALT, a.kinds[1]);
	axvm_vm_free(vm);
}

TEST(mmio_cost)
{
	uint32_t t[2] = { 0 };
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	int n = 0, reads = 0;

	AXVM_REQUIRE_CAP(AXVM_CAP_IOAPIC);
	vm = ig_vm();
	vcpu = ig_vcpu(vm, 0, ig_cost);
	/*
	 * __axvm_vcpu_run(): axvm_vcpu_run() resets run->response to NONE
	 * before each run, which would throw the MMIO answers away (EINVAL).
	 */
	vcpu->run->response = AXVM_RESP_NONE;
	for (;;) {
		struct axvm_exit *e = &vcpu->run->exit;
		int r = __axvm_vcpu_run(vcpu);
		uint32_t kind = e->kind;

		if (r < 0 && errno == EINTR)
			continue;
		ASSERT_EQ(0, r);
		vcpu->run->response = AXVM_RESP_NONE;
		if (kind == AXVM_EXIT_NOTHING || kind == AXVM_EXIT_EXTERNAL_INTERRUPT)
			continue;
		if (kind == AXVM_EXIT_MMIO_READ) {
			EXPECT_EQ((uint64_t)UNCLAIMED_MMIO, e->u.mmio_read.addr);
			e->u.mmio_read.data = 0;
			vcpu->run->response = AXVM_RESP_DATA;
			reads++;
			continue;
		}
		ASSERT_EQ(AXVM_EXIT_IO_WRITE, kind) axvm_dump_exit(stderr, e);
		if (e->u.io_write.port == IG_PORT_DONE)
			break;
		if (n < 2)
			t[n] = e->u.io_write.data;
		n++;
	}
	ASSERT_EQ(2, n);
	EXPECT_EQ(COST_N, reads);		/* the IOWIN reads never came here */
	EXPECT_GT(t[0], 0U);
	EXPECT_GT(t[1], 0U);
	TH_LOG("guest TSC ticks per read: IOWIN in the kernel %u, MMIO answered in userspace %u",
	       t[0] / COST_N, t[1] / COST_N);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
