// SPDX-License-Identifier: GPL-2.0
/*
 * memory_test: guest memory is the caller's memory, and only that VM's.
 *  - guest stores a pattern (in two memory slots); the host sees it in its
 *    mappings, and nothing outside the written range changes;
 *  - host stores values, the guest reads and reports them, including a
 *    value the host changes while the guest is stopped at an exit;
 *  - two VMs with different memory at the same GPAs do not see each
 *    other's stores;
 *  - a store to a GPA with no memory slot ends in an exit naming that GPA;
 *  - a read-only slot can be read but not written;
 *  - a deleted slot is gone for the guest at once, and new memory put in
 *    its place is what the guest sees next;
 *  - a writable slot in a shared mapping of a file on ext2 (loop device)
 *    is refused, with nothing left pinned; other file, memfd and anonymous
 *    memory is accepted.
 * The guests run in 32-bit protected mode without paging (guests/guest32.S),
 * so GPA = linear address and only axvm's EPT translates.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "axvm_test.h"

/* A second memory slot, away from slot 0's RAM at GPA 0. */
#define SLOT1		1
#define SLOT1_GPA	0x1000000ULL	/* 16 MiB */
#define SLOT1_SIZE	SZ_2M

static struct axvm_vcpu *pm32_vm(uint64_t entry, struct axvm_vm **vmp)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest32);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_pm32(vcpu, entry);
	*vmp = vm;
	return vcpu;
}

static void set_inputs(struct axvm_vcpu *vcpu, uint64_t rip, uint64_t rdi,
		       uint64_t rsi, uint64_t rcx, uint64_t rdx, uint64_t rbx)
{
	struct axvm_regs regs;

	axvm_vcpu_get_regs(vcpu, &regs);
	regs.rip = rip;
	regs.rflags = X86_RFLAGS_FIXED;
	regs.rdi = rdi;
	regs.rsi = rsi;
	regs.rcx = rcx;
	regs.rdx = rdx;
	regs.rbx = rbx;
	axvm_vcpu_set_regs(vcpu, &regs);
}

static uint32_t pattern_value(uint64_t gpa, uint32_t seed)
{
	return (uint32_t)gpa * (uint32_t)PATTERN_MUL + seed;
}

/*
 * Guest "pattern" over [gpa, gpa + 4 * count) with seed; then check every
 * dword through the host mapping, and that the dwords just outside the
 * range are still zero.
 */
static void guest_pattern(struct __test_metadata *_metadata, struct axvm_vm *vm,
			  struct axvm_vcpu *vcpu, uint64_t gpa, uint32_t count,
			  uint32_t seed)
{
	uint32_t *hva = axvm_gpa2hva(vm, gpa, 4ULL * count);
	uint32_t i, bad = 0;

	set_inputs(vcpu, G32_PATTERN, gpa, 0, count, seed, 0);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	for (i = 0; i < count; i++) {
		uint32_t want = pattern_value(gpa + 4ULL * i, seed);

		if (hva[i] != want && bad++ < 8)
			TH_LOG("GPA 0x%llx: host sees 0x%08x, guest stored 0x%08x",
			       (unsigned long long)(gpa + 4ULL * i), hva[i], want);
	}
	ASSERT_EQ(0U, bad);
	EXPECT_EQ(0U, *(uint32_t *)axvm_gpa2hva(vm, gpa - 4, 4));
	EXPECT_EQ(0U, *(uint32_t *)axvm_gpa2hva(vm, gpa + 4ULL * count, 4));
}

TEST(guest_writes_host_sees)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_PATTERN, &vm);
	axvm_vm_add_region(vm, SLOT1, SLOT1_GPA, SLOT1_SIZE);

	/* 64 KiB of slot 0: 16 pages. */
	guest_pattern(_metadata, vm, vcpu, GPA_SCRATCH + 0x40, 0x4000, 0x1234567);
	/* Slot 1, starting 8 bytes before a page boundary. */
	guest_pattern(_metadata, vm, vcpu, SLOT1_GPA + 0x3ff8, 0x2000, 0x89abcdef);
	/* The last page of slot 0's RAM. */
	guest_pattern(_metadata, vm, vcpu, AXVM_DEFAULT_RAM - 0x1000, 0x3ff, 0x55aa55aa);
	axvm_vm_free(vm);
}

TEST(host_writes_guest_sees)
{
	const uint64_t value_gpa = GPA_SCRATCH;
	/* 256 dwords straddling a page boundary of slot 1. */
	const uint64_t array_gpa = SLOT1_GPA + 0x1c00;
	const uint32_t count = 256;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t *value, *array, sum = 0, i;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_READBACK, &vm);
	axvm_vm_add_region(vm, SLOT1, SLOT1_GPA, SLOT1_SIZE);
	value = axvm_gpa2hva(vm, value_gpa, 4);
	array = axvm_gpa2hva(vm, array_gpa, 4ULL * count);

	*value = 0xfeedc0de;
	for (i = 0; i < count; i++) {
		array[i] = i * i * 2654435761U + 7;
		sum += array[i];
	}
	set_inputs(vcpu, G32_READBACK, value_gpa, array_gpa, count, 0, 0);

	ASSERT_RUN_REPORT(vcpu, 0xfeedc0de);
	/* The guest is stopped between its two loads: change the value. */
	*value = 0x0badf00d;
	ASSERT_RUN_REPORT(vcpu, 0x0badf00d);
	ASSERT_RUN_REPORT(vcpu, sum);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
}

/*
 * Two VMs, each with its own RAM at GPA 0, run the same code storing a
 * different value at the same GPA; both are stopped after the store before
 * either reads it back.
 */
TEST(two_vms_isolated)
{
	const uint64_t gpa = GPA_SCRATCH + 0x100;
	const uint32_t val[2] = { 0xaaaaaaaa, 0xbbbbbbbb };
	struct axvm_vcpu *vcpu[2];
	struct axvm_vm *vm[2];
	int i;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	for (i = 0; i < 2; i++) {
		vcpu[i] = pm32_vm(G32_STORE_LOAD, &vm[i]);
		set_inputs(vcpu[i], G32_STORE_LOAD, gpa, 0, 0, 0, val[i]);
	}
	for (i = 0; i < 2; i++)
		ASSERT_RUN_DONE(vcpu[i]);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(val[i], *(uint32_t *)axvm_gpa2hva(vm[i], gpa, 4))
			TH_LOG("VM %d's memory", i);
		/* Nothing else of the VM's scratch area was touched. */
		EXPECT_EQ(0U, *(uint32_t *)axvm_gpa2hva(vm[i], gpa + 4, 4));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_RUN_REPORT(vcpu[i], val[i]);
		ASSERT_RUN_HALT(vcpu[i]);
	}
	for (i = 0; i < 2; i++)
		axvm_vm_free(vm[i]);
}

/*
 * Same GPA, both VMs alive, host memory filled differently beforehand:
 * each guest reads its own VM's memory.
 */
TEST(two_vms_read_own_memory)
{
	const uint64_t gpa = GPA_SCRATCH + 0x2000;
	const uint32_t val[2] = { 0x11111111, 0x22222222 };
	struct axvm_vcpu *vcpu[2];
	struct axvm_vm *vm[2];
	int i;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	for (i = 0; i < 2; i++) {
		vcpu[i] = pm32_vm(G32_READBACK, &vm[i]);
		*(uint32_t *)axvm_gpa2hva(vm[i], gpa, 4) = val[i];
		set_inputs(vcpu[i], G32_READBACK, gpa, gpa, 1, 0, 0);
	}
	for (i = 0; i < 2; i++)
		ASSERT_RUN_REPORT(vcpu[i], val[i]);
	for (i = 0; i < 2; i++) {
		ASSERT_RUN_REPORT(vcpu[i], val[i]);
		ASSERT_RUN_REPORT(vcpu[i], val[i]);	/* sum of one dword */
		ASSERT_RUN_DONE(vcpu[i]);
		ASSERT_RUN_HALT(vcpu[i]);
	}
	for (i = 0; i < 2; i++)
		axvm_vm_free(vm[i]);
}

/*
 * A store to a GPA that no slot covers cannot complete: axvm reports it,
 * either decoded (MMIO_WRITE: address, width, data) or as a nested page
 * fault (address, write access). Either way the address must be exact.
 */
TEST(unbacked_store_exits)
{
	const uint64_t gpa = 0x3000000ULL + 0x123 * 4;	/* 48 MiB: no slot */
	const struct axvm_exit *e;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_STORE_LOAD, &vm);
	set_inputs(vcpu, G32_STORE_LOAD, gpa, 0, 0, 0, 0x5eed5eed);
	axvm_vcpu_run(vcpu);
	e = &vcpu->run->exit;
	if (e->kind == AXVM_EXIT_MMIO_WRITE) {
		EXPECT_EQ(gpa, e->u.mmio_write.addr);
		EXPECT_EQ(AXVM_WIDTH_DWORD, e->u.mmio_write.width);
		EXPECT_EQ(0x5eed5eedULL, e->u.mmio_write.data);
	} else {
		ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_NESTED_PAGE_FAULT);
		EXPECT_EQ(gpa, e->u.nested_page_fault.addr);
		EXPECT_NE(0ULL, e->u.nested_page_fault.access_flags & AXVM_ACCESS_WRITE);
	}
	EXPECT_EQ(G32_STORE_LOAD, e->guest_rip);
	if (!_metadata->passed)
		axvm_dump_exit(stderr, e);
	axvm_vm_free(vm);
}

/*
 * AXVM_MEM_READONLY: the guest reads the slot; its store exits to
 * userspace (decoded MMIO_WRITE or NESTED_PAGE_FAULT with write access)
 * and does not reach the memory.
 */
TEST(readonly_slot)
{
	const uint64_t gpa = SLOT1_GPA + 0x100;
	const struct axvm_exit *e;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t *value;
	char *mem;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST | AXVM_CAP_READONLY_MEM);
	vcpu = pm32_vm(G32_READBACK, &vm);
	mem = axvm_alloc_mem(SLOT1_SIZE);
	value = (uint32_t *)(mem + (gpa - SLOT1_GPA));
	/* Written before registering: the pinned page is this one. */
	*value = 0xc0ffee11;
	axvm_vm_add_region_mem(vm, SLOT1, AXVM_MEM_READONLY, SLOT1_GPA, SLOT1_SIZE, mem);

	set_inputs(vcpu, G32_READBACK, gpa, gpa, 1, 0, 0);
	ASSERT_RUN_REPORT(vcpu, 0xc0ffee11);
	ASSERT_RUN_REPORT(vcpu, 0xc0ffee11);
	ASSERT_RUN_REPORT(vcpu, 0xc0ffee11);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);

	set_inputs(vcpu, G32_STORE_LOAD, gpa, 0, 0, 0, 0xbadbad);
	axvm_vcpu_run(vcpu);
	e = &vcpu->run->exit;
	if (e->kind == AXVM_EXIT_MMIO_WRITE) {
		EXPECT_EQ(gpa, e->u.mmio_write.addr);
		EXPECT_EQ(0xbadbadULL, e->u.mmio_write.data);
	} else {
		ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_NESTED_PAGE_FAULT);
		EXPECT_EQ(gpa, e->u.nested_page_fault.addr);
		EXPECT_NE(0ULL, e->u.nested_page_fault.access_flags & AXVM_ACCESS_WRITE);
	}
	EXPECT_EQ(0xc0ffee11U, *value);
	axvm_vm_free(vm);
}

/*
 * Deleting a slot takes its memory away from a running guest at once (no
 * stale EPT mapping): the next access exits; registering new memory in
 * the slot lets the same load complete with the new contents.
 */
TEST(slot_delete_and_replace)
{
	const uint64_t gpa = SLOT1_GPA + 0x100;
	const struct axvm_exit *e;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	uint32_t *value;
	char *mem;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST);
	vcpu = pm32_vm(G32_READBACK, &vm);
	value = (uint32_t *)((char *)axvm_vm_add_region(vm, SLOT1, SLOT1_GPA, SLOT1_SIZE) +
			     (gpa - SLOT1_GPA));
	*value = 0x11112222;
	set_inputs(vcpu, G32_READBACK, gpa, GPA_SCRATCH, 1, 0, 0);
	*(uint32_t *)axvm_gpa2hva(vm, GPA_SCRATCH, 4) = 7;

	/* The first load maps the page into the EPT. */
	ASSERT_RUN_REPORT(vcpu, 0x11112222);
	axvm_vm_delete_region(vm, SLOT1);

	/* The second load finds nothing there. */
	axvm_vcpu_run(vcpu);
	e = &vcpu->run->exit;
	if (e->kind == AXVM_EXIT_MMIO_READ) {
		EXPECT_EQ(gpa, e->u.mmio_read.addr);
		TH_LOG("decoded as MMIO_READ: not continuing with a new slot");
		axvm_vm_free(vm);
		return;
	}
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_NESTED_PAGE_FAULT);
	EXPECT_EQ(gpa, e->u.nested_page_fault.addr);
	EXPECT_NE(0ULL, e->u.nested_page_fault.access_flags & AXVM_ACCESS_READ);

	/* New memory in the slot: the same load now completes from it. */
	mem = axvm_alloc_mem(SLOT1_SIZE);
	*(uint32_t *)(mem + (gpa - SLOT1_GPA)) = 0x33334444;
	axvm_vm_add_region_mem(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE, mem);
	ASSERT_RUN_REPORT(vcpu, 0x33334444);
	ASSERT_RUN_REPORT(vcpu, 7);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
}

/*
 * Issue 14, item 8: a writable slot in a MAP_SHARED writable mapping of a
 * file on a file system with writeback (ext4, xfs, ...) is refused with
 * EOPNOTSUPP: the guest would write the pinned page behind the file
 * system's back. The test machine's root is a tmpfs, so the test makes an
 * ext2 image (busybox mke2fs), attaches it to a loop device and mounts it
 * with the ext4 driver (which tracks dirty pages through ->page_mkwrite).
 * Refusals must leave nothing pinned or charged; read-only slots of the
 * same mapping, private mappings of the file, memfd and anonymous memory
 * keep working.
 */
#define WBFS_IMG	"/tmp/axvm-wbfs.img"
#define WBFS_DIR	"/tmp/axvm-wbfs"
#define WBFS_FILE	WBFS_DIR "/ram"
#define WBFS_VALUE	0xf11eda7aU
#define SLOT2		2
#define SLOT2_GPA	0x4000000ULL	/* 64 MiB */
#define SZ_64M		0x4000000ULL

struct wbfs {
	char loopdev[64];
	bool attached, mounted;
};

static int run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run_cmd(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static void wbfs_umount(struct wbfs *fs)
{
	if (fs->mounted)
		run_cmd("umount %s", WBFS_DIR);
	if (fs->attached)
		run_cmd("losetup -d %s", fs->loopdev);
	rmdir(WBFS_DIR);
	unlink(WBFS_IMG);
	memset(fs, 0, sizeof(*fs));
}

/* Mount a fresh 16 MiB ext2 at WBFS_DIR: NULL, or why not (a SKIP). */
static const char *wbfs_mount(struct wbfs *fs)
{
	struct statfs sfs;
	FILE *p;
	int fd;

	memset(fs, 0, sizeof(*fs));
	if (access("/opt/axvm/load-fs", X_OK) == 0 &&
	    run_cmd("/opt/axvm/load-fs") != 0)
		return "cannot load the loop and ext4 modules (/opt/axvm/load-fs)";
	if (run_cmd("grep -qw ext4 /proc/filesystems") != 0)
		return "no ext4 driver";
	fd = open(WBFS_IMG, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 16 << 20) || close(fd))
		return "cannot create the image in /tmp";
	p = popen("losetup -f 2>/dev/null", "r");
	if (!p || !fgets(fs->loopdev, sizeof(fs->loopdev), p)) {
		if (p)
			pclose(p);
		wbfs_umount(fs);
		return "no free loop device (losetup -f)";
	}
	pclose(p);
	fs->loopdev[strcspn(fs->loopdev, "\n")] = 0;
	if (run_cmd("losetup %s %s", fs->loopdev, WBFS_IMG) != 0) {
		wbfs_umount(fs);
		return "losetup failed";
	}
	fs->attached = true;
	if (run_cmd("mke2fs %s >/dev/null 2>&1", fs->loopdev) != 0 ||
	    (mkdir(WBFS_DIR, 0700) && errno != EEXIST) ||
	    run_cmd("mount -t ext4 %s %s", fs->loopdev, WBFS_DIR) != 0) {
		wbfs_umount(fs);
		return "mke2fs or mount -t ext4 failed";
	}
	fs->mounted = true;
	if (statfs(WBFS_DIR, &sfs) || sfs.f_type != 0xef53) {
		wbfs_umount(fs);
		return "the mount is not ext2/ext4";
	}
	return NULL;
}

/* A "Name:  value kB" line of /proc/self/status, or a field of /proc/vmstat. */
static long long proc_value(const char *file, const char *name)
{
	size_t len = strlen(name);
	long long v = -1;
	char line[256];
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && (line[len] == ':' || line[len] == ' ')) {
			v = strtoll(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/*
 * Pages pinned system-wide (FOLL_PIN) and this process's VmLck (kB); false
 * if unknown. The vmstat counters are folded from per-CPU deltas lazily,
 * so they drift by a few pages unless stat_refresh folds them first.
 */
static bool pin_counts(long long *pinned, long long *vmlck)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	long long acq, rel;

	if (fd < 0 || write(fd, "1", 1) != 1) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	acq = proc_value("/proc/vmstat", "nr_foll_pin_acquired");
	rel = proc_value("/proc/vmstat", "nr_foll_pin_released");
	*pinned = acq - rel;
	*vmlck = proc_value("/proc/self/status", "VmLck");
	return acq >= 0 && rel >= 0 && *vmlck >= 0;
}

/* The guest reads the dword at gpa (readback): it must be value. */
static void guest_reads(struct __test_metadata *_metadata, struct axvm_vcpu *vcpu,
			uint64_t gpa, uint32_t value)
{
	set_inputs(vcpu, G32_READBACK, gpa, gpa, 1, 0, 0);
	ASSERT_RUN_REPORT(vcpu, value);
	ASSERT_RUN_REPORT(vcpu, value);
	ASSERT_RUN_REPORT(vcpu, value);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
}

/* Register a region: the errno, or 0 if accepted (then deleted again). */
static int refused_errno(struct axvm_vm *vm, uint32_t slot, uint64_t gpa,
			 uint64_t size, const void *hva)
{
	if (__axvm_set_region(vm->fd, slot, 0, gpa, size, hva) == 0) {
		__axvm_set_region(vm->fd, slot, 0, gpa, 0, hva);
		return 0;
	}
	return errno;
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

TEST(file_backed_memory)
{
	const uint64_t off = 0x100;	/* of the value in the file */
	long long pinned0, vmlck0, pinned, vmlck;
	char *shared, *priv, *mfd, *anon, *big;
	struct axvm_vcpu *vcpu;
	struct timespec t0;
	struct axvm_vm *vm;
	uint32_t value = WBFS_VALUE;
	const char *why;
	struct wbfs fs;
	int fd, memfd;

	AXVM_REQUIRE_CAP(AXVM_CAP_UNRESTRICTED_GUEST | AXVM_CAP_READONLY_MEM);
	why = wbfs_mount(&fs);
	if (why)
		SKIP(return, "%s", why);
	/* A file with its value written back: clean pages of an ext2 file. */
	fd = open(WBFS_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, SLOT1_SIZE));
	ASSERT_EQ(4, pwrite(fd, &value, 4, off));
	ASSERT_EQ(0, fsync(fd));
	shared = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, shared);
	vcpu = pm32_vm(G32_READBACK, &vm);
	ASSERT_TRUE(pin_counts(&pinned0, &vmlck0));

	/* Writable slot over the shared file mapping: refused. */
	EXPECT_EQ(EOPNOTSUPP, refused_errno(vm, SLOT1, SLOT1_GPA, SLOT1_SIZE, shared));
	/*
	 * 64 MiB of anonymous memory with 2 MiB of the file after it: the
	 * first 64 MiB chunk is pinned before the file's is refused, and
	 * must be unpinned and uncharged again.
	 */
	big = axvm_alloc_mem(SZ_64M + SLOT1_SIZE);
	ASSERT_EQ(big + SZ_64M, mmap(big + SZ_64M, SLOT1_SIZE, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_FIXED, fd, 0));
	EXPECT_EQ(EOPNOTSUPP, refused_errno(vm, SLOT2, SLOT2_GPA, SZ_64M + SLOT1_SIZE, big));
	axvm_free_mem(big, SZ_64M + SLOT1_SIZE);
	ASSERT_TRUE(pin_counts(&pinned, &vmlck));
	EXPECT_EQ(pinned0, pinned) TH_LOG("pages left pinned");
	EXPECT_EQ(vmlck0, vmlck) TH_LOG("VmLck left charged (kB)");

	/* The VM is still usable: anonymous memory (64 MiB, timed). */
	anon = axvm_alloc_mem(SZ_64M);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, __axvm_set_region(vm->fd, SLOT2, 0, SLOT2_GPA, SZ_64M, anon));
	TH_LOG("64 MiB anonymous, not yet populated: registered in %.1f ms", elapsed_ms(&t0));
	ASSERT_EQ(0, __axvm_set_region(vm->fd, SLOT2, 0, SLOT2_GPA, 0, anon));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	axvm_vm_add_region_mem(vm, SLOT2, 0, SLOT2_GPA, SZ_64M, anon);
	TH_LOG("64 MiB anonymous, populated: registered in %.1f ms", elapsed_ms(&t0));
	guest_pattern(_metadata, vm, vcpu, SLOT2_GPA + 0x3ff8, 0x2000, 0x600dda7a);
	axvm_vm_delete_region(vm, SLOT2);

	/* Read-only slot of the same shared mapping: the guest reads the file. */
	axvm_vm_add_region_mem(vm, SLOT1, AXVM_MEM_READONLY, SLOT1_GPA, SLOT1_SIZE, shared);
	guest_reads(_metadata, vcpu, SLOT1_GPA + off, WBFS_VALUE);
	axvm_vm_delete_region(vm, SLOT1);	/* and munmaps shared */

	/* A private writable mapping of the file: copy-on-write, accepted. */
	priv = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, priv);
	axvm_vm_add_region_mem(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE, priv);
	guest_reads(_metadata, vcpu, SLOT1_GPA + off, WBFS_VALUE);
	guest_pattern(_metadata, vm, vcpu, SLOT1_GPA + 0x1000, 0x100, 0x5ca1ab1e);
	axvm_vm_delete_region(vm, SLOT1);

	/* memfd (shmem) MAP_SHARED: accepted. */
	memfd = memfd_create("axvm-ram", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, SLOT1_SIZE));
	mfd = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, mfd);
	axvm_vm_add_region_mem(vm, SLOT1, 0, SLOT1_GPA, SLOT1_SIZE, mfd);
	guest_pattern(_metadata, vm, vcpu, SLOT1_GPA + 0x1000, 0x100, 0x3e3f0d);
	axvm_vm_delete_region(vm, SLOT1);
	close(memfd);

	axvm_vm_free(vm);
	close(fd);
	wbfs_umount(&fs);
}

/*
 * What a new VM starts from. Guest RAM is the VMM's own anonymous memory
 * (axvm pins it, it does not allocate it): fresh pages come zeroed from
 * the kernel's memory manager, and a VMM that hands an old buffer to a
 * new VM hands over its contents too. What axvm itself allocates and
 * shows to userspace or the guest must not carry anything of an earlier
 * VM: the run page, the exit ring, the vCPU's registers (VMCS, GPRs, the
 * XSAVE area), and the EPT (no GPA outside the slots may reach memory).
 *
 * VM A fills its RAM and XMM0-15 with a pattern and makes 40 exits with
 * pattern data on vCPU 0's run page and vCPU 1's ring; it is destroyed,
 * then VM B is made in the same process and must show none of it.
 */
#define CLEAN_CODE	0x1000ULL
#define CLEAN_FROM	0x30000ULL	/* above the GDT, TSS and page tables */
#define CLEAN_RAM	(2 * SZ_2M)
#define CLEAN_PATTERN	0xa5a5a5a5a5a5a5a5ULL
#define CLEAN_PORT	0x3f8

static size_t put(uint8_t *code, size_t n, const uint8_t *b, size_t len)
{
	memcpy(code + n, b, len);
	return n + len;
}

/* movq xmmN,rax for N = 0..15 (SSE2, CR4.OSFXSR). */
static size_t put_xmm_set(uint8_t *code, size_t n)
{
	int i;

	for (i = 0; i < 16; i++) {
		uint8_t b[] = { 0x66, i < 8 ? 0x48 : 0x4c, 0x0f, 0x6e,
				(uint8_t)(0xc0 | (i & 7) << 3) };

		n = put(code, n, b, sizeof(b));
	}
	return n;
}

/* rdx = OR of the low quadwords of XMM0-15 (movq rax,xmmN; or rdx,rax). */
static size_t put_xmm_or(uint8_t *code, size_t n)
{
	static const uint8_t zero_rdx[] = { 0x31, 0xd2 };
	int i;

	n = put(code, n, zero_rdx, sizeof(zero_rdx));
	for (i = 0; i < 16; i++) {
		uint8_t b[] = { 0x66, i < 8 ? 0x48 : 0x4c, 0x0f, 0x7e,
				(uint8_t)(0xc0 | (i & 7) << 3), 0x48, 0x09, 0xc2 };

		n = put(code, n, b, sizeof(b));
	}
	return n;
}

static void clean_setup(struct axvm_vcpu *v, uint64_t rax)
{
	struct axvm_sregs s;
	struct axvm_regs r;

	axvm_vcpu_setup_long(v, CLEAN_CODE);
	axvm_vcpu_get_sregs(v, &s);
	s.cr4 |= 1ULL << 9;		/* OSFXSR: SSE instructions */
	axvm_vcpu_set_sregs(v, &s);
	axvm_vcpu_get_regs(v, &r);
	r.rax = rax;
	axvm_vcpu_set_regs(v, &r);
}

/* VM A's vCPU 1: serve its sync ring (posted writes) until HLT. */
static void clean_run_ring(struct __test_metadata *_metadata,
			   struct axvm_vcpu *v, struct axvm_ring_hdr *hdr)
{
	struct axvm_ring_entry *ent = (void *)((char *)hdr + 4096);
	unsigned int records = 0, guard;

	for (guard = 0; guard < 1000; guard++) {
		uint32_t prod, cons;

		v->run->response = AXVM_RESP_NONE;
		ASSERT_EQ(0, __axvm_vcpu_run(v));
		if (v->run->exit.kind == AXVM_EXIT_HALT)
			break;
		ASSERT_EQ(AXVM_EXIT_NOTHING, v->run->exit.kind)
			axvm_dump_exit(stderr, &v->run->exit);
		prod = __atomic_load_n(&hdr->prod, __ATOMIC_ACQUIRE);
		for (cons = hdr->cons; cons != prod; cons++, records++)
			ent[cons & (hdr->nr_entries - 1)].response = AXVM_RESP_NONE;
		__atomic_store_n(&hdr->cons, cons, __ATOMIC_RELEASE);
	}
	ASSERT_EXIT_KIND(v, AXVM_EXIT_HALT);
	/* 40 port writes and the MMIO write went through the ring. */
	EXPECT_LE(41, records);
}

TEST(new_vm_starts_clean)
{
	static const uint8_t fill[] = {
		0xbf, 0x00, 0x00, 0x03, 0x00,		/* mov edi,CLEAN_FROM */
		0xb9, 0x00, 0xa0, 0x07, 0x00,		/* mov ecx,(4M-CLEAN_FROM)/8 */
		0xf3, 0x48, 0xab,			/* rep stosq */
		0xb9, 0x28, 0x00, 0x00, 0x00,		/* mov ecx,40 */
		0x66, 0xba, 0xf8, 0x03,			/* mov dx,CLEAN_PORT */
		0x89, 0xc8,				/* P: mov eax,ecx */
		0x0d, 0x00, 0xa5, 0xa5, 0xa5,		/* or eax,0xa5a5a500 */
		0xef,					/* out dx,eax */
		0xe2, 0xf6,				/* loop P */
		0x48, 0x89, 0x04, 0x25, 0x00, 0x01, 0x00, 0x30, /* mov [0x30000100],rax */
		0xf4,					/* hlt */
	};
	static const uint8_t scan[] = {
		0x48, 0x89, 0xd0,			/* mov rax,rdx */
		0xe7, 0x12,				/* out 0x12,eax */
		0x48, 0xc1, 0xe8, 0x20,			/* shr rax,32 */
		0xe7, 0x12,				/* out 0x12,eax */
		0xbe, 0x00, 0x00, 0x03, 0x00,		/* mov esi,CLEAN_FROM */
		0x48, 0x8b, 0x06,			/* L: mov rax,[rsi] */
		0x48, 0x85, 0xc0,			/* test rax,rax */
		0x75, 0x18,				/* jnz bad */
		0x48, 0x83, 0xc6, 0x08,			/* add rsi,8 */
		0x48, 0x81, 0xfe, 0x00, 0x00, 0x40, 0x00, /* cmp rsi,4M */
		0x72, 0xeb,				/* jb L */
		0xe7, 0x11,				/* out 0x11,eax: clean */
		0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00, /* mov rax,[4M] */
		0xf4,					/* hlt */
		0x89, 0xf0,				/* bad: mov eax,esi */
		0xe7, 0x10,				/* out 0x10,eax */
		0xf4,					/* hlt */
	};
	struct axvm_ring_config rc = { .mode = AXVM_RING_SYNC, .nr_entries = 16 };
	struct axvm_posted_range pio = { .bus = AXVM_POSTED_PIO,
					 .base = CLEAN_PORT, .len = 4 };
	size_t ring_size = 4096 + 16 * sizeof(struct axvm_ring_entry), n, i;
	struct axvm_regs ref_regs, regs;
	struct axvm_sregs ref_sregs, sregs;
	struct axvm_ring_hdr *hdr, want;
	struct axvm_vcpu *a[2], *b[2];
	const uint8_t *bytes;
	struct axvm_vm *vm;
	uint8_t code[512];
	uint32_t lo, hi;

	AXVM_REQUIRE();
	/* A vCPU nothing ran in yet: the reference state. */
	vm = axvm_vm_create(CLEAN_RAM);
	a[0] = axvm_vcpu_add(vm, 0);
	axvm_vcpu_get_regs(a[0], &ref_regs);
	axvm_vcpu_get_sregs(a[0], &ref_sregs);
	axvm_vm_free(vm);

	/* --- VM A: leave a pattern everywhere ----------------------------- */
	vm = axvm_vm_create(CLEAN_RAM);
	n = put_xmm_set(code, 0);
	n = put(code, n, fill, sizeof(fill));
	ASSERT_LE(n, sizeof(code));
	memcpy(axvm_gpa2hva(vm, CLEAN_CODE, n), code, n);
	ASSERT_EQ(0, ioctl(vm->fd, AXVM_SET_POSTED, &pio));
	for (i = 0; i < 2; i++) {
		a[i] = axvm_vcpu_add(vm, i);
		clean_setup(a[i], CLEAN_PATTERN);
	}
	ASSERT_EQ(0, ioctl(a[1]->fd, AXVM_SET_RING, &rc));
	hdr = mmap(NULL, ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   a[1]->fd, AXVM_RING_MMAP_OFFSET);
	ASSERT_NE(MAP_FAILED, hdr);
	for (i = 0; i < 40; i++) {
		ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(a[0]))
			axvm_dump_exit(stderr, &a[0]->run->exit);
		EXPECT_EQ(0xa5a5a500 | (40 - i), a[0]->run->exit.u.io_write.data);
	}
	ASSERT_EQ(AXVM_EXIT_MMIO_WRITE, axvm_vcpu_run(a[0]));
	ASSERT_EQ(AXVM_EXIT_HALT, axvm_vcpu_run(a[0]));
	clean_run_ring(_metadata, a[1], hdr);
	bytes = axvm_gpa2hva(vm, 0x3ff000, 8);
	ASSERT_EQ(CLEAN_PATTERN, *(const uint64_t *)bytes);
	/* Registers full of the pattern, too. */
	axvm_vcpu_get_regs(a[0], &regs);
	memset(&regs, 0xa5, 16 * sizeof(uint64_t));
	axvm_vcpu_set_regs(a[0], &regs);
	munmap(hdr, ring_size);
	axvm_vm_free(vm);

	/* --- VM B ------------------------------------------------------- */
	vm = axvm_vm_create(CLEAN_RAM);
	for (i = 0; i < 2; i++)
		b[i] = axvm_vcpu_add(vm, i);
	/* The run page: nothing before the first run. */
	bytes = (const uint8_t *)b[0]->run;
	for (i = 0; i < b[0]->run_size; i++)
		if (bytes[i])
			break;
	EXPECT_EQ(b[0]->run_size, i) TH_LOG("run page byte %zu is 0x%02x", i, bytes[i]);
	/* The registers: those of a vCPU that never ran. */
	axvm_vcpu_get_regs(b[0], &regs);
	axvm_vcpu_get_sregs(b[0], &sregs);
	EXPECT_EQ(0, memcmp(&ref_regs, &regs, sizeof(regs)));
	EXPECT_EQ(0, memcmp(&ref_sregs, &sregs, sizeof(sregs)));
	/* The ring: its header fields, zeros everywhere else. */
	ASSERT_EQ(0, ioctl(b[1]->fd, AXVM_SET_RING, &rc));
	hdr = mmap(NULL, ring_size, PROT_READ, MAP_SHARED, b[1]->fd,
		   AXVM_RING_MMAP_OFFSET);
	ASSERT_NE(MAP_FAILED, hdr);
	memset(&want, 0, sizeof(want));
	want.nr_entries = 16;
	want.entry_size = sizeof(struct axvm_ring_entry);
	want.mode = AXVM_RING_SYNC;
	want.version = AXVM_RING_VERSION;
	EXPECT_EQ(0, memcmp(&want, hdr, sizeof(want)));
	bytes = (const uint8_t *)hdr;
	for (i = sizeof(want); i < ring_size; i++)
		if (bytes[i])
			break;
	EXPECT_EQ(ring_size, i) TH_LOG("ring byte %zu is 0x%02x", i, bytes[i]);
	munmap(hdr, ring_size);

	/* The guest: XMM0-15 zero, RAM above the tables zero, no RAM past 4M. */
	n = put_xmm_or(code, 0);
	n = put(code, n, scan, sizeof(scan));
	memcpy(axvm_gpa2hva(vm, CLEAN_CODE, n), code, n);
	clean_setup(b[0], 0);
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(b[0]));
	lo = b[0]->run->exit.u.io_write.data;
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(b[0]));
	hi = b[0]->run->exit.u.io_write.data;
	EXPECT_EQ(0, ((uint64_t)hi << 32) | lo) TH_LOG("XMM registers not reset");
	ASSERT_EQ(AXVM_EXIT_IO_WRITE, axvm_vcpu_run(b[0]));
	EXPECT_EQ(0x11, b[0]->run->exit.u.io_write.port)
		TH_LOG("RAM not zero at GPA 0x%llx",
		       (unsigned long long)b[0]->run->exit.u.io_write.data);
	ASSERT_EQ(AXVM_EXIT_MMIO_READ, axvm_vcpu_run(b[0]))
		axvm_dump_exit(stderr, &b[0]->run->exit);
	EXPECT_EQ(CLEAN_RAM, b[0]->run->exit.u.mmio_read.addr);
	b[0]->run->exit.u.mmio_read.data = 0;
	b[0]->run->response = AXVM_RESP_DATA;
	ASSERT_EQ(0, __axvm_vcpu_run(b[0]));
	ASSERT_EXIT_KIND(b[0], AXVM_EXIT_HALT);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
