// SPDX-License-Identifier: GPL-2.0
/*
 * dbgexc_test: #DB, #AC and the debug registers (Documentation/hardening.rst,
 * "Debug exceptions and alignment checks"). Guests that would loop the CPU
 * in exception delivery (CVE-2015-5307, CVE-2015-8104) must leave the host
 * responsive and the VMM killable, and every guest must see what the CPU
 * would give it.
 *
 *   ac_reflected             CPL-3 alignment check: #AC, error code 0, RIP
 *   ac_in_ac_delivery        misaligned ring-3 stack: #AC loops in delivery;
 *                            AXVM_RUN still ends on a signal, the guest stays
 *                            at the faulting instruction, SIGKILL works
 *   db_breakpoint_reflected  guest DR0/DR7 data breakpoint fires; DR6 = B0
 *   dr4_dr5                  MOV DR4 is #UD with CR4.DE, aliases DR6 without
 *   db_in_db_delivery        a data breakpoint on the #DB IST stack: #DB
 *                            loops in delivery; signal and SIGKILL still work
 *   host_watchpoint_not_in_guest  a ptrace watchpoint of the VMM on an
 *                            address the guest writes does not fire in the
 *                            guest, and still fires in the VMM
 *
 * Guest-physical layout (4 MiB RAM, library GDT/TSS/page tables):
 *   XD_CODE  0x200000  the code below, copied
 *   XD_IDT   0x210000  32 gates (16 bytes in long mode, 8 in 32-bit mode)
 *   XD_DATA  0x211000  watched and misaligned data
 *   XD_IST   0x060000  top of the #DB IST stack
 *   XD_WATCH 0x300000  the page the VMM watches in its own address space
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "axvm_test.h"

#define XSTR(x)		STR(x)
#define STR(x)		#x

#define XD_CODE		0x200000
#define XD_IDT		0x210000
#define XD_DATA		0x211000
#define XD_IST		0x60000
#define XD_WATCH	0x300000
#define XD_PORT_DONE	0x10
#define XD_PORT_VEC	0x12
#define XD_PORT_A	0x13
#define XD_PORT_B	0x14
#define XD_DONE		0x600d

/* Ring-3 flat segments appended to the library's GDT (6 entries). */
#define SEL_CODE32_U	0x33
#define SEL_DATA_U	0x3b
#define GDT_CODE32_U	0x00cffb000000ffffULL
#define GDT_DATA_U	0x00cff3000000ffffULL

#define X86_CR0_AM	(1ULL << 18)
#define RFLAGS_AC	(1ULL << 18)
#define RFLAGS_IOPL3	(3ULL << 12)

asm(
"	.pushsection .rodata.axvm_dbgexc_guest, \"a\"\n"
"	.balign 4096\n"
"	.globl xd_start\n"
"xd_start:\n"
/* Long mode: vector v at xd_vec64 + 16 * v reports v, DR6, pushed RIP. */
"	.code64\n"
"	.globl xd_vec64\n"
"	.balign 16\n"
"xd_vec64:\n"
"	.set	v, 0\n"
"	.rept	32\n"
"	.balign	16\n"
"	movl	$v, %eax\n"
"	jmp	xd_report64\n"
"	.set	v, v + 1\n"
"	.endr\n"
"xd_report64:\n"
"	outl	%eax, $" XSTR(XD_PORT_VEC) "\n"
"	movq	%dr6, %rax\n"
"	outl	%eax, $" XSTR(XD_PORT_A) "\n"
"	movq	(%rsp), %rax\n"
"	outl	%eax, $" XSTR(XD_PORT_B) "\n"
"1:	hlt\n"
"	jmp	1b\n"
/* A write breakpoint on XD_DATA through DR0/DR7, then the write. */
"	.globl xd_bp, xd_bp_after\n"
"xd_bp:\n"
"	movq	$" XSTR(XD_DATA) ", %rax\n"
"	movq	%rax, %dr0\n"
"	movq	$0xd0401, %rax\n"		/* L0, RW0 = write, LEN0 = 4 */
"	movq	%rax, %dr7\n"
"	movl	$1, " XSTR(XD_DATA) "\n"
"xd_bp_after:\n"
"	ud2\n"
/* MOV DR4 with CR4.DE set (#UD), then without (DR6). */
"	.globl xd_dr4, xd_dr4_de, xd_dr4_alias\n"
"xd_dr4:\n"
"	movq	%dr4, %rax\n"
"	outl	%eax, $" XSTR(XD_PORT_A) "\n"
"	movq	%cr4, %rax\n"
"	orq	$8, %rax\n"
"	movq	%rax, %cr4\n"
"xd_dr4_de:\n"
"	movq	%dr4, %rax\n"
"	ud2\n"
/* A write breakpoint on the #DB frame's SS slot of the IST stack. */
"	.globl xd_ist, xd_ist_spin\n"
"xd_ist:\n"
"	movq	$" XSTR(XD_IST) " - 8, %rax\n"
"	movq	%rax, %dr0\n"
"	movq	$0x90401, %rax\n"		/* L0, RW0 = write, LEN0 = 8 */
"	movq	%rax, %dr7\n"
"	movq	%rax, " XSTR(XD_IST) " - 8\n"
"xd_ist_spin:\n"
"	jmp	xd_ist_spin\n"
/* Write the page the VMM watches, then say done. */
"	.globl xd_watch\n"
"xd_watch:\n"
"	movl	$1, " XSTR(XD_WATCH) "\n"
"	movl	$" XSTR(XD_DONE) ", %eax\n"
"	outl	%eax, $" XSTR(XD_PORT_DONE) "\n"
"1:	hlt\n"
"	jmp	1b\n"
/* 32-bit, CPL 3: vector v at xd_vec32 + 16 * v reports v, error, EIP. */
"	.code32\n"
"	.globl xd_vec32\n"
"	.balign 16\n"
"xd_vec32:\n"
"	.set	v, 0\n"
"	.rept	32\n"
"	.balign	16\n"
"	movl	$v, %eax\n"
"	jmp	xd_report32\n"
"	.set	v, v + 1\n"
"	.endr\n"
"xd_report32:\n"
"	outl	%eax, $" XSTR(XD_PORT_VEC) "\n"
"	popl	%eax\n"
"	outl	%eax, $" XSTR(XD_PORT_A) "\n"
"	popl	%eax\n"
"	outl	%eax, $" XSTR(XD_PORT_B) "\n"
"1:	jmp	1b\n"
/* A misaligned load at CPL 3 with CR0.AM and EFLAGS.AC. */
"	.globl xd_ac\n"
"xd_ac:\n"
"	movl	" XSTR(XD_DATA) " + 1, %eax\n"
"	ud2\n"
"	.code64\n"
"	.globl xd_end\n"
"xd_end:\n"
"	.popsection\n");

extern const unsigned char xd_start[], xd_end[], xd_vec64[], xd_vec32[];
extern const unsigned char xd_bp[], xd_bp_after[], xd_dr4[], xd_dr4_de[];
extern const unsigned char xd_ist[], xd_ist_spin[], xd_watch[], xd_ac[];

#define GPA_OF(sym)	((uint64_t)XD_CODE + (uint64_t)((sym) - xd_start))

/* Long mode at entry, IDT of report stubs; #DB on IST1 when ist. */
static struct axvm_vcpu *xd_create64(struct axvm_vm **vmp, const void *entry,
				     bool ist)
{
	struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	uint64_t *idt = axvm_gpa2hva(vm, XD_IDT, 32 * 16);
	struct axvm_vcpu *v = axvm_vcpu_add(vm, 0);
	struct axvm_sregs sregs;
	unsigned int i;

	memcpy(axvm_gpa2hva(vm, XD_CODE, xd_end - xd_start), xd_start,
	       xd_end - xd_start);
	memset(axvm_gpa2hva(vm, XD_DATA, 4096), 0, 4096);
	axvm_vcpu_setup_long(v, GPA_OF((const unsigned char *)entry));
	for (i = 0; i < 32; i++) {
		uint64_t h = GPA_OF(xd_vec64 + 16 * i);

		/* 64-bit interrupt gate, DPL 0 (SDM Vol. 3A, 6.14.1). */
		idt[2 * i] = (h & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
			     (0x8eULL << 40) | (((h >> 16) & 0xffff) << 48);
		idt[2 * i + 1] = h >> 32;
	}
	if (ist) {
		/* IST1 in the 64-bit TSS is at offset 0x24 (7.7). */
		uint64_t top = XD_IST;

		idt[2] |= 1ULL << 32;
		memcpy(axvm_gpa2hva(vm, GPA_TSS + 0x24, 8), &top, 8);
	}
	axvm_vcpu_get_sregs(v, &sregs);
	sregs.idt.base = XD_IDT;
	sregs.idt.limit = 32 * 16 - 1;
	axvm_vcpu_set_sregs(v, &sregs);
	*vmp = vm;
	return v;
}

static void seg_user(struct axvm_segment *s, uint16_t sel, uint8_t type)
{
	s->selector = sel;
	s->type = type;
	s->dpl = 3;
}

/* 32-bit protected mode at CPL 3 with CR0.AM, EFLAGS.AC, IOPL 3, at esp. */
static struct axvm_vcpu *xd_create_ac(struct axvm_vm **vmp, uint32_t esp)
{
	struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	uint64_t *idt = axvm_gpa2hva(vm, XD_IDT, 32 * 8);
	uint64_t *gdt = axvm_gpa2hva(vm, GPA_GDT, 8 * 8);
	struct axvm_vcpu *v = axvm_vcpu_add(vm, 0);
	struct axvm_sregs sregs;
	struct axvm_regs regs;
	unsigned int i;

	memcpy(axvm_gpa2hva(vm, XD_CODE, xd_end - xd_start), xd_start,
	       xd_end - xd_start);
	memset(axvm_gpa2hva(vm, XD_DATA, 4096), 0, 4096);
	axvm_vcpu_setup_pm32(v, GPA_OF(xd_ac));
	gdt[SEL_CODE32_U / 8] = GDT_CODE32_U;
	gdt[SEL_DATA_U / 8] = GDT_DATA_U;
	for (i = 0; i < 32; i++) {
		uint32_t h = GPA_OF(xd_vec32 + 16 * i);

		/* 32-bit trap gate, DPL 3, to the ring-3 code segment. */
		idt[i] = (h & 0xffff) | ((uint64_t)SEL_CODE32_U << 16) |
			 (0xefULL << 40) | ((uint64_t)(h >> 16) << 48);
	}
	axvm_vcpu_get_sregs(v, &sregs);
	sregs.gdt.limit = 8 * 8 - 1;
	sregs.idt.base = XD_IDT;
	sregs.idt.limit = 32 * 8 - 1;
	sregs.cr0 |= X86_CR0_AM;
	seg_user(&sregs.cs, SEL_CODE32_U, 0xb);
	seg_user(&sregs.ss, SEL_DATA_U, 0x3);
	seg_user(&sregs.ds, SEL_DATA_U, 0x3);
	seg_user(&sregs.es, SEL_DATA_U, 0x3);
	seg_user(&sregs.fs, SEL_DATA_U, 0x3);
	seg_user(&sregs.gs, SEL_DATA_U, 0x3);
	axvm_vcpu_set_sregs(v, &sregs);
	axvm_vcpu_get_regs(v, &regs);
	regs.rsp = esp;
	regs.rflags = X86_RFLAGS_FIXED | RFLAGS_AC | RFLAGS_IOPL3;
	axvm_vcpu_set_regs(v, &regs);
	*vmp = vm;
	return v;
}

static void on_alarm(int sig)
{
	(void)sig;	/* ends AXVM_RUN with EINTR */
}

/* Run for about ms milliseconds; true if AXVM_RUN ended with EINTR only. */
static bool run_until_signal(struct axvm_vcpu *v, unsigned int ms)
{
	struct itimerval it = { .it_value.tv_usec = ms * 1000 };
	struct sigaction sa = { .sa_handler = on_alarm };
	int r;

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	do {
		v->run->response = AXVM_RESP_NONE;
		r = __axvm_vcpu_run(v);
	} while (r == 0 && (v->run->exit.kind == AXVM_EXIT_NOTHING ||
			    v->run->exit.kind == AXVM_EXIT_EXTERNAL_INTERRUPT));
	if (r == 0)
		axvm_dump_exit(stderr, &v->run->exit);
	return r < 0 && errno == EINTR;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A VMM child runs the looping guest made by mk for ever; it must die
 * within 10 s of SIGKILL. Returns the seconds it took, or -1.
 */
static double kill_looping_vmm(struct axvm_vcpu *(*mk)(struct axvm_vm **))
{
	int p[2], status;
	double t0;
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct axvm_vm *vm;
		struct axvm_vcpu *v = mk(&vm);

		close(p[0]);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			__axvm_vcpu_run(v);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1)
		return -1;
	close(p[0]);
	usleep(50 * 1000);	/* well inside the loop */
	t0 = now();
	kill(pid, SIGKILL);
	while (now() - t0 < 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFSIGNALED(status) ? now() - t0 : -1;
		usleep(10 * 1000);
	}
	return -1;
}

TEST(ac_reflected)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;

	AXVM_REQUIRE();
	v = xd_create_ac(&vm, GPA_STACK_TOP);
	ASSERT_RUN_IO_WRITE(v, XD_PORT_VEC, 4, 17);
	ASSERT_RUN_IO_WRITE(v, XD_PORT_A, 4, 0);		/* error code */
	ASSERT_RUN_IO_WRITE(v, XD_PORT_B, 4, GPA_OF(xd_ac));	/* a fault */
	axvm_vm_free(vm);
}

static struct axvm_vcpu *mk_ac_loop(struct axvm_vm **vmp)
{
	return xd_create_ac(vmp, GPA_STACK_TOP - 3);
}

TEST(ac_in_ac_delivery)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	struct axvm_regs regs;
	double t;

	AXVM_REQUIRE();
	v = mk_ac_loop(&vm);
	ASSERT_TRUE(run_until_signal(v, 100));
	/* The CPU would deliver #AC for ever: nothing of it has completed. */
	axvm_vcpu_get_regs(v, &regs);
	EXPECT_EQ(GPA_OF(xd_ac), regs.rip);
	EXPECT_EQ(GPA_STACK_TOP - 3, regs.rsp);
	axvm_vm_free(vm);
	t = kill_looping_vmm(mk_ac_loop);
	ASSERT_GE(t, 0);
	TH_LOG("VMM looping in #AC delivery died %.3f s after SIGKILL", t);
}

TEST(db_breakpoint_reflected)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;

	AXVM_REQUIRE();
	v = xd_create64(&vm, xd_bp, false);
	ASSERT_RUN_IO_WRITE(v, XD_PORT_VEC, 4, 1);
	/* B0, fixed-1 bits, RTM (active low) clear: SDM Vol. 3B, 18.2.3. */
	ASSERT_RUN_IO_WRITE(v, XD_PORT_A, 4, 0xffff0ff1);
	/* A data breakpoint is a trap: after the write. */
	ASSERT_RUN_IO_WRITE(v, XD_PORT_B, 4, GPA_OF(xd_bp_after));
	axvm_vm_free(vm);
}

TEST(dr4_dr5)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;

	AXVM_REQUIRE();
	v = xd_create64(&vm, xd_dr4, false);
	/* CR4.DE clear: DR4 is DR6, at its reset value. */
	ASSERT_RUN_IO_WRITE(v, XD_PORT_A, 4, 0xffff0ff0);
	/* CR4.DE set: #UD at the MOV (SDM Vol. 3B, 18.2.2). */
	ASSERT_RUN_IO_WRITE(v, XD_PORT_VEC, 4, 6);
	axvm_vcpu_run(v);
	ASSERT_RUN_IO_WRITE(v, XD_PORT_B, 4, GPA_OF(xd_dr4_de));
	axvm_vm_free(vm);
}

static struct axvm_vcpu *mk_db_loop(struct axvm_vm **vmp)
{
	return xd_create64(vmp, xd_ist, true);
}

TEST(db_in_db_delivery)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	struct axvm_regs regs;
	double t;

	AXVM_REQUIRE();
	v = mk_db_loop(&vm);
	ASSERT_TRUE(run_until_signal(v, 100));
	/*
	 * Each delivery writes the frame on the IST stack, hits the
	 * breakpoint and delivers #DB again before the handler's first
	 * instruction: the guest sits at the handler with one frame pushed.
	 */
	axvm_vcpu_get_regs(v, &regs);
	EXPECT_EQ(GPA_OF(xd_vec64 + 16), regs.rip);
	EXPECT_EQ((uint64_t)XD_IST - 40, regs.rsp);
	axvm_vm_free(vm);
	t = kill_looping_vmm(mk_db_loop);
	ASSERT_GE(t, 0);
	TH_LOG("VMM looping in #DB delivery died %.3f s after SIGKILL", t);
}

/* The VMM child: watched by its parent, runs xd_watch, then writes itself. */
static int watched_vmm(volatile uint32_t *page)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	const struct axvm_exit *e;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) || raise(SIGSTOP))
		return 2;
	v = xd_create64(&vm, xd_watch, false);
	axvm_vcpu_run(v);
	e = &v->run->exit;
	if (e->kind != AXVM_EXIT_IO_WRITE || e->u.io_write.port != XD_PORT_DONE) {
		axvm_dump_exit(stderr, e);
		return 3;	/* the guest took the host's #DB */
	}
	axvm_vm_free(vm);
	*page = 1;		/* the watchpoint must still fire here */
	return 0;
}

TEST(host_watchpoint_not_in_guest)
{
	const size_t dr = offsetof(struct user, u_debugreg);
	volatile uint32_t *page;
	bool trapped = false;
	siginfo_t si;
	int status;
	pid_t pid;

	AXVM_REQUIRE();
	page = mmap((void *)XD_WATCH, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ((void *)XD_WATCH, (void *)page);
	pid = fork();
	if (pid == 0)
		_exit(watched_vmm(page));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	/* DR0 = the page, DR7: L0, write, 4 bytes; as gdb's watch would. */
	ASSERT_EQ(0, ptrace(PTRACE_POKEUSER, pid, (void *)(dr + 0 * 8),
			    (void *)XD_WATCH));
	ASSERT_EQ(0, ptrace(PTRACE_POKEUSER, pid, (void *)(dr + 7 * 8),
			    (void *)0xd0001UL));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, NULL));
	for (;;) {
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (!WIFSTOPPED(status))
			break;
		if (WSTOPSIG(status) == SIGTRAP &&
		    !ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) &&
		    si.si_code == TRAP_HWBKPT)
			trapped = true;
		/* Pass on anything else (an abort() of the child, say). */
		ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL,
				    (void *)(long)(WSTOPSIG(status) == SIGTRAP ?
						   0 : WSTOPSIG(status))));
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_TRUE(trapped) TH_LOG("the watchpoint never fired in the VMM");
	munmap((void *)page, 4096);
}

TEST_HARNESS_MAIN
