// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM runner: the same guest, the same answers, through /dev/kvm
 * (kvm_intel). A minimal VMM: KVM_CREATE_VM, one memory slot, one vCPU,
 * the kvm_run page, KVM_RUN until the guest's done port. Per case it adds
 * what KVM needs to serve the case: the in-kernel irqchip and PIT (port
 * 0x61), KVM_CAP_EXIT_HYPERCALL (a hypercall that reaches userspace),
 * coalesced PIO/MMIO zones (KVM's nearest equivalent of posted writes,
 * drained from the ring page after every KVM_RUN).
 *
 * axvm and KVM cannot hold VMX at the same time: run this only while no
 * axvm VM exists (VMX is taken per VM on both sides).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "bench.h"

#define LOAD_KVM	"/opt/axvm/load-kvm"

/* kvm_intel was loaded here (and is unloaded again by bench_kvm_done()). */
static bool loaded_here;

struct kv {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	int run_size;
	struct kvm_coalesced_mmio_ring *ring;
	void *mem;
	uint64_t user_exits, records;
	bool done;
	char err[160];
};

/* NULL if /dev/kvm opens (loading kvm_intel on the test machine), else why. */
const char *bench_kvm_unavailable(void)
{
	static char why[160];
	int fd, i, st;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		goto ok;
	if (errno != ENOENT || access(LOAD_KVM, X_OK)) {
		snprintf(why, sizeof(why), "/dev/kvm: %s", strerror(errno));
		return why;
	}
	st = system(LOAD_KVM);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(why, sizeof(why), LOAD_KVM " failed (status 0x%x)", st);
		return why;
	}
	loaded_here = true;
	for (i = 0; i < 50 && fd < 0; i++) {
		fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			usleep(100 * 1000);
	}
	if (fd < 0)
		return LOAD_KVM " ran but /dev/kvm did not appear";
ok:
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return "KVM_GET_API_VERSION is not 12";
	}
	close(fd);
	return NULL;
}

/* Leave the machine as found: later selftests run without kvm_intel. */
void bench_kvm_done(void)
{
	if (!loaded_here)
		return;
	loaded_here = false;
	if (system("rmmod kvm_intel && rmmod kvm && rmmod irqbypass"))
		fprintf(stderr, "axvm_bench: could not unload kvm_intel again\n");
}

static void kvm_seg(struct kvm_segment *k, const struct axvm_segment *a)
{
	memset(k, 0, sizeof(*k));
	k->base = a->base;
	k->limit = a->limit;
	k->selector = a->selector;
	k->type = a->type;
	k->present = a->present;
	k->dpl = a->dpl;
	k->db = a->db;
	k->s = a->s;
	k->l = a->l;
	k->g = a->g;
	k->avl = a->avl;
	k->unusable = a->unusable;
}

/*
 * The state of guest_state.c, copied field by field (the layouts differ).
 * GDTR and IDTR stay as KVM has them: the guest uses neither.
 */
static int kv_setup_vcpu(struct kv *k)
{
	struct axvm_sregs ax;
	struct axvm_regs ar;
	struct kvm_sregs sr;
	struct kvm_regs regs;

	if (ioctl(k->vcpu, KVM_GET_SREGS, &sr))
		return -1;
	memset(&ax, 0, sizeof(ax));
	bench_guest_sregs(&ax);
	kvm_seg(&sr.cs, &ax.cs);
	kvm_seg(&sr.ds, &ax.ds);
	kvm_seg(&sr.es, &ax.es);
	kvm_seg(&sr.fs, &ax.fs);
	kvm_seg(&sr.gs, &ax.gs);
	kvm_seg(&sr.ss, &ax.ss);
	kvm_seg(&sr.tr, &ax.tr);
	kvm_seg(&sr.ldt, &ax.ldt);
	sr.cr0 = ax.cr0;
	sr.cr3 = ax.cr3;
	sr.cr4 = ax.cr4;
	sr.efer = ax.efer;
	if (ioctl(k->vcpu, KVM_SET_SREGS, &sr))
		return -1;
	bench_guest_regs(&ar);
	memset(&regs, 0, sizeof(regs));
	regs.rip = ar.rip;
	regs.rsp = ar.rsp;
	regs.rflags = ar.rflags;
	return ioctl(k->vcpu, KVM_SET_REGS, &regs);
}

static void kv_close(struct kv *k)
{
	if (k->run)
		munmap(k->run, k->run_size);
	if (k->vcpu >= 0)
		close(k->vcpu);
	if (k->vm >= 0)
		close(k->vm);
	if (k->kvm >= 0)
		close(k->kvm);
	bench_mem_free(k->mem);
}

static void kv_drain(struct kv *k)
{
	struct kvm_coalesced_mmio_ring *ring = k->ring;
	uint32_t max = (4096 - sizeof(*ring)) / sizeof(struct kvm_coalesced_mmio);

	if (!ring)
		return;
	while (ring->first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
		/* The benchmark's device drops the writes. */
		__atomic_store_n(&ring->first, (ring->first + 1) % max, __ATOMIC_RELEASE);
		k->records++;
	}
}

/* One KVM exit, answered like ax_answer() in bench_axvm.c. */
static int kv_answer(struct kv *k)
{
	struct kvm_run *run = k->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			if (run->io.port == BENCH_DONE_PORT)
				k->done = true;
		} else {
			memset((char *)run + run->io.data_offset, BENCH_READ_VALUE,
			       run->io.size * run->io.count);
		}
		return 0;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		return 0;
	case KVM_EXIT_HYPERCALL:
		run->hypercall.ret = 0;
		return 0;
	case KVM_EXIT_INTR:
		return 0;
	}
	snprintf(k->err, sizeof(k->err), "unexpected KVM exit reason %u", run->exit_reason);
	return -1;
}

static int kv_loop(struct kv *k)
{
	while (!k->done) {
		int r = ioctl(k->vcpu, KVM_RUN, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(k->err, sizeof(k->err), "KVM_RUN: %s", strerror(errno));
			return -1;
		}
		k->user_exits++;
		kv_drain(k);
		if (kv_answer(k))
			return -1;
	}
	return 0;
}

static int kv_create_vm(int kvm)
{
	return ioctl(kvm, KVM_CREATE_VM, 0UL);
}

static int kv_create_vcpu(int vm)
{
	return ioctl(vm, KVM_CREATE_VCPU, 0UL);
}

static const struct bench_host_ops kv_host_ops = {
	.dev = "/dev/kvm",
	.create_vm = kv_create_vm,
	.create_vcpu = kv_create_vcpu,
	.vm_call = "KVM_CREATE_VM",
	.vcpu_call = "KVM_CREATE_VCPU",
};

#define KV_FAIL(what) do {						\
	bench_set_why(r, "%s: %s", what, strerror(errno));		\
	goto out;							\
} while (0)

int bench_kvm_run(const struct bench_case *c, const struct bench_opts *o,
		  struct bench_result *r)
{
	const struct bench_hv_case *hv = &c->kvm;
	struct kv k = { .kvm = -1, .vm = -1, .vcpu = -1 };
	struct kvm_userspace_memory_region mr = { 0 };
	int ret = -1;

	if (bench_case_done(hv, &kv_host_ops, o, r, &ret))
		return ret;

	k.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k.kvm < 0)
		KV_FAIL("/dev/kvm");
	k.mem = bench_mem_alloc();
	if (!k.mem)
		KV_FAIL("guest memory");
	bench_mem_prepare(k.mem, c, hv, o);
	k.vm = ioctl(k.kvm, KVM_CREATE_VM, 0UL);
	if (k.vm < 0)
		KV_FAIL("KVM_CREATE_VM");
	/* Only used if KVM has to emulate real mode; harmless otherwise. */
	ioctl(k.vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	if (hv->flags & HV_KVM_PIT) {
		/* The speaker port 0x61 is in the kernel only with this flag. */
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (ioctl(k.vm, KVM_CREATE_IRQCHIP, 0))
			KV_FAIL("KVM_CREATE_IRQCHIP");
		if (ioctl(k.vm, KVM_CREATE_PIT2, &pit))
			KV_FAIL("KVM_CREATE_PIT2");
	}
	if (hv->flags & HV_KVM_HC_EXIT) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_EXIT_HYPERCALL,
			.args = { 1ULL << hv->param },
		};

		if (ioctl(k.vm, KVM_ENABLE_CAP, &cap))
			KV_FAIL("KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL)");
	}
	mr.memory_size = BENCH_MEM_SIZE;
	mr.userspace_addr = (uintptr_t)k.mem;
	if (ioctl(k.vm, KVM_SET_USER_MEMORY_REGION, &mr))
		KV_FAIL("KVM_SET_USER_MEMORY_REGION");
	if (hv->flags & (HV_POSTED_PIO | HV_POSTED_MMIO)) {
		struct kvm_coalesced_mmio_zone z = {
			.addr = hv->param,
			.size = (hv->flags & HV_POSTED_PIO) ? 1 : 4,
			.pio = !!(hv->flags & HV_POSTED_PIO),
		};
		int cap = (hv->flags & HV_POSTED_PIO) ? KVM_CAP_COALESCED_PIO :
			  KVM_CAP_COALESCED_MMIO;

		if (ioctl(k.kvm, KVM_CHECK_EXTENSION, cap) <= 0) {
			r->skipped = true;
			bench_set_why(r, "KVM lacks capability %d", cap);
			ret = 0;
			goto out;
		}
		if (ioctl(k.vm, KVM_REGISTER_COALESCED_MMIO, &z))
			KV_FAIL("KVM_REGISTER_COALESCED_MMIO");
	}
	k.vcpu = ioctl(k.vm, KVM_CREATE_VCPU, 0UL);
	if (k.vcpu < 0)
		KV_FAIL("KVM_CREATE_VCPU");
	k.run_size = ioctl(k.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k.run_size < (int)sizeof(struct kvm_run))
		KV_FAIL("KVM_GET_VCPU_MMAP_SIZE");
	k.run = mmap(NULL, k.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k.vcpu, 0);
	if (k.run == MAP_FAILED) {
		k.run = NULL;
		KV_FAIL("mmap of kvm_run");
	}
	if (hv->flags & (HV_POSTED_PIO | HV_POSTED_MMIO))
		k.ring = (void *)((char *)k.run + KVM_COALESCED_MMIO_PAGE_OFFSET * 4096);
	if (kv_setup_vcpu(&k))
		KV_FAIL("KVM_SET_SREGS/REGS");
	if (kv_loop(&k)) {
		bench_set_why(r, "%s", k.err);
		goto out;
	}
	if (!bench_mem_result(k.mem, o, r)) {
		bench_set_why(r, "the guest did not store its results");
		goto out;
	}
	r->user_exits = k.user_exits;
	r->records = k.records;
	if (hv->note)
		bench_set_why(r, "%s", hv->note);
	ret = 0;
out:
	kv_close(&k);
	return ret;
}
