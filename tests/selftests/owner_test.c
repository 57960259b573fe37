// SPDX-License-Identifier: GPL-2.0
/*
 * VM ownership across users (Documentation/hardening.rst, "Ownership"):
 * a VM belongs to the user that created it. Two users of group kvm (uid
 * 1000 and 1001, no capabilities) each make a VM; every operation of one
 * on the other's VM is refused with ENOENT (the VM is hidden), neither
 * gets the other's events, each may do everything on its own VM, root
 * sees and acts on both. Also: VM_NEW without CAP_NET_ADMIN needs an fd of
 * /dev/axvm, the "events" group is for CAP_NET_ADMIN, and the per-user VM
 * limit (max_vms_per_user).
 *
 * Runs as root and forks a child per user and step; the child drops to
 * the user (setgroups, setgid, setuid) and returns its number of failed
 * checks as its exit status. /dev/axvm gets group kvm and mode 0660 for
 * the test, as the udev rule (scripts/99-axvm.rules) gives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "axvm_test.h"
#include "axvm_nl.h"

#define UID_A		1000
#define UID_B		1001
#define UID_NOGROUP	1002
#define TEST_KVM_GID	36	/* when /dev/axvm has no group yet */
#define VM_A		"own-a"
#define VM_B		"own-b"
#define PER_USER_PARAM	"/sys/module/axvm/parameters/max_vms_per_user"
#define EV_MS		1500

static gid_t kvm_gid;
static int fails;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "#   uid %d: check '%s' failed: ",		\
			(int)geteuid(), #cond);				\
		fprintf(stderr, __VA_ARGS__);				\
		fprintf(stderr, "\n");					\
		fails++;						\
	}								\
} while (0)

/* Become uid (in group kvm unless nogroup), without any capability. */
static int become(uid_t uid, bool nogroup)
{
	struct rlimit rl = { 64 << 20, 64 << 20 };
	gid_t g = kvm_gid;

	/* What limits.conf gives VM users: guest RAM is pinned, locked_vm. */
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return -1;
	if (setgroups(nogroup ? 0 : 1, &g) || setgid(nogroup ? uid : kvm_gid) ||
	    setuid(uid))
		return -1;
	return 0;
}

/* Run fn as uid in a child; returns its failed checks (100+: set-up). */
static int as_user(uid_t uid, bool nogroup, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 200;
	if (!pid) {
		if (become(uid, nogroup))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 201;
	return WEXITSTATUS(status);
}

/* A child that stays: runs fn, which reports through the pipe. */
static pid_t spawn_user(uid_t uid, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (!pid) {
		if (become(uid, false))
			_exit(100);
		_exit(fn(arg));
	}
	return pid;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 201;
	return WEXITSTATUS(status);
}

static int open_nl(struct axnl *nl)
{
	return axnl_open(nl) ? -1 : 0;
}

/* --- steps run as a user ------------------------------------------------ */

/* Make the named VM through netlink, showing an fd of /dev/axvm. */
static int create_vm(void *arg)
{
	const char *name = arg;
	struct axnl_result res;
	struct axnl_vm vm;
	struct axnl nl;
	int dev, null, r;

	if (open_nl(&nl))
		return 102;
	/* Without the fd, and with an fd of something else: EPERM. */
	r = axnl_vm_new_dev(&nl, name, -1, &res, NULL);
	CHECK(r == -EPERM, "VM_NEW without DEV_FD: %d", r);
	null = open("/dev/null", O_RDWR);
	r = axnl_vm_new_dev(&nl, name, null, &res, NULL);
	CHECK(r == -EPERM, "VM_NEW with /dev/null: %d", r);
	close(null);
	dev = open(AXVM_DEV_PATH, O_RDONLY);
	r = axnl_vm_new_dev(&nl, name, dev, &res, NULL);
	CHECK(r == -EPERM, "VM_NEW with a read-only /dev/axvm: %d", r);
	close(dev);

	dev = open(AXVM_DEV_PATH, O_RDWR);
	CHECK(dev >= 0, "open /dev/axvm: %s", strerror(errno));
	r = axnl_vm_new_dev(&nl, name, dev, &res, &vm);
	CHECK(r == 0, "VM_NEW %s: %d %s", name, r, res.msg);
	CHECK(r || vm.owner_uid == (int64_t)geteuid(), "owner uid %lld",
	      (long long)vm.owner_uid);
	close(dev);
	axnl_close(&nl);
	return fails;
}

/* Every operation on another user's VM: as if it did not exist. */
static int foreign_ops(void *arg)
{
	const char *name = arg;
	struct axnl_vm vms[64], vm;
	struct axnl_result res;
	struct axvm_attach_vm at;
	struct axnl_stats st;
	struct axnl nl;
	int dev, r, n;

	if (open_nl(&nl))
		return 102;
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_GET, name, 0, &res, &vm);
	CHECK(r == -ENOENT, "VM_GET %s: %d", name, r);
	n = axnl_vm_list(&nl, vms, 64, &res);
	CHECK(n >= 0 && !axnl_find(vms, n, name), "dump lists %s (%d)", name, n);
	r = axnl_vm_stats(&nl, name, &st, &res);
	CHECK(r == -ENOENT, "VM_STATS: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_STOP, name, 0, &res, NULL);
	CHECK(r == -ENOENT, "VM_STOP: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_PAUSE, name, 0, &res, NULL);
	CHECK(r == -ENOENT, "VM_PAUSE: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_RESUME, name, 0, &res, NULL);
	CHECK(r == -ENOENT, "VM_RESUME: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_DEL, name, 0, &res, NULL);
	CHECK(r == -ENOENT, "VM_DEL: %d", r);
	/* The name is still taken: names are one namespace for everyone. */
	dev = open(AXVM_DEV_PATH, O_RDWR);
	CHECK(dev >= 0, "open /dev/axvm: %s", strerror(errno));
	r = axnl_vm_new_dev(&nl, name, dev, &res, NULL);
	CHECK(r == -EEXIST, "VM_NEW of a taken name: %d", r);
	memset(&at, 0, sizeof(at));
	strcpy(at.name, name);
	r = ioctl(dev, AXVM_ATTACH_VM, &at);
	CHECK(r < 0 && errno == ENOENT, "AXVM_ATTACH_VM: %d %s", r, strerror(errno));
	if (r >= 0)
		close(r);
	close(dev);
	axnl_close(&nl);
	return fails;
}

/* Every operation on one's own VM works. */
static int own_ops(void *arg)
{
	const char *name = arg;
	struct axnl_vm vms[64], vm;
	struct axnl_result res;
	struct axvm_attach_vm at;
	struct axnl_stats st;
	struct axnl nl;
	int dev, r, n;

	if (open_nl(&nl))
		return 102;
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_GET, name, 0, &res, &vm);
	CHECK(r == 0, "VM_GET: %d", r);
	CHECK(r || vm.owner_uid == (int64_t)geteuid(), "owner uid %lld",
	      (long long)vm.owner_uid);
	n = axnl_vm_list(&nl, vms, 64, &res);
	CHECK(n > 0 && axnl_find(vms, n, name), "dump lacks %s (%d)", name, n);
	r = axnl_vm_stats(&nl, name, &st, &res);
	CHECK(r == 0, "VM_STATS: %d", r);
	dev = open(AXVM_DEV_PATH, O_RDWR);
	CHECK(dev >= 0, "open /dev/axvm: %s", strerror(errno));
	memset(&at, 0, sizeof(at));
	strcpy(at.name, name);
	r = ioctl(dev, AXVM_ATTACH_VM, &at);
	CHECK(r >= 0, "AXVM_ATTACH_VM: %s", strerror(errno));
	if (r >= 0) {
		int vcpu = ioctl(r, AXVM_CREATE_VCPU, 0);

		CHECK(vcpu >= 0, "AXVM_CREATE_VCPU: %s", strerror(errno));
		if (vcpu >= 0)
			close(vcpu);
		close(r);
	}
	close(dev);
	/* Reached (not ENOENT/EPERM): the VM never ran, and is not paused. */
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_PAUSE, name, 0, &res, NULL);
	CHECK(r == -EINVAL, "VM_PAUSE: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_RESUME, name, 0, &res, NULL);
	CHECK(r == -EALREADY, "VM_RESUME: %d", r);
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_STOP, name, 0, &res, NULL);
	CHECK(r == 0, "VM_STOP: %d", r);
	axnl_close(&nl);
	return fails;
}

static int delete_vm(void *arg)
{
	struct axnl nl;
	int r;

	if (open_nl(&nl))
		return 102;
	r = axnl_vm_ref(&nl, AXVM_CMD_VM_DEL, arg, 0, NULL, NULL);
	CHECK(r == 0, "VM_DEL %s: %d", (const char *)arg, r);
	axnl_close(&nl);
	return fails;
}

/*
 * An event listener: subscribes, says so (one byte on up), waits for the
 * go (down), then reads events: it must see mine's, never theirs'.
 */
struct listener {
	const char *mine, *theirs;
	int up[2], down[2];
};

static int listen_events(void *arg)
{
	struct listener *l = arg;
	struct axnl_result res;
	struct axnl_event e;
	int r, seen_mine = 0;
	struct axnl ev;
	char c = 'r';

	if (open_nl(&ev))
		return 102;
	r = axnl_subscribe(&ev);
	CHECK(r == -EPERM, "joining \"events\" without CAP_NET_ADMIN: %d", r);
	r = axnl_event_subscribe(&ev, &res);
	CHECK(r == 0, "EVENT_SUBSCRIBE: %d %s", r, res.msg);
	if (write(l->up[1], &c, 1) != 1 || read(l->down[0], &c, 1) != 1)
		return 103;
	while ((r = axnl_next_event(&ev, &e, EV_MS)) == 1) {
		CHECK(strcmp(e.name, l->theirs), "got %s's event %s",
		      e.name, axnl_event_name(e.event));
		if (!strcmp(e.name, l->mine))
			seen_mine++;
	}
	CHECK(r == 0, "reading events: %d", r);
	/* STOPPED (root's VM_STOP), STOPPED (own VM_STOP), DESTROYED */
	CHECK(seen_mine >= 3, "%d events of my own VM %s", seen_mine, l->mine);
	axnl_close(&ev);
	return fails;
}

/* Without group kvm: no device, no VM_NEW, nothing listed. */
static int no_group(void *arg)
{
	struct axnl_vm vms[64];
	struct axnl_result res;
	struct axnl nl;
	int n;

	(void)arg;
	CHECK(open(AXVM_DEV_PATH, O_RDWR) < 0 && errno == EACCES,
	      "open /dev/axvm: %s", strerror(errno));
	if (open_nl(&nl))
		return 102;
	n = axnl_vm_new_dev(&nl, "own-x", -1, &res, NULL);
	CHECK(n == -EPERM, "VM_NEW: %d", n);
	n = axnl_vm_list(&nl, vms, 64, &res);
	CHECK(n == 0, "dump: %d VMs", n);
	axnl_close(&nl);
	return fails;
}

/* --- the test --------------------------------------------------------- */

struct devmode {
	struct stat st;
	bool changed;
};

/* /dev/axvm: group kvm (TEST_KVM_GID if it has none), mode 0660. */
static bool dev_for_group(struct devmode *d)
{
	if (stat(AXVM_DEV_PATH, &d->st))
		return false;
	kvm_gid = d->st.st_gid ? d->st.st_gid : TEST_KVM_GID;
	d->changed = d->st.st_gid != kvm_gid || (d->st.st_mode & 0777) != 0660;
	return !chown(AXVM_DEV_PATH, 0, kvm_gid) && !chmod(AXVM_DEV_PATH, 0660);
}

static void dev_restore(struct devmode *d)
{
	if (d->changed && (chown(AXVM_DEV_PATH, d->st.st_uid, d->st.st_gid) ||
			   chmod(AXVM_DEV_PATH, d->st.st_mode & 0777)))
		perror("restoring /dev/axvm");
}

static void root_cleanup(struct axnl *nl)
{
	axnl_vm_ref(nl, AXVM_CMD_VM_DEL, VM_A, 0, NULL, NULL);
	axnl_vm_ref(nl, AXVM_CMD_VM_DEL, VM_B, 0, NULL, NULL);
}

/* A fixture only for TEST_F_TIMEOUT: Bochs needs more than 30 s. */
FIXTURE(own) {
	int unused;
};
FIXTURE_SETUP(own) { (void)self; }
FIXTURE_TEARDOWN(own) { (void)self; }

TEST_F_TIMEOUT(own, two_users, 300)
{
	struct listener la = { .mine = VM_A, .theirs = VM_B },
			lb = { .mine = VM_B, .theirs = VM_A };
	struct axnl_vm vms[64], a, b;
	struct axnl_result res;
	struct devmode dm;
	struct axnl nl;
	pid_t pa, pb;
	char c;
	int n;

	AXVM_REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (to become uid %d and %d)", UID_A, UID_B);
	ASSERT_EQ(0, axnl_open(&nl));
	ASSERT_TRUE(dev_for_group(&dm));
	root_cleanup(&nl);

	/* Each user makes a VM. */
	EXPECT_EQ(0, as_user(UID_A, false, create_vm, VM_A));
	EXPECT_EQ(0, as_user(UID_B, false, create_vm, VM_B));

	/* Listeners subscribe before anything happens to the VMs. */
	ASSERT_EQ(0, pipe(la.up));
	ASSERT_EQ(0, pipe(la.down));
	ASSERT_EQ(0, pipe(lb.up));
	ASSERT_EQ(0, pipe(lb.down));
	pa = spawn_user(UID_A, listen_events, &la);
	pb = spawn_user(UID_B, listen_events, &lb);
	ASSERT_EQ(1, read(la.up[0], &c, 1));
	ASSERT_EQ(1, read(lb.up[0], &c, 1));

	/* Across the boundary: nothing, both ways. */
	EXPECT_EQ(0, as_user(UID_B, false, foreign_ops, VM_A));
	EXPECT_EQ(0, as_user(UID_A, false, foreign_ops, VM_B));
	EXPECT_EQ(0, as_user(UID_NOGROUP, true, no_group, NULL));

	/* Root sees both, with their owners, and may act on them. */
	n = axnl_vm_list(&nl, vms, 64, &res);
	EXPECT_TRUE(axnl_find(vms, n, VM_A) && axnl_find(vms, n, VM_B));
	ASSERT_EQ(0, axnl_vm_ref(&nl, AXVM_CMD_VM_GET, VM_A, 0, &res, &a));
	ASSERT_EQ(0, axnl_vm_ref(&nl, AXVM_CMD_VM_GET, VM_B, 0, &res, &b));
	EXPECT_EQ(UID_A, a.owner_uid);
	EXPECT_EQ(UID_B, b.owner_uid);
	EXPECT_EQ(0, axnl_vm_ref(&nl, AXVM_CMD_VM_STOP, VM_A, 0, &res, NULL));
	EXPECT_EQ(0, axnl_vm_ref(&nl, AXVM_CMD_VM_STOP, VM_B, 0, &res, NULL));

	/* On one's own VM, everything works; then each deletes its own. */
	EXPECT_EQ(0, as_user(UID_A, false, own_ops, VM_A));
	EXPECT_EQ(0, as_user(UID_B, false, own_ops, VM_B));
	EXPECT_EQ(0, as_user(UID_A, false, delete_vm, VM_A));
	EXPECT_EQ(0, as_user(UID_B, false, delete_vm, VM_B));

	/* Events: each listener saw its own VM's, none of the other's. */
	ASSERT_EQ(1, write(la.down[1], &c, 1));
	ASSERT_EQ(1, write(lb.down[1], &c, 1));
	EXPECT_EQ(0, wait_child(pa)) TH_LOG("uid %d's listener", UID_A);
	EXPECT_EQ(0, wait_child(pb)) TH_LOG("uid %d's listener", UID_B);

	root_cleanup(&nl);
	axnl_close(&nl);
	dev_restore(&dm);
}

/* --- max_vms_per_user ----------------------------------------------------- */

static int fill_quota(void *arg)
{
	int *limit = arg, fds[8], i, r, dev;
	struct axvm_create_vm args = { 0 };
	struct axnl_result res;
	struct axnl nl;

	dev = open(AXVM_DEV_PATH, O_RDWR);
	if (dev < 0 || open_nl(&nl))
		return 102;
	for (i = 0; i < *limit; i++) {
		fds[i] = ioctl(dev, AXVM_CREATE_VM, &args);
		CHECK(fds[i] >= 0, "VM %d of %d: %s", i + 1, *limit, strerror(errno));
	}
	r = ioctl(dev, AXVM_CREATE_VM, &args);
	CHECK(r < 0 && errno == EDQUOT, "VM past the limit: %d %s", r,
	      strerror(errno));
	r = axnl_vm_new_dev(&nl, "own-q", dev, &res, NULL);
	CHECK(r == -EDQUOT, "VM_NEW past the limit: %d", r);
	/* One closed: room for one again. */
	close(fds[0]);
	fds[0] = ioctl(dev, AXVM_CREATE_VM, &args);
	CHECK(fds[0] >= 0, "VM after closing one: %s", strerror(errno));
	for (i = 0; i < *limit; i++)
		close(fds[i]);
	close(dev);
	axnl_close(&nl);
	return fails;
}

static int one_vm(void *arg)
{
	struct axvm_create_vm args = { 0 };
	int dev = open(AXVM_DEV_PATH, O_RDWR), fd;

	(void)arg;
	fd = ioctl(dev, AXVM_CREATE_VM, &args);
	CHECK(fd >= 0, "another user's VM: %s", strerror(errno));
	close(fd);
	close(dev);
	return fails;
}

static bool write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(s, f) >= 0;
	return !fclose(f) && ok;
}

TEST_F_TIMEOUT(own, max_vms_per_user, 120)
{
	char old[32] = "";
	struct devmode dm;
	int limit = 2, fd, dev;
	struct axvm_create_vm args = { 0 };
	FILE *f;

	AXVM_REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (to become uid %d)", UID_A);
	f = fopen(PER_USER_PARAM, "r");
	if (!f)
		SKIP(return, "no " PER_USER_PARAM);
	ASSERT_NE(NULL, fgets(old, sizeof(old), f));
	fclose(f);
	ASSERT_TRUE(dev_for_group(&dm));
	ASSERT_TRUE(write_str(PER_USER_PARAM, "2\n"));

	/* A child holds one VM while uid A fills its quota: per user. */
	EXPECT_EQ(0, as_user(UID_A, false, fill_quota, &limit));
	EXPECT_EQ(0, as_user(UID_B, false, one_vm, NULL));
	/* Root (CAP_SYS_ADMIN) is not counted. */
	dev = axvm_open_dev();
	fd = ioctl(dev, AXVM_CREATE_VM, &args);
	EXPECT_LE(0, fd);
	close(fd);
	close(dev);

	EXPECT_TRUE(write_str(PER_USER_PARAM, old));
	dev_restore(&dm);
}

/* --- axctl as a user of group kvm ------------------------------------- */

#define AXCTL		"/opt/axvm/axctl"
#define DEMO		"/opt/axvm/guests/demo"

/* Run a shell command as the current (dropped) user: its exit status. */
static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Everything axctl does, on one's own VM, without capabilities. */
static int axctl_own(void *arg)
{
	(void)arg;
	CHECK(sh(AXCTL " -q create own-ctl --memory 4M") == 0, "create");
	CHECK(sh(AXCTL " list | grep -q ' own-ctl '") == 0, "list");
	/* The demo guest ends through the debug-exit port: status 1. */
	CHECK(sh(AXCTL " start own-ctl --kernel " DEMO " -q >/dev/null") == 1,
	      "start");
	CHECK(sh(AXCTL " stats own-ctl >/dev/null") == 0, "stats");
	CHECK(sh(AXCTL " stop own-ctl") == 0, "stop");
	return fails;
}

/* Another user's VM: "no VM named" (8) for everything, not in the list. */
static int axctl_foreign(void *arg)
{
	(void)arg;
	CHECK(sh(AXCTL " list | grep -q ' own-ctl '") == 1, "list shows it");
	CHECK(sh(AXCTL " stats own-ctl 2>/dev/null") == 8, "stats");
	CHECK(sh(AXCTL " stop own-ctl 2>/dev/null") == 8, "stop");
	CHECK(sh(AXCTL " destroy own-ctl 2>/dev/null") == 8, "destroy");
	CHECK(sh(AXCTL " start own-ctl --kernel " DEMO " -q 2>/dev/null") == 8,
	      "start");
	return fails;
}

static int axctl_destroy(void *arg)
{
	(void)arg;
	CHECK(sh(AXCTL " destroy own-ctl") == 0, "destroy");
	return fails;
}

TEST_F_TIMEOUT(own, axctl_as_user, 300)
{
	struct devmode dm;
	struct axnl nl;

	AXVM_REQUIRE();
	if (geteuid())
		SKIP(return, "needs root (to become uid %d)", UID_A);
	if (access(AXCTL, X_OK) || access(DEMO, R_OK))
		SKIP(return, "no " AXCTL " or " DEMO);
	ASSERT_EQ(0, axnl_open(&nl));
	axnl_vm_ref(&nl, AXVM_CMD_VM_DEL, "own-ctl", 0, NULL, NULL);
	ASSERT_TRUE(dev_for_group(&dm));
	EXPECT_EQ(0, as_user(UID_A, false, axctl_own, NULL));
	EXPECT_EQ(0, as_user(UID_B, false, axctl_foreign, NULL));
	EXPECT_EQ(0, as_user(UID_A, false, axctl_destroy, NULL));
	axnl_vm_ref(&nl, AXVM_CMD_VM_DEL, "own-ctl", 0, NULL, NULL);
	axnl_close(&nl);
	dev_restore(&dm);
}

TEST_HARNESS_MAIN
