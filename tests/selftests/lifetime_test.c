// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes and leaks: fds closed while another thread is inside
 * AXVM_RUN, the module held while fds are open, and many
 * create/populate/run/destroy cycles with the kernel's slab and the
 * process's locked-memory counters compared before and after.
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

TEST(create_run_destroy_cycles_leak_nothing)
{
	const char *s = getenv("AXVM_LEAK_CYCLES");
	long cycles = s ? strtol(s, NULL, 0) : 1000, i;
	long slab0, slab1, lck0, lck1, lck_mid;

	AXVM_REQUIRE();
	for (i = 0; i < 50; i++)	/* warm the caches */
		cycle();
	lck0 = proc_kb("/proc/self/status", "VmLck");
	slab0 = proc_kb("/proc/meminfo", "SUnreclaim");
	for (i = 0; i < cycles; i++)
		cycle();
	slab1 = proc_kb("/proc/meminfo", "SUnreclaim");
	lck1 = proc_kb("/proc/self/status", "VmLck");
	TH_LOG("%ld cycles: SUnreclaim %ld -> %ld kB, VmLck %ld -> %ld kB",
	       cycles, slab0, slab1, lck0, lck1);
	ASSERT_LE(0, slab0);
	/* Even 128 bytes a cycle would show as 125 kB over 1000 cycles. */
	EXPECT_GT(cycles * 128 / 1024 + 64, slab1 - slab0);
	EXPECT_EQ(lck0, lck1);
	/* Pinned guest memory is charged while a VM holds it, not after. */
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
