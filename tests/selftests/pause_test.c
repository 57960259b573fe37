// SPDX-License-Identifier: GPL-2.0
/*
 * pause_test: netlink VM_PAUSE / VM_RESUME (Documentation/netlink.rst,
 * "Pause and resume"), with a guest that counts in guest memory:
 *
 *  - count_frozen: paused, the counter does not move for a second and
 *    VM_STATS shows no exit at all; VM_GET says PAUSED; AXVM_RUN does not
 *    return; resumed, the count goes on from where it stopped and the guest
 *    finishes (its OUT of the count's low byte after the host's flag).
 *    Events PAUSED and RESUMED are multicast.
 *  - errors: VM_PAUSE of a VM that never ran is EINVAL, VM_RESUME of a VM
 *    not paused and a second VM_PAUSE are EALREADY.
 *  - stop_paused: VM_STOP of a paused VM ends AXVM_RUN with ESHUTDOWN.
 *  - kill_paused: SIGKILL of a VMM whose VM is paused ends it, and its VM
 *    is freed (DESTROYED, gone from the list).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "axvm_test.h"
#include "axvm_nl.h"

#define EV_TIMEOUT_MS	5000
#define OFF_COUNT	0x100	/* u64 counter, from GPA_SCRATCH */
#define OFF_FLAG	0x108	/* u8: non-zero makes the guest finish */
#define DONE_PORT	0x10

/*
 *  0: xor %eax,%eax
 *  2: 1: inc %rax
 *  5: mov %rax,count(%rip)
 * 12: cmpb $0,flag(%rip)
 * 19: je 1b
 * 21: out %al,$0x10
 * 23: jmp .
 */
static const uint8_t code_count[] = {
	0x31, 0xc0,
	0x48, 0xff, 0xc0,
	0x48, 0x89, 0x05, OFF_COUNT - 12, 0x00, 0x00, 0x00,
	0x80, 0x3d, OFF_FLAG - 19, 0x00, 0x00, 0x00, 0x00,
	0x74, 0xed,
	0xe6, DONE_PORT,
	0xeb, 0xfe,
};

FIXTURE(pause) {
	struct axnl nl;
	struct axnl ev;
	const char *why;
};

FIXTURE_SETUP(pause)
{
	static char why[160];
	int r;

	self->nl.fd = self->ev.fd = -1;
	self->why = axvm_unavailable();
	if (self->why)
		return;
	r = axnl_open(&self->nl);
	if (!r)
		r = axnl_open(&self->ev);
	if (!r)
		r = axnl_subscribe(&self->ev);
	if (r) {
		snprintf(why, sizeof(why), "generic netlink family \"axvm\": %s",
			 strerror(-r));
		self->why = why;
	}
}

FIXTURE_TEARDOWN(pause)
{
	axnl_close(&self->nl);
	axnl_close(&self->ev);
}

#define NL_REQUIRE() do {						\
	if (self->why)							\
		SKIP(return, "%s", self->why);				\
} while (0)

/* --- helpers -------------------------------------------------------------- */

struct guest {
	struct axvm_vm *vm;
	struct axvm_vcpu *vcpu;
	uint64_t *count;	/* written by the guest: read with count() */
	uint8_t *flag;
};

static uint64_t count(const struct guest *g)
{
	return __atomic_load_n(g->count, __ATOMIC_RELAXED);
}

/* Tell the guest to finish (its loop reads the flag). */
static void finish(struct guest *g)
{
	__atomic_store_n(g->flag, 1, __ATOMIC_RELAXED);
}

static void guest_setup(struct guest *g, struct axvm_vm *vm)
{
	g->vm = vm;
	g->vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(g->vcpu, GPA_SCRATCH);
	memcpy(axvm_gpa2hva(vm, GPA_SCRATCH, sizeof(code_count)), code_count,
	       sizeof(code_count));
	g->count = axvm_gpa2hva(vm, GPA_SCRATCH + OFF_COUNT, 8);
	g->flag = axvm_gpa2hva(vm, GPA_SCRATCH + OFF_FLAG, 1);
	*g->count = 0;
	*g->flag = 0;
}

/* AXVM_RUN until an error other than EINTR or an exit other than these. */
static int run_until_error_or_exit(struct axvm_vcpu *vcpu)
{
	for (;;) {
		vcpu->run->response = AXVM_RESP_NONE;
		if (__axvm_vcpu_run(vcpu)) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (vcpu->run->exit.kind == AXVM_EXIT_NOTHING ||
		    vcpu->run->exit.kind == AXVM_EXIT_EXTERNAL_INTERRUPT)
			continue;
		return 0;
	}
}

struct runner {
	struct axvm_vcpu *vcpu;
	pthread_t thread;
	int err;
	int done;	/* __atomic */
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	r->err = run_until_error_or_exit(r->vcpu);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void runner_start(struct runner *r, struct axvm_vcpu *vcpu)
{
	r->vcpu = vcpu;
	r->err = -1;
	r->done = 0;
	AXVM_CHECK(!pthread_create(&r->thread, NULL, runner_fn, r), "pthread_create");
}

static bool runner_done(struct runner *r)
{
	return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

/* Join within 20 s; false (thread left) if it hangs. */
static bool runner_join(struct runner *r)
{
	int i;

	for (i = 0; i < 400 && !runner_done(r); i++)
		usleep(50 * 1000);
	if (!runner_done(r))
		return false;
	pthread_join(r->thread, NULL);
	return true;
}

static bool wait_state(struct axnl *nl, const char *name, uint32_t want)
{
	struct axnl_vm vm;
	int i;

	for (i = 0; i < 400; i++) {
		if (!axnl_vm_ref(nl, AXVM_CMD_VM_GET, name, 0, NULL, &vm) &&
		    vm.state == want)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* Wait (up to 20 s) until the guest's counter passes min. */
static bool wait_count(struct guest *g, uint64_t min)
{
	int i;

	for (i = 0; i < 2000 && count(g) <= min; i++)
		usleep(10 * 1000);
	return count(g) > min;
}

static uint64_t total_exits(struct __test_metadata *_metadata, struct axnl *nl,
			    const char *name)
{
	static struct axnl_stats st;
	struct axnl_result res;
	uint64_t n = 0;
	unsigned int i;

	EXPECT_EQ(0, axnl_vm_stats(nl, name, &st, &res)) TH_LOG("%s", res.msg);
	for (i = 0; i < st.nr_vcpus; i++)
		n += st.vcpus[i].exits_kernel + st.vcpus[i].exits_user;
	return n;
}

static void expect_event(struct __test_metadata *_metadata, struct axnl *ev,
			 uint32_t id, int64_t want)
{
	struct axnl_event e;
	int r;

	for (;;) {
		r = axnl_next_event(ev, &e, EV_TIMEOUT_MS);
		ASSERT_EQ(1, r) TH_LOG("waiting for %s: %s", axnl_event_name(want),
				       r ? strerror(-r) : "timeout");
		if (e.vm_id == id && e.event == want)
			return;
	}
}

static int nl_cmd(struct axnl *nl, uint8_t cmd, const char *name)
{
	struct axnl_result res;

	return axnl_vm_ref(nl, cmd, name, 0, &res, NULL);
}

/* --- count_frozen --------------------------------------------------------- */

TEST_F_TIMEOUT(pause, count_frozen, 240)
{
	uint64_t c0, c1, e0, e1, last;
	struct axnl_result res;
	struct axnl_vm nv;
	struct runner rn;
	struct guest g;

	NL_REQUIRE();
	nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-count");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "pst-count", AXVM_DEFAULT_RAM, 1, &res, &nv))
		TH_LOG("%s", res.msg);
	guest_setup(&g, axvm_vm_attach("pst-count", AXVM_DEFAULT_RAM));
	runner_start(&rn, g.vcpu);
	ASSERT_TRUE(wait_count(&g, 1000)) TH_LOG("the guest never counted");

	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_PAUSE, "pst-count", 0, &res, NULL))
		TH_LOG("%s", res.msg);
	expect_event(_metadata, &self->ev, nv.id, AXVM_EV_PAUSED);
	ASSERT_TRUE(wait_state(&self->nl, "pst-count", AXVM_VM_PAUSED));
	/* The kick lands within a host tick; then nothing may move. */
	usleep(200 * 1000);
	c0 = count(&g);
	e0 = total_exits(_metadata, &self->nl, "pst-count");
	sleep(1);
	c1 = count(&g);
	e1 = total_exits(_metadata, &self->nl, "pst-count");
	EXPECT_EQ(c0, c1) TH_LOG("the count moved while paused");
	EXPECT_EQ(e0, e1) TH_LOG("exits while paused");
	EXPECT_FALSE(runner_done(&rn)) TH_LOG("AXVM_RUN returned for the pause");
	TH_LOG("paused at count %llu, %llu exits so far",
	       (unsigned long long)c0, (unsigned long long)e0);

	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_RESUME, "pst-count", 0, &res, NULL))
		TH_LOG("%s", res.msg);
	expect_event(_metadata, &self->ev, nv.id, AXVM_EV_RESUMED);
	EXPECT_TRUE(wait_count(&g, c1 + 1000)) TH_LOG("no count after the resume");
	finish(&g);
	ASSERT_TRUE(runner_join(&rn)) TH_LOG("the guest did not finish");
	ASSERT_EQ(0, rn.err) TH_LOG("AXVM_RUN: %s", strerror(rn.err));
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, g.vcpu->run->exit.kind);
	EXPECT_EQ(DONE_PORT, g.vcpu->run->exit.u.io_write.port);
	last = count(&g);
	EXPECT_LT(c1, last);
	/* The count in RAX lived through the pause: the guest's OUT of AL. */
	EXPECT_EQ(last & 0xff, g.vcpu->run->exit.u.io_write.data & 0xff);
	axvm_vm_free(g.vm);
	EXPECT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-count"));
}

/* --- errors ----------------------------------------------------------------- */

TEST_F_TIMEOUT(pause, errors, 120)
{
	struct axnl_result res;
	struct runner rn;
	struct guest g;

	NL_REQUIRE();
	nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-err");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "pst-err", AXVM_DEFAULT_RAM, 1, &res, NULL));
	EXPECT_EQ(-EINVAL, axnl_vm_ref(&self->nl, AXVM_CMD_VM_PAUSE, "pst-err", 0, &res, NULL));
	EXPECT_STREQ("VM has not run yet or was deleted", res.msg);
	EXPECT_EQ(-EALREADY, axnl_vm_ref(&self->nl, AXVM_CMD_VM_RESUME, "pst-err", 0, &res, NULL));
	EXPECT_STREQ("VM is not paused", res.msg);
	EXPECT_EQ(-ENOENT, nl_cmd(&self->nl, AXVM_CMD_VM_PAUSE, "pst-nonexistent"));

	guest_setup(&g, axvm_vm_attach("pst-err", AXVM_DEFAULT_RAM));
	runner_start(&rn, g.vcpu);
	ASSERT_TRUE(wait_count(&g, 0));
	EXPECT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_PAUSE, "pst-err"));
	EXPECT_EQ(-EALREADY, axnl_vm_ref(&self->nl, AXVM_CMD_VM_PAUSE, "pst-err", 0, &res, NULL));
	EXPECT_STREQ("VM is paused already", res.msg);
	EXPECT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_RESUME, "pst-err"));
	EXPECT_EQ(-EALREADY, nl_cmd(&self->nl, AXVM_CMD_VM_RESUME, "pst-err"));
	finish(&g);
	ASSERT_TRUE(runner_join(&rn));
	EXPECT_EQ(0, rn.err);
	axvm_vm_free(g.vm);
	EXPECT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-err"));
}

/* --- stop_paused -------------------------------------------------------- */

TEST_F_TIMEOUT(pause, stop_paused, 120)
{
	struct axnl_result res;
	struct axnl_vm got;
	struct runner rn;
	struct guest g;

	NL_REQUIRE();
	nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-stop");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "pst-stop", AXVM_DEFAULT_RAM, 1, &res, NULL));
	guest_setup(&g, axvm_vm_attach("pst-stop", AXVM_DEFAULT_RAM));
	runner_start(&rn, g.vcpu);
	ASSERT_TRUE(wait_count(&g, 0));
	ASSERT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_PAUSE, "pst-stop"));
	ASSERT_TRUE(wait_state(&self->nl, "pst-stop", AXVM_VM_PAUSED));
	ASSERT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_STOP, "pst-stop"));
	ASSERT_TRUE(runner_join(&rn)) TH_LOG("a stop did not end the paused run");
	EXPECT_EQ(ESHUTDOWN, rn.err);
	/* The stop ended the pause too: not paused, and it runs again. */
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "pst-stop", 0, &res, &got));
	EXPECT_EQ((uint32_t)AXVM_VM_STOPPED, got.state);
	EXPECT_EQ(-EALREADY, nl_cmd(&self->nl, AXVM_CMD_VM_RESUME, "pst-stop"));
	axvm_vm_free(g.vm);
	EXPECT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-stop"));
}

/* --- kill_paused ---------------------------------------------------------- */

TEST_F_TIMEOUT(pause, kill_paused, 120)
{
	struct axnl_result res;
	struct axnl_vm nv;
	pid_t pid;
	int status;

	NL_REQUIRE();
	nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-kill");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "pst-kill", AXVM_DEFAULT_RAM, 1, &res, &nv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct guest g;

		guest_setup(&g, axvm_vm_attach("pst-kill", AXVM_DEFAULT_RAM));
		run_until_error_or_exit(g.vcpu);
		_exit(1);
	}
	ASSERT_TRUE(wait_state(&self->nl, "pst-kill", AXVM_VM_RUNNING));
	ASSERT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_PAUSE, "pst-kill"));
	ASSERT_TRUE(wait_state(&self->nl, "pst-kill", AXVM_VM_PAUSED));
	usleep(200 * 1000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The VMM's vCPU and VM files are gone: no vCPU runs any more. */
	ASSERT_TRUE(wait_state(&self->nl, "pst-kill", AXVM_VM_STOPPED));
	/* Only the registry holds it now: VM_DEL frees it. */
	ASSERT_EQ(0, nl_cmd(&self->nl, AXVM_CMD_VM_DEL, "pst-kill"));
	expect_event(_metadata, &self->ev, nv.id, AXVM_EV_DESTROYED);
	EXPECT_EQ(-ENOENT, nl_cmd(&self->nl, AXVM_CMD_VM_GET, "pst-kill"));
}

TEST_HARNESS_MAIN
