// SPDX-License-Identifier: GPL-2.0
/*
 * The axvm runner: one VM with one vCPU per case, through /dev/axvm
 * (uapi/linux/axvm.h). Exits are answered from the run page, or, for the
 * ring cases, from the shared exit ring: in sync mode by the vCPU thread
 * between AXVM_RUN calls, in async mode by a second thread that poll()s
 * the vCPU fd while AXVM_RUN sleeps in the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/axvm.h>

#include "bench.h"

#define RING_ENTRIES	256

struct ax {
	int dev, vm, vcpu;
	struct axvm_caps caps;
	struct axvm_run *run;
	struct axvm_ring_hdr *hdr;
	struct axvm_ring_entry *ents;
	size_t ring_size;
	void *mem;
	uint64_t user_exits, records;
	volatile bool done;	/* the guest's OUT to BENCH_DONE_PORT was seen */
	volatile bool stop;	/* async server: leave */
	char err[160];
};

const char *bench_axvm_unavailable(void)
{
	static char why[120];
	int fd = open("/dev/axvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, sizeof(why), "/dev/axvm: %s", strerror(errno));
		return why;
	}
	close(fd);
	return NULL;
}

/* 32-bit protected mode, flat, no paging (guest_state.c). */
static int ax_setup_vcpu(struct ax *a)
{
	struct axvm_sregs sr;
	struct axvm_regs regs;

	if (ioctl(a->vcpu, AXVM_GET_SREGS, &sr))
		return -1;
	bench_guest_sregs(&sr);
	if (ioctl(a->vcpu, AXVM_SET_SREGS, &sr))
		return -1;
	bench_guest_regs(&regs);
	return ioctl(a->vcpu, AXVM_SET_REGS, &regs);
}

#define POLL_NS_PARAM	"/sys/module/axvm/parameters/ring_poll_ns"

/* Write the async spin time; the old value goes to old (if given). */
static int set_poll_ns(const char *val, char *old, size_t len)
{
	FILE *f = fopen(POLL_NS_PARAM, "r+");
	int ret = 0;

	if (!f)
		return -1;
	if (old && (!fgets(old, len, f) || fseek(f, 0, SEEK_SET)))
		ret = -1;
	if (!ret && (fputs(val, f) < 0 || fflush(f)))
		ret = -1;
	if (fclose(f))
		ret = -1;
	if (old && ret)
		old[0] = 0;
	return ret;
}

static void ax_close(struct ax *a)
{
	if (a->hdr)
		munmap(a->hdr, a->ring_size);
	if (a->run)
		munmap(a->run, a->caps.run_size);
	if (a->vcpu >= 0)
		close(a->vcpu);
	if (a->vm >= 0)
		close(a->vm);
	if (a->dev >= 0)
		close(a->dev);
	bench_mem_free(a->mem);
}

/*
 * Answer one exit record the way the benchmark's device model does: reads
 * get BENCH_READ_VALUE (0 for MMIO and hypercalls), writes are dropped.
 * Returns the response, or -1 for an exit the benchmark does not expect.
 */
static int ax_answer(struct ax *a, struct axvm_exit *e)
{
	switch (e->kind) {
	case AXVM_EXIT_IO_WRITE:
		if (e->u.io_write.port == BENCH_DONE_PORT)
			a->done = true;
		return AXVM_RESP_NONE;
	case AXVM_EXIT_IO_READ:
		e->u.io_read.data = BENCH_READ_VALUE;
		return AXVM_RESP_DATA;
	case AXVM_EXIT_MMIO_READ:
		e->u.mmio_read.data = 0;
		return AXVM_RESP_DATA;
	case AXVM_EXIT_MMIO_WRITE:
		return AXVM_RESP_NONE;
	case AXVM_EXIT_HYPERCALL:
		e->u.hypercall.ret = 0;
		return AXVM_RESP_DATA;
	case AXVM_EXIT_NOTHING:
	case AXVM_EXIT_EXTERNAL_INTERRUPT:
		return AXVM_RESP_NONE;
	}
	snprintf(a->err, sizeof(a->err), "unexpected exit kind %u (reason %u) at rip 0x%llx",
		 e->kind, e->basic_reason, (unsigned long long)e->guest_rip);
	return -1;
}

/*
 * Consume every published record: answer it in its slot, then publish
 * @cons (store-release) so the kernel may take the answer. Returns the
 * number consumed, or -1.
 */
static int ax_ring_drain(struct ax *a)
{
	uint32_t prod = __atomic_load_n(&a->hdr->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = a->hdr->cons, n = 0;

	while (cons != prod) {
		struct axvm_ring_entry *s = &a->ents[cons & (a->hdr->nr_entries - 1)];
		int resp = ax_answer(a, &s->exit);

		if (resp < 0)
			return -1;
		if (!(s->exit.flags & AXVM_EXIT_F_POSTED))
			s->response = resp;
		cons++;
		n++;
	}
	if (n) {
		__atomic_store_n(&a->hdr->cons, cons, __ATOMIC_RELEASE);
		/*
		 * Documentation/ring.rst: the index store and the flag load are
		 * ordered by a full fence, so a vCPU going to sleep is either
		 * seen here or sees the new index.
		 */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	a->records += n;
	return n;
}

static void *ax_server(void *arg)
{
	struct ax *a = arg;
	struct pollfd p = { .fd = a->vcpu, .events = POLLIN };

	while (!a->stop) {
		int n = ax_ring_drain(a);

		if (n < 0)
			break;
		if (n && (__atomic_load_n(&a->hdr->flags, __ATOMIC_RELAXED) &
			  AXVM_RING_NEED_WAKEUP))
			ioctl(a->vcpu, AXVM_RING_KICK, 0);
		if (a->stop)
			break;
		/* POLLIN while the ring holds unfinished records. */
		poll(&p, 1, 20);
	}
	return NULL;
}

/*
 * AXVM_RUN until the guest reports done. Whatever comes back through the
 * run page is answered there; ring records are drained after every return
 * (sync mode) or by the server thread (async mode).
 */
static int ax_loop(struct ax *a, bool sync_ring)
{
	for (;;) {
		int resp, r = ioctl(a->vcpu, AXVM_RUN, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(a->err, sizeof(a->err), "AXVM_RUN: %s", strerror(errno));
			return -1;
		}
		a->user_exits++;
		if (sync_ring && ax_ring_drain(a) < 0)
			return -1;
		if (a->run->exit.kind == AXVM_EXIT_HALT) {
			if (a->done)
				return 0;
			snprintf(a->err, sizeof(a->err), "guest halted before it was done");
			return -1;
		}
		resp = ax_answer(a, &a->run->exit);
		if (resp < 0)
			return -1;
		a->run->response = resp;
		if (a->done)
			return 0;
	}
}

static int ax_create_vm(int dev)
{
	struct axvm_create_vm cv = { 0 };

	return ioctl(dev, AXVM_CREATE_VM, &cv);
}

static int ax_create_vcpu(int vm)
{
	return ioctl(vm, AXVM_CREATE_VCPU, 0UL);
}

static const struct bench_host_ops ax_host_ops = {
	.dev = "/dev/axvm",
	.create_vm = ax_create_vm,
	.create_vcpu = ax_create_vcpu,
	.vm_call = "AXVM_CREATE_VM",
	.vcpu_call = "AXVM_CREATE_VCPU",
};

int bench_axvm_run(const struct bench_case *c, const struct bench_opts *o,
		   struct bench_result *r)
{
	const struct bench_hv_case *hv = &c->axvm;
	struct ax a = { .dev = -1, .vm = -1, .vcpu = -1 };
	struct axvm_create_vm cv = { 0 };
	struct axvm_memory_region mr = { 0 };
	bool ring = hv->flags & (HV_RING_SYNC | HV_RING_ASYNC);
	char saved_poll_ns[32] = "";
	pthread_t server;
	int ret = -1;

	if (bench_case_done(hv, &ax_host_ops, o, r, &ret))
		return ret;

	a.dev = open("/dev/axvm", O_RDWR | O_CLOEXEC);
	if (a.dev < 0 || ioctl(a.dev, AXVM_GET_CAPS, &a.caps)) {
		bench_set_why(r, "/dev/axvm: %s", strerror(errno));
		goto out;
	}
	if (ring && !(a.caps.flags & AXVM_CAP_EXIT_RING)) {
		r->skipped = true;
		bench_set_why(r, "AXVM_CAP_EXIT_RING missing from AXVM_GET_CAPS: this axvm.ko has no exit ring");
		ret = 0;
		goto out;
	}
	a.mem = bench_mem_alloc();
	if (!a.mem) {
		bench_set_why(r, "guest memory: %s", strerror(errno));
		goto out;
	}
	bench_mem_prepare(a.mem, c, hv, o);
	a.vm = ioctl(a.dev, AXVM_CREATE_VM, &cv);
	if (a.vm < 0) {
		bench_set_why(r, "AXVM_CREATE_VM: %s", strerror(errno));
		goto out;
	}
	mr.size = BENCH_MEM_SIZE;
	mr.hva = (uintptr_t)a.mem;
	if (ioctl(a.vm, AXVM_SET_MEMORY_REGION, &mr)) {
		bench_set_why(r, "AXVM_SET_MEMORY_REGION: %s", strerror(errno));
		goto out;
	}
	a.vcpu = ioctl(a.vm, AXVM_CREATE_VCPU, 0UL);
	if (a.vcpu < 0) {
		bench_set_why(r, "AXVM_CREATE_VCPU: %s", strerror(errno));
		goto out;
	}
	a.run = mmap(NULL, a.caps.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, a.vcpu, 0);
	if (a.run == MAP_FAILED) {
		a.run = NULL;
		bench_set_why(r, "mmap of the run page: %s", strerror(errno));
		goto out;
	}
	if (ax_setup_vcpu(&a)) {
		bench_set_why(r, "AXVM_SET_SREGS/REGS: %s", strerror(errno));
		goto out;
	}
	if (ring) {
		struct axvm_ring_config rc = {
			.mode = (hv->flags & HV_RING_ASYNC) ? AXVM_RING_ASYNC : AXVM_RING_SYNC,
			.nr_entries = RING_ENTRIES,
		};
		void *p;

		if (ioctl(a.vcpu, AXVM_SET_RING, &rc)) {
			bench_set_why(r, "AXVM_SET_RING: %s", strerror(errno));
			goto out;
		}
		a.ring_size = 4096 + RING_ENTRIES * sizeof(struct axvm_ring_entry);
		p = mmap(NULL, a.ring_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 a.vcpu, AXVM_RING_MMAP_OFFSET);
		if (p == MAP_FAILED) {
			bench_set_why(r, "mmap of the ring: %s", strerror(errno));
			goto out;
		}
		a.hdr = p;
		a.ents = (struct axvm_ring_entry *)((char *)p + 4096);
	}
	if (hv->flags & (HV_POSTED_PIO | HV_POSTED_MMIO)) {
		struct axvm_posted_range pr = {
			.bus = (hv->flags & HV_POSTED_PIO) ? AXVM_POSTED_PIO : AXVM_POSTED_MMIO,
			.base = hv->param,
			.len = (hv->flags & HV_POSTED_PIO) ? 1 : 4,
		};

		if (ioctl(a.vm, AXVM_SET_POSTED, &pr)) {
			bench_set_why(r, "AXVM_SET_POSTED: %s", strerror(errno));
			goto out;
		}
	}
	if (hv->flags & HV_RING_NOSPIN) {
		if (set_poll_ns("0", saved_poll_ns, sizeof(saved_poll_ns))) {
			r->skipped = true;
			bench_set_why(r, "cannot write " POLL_NS_PARAM ": %s", strerror(errno));
			ret = 0;
			goto out;
		}
	}
	if (hv->flags & HV_RING_ASYNC) {
		if (pthread_create(&server, NULL, ax_server, &a)) {
			bench_set_why(r, "pthread_create failed");
			goto out;
		}
		ret = ax_loop(&a, false);
		a.stop = true;
		ioctl(a.vcpu, AXVM_RING_KICK, 0);
		pthread_join(server, NULL);
	} else {
		ret = ax_loop(&a, ring);
	}
	if (ret) {
		bench_set_why(r, "%s", a.err);
		goto out;
	}
	if (!bench_mem_result(a.mem, o, r)) {
		bench_set_why(r, "the guest did not store its results");
		ret = -1;
		goto out;
	}
	r->user_exits = a.user_exits;
	r->records = a.records;
	if (hv->note)
		bench_set_why(r, "%s", hv->note);
out:
	if (saved_poll_ns[0])
		set_poll_ns(saved_poll_ns, NULL, 0);
	ax_close(&a);
	return ret;
}
