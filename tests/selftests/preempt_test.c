// SPDX-License-Identifier: GPL-2.0
/*
 * preempt_test: a long-running guest loop (guests/guest64.S "checksum",
 * 8 instructions per iteration) must come out right however often the host
 * interrupts, preempts or migrates the vCPU thread inside AXVM_RUN:
 *  - long_loop: alone (host timer interrupts only);
 *  - hog_same_cpu: with a CPU hog pinned to the vCPU thread's CPU, which
 *    only makes progress during the run if axvm lets the scheduler preempt
 *    the vCPU thread;
 *  - migrate_cpus: with a thread flipping the vCPU thread's affinity
 *    between two CPUs, so the vCPU moves between host CPUs mid-run (SKIP
 *    with fewer than two usable CPUs).
 * The host computes the same checksum and compares.
 *
 *  - signals_interrupt_run: with another thread sending the vCPU thread
 *    signals, AXVM_RUN returns EINTR (a long guest run must not make the
 *    thread unkillable), and re-entering continues the guest where it was.
 *
 * The guest work is kept small enough for Bochs (the test machine emulates
 * maybe 50 MIPS, for its kernel and the guest together): by default 1.5 M
 * iterations (~12 M guest instructions) per test, ~48 M for all four;
 * AXVM_PREEMPT_ITERS overrides.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "axvm_test.h"

#define DEFAULT_ITERS	1500000ULL
#define SEED		0x0123456789abcdefULL
#define TIMEOUT_S	600

static uint64_t iterations(void)
{
	const char *s = getenv("AXVM_PREEMPT_ITERS");
	uint64_t n = s ? strtoull(s, NULL, 0) : 0;

	return n ? n : DEFAULT_ITERS;
}

/* The guest's loop, in C. */
static uint64_t host_checksum(uint64_t n, uint64_t seed)
{
	uint64_t x = seed, s = 0;

	while (n--) {
		x = x * CSUM_MUL + CSUM_ADD;
		s ^= x >> CSUM_SHIFT;
		s = (s << CSUM_ROT) | (s >> (64 - CSUM_ROT));
	}
	return s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sum of the LOC ("Local timer interrupts") row of /proc/interrupts, or -1. */
static long long local_timer_irqs(void)
{
	char line[4096];
	long long sum = -1;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ')
			p++;
		if (strncmp(p, "LOC:", 4))
			continue;
		sum = 0;
		for (p += 4;; p = end) {
			long long v = strtoll(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
		break;
	}
	fclose(f);
	return sum;
}

/* se.nr_migrations of a thread of ours (needs CONFIG_SCHED_DEBUG), or -1. */
static long long nr_migrations(pid_t tid)
{
	char path[64], line[256];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/sched", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		if (strncmp(line, "se.nr_migrations", 16))
			continue;
		colon = strchr(line, ':');
		if (colon)
			n = strtoll(colon + 1, NULL, 10);
		break;
	}
	fclose(f);
	return n;
}

/* The CPU a thread of ours last ran on (/proc stat field 39), or -1. */
static int thread_cpu(pid_t tid)
{
	char path[64], buf[1024], *p, *save = NULL;
	int field, cpu = -1;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* Field 3 (state) is the first token after the ')' of field 2. */
	for (field = 3, p = strtok_r(p + 1, " ", &save); p;
	     field++, p = strtok_r(NULL, " ", &save)) {
		if (field == 39) {
			cpu = atoi(p);
			break;
		}
	}
	return cpu;
}

static void pin_thread(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	AXVM_CHECK(sched_setaffinity(tid, sizeof(set), &set) == 0, "pin %d to CPU %d", tid, cpu);
}

FIXTURE(preempt)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *vcpu;
	uint64_t iters;
	uint64_t want;
};

/* Nothing that can SKIP here: 6.1's harness would still run the test. */
FIXTURE_SETUP(preempt)
{
	self->vm = NULL;
	self->iters = iterations();
}

FIXTURE_TEARDOWN(preempt)
{
	axvm_vm_free(self->vm);
}

static void prepare(FIXTURE_DATA(preempt) *self)
{
	struct axvm_regs regs;

	self->vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(self->vm, &axvm_guest64);
	self->vcpu = axvm_vcpu_add(self->vm, 0);
	axvm_vcpu_setup_long(self->vcpu, G64_CHECKSUM);
	axvm_vcpu_get_regs(self->vcpu, &regs);
	regs.rcx = self->iters;
	regs.rsi = SEED;
	regs.rdi = GPA_SCRATCH;
	axvm_vcpu_set_regs(self->vcpu, &regs);
	self->want = host_checksum(self->iters, SEED);
}

struct run_stats {
	double seconds;
	long long timer_irqs;
	long nvcsw, nivcsw;
};

/*
 * Run through the loop to the first report (the rest is quick), with
 * *in_run (if given) true just around that run.
 */
static void run_loop(struct __test_metadata *_metadata, FIXTURE_DATA(preempt) *self,
		     struct run_stats *st, atomic_bool *in_run)
{
	struct axvm_vcpu *vcpu = self->vcpu;
	struct rusage ru0, ru1;
	long long irq0, irq1;
	struct axvm_regs regs;
	double t0;

	irq0 = local_timer_irqs();
	getrusage(RUSAGE_THREAD, &ru0);
	t0 = now_s();
	if (in_run)
		atomic_store(in_run, true);
	axvm_vcpu_run(vcpu);
	if (in_run)
		atomic_store(in_run, false);
	st->seconds = now_s() - t0;
	ASSERT_IO_WRITE(vcpu, UCALL_PORT_REPORT, AXVM_WIDTH_DWORD, (uint32_t)self->want);
	getrusage(RUSAGE_THREAD, &ru1);
	irq1 = local_timer_irqs();
	st->timer_irqs = irq0 < 0 || irq1 < 0 ? -1 : irq1 - irq0;
	st->nvcsw = ru1.ru_nvcsw - ru0.ru_nvcsw;
	st->nivcsw = ru1.ru_nivcsw - ru0.ru_nivcsw;

	ASSERT_RUN_REPORT(vcpu, (uint32_t)(self->want >> 32));
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(self->want, regs.rax);
	EXPECT_EQ(0ULL, regs.rcx);
	EXPECT_EQ(G64_CHECKSUM_AFTER_HLT, regs.rip);
	EXPECT_EQ(self->want, *(uint64_t *)axvm_gpa2hva(self->vm, GPA_SCRATCH, 8));

	TH_LOG("%llu iterations in %.3f s: %lld local timer interrupts (all CPUs), "
	       "%ld voluntary / %ld involuntary context switches, "
	       "%llu AXVM_RUN calls, %llu EINTR, %llu exits re-entered",
	       (unsigned long long)self->iters, st->seconds, st->timer_irqs,
	       st->nvcsw, st->nivcsw, (unsigned long long)vcpu->nr_runs,
	       (unsigned long long)vcpu->nr_eintr, (unsigned long long)vcpu->nr_benign);
}

TEST_F_TIMEOUT(preempt, long_loop, TIMEOUT_S)
{
	struct run_stats st;

	AXVM_REQUIRE();
	prepare(self);
	run_loop(_metadata, self, &st, NULL);
}

/* --- a hog on the vCPU thread's CPU ------------------------------------- */

struct hog {
	int cpu;
	atomic_bool stop;
	atomic_ulong count;
};

static void *hog_fn(void *arg)
{
	struct hog *h = arg;

	pin_thread(gettid(), h->cpu);
	while (!atomic_load_explicit(&h->stop, memory_order_relaxed))
		atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	return NULL;
}

static int first_allowed_cpu(int nth)
{
	cpu_set_t set;
	int cpu, seen = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && seen++ == nth)
			return cpu;
	return -1;
}

TEST_F_TIMEOUT(preempt, hog_same_cpu, TIMEOUT_S)
{
	struct hog hog = { .cpu = first_allowed_cpu(0) };
	unsigned long c0, c1;
	struct run_stats st;
	pthread_t thread;

	AXVM_REQUIRE();
	ASSERT_LE(0, hog.cpu);
	/* Long enough to span several scheduler slices even on 2 CPUs. */
	self->iters *= 16;
	prepare(self);
	pin_thread(gettid(), hog.cpu);
	ASSERT_EQ(0, pthread_create(&thread, NULL, hog_fn, &hog));
	while (atomic_load(&hog.count) == 0)
		sched_yield();

	c0 = atomic_load(&hog.count);
	run_loop(_metadata, self, &st, NULL);
	c1 = atomic_load(&hog.count);

	atomic_store(&hog.stop, true);
	pthread_join(thread, NULL);
	TH_LOG("the hog on CPU %d counted %lu while the vCPU thread ran", hog.cpu, c1 - c0);
	/*
	 * Both threads share one CPU: the hog only counts while the vCPU thread
	 * is off it, i.e. axvm's run loop let the scheduler in.
	 */
	EXPECT_LT(c0, c1) TH_LOG("the vCPU thread was never preempted inside AXVM_RUN");
}

/* --- migration between two CPUs ------------------------------------------ */

struct flipper {
	pid_t tid;		/* the vCPU thread */
	int cpu[2];
	atomic_bool stop;
	atomic_bool in_run;	/* the vCPU thread is inside the long AXVM_RUN */
	unsigned long flips, errors;
	unsigned int seen_in_run;	/* bit i: vCPU thread seen on cpu[i] */
};

static void *flipper_fn(void *arg)
{
	struct flipper *f = arg;
	struct timespec pause = { .tv_nsec = 500 * 1000 };
	cpu_set_t set;
	int i = 0, on;

	while (!atomic_load(&f->stop)) {
		i ^= 1;
		CPU_ZERO(&set);
		CPU_SET(f->cpu[i], &set);
		if (sched_setaffinity(f->tid, sizeof(set), &set))
			f->errors++;
		else
			f->flips++;
		nanosleep(&pause, NULL);
		if (atomic_load(&f->in_run)) {
			on = thread_cpu(f->tid);
			if (on == f->cpu[0])
				f->seen_in_run |= 1;
			else if (on == f->cpu[1])
				f->seen_in_run |= 2;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(preempt, migrate_cpus, TIMEOUT_S)
{
	struct flipper flip = { .tid = gettid() };
	long long mig0, mig1;
	struct run_stats st;
	pthread_t thread;
	long online;

	AXVM_REQUIRE();
	online = sysconf(_SC_NPROCESSORS_ONLN);
	flip.cpu[0] = first_allowed_cpu(0);
	flip.cpu[1] = first_allowed_cpu(1);
	if (online < 2 || flip.cpu[1] < 0)
		SKIP(return, "needs two CPUs to migrate between (%ld online)", online);
	self->iters *= 16;
	prepare(self);
	pin_thread(flip.tid, flip.cpu[0]);

	mig0 = nr_migrations(flip.tid);
	ASSERT_EQ(0, pthread_create(&thread, NULL, flipper_fn, &flip));
	run_loop(_metadata, self, &st, &flip.in_run);
	atomic_store(&flip.stop, true);
	pthread_join(thread, NULL);
	mig1 = nr_migrations(flip.tid);

	TH_LOG("%lu affinity flips between CPUs %d and %d (%lu failed), %lld migrations, "
	       "seen inside AXVM_RUN on: %s%s", flip.flips, flip.cpu[0], flip.cpu[1],
	       flip.errors, mig0 < 0 || mig1 < 0 ? -1 : mig1 - mig0,
	       flip.seen_in_run & 1 ? "first " : "", flip.seen_in_run & 2 ? "second" : "");
	EXPECT_EQ(0UL, flip.errors);
	EXPECT_LT(1UL, flip.flips);
	/* The point of the test: the vCPU thread ran on both CPUs mid-run. */
	EXPECT_EQ(3U, flip.seen_in_run)
		TH_LOG("the vCPU thread did not move between CPUs inside AXVM_RUN");
	if (mig0 >= 0 && mig1 >= 0) {
		EXPECT_LT(0LL, mig1 - mig0);
	}
}

/* --- signals ------------------------------------------------------------- */

struct kicker {
	pthread_t target;
	atomic_bool stop;
	unsigned long sent;
};

static atomic_ulong signals_seen;

static void on_sigusr1(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals_seen, 1);
}

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;
	/* Often enough that several land inside one short guest run. */
	struct timespec pause = { .tv_nsec = 300 * 1000 };

	while (!atomic_load(&k->stop)) {
		nanosleep(&pause, NULL);
		if (pthread_kill(k->target, SIGUSR1) == 0)
			k->sent++;
	}
	return NULL;
}

TEST_F_TIMEOUT(preempt, signals_interrupt_run, TIMEOUT_S)
{
	struct kicker kick = { .target = pthread_self() };
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	unsigned long eintr = 0;
	pthread_t thread;
	uint32_t kind;
	int r;

	AXVM_REQUIRE();
	/* A longer loop than the others: the run must outlast a few kicks. */
	self->iters *= 4;
	prepare(self);
	vcpu = self->vcpu;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	ASSERT_EQ(0, pthread_create(&thread, NULL, kicker_fn, &kick));

	/* Raw AXVM_RUN until the first report, counting EINTR returns. */
	for (;;) {
		vcpu->run->response = AXVM_RESP_NONE;
		r = __axvm_vcpu_run(vcpu);
		if (r < 0) {
			ASSERT_EQ(EINTR, errno) TH_LOG("AXVM_RUN: %s", strerror(errno));
			eintr++;
			continue;
		}
		ASSERT_EQ(0, r);
		kind = vcpu->run->exit.kind;
		if (kind != AXVM_EXIT_NOTHING && kind != AXVM_EXIT_EXTERNAL_INTERRUPT)
			break;
	}
	atomic_store(&kick.stop, true);
	pthread_join(thread, NULL);
	ASSERT_IO_WRITE(vcpu, UCALL_PORT_REPORT, AXVM_WIDTH_DWORD, (uint32_t)self->want);
	ASSERT_RUN_REPORT(vcpu, (uint32_t)(self->want >> 32));
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(self->want, regs.rax);

	TH_LOG("%lu signals sent, %lu handled, AXVM_RUN returned EINTR %lu times",
	       kick.sent, (unsigned long)atomic_load(&signals_seen), eintr);
	EXPECT_LT(0UL, eintr) TH_LOG("signals never interrupted AXVM_RUN");
}

TEST_HARNESS_MAIN
