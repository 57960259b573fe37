// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_test: the generic netlink family "axvm" and named VMs, over raw
 * netlink sockets (lib/axvm_nl.c), against Documentation/netlink.rst:
 *
 *  - crud: VM_NEW, VM_GET (do by name, id, both; dump), VM_STATS, VM_DEL;
 *    an AXVM_CREATE_VM VM is listed too, anonymous ones by id.
 *  - names: too long, bad characters, empty, no NUL, duplicate (EEXIST,
 *    also against an ioctl-made VM), 31 characters; extack checked; a
 *    refused VM_NEW uses no id; a deleted VM's name is free at once.
 *  - max_vms: at the limit VM_NEW is ENOSPC, a name in use still EEXIST.
 *  - malformed: every command with missing, unknown, misplaced, wrongly
 *    sized or out-of-range attributes, trailing bytes, reserved header
 *    bits, unknown commands: the documented errno and extack, and no state
 *    change (the VM list is the same, no event is sent).
 *  - no_cap_net_admin / as_nobody: without CAP_NET_ADMIN, VM_NEW needs an
 *    fd of /dev/axvm (EPERM) and the "events" group cannot be joined; root's
 *    VMs are visible to uid 0 only (as nobody: ENOENT, not dumped); nothing
 *    changes. owner_test covers two ordinary users.
 *  - events: a listener on "events" sees CREATED, STARTED, VCPU_EXIT
 *    (SYSTEM_DOWN of a triple-faulting guest), STOPPED and DESTROYED, in
 *    that order, for a VM made by VM_NEW; CREATED/DESTROYED for an
 *    AXVM_CREATE_VM one.
 *  - cross_process: VM_NEW here, AXVM_ATTACH_VM + run in a child; owner
 *    pid follows; VM_STATS outlives the child (retired vCPU counters), and
 *    a second VMM's vCPU 0 continues the same counters.
 *  - stats_by_vcpu_id: VM_STATS has a nest per vCPU id that exists or
 *    existed (none for ids never created); a closed vCPU's counters stay,
 *    and a vCPU created again with its id counts on.
 *  - stop_running: VM_STOP makes a spinning vCPU's AXVM_RUN return
 *    ESHUTDOWN once; the VM stays registered and can run again.
 *  - del_attached: VM_DEL of a VM a live process runs: its AXVM_RUN
 *    returns ESHUTDOWN (for good), the name is free at once, DESTROYED
 *    comes only when that process closes the VM.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "axvm_test.h"
#include "axvm_nl.h"

#define MAX_VMS		64
#define EV_TIMEOUT_MS	5000
#define VMX_EXIT_IO	VMX_EXIT_IO_INSTRUCTION

/* Guest code (64-bit), written at GPA_SCRATCH by put_code(). */
static const uint8_t code_spin[] = { 0xeb, 0xfe };		/* 1: jmp 1b */
static const uint8_t code_out[] = { 0xe6, 0x10, 0xeb, 0xfc };	/* 1: out %al,$0x10; jmp 1b */
static const uint8_t code_ud2[] = { 0x0f, 0x0b };		/* ud2: no IDT, triple fault */

#define MSG_NAME	"VM name must be 1 to 31 characters of [A-Za-z0-9_.-]"
#define MSG_POLICY	"Attribute failed policy validation"

FIXTURE(nl) {
	struct axnl nl;		/* requests */
	struct axnl ev;		/* subscribed to "events" */
	const char *why;	/* set: SKIP every test */
};

FIXTURE_SETUP(nl)
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

FIXTURE_TEARDOWN(nl)
{
	axnl_close(&self->nl);
	axnl_close(&self->ev);
}

#define NL_REQUIRE() do {						\
	if (self->why)							\
		SKIP(return, "%s", self->why);				\
} while (0)

/* --- helpers -------------------------------------------------------------- */

/* Delete a VM left over by an earlier, failed run of a test. */
static void del_quiet(struct axnl *nl, const char *name)
{
	axnl_vm_ref(nl, AXVM_CMD_VM_DEL, name, 0, NULL, NULL);
}

static int list(struct __test_metadata *_metadata, struct axnl *nl,
		struct axnl_vm *vms)
{
	struct axnl_result res;
	int n = axnl_vm_list(nl, vms, MAX_VMS, &res);

	EXPECT_LE(0, n) TH_LOG("VM_GET dump: %s (%s)", strerror(-n), res.msg);
	EXPECT_FALSE(res.dump_intr);
	return n < 0 ? 0 : n;
}

/* The two lists are the same VMs with the same attributes. */
static void expect_same(struct __test_metadata *_metadata, const char *what,
			const struct axnl_vm *a, int na,
			const struct axnl_vm *b, int nb)
{
	int i;

	EXPECT_EQ(na, nb) TH_LOG("%s: the VM list changed", what);
	for (i = 0; i < na && i < nb; i++) {
		EXPECT_EQ(a[i].id, b[i].id) TH_LOG("%s: VM %d", what, i);
		EXPECT_STREQ(a[i].name, b[i].name) TH_LOG("%s", what);
		EXPECT_EQ(a[i].mem_bytes, b[i].mem_bytes) TH_LOG("%s", what);
		EXPECT_EQ(a[i].vcpus, b[i].vcpus) TH_LOG("%s", what);
		EXPECT_EQ(a[i].state, b[i].state) TH_LOG("%s", what);
		EXPECT_EQ(a[i].owner_pid, b[i].owner_pid) TH_LOG("%s", what);
	}
}

static void expect_vm_eq(struct __test_metadata *_metadata,
			 const struct axnl_vm *want, const struct axnl_vm *got)
{
	EXPECT_EQ(want->id, got->id);
	EXPECT_STREQ(want->name, got->name);
	EXPECT_EQ(want->mem_bytes, got->mem_bytes);
	EXPECT_EQ(want->vcpus, got->vcpus);
	EXPECT_EQ(want->state, got->state);
	EXPECT_EQ(want->owner_pid, got->owner_pid);
}

/* No event is pending on the listener (waits a little for stragglers). */
static void expect_no_event(struct __test_metadata *_metadata, struct axnl *ev,
			    const char *what)
{
	struct axnl_event e;
	int r = axnl_next_event(ev, &e, 200);

	EXPECT_EQ(0, r) TH_LOG("%s: unexpected event %s of VM %u \"%s\"", what,
			       r > 0 ? axnl_event_name(e.event) : strerror(-r),
			       e.vm_id, e.name);
}

/* Throw away whatever the listener has queued. */
static void drain_events(struct axnl *ev)
{
	struct axnl_event e;

	while (axnl_next_event(ev, &e, 100) > 0)
		;
}

/*
 * The next event about VM id (events of other VMs are skipped); fails the
 * test on timeout.
 */
static bool next_event_of(struct __test_metadata *_metadata, struct axnl *ev,
			  uint32_t id, struct axnl_event *e)
{
	int r;

	for (;;) {
		r = axnl_next_event(ev, e, EV_TIMEOUT_MS);
		EXPECT_EQ(1, r) TH_LOG("waiting for an event of VM %u: %s", id,
				       r ? strerror(-r) : "timeout");
		if (r != 1)
			return false;
		if (e->vm_id == id)
			return true;
	}
}

static void expect_event(struct __test_metadata *_metadata, struct axnl *ev,
			 uint32_t id, const char *name, int64_t want)
{
	struct axnl_event e;

	if (!next_event_of(_metadata, ev, id, &e))
		return;
	EXPECT_STREQ(axnl_event_name(want), axnl_event_name(e.event));
	EXPECT_STREQ(name, e.name);
}

/* Copy guest code to GPA_SCRATCH and point a fresh long-mode vCPU 0 at it. */
static struct axvm_vcpu *put_code(struct axvm_vm *vm, const uint8_t *code,
				  size_t len)
{
	struct axvm_vcpu *vcpu = axvm_vcpu_add(vm, 0);

	axvm_vcpu_setup_long(vcpu, GPA_SCRATCH);
	memcpy(axvm_gpa2hva(vm, GPA_SCRATCH, len), code, len);
	return vcpu;
}

/*
 * AXVM_RUN until it fails with something other than EINTR, or returns an
 * exit other than NOTHING/EXTERNAL_INTERRUPT. Returns 0 or the errno.
 */
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

/* Wait (up to 20 s) until VM_GET reports the VM in state want. */
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

/* --- crud ------------------------------------------------------------------ */

TEST_F_TIMEOUT(nl, crud, 120)
{
	struct axnl_vm before[MAX_VMS], after[MAX_VMS], vm, got, plain;
	const struct axnl_vm *found;
	struct axnl_result res;
	struct axnl_stats st;
	int nb, na, fd, dev, i, seen;

	NL_REQUIRE();
	del_quiet(&self->nl, "nlt-crud");
	del_quiet(&self->nl, "nlt-plain");
	nb = list(_metadata, &self->nl, before);

	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-crud", 64ULL << 20, 2, &res, &vm))
		TH_LOG("VM_NEW: %s", res.msg);
	EXPECT_LT(0U, vm.id);
	EXPECT_STREQ("nlt-crud", vm.name);
	EXPECT_EQ(64ULL << 20, vm.mem_bytes);
	EXPECT_EQ(2U, vm.vcpus);
	EXPECT_EQ((uint32_t)AXVM_VM_CREATED, vm.state);
	EXPECT_EQ((uint32_t)getpid(), vm.owner_pid);

	/* VM_GET by name, by id, by both: the same VM. */
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-crud", 0, &res, &got));
	expect_vm_eq(_metadata, &vm, &got);
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, NULL, vm.id, &res, &got));
	expect_vm_eq(_metadata, &vm, &got);
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-crud", vm.id, &res, &got));
	expect_vm_eq(_metadata, &vm, &got);
	/* Name and id of different VMs (or none). */
	EXPECT_EQ(-ENOENT, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-crud",
				       vm.id + 1000, &res, NULL));
	EXPECT_STREQ("no such VM", res.msg);

	/* VM_NEW without MEM_BYTES and VCPUS: reported as 0 (not given). */
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-plain", 0, 0, &res, &plain))
		TH_LOG("VM_NEW: %s", res.msg);
	EXPECT_EQ(0ULL, plain.mem_bytes);
	EXPECT_EQ(0U, plain.vcpus);
	EXPECT_LT(vm.id, plain.id);

	/* The dump lists both once, in increasing id order. */
	na = list(_metadata, &self->nl, after);
	EXPECT_EQ(nb + 2, na);
	for (i = 1; i < na; i++)
		EXPECT_LT(after[i - 1].id, after[i].id);
	for (i = seen = 0; i < na; i++)
		seen += !strcmp(after[i].name, "nlt-crud");
	EXPECT_EQ(1, seen);
	found = axnl_find(after, na, "nlt-crud");
	ASSERT_NE(NULL, found);
	expect_vm_eq(_metadata, &vm, found);
	found = axnl_find(after, na, "nlt-plain");
	ASSERT_NE(NULL, found);
	expect_vm_eq(_metadata, &plain, found);

	/* VM_STATS of a VM without vCPUs: the VM, no VCPU nests. */
	ASSERT_EQ(0, axnl_vm_stats(&self->nl, "nlt-crud", &st, &res)) TH_LOG("%s", res.msg);
	EXPECT_EQ(vm.id, st.vm_id);
	EXPECT_STREQ("nlt-crud", st.name);
	EXPECT_EQ(0U, st.nr_vcpus);

	/* An AXVM_CREATE_VM VM is listed too: anonymous, by id. */
	dev = axvm_open_dev();
	{
		struct axvm_create_vm args = { 0 };

		fd = ioctl(dev, AXVM_CREATE_VM, &args);
	}
	ASSERT_LE(0, fd);
	na = list(_metadata, &self->nl, after);
	EXPECT_EQ(nb + 3, na);
	ASSERT_LT(0, na);
	EXPECT_STREQ("", after[na - 1].name);
	EXPECT_EQ((uint32_t)getpid(), after[na - 1].owner_pid);
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, NULL, after[na - 1].id,
				 &res, &got));
	EXPECT_STREQ("", got.name);
	/* An empty name is not a way to name it. */
	EXPECT_EQ(-EINVAL, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "", 0, &res, NULL));
	close(fd);
	close(dev);
	/* Closed: gone from the list. */
	na = list(_metadata, &self->nl, after);
	EXPECT_EQ(nb + 2, na);

	/* VM_DEL by name and by id; then they are gone. */
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-crud", 0, &res, NULL))
		TH_LOG("%s", res.msg);
	EXPECT_EQ(-ENOENT, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-crud", 0, &res, NULL));
	EXPECT_STREQ("no such VM", res.msg);
	EXPECT_EQ(-ENOENT, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-crud", 0, &res, NULL));
	EXPECT_EQ(-ENOENT, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, NULL, vm.id, &res, NULL));
	EXPECT_EQ(-ENOENT, axnl_vm_stats(&self->nl, "nlt-crud", &st, &res));
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, NULL, plain.id, &res, NULL))
		TH_LOG("%s", res.msg);
	na = list(_metadata, &self->nl, after);
	expect_same(_metadata, "after VM_DEL", before, nb, after, na);
}

/* --- names ----------------------------------------------------------------- */

/* VM_NEW with a NAME attribute of exactly these bytes. */
static int new_raw_name(struct axnl *nl, const void *name, size_t len,
			struct axnl_result *res, size_t *offs)
{
	struct axnl_req req;

	axnl_req_init(&req, nl->family, AXVM_CMD_VM_NEW, 0);
	*offs = axnl_offset(&req);
	axnl_put(&req, AXVM_A_VM_NAME, name, len);
	return axnl_xfer(nl, &req, res, NULL, NULL);
}

TEST_F_TIMEOUT(nl, names, 120)
{
	static const char *const bad[] = {
		"a b", "vm/0", "vm\n", "a:b", "\xc3\xa9t\xc3\xa9", "-\t-", "x*",
	};
	char n31[32], n32[33], n40[41];
	struct axnl_vm before[MAX_VMS], after[MAX_VMS], vm, vm2, again;
	struct axnl_result res;
	size_t offs;
	unsigned int i;
	int nb, na, dev, fd;

	NL_REQUIRE();
	memset(n31, 'a', 31);
	n31[31] = 0;
	memset(n32, 'b', 32);
	n32[32] = 0;
	memset(n40, 'c', 40);
	n40[40] = 0;
	del_quiet(&self->nl, n31);
	del_quiet(&self->nl, "nlt-dup");
	del_quiet(&self->nl, "nlt-ioctl");
	nb = list(_metadata, &self->nl, before);
	drain_events(&self->ev);

	/* Too long: the policy (a NUL within 32 bytes) refuses it. */
	EXPECT_EQ(-EINVAL, new_raw_name(&self->nl, n32, 33, &res, &offs));
	EXPECT_STREQ(MSG_POLICY, res.msg);
	EXPECT_EQ((long)offs, res.offs);
	EXPECT_EQ(-EINVAL, new_raw_name(&self->nl, n40, 41, &res, &offs));
	EXPECT_STREQ(MSG_POLICY, res.msg);
	EXPECT_EQ((long)offs, res.offs);
	/* No NUL at all. */
	EXPECT_EQ(-EINVAL, new_raw_name(&self->nl, "abc", 3, &res, &offs));
	EXPECT_EQ((long)offs, res.offs);
	/* Bad characters, and empty. */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, new_raw_name(&self->nl, bad[i], strlen(bad[i]) + 1,
						&res, &offs)) TH_LOG("name %d", i);
		EXPECT_STREQ(MSG_NAME, res.msg);
		EXPECT_EQ((long)offs, res.offs);
	}
	EXPECT_EQ(-EINVAL, new_raw_name(&self->nl, "", 1, &res, &offs));
	EXPECT_STREQ(MSG_NAME, res.msg);
	EXPECT_EQ((long)offs, res.offs);
	/* A bad name in a lookup is refused the same way, not "no such VM". */
	EXPECT_EQ(-EINVAL, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "a b", 0, &res, NULL));
	EXPECT_STREQ(MSG_NAME, res.msg);
	na = list(_metadata, &self->nl, after);
	expect_same(_metadata, "after bad names", before, nb, after, na);
	expect_no_event(_metadata, &self->ev, "bad names");

	/* 31 characters and every allowed character class. */
	ASSERT_EQ(0, axnl_vm_new(&self->nl, n31, 0, 0, &res, &vm)) TH_LOG("%s", res.msg);
	EXPECT_STREQ(n31, vm.name);
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, n31, 0, &res, NULL));
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-dup", 0, 0, &res, &vm)) TH_LOG("%s", res.msg);
	drain_events(&self->ev);

	/* Duplicate: EEXIST, the existing VM untouched, no id used. */
	nb = list(_metadata, &self->nl, before);
	EXPECT_EQ(-EEXIST, new_raw_name(&self->nl, "nlt-dup", 8, &res, &offs));
	EXPECT_STREQ("a VM of this name exists", res.msg);
	EXPECT_EQ((long)offs, res.offs);
	na = list(_metadata, &self->nl, after);
	expect_same(_metadata, "after a duplicate VM_NEW", before, nb, after, na);
	expect_no_event(_metadata, &self->ev, "duplicate VM_NEW");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-ioctl0", 0, 0, &res, &vm2)) TH_LOG("%s", res.msg);
	EXPECT_EQ(vm.id + 1, vm2.id) TH_LOG("a refused VM_NEW used an id");
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-ioctl0", 0, &res, NULL));

	/* Names are unique whichever way the VM was made. */
	dev = axvm_open_dev();
	{
		struct axvm_create_vm args = { .name = "nlt-ioctl" };

		fd = ioctl(dev, AXVM_CREATE_VM, &args);
	}
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, axnl_vm_new(&self->nl, "nlt-ioctl", 0, 0, &res, NULL));
	EXPECT_STREQ("a VM of this name exists", res.msg);
	{
		struct axvm_create_vm args = { .name = "nlt-dup" };

		EXPECT_ERRNO(EEXIST, ioctl(dev, AXVM_CREATE_VM, &args));
	}
	close(fd);
	close(dev);
	/* Its file closed, the ioctl VM and its name are gone. */
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-ioctl", 0, 0, &res, NULL)) TH_LOG("%s", res.msg);
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-ioctl", 0, &res, NULL));

	/* A deleted VM's name is free at once. */
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-dup", 0, &res, NULL));
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-dup", 0, 0, &res, &again)) TH_LOG("%s", res.msg);
	EXPECT_NE(vm.id, again.id);
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-dup", 0, &res, NULL));
}

/* --- the max_vms limit --------------------------------------------------- */

#define MAX_VMS_PARAM	"/sys/module/axvm/parameters/max_vms"

static bool write_param(const char *val)
{
	FILE *f = fopen(MAX_VMS_PARAM, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(val, f) >= 0;
	return !fclose(f) && ok;
}

/*
 * At max_vms: VM_NEW is ENOSPC with a message, but a name in use is still
 * EEXIST (checked before a VM is built); nothing changes either way.
 */
TEST_F_TIMEOUT(nl, max_vms, 120)
{
	struct axnl_vm before[MAX_VMS], after[MAX_VMS];
	struct axnl_result res;
	char old[32] = "", val[32];
	int nb, na;
	FILE *f;

	NL_REQUIRE();
	f = fopen(MAX_VMS_PARAM, "r");
	if (!f)
		SKIP(return, "no " MAX_VMS_PARAM);
	ASSERT_NE(NULL, fgets(old, sizeof(old), f));
	fclose(f);
	del_quiet(&self->nl, "nlt-lim");
	del_quiet(&self->nl, "nlt-lim2");
	/* Room for exactly one more VM than are listed now. */
	nb = list(_metadata, &self->nl, before);
	snprintf(val, sizeof(val), "%d\n", nb + 1);
	ASSERT_TRUE(write_param(val));
	EXPECT_EQ(0, axnl_vm_new(&self->nl, "nlt-lim", 0, 0, &res, NULL))
		TH_LOG("%s (a VM that is not listed but alive?)", res.msg);
	nb = list(_metadata, &self->nl, before);
	drain_events(&self->ev);

	EXPECT_EQ(-ENOSPC, axnl_vm_new(&self->nl, "nlt-lim2", 0, 0, &res, NULL));
	EXPECT_STREQ("as many VMs exist as the max_vms module parameter allows", res.msg);
	EXPECT_EQ(-EEXIST, axnl_vm_new(&self->nl, "nlt-lim", 0, 0, &res, NULL));
	EXPECT_STREQ("a VM of this name exists", res.msg);
	na = list(_metadata, &self->nl, after);
	expect_same(_metadata, "at max_vms", before, nb, after, na);
	expect_no_event(_metadata, &self->ev, "refused at max_vms");

	EXPECT_TRUE(write_param(old));
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-lim", 0, &res, NULL));
}

/* --- malformed ----------------------------------------------------------- */

enum mcase_kind { M_NEW, M_REF };

/* A request and what the kernel must answer. */
struct mcase {
	const char *what;
	uint8_t cmd;
	uint16_t flags;
	int err;		/* negative errno */
	const char *msg;	/* expected extack message, or NULL */
	int miss_type;		/* expected missing attribute, or -1 */
	bool bad_attr_offs;	/* offs must point at the last attribute */
	void (*build)(struct axnl_req *req, size_t *last);
};

#define PUT(last, req, call) do { *(last) = axnl_offset(req); call; } while (0)

static void b_none(struct axnl_req *r, size_t *l) { (void)r; (void)l; }
static void b_target(struct axnl_req *r, size_t *l)
{
	PUT(l, r, axnl_put_str(r, AXVM_A_VM_NAME, "nlt-target"));
}
static void b_vcpus0(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_VCPUS, 0));
}
static void b_vcpus65(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_VCPUS, AXVM_MAX_VCPUS + 1));
}
static void b_vcpus_u16(struct axnl_req *r, size_t *l)
{
	uint16_t v = 1;

	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put(r, AXVM_A_VM_VCPUS, &v, sizeof(v)));
}
static void b_vcpus_u64(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u64(r, AXVM_A_VM_VCPUS, 1));
}
static void b_mem_u32(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_MEM_BYTES, 1 << 20));
}
static void b_mem0(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u64(r, AXVM_A_VM_MEM_BYTES, 0));
}
static void b_mem_unaligned(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u64(r, AXVM_A_VM_MEM_BYTES, (1 << 20) + 1));
}
static void b_mem_huge(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u64(r, AXVM_A_VM_MEM_BYTES, 1ULL << 62));
}
static void b_flags1(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_FLAGS, 1));
}
static void b_new_with_id(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_ID, 1));
}
static void b_new_with_state(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_STATE, 0));
}
static void b_new_unknown(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	PUT(l, r, axnl_put_u32(r, 200, 0));
}
static void b_new_trailing(struct axnl_req *r, size_t *l)
{
	static const char junk[3] = { 1, 2, 3 };

	(void)l;
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
	axnl_put_raw(r, junk, sizeof(junk));
}
static void b_new_reserved(struct axnl_req *r, size_t *l)
{
	(void)l;
	axnl_genlhdr(r)->reserved = 1;
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
}
static void b_new_name(struct axnl_req *r, size_t *l)
{
	(void)l;
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-m");
}
static void b_new_nested_flag(struct axnl_req *r, size_t *l)
{
	PUT(l, r, axnl_put(r, AXVM_A_VM_NAME | NLA_F_NESTED, "nlt-m", 6));
}
static void b_target_id0(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-target");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_ID, 0));
}
static uint32_t target_id;	/* set before the cases run */
static void b_target_wrong_id(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-target");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_ID, target_id + 1000));
}
static void b_target_vcpus(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-target");
	PUT(l, r, axnl_put_u32(r, AXVM_A_VM_VCPUS, 1));
}
static void b_target_id_u64(struct axnl_req *r, size_t *l)
{
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-target");
	PUT(l, r, axnl_put_u64(r, AXVM_A_VM_ID, target_id));
}
static void b_target_bad_name(struct axnl_req *r, size_t *l)
{
	PUT(l, r, axnl_put_str(r, AXVM_A_VM_NAME, "nlt target"));
}
static void b_target_unterminated(struct axnl_req *r, size_t *l)
{
	PUT(l, r, axnl_put(r, AXVM_A_VM_NAME, "nlt-target", 10));
}
static void b_missing(struct axnl_req *r, size_t *l)
{
	PUT(l, r, axnl_put_str(r, AXVM_A_VM_NAME, "nlt-no-such-vm"));
}
static void b_target_trailing(struct axnl_req *r, size_t *l)
{
	static const char junk[2] = { 0xff, 0xff };

	(void)l;
	axnl_put_str(r, AXVM_A_VM_NAME, "nlt-target");
	axnl_put_raw(r, junk, sizeof(junk));
}
static void b_dump_unknown(struct axnl_req *r, size_t *l)
{
	PUT(l, r, axnl_put_u32(r, 200, 0));
}

#define MNEW(w, e, m, offs, b) \
	{ w, AXVM_CMD_VM_NEW, 0, e, m, -1, offs, b }
/* The same malformed request against VM_DEL, VM_STOP, VM_GET, VM_STATS. */
#define MREF(w, e, m, offs, b) \
	{ "VM_DEL: " w, AXVM_CMD_VM_DEL, 0, e, m, -1, offs, b }, \
	{ "VM_STOP: " w, AXVM_CMD_VM_STOP, 0, e, m, -1, offs, b }, \
	{ "VM_GET: " w, AXVM_CMD_VM_GET, 0, e, m, -1, offs, b }, \
	{ "VM_STATS: " w, AXVM_CMD_VM_STATS, 0, e, m, -1, offs, b }

static const struct mcase mcases[] = {
	{ "VM_NEW without NAME", AXVM_CMD_VM_NEW, 0, -EINVAL,
	  "AXVM_A_VM_NAME is required", AXVM_A_VM_NAME, false, b_none },
	MNEW("VCPUS 0", -ERANGE, "integer out of range", true, b_vcpus0),
	MNEW("VCPUS 65", -ERANGE, "integer out of range", true, b_vcpus65),
	MNEW("VCPUS as u16", -EINVAL, "invalid attribute length", true, b_vcpus_u16),
	MNEW("VCPUS as u64", -EINVAL, "invalid attribute length", true, b_vcpus_u64),
	MNEW("MEM_BYTES as u32", -EINVAL, "invalid attribute length", true, b_mem_u32),
	MNEW("MEM_BYTES 0", -ERANGE,
	     "memory size must be > 0 and <= the max_vm_mem module parameter", true, b_mem0),
	MNEW("MEM_BYTES not page aligned", -EINVAL, "memory size must be page aligned",
	     true, b_mem_unaligned),
	MNEW("MEM_BYTES 2^62", -ERANGE,
	     "memory size must be > 0 and <= the max_vm_mem module parameter", true, b_mem_huge),
	MNEW("FLAGS 1", -ERANGE, "integer out of range", true, b_flags1),
	MNEW("with ID", -EINVAL, "Unsupported attribute", true, b_new_with_id),
	MNEW("with STATE", -EINVAL, "Unsupported attribute", true, b_new_with_state),
	MNEW("unknown attribute 200", -EINVAL, "Unknown attribute type", true, b_new_unknown),
	MNEW("3 trailing bytes", -EINVAL, "bytes leftover after parsing attributes",
	     false, b_new_trailing),
	MNEW("genlmsghdr.reserved 1", -EINVAL, "genlmsghdr.reserved field is not 0",
	     false, b_new_reserved),
	{ "VM_NEW with NLM_F_CREATE", AXVM_CMD_VM_NEW, NLM_F_CREATE, -EINVAL,
	  "ambiguous or reserved bits set in nlmsg_flags", -1, false, b_new_name },
	{ "VM_NEW as a dump", AXVM_CMD_VM_NEW, NLM_F_DUMP, -EOPNOTSUPP, NULL, -1,
	  false, b_new_name },
	MNEW("NAME with NLA_F_NESTED", -EINVAL, "NLA_F_NESTED not expected", true,
	     b_new_nested_flag),
	MREF("neither NAME nor ID", -EINVAL, "AXVM_A_VM_NAME or AXVM_A_VM_ID is required",
	     false, b_none),
	MREF("ID 0", -ERANGE, "integer out of range", true, b_target_id0),
	MREF("ID as u64", -EINVAL, "invalid attribute length", true, b_target_id_u64),
	MREF("NAME and the ID of no VM", -ENOENT, "no such VM", false, b_target_wrong_id),
	MREF("with VCPUS", -EINVAL, "Unknown attribute type", true, b_target_vcpus),
	MREF("bad characters", -EINVAL, MSG_NAME, true, b_target_bad_name),
	MREF("NAME without NUL", -EINVAL, MSG_POLICY, true, b_target_unterminated),
	MREF("no such VM", -ENOENT, "no such VM", true, b_missing),
	MREF("2 trailing bytes", -EINVAL, "bytes leftover after parsing attributes",
	     false, b_target_trailing),
	{ "VM_GET dump with an unknown attribute", AXVM_CMD_VM_GET, NLM_F_DUMP, -EINVAL,
	  "Unknown attribute type", -1, true, b_dump_unknown },
	{ "EVENT as a request", AXVM_CMD_EVENT, 0, -EOPNOTSUPP, NULL, -1, false, b_target },
	{ "command 99", 99, 0, -EOPNOTSUPP, NULL, -1, false, b_target },
	{ "command 0", AXVM_CMD_UNSPEC, 0, -EOPNOTSUPP, NULL, -1, false, b_target },
};

TEST_F_TIMEOUT(nl, malformed, 180)
{
	struct axnl_vm before[MAX_VMS], after[MAX_VMS], target;
	struct axnl_result res;
	struct axnl_req req;
	unsigned int i;
	size_t last;
	int nb, na, r;

	NL_REQUIRE();
	del_quiet(&self->nl, "nlt-target");
	del_quiet(&self->nl, "nlt-m");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-target", 2ULL << 20, 1, &res, &target))
		TH_LOG("%s", res.msg);
	target_id = target.id;
	nb = list(_metadata, &self->nl, before);
	drain_events(&self->ev);

	for (i = 0; i < ARRAY_SIZE(mcases); i++) {
		const struct mcase *c = &mcases[i];

		last = 0;
		axnl_req_init(&req, self->nl.family, c->cmd, c->flags);
		c->build(&req, &last);
		r = axnl_xfer(&self->nl, &req, &res, NULL, NULL);
		EXPECT_EQ(c->err, r) TH_LOG("%s: got %d (%s), extack \"%s\"", c->what,
					    r, strerror(-r), res.msg);
		if (c->msg)
			EXPECT_STREQ(c->msg, res.msg) TH_LOG("%s", c->what);
		if (c->miss_type >= 0)
			EXPECT_EQ(c->miss_type, res.miss_type) TH_LOG("%s", c->what);
		if (c->bad_attr_offs)
			EXPECT_EQ((long)last, res.offs) TH_LOG("%s", c->what);
		na = list(_metadata, &self->nl, after);
		expect_same(_metadata, c->what, before, nb, after, na);
	}
	expect_no_event(_metadata, &self->ev, "malformed requests");
	EXPECT_EQ(-ENOENT, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-m", 0, &res, NULL));
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-target", 0, &res, NULL));
}

/* --- without CAP_NET_ADMIN ----------------------------------------------- */

/* Drop CAP_NET_ADMIN from every set of this process. 0 or -errno. */
static int drop_cap_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	unsigned int w = CAP_NET_ADMIN / 32, bit = 1U << (CAP_NET_ADMIN % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[w].effective &= ~bit;
	data[w].permitted &= ~bit;
	data[w].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

#define CHILD_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "#   child: check '%s' failed: ", #cond);	\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		fails++;						\
	}								\
} while (0)

/*
 * In a child without CAP_NET_ADMIN: VM_NEW needs an fd of /dev/axvm, the
 * "events" group refuses to be joined. Still root (uid 0, capability
 * dropped): root's VMs are its own, readable. As nobody: root's VMs do not
 * exist (ENOENT, not dumped); a malformed request is still EINVAL. Exit
 * status: the number of failed checks (100+ if the child could not be set
 * up).
 */
static int unprivileged_child(bool as_nobody, uint32_t tid)
{
	struct axnl_vm vms[MAX_VMS], vm;
	struct axnl_result res;
	struct axnl_stats st;
	struct axnl nl, ev;
	int fails = 0, r;

	if (as_nobody) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			return 100;
	} else if (drop_cap_net_admin()) {
		return 101;
	}
	/* The socket is opened without the capability, too. */
	if (axnl_open(&nl) || axnl_open(&ev))
		return 102;
	r = axnl_subscribe(&ev);
	CHILD_CHECK(r == -EPERM, "joining \"events\": %s", strerror(-r));

	r = axnl_vm_new(&nl, "nlt-unpriv", 0, 0, &res, NULL);
	CHILD_CHECK(r == -EPERM, "VM_NEW: %d", r);
	/* Policy validation comes first: a malformed one is EINVAL. */
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_DEL, NULL, 0, &res, NULL);
	CHILD_CHECK(r == -EINVAL, "VM_DEL without attributes: %d", r);
	if (!as_nobody) {
		r = axnl_vm_ref(&nl, AXVM_CMD_VM_GET, "nlt-target", 0, &res, &vm);
		CHILD_CHECK(r == 0 && vm.id == tid, "VM_GET: %d", r);
		r = axnl_vm_list(&nl, vms, MAX_VMS, &res);
		CHILD_CHECK(r > 0 && axnl_find(vms, r, "nlt-target"), "dump: %d", r);
		r = axnl_vm_stats(&nl, "nlt-target", &st, &res);
		CHILD_CHECK(r == 0 && st.vm_id == tid, "VM_STATS: %d", r);
		goto out;
	}
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_DEL, "nlt-target", 0, &res, NULL);
	CHILD_CHECK(r == -ENOENT, "VM_DEL by name: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_DEL, NULL, tid, &res, NULL);
	CHILD_CHECK(r == -ENOENT, "VM_DEL by id: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_STOP, "nlt-target", 0, &res, NULL);
	CHILD_CHECK(r == -ENOENT, "VM_STOP: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_GET, "nlt-target", 0, &res, &vm);
	CHILD_CHECK(r == -ENOENT, "VM_GET: %d", r);
	r = axnl_vm_list(&nl, vms, MAX_VMS, &res);
	CHILD_CHECK(r >= 0 && !axnl_find(vms, r, "nlt-target"), "dump: %d", r);
	r = axnl_vm_stats(&nl, "nlt-target", &st, &res);
	CHILD_CHECK(r == -ENOENT, "VM_STATS: %d", r);
out:
	axnl_close(&nl);
	axnl_close(&ev);
	return fails;
}

static void unprivileged(struct __test_metadata *_metadata,
			 FIXTURE_DATA(nl) *self, bool as_nobody)
{
	struct axnl_vm before[MAX_VMS], after[MAX_VMS], target;
	struct axnl_result res;
	int nb, na, status;
	pid_t pid;

	del_quiet(&self->nl, "nlt-target");
	del_quiet(&self->nl, "nlt-unpriv");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-target", 0, 0, &res, &target))
		TH_LOG("%s", res.msg);
	nb = list(_metadata, &self->nl, before);
	drain_events(&self->ev);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged_child(as_nobody, target.id));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("failed checks in the child (100+: set-up)");

	na = list(_metadata, &self->nl, after);
	expect_same(_metadata, "after the unprivileged child", before, nb, after, na);
	/* Not stopped, not deleted, nothing created: no event at all. */
	expect_no_event(_metadata, &self->ev, "unprivileged commands");
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-target", 0, &res, NULL));
}

TEST_F_TIMEOUT(nl, no_cap_net_admin, 120)
{
	NL_REQUIRE();
	unprivileged(_metadata, self, false);
}

TEST_F_TIMEOUT(nl, as_nobody, 120)
{
	NL_REQUIRE();
	unprivileged(_metadata, self, true);
}

/* --- events ------------------------------------------------------------- */

TEST_F_TIMEOUT(nl, events, 180)
{
	struct axvm_sregs sregs;
	struct axnl_result res;
	struct axvm_vcpu *vcpu;
	struct axnl_event e;
	struct axvm_vm *vm;
	struct axnl_vm nv;
	int dev, fd, stops;

	NL_REQUIRE();
	del_quiet(&self->nl, "nlt-ev");
	drain_events(&self->ev);

	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-ev", AXVM_DEFAULT_RAM, 1, &res, &nv))
		TH_LOG("%s", res.msg);
	expect_event(_metadata, &self->ev, nv.id, "nlt-ev", AXVM_EV_CREATED);

	/* A VMM attaches and runs a guest into a triple fault. */
	vm = axvm_vm_attach("nlt-ev", AXVM_DEFAULT_RAM);
	vcpu = put_code(vm, code_ud2, sizeof(code_ud2));
	axvm_vcpu_get_sregs(vcpu, &sregs);
	ASSERT_EQ(0, sregs.idt.limit);
	axvm_vcpu_run(vcpu);
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_SYSTEM_DOWN);
	expect_event(_metadata, &self->ev, nv.id, "nlt-ev", AXVM_EV_STARTED);
	if (next_event_of(_metadata, &self->ev, nv.id, &e)) {
		EXPECT_STREQ("VCPU_EXIT", axnl_event_name(e.event));
		EXPECT_EQ(0, e.vcpu_id);
		EXPECT_EQ(AXVM_EXIT_SYSTEM_DOWN, e.exit_kind);
	}

	/* VM_STOP with no vCPU in AXVM_RUN: STOPPED at once. */
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_STOP, "nlt-ev", 0, &res, NULL));
	expect_event(_metadata, &self->ev, nv.id, "nlt-ev", AXVM_EV_STOPPED);

	/* The VMM goes: the VM_NEW VM stays, nothing is announced. */
	axvm_vm_free(vm);
	expect_no_event(_metadata, &self->ev, "VMM exit");

	/* VM_DEL: (a STOPPED for its stop request, then) DESTROYED, last. */
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-ev", 0, &res, NULL));
	stops = 0;
	while (next_event_of(_metadata, &self->ev, nv.id, &e) &&
	       e.event == AXVM_EV_STOPPED)
		stops++;
	EXPECT_STREQ("DESTROYED", axnl_event_name(e.event));
	EXPECT_STREQ("nlt-ev", e.name);
	EXPECT_LE(1, stops);
	expect_no_event(_metadata, &self->ev, "after DESTROYED");

	/* An AXVM_CREATE_VM VM: CREATED, and DESTROYED when closed. */
	dev = axvm_open_dev();
	{
		struct axvm_create_vm args = { 0 };

		fd = ioctl(dev, AXVM_CREATE_VM, &args);
	}
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, axnl_next_event(&self->ev, &e, EV_TIMEOUT_MS));
	EXPECT_STREQ("CREATED", axnl_event_name(e.event));
	EXPECT_STREQ("", e.name);
	close(fd);
	close(dev);
	expect_event(_metadata, &self->ev, e.vm_id, "", AXVM_EV_DESTROYED);
}

/* --- cross_process ------------------------------------------------------ */

/*
 * Child VMM: attach to name, run the OUT loop for n exits, tell the parent
 * (one byte on up), wait for the parent (one byte on down), exit.
 */
static int vmm_child(const char *name, int n, int up, int down)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	char c = 'r';
	int i;

	vm = axvm_vm_attach(name, AXVM_DEFAULT_RAM);
	vcpu = put_code(vm, code_out, sizeof(code_out));
	for (i = 0; i < n; i++) {
		if (axvm_vcpu_run(vcpu) != AXVM_EXIT_IO_WRITE ||
		    vcpu->run->exit.u.io_write.port != 0x10) {
			axvm_dump_exit(stderr, &vcpu->run->exit);
			return 1;
		}
	}
	if (write(up, &c, 1) != 1 || read(down, &c, 1) != 1)
		return 2;
	axvm_vm_free(vm);
	return 0;
}

static void run_vmm(struct __test_metadata *_metadata, struct axnl *nl,
		    const char *name, int n)
{
	int up[2], down[2], status;
	struct axnl_result res;
	struct axnl_vm vm;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(vmm_child(name, n, up[1], down[0]));
	ASSERT_EQ(1, read(up[0], &c, 1)) TH_LOG("the child VMM failed");
	/* The child owns the VM now; it is out of AXVM_RUN. */
	ASSERT_EQ(0, axnl_vm_ref(nl, AXVM_CMD_VM_GET, name, 0, &res, &vm));
	EXPECT_EQ((uint32_t)pid, vm.owner_pid);
	EXPECT_EQ((uint32_t)AXVM_VM_STOPPED, vm.state);
	ASSERT_EQ(1, write(down[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child VMM status 0x%x", status);
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

TEST_F_TIMEOUT(nl, cross_process, 240)
{
	struct axnl_result res;
	struct axnl_stats st;
	struct axnl_vm vm, nv;

	NL_REQUIRE();
	del_quiet(&self->nl, "nlt-xp");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-xp", AXVM_DEFAULT_RAM, 1, &res, &nv))
		TH_LOG("%s", res.msg);

	run_vmm(_metadata, &self->nl, "nlt-xp", 5);
	/* The VMM is gone; the VM and its numbers are not. */
	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-xp", 0, &res, &vm));
	EXPECT_EQ(nv.id, vm.id);
	EXPECT_EQ(0U, vm.owner_pid);
	EXPECT_EQ((uint32_t)AXVM_VM_STOPPED, vm.state);
	EXPECT_EQ((uint64_t)AXVM_DEFAULT_RAM, vm.mem_bytes);
	ASSERT_EQ(0, axnl_vm_stats(&self->nl, "nlt-xp", &st, &res)) TH_LOG("%s", res.msg);
	ASSERT_EQ(1U, st.nr_vcpus);
	EXPECT_EQ(0U, st.vcpus[0].id);
	EXPECT_EQ(5ULL, st.vcpus[0].reasons[VMX_EXIT_IO]);
	EXPECT_LE(5ULL, st.vcpus[0].exits_user);

	/* A second VMM: its vCPU 0 continues vCPU 0's counters. */
	run_vmm(_metadata, &self->nl, "nlt-xp", 3);
	ASSERT_EQ(0, axnl_vm_stats(&self->nl, "nlt-xp", &st, &res)) TH_LOG("%s", res.msg);
	ASSERT_EQ(1U, st.nr_vcpus);
	EXPECT_EQ(8ULL, st.vcpus[0].reasons[VMX_EXIT_IO]);
	EXPECT_LE(8ULL, st.vcpus[0].exits_user);

	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-xp", 0, &res, NULL));
	EXPECT_EQ(-ENOENT, axnl_vm_stats(&self->nl, "nlt-xp", &st, &res));
}

/* --- statistics by vCPU id ---------------------------------------------- */

/* vCPU id runs the OUT loop for n exits (a fresh vCPU each time: setup). */
static struct axvm_vcpu *out_vcpu(struct axvm_vm *vm, uint32_t id, int n)
{
	struct axvm_vcpu *vcpu = axvm_vcpu_add(vm, id);
	int i;

	axvm_vcpu_setup_long(vcpu, GPA_SCRATCH);
	memcpy(axvm_gpa2hva(vm, GPA_SCRATCH, sizeof(code_out)), code_out,
	       sizeof(code_out));
	for (i = 0; i < n; i++)
		AXVM_CHECK(axvm_vcpu_run(vcpu) == AXVM_EXIT_IO_WRITE,
			   "vCPU %u: exit %u", id, vcpu->run->exit.kind);
	return vcpu;
}

/* VM_STATS has exactly the vCPUs ids[0..n-1], with these IO exit counts. */
static void expect_stats(struct __test_metadata *_metadata, struct axnl *nl,
			 const char *what, unsigned int n, const uint32_t *ids,
			 const uint64_t *io)
{
	struct axnl_result res;
	struct axnl_stats st;
	unsigned int i;

	ASSERT_EQ(0, axnl_vm_stats(nl, "nlt-ids", &st, &res)) TH_LOG("%s", res.msg);
	ASSERT_EQ(n, st.nr_vcpus) TH_LOG("%s", what);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(ids[i], st.vcpus[i].id) TH_LOG("%s", what);
		EXPECT_EQ(io[i], st.vcpus[i].reasons[VMX_EXIT_IO]) TH_LOG("%s: vCPU %u", what,
									 ids[i]);
		EXPECT_LE(io[i], st.vcpus[i].exits_user) TH_LOG("%s", what);
	}
}

TEST_F_TIMEOUT(nl, stats_by_vcpu_id, 180)
{
	static const uint32_t ids[] = { 0, 2 };
	struct axvm_vcpu *v0, *v2;
	struct axnl_result res;
	struct axvm_vm *vm;

	NL_REQUIRE();
	del_quiet(&self->nl, "nlt-ids");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-ids", AXVM_DEFAULT_RAM, 3, &res, NULL))
		TH_LOG("%s", res.msg);
	vm = axvm_vm_attach("nlt-ids", AXVM_DEFAULT_RAM);
	v0 = axvm_vcpu_add(vm, 0);
	v2 = out_vcpu(vm, 2, 2);
	/* Live vCPUs 0 (never run) and 2; no nest for id 1. */
	expect_stats(_metadata, &self->nl, "live", 2, ids, (const uint64_t[]){ 0, 2 });
	/* Closed vCPUs keep their place and their counters. */
	axvm_vcpu_free(v2);
	expect_stats(_metadata, &self->nl, "vCPU 2 closed", 2, ids,
		     (const uint64_t[]){ 0, 2 });
	axvm_vcpu_free(v0);
	expect_stats(_metadata, &self->nl, "both closed", 2, ids,
		     (const uint64_t[]){ 0, 2 });
	/* vCPU 2 again: it counts on. */
	out_vcpu(vm, 2, 1);
	expect_stats(_metadata, &self->nl, "vCPU 2 again", 2, ids,
		     (const uint64_t[]){ 0, 3 });
	axvm_vm_free(vm);
	expect_stats(_metadata, &self->nl, "VMM gone", 2, ids, (const uint64_t[]){ 0, 3 });
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-ids", 0, &res, NULL));
}

/* --- VM_STOP of a running VM -------------------------------------------- */

struct runner {
	struct axvm_vcpu *vcpu;
	pthread_t thread;
	int err;		/* errno AXVM_RUN ended with, 0: an exit */
	int done;		/* __atomic: set by the runner thread */
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

/* Join the runner within 20 s; false (and the thread left) if it hangs. */
static bool runner_join(struct runner *r)
{
	int i;

	for (i = 0; i < 400 && !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE); i++)
		usleep(50 * 1000);
	if (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
		return false;
	pthread_join(r->thread, NULL);
	return true;
}

TEST_F_TIMEOUT(nl, stop_running, 240)
{
	struct axnl_result res;
	struct axvm_vcpu *vcpu;
	struct axnl_vm nv, got;
	struct runner rn;
	struct axvm_vm *vm;
	int round;

	NL_REQUIRE();
	del_quiet(&self->nl, "nlt-stop");
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-stop", AXVM_DEFAULT_RAM, 1, &res, &nv))
		TH_LOG("%s", res.msg);
	vm = axvm_vm_attach("nlt-stop", AXVM_DEFAULT_RAM);
	vcpu = put_code(vm, code_spin, sizeof(code_spin));
	drain_events(&self->ev);

	/* Twice: a stop request is answered once, then the VM runs again. */
	for (round = 0; round < 2; round++) {
		runner_start(&rn, vcpu);
		ASSERT_TRUE(wait_state(&self->nl, "nlt-stop", AXVM_VM_RUNNING))
			TH_LOG("round %d: the VM never showed RUNNING", round);
		if (!round)
			expect_event(_metadata, &self->ev, nv.id, "nlt-stop", AXVM_EV_STARTED);
		ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_STOP, "nlt-stop", 0, &res, NULL))
			TH_LOG("%s", res.msg);
		ASSERT_TRUE(runner_join(&rn)) TH_LOG("round %d: AXVM_RUN did not return", round);
		EXPECT_EQ(ESHUTDOWN, rn.err) {
			TH_LOG("round %d: AXVM_RUN ended with %s", round, strerror(rn.err));
			if (!rn.err)
				axvm_dump_exit(stderr, &vcpu->run->exit);
		}
		expect_event(_metadata, &self->ev, nv.id, "nlt-stop", AXVM_EV_STOPPED);
		/* Stopped, not deleted: still there, attachable. */
		ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-stop", 0, &res, &got));
		EXPECT_EQ((uint32_t)AXVM_VM_STOPPED, got.state);
	}
	axvm_vm_free(vm);
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-stop", 0, &res, NULL));
}

/* --- VM_DEL of a VM a live process runs --------------------------------- */

/*
 * Child: attach, spin in AXVM_RUN; report the errno of that run and of one
 * more run (2 bytes on up), wait for the parent, exit.
 */
static int del_child(int up, int down)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	char b[2], c;

	vm = axvm_vm_attach("nlt-del", AXVM_DEFAULT_RAM);
	vcpu = put_code(vm, code_spin, sizeof(code_spin));
	b[0] = run_until_error_or_exit(vcpu);
	b[1] = run_until_error_or_exit(vcpu);
	if (write(up, b, 2) != 2 || read(down, &c, 1) != 1)
		return 2;
	axvm_vm_free(vm);
	return 0;
}

TEST_F_TIMEOUT(nl, del_attached, 240)
{
	struct axnl_vm before[MAX_VMS], after[MAX_VMS], nv, again;
	int up[2], down[2], status, nb, na;
	struct axnl_result res;
	struct axnl_event e;
	char b[2], c = 'x';
	pid_t pid;
	int dev;

	NL_REQUIRE();
	del_quiet(&self->nl, "nlt-del");
	nb = list(_metadata, &self->nl, before);
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-del", AXVM_DEFAULT_RAM, 1, &res, &nv))
		TH_LOG("%s", res.msg);
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(del_child(up[1], down[0]));
	ASSERT_TRUE(wait_state(&self->nl, "nlt-del", AXVM_VM_RUNNING)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	drain_events(&self->ev);

	ASSERT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-del", 0, &res, NULL))
		TH_LOG("%s", res.msg);
	/* Unregistered at once; the child's runs end, for good. */
	EXPECT_EQ(-ENOENT, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, "nlt-del", 0, &res, NULL));
	EXPECT_EQ(-ENOENT, axnl_vm_ref(&self->nl, AXVM_CMD_VM_GET, NULL, nv.id, &res, NULL));
	ASSERT_EQ(2, read(up[0], b, 2)) TH_LOG("the child did not report");
	EXPECT_EQ(ESHUTDOWN, b[0]) TH_LOG("running AXVM_RUN: %s", strerror(b[0]));
	EXPECT_EQ(ESHUTDOWN, b[1]) TH_LOG("next AXVM_RUN: %s", strerror(b[1]));
	na = list(_metadata, &self->nl, after);
	expect_same(_metadata, "after VM_DEL of an attached VM", before, nb, after, na);
	dev = axvm_open_dev();
	EXPECT_ERRNO(ENOENT, __axvm_attach_vm(dev, "nlt-del"));
	close(dev);

	/* The name is free while the old VM lives on in the child. */
	ASSERT_EQ(0, axnl_vm_new(&self->nl, "nlt-del", 0, 0, &res, &again)) TH_LOG("%s", res.msg);
	EXPECT_NE(nv.id, again.id);
	/* Events so far: STOPPED of the old VM, CREATED of the new; no DESTROYED. */
	while (axnl_next_event(&self->ev, &e, 300) > 0)
		EXPECT_FALSE(e.vm_id == nv.id && e.event == AXVM_EV_DESTROYED)
			TH_LOG("DESTROYED while a process still has the VM");

	/* The child closes its fds: now the old VM is destroyed. */
	ASSERT_EQ(1, write(down[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status 0x%x", status);
	expect_event(_metadata, &self->ev, nv.id, "nlt-del", AXVM_EV_DESTROYED);
	EXPECT_EQ(0, axnl_vm_ref(&self->nl, AXVM_CMD_VM_DEL, "nlt-del", 0, &res, NULL));
	close(up[0]);
	close(up[1]);
	close(down[0]);
	close(down[1]);
}

TEST_HARNESS_MAIN
