// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_test: every axvm ioctl rejects garbage, and fds can be closed in
 * any order.
 *  - unknown ioctl numbers (and the other fd types' ioctls) -> ENOTTY on
 *    /dev/axvm, a VM fd and a vCPU fd;
 *  - bad argument pointers (NULL, unmapped, PROT_NONE, read-only for
 *    output, straddling into an unmapped page, kernel, non-canonical)
 *    -> EFAULT, with the vCPU state left as it was;
 *  - AXVM_CREATE_VM: nonzero flags/pad, bad names -> EINVAL;
 *  - AXVM_SET_MEMORY_REGION: slot out of range, misaligned gpa/size/hva
 *    -> EINVAL; unknown flags, wrapping gpa or hva, beyond 2^48, overlap,
 *    deleting a free slot -> EINVAL or the specific errno the kernel
 *    documents in module/ept/memslot.c;
 *  - AXVM_CREATE_VCPU: id out of range -> EINVAL, duplicate -> EEXIST;
 *  - AXVM_SET_SREGS: nonzero pad or reserved -> EINVAL;
 *  - AXVM_GET_API_VERSION and AXVM_RUN with a nonzero argument, AXVM_RUN
 *    with an unknown run->response -> EINVAL; mmap of the vCPU fd other
 *    than (offset 0, caps.run_size, no PROT_EXEC) fails;
 *  - run->immediate_exit: AXVM_RUN returns EINTR without entering;
 *  - closing /dev/axvm, VM and vCPU fds in all six orders, each remaining
 *    fd still working (the vCPU runs after its VM fd is closed);
 *  - a process exiting with a VM and vCPU open leaks nothing that stops
 *    the next VM; many VMs created and destroyed in a row.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "axvm_test.h"

/* --- garbage -------------------------------------------------------------- */

/* Numbers that are no axvm ioctl at all. */
static const unsigned long bogus_ioctls[] = {
	0,
	_IO(AXVMIO, 0x00),
	_IO(AXVMIO, 0x1f),
	_IO(AXVMIO, 0x7f),
	_IO(AXVMIO, 0xff),
	_IOWR(AXVMIO, 0x45, struct axvm_regs),	/* AXVM_INJECT's nr, wrong size */
	_IO(0xAE, 0x00),			/* KVM_GET_API_VERSION */
	_IO(0xAE, 0x01),			/* KVM_CREATE_VM */
	_IOR(AXVMIO, 0x21, __u32),		/* AXVM_GET_CAPS, wrong size */
	_IOW(AXVMIO, 0x22, __u64),		/* AXVM_CREATE_VM, wrong size */
	_IOR(AXVMIO, 0x40, __u64),		/* AXVM_GET_REGS, wrong size */
	_IOWR(AXVMIO, 0x43, struct axvm_sregs),	/* AXVM_SET_SREGS, wrong dir */
	0xdeadbeef,
};

/* Each fd type's ioctls, which the other fd types must not take. */
static const unsigned long dev_ioctls[] = {
	AXVM_GET_API_VERSION, AXVM_GET_CAPS, AXVM_CREATE_VM, AXVM_ATTACH_VM,
};
static const unsigned long vm_ioctls[] = {
	AXVM_SET_MEMORY_REGION, AXVM_CREATE_VCPU, AXVM_SET_CPUID, AXVM_GET_CPUID,
};
static const unsigned long vcpu_ioctls[] = {
	AXVM_GET_REGS, AXVM_SET_REGS, AXVM_GET_SREGS, AXVM_SET_SREGS, AXVM_RUN,
	AXVM_INJECT,
};

/* Each of n ioctl numbers on fd fails with ENOTTY (argument: zeroed buffer). */
static void expect_enotty(struct __test_metadata *_metadata, int fd, const char *what,
			  const unsigned long *cmds, size_t n)
{
	static char buf[4096];
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		memset(buf, 0, sizeof(buf));
		errno = 0;
		r = ioctl(fd, cmds[i], buf);
		EXPECT_EQ(-1, r) TH_LOG("%s: ioctl 0x%lx returned %d", what, cmds[i], r);
		EXPECT_EQ(ENOTTY, errno) TH_LOG("%s: ioctl 0x%lx: errno %d (%s)", what,
						cmds[i], errno, strerror(errno));
		if (r >= 0 && (cmds[i] == AXVM_CREATE_VM || cmds[i] == AXVM_ATTACH_VM ||
			       cmds[i] == AXVM_CREATE_VCPU))
			close(r);
	}
}

/*
 * Pointers the kernel must not get through: layout of the mapping is
 * [RW page][PROT_NONE page][read-only page].
 */
struct badptrs {
	char *base;
	void *none;
	void *ro;
	void *straddle;		/* 8 bytes before the PROT_NONE page */
};

static void badptrs_init(struct badptrs *b)
{
	b->base = mmap(NULL, 3 * SZ_4K, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	AXVM_CHECK(b->base != MAP_FAILED, "mmap");
	memset(b->base, 0, 3 * SZ_4K);
	AXVM_CHECK(!mprotect(b->base + SZ_4K, SZ_4K, PROT_NONE), "mprotect");
	AXVM_CHECK(!mprotect(b->base + 2 * SZ_4K, SZ_4K, PROT_READ), "mprotect");
	b->none = b->base + SZ_4K;
	b->ro = b->base + 2 * SZ_4K;
	b->straddle = b->base + SZ_4K - 8;
}

static void badptrs_fini(struct badptrs *b)
{
	munmap(b->base, 3 * SZ_4K);
}

/* cmd on fd fails with EFAULT for every bad pointer (read-only too if out). */
static void expect_efault(struct __test_metadata *_metadata, int fd, unsigned long cmd,
			  const char *what, bool out)
{
	struct badptrs b;
	const struct { const char *name; void *p; } ptrs[] = {
		{ "NULL", NULL },
		{ "(void *)1", (void *)1 },
		{ "PROT_NONE page", NULL },
		{ "straddling into PROT_NONE", NULL },
		{ "kernel address", (void *)0xffffffff81000000UL },
		{ "non-canonical", (void *)0x8000000000000000UL },
		{ "read-only page", NULL },
	};
	size_t i, n = ARRAY_SIZE(ptrs) - (out ? 0 : 1);

	badptrs_init(&b);
	for (i = 0; i < n; i++) {
		void *p = ptrs[i].p;
		int r;

		if (i == 2)
			p = b.none;
		else if (i == 3)
			p = b.straddle;
		else if (i == 6)
			p = b.ro;
		errno = 0;
		r = ioctl(fd, cmd, p);
		EXPECT_EQ(-1, r) TH_LOG("%s with %s returned %d", what, ptrs[i].name, r);
		EXPECT_EQ(EFAULT, errno) TH_LOG("%s with %s: errno %d (%s)", what,
						ptrs[i].name, errno, strerror(errno));
		if (r >= 0 && cmd == AXVM_CREATE_VM)
			close(r);
	}
	badptrs_fini(&b);
}

/* --- /dev/axvm ---------------------------------------------------------- */

TEST(dev_api_version_and_caps)
{
	struct axvm_caps caps;
	unsigned int i;
	int dev;

	AXVM_REQUIRE();
	dev = axvm_open_dev();
	EXPECT_EQ(AXVM_API_VERSION, ioctl(dev, AXVM_GET_API_VERSION, 0UL));
	/* Its argument is documented as 0. */
	EXPECT_ERRNO(EINVAL, ioctl(dev, AXVM_GET_API_VERSION, 0x1234UL));
	memset(&caps, 0xa5, sizeof(caps));
	ASSERT_EQ(0, ioctl(dev, AXVM_GET_CAPS, &caps));
	TH_LOG("caps: api %u flags 0x%x max_vcpus %u max_mem_slots %u run_size %u "
	       "vmx_revision 0x%x max_mem_bytes 0x%llx", caps.api_version, caps.flags,
	       caps.max_vcpus, caps.max_mem_slots, caps.run_size, caps.vmx_revision,
	       (unsigned long long)caps.max_mem_bytes);
	EXPECT_EQ((__u32)AXVM_API_VERSION, caps.api_version);
	/* no bit beyond the highest one defined (AXVM_CAP_GUEST_DEBUG_STEP) */
	EXPECT_EQ(0U, caps.flags & ~((AXVM_CAP_GUEST_DEBUG_STEP << 1) - 1));
	EXPECT_LE(1U, caps.max_vcpus);
	EXPECT_GE((__u32)AXVM_MAX_VCPUS, caps.max_vcpus);
	EXPECT_LE(1U, caps.max_mem_slots);
	EXPECT_GE((__u32)AXVM_MAX_MEM_SLOTS, caps.max_mem_slots);
	EXPECT_LE((__u32)sizeof(struct axvm_run), caps.run_size);
	EXPECT_EQ(0U, caps.vmx_revision & 0x80000000U);
	EXPECT_LE(AXVM_DEFAULT_RAM, caps.max_mem_bytes);
	for (i = 0; i < ARRAY_SIZE(caps.reserved); i++) {
		EXPECT_EQ(0ULL, caps.reserved[i]);
	}
	close(dev);
}

TEST(dev_rejects_garbage)
{
	int dev;

	AXVM_REQUIRE();
	dev = axvm_open_dev();
	expect_enotty(_metadata, dev, "/dev/axvm", bogus_ioctls, ARRAY_SIZE(bogus_ioctls));
	expect_enotty(_metadata, dev, "/dev/axvm (VM ioctl)", vm_ioctls, ARRAY_SIZE(vm_ioctls));
	expect_enotty(_metadata, dev, "/dev/axvm (vCPU ioctl)", vcpu_ioctls,
		      ARRAY_SIZE(vcpu_ioctls));
	expect_efault(_metadata, dev, AXVM_GET_CAPS, "AXVM_GET_CAPS", true);
	expect_efault(_metadata, dev, AXVM_CREATE_VM, "AXVM_CREATE_VM", false);
	close(dev);
}

static int create_vm(int dev, uint32_t flags, uint32_t pad, const char *name, size_t len)
{
	struct axvm_create_vm args;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.pad = pad;
	memcpy(args.name, name, len);
	return ioctl(dev, AXVM_CREATE_VM, &args);
}

TEST(create_vm_rejects_garbage)
{
	static const char *const bad_names[] = {
		"a b", "a/b", "../x", "a\nb", "\xff", "vm:1", "*",
	};
	char long_name[AXVM_NAME_MAX];
	unsigned int i;
	int dev, fd, fd2;

	AXVM_REQUIRE();
	dev = axvm_open_dev();
	EXPECT_ERRNO(EINVAL, create_vm(dev, 1, 0, "", 0));
	EXPECT_ERRNO(EINVAL, create_vm(dev, 0x80000000U, 0, "", 0));
	EXPECT_ERRNO(EINVAL, create_vm(dev, 0, 1, "", 0));
	EXPECT_ERRNO(EINVAL, create_vm(dev, 0, 0x80000000U, "", 0));
	/* No NUL in all AXVM_NAME_MAX bytes. */
	memset(long_name, 'a', sizeof(long_name));
	EXPECT_ERRNO(EINVAL, create_vm(dev, 0, 0, long_name, sizeof(long_name)));
	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		EXPECT_ERRNO(EINVAL, create_vm(dev, 0, 0, bad_names[i], strlen(bad_names[i])))
			TH_LOG("name \"%s\"", bad_names[i]);
	}

	/* The good ones work: longest name, all allowed characters, anonymous. */
	long_name[AXVM_NAME_MAX - 1] = 0;
	fd = create_vm(dev, 0, 0, long_name, sizeof(long_name));
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	fd = create_vm(dev, 0, 0, "Az09_.-", 7);
	EXPECT_LE(0, fd);
	/* Duplicate names: not specified, only logged. */
	fd2 = create_vm(dev, 0, 0, "Az09_.-", 7);
	TH_LOG("a second VM named like a live one: %s",
	       fd2 >= 0 ? "allowed" : strerror(errno));
	if (fd2 >= 0)
		close(fd2);
	if (fd >= 0)
		close(fd);
	fd = create_vm(dev, 0, 0, "", 0);
	fd2 = create_vm(dev, 0, 0, "", 0);
	EXPECT_LE(0, fd);
	EXPECT_LE(0, fd2) TH_LOG("two anonymous VMs at once");
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	close(dev);
}

/* --- VM fd ---------------------------------------------------------------- */

TEST(vm_rejects_garbage)
{
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vm = axvm_vm_create(0);
	expect_enotty(_metadata, vm->fd, "VM fd", bogus_ioctls, ARRAY_SIZE(bogus_ioctls));
	expect_enotty(_metadata, vm->fd, "VM fd (/dev/axvm ioctl)", dev_ioctls,
		      ARRAY_SIZE(dev_ioctls));
	expect_enotty(_metadata, vm->fd, "VM fd (vCPU ioctl)", vcpu_ioctls,
		      ARRAY_SIZE(vcpu_ioctls));
	expect_efault(_metadata, vm->fd, AXVM_SET_MEMORY_REGION, "AXVM_SET_MEMORY_REGION", false);
	axvm_vm_free(vm);
}

TEST(memory_region_rejects_garbage)
{
	const uint64_t size = 2 * SZ_2M;
	struct axvm_vm *vm;
	uint32_t max_slots;
	char *mem, *big;
	int fd;

	AXVM_REQUIRE();
	vm = axvm_vm_create(0);
	fd = vm->fd;
	max_slots = vm->caps.max_mem_slots;
	mem = axvm_alloc_mem(size);

	/*
	 * Slot out of range, misaligned gpa/size/hva: EINVAL. Where
	 * Documentation/ioctl-abi.rst names no errno, EINVAL or the more
	 * specific one module/ept/memslot.c returns is accepted: unknown
	 * flags (EOPNOTSUPP), gpa + size wrapping (EOVERFLOW), beyond 2^48
	 * (ERANGE), hva + size wrapping (EFAULT), overlap (EEXIST), deleting
	 * a free slot (ENOENT).
	 */
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, max_slots, 0, 0, SZ_4K, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, AXVM_MAX_MEM_SLOTS, 0, 0, SZ_4K, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, 0x80000000U, 0, 0, SZ_4K, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, ~0U, 0, 0, SZ_4K, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, 0, 0, 0x800, SZ_4K, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, 0, 0, 1, SZ_4K, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, 0, 0, 0, SZ_4K + 0x800, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, 0, 0, 0, 1, mem));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, 0, 0, 0, SZ_4K, mem + 0x10));
	EXPECT_ERRNO(EINVAL, __axvm_set_region(fd, 0, 0, 0, SZ_4K, mem + 0x800));
	EXPECT_ERRNO_EITHER(EINVAL, EOPNOTSUPP, __axvm_set_region(fd, 0, 1U << 31, 0, SZ_4K, mem));
	EXPECT_ERRNO_EITHER(EINVAL, EOPNOTSUPP,
			    __axvm_set_region(fd, 0, 1U << 2, 0, SZ_4K, mem));
	EXPECT_ERRNO_EITHER(EINVAL, EOVERFLOW,
			    __axvm_set_region(fd, 0, 0, 0xfffffffffffff000ULL, 2 * SZ_4K, mem));
	EXPECT_ERRNO_EITHER(EINVAL, EOVERFLOW,
			    __axvm_set_region(fd, 0, 0, 0x1000, ~0ULL - 0xfff, mem));
	EXPECT_ERRNO_EITHER(EINVAL, ERANGE, __axvm_set_region(fd, 0, 0, 1ULL << 48, SZ_4K, mem));
	EXPECT_ERRNO_EITHER(EINVAL, ERANGE,
			    __axvm_set_region(fd, 0, 0, (1ULL << 48) - SZ_4K, 2 * SZ_4K, mem));
	EXPECT_ERRNO_EITHER(EINVAL, EFAULT, __axvm_set_region(fd, 0, 0, 0, 2 * SZ_4K,
							       (void *)0xfffffffffffff000UL));
	EXPECT_ERRNO_EITHER(EINVAL, ENOENT, __axvm_set_region(fd, 0, 0, 0, 0, mem));

	/* A good slot 0 over [0, 2 MiB). */
	ASSERT_EQ(0, __axvm_set_region(fd, 0, 0, 0, SZ_2M, mem));
	/* Overlapping it from other slots: inside, around, straddling, equal. */
	EXPECT_ERRNO_EITHER(EINVAL, EEXIST,
			    __axvm_set_region(fd, 1, 0, 0x100000, SZ_4K, mem + SZ_2M));
	EXPECT_ERRNO_EITHER(EINVAL, EEXIST, __axvm_set_region(fd, 1, 0, 0, size, mem));
	EXPECT_ERRNO_EITHER(EINVAL, EEXIST,
			    __axvm_set_region(fd, 1, 0, SZ_2M - SZ_4K, 2 * SZ_4K, mem + SZ_2M));
	EXPECT_ERRNO_EITHER(EINVAL, EEXIST, __axvm_set_region(fd, 1, 0, 0, SZ_2M, mem + SZ_2M));
	/* Adjacent is fine, and so is deleting and re-adding. */
	if (max_slots >= 2) {
		EXPECT_EQ(0, __axvm_set_region(fd, 1, 0, SZ_2M, SZ_2M, mem + SZ_2M));
		if (max_slots >= 3) {
			EXPECT_ERRNO_EITHER(EINVAL, EEXIST,
					    __axvm_set_region(fd, 2, 0, SZ_2M + SZ_4K, SZ_4K,
							      mem + SZ_2M));
		}
		EXPECT_EQ(0, __axvm_set_region(fd, 1, 0, SZ_2M, 0, mem + SZ_2M));
		EXPECT_EQ(0, __axvm_set_region(fd, 1, 0, SZ_2M + SZ_4K, SZ_4K, mem + SZ_2M));
		EXPECT_EQ(0, __axvm_set_region(fd, 1, 0, SZ_2M + SZ_4K, 0, mem + SZ_2M));
	}
	EXPECT_EQ(0, __axvm_set_region(fd, 0, 0, 0, 0, mem));
	EXPECT_EQ(0, __axvm_set_region(fd, 0, 0, SZ_2M, SZ_2M, mem));

	/* More than max_mem_bytes in one slot: refused (errno not specified). */
	if (max_slots >= 2 && vm->caps.max_mem_bytes && vm->caps.max_mem_bytes < (1ULL << 40)) {
		uint64_t too_big = (vm->caps.max_mem_bytes + SZ_2M) & ~(SZ_2M - 1);

		big = mmap(NULL, too_big, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (big != MAP_FAILED) {
			int r = __axvm_set_region(fd, max_slots - 1, 0, 1ULL << 32, too_big, big);

			EXPECT_EQ(-1, r) TH_LOG("a 0x%llx-byte slot with max_mem_bytes 0x%llx",
						(unsigned long long)too_big,
						(unsigned long long)vm->caps.max_mem_bytes);
			TH_LOG("slot larger than max_mem_bytes: errno %d (%s)", errno,
			       strerror(errno));
			munmap(big, too_big);
		}
	}
	axvm_vm_free(vm);
	axvm_free_mem(mem, size);
}

TEST(create_vcpu_rejects_garbage)
{
	struct axvm_vm *vm;
	int fd, fd2;

	AXVM_REQUIRE();
	vm = axvm_vm_create(0);
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, AXVM_CREATE_VCPU, (unsigned long)vm->caps.max_vcpus));
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, AXVM_CREATE_VCPU, (unsigned long)AXVM_MAX_VCPUS));
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, AXVM_CREATE_VCPU, 0x100000000UL));
	EXPECT_ERRNO(EINVAL, ioctl(vm->fd, AXVM_CREATE_VCPU, ~0UL));
	fd = ioctl(vm->fd, AXVM_CREATE_VCPU, 0UL);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EEXIST, ioctl(vm->fd, AXVM_CREATE_VCPU, 0UL));
	if (vm->caps.max_vcpus >= 2) {
		int last = vm->caps.max_vcpus - 1;

		fd2 = ioctl(vm->fd, AXVM_CREATE_VCPU, (unsigned long)last);
		EXPECT_LE(0, fd2) TH_LOG("vCPU id %d", last);
		EXPECT_ERRNO(EEXIST, ioctl(vm->fd, AXVM_CREATE_VCPU, (unsigned long)last));
		if (fd2 >= 0)
			close(fd2);
	}
	close(fd);
	/* The id stays taken while... nothing holds it: not specified, logged. */
	fd = ioctl(vm->fd, AXVM_CREATE_VCPU, 0UL);
	TH_LOG("re-creating vCPU 0 after closing its fd: %s", fd >= 0 ? "allowed" : strerror(errno));
	if (fd >= 0)
		close(fd);
	axvm_vm_free(vm);
}

/* --- vCPU fd -------------------------------------------------------------- */

TEST(vcpu_rejects_garbage)
{
	struct axvm_regs regs, back;
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vm = axvm_vm_create(0);
	vcpu = axvm_vcpu_add(vm, 0);
	expect_enotty(_metadata, vcpu->fd, "vCPU fd", bogus_ioctls, ARRAY_SIZE(bogus_ioctls));
	expect_enotty(_metadata, vcpu->fd, "vCPU fd (/dev/axvm ioctl)", dev_ioctls,
		      ARRAY_SIZE(dev_ioctls));
	expect_enotty(_metadata, vcpu->fd, "vCPU fd (VM ioctl)", vm_ioctls,
		      ARRAY_SIZE(vm_ioctls));

	memset(&regs, 0, sizeof(regs));
	regs.rax = 0x1111;
	regs.rip = 0x2222;
	regs.rflags = X86_RFLAGS_FIXED;
	axvm_vcpu_set_regs(vcpu, &regs);
	expect_efault(_metadata, vcpu->fd, AXVM_GET_REGS, "AXVM_GET_REGS", true);
	expect_efault(_metadata, vcpu->fd, AXVM_SET_REGS, "AXVM_SET_REGS", false);
	expect_efault(_metadata, vcpu->fd, AXVM_GET_SREGS, "AXVM_GET_SREGS", true);
	expect_efault(_metadata, vcpu->fd, AXVM_SET_SREGS, "AXVM_SET_SREGS", false);
	/* A failed SET_REGS (partly readable argument) changed nothing. */
	axvm_vcpu_get_regs(vcpu, &back);
	EXPECT_EQ(0, memcmp(&regs, &back, sizeof(regs))) {
		TH_LOG("registers changed by failed AXVM_SET_REGS calls:");
		axvm_dump_regs(stderr, &back);
	}
	axvm_vm_free(vm);
}

TEST(set_sregs_rejects_nonzero_pad)
{
	struct axvm_sregs good, bad;
	struct axvm_segment *segs[8];
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	unsigned int i;

	AXVM_REQUIRE();
	vm = axvm_vm_create(0);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_get_sregs(vcpu, &good);
	axvm_sregs_long(&good);
	axvm_vcpu_set_sregs(vcpu, &good);
	axvm_vcpu_get_sregs(vcpu, &good);

	segs[0] = &bad.cs; segs[1] = &bad.ds; segs[2] = &bad.es; segs[3] = &bad.fs;
	segs[4] = &bad.gs; segs[5] = &bad.ss; segs[6] = &bad.tr; segs[7] = &bad.ldt;
	for (i = 0; i < 8; i++) {
		bad = good;
		segs[i]->pad = 1;
		EXPECT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVM_SET_SREGS, &bad))
			TH_LOG("pad of segment #%u", i);
	}
	for (i = 0; i < 3; i++) {
		bad = good;
		bad.gdt.pad[i] = 1;
		EXPECT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVM_SET_SREGS, &bad))
			TH_LOG("gdt.pad[%u]", i);
		bad = good;
		bad.idt.pad[i] = 0x8000;
		EXPECT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVM_SET_SREGS, &bad))
			TH_LOG("idt.pad[%u]", i);
	}
	for (i = 0; i < 4; i++) {
		bad = good;
		bad.reserved[i] = 1ULL << 63;
		EXPECT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVM_SET_SREGS, &bad))
			TH_LOG("reserved[%u]", i);
	}
	/* None of that changed anything, and the good state is still accepted. */
	axvm_vcpu_get_sregs(vcpu, &bad);
	EXPECT_EQ(0, memcmp(&good, &bad, sizeof(good))) {
		TH_LOG("before:");
		axvm_dump_sregs(stderr, &good);
		TH_LOG("after:");
		axvm_dump_sregs(stderr, &bad);
	}
	EXPECT_EQ(0, ioctl(vcpu->fd, AXVM_SET_SREGS, &good));
	axvm_vm_free(vm);
}

TEST(immediate_exit)
{
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(vcpu, G64_MAGIC);

	vcpu->run->immediate_exit = 1;
	EXPECT_ERRNO(EINTR, __axvm_vcpu_run(vcpu));
	EXPECT_ERRNO(EINTR, __axvm_vcpu_run(vcpu));
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(G64_MAGIC, regs.rip) TH_LOG("the guest ran despite immediate_exit");
	vcpu->run->immediate_exit = 0;
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	/* Between two exits too. */
	vcpu->run->immediate_exit = 1;
	EXPECT_ERRNO(EINTR, __axvm_vcpu_run(vcpu));
	vcpu->run->immediate_exit = 0;
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
}

/* AXVM_RUN's argument and run->response are checked. */
TEST(run_rejects_garbage)
{
	struct axvm_vcpu *vcpu;
	struct axvm_regs regs;
	struct axvm_vm *vm;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(vcpu, G64_MAGIC);

	EXPECT_ERRNO(EINVAL, ioctl(vcpu->fd, AXVM_RUN, 1UL));
	axvm_vcpu_get_regs(vcpu, &regs);
	EXPECT_EQ(G64_MAGIC, regs.rip) TH_LOG("the guest ran despite the bad argument");

	/* An IO_WRITE is pending: answers it does not know are refused... */
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	vcpu->run->response = AXVM_RESP_INJECT_GP + 1;
	EXPECT_ERRNO(EINVAL, __axvm_vcpu_run(vcpu));
	vcpu->run->response = 0x80000000U;
	EXPECT_ERRNO(EINVAL, __axvm_vcpu_run(vcpu));
	/* ...and leave the exit pending for a good one. */
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
}

/* Only mmap(vcpu_fd, offset 0, caps.run_size), without PROT_EXEC, works. */
TEST(mmap_rejects_garbage)
{
	const int prot = PROT_READ | PROT_WRITE;
	struct axvm_vcpu *vcpu;
	struct axvm_run *run2;
	struct axvm_vm *vm;
	size_t size;
	void *p;
	int dev;

	AXVM_REQUIRE();
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(vcpu, G64_MAGIC);
	size = vcpu->run_size;

	p = mmap(NULL, size, prot, MAP_SHARED, vcpu->fd, size);
	EXPECT_EQ(MAP_FAILED, p) TH_LOG("mmap at offset %zu", size);
	p = mmap(NULL, 2 * size, prot, MAP_SHARED, vcpu->fd, 0);
	EXPECT_EQ(MAP_FAILED, p) TH_LOG("mmap of %zu bytes", 2 * size);
	p = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, vcpu->fd, 0);
	EXPECT_EQ(MAP_FAILED, p) TH_LOG("mmap with PROT_EXEC");
	p = mmap(NULL, size, prot, MAP_SHARED, vm->fd, 0);
	EXPECT_EQ(MAP_FAILED, p) TH_LOG("mmap of a VM fd");
	dev = axvm_open_dev();
	p = mmap(NULL, size, prot, MAP_SHARED, dev, 0);
	EXPECT_EQ(MAP_FAILED, p) TH_LOG("mmap of /dev/axvm");
	close(dev);

	/* A second good mapping is the same page. */
	run2 = mmap(NULL, size, prot, MAP_SHARED, vcpu->fd, 0);
	ASSERT_NE(MAP_FAILED, run2);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	EXPECT_EQ((__u32)AXVM_EXIT_IO_WRITE, run2->exit.kind);
	EXPECT_EQ(GUEST_MAGIC, run2->exit.u.io_write.data);
	munmap(run2, size);
	axvm_vm_free(vm);
}

/* --- lifetimes ------------------------------------------------------------ */

enum { FD_DEV, FD_VM, FD_VCPU };
static const char *const fd_names[] = { "/dev/axvm", "VM", "vCPU" };

/* What each still-open fd must still do (scratch: a page of ours). */
static void check_open_fds(struct __test_metadata *_metadata, const bool *open_,
			   int dev, struct axvm_vm *vm, struct axvm_vcpu *vcpu,
			   void *scratch)
{
	struct axvm_regs regs;

	if (open_[FD_DEV]) {
		struct axvm_caps caps;
		int fd;

		EXPECT_EQ(AXVM_API_VERSION, ioctl(dev, AXVM_GET_API_VERSION, 0));
		EXPECT_EQ(0, ioctl(dev, AXVM_GET_CAPS, &caps));
		fd = create_vm(dev, 0, 0, "", 0);
		EXPECT_LE(0, fd);
		if (fd >= 0)
			close(fd);
	}
	if (open_[FD_VM] && vm->caps.max_mem_slots >= 2) {
		/* The scratch page as the last slot, away from RAM; then deleted. */
		uint32_t slot = vm->caps.max_mem_slots - 1;

		EXPECT_EQ(0, __axvm_set_region(vm->fd, slot, 0, 0x10000000, SZ_4K, scratch));
		EXPECT_EQ(0, __axvm_set_region(vm->fd, slot, 0, 0x10000000, 0, scratch));
	}
	if (open_[FD_VCPU]) {
		EXPECT_EQ(0, ioctl(vcpu->fd, AXVM_GET_REGS, &regs));
	}
}

TEST(close_in_every_order)
{
	static const int orders[6][3] = {
		{ FD_DEV, FD_VM, FD_VCPU }, { FD_DEV, FD_VCPU, FD_VM },
		{ FD_VM, FD_DEV, FD_VCPU }, { FD_VM, FD_VCPU, FD_DEV },
		{ FD_VCPU, FD_DEV, FD_VM }, { FD_VCPU, FD_VM, FD_DEV },
	};
	unsigned int o, k;

	AXVM_REQUIRE();
	for (o = 0; o < 6; o++) {
		bool open_[3] = { true, true, true };
		void *scratch = axvm_alloc_mem(SZ_4K);
		struct axvm_vcpu *vcpu;
		struct axvm_vm *vm;
		int dev;

		TH_LOG("closing %s, %s, %s", fd_names[orders[o][0]],
		       fd_names[orders[o][1]], fd_names[orders[o][2]]);
		dev = axvm_open_dev();
		vm = axvm_vm_create_from(dev, AXVM_DEFAULT_RAM);
		axvm_load_image(vm, &axvm_guest64);
		vcpu = axvm_vcpu_add(vm, 0);
		axvm_vcpu_setup_long(vcpu, G64_MAGIC);

		for (k = 0; k < 3; k++) {
			int which = orders[o][k];

			if (which == FD_VCPU) {
				/* Run it with whatever else is closed by now. */
				axvm_vcpu_set_rip(vcpu, G64_MAGIC);
				ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
				ASSERT_RUN_DONE(vcpu);
				ASSERT_RUN_HALT(vcpu);
				ASSERT_EQ(0, close(vcpu->fd));
				vcpu->fd = -1;
			} else if (which == FD_VM) {
				ASSERT_EQ(0, close(vm->fd));
				vm->fd = -1;
			} else {
				ASSERT_EQ(0, close(dev));
			}
			open_[which] = false;
			check_open_fds(_metadata, open_, dev, vm, vcpu, scratch);
		}
		/* The run page outlives the vCPU fd while it is mapped. */
		EXPECT_EQ((__u32)AXVM_EXIT_HALT, vcpu->run->exit.kind);
		axvm_vm_free(vm);
		axvm_free_mem(scratch, SZ_4K);
	}
}

/* A child exits with a VM, a vCPU and its run page still open and mapped. */
TEST(exit_with_everything_open)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	int status, i;
	pid_t pid;

	AXVM_REQUIRE();
	for (i = 0; i < 3; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			vm = axvm_vm_create(AXVM_DEFAULT_RAM);
			axvm_load_image(vm, &axvm_guest64);
			vcpu = axvm_vcpu_add(vm, 0);
			axvm_vcpu_setup_long(vcpu, G64_MAGIC);
			/* Leave it stopped at an exit (i = 1) or halted (i = 2). */
			if (i >= 1 && axvm_vcpu_run(vcpu) != AXVM_EXIT_IO_WRITE)
				_exit(2);
			if (i >= 2 && (axvm_vcpu_run(vcpu) != AXVM_EXIT_IO_WRITE ||
				       axvm_vcpu_run(vcpu) != AXVM_EXIT_HALT))
				_exit(3);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status 0x%x", status);
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	/* And the next VM works. */
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	vcpu = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(vcpu, G64_MAGIC);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	axvm_vm_free(vm);
}

/* Many VMs one after the other, and several alive at once. */
TEST(many_vms)
{
	struct axvm_vcpu *vcpu[8];
	struct axvm_vm *vm[8];
	int i;

	AXVM_REQUIRE();
	for (i = 0; i < 32; i++) {
		vm[0] = axvm_vm_create(AXVM_DEFAULT_RAM);
		axvm_load_image(vm[0], &axvm_guest64);
		vcpu[0] = axvm_vcpu_add(vm[0], 0);
		axvm_vcpu_setup_long(vcpu[0], G64_MAGIC);
		ASSERT_RUN_REPORT(vcpu[0], GUEST_MAGIC);
		axvm_vm_free(vm[0]);
	}
	for (i = 0; i < 8; i++) {
		vm[i] = axvm_vm_create(AXVM_DEFAULT_RAM);
		axvm_load_image(vm[i], &axvm_guest64);
		vcpu[i] = axvm_vcpu_add(vm[i], 0);
		axvm_vcpu_setup_long(vcpu[i], G64_MAGIC);
	}
	for (i = 0; i < 8; i++)
		ASSERT_RUN_REPORT(vcpu[i], GUEST_MAGIC);
	for (i = 7; i >= 0; i--) {
		ASSERT_RUN_DONE(vcpu[i]);
		ASSERT_RUN_HALT(vcpu[i]);
	}
	for (i = 0; i < 8; i++)
		axvm_vm_free(vm[i]);
}

TEST_HARNESS_MAIN
