// SPDX-License-Identifier: GPL-2.0
/*
 * The run page is the VMM's memory: another thread may rewrite it at any
 * time, also while AXVM_RUN decodes and serves an exit. The kernel builds
 * every exit record in its own memory and copies it out once
 * (Documentation/ioctl-abi.rst, "The run page"), so rewriting run->exit
 * while the guest runs changes nothing the kernel does.
 *
 * Before that was so, a thread writing run->exit.kind = HYPERCALL (nr NOP)
 * made the kernel complete guest OUTs as in-kernel NOP hypercalls: the
 * OUT never reached userspace and RAX was zeroed; other kinds made
 * AXVM_RUN fail with EINVAL.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "axvm_test.h"

#define MMIO		0x30000000ull
#define ROUNDS		1500
#define RACER_MARK	0xdead0000u	/* no VMX basic exit reason looks so */
/* Where the guest's RIP stands at each exit (see code[] below). */
#define RIP_OUT		(GPA_SCRATCH + 4)
#define RIP_MMIO	(GPA_SCRATCH + 6)

/*
 * 64-bit guest at GPA_SCRATCH:
 *	xor ebx,ebx
 * 1:	mov eax,ebx
 *	out 0x10,eax
 *	mov [MMIO],ebx
 *	inc ebx
 *	jmp 1b
 */
static const uint8_t code[] = {
	0x31, 0xdb,
	0x89, 0xd8,
	0xe7, 0x10,
	0x89, 0x1c, 0x25, 0x00, 0x00, 0x00, 0x30,
	0xff, 0xc3,
	0xeb, 0xf1,
};

struct racer {
	struct axvm_run *run;
	atomic_int in_run;	/* the main thread is (about to be) in AXVM_RUN */
	atomic_int busy;	/* the racer may be writing the page */
	atomic_int quit;
	unsigned long writes;
};

/* What the racer writes: kinds the kernel would serve or refuse itself. */
static void scribble(struct axvm_exit *e, unsigned long i)
{
	static const uint32_t kinds[] = {
		AXVM_EXIT_HYPERCALL, AXVM_EXIT_IO_WRITE, AXVM_EXIT_MMIO_WRITE,
		AXVM_EXIT_IO_READ, AXVM_EXIT_MMIO_READ, AXVM_EXIT_NOTHING,
		0xffff,
	};
	uint32_t kind = kinds[i % ARRAY_SIZE(kinds)];

	/*
	 * Atomic stores: the compiler may neither fold nor drop them. The
	 * racer's mark goes first: a record it rewrote after the kernel's
	 * copy-out (between the ioctl's return and in_run = 0, a window no
	 * userspace protocol can close) is known by it.
	 */
	__atomic_store_n(&e->basic_reason, RACER_MARK | (uint32_t)(i & 0xffff),
			 __ATOMIC_SEQ_CST);
	__atomic_store_n(&e->kind, kind, __ATOMIC_RELAXED);
	__atomic_store_n(&e->u.hypercall.nr, AXVM_HC_NOP, __ATOMIC_RELAXED);
	__atomic_store_n(&e->u.io_write.port, 0x80, __ATOMIC_RELAXED); /* POST */
	__atomic_store_n(&e->u.io_write.width, (uint8_t)i, __ATOMIC_RELAXED);
	__atomic_store_n(&e->u.mmio_write.addr, 0xfee00000 + (i & 0xff0),
			 __ATOMIC_RELAXED);
	/*
	 * And last: a rewrite that straddles the kernel's copy-out (the
	 * kernel's memcpy overwrote the first mark, not the fields after it)
	 * still ends with the mark.
	 */
	__atomic_store_n(&e->basic_reason, RACER_MARK | (uint32_t)(i & 0xffff),
			 __ATOMIC_SEQ_CST);
}

/*
 * The record was touched by the racer after the kernel's copy-out: its
 * mark, or its MMIO address (0xfee00xx0: this guest only writes to MMIO and
 * OUTs to 0x10) in the union.
 */
static bool rewritten_by_racer(const struct axvm_exit *e)
{
	return (e->basic_reason & 0xffff0000u) == RACER_MARK ||
	       (e->u.mmio_write.addr & ~0xff0ull) == 0xfee00000;
}

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	while (!atomic_load(&r->quit)) {
		/* Dekker with the main thread: busy before looking at in_run. */
		atomic_store(&r->busy, 1);
		if (atomic_load(&r->in_run)) {
			scribble(&r->run->exit, r->writes++);
			atomic_store(&r->busy, 0);
			continue;
		}
		atomic_store(&r->busy, 0);
		/*
		 * Nothing to race: give the CPU back. On one CPU a racer that
		 * spins out its time slice doubles the test's time for nothing.
		 */
		sched_yield();
	}
	return NULL;
}

/* AXVM_RUN with the racer writing; returns with the racer off the page. */
static int run_raced(struct axvm_vcpu *v, struct racer *r)
{
	int ret, err;

	v->run->response = AXVM_RESP_NONE;
	atomic_store(&r->in_run, 1);
	ret = ioctl(v->fd, AXVM_RUN, 0);
	err = errno;
	atomic_store(&r->in_run, 0);
	/* The racer may be preempted while busy: on one CPU, let it finish. */
	while (atomic_load(&r->busy))
		sched_yield();
	errno = err;
	return ret;
}

/* Next exit userspace must see: EINTR and NOTHING/EXTERNAL_INTERRUPT skipped. */
static uint32_t next_exit(struct __test_metadata *_metadata,
			  struct axvm_vcpu *v, struct racer *r)
{
	for (;;) {
		int ret = run_raced(v, r);

		if (ret && errno == EINTR)
			continue;
		EXPECT_EQ(0, ret) TH_LOG("AXVM_RUN: %s", strerror(errno));
		if (ret)
			return AXVM_EXIT_NOTHING;
		/* A record the racer rewrote is judged by the registers. */
		if (rewritten_by_racer(&v->run->exit))
			return AXVM_EXIT_NOTHING;
		if (v->run->exit.kind == AXVM_EXIT_NOTHING ||
		    v->run->exit.kind == AXVM_EXIT_EXTERNAL_INTERRUPT)
			continue;
		return v->run->exit.kind;
	}
}

/*
 * The exit of round @i at @rip: the registers say what the kernel did (the
 * guest stopped at that instruction, EAX and EBX untouched); the record
 * says it too, unless the racer rewrote it after the kernel's copy-out
 * (rewritten_by_racer()), which is counted in @rewritten instead.
 */
static void check_exit(struct __test_metadata *_metadata, struct axvm_vcpu *v,
		       struct racer *r, uint32_t i, uint64_t rip,
		       uint32_t *rewritten)
{
	const struct axvm_exit *e = &v->run->exit;
	uint32_t kind = next_exit(_metadata, v, r);
	struct axvm_regs regs;
	bool out = rip == RIP_OUT;

	axvm_vcpu_get_regs(v, &regs);
	if (regs.rip != rip || regs.rax != i || regs.rbx != i) {
		axvm_dump_exit(stderr, e);
		ASSERT_TRUE(0) TH_LOG("round %u: expected the %s exit at RIP 0x%llx with RAX = RBX = %u, got RIP 0x%llx RAX %llu RBX %llu",
				      i, out ? "OUT" : "MMIO write",
				      (unsigned long long)rip, i,
				      (unsigned long long)regs.rip,
				      (unsigned long long)regs.rax,
				      (unsigned long long)regs.rbx);
	}
	if (rewritten_by_racer(e)) {
		(*rewritten)++;
		return;
	}
	if (out ? kind != AXVM_EXIT_IO_WRITE || e->u.io_write.port != 0x10 ||
		  e->u.io_write.width != 4 || e->u.io_write.data != i :
		  kind != AXVM_EXIT_MMIO_WRITE || e->u.mmio_write.addr != MMIO ||
		  e->u.mmio_write.width != 4 || e->u.mmio_write.data != i) {
		axvm_dump_exit(stderr, e);
		ASSERT_TRUE(0) TH_LOG("round %u: expected %s of %u", i,
				      out ? "OUT 0x10" : "an MMIO write", i);
	}
}

/* A fixture only for TEST_F_TIMEOUT: Bochs needs more than 30 s. */
FIXTURE(rp) {
	int unused;
};
FIXTURE_SETUP(rp) { (void)self; }
FIXTURE_TEARDOWN(rp) { (void)self; }

TEST_F_TIMEOUT(rp, rewrite_during_run, 600)
{
	struct axvm_vcpu *v;
	struct axvm_vm *vm;
	struct racer r = { 0 };
	uint32_t i, rewritten = 0;
	pthread_t t;

	AXVM_REQUIRE();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		TH_LOG("one CPU: the racer only runs when AXVM_RUN is preempted");
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, GPA_SCRATCH);
	memcpy(axvm_gpa2hva(vm, GPA_SCRATCH, sizeof(code)), code, sizeof(code));
	r.run = v->run;
	ASSERT_EQ(0, pthread_create(&t, NULL, racer_fn, &r));

	for (i = 0; i < ROUNDS; i++) {
		/* Every OUT reaches userspace, with the guest's EAX. */
		check_exit(_metadata, v, &r, i, RIP_OUT, &rewritten);
		/* And every MMIO write, with the guest's EBX. */
		check_exit(_metadata, v, &r, i, RIP_MMIO, &rewritten);
	}
	atomic_store(&r.quit, 1);
	pthread_join(t, NULL);
	TH_LOG("%u OUTs and %u MMIO writes, %lu record rewrites, %u of them after the copy-out",
	       ROUNDS, ROUNDS, r.writes, rewritten);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		EXPECT_LT(0UL, r.writes);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
