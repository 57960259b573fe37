// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes and leaks: fds closed while another thread is inside
 * AXVM_RUN, the module held while fds are open, and many
 * create/populate/run/destroy cycles with the kernel's slab, free and
 * unevictable pages, page tables and the process's locked and pinned
 * memory compared before and after.
 *
 *   AXVM_LEAK_CYCLES  cycles measured (default 1000)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/axvm_test.h"

#define CODE_GPA	0x1000ull

/* A field of /proc/meminfo or /proc/self/status, in kB; -1 if absent. */
static long proc_kb(const char *file, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* One VM: 2 MiB populated, one vCPU that runs HLT in real mode. */
static void cycle(void)
{
	static const uint8_t hlt[] = { 0xf4 };
	struct axvm_vm *vm = axvm_vm_create(0);
	struct axvm_vcpu *v;
	void *mem = axvm_alloc_mem(SZ_2M);

	axvm_vm_add_region_mem(vm, 0, AXVM_MEM_POPULATE, 0, SZ_2M, mem);
	memcpy((uint8_t *)mem + CODE_GPA, hlt, sizeof(hlt));
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_real(v, 0, CODE_GPA);
	AXVM_CHECK(axvm_vcpu_run(v) == AXVM_EXIT_HALT, "exit %u", v->run->exit.kind);
	axvm_vm_free(vm);
}

/*
 * Counters compared before and after the cycles. A leak shows as a growth
 * (a fall for MemFree). Tolerances: a fixed part for what the rest of the
 * system does meanwhile (per-CPU page lists, the harness's own output)
 * plus a part per cycle well below one leaked object per cycle.
 *  - SUnreclaim: the kernel's slab (VM, vCPU, slot structures).
 *  - MemFree: whole pages: VMCS, bitmaps, XSAVE area, run page, EPT tables
 *    (not slab), and the 512 pinned guest pages if one was never unpinned.
 *    It moved by 0-4 kB in the test machine (page cache dropped first);
 *    768 kB + 1 kB per cycle fails one page leaked per cycle (4 kB) from
 *    300 cycles on.
 *  - Mlocked, Unevictable: axvm pins with FOLL_LONGTERM and charges
 *    locked_vm, it never mlocks: these must not move.
 *  - PageTables, KernelStack, VmallocUsed, Percpu: the process's page
 *    tables, kernel stacks, vmalloc space and per-CPU memory.
 *  - VmLck (locked_vm, where axvm charges pinned guest pages) and VmPin
 *    (pinned_vm, which axvm does not use) of this process: exact.
 */
struct counter {
	const char *file, *key;
	long fixed_kb;		/* allowed growth, kB ... */
	long per_cycle_b;	/* ... plus this many bytes per cycle */
	bool fall;		/* a leak makes it fall (MemFree) */
	long before, after;
};

#define COUNTER(_file, _key, _fixed, _per_cycle, _fall) \
	{ .file = _file, .key = _key, .fixed_kb = _fixed, \
	  .per_cycle_b = _per_cycle, .fall = _fall }

static struct counter counters[] = {
	COUNTER("/proc/meminfo", "SUnreclaim", 64, 128, false),
	COUNTER("/proc/meminfo", "MemFree", 768, 1024, true),
	COUNTER("/proc/meminfo", "Mlocked", 0, 0, false),
	COUNTER("/proc/meminfo", "Unevictable", 64, 0, false),
	COUNTER("/proc/meminfo", "PageTables", 256, 0, false),
	COUNTER("/proc/meminfo", "KernelStack", 64, 0, false),
	COUNTER("/proc/meminfo", "VmallocUsed", 256, 0, false),
	COUNTER("/proc/meminfo", "Percpu", 64, 0, false),
	COUNTER("/proc/self/status", "VmLck", 0, 0, false),
	COUNTER("/proc/self/status", "VmPin", 0, 0, false),
};

static void read_counters(bool after)
{
	unsigned int i;

	/* Fewer page-cache pages coming and going meanwhile (root only). */
	if (!system("sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null"))
		usleep(10000);
	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		long v = proc_kb(counters[i].file, counters[i].key);

		if (after)
			counters[i].after = v;
		else
			counters[i].before = v;
	}
}

TEST(create_run_destroy_cycles_leak_nothing)
{
	const char *s = getenv("AXVM_LEAK_CYCLES");
	long cycles = s ? strtol(s, NULL, 0) : 1000, i;
	long lck0, lck_mid;
	unsigned int k;

	AXVM_REQUIRE();
	for (i = 0; i < 50; i++)	/* warm the caches */
		cycle();
	read_counters(false);
	for (i = 0; i < cycles; i++)
		cycle();
	read_counters(true);
	for (k = 0; k < ARRAY_SIZE(counters); k++) {
		struct counter *c = &counters[k];
		long limit = c->fixed_kb + cycles * c->per_cycle_b / 1024;
		long growth = c->fall ? c->before - c->after : c->after - c->before;

		TH_LOG("%ld cycles: %-11s %8ld -> %8ld kB (%s %ld kB, allowed %ld kB)",
		       cycles, c->key, c->before, c->after,
		       c->fall ? "fell" : "grew", growth, limit);
		if (c->before < 0 || c->after < 0) {
			/* VmPin and Percpu are missing on old kernels only */
			EXPECT_TRUE(!strcmp(c->key, "VmPin") || !strcmp(c->key, "Percpu"))
				TH_LOG("no %s in %s", c->key, c->file);
			continue;
		}
		EXPECT_GE(limit, growth) TH_LOG("%s: leak?", c->key);
	}
	/* Pinned guest memory is charged while a VM holds it, not after. */
	lck0 = proc_kb("/proc/self/status", "VmLck");
	{
		struct axvm_vm *vm = axvm_vm_create(0);
		void *mem = axvm_alloc_mem(SZ_2M);

		axvm_vm_add_region_mem(vm, 0, AXVM_MEM_POPULATE, 0, SZ_2M, mem);
		lck_mid = proc_kb("/proc/self/status", "VmLck");
		axvm_vm_free(vm);
	}
	EXPECT_EQ(lck0 + 2048, lck_mid);
	EXPECT_EQ(lck0, proc_kb("/proc/self/status", "VmLck"));
}

struct spinner {
	struct axvm_vcpu *v;
	int ret, err;
	volatile int in_run;
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *spin_thread(void *p)
{
	struct spinner *s = p;

	s->in_run = 1;
	s->ret = __axvm_vcpu_run(s->v);
	s->err = errno;
	return NULL;
}

/*
 * Close the vCPU fd and the VM fd while a thread runs a spinning guest:
 * the run goes on (the ioctl holds its file), ends at the signal, and the
 * last reference frees everything.
 */
TEST(close_fds_while_running)
{
	static const uint8_t spin[] = { 0xeb, 0xfe };
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct spinner s = { 0 };
	struct axvm_vm *vm;
	pthread_t t;
	int vcpu_fd, vm_fd;

	AXVM_REQUIRE();
	sigaction(SIGUSR1, &sa, NULL);
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	s.v = axvm_vcpu_add(vm, 0);
	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(spin)), spin, sizeof(spin));
	axvm_vcpu_setup_real(s.v, 0, CODE_GPA);
	vcpu_fd = s.v->fd;
	vm_fd = vm->fd;
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_thread, &s));
	while (!s.in_run)
		usleep(1000);
	usleep(50000);
	/* The fd numbers go away under the running thread. */
	EXPECT_EQ(0, close(vcpu_fd));
	EXPECT_EQ(0, close(vm_fd));
	s.v->fd = -1;
	vm->fd = -1;
	usleep(50000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-1, s.ret);
	EXPECT_EQ(EINTR, s.err);
	axvm_vm_free(vm);
}

/* An open fd holds the module: rmmod fails cleanly and changes nothing. */
TEST(module_held_by_open_fds)
{
	struct axvm_vm *vm;
	int ret;

	AXVM_REQUIRE();
	if (access("/sbin/rmmod", X_OK) && access("/bin/rmmod", X_OK))
		SKIP(return, "no rmmod in this system");
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_vcpu_add(vm, 0);
	ret = system("rmmod axvm 2>/dev/null");
	EXPECT_NE(0, ret);
	/* Still fully usable. */
	EXPECT_EQ(0, access(AXVM_DEV_PATH, F_OK));
	axvm_vm_free(vm);
	cycle();
}

/* Past max_vms, creating a VM fails with ENOSPC; nothing else changes. */
TEST(max_vms_limit)
{
	const char *param = "/sys/module/axvm/parameters/max_vms";
	struct axvm_create_vm c = { 0 };
	char old[32] = "";
	int dev, fds[3], i;
	FILE *f;

	AXVM_REQUIRE();
	f = fopen(param, "r");
	if (!f)
		SKIP(return, "no %s", param);
	ASSERT_NE(NULL, fgets(old, sizeof(old), f));
	fclose(f);
	dev = axvm_open_dev();
	/* No other VM exists while the selftests run: allow exactly 3. */
	f = fopen(param, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "3\n");
	fclose(f);
	for (i = 0; i < 3; i++)
		fds[i] = ioctl(dev, AXVM_CREATE_VM, &c);
	EXPECT_EQ(-1, ioctl(dev, AXVM_CREATE_VM, &c));
	EXPECT_EQ(ENOSPC, errno);
	for (i = 0; i < 3; i++) {
		EXPECT_LE(0, fds[i]);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	/* Freed VMs make room again. */
	fds[0] = ioctl(dev, AXVM_CREATE_VM, &c);
	EXPECT_LE(0, fds[0]);
	close(fds[0]);
	f = fopen(param, "w");
	ASSERT_NE(NULL, f);
	fputs(old, f);
	fclose(f);
	close(dev);
}

/* Without root or the device's group, /dev/axvm does not open. */
TEST(unprivileged_user_cannot_open)
{
	struct stat st;
	pid_t pid;
	int status;

	AXVM_REQUIRE();
	if (geteuid() != 0)
		SKIP(return, "needs root to drop to an unprivileged user");
	ASSERT_EQ(0, stat(AXVM_DEV_PATH, &st));
	EXPECT_EQ(0, st.st_mode & 0007);	/* nothing for others */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		fd = open(AXVM_DEV_PATH, O_RDWR);
		_exit(fd < 0 && (errno == EACCES || errno == EPERM) ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
