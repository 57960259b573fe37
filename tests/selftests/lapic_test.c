// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_test: the in-kernel local APIC (Documentation/lapic.rst).
 *
 *   config_errors        AXVM_CREATE_LAPIC / AXVM_IRQ argument checks
 *   xapic_x2apic_timer   one 64-bit guest: xAPIC ID/version through the
 *                        MMIO page, self-IPI, one-shot and periodic timer
 *                        waking HLT (no Halt record reaches us), TMCCT
 *                        counting down, then x2APIC: ID MSR, SELF_IPI MSR,
 *                        TSC-deadline timer, CR8 = TPR >> 4
 *   init_sipi            vCPU 0 starts vCPU 1 with INIT + SIPI; vCPU 1's
 *                        AXVM_RUN slept until then and starts in real
 *                        mode at the SIPI vector; CpuUp with the flag
 *   ipi_exit             AXVM_LAPIC_F_IPI_EXIT: SendIPI records
 *   ready_for_interrupt  run->ready_for_interrupt (IF, STI shadow, queued)
 *   irq_from_host        AXVM_IRQ (fixed, NMI) from another thread wakes
 *                        a vCPU sleeping in HLT
 *   wait_sipi_signal     an AP waiting for SIPI sleeps in AXVM_RUN; a
 *                        signal ends it with EINTR
 *   sdm_behaviour        timer mode switches keep TMICT (except to/from
 *                        TSC-deadline), CPUID APIC bit follows
 *                        IA32_APIC_BASE.EN
 *   nmi_latches_once     NMIs sent while one is blocked latch once
 *
 * Guest-physical layout (RAM 4 MiB at GPA 0; long mode from the library):
 *   LG_CODE_GPA 0x200000 code, LG_IDT_GPA 0x210000 IDT, LG_DATA_GPA
 *   0x211000 counters (8 bytes per vector) and TSC stamps (+0x800),
 *   LG_AP_GPA 0x9000 the real-mode AP code (SIPI vector 9), its flag at
 *   LG_AP_FLAG 0x9f00; page directory LG_PD_HI 0x23000 maps 3-4 GiB so the
 *   xAPIC page is reachable.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "axvm_test.h"

#define XSTR(x)			STR(x)
#define STR(x)			#x

#define LG_CODE_GPA		0x200000
#define LG_IDT_GPA		0x210000
#define LG_DATA_GPA		0x211000
#define LG_AP_GPA		0x9000
#define LG_AP_FLAG		0x9f00
#define LG_PD_HI		0x23000
#define LG_X2APIC_FLAG		0x211ff8	/* EOI by MSR when non-zero */
#define LG_DEADLINE		0x211ff0
#define LG_PORT_REPORT		0x10
#define LG_PORT_DONE		0x11
#define LG_COUNT(v)		(LG_DATA_GPA + 8 * (v))
#define LG_STAMP(v)		(LG_DATA_GPA + 0x800 + 8 * (v))

#define VEC_IPI			0x40
#define VEC_TIMER		0x41
#define VEC_DEADLINE		0x42
#define VEC_HOST		0x50

#define APIC_MMIO		0xfee00000
#define ONE_MS			1000000		/* timer counts at 1 GHz */

_Static_assert(LG_PORT_REPORT == UCALL_PORT_REPORT, "report port");
_Static_assert(LG_PORT_DONE == UCALL_PORT_DONE, "done port");

/* ---------------------------------------------------------------------- */
/* Guest code.                                                            */
/* ---------------------------------------------------------------------- */

asm(
"	.pushsection .rodata.axvm_lapic_guest, \"a\"\n"
"	.balign 4096\n"
"	.globl lg_start\n"
"lg_start:\n"

"	.macro REPORT reg\n"
"	movl	\\reg, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_REPORT) "\n"
"	.endm\n"
/* 32-bit xAPIC register access through the identity-mapped page. */
"	.macro APIC_WR off, val\n"
"	movl	$(" XSTR(APIC_MMIO) " + \\off), %edi\n"
"	movl	\\val, (%rdi)\n"
"	.endm\n"
"	.macro APIC_RD off\n"
"	movl	$(" XSTR(APIC_MMIO) " + \\off), %edi\n"
"	movl	(%rdi), %eax\n"
"	.endm\n"
"	.macro WRMSR64 msr, lo\n"
"	movl	\\msr, %ecx\n"
"	movl	\\lo, %eax\n"
"	xorl	%edx, %edx\n"
"	wrmsr\n"
"	.endm\n"
/* HLT until the counter of vector v reaches n (IF=1 around HLT only). */
"	.macro WAIT_COUNT v, n\n"
"1:	cmpq	$\\n, " XSTR(LG_DATA_GPA) " + 8 * \\v\n"
"	jae	2f\n"
"	sti\n"
"	hlt\n"
"	cli\n"
"	jmp	1b\n"
"2:\n"
"	.endm\n"

/* Interrupt handlers: count, stamp the TSC, EOI (xAPIC or x2APIC). */
"	.macro HANDLER v, eoi\n"
"	.globl lg_vec_\\v\n"
"lg_vec_\\v:\n"
"	pushq	%rax\n"
"	pushq	%rcx\n"
"	pushq	%rdx\n"
"	pushq	%rdi\n"
"	incq	" XSTR(LG_DATA_GPA) " + 8 * \\v\n"
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rdx, %rax\n"
"	movq	%rax, " XSTR(LG_DATA_GPA) " + 0x800 + 8 * \\v\n"
"	.if \\eoi\n"
"	cmpl	$0, " XSTR(LG_X2APIC_FLAG) "\n"
"	jne	3f\n"
"	APIC_WR	0xb0, $0\n"
"	jmp	4f\n"
"3:	WRMSR64	$0x80b, $0\n"
"4:\n"
"	.endif\n"
"	popq	%rdi\n"
"	popq	%rdx\n"
"	popq	%rcx\n"
"	popq	%rax\n"
"	iretq\n"
"	.endm\n"
"	HANDLER	2, 0\n"
"	HANDLER	0x40, 1\n"
"	HANDLER	0x41, 1\n"
"	HANDLER	0x42, 1\n"
"	HANDLER	0x50, 1\n"

/* The single-vCPU walk through xAPIC, timer modes and x2APIC. */
"	.globl lg_main\n"
"lg_main:\n"
"	APIC_RD	0x20\n"
"	REPORT	%eax\n"				/* 1: ID */
"	APIC_RD	0x30\n"
"	REPORT	%eax\n"				/* 2: version */
"	APIC_WR	0xf0, $0x1ff\n"			/* SPIV: enabled, spurious 0xff */
"	APIC_WR	0x300, $(0x40000|0x40)\n"	/* ICR: self, fixed 0x40 */
"	sti\n"
"	nop\n"
"	cli\n"
"	REPORT	" XSTR(LG_DATA_GPA) "+8*0x40\n"	/* 3: 1 */
"	APIC_WR	0x3e0, $0xb\n"			/* divide by 1 */
"	APIC_WR	0x320, $0x41\n"			/* one-shot, vector 0x41 */
"	APIC_WR	0x380, $" XSTR(ONE_MS) "\n"
"	WAIT_COUNT 0x41, 1\n"
"	REPORT	" XSTR(LG_DATA_GPA) "+8*0x41\n"	/* 4: 1 */
"	APIC_WR	0x320, $(0x20000|0x41)\n"	/* periodic */
"	APIC_WR	0x380, $" XSTR(ONE_MS) "\n"
"	WAIT_COUNT 0x41, 11\n"
"	APIC_WR	0x380, $0\n"			/* stop */
"	REPORT	" XSTR(LG_DATA_GPA) "+8*0x41\n"	/* 5: 11 */
"	APIC_WR	0x320, $(0x10000|0x41)\n"	/* masked one-shot */
"	APIC_WR	0x380, $0xffffffff\n"
"	APIC_RD	0x390\n"
"	movl	%eax, %esi\n"
"	movl	$100000, %ecx\n"
"5:	loop	5b\n"
"	APIC_RD	0x390\n"
"	movl	%eax, %ebx\n"
"	REPORT	%esi\n"				/* 6: TMCCT first */
"	REPORT	%ebx\n"				/* 7: TMCCT later (smaller) */
"	APIC_WR	0x380, $0\n"
"	movq	$5, %rax\n"
"	movq	%rax, %cr8\n"
"	APIC_RD	0x80\n"
"	REPORT	%eax\n"				/* 8: TPR = 0x50 */
"	xorl	%eax, %eax\n"
"	movq	%rax, %cr8\n"
	/* x2APIC from here: the MMIO page is no longer the APIC. */
"	movl	$0x1b, %ecx\n"
"	rdmsr\n"
"	orl	$0x400, %eax\n"
"	wrmsr\n"
"	movl	$1, " XSTR(LG_X2APIC_FLAG) "\n"
"	movl	$0x802, %ecx\n"
"	rdmsr\n"
"	REPORT	%eax\n"				/* 9: x2APIC ID */
"	WRMSR64	$0x83f, $0x40\n"		/* SELF IPI */
"	sti\n"
"	nop\n"
"	cli\n"
"	REPORT	" XSTR(LG_DATA_GPA) "+8*0x40\n"	/* 10: 2 */
"	WRMSR64	$0x832, $(0x40000|0x42)\n"	/* LVT timer: TSC-deadline */
"	rdtsc\n"
"	shlq	$32, %rdx\n"
"	orq	%rdx, %rax\n"
"	addq	$2000000, %rax\n"
"	movq	%rax, " XSTR(LG_DEADLINE) "\n"
"	movq	%rax, %rdx\n"
"	shrq	$32, %rdx\n"
"	movl	$0x6e0, %ecx\n"
"	wrmsr\n"
"	WAIT_COUNT 0x42, 1\n"
"	movq	" XSTR(LG_DATA_GPA) " + 0x800 + 8 * 0x42, %rax\n"
"	subq	" XSTR(LG_DEADLINE) ", %rax\n"
"	REPORT	%eax\n"				/* 11: stamp - deadline >= 0 */
"	shrq	$32, %rax\n"
"	REPORT	%eax\n"				/* 12: its high half: 0 */
"	movl	$0x6e0, %ecx\n"
"	rdmsr\n"
"	orl	%edx, %eax\n"
"	REPORT	%eax\n"				/* 13: deadline reads 0 */
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_DONE) "\n"
"	hlt\n"

/* vCPU 0 of init_sipi: INIT + SIPI to APIC ID 1, wait for its flag. */
"	.globl lg_boot_ap\n"
"lg_boot_ap:\n"
"	APIC_WR	0x310, $(1<<24)\n"
"	APIC_WR	0x300, $0x4500\n"		/* INIT, level assert */
"	APIC_WR	0x300, $(0x4600|(" XSTR(LG_AP_GPA) ">>12))\n"	/* SIPI */
"	movl	$200000000, %ecx\n"
"6:	cmpl	$0xa9, " XSTR(LG_AP_FLAG) "\n"
"	je	7f\n"
"	pause\n"
"	loop	6b\n"
"7:	REPORT	" XSTR(LG_AP_FLAG) "\n"
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_DONE) "\n"
"	hlt\n"

/* ipi_exit: a fixed IPI to APIC ID 1 and one to all but self. */
"	.globl lg_send_ipi\n"
"lg_send_ipi:\n"
"	APIC_WR	0x310, $(1<<24)\n"
"	APIC_WR	0x300, $0x45\n"
"	APIC_WR	0x300, $(0xc0000|0x46)\n"
"	REPORT	$2\n"
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_DONE) "\n"
"	hlt\n"

/* ready_for_interrupt: IF=0, IF=1, IF=1 in the STI shadow. */
"	.globl lg_ready\n"
"lg_ready:\n"
"	cli\n"
"	REPORT	$0\n"
"	sti\n"
"	nop\n"
"	REPORT	$1\n"
"	movl	$2, %eax\n"
"	cli\n"
"	sti\n"
"	outl	%eax, $" XSTR(LG_PORT_REPORT) "\n"	/* in the STI shadow */
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_DONE) "\n"
"	hlt\n"

/* irq_from_host: sleep in HLT until the host's vector and an NMI came. */
"	.globl lg_wait_host\n"
"lg_wait_host:\n"
"	APIC_WR	0xf0, $0x1ff\n"
"	REPORT	$1\n"				/* ready */
"	WAIT_COUNT 0x50, 1\n"
"	WAIT_COUNT 2, 1\n"
"	REPORT	" XSTR(LG_DATA_GPA) "+8*0x50\n"
"	REPORT	" XSTR(LG_DATA_GPA) "+8*2\n"
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_DONE) "\n"
"	hlt\n"

/*
 * sdm_behaviour: the timer mode switch keeps the count, CPUID.1:EDX.APIC
 * follows IA32_APIC_BASE.EN. nmi_latches_once: gate 2 is lg_nmi_thrice.
 */
"	.globl lg_nmi_thrice\n"
"lg_nmi_thrice:\n"
"	pushq	%rdi\n"
"	incq	" XSTR(LG_DATA_GPA) " + 8 * 2\n"
"	cmpq	$1, " XSTR(LG_DATA_GPA) " + 8 * 2\n"
"	jne	1f\n"
	/* NMIs blocked in here: three NMIs to itself make one latched NMI. */
"	APIC_WR	0x300, $0x400\n"
"	APIC_WR	0x300, $0x400\n"
"	APIC_WR	0x300, $0x400\n"
"1:	popq	%rdi\n"
"	iretq\n"
"	.globl lg_sdm\n"
"lg_sdm:\n"
"	APIC_WR	0xf0, $0x1ff\n"
"	APIC_WR	0x3e0, $0xb\n"			/* divide by 1 */
"	APIC_WR	0x320, $(0x10000|0x41)\n"	/* masked one-shot */
"	APIC_WR	0x380, $0xffffffff\n"
"	APIC_WR	0x320, $(0x30000|0x41)\n"	/* masked periodic */
"	APIC_RD	0x380\n"
"	REPORT	%eax\n"				/* 1: TMICT kept */
"	APIC_RD	0x390\n"
"	REPORT	%eax\n"				/* 2: TMCCT still counting */
"	APIC_WR	0x320, $(0x10000|0x41)\n"	/* back to one-shot */
"	APIC_RD	0x380\n"
"	REPORT	%eax\n"				/* 3: TMICT kept */
"	APIC_WR	0x320, $(0x50000|0x41)\n"	/* TSC-deadline: disarms */
"	APIC_RD	0x380\n"
"	REPORT	%eax\n"				/* 4: 0 */
"	APIC_RD	0x390\n"
"	REPORT	%eax\n"				/* 5: 0 */
"	movl	$1, %eax\n"
"	cpuid\n"
"	andl	$0x200, %edx\n"
"	REPORT	%edx\n"				/* 6: APIC bit set */
"	movl	$0x1b, %ecx\n"
"	rdmsr\n"
"	andl	$~0x800, %eax\n"		/* globally disabled */
"	wrmsr\n"
"	movl	$1, %eax\n"
"	cpuid\n"
"	andl	$0x200, %edx\n"
"	REPORT	%edx\n"				/* 7: APIC bit clear */
"	movl	$0x1b, %ecx\n"
"	rdmsr\n"
"	orl	$0x800, %eax\n"
"	wrmsr\n"
"	movl	$1, %eax\n"
"	cpuid\n"
"	andl	$0x200, %edx\n"
"	REPORT	%edx\n"				/* 8: set again */
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_DONE) "\n"
"	hlt\n"
"	.globl lg_nmi\n"
"lg_nmi:\n"
"	APIC_WR	0xf0, $0x1ff\n"
"	APIC_WR	0x310, $0\n"			/* to APIC ID 0: itself */
"	APIC_WR	0x300, $0x400\n"		/* NMI, physical */
"	REPORT	" XSTR(LG_DATA_GPA) "+8*2\n"	/* 1: taken before this */
"	movl	$100000, %ecx\n"
"2:	loop	2b\n"
"	REPORT	" XSTR(LG_DATA_GPA) "+8*2\n"	/* 2: and no third later */
"	xorl	%eax, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_DONE) "\n"
"	hlt\n"
"	.globl lg_end\n"
"lg_end:\n"

/* The AP's real-mode code, copied to LG_AP_GPA. */
"	.globl lg_ap_start\n"
"lg_ap_start:\n"
"	.code16\n"
"	movw	%cs, %dx\n"
"	xorw	%ax, %ax\n"
"	movw	%ax, %ds\n"
"	movl	$0xa9, " XSTR(LG_AP_FLAG) "\n"
"	movzwl	%dx, %eax\n"
"	outl	%eax, $" XSTR(LG_PORT_REPORT) "\n"
"	cli\n"
"	hlt\n"
"	.code64\n"
"	.globl lg_ap_end\n"
"lg_ap_end:\n"
"	.popsection\n"
);

extern const unsigned char lg_start[], lg_end[], lg_ap_start[], lg_ap_end[];
extern const unsigned char lg_main[], lg_boot_ap[], lg_wait_host[], lg_send_ipi[],
	lg_ready[], lg_sdm[], lg_nmi_thrice[], lg_nmi[];
extern const unsigned char lg_vec_2[], lg_vec_0x40[], lg_vec_0x41[],
	lg_vec_0x42[], lg_vec_0x50[];

#define GPA_OF(sym)	((uint64_t)LG_CODE_GPA + (uint64_t)((sym) - lg_start))

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

/* A VM with LAPICs (flags), the guest code, IDT and the xAPIC mapping. */
static struct axvm_vm *lg_vm(uint32_t flags)
{
	struct axvm_lapic_config cfg = { .flags = flags };
	size_t len = lg_end - lg_start;
	struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	uint64_t *idt;

	AXVM_CHECK(ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg) == 0, "AXVM_CREATE_LAPIC");
	memcpy(axvm_gpa2hva(vm, LG_CODE_GPA, len), lg_start, len);
	memcpy(axvm_gpa2hva(vm, LG_AP_GPA, lg_ap_end - lg_ap_start), lg_ap_start,
	       lg_ap_end - lg_ap_start);
	memset(axvm_gpa2hva(vm, LG_DATA_GPA, 0x1000), 0, 0x1000);
	idt = axvm_gpa2hva(vm, LG_IDT_GPA, 4096);
	memset(idt, 0, 4096);
	set_gate(idt, 2, lg_vec_2);
	set_gate(idt, VEC_IPI, lg_vec_0x40);
	set_gate(idt, VEC_TIMER, lg_vec_0x41);
	set_gate(idt, VEC_DEADLINE, lg_vec_0x42);
	set_gate(idt, VEC_HOST, lg_vec_0x50);
	return vm;
}

/* vCPU in long mode at entry with the test IDT and 3-4 GiB mapped. */
static struct axvm_vcpu *lg_vcpu(struct axvm_vm *vm, uint32_t id, const unsigned char *entry)
{
	struct axvm_vcpu *vcpu = axvm_vcpu_add(vm, id);
	struct axvm_sregs sregs;
	uint64_t *pdpt, *pd;

	axvm_vcpu_setup_long(vcpu, GPA_OF(entry));
	pdpt = axvm_gpa2hva(vm, GPA_PML4 + 0x1000, 4096);
	pd = axvm_gpa2hva(vm, LG_PD_HI, 4096);
	memset(pd, 0, 4096);
	pdpt[3] = LG_PD_HI | 3;
	pd[(APIC_MMIO >> 21) & 0x1ff] = (APIC_MMIO & ~0x1fffffULL) | 0x83;
	axvm_vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.base = LG_IDT_GPA;
	sregs.idt.limit = 256 * 16 - 1;
	axvm_vcpu_set_sregs(vcpu, &sregs);
	return vcpu;
}

/*
 * Run until the guest says done; collect its reports. Every other exit is
 * a failure (a Halt record in particular: HLT with IF=1 must sleep in the
 * kernel). Returns the number of reports.
 */
static int lg_run(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
		  uint32_t *reports, int max, uint32_t *cpu_up)
{
	int n = 0;

	for (;;) {
		struct axvm_exit *e = &vcpu->run->exit;
		uint32_t kind = axvm_vcpu_run(vcpu);

		if (kind == AXVM_EXIT_CPU_UP && cpu_up) {
			cpu_up[0] = e->u.cpu_up.target_cpu;
			cpu_up[1] = e->u.cpu_up.entry_point;
			continue;
		}
		if (kind != AXVM_EXIT_IO_WRITE) {
			axvm_dump_exit(stderr, e);
			EXPECT_EQ(AXVM_EXIT_IO_WRITE, kind);
			return n;
		}
		if (e->u.io_write.port == LG_PORT_DONE)
			return n;
		EXPECT_EQ(LG_PORT_REPORT, e->u.io_write.port);
		if (n < max)
			reports[n] = e->u.io_write.data;
		n++;
	}
}

/*
 * SDM behaviour a guest notices (Documentation/lapic.rst):
 * - 10.5.4.1: only transitions to and from TSC-deadline mode disarm the
 *   timer; between one-shot and periodic TMICT stays and the count goes on;
 * - 10.4.3: CPUID.1:EDX.APIC reads 0 while IA32_APIC_BASE.EN is clear.
 */
TEST(sdm_behaviour)
{
	uint32_t r[16] = { 0 };
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	int n;

	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	vm = lg_vm(0);
	vcpu = lg_vcpu(vm, 0, lg_sdm);
	n = lg_run(_metadata, vcpu, r, 16, NULL);
	ASSERT_EQ(8, n);
	EXPECT_EQ(0xffffffffU, r[0]) TH_LOG("one-shot -> periodic zeroed TMICT");
	EXPECT_NE(0U, r[1]) TH_LOG("one-shot -> periodic stopped the count");
	EXPECT_EQ(0xffffffffU, r[2]) TH_LOG("periodic -> one-shot zeroed TMICT");
	EXPECT_EQ(0U, r[3]) TH_LOG("TSC-deadline mode must disarm");
	EXPECT_EQ(0U, r[4]);
	EXPECT_EQ(0x200U, r[5]) TH_LOG("CPUID.1:EDX.APIC with the APIC enabled");
	EXPECT_EQ(0U, r[6]) TH_LOG("CPUID.1:EDX.APIC with IA32_APIC_BASE.EN clear");
	EXPECT_EQ(0x200U, r[7]) TH_LOG("CPUID.1:EDX.APIC enabled again");
	axvm_vm_free(vm);
}

/*
 * SDM Vol. 3A, 6.7.1: NMIs that arrive while one is blocked latch once:
 * three NMIs the handler sends to its own APIC give one more NMI, not two
 * (the LAPIC's pending flag and the VMX one used to hold one each).
 */
TEST(nmi_latches_once)
{
	uint32_t r[4] = { 0 };
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint64_t *idt;
	int n;

	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	vm = lg_vm(0);
	idt = axvm_gpa2hva(vm, LG_IDT_GPA, 4096);
	set_gate(idt, 2, lg_nmi_thrice);
	vcpu = lg_vcpu(vm, 0, lg_nmi);
	n = lg_run(_metadata, vcpu, r, 4, NULL);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2U, r[0]) TH_LOG("NMIs taken right after the ICR write: one, plus one latched");
	EXPECT_EQ(2U, r[1]) TH_LOG("NMIs later: still one plus one latched");
	axvm_vm_free(vm);
}

TEST(config_errors)
{
	struct axvm_lapic_config cfg = { 0 };
	struct axvm_irq irq = { .dest = 0, .mode = AXVM_IRQ_FIXED, .vector = 0x40 };
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	vm = axvm_vm_create(0);
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ, &irq));
	EXPECT_EQ(ENXIO, errno);
	cfg.flags = 1U << 7;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg));
	EXPECT_EQ(EINVAL, errno);
	cfg.flags = 0;
	cfg.pad = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg));
	EXPECT_EQ(EINVAL, errno);
	cfg.pad = 0;
	EXPECT_EQ(0, ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg));
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg));
	EXPECT_EQ(EEXIST, errno);
	/* No vCPU yet: nobody has APIC ID 0. */
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ, &irq));
	EXPECT_EQ(ENOENT, errno);
	axvm_vcpu_add(vm, 0);
	EXPECT_EQ(0, ioctl(vm->fd, AXVM_IRQ, &irq));
	irq.vector = 15;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.vector = 0x40;
	irq.mode = 6;		/* SIPI is not for userspace */
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.mode = AXVM_IRQ_NMI;
	irq.pad[1] = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ, &irq));
	EXPECT_EQ(EINVAL, errno);
	irq.pad[1] = 0;
	irq.dest = 7;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ, &irq));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_IRQ, NULL));
	EXPECT_EQ(EFAULT, errno);
	axvm_vm_free(vm);

	/* A VM whose vCPUs exist already cannot get LAPICs. */
	vm = axvm_vm_create(0);
	axvm_vcpu_add(vm, 0);
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_CREATE_LAPIC, &cfg));
	EXPECT_EQ(EBUSY, errno);
	axvm_vm_free(vm);
}

TEST(xapic_x2apic_timer)
{
	uint32_t r[16] = { 0 };
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	int n;

	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	vm = lg_vm(0);
	vcpu = lg_vcpu(vm, 0, lg_main);
	n = lg_run(_metadata, vcpu, r, 16, NULL);
	ASSERT_EQ(13, n);
	EXPECT_EQ(0U, r[0]);			/* xAPIC ID of vCPU 0 */
	EXPECT_EQ(0x00050014U, r[1]);		/* version */
	EXPECT_EQ(1U, r[2]);			/* self-IPI delivered */
	EXPECT_EQ(1U, r[3]);			/* one-shot fired once */
	EXPECT_EQ(11U, r[4]);			/* ten periodic ticks more */
	EXPECT_GT(r[5], r[6]);			/* TMCCT counts down */
	EXPECT_GT(r[6], 0U);
	EXPECT_EQ(0x50U, r[7]);			/* CR8 5 -> TPR 0x50 */
	EXPECT_EQ(0U, r[8]);			/* x2APIC ID */
	EXPECT_EQ(2U, r[9]);			/* SELF IPI MSR */
	EXPECT_EQ(0U, r[11]);			/* fired at or after the deadline */
	EXPECT_LT(r[10], 0x80000000U);
	EXPECT_EQ(0U, r[12]);			/* and the MSR reads 0 after */
	TH_LOG("TMCCT %u -> %u; deadline timer fired %u TSC ticks late",
	       r[5], r[6], r[10]);
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

static void boot_ap(struct __test_metadata *_metadata, uint32_t flags)
{
	uint32_t r[4] = { 0 }, up[2] = { ~0U, ~0U };
	struct ap_result a = { 0 };
	struct axvm_sregs sregs;
	struct axvm_vcpu *bsp;
	struct axvm_vm *vm;
	pthread_t t;

	vm = lg_vm(flags);
	bsp = lg_vcpu(vm, 0, lg_boot_ap);
	a.vcpu = axvm_vcpu_add(vm, 1);
	ASSERT_EQ(0, pthread_create(&t, NULL, ap_thread, &a));
	usleep(20000);		/* the AP is asleep in AXVM_RUN by now (or soon) */
	EXPECT_EQ(1, lg_run(_metadata, bsp, r, 4, flags ? up : NULL));
	EXPECT_EQ(0xa9U, r[0]);			/* the AP ran its code */
	pthread_join(t, NULL);
	EXPECT_EQ(0, a.err);
	ASSERT_EQ(2, a.n);
	EXPECT_EQ(AXVM_EXIT_IO_WRITE, a.kinds[0]);
	EXPECT_EQ((uint64_t)(LG_AP_GPA >> 4), a.data[0]);	/* CS = vector << 8 */
	EXPECT_EQ(AXVM_EXIT_HALT, a.kinds[1]);	/* cli; hlt reaches userspace */
	axvm_vcpu_get_sregs(a.vcpu, &sregs);
	EXPECT_EQ((uint64_t)LG_AP_GPA, sregs.cs.base);
	EXPECT_EQ(0ULL, sregs.cr0 & X86_CR0_PE);
	if (flags) {
		EXPECT_EQ(1U, up[0]);
		EXPECT_EQ((uint32_t)LG_AP_GPA, up[1]);
	}
	axvm_vm_free(vm);
}

TEST(init_sipi)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	boot_ap(_metadata, 0);
	boot_ap(_metadata, AXVM_LAPIC_F_CPU_UP_EXIT);
}

/* AXVM_LAPIC_F_IPI_EXIT: fixed IPIs come to userspace as SendIPI. */
TEST(ipi_exit)
{
	struct axvm_vcpu *vcpu;
	struct axvm_exit *e;
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	vm = lg_vm(AXVM_LAPIC_F_IPI_EXIT);
	vcpu = lg_vcpu(vm, 0, lg_send_ipi);
	axvm_vcpu_add(vm, 1);
	e = &vcpu->run->exit;
	ASSERT_EQ(AXVM_EXIT_SEND_IPI, axvm_vcpu_run(vcpu));
	EXPECT_EQ(1ULL, e->u.send_ipi.target_cpu);
	EXPECT_EQ(0x45ULL, e->u.send_ipi.vector);
	EXPECT_EQ(0, e->u.send_ipi.send_to_all);
	EXPECT_EQ(0, e->u.send_ipi.send_to_self);
	ASSERT_EQ(AXVM_EXIT_SEND_IPI, axvm_vcpu_run(vcpu));
	EXPECT_EQ(0x46ULL, e->u.send_ipi.vector);
	EXPECT_EQ(1, e->u.send_ipi.send_to_all);
	EXPECT_EQ(0, e->u.send_ipi.send_to_self);
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(vcpu));
	EXPECT_EQ(2ULL, e->u.io_write.data);
	axvm_vm_free(vm);
}

/*
 * run->ready_for_interrupt after each AXVM_RUN: what a VMM's PIC looks at
 * instead of AXVM_GET_REGS (no LAPIC needed).
 */
TEST(ready_for_interrupt)
{
	struct axvm_event ev = { .type = AXVM_EVENT_EXTINT, .vector = VEC_HOST };
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	struct axvm_run *run;

	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	memcpy(axvm_gpa2hva(vm, LG_CODE_GPA, lg_end - lg_start), lg_start, lg_end - lg_start);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(vcpu, GPA_OF(lg_ready));
	run = vcpu->run;
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(vcpu));
	EXPECT_EQ(0ULL, run->exit.u.io_write.data);
	EXPECT_EQ(0, run->ready_for_interrupt);		/* IF=0 */
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(vcpu));
	EXPECT_EQ(1ULL, run->exit.u.io_write.data);
	EXPECT_EQ(1, run->ready_for_interrupt);		/* IF=1 */
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(vcpu));
	EXPECT_EQ(2ULL, run->exit.u.io_write.data);
	EXPECT_EQ(0, run->ready_for_interrupt);		/* STI shadow */
	/* A queued vector makes it 0 until the guest took it. */
	ASSERT_EQ(0, ioctl(vcpu->fd, AXVM_INJECT, &ev));
	run->immediate_exit = 1;
	EXPECT_EQ(-1, __axvm_vcpu_run(vcpu));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(0, run->ready_for_interrupt);
	run->immediate_exit = 0;
	axvm_vm_free(vm);
}

struct sender {
	int vm_fd;
	int err;
};

static void *send_irqs(void *arg)
{
	struct sender *s = arg;
	struct axvm_irq irq = { .dest = 0, .mode = AXVM_IRQ_FIXED, .vector = VEC_HOST };

	usleep(50000);		/* the guest sleeps in HLT by now */
	if (ioctl(s->vm_fd, AXVM_IRQ, &irq))
		s->err = errno;
	usleep(20000);
	irq.mode = AXVM_IRQ_NMI;
	irq.dest = AXVM_IRQ_BROADCAST;
	if (ioctl(s->vm_fd, AXVM_IRQ, &irq))
		s->err = errno;
	return NULL;
}

TEST(irq_from_host)
{
	struct sender s = { 0 };
	uint32_t r[4] = { 0 };
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	pthread_t t;
	uint32_t kind;

	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	vm = lg_vm(0);
	vcpu = lg_vcpu(vm, 0, lg_wait_host);
	kind = axvm_vcpu_run(vcpu);		/* "ready" */
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, kind);
	s.vm_fd = vm->fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, send_irqs, &s));
	EXPECT_EQ(2, lg_run(_metadata, vcpu, r, 4, NULL));
	pthread_join(t, NULL);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(1U, r[0]);
	EXPECT_EQ(1U, r[1]);
	axvm_vm_free(vm);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct sleeper {
	struct axvm_vcpu *vcpu;
	int ret, err;
};

static void *sleep_run(void *arg)
{
	struct sleeper *s = arg;

	s->ret = __axvm_vcpu_run(s->vcpu);
	s->err = errno;
	return NULL;
}

TEST(wait_sipi_signal)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct sleeper s = { .ret = 1 };
	struct axvm_vm *vm;
	pthread_t t;

	AXVM_REQUIRE_CAP(AXVM_CAP_LAPIC);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	vm = lg_vm(0);
	lg_vcpu(vm, 0, lg_main);
	s.vcpu = axvm_vcpu_add(vm, 1);		/* an AP: waits for SIPI */
	ASSERT_EQ(0, pthread_create(&t, NULL, sleep_run, &s));
	usleep(100000);
	EXPECT_EQ(1, s.ret);			/* still asleep */
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-1, s.ret);
	EXPECT_EQ(EINTR, s.err);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
