// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile guests: random bytes as guest code in real, 32-bit protected and
 * long mode, for many seeds; a guest that spins forever; an exception
 * storm. Every exit is answered (random data for reads) and the guest
 * resumed until it ends (SystemDown, Halt, FailEntry, an error record) or
 * uses up its budget of exits and time. The host must stay sound: every
 * AXVM_RUN returns 0 or EINTR, a spinning guest can always be stopped and
 * destroyed, and the test machine checks the kernel log afterwards.
 *
 *   AXVM_HOSTILE_SEEDS  guests per mode (default 20)
 *   AXVM_HOSTILE_SEED   the first seed (default 1): seeds SEED..SEED+N-1
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>
#include "lib/axvm_test.h"

#define CODE_GPA	0x100000ull
#define CODE_SIZE	0x10000
#define MAX_EXITS	300

static uint64_t rng_s;

static uint64_t rnd(void)
{
	rng_s ^= rng_s >> 12;
	rng_s ^= rng_s << 25;
	rng_s ^= rng_s >> 27;
	return rng_s * 0x2545f4914f6cdd1dull;
}

static void on_alarm(int sig)
{
	(void)sig;	/* ends AXVM_RUN with EINTR */
}

/* A 5 ms interval timer: no AXVM_RUN can block this thread for long. */
static void arm_ticks(bool on)
{
	struct itimerval it = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	if (on)
		it.it_value.tv_usec = it.it_interval.tv_usec = 5000;
	setitimer(ITIMER_REAL, &it, NULL);
}

struct outcome {
	unsigned int kinds[AXVM_EXIT_NR + 1];
	unsigned int budget, eintr, errors;
};

/* Answer whatever the guest asks; false when it is over. */
static bool answer(struct axvm_vcpu *v)
{
	struct axvm_exit *e = &v->run->exit;

	v->run->response = AXVM_RESP_NONE;
	switch (e->kind) {
	case AXVM_EXIT_IO_READ:
		e->u.io_read.data = rnd();
		v->run->response = AXVM_RESP_DATA;
		return true;
	case AXVM_EXIT_MMIO_READ:
		e->u.mmio_read.data = rnd();
		v->run->response = AXVM_RESP_DATA;
		return true;
	case AXVM_EXIT_SYSREG_READ:
		e->u.sysreg_read.data = rnd();
		v->run->response = rnd() & 1 ? AXVM_RESP_DATA : AXVM_RESP_INJECT_GP;
		return true;
	case AXVM_EXIT_SYSREG_WRITE:
		v->run->response = rnd() & 1 ? AXVM_RESP_NONE : AXVM_RESP_INJECT_GP;
		return true;
	case AXVM_EXIT_HYPERCALL:
		e->u.hypercall.ret = rnd();
		v->run->response = AXVM_RESP_DATA;
		return true;
	case AXVM_EXIT_IO_WRITE:
	case AXVM_EXIT_MMIO_WRITE:
	case AXVM_EXIT_NOTHING:
	case AXVM_EXIT_EXTERNAL_INTERRUPT:
	case AXVM_EXIT_NESTED_PAGE_FAULT:	/* outside RAM, not MMIO data */
	case AXVM_EXIT_CPU_UP:
	case AXVM_EXIT_SEND_IPI:
		return true;
	default:	/* Halt, SystemDown, FailEntry, CpuDown, InternalError */
		return false;
	}
}

static void run_hostile(struct __test_metadata *_metadata, int mode,
			uint64_t seed, struct outcome *o)
{
	struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	struct axvm_vcpu *v = axvm_vcpu_add(vm, 0);
	/* real-mode code must sit below 1 MiB: CS 0x1000, IP 0 */
	uint64_t gpa = mode == 0 ? 0x10000 : CODE_GPA;
	uint8_t *code = axvm_gpa2hva(vm, gpa, CODE_SIZE);
	unsigned int n;
	int i;

	rng_s = seed * 0x9e3779b97f4a7c15ull + mode + 1;
	for (i = 0; i < CODE_SIZE; i++)
		code[i] = rnd();
	if (mode == 0)
		axvm_vcpu_setup_real(v, gpa >> 4, 0);
	else if (mode == 1)
		axvm_vcpu_setup_pm32(v, CODE_GPA);
	else
		axvm_vcpu_setup_long(v, CODE_GPA);
	for (n = 0; n < MAX_EXITS; n++) {
		if (__axvm_vcpu_run(v)) {
			if (errno == EINTR) {
				o->eintr++;
				/* the guest may spin: 20 ticks (~100 ms) at most */
				if (o->eintr % 20 == 0)
					break;
				continue;
			}
			/* a bad answer (e.g. #GP for a write) is refused: fine */
			if (errno == EINVAL) {
				v->run->response = AXVM_RESP_NONE;
				continue;
			}
			o->errors++;
			TH_LOG("mode %d seed %llu: AXVM_RUN: %s", mode,
			       (unsigned long long)seed, strerror(errno));
			break;
		}
		o->kinds[v->run->exit.kind < AXVM_EXIT_NR ?
			 v->run->exit.kind : AXVM_EXIT_NR]++;
		if (!answer(v))
			break;
	}
	if (n == MAX_EXITS)
		o->budget++;
	axvm_vm_free(vm);
}

TEST(random_code_all_modes)
{
	const char *s = getenv("AXVM_HOSTILE_SEEDS"), *f = getenv("AXVM_HOSTILE_SEED");
	unsigned int seeds = s ? strtoul(s, NULL, 0) : 20, seed, k;
	unsigned int first = f ? strtoul(f, NULL, 0) : 1;
	static const char *const modes[] = { "real", "pm32", "long" };
	struct outcome o;
	int mode;

	AXVM_REQUIRE();
	arm_ticks(true);
	for (mode = 0; mode < 3; mode++) {
		memset(&o, 0, sizeof(o));
		for (seed = first; seed < first + seeds; seed++)
			run_hostile(_metadata, mode, seed, &o);
		TH_LOG("%s mode: seeds %u-%u; %u out of budget, %u EINTR; exits:",
		       modes[mode], first, first + seeds - 1, o.budget, o.eintr);
		for (k = 0; k <= AXVM_EXIT_NR; k++)
			if (o.kinds[k])
				TH_LOG("  %-18s %u", axvm_exit_name(k), o.kinds[k]);
		EXPECT_EQ(0, o.errors);
	}
	arm_ticks(false);
}

/* jmp $ forever: the VMM can still interrupt it, and destroy the VM. */
TEST(spinning_guest_is_stoppable)
{
	static const uint8_t spin[] = { 0xeb, 0xfe };
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	int i, ret;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	v = axvm_vcpu_add(vm, 0);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(spin)), spin, sizeof(spin));
	axvm_vcpu_setup_long(v, CODE_GPA);
	arm_ticks(true);
	for (i = 0; i < 10; i++) {
		ret = __axvm_vcpu_run(v);
		ASSERT_EQ(-1, ret);
		ASSERT_EQ(EINTR, errno);
	}
	arm_ticks(false);
	/* immediate_exit: not even entered */
	v->run->immediate_exit = 1;
	EXPECT_EQ(-1, __axvm_vcpu_run(v));
	EXPECT_EQ(EINTR, errno);
	axvm_vm_free(vm);
}

/*
 * Exception storm: an IDT whose every gate points at an int3, so each
 * exception raises the next; a #DF in the end becomes a triple fault.
 */
TEST(exception_storm_ends_in_system_down)
{
	/* long mode: lidt [idtr]; ud2  with an IDT of garbage at 0x200000 */
	uint8_t code[] = {
		0x0f, 0x01, 0x1c, 0x25, 0x00, 0x10, 0x10, 0x00,	/* lidt [0x101000] */
		0x0f, 0x0b,					/* ud2 */
	};
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	uint8_t *idtr;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	v = axvm_vcpu_add(vm, 0);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(code)), code, sizeof(code));
	idtr = axvm_gpa2hva(vm, CODE_GPA + 0x1000, 10);
	memset(axvm_gpa2hva(vm, 0x200000, 4096), 0xa5, 4096);
	idtr[0] = 0xff;		/* limit 0x0fff */
	idtr[1] = 0x0f;
	memcpy(idtr + 2, "\x00\x00\x20\x00\x00\x00\x00\x00", 8);
	axvm_vcpu_setup_long(v, CODE_GPA);
	arm_ticks(true);
	ASSERT_EQ(AXVM_EXIT_SYSTEM_DOWN, axvm_vcpu_run(v))
		axvm_dump_exit(stderr, &v->run->exit);
	arm_ticks(false);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
