// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_turns_test: axvm and KVM (kvm_intel) take turns owning VMX.
 *
 * KVM turns VMX on when its first VM is created (6.1; on 6.12 the machine
 * loads kvm with enable_virt_at_load=0) and off when its last VM goes; axvm
 * holds VMX while it has a VM. So:
 *  - kvm_then_axvm_then_kvm: a KVM VM runs a real-mode guest (OUT, HLT)
 *    and is destroyed; an axvm VM runs; while it exists KVM_CREATE_VM must
 *    fail (not crash; errno logged, EBUSY expected) and the axvm VM keeps
 *    running; after it is destroyed a KVM VM runs again, and axvm again.
 *  - axvm_refused_while_kvm_vm_alive: while a KVM VM exists, axvm must not
 *    run a guest: one of AXVM_CREATE_VM / SET_MEMORY_REGION / CREATE_VCPU /
 *    SET_SREGS / RUN fails (step and errno logged); the KVM VM still runs,
 *    and once it is gone axvm works.
 *  - racing_vm_creation: one thread creates and destroys KVM VMs, another
 *    axvm VMs, 12 times each (on 2 CPUs in the machine's SMP stage):
 *    every creation succeeds or fails with EBUSY, never a splat (axvm's
 *    VMXON and CR4.VMXE must be atomic against KVM's enable IPI), and both
 *    hypervisors run guests afterwards.
 * Without /dev/kvm the test runs /opt/axvm/load-kvm (the test machine's
 * kvm_intel loader) and SKIPs if that does not produce /dev/kvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "axvm_test.h"

#define LOAD_KVM	"/opt/axvm/load-kvm"
#define KVM_RAM		SZ_2M

/* NULL and *fd open on /dev/kvm, or why KVM cannot be had. */
static const char *kvm_open(int *fd)
{
	static char why[160];
	int i, status;

	*fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*fd >= 0)
		return NULL;
	if (errno != ENOENT) {
		snprintf(why, sizeof(why), "/dev/kvm: %s", strerror(errno));
		return why;
	}
	if (access(LOAD_KVM, X_OK))
		return "no /dev/kvm, and no " LOAD_KVM " to load kvm_intel";
	status = system(LOAD_KVM);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, sizeof(why), LOAD_KVM " failed (status 0x%x)", status);
		return why;
	}
	for (i = 0; i < 50; i++) {
		*fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (*fd >= 0)
			return NULL;
		usleep(100 * 1000);
	}
	return LOAD_KVM " ran but /dev/kvm did not appear";
}

/* SKIP unless both axvm and KVM are there; *kvm is /dev/kvm. */
#define REQUIRE_AXVM_AND_KVM(kvm) do {					\
	const char *__kvm_why;						\
	AXVM_REQUIRE();							\
	__kvm_why = kvm_open(kvm);					\
	if (__kvm_why)							\
		SKIP(return, "%s", __kvm_why);				\
	ASSERT_EQ(KVM_API_VERSION, ioctl(*(kvm), KVM_GET_API_VERSION, 0)); \
} while (0)

struct kvm_guest {
	int vm, vcpu;
	void *mem;
	struct kvm_run *run;
	size_t run_size;
};

/* KVM_RUN, retried on EINTR. */
static int kvm_run(struct kvm_guest *g)
{
	int r;

	do {
		r = ioctl(g->vcpu, KVM_RUN, 0);
	} while (r < 0 && errno == EINTR);
	return r;
}

static void kvm_set_entry(struct __test_metadata *_metadata, struct kvm_guest *g)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = G16_MAGIC;
	regs.rsp = GPA_STACK16_TOP;
	regs.rflags = X86_RFLAGS_FIXED;
	ASSERT_EQ(0, ioctl(g->vcpu, KVM_SET_REGS, &regs));
}

/*
 * A KVM VM with the real-mode guest (guests/guest16.S) at its "magic"
 * entry. vm_fd: the result of KVM_CREATE_VM, already checked.
 */
static void kvm_guest_setup(struct __test_metadata *_metadata, int kvm, int vm_fd,
			    struct kvm_guest *g)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	int size;

	memset(g, 0, sizeof(*g));
	g->vm = vm_fd;
	g->vcpu = -1;
	g->mem = axvm_alloc_mem(KVM_RAM);
	memcpy((char *)g->mem + axvm_guest16.gpa, axvm_guest16.start,
	       axvm_guest16.end - axvm_guest16.start);
	/* Only used when KVM emulates real mode; harmless otherwise. */
	EXPECT_EQ(0, ioctl(g->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL));
	memset(&region, 0, sizeof(region));
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = KVM_RAM;
	region.userspace_addr = (uintptr_t)g->mem;
	ASSERT_EQ(0, ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region));
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0UL);
	ASSERT_LE(0, g->vcpu);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_LE((int)sizeof(struct kvm_run), size);
	g->run_size = size;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	ASSERT_NE(MAP_FAILED, g->run);

	ASSERT_EQ(0, ioctl(g->vcpu, KVM_GET_SREGS, &sregs));
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ASSERT_EQ(0, ioctl(g->vcpu, KVM_SET_SREGS, &sregs));
	kvm_set_entry(_metadata, g);
}

/* The last KVM exit is a 4-byte OUT of value to port. */
static void kvm_expect_out(struct __test_metadata *_metadata, struct kvm_guest *g,
			   uint16_t port, uint32_t value)
{
	struct kvm_run *run = g->run;

	ASSERT_EQ((__u32)KVM_EXIT_IO, run->exit_reason)
		TH_LOG("KVM exit reason %u", run->exit_reason);
	ASSERT_EQ(KVM_EXIT_IO_OUT, run->io.direction);
	ASSERT_EQ(port, run->io.port);
	ASSERT_EQ(4, run->io.size);
	ASSERT_EQ(1U, run->io.count);
	ASSERT_EQ(value, *(uint32_t *)((char *)run + run->io.data_offset));
}

/* The guest reports GUEST_MAGIC, then done, then halts. */
static void kvm_guest_run(struct __test_metadata *_metadata, struct kvm_guest *g)
{
	ASSERT_EQ(0, kvm_run(g));
	kvm_expect_out(_metadata, g, UCALL_PORT_REPORT, GUEST_MAGIC);
	ASSERT_EQ(0, kvm_run(g));
	kvm_expect_out(_metadata, g, UCALL_PORT_DONE, 0);
	ASSERT_EQ(0, kvm_run(g));
	ASSERT_EQ((__u32)KVM_EXIT_HLT, g->run->exit_reason)
		TH_LOG("KVM exit reason %u", g->run->exit_reason);
}

static void kvm_guest_destroy(struct kvm_guest *g)
{
	if (g->run && g->run != MAP_FAILED)
		munmap(g->run, g->run_size);
	if (g->vcpu >= 0)
		close(g->vcpu);
	close(g->vm);
	axvm_free_mem(g->mem, KVM_RAM);
	memset(g, 0, sizeof(*g));
}

/* A whole KVM VM lifetime: create, run the guest to HLT, destroy. */
static void kvm_round(struct __test_metadata *_metadata, int kvm, const char *when)
{
	struct kvm_guest g;
	int vm;

	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	ASSERT_LE(0, vm) TH_LOG("KVM_CREATE_VM %s: %s", when, strerror(errno));
	kvm_guest_setup(_metadata, kvm, vm, &g);
	kvm_guest_run(_metadata, &g);
	kvm_guest_destroy(&g);
}

/* An axvm VM with the long-mode guest at its "magic" entry. */
static struct axvm_vcpu *axvm_magic_vm(struct axvm_vm **vmp)
{
	struct axvm_vcpu *vcpu;

	*vmp = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(*vmp, &axvm_guest64);
	vcpu = axvm_vcpu_add(*vmp, 0);
	axvm_vcpu_setup_long(vcpu, G64_MAGIC);
	return vcpu;
}

TEST(kvm_then_axvm_then_kvm)
{
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	int kvm, r, err;

	REQUIRE_AXVM_AND_KVM(&kvm);

	/* 1. KVM alone. */
	kvm_round(_metadata, kvm, "with no axvm VM");

	/* 2. axvm, and KVM refused meanwhile. */
	vcpu = axvm_magic_vm(&vm);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	errno = 0;
	r = ioctl(kvm, KVM_CREATE_VM, 0UL);
	err = errno;
	TH_LOG("KVM_CREATE_VM while an axvm VM exists: %d, errno %d (%s)",
	       r, err, strerror(err));
	if (r >= 0)
		close(r);
	ASSERT_EQ(-1, r) TH_LOG("KVM got VMX while axvm holds it");
	EXPECT_EQ(EBUSY, err);
	/* KVM's failed attempt left axvm's VMX alone. */
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vcpu_set_rip(vcpu, G64_MAGIC);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	axvm_vm_free(vm);

	/* 3. KVM again, then axvm again. */
	kvm_round(_metadata, kvm, "after the axvm VM was destroyed");
	vcpu = axvm_magic_vm(&vm);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
	close(kvm);
}

/*
 * Try to get an axvm guest running; returns the step that failed (errno
 * in *err), or NULL if a guest exit came back.
 */
static const char *axvm_try_run(uint32_t *kind, int *err)
{
	struct axvm_sregs sregs;
	struct axvm_regs regs;
	struct axvm_vm *vm;
	const char *step = NULL;
	int dev, vm_fd, vcpu_fd = -1;
	void *run = MAP_FAILED;
	size_t run_size = 0;

	*err = 0;
	dev = axvm_open_dev();
	vm = calloc(1, sizeof(*vm));
	AXVM_CHECK(vm, "calloc");
	vm->fd = -1;
	AXVM_CHECK(ioctl(dev, AXVM_GET_CAPS, &vm->caps) == 0, "AXVM_GET_CAPS");
	run_size = vm->caps.run_size;
	vm_fd = ioctl(dev, AXVM_CREATE_VM, &(struct axvm_create_vm){ 0 });
	if (vm_fd < 0) {
		step = "AXVM_CREATE_VM";
		goto out;
	}
	vm->fd = vm_fd;
	vm->slots[0].used = true;
	vm->slots[0].owned = true;
	vm->slots[0].size = AXVM_DEFAULT_RAM;
	vm->slots[0].hva = axvm_alloc_mem(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	axvm_vm_write_gdt(vm);
	axvm_vm_write_page_tables(vm);
	if (__axvm_set_region(vm_fd, 0, 0, 0, AXVM_DEFAULT_RAM, vm->slots[0].hva)) {
		step = "AXVM_SET_MEMORY_REGION";
		goto out;
	}
	vcpu_fd = ioctl(vm_fd, AXVM_CREATE_VCPU, 0UL);
	if (vcpu_fd < 0) {
		step = "AXVM_CREATE_VCPU";
		goto out;
	}
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED) {
		step = "mmap of the run page";
		goto out;
	}
	memset(&sregs, 0, sizeof(sregs));
	if (ioctl(vcpu_fd, AXVM_GET_SREGS, &sregs)) {
		step = "AXVM_GET_SREGS";
		goto out;
	}
	axvm_sregs_long(&sregs);
	if (ioctl(vcpu_fd, AXVM_SET_SREGS, &sregs)) {
		step = "AXVM_SET_SREGS";
		goto out;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = G64_MAGIC;
	regs.rsp = GPA_STACK_TOP;
	regs.rflags = X86_RFLAGS_FIXED;
	if (ioctl(vcpu_fd, AXVM_SET_REGS, &regs)) {
		step = "AXVM_SET_REGS";
		goto out;
	}
	if (ioctl(vcpu_fd, AXVM_RUN, 0)) {
		step = "AXVM_RUN";
		goto out;
	}
	*kind = ((struct axvm_run *)run)->exit.kind;
out:
	if (step)
		*err = errno;
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	axvm_vm_free(vm);
	close(dev);
	return step;
}

TEST(axvm_refused_while_kvm_vm_alive)
{
	struct axvm_vcpu *vcpu;
	struct kvm_guest g;
	struct axvm_vm *vm;
	const char *step;
	uint32_t kind = 0;
	int kvm, vm_fd, err;

	REQUIRE_AXVM_AND_KVM(&kvm);
	vm_fd = ioctl(kvm, KVM_CREATE_VM, 0UL);
	ASSERT_LE(0, vm_fd) TH_LOG("KVM_CREATE_VM with no axvm VM: %s", strerror(errno));
	kvm_guest_setup(_metadata, kvm, vm_fd, &g);
	kvm_guest_run(_metadata, &g);

	step = axvm_try_run(&kind, &err);
	if (step)
		TH_LOG("axvm while a KVM VM exists: %s failed, errno %d (%s)",
		       step, err, strerror(err));
	ASSERT_NE(NULL, step)
		TH_LOG("axvm ran a guest while KVM owns VMX (exit %s)", axvm_exit_name(kind));

	/* KVM's guest is unharmed. */
	kvm_set_entry(_metadata, &g);
	kvm_guest_run(_metadata, &g);
	kvm_guest_destroy(&g);

	/* With KVM's VM gone, axvm works. */
	vcpu = axvm_magic_vm(&vm);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
	close(kvm);
}

/*
 * Rounds per thread, not seconds: in Bochs a KVM_CREATE_VM costs tens of
 * host ticks, and guest time runs hundreds of times slower than wall time.
 */
#define RACE_ROUNDS	12

struct racer {
	int fd;			/* /dev/kvm or /dev/axvm */
	bool kvm;
	unsigned int ok, busy, other;
	int other_errno;
};

/* Create and destroy VMs of one hypervisor, RACE_ROUNDS times. */
static void *race(void *arg)
{
	struct racer *r = arg;
	int i, vm;

	for (i = 0; i < RACE_ROUNDS; i++) {
		if (r->kvm)
			vm = ioctl(r->fd, KVM_CREATE_VM, 0UL);
		else
			vm = ioctl(r->fd, AXVM_CREATE_VM,
				   &(struct axvm_create_vm){ 0 });
		if (vm >= 0) {
			r->ok++;
			close(vm);
		} else if (errno == EBUSY) {
			r->busy++;
		} else {
			r->other++;
			r->other_errno = errno;
		}
	}
	return NULL;
}

TEST(racing_vm_creation)
{
	struct racer rk = { .kvm = true }, ra = { .kvm = false };
	struct axvm_vcpu *vcpu;
	struct axvm_vm *vm;
	pthread_t tk, ta;
	int kvm;

	REQUIRE_AXVM_AND_KVM(&kvm);
	rk.fd = kvm;
	ra.fd = axvm_open_dev();
	ASSERT_EQ(0, pthread_create(&tk, NULL, race, &rk));
	ASSERT_EQ(0, pthread_create(&ta, NULL, race, &ra));
	pthread_join(tk, NULL);
	pthread_join(ta, NULL);
	TH_LOG("KVM: %u created, %u EBUSY; axvm: %u created, %u EBUSY",
	       rk.ok, rk.busy, ra.ok, ra.busy);
	EXPECT_EQ(0, rk.other) TH_LOG("KVM_CREATE_VM: %s", strerror(rk.other_errno));
	EXPECT_EQ(0, ra.other) TH_LOG("AXVM_CREATE_VM: %s", strerror(ra.other_errno));
	EXPECT_LT(0, rk.ok + ra.ok);

	/* Both still work, one after the other. */
	kvm_round(_metadata, kvm, "after the race");
	vcpu = axvm_magic_vm(&vm);
	ASSERT_RUN_REPORT(vcpu, GUEST_MAGIC);
	ASSERT_RUN_DONE(vcpu);
	ASSERT_RUN_HALT(vcpu);
	axvm_vm_free(vm);
	close(ra.fd);
	close(kvm);
}

TEST_HARNESS_MAIN
