// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: the VMM. Attaches to a named VM (made by `axctl create`),
 * gives it guest RAM, loads the image, runs one thread per vCPU and serves
 * the exits that reach userspace with the devices of devices.c.
 *
 * Threads and signals: every thread blocks SIGINT, SIGTERM and SIGUSR2;
 * the main thread waits for them with sigwaitinfo(). SIGINT/SIGTERM set
 * the stop flag and kick every vCPU (run->immediate_exit = 1, then
 * SIGUSR1, whose empty handler makes a running AXVM_RUN return EINTR);
 * a vCPU thread that ends the VM does the same and wakes the main thread
 * with SIGUSR2. Only vCPU 0 runs the image; the others wait idle until
 * the VM ends (SMP boot comes later).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axctl.h"
#include "devices.h"
#include "image.h"
#include "nl.h"

#define SZ_2M		0x200000ULL
#define IMAGE_MAX	(1ULL << 32)	/* larger files are not images */
#define VMM_DEFAULT_MEM	(64ULL << 20)	/* for a VM made without MEM_BYTES */
#define RING_ENTRIES	64		/* exit ring slots per vCPU */

struct vmm;

struct vcpu {
	struct vmm *vmm;
	unsigned int id;
	int fd;
	struct axvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	bool runnable;		/* runs guest code (vCPU 0 for now) */
	uint64_t exits;		/* exits that reached axctl */
	struct axvm_ring_hdr *ring;	/* sync-mode exit ring, or NULL */
	struct axvm_ring_entry *slots;
	size_t ring_size;
};

struct vmm {
	const char *name;
	int dev_fd, vm_fd;
	void *ram;
	uint64_t ram_size;
	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	pthread_t main_thread;

	pthread_mutex_t lock;	/* io, done, status, the counters */
	pthread_cond_t cond;	/* idle vCPUs wait for done */
	struct io_bus io;
	bool done;
	int status;
	atomic_int stop;	/* SIGINT/SIGTERM seen */

	uint64_t mmio_reads, mmio_writes, msr_faults, hypercalls;
	bool warned_smp;
};

/* --- messages ----------------------------------------------------------- */

/* Keep a message on a line of its own after guest output without a newline. */
static void newline_after_guest(struct vmm *v)
{
	if (v->io.com1.tx_bytes && v->io.com1.last_tx != '\n') {
		fputc('\n', stderr);
		v->io.com1.last_tx = '\n';
	}
}

static void vmm_note(struct vmm *v, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A message at verbosity >= level, under v->lock. */
static void vmm_note(struct vmm *v, int level, const char *fmt, ...)
{
	va_list ap;

	if (axctl_verbose < level)
		return;
	newline_after_guest(v);
	fprintf(stderr, "%s: ", axctl_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* --- ending the VM -------------------------------------------------------- */

static void kick(struct vcpu *c)
{
	if (c->run)
		__atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (c->thread_started && !pthread_equal(c->thread, pthread_self()))
		pthread_kill(c->thread, SIGUSR1);
}

/* Called with v->lock held: the first caller decides the status. */
static void finish_locked(struct vmm *v, int status)
{
	unsigned int i;

	if (v->done)
		return;
	v->done = true;
	v->status = status;
	pthread_cond_broadcast(&v->cond);
	for (i = 0; i < v->nr_vcpus; i++)
		kick(&v->vcpus[i]);
	pthread_kill(v->main_thread, SIGUSR2);
}

static void finish(struct vmm *v, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* End the VM with status; the message (NULL: none) prints unless -q. */
static void finish(struct vmm *v, int status, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&v->lock);
	if (!v->done && fmt && axctl_verbose >= 0) {
		newline_after_guest(v);
		fprintf(stderr, "%s: ", axctl_prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	finish_locked(v, status);
	pthread_mutex_unlock(&v->lock);
}

/* --- diagnostics ---------------------------------------------------------- */

static void dump_segment(const char *name, const struct axvm_segment *s)
{
	fprintf(stderr, "  %-3s %04x base %016llx limit %08x type %x s %u dpl %u p %u l %u db %u g %u%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->s, s->dpl, s->present, s->l, s->db, s->g,
		s->unusable ? " unusable" : "");
}

/* With -v: the vCPU's registers, for the failures worth a look. */
static void dump_vcpu(struct vcpu *c)
{
	struct axvm_sregs sr;
	struct axvm_regs r;

	if (axctl_verbose < 1)
		return;
	if (ioctl(c->fd, AXVM_GET_REGS, &r) == 0) {
		fprintf(stderr, "  rip %016llx rflags %08llx rsp %016llx rbp %016llx\n",
			(unsigned long long)r.rip, (unsigned long long)r.rflags,
			(unsigned long long)r.rsp, (unsigned long long)r.rbp);
		fprintf(stderr, "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
			(unsigned long long)r.rax, (unsigned long long)r.rbx,
			(unsigned long long)r.rcx, (unsigned long long)r.rdx);
		fprintf(stderr, "  rsi %016llx rdi %016llx r8  %016llx r9  %016llx\n",
			(unsigned long long)r.rsi, (unsigned long long)r.rdi,
			(unsigned long long)r.r8, (unsigned long long)r.r9);
	}
	if (ioctl(c->fd, AXVM_GET_SREGS, &sr) == 0) {
		dump_segment("cs", &sr.cs);
		dump_segment("ss", &sr.ss);
		dump_segment("ds", &sr.ds);
		dump_segment("tr", &sr.tr);
		fprintf(stderr, "  gdt %llx/%x idt %llx/%x cr0 %llx cr3 %llx cr4 %llx efer %llx\n",
			(unsigned long long)sr.gdt.base, sr.gdt.limit,
			(unsigned long long)sr.idt.base, sr.idt.limit,
			(unsigned long long)sr.cr0, (unsigned long long)sr.cr3,
			(unsigned long long)sr.cr4, (unsigned long long)sr.efer);
	}
}

static const char *entry_failure_name(uint64_t reason)
{
	switch (reason) {
	case 33:
		return "invalid guest state";
	case 34:
		return "MSR loading";
	case 41:
		return "machine-check event";
	}
	return "unknown";
}

static void inst_bytes(const struct axvm_exit *e, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < e->inst_bytes_len && i < sizeof(e->inst_bytes); i++)
		off += snprintf(buf + off, len - off, "%s%02x", i ? " " : ", bytes ",
				e->inst_bytes[i]);
}

static void internal_error(struct vcpu *c, const struct axvm_exit *e)
{
	const __u64 *d = e->u.internal.data;
	char bytes[80];

	inst_bytes(e, bytes, sizeof(bytes));
	switch (e->u.internal.suberror) {
	case AXVM_INTERNAL_UNKNOWN_EXIT: {
		const char *n = vmx_reason_name(d[0]);

		finish(c->vmm, AXCTL_EINTERNAL,
		       "internal error: vCPU %u: exit axvm does not handle: reason %llu (%s) at RIP 0x%llx, qualification 0x%llx",
		       c->id, (unsigned long long)d[0], n ? n : "?",
		       (unsigned long long)e->guest_rip, (unsigned long long)e->qualification);
		break;
	}
	case AXVM_INTERNAL_VMX_INSN:
		finish(c->vmm, AXCTL_EINTERNAL,
		       "internal error: vCPU %u: a VMX instruction failed (VM-instruction error %llu)",
		       c->id, (unsigned long long)d[0]);
		break;
	case AXVM_INTERNAL_EMULATION:
		finish(c->vmm, AXCTL_EINTERNAL,
		       "internal error: vCPU %u: cannot emulate the instruction at RIP 0x%llx (qualification 0x%llx%s)",
		       c->id, (unsigned long long)e->guest_rip, (unsigned long long)d[0], bytes);
		break;
	default:
		finish(c->vmm, AXCTL_EINTERNAL,
		       "internal error: vCPU %u: suberror %u, data 0x%llx 0x%llx 0x%llx 0x%llx",
		       c->id, e->u.internal.suberror, (unsigned long long)d[0],
		       (unsigned long long)d[1], (unsigned long long)d[2],
		       (unsigned long long)d[3]);
		break;
	}
	dump_vcpu(c);
}

/* --- the run loop ----------------------------------------------------------- */

static uint64_t width_ones(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

/*
 * Serve one exit record, from the run page or a ring slot; an answer goes
 * into the record's data field and *resp. False when this vCPU is done.
 */
static bool handle_exit(struct vcpu *c, struct axvm_exit *e, uint32_t *resp)
{
	struct vmm *v = c->vmm;
	bool r;

	if (e->kind != AXVM_EXIT_NOTHING)
		c->exits++;
	switch (e->kind) {
	case AXVM_EXIT_NOTHING:
	case AXVM_EXIT_EXTERNAL_INTERRUPT:
		return true;
	case AXVM_EXIT_IO_READ:
		pthread_mutex_lock(&v->lock);
		e->u.io_read.data = io_read(&v->io, e->u.io_read.port, e->u.io_read.width);
		pthread_mutex_unlock(&v->lock);
		*resp = AXVM_RESP_DATA;
		return true;
	case AXVM_EXIT_IO_WRITE:
		pthread_mutex_lock(&v->lock);
		r = io_write(&v->io, e->u.io_write.port, e->u.io_write.width,
			     e->u.io_write.data);
		pthread_mutex_unlock(&v->lock);
		if (r) {
			uint64_t val = e->u.io_write.data & width_ones(e->u.io_write.width);

			finish(v, debug_exit_status(val),
			       "guest wrote 0x%llx to the debug-exit port: exit status %d",
			       (unsigned long long)val, debug_exit_status(val));
			return false;
		}
		return true;
	case AXVM_EXIT_HALT:
		finish(v, AXCTL_OK, "guest halted");
		return false;
	case AXVM_EXIT_SYSTEM_DOWN:
		finish(v, AXCTL_ETRIPLE, "guest triple fault (vCPU %u)", c->id);
		dump_vcpu(c);
		return false;
	case AXVM_EXIT_FAIL_ENTRY: {
		uint64_t why = e->u.fail_entry.hardware_entry_failure_reason;

		finish(v, AXCTL_EENTRY,
		       "VM entry failed on vCPU %u: reason %llu (%s), qualification 0x%llx",
		       c->id, (unsigned long long)why, entry_failure_name(why),
		       (unsigned long long)e->u.fail_entry.qualification);
		dump_vcpu(c);
		return false;
	}
	case AXVM_EXIT_INTERNAL_ERROR:
		internal_error(c, e);
		return false;
	case AXVM_EXIT_NESTED_PAGE_FAULT: {
		uint64_t f = e->u.nested_page_fault.access_flags;

		finish(v, AXCTL_EINTERNAL,
		       "vCPU %u: guest %s guest-physical address 0x%llx outside its RAM (RIP 0x%llx)",
		       c->id, f & AXVM_ACCESS_WRITE ? "wrote" : f & AXVM_ACCESS_EXEC ?
		       "executed at" : "read", (unsigned long long)e->u.nested_page_fault.addr,
		       (unsigned long long)e->guest_rip);
		dump_vcpu(c);
		return false;
	}
	case AXVM_EXIT_MMIO_READ:
		pthread_mutex_lock(&v->lock);
		v->mmio_reads++;
		vmm_note(v, 2, "vCPU %u: MMIO read of 0x%llx (width %u): all ones", c->id,
			 (unsigned long long)e->u.mmio_read.addr, e->u.mmio_read.width);
		pthread_mutex_unlock(&v->lock);
		e->u.mmio_read.data = width_ones(e->u.mmio_read.width);
		*resp = AXVM_RESP_DATA;
		return true;
	case AXVM_EXIT_MMIO_WRITE:
		pthread_mutex_lock(&v->lock);
		v->mmio_writes++;
		vmm_note(v, 2, "vCPU %u: MMIO write of 0x%llx to 0x%llx ignored", c->id,
			 (unsigned long long)e->u.mmio_write.data,
			 (unsigned long long)e->u.mmio_write.addr);
		pthread_mutex_unlock(&v->lock);
		return true;
	case AXVM_EXIT_SYSREG_READ:
	case AXVM_EXIT_SYSREG_WRITE:
		/* An MSR nobody models: #GP, as hardware does for unknown MSRs. */
		pthread_mutex_lock(&v->lock);
		v->msr_faults++;
		vmm_note(v, 1, "vCPU %u: %s of MSR 0x%llx at RIP 0x%llx: #GP", c->id,
			 e->kind == AXVM_EXIT_SYSREG_READ ? "RDMSR" : "WRMSR",
			 (unsigned long long)e->u.sysreg_read.addr,
			 (unsigned long long)e->guest_rip);
		pthread_mutex_unlock(&v->lock);
		*resp = AXVM_RESP_INJECT_GP;
		return true;
	case AXVM_EXIT_HYPERCALL:
		pthread_mutex_lock(&v->lock);
		v->hypercalls++;
		vmm_note(v, 1, "vCPU %u: unknown hypercall %llu: -ENOSYS", c->id,
			 (unsigned long long)e->u.hypercall.nr);
		pthread_mutex_unlock(&v->lock);
		e->u.hypercall.ret = (uint64_t)-1000;	/* KVM's -KVM_ENOSYS */
		*resp = AXVM_RESP_DATA;
		return true;
	case AXVM_EXIT_CPU_UP:
	case AXVM_EXIT_SEND_IPI:
		pthread_mutex_lock(&v->lock);
		if (!v->warned_smp)
			vmm_note(v, 0, "vCPU %u: %s ignored: SMP is not supported yet",
				 c->id, exit_kind_name(e->kind));
		v->warned_smp = true;
		pthread_mutex_unlock(&v->lock);
		return true;
	case AXVM_EXIT_CPU_DOWN:
		/* Only vCPU 0 runs: its going down ends the VM. */
		finish(v, AXCTL_OK, "guest stopped vCPU %u", c->id);
		return false;
	default:
		finish(v, AXCTL_EINTERNAL, "vCPU %u: unknown exit kind %u (reason %u)",
		       c->id, e->kind, e->basic_reason);
		return false;
	}
}

static bool stopping(struct vmm *v)
{
	bool done;

	pthread_mutex_lock(&v->lock);
	done = v->done;
	pthread_mutex_unlock(&v->lock);
	return done || atomic_load(&v->stop);
}

/*
 * Sync ring mode: serve every record the kernel published, in order, then
 * hand the consumer index back (see Documentation/ring.rst). False when
 * a record ended the VM.
 */
static bool serve_ring(struct vcpu *c)
{
	uint32_t prod = __atomic_load_n(&c->ring->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = c->ring->cons;
	bool ok = true;

	for (; cons != prod && ok; cons++) {
		struct axvm_ring_entry *s = &c->slots[cons & (c->ring->nr_entries - 1)];

		ok = handle_exit(c, &s->exit, &s->response);
	}
	__atomic_store_n(&c->ring->cons, cons, __ATOMIC_RELEASE);
	return ok;
}

/* Give the vCPU a ring (sync mode) if the module has them; else run page. */
static void setup_ring(struct vcpu *c)
{
	struct axvm_ring_config cfg = { .mode = AXVM_RING_SYNC, .nr_entries = RING_ENTRIES };
	size_t size = 4096 + RING_ENTRIES * sizeof(struct axvm_ring_entry);
	void *p;

	if (ioctl(c->fd, AXVM_SET_RING, &cfg) < 0)
		axctl_die(AXCTL_EFAIL, "AXVM_SET_RING on vCPU %u: %s", c->id, strerror(errno));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, AXVM_RING_MMAP_OFFSET);
	if (p == MAP_FAILED)
		axctl_die(AXCTL_EFAIL, "mapping the exit ring of vCPU %u: %s", c->id, strerror(errno));
	c->ring = p;
	c->slots = (struct axvm_ring_entry *)((char *)p + 4096);
	c->ring_size = size;
}

static void run_vcpu(struct vcpu *c)
{
	struct vmm *v = c->vmm;

	c->run->response = AXVM_RESP_NONE;
	for (;;) {
		if (stopping(v))
			return;
		if (ioctl(c->fd, AXVM_RUN, 0) < 0) {
			int err = errno;

			if (err == EINTR)
				continue;	/* stopping() decides */
			if (err == ESHUTDOWN) {
				finish(v, AXCTL_ESTOPPED, "VM stopped");
				return;
			}
			finish(v, AXCTL_EFAIL, "AXVM_RUN on vCPU %u: %s", c->id, strerror(err));
			return;
		}
		c->run->response = AXVM_RESP_NONE;
		if (c->ring && !serve_ring(c))
			return;
		if (!handle_exit(c, &c->run->exit, &c->run->response))
			return;
	}
}

static void on_sigusr1(int sig)
{
	(void)sig;	/* only to interrupt AXVM_RUN */
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *c = arg;
	struct vmm *v = c->vmm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (c->runnable) {
		run_vcpu(c);
		return NULL;
	}
	/* Idle until SMP boot exists: wait for the end of the VM. */
	pthread_mutex_lock(&v->lock);
	while (!v->done)
		pthread_cond_wait(&v->cond, &v->lock);
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

/* --- set-up ----------------------------------------------------------------- */

static void *read_image(const char *path, size_t *len)
{
	struct stat st;
	size_t off = 0;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		axctl_die(AXCTL_EIMAGE, "cannot open image %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		axctl_die(AXCTL_EIMAGE, "cannot read image %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		axctl_die(AXCTL_EIMAGE, "image %s is not a regular file", path);
	if ((uint64_t)st.st_size > IMAGE_MAX)
		axctl_die(AXCTL_EIMAGE, "image does not fit in guest memory (%s: %lld bytes)",
			  path, (long long)st.st_size);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		axctl_die(AXCTL_EFAIL, "out of memory for image %s", path);
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, (char *)buf + off, st.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			axctl_die(AXCTL_EIMAGE, "cannot read image %s: %s", path, strerror(errno));
		if (r == 0)
			break;
		off += r;
	}
	close(fd);
	*len = off;
	return buf;
}

static int open_dev(void)
{
	int fd = open(AXVM_DEV_PATH, O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			axctl_die(AXCTL_ENOMODULE, "axvm module not loaded (no %s)", AXVM_DEV_PATH);
		if (errno == EACCES || errno == EPERM)
			axctl_die(AXCTL_EPERM, "permission denied on %s", AXVM_DEV_PATH);
		axctl_die(AXCTL_EFAIL, "cannot open %s: %s", AXVM_DEV_PATH, strerror(errno));
	}
	version = ioctl(fd, AXVM_GET_API_VERSION, 0);
	if (version != AXVM_API_VERSION)
		axctl_die(AXCTL_EFAIL, "%s speaks API version %d, axctl %d", AXVM_DEV_PATH,
			  version, AXVM_API_VERSION);
	return fd;
}

static int attach(int dev_fd, const char *name)
{
	struct axvm_attach_vm a;
	int fd;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	fd = ioctl(dev_fd, AXVM_ATTACH_VM, &a);
	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ESRCH:
		axctl_die(AXCTL_ENOVM, "no VM named %s", name);
	case EPERM:
	case EACCES:
		axctl_die(AXCTL_EPERM, "permission denied attaching to VM %s", name);
	case EBUSY:
		axctl_die(AXCTL_EBUSY, "VM %s is busy (another VMM is attached, or another hypervisor holds VT-x)",
			  name);
	case ENOTTY:
		axctl_die(AXCTL_EFAIL, "this axvm module cannot attach to named VMs (no AXVM_ATTACH_VM)");
	}
	axctl_die(AXCTL_EFAIL, "attaching to VM %s: %s", name, strerror(errno));
}

/* Pinned guest memory is charged to RLIMIT_MEMLOCK: raise it if we may. */
static void raise_memlock(uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need + (16ULL << 20))
		return;
	rl.rlim_cur = RLIM_INFINITY;
	rl.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		return;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
}

static void *alloc_ram(uint64_t size)
{
	uint64_t total = size + SZ_2M;
	uintptr_t raw, aligned;
	void *p;

	p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	raw = (uintptr_t)p;
	aligned = (raw + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1);
	if (aligned > raw)
		munmap(p, aligned - raw);
	if (raw + total > aligned + size)
		munmap((void *)(aligned + size), raw + total - (aligned + size));
	madvise((void *)aligned, size, MADV_HUGEPAGE);	/* best effort */
	return (void *)aligned;
}

static int set_region(int vm_fd, uint64_t size, void *hva)
{
	struct axvm_memory_region r = {
		.slot = 0,
		.gpa = 0,
		.size = size,
		.hva = (uintptr_t)hva,
	};

	return ioctl(vm_fd, AXVM_SET_MEMORY_REGION, &r);
}

static void add_ram(struct vmm *v)
{
	char sz[32];
	int err;

	format_size(v->ram_size, sz, sizeof(sz));
	if (set_region(v->vm_fd, v->ram_size, v->ram) == 0)
		return;
	err = errno;
	/*
	 * A VM that ran before still has the last VMM's RAM pinned in slot 0.
	 * Replacing it pins both for a moment (ENOMEM under RLIMIT_MEMLOCK):
	 * delete the old one first and try again.
	 */
	if (err == ENOMEM || err == EEXIST || err == EBUSY) {
		struct axvm_memory_region del = { .slot = 0 };

		if (ioctl(v->vm_fd, AXVM_SET_MEMORY_REGION, &del) == 0 &&
		    set_region(v->vm_fd, v->ram_size, v->ram) == 0)
			return;
		errno = err;
	}
	if (err == E2BIG)
		axctl_die(AXCTL_EFAIL, "guest memory of %s is more than the module allows (max_vm_mem)", sz);
	if (err == ENOMEM)
		axctl_die(AXCTL_EFAIL, "cannot pin %s of guest memory (RLIMIT_MEMLOCK?)", sz);
	axctl_die(AXCTL_EFAIL, "AXVM_SET_MEMORY_REGION of %s: %s", sz, strerror(err));
}

static void add_vcpu(struct vmm *v, struct vcpu *c, unsigned int id, size_t run_size)
{
	void *run;

	c->vmm = v;
	c->id = id;
	c->fd = ioctl(v->vm_fd, AXVM_CREATE_VCPU, (unsigned long)id);
	if (c->fd < 0) {
		if (errno == EEXIST)
			axctl_die(AXCTL_EBUSY, "vCPU %u of VM %s already exists (another VMM is attached)",
				  id, v->name);
		if (errno == EBUSY)
			axctl_die(AXCTL_EBUSY, "another hypervisor holds VT-x (EBUSY)");
		axctl_die(AXCTL_EFAIL, "AXVM_CREATE_VCPU %u: %s", id, strerror(errno));
	}
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (run == MAP_FAILED)
		axctl_die(AXCTL_EFAIL, "mapping the run page of vCPU %u: %s", id, strerror(errno));
	c->run = run;
	c->run_size = run_size;
}

static void setup_boot_vcpu(struct vcpu *c, const struct boot_state *bs)
{
	struct axvm_sregs sr;

	if (ioctl(c->fd, AXVM_GET_SREGS, &sr) < 0)
		axctl_die(AXCTL_EFAIL, "AXVM_GET_SREGS: %s", strerror(errno));
	/* Keep what the boot state does not define. */
	{
		uint64_t apic_base = sr.apic_base, cr8 = sr.cr8;

		sr = bs->sregs;
		sr.apic_base = apic_base;
		sr.cr8 = cr8;
	}
	if (ioctl(c->fd, AXVM_SET_SREGS, &sr) < 0)
		axctl_die(AXCTL_EFAIL, "AXVM_SET_SREGS: %s", strerror(errno));
	if (ioctl(c->fd, AXVM_SET_REGS, &bs->regs) < 0)
		axctl_die(AXCTL_EFAIL, "AXVM_SET_REGS: %s", strerror(errno));
}

static void print_unhandled(struct vmm *v)
{
	unsigned int i;

	if (axctl_verbose < 1)
		return;
	newline_after_guest(v);
	fprintf(stderr, "%s: %llu unhandled port write%s, %llu unhandled port read%s",
		axctl_prog, (unsigned long long)v->io.unhandled_writes,
		v->io.unhandled_writes == 1 ? "" : "s",
		(unsigned long long)v->io.unhandled_reads,
		v->io.unhandled_reads == 1 ? "" : "s");
	for (i = 0; i < v->io.nr_ports; i++)
		fprintf(stderr, "%s port 0x%x: %llu out, %llu in", i ? "," : ":",
			v->io.ports[i].port, (unsigned long long)v->io.ports[i].writes,
			(unsigned long long)v->io.ports[i].reads);
	fputc('\n', stderr);
	if (v->mmio_reads || v->mmio_writes || v->msr_faults || v->hypercalls)
		fprintf(stderr, "%s: %llu MMIO reads, %llu MMIO writes, %llu MSR #GPs, %llu hypercalls\n",
			axctl_prog, (unsigned long long)v->mmio_reads,
			(unsigned long long)v->mmio_writes,
			(unsigned long long)v->msr_faults, (unsigned long long)v->hypercalls);
	for (i = 0; i < v->nr_vcpus; i++)
		if (v->vcpus[i].runnable)
			fprintf(stderr, "%s: vCPU %u: %llu exits served by axctl, %llu bytes on COM1\n",
				axctl_prog, i, (unsigned long long)v->vcpus[i].exits,
				(unsigned long long)v->io.com1.tx_bytes);
}

/* --- axctl start ------------------------------------------------------------- */

int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "append", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ring", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum image_format fmt = IMAGE_AUTO;
	const char *kernel = NULL, *cmdline = NULL;
	bool use_ring = true;
	struct axvm_caps caps;
	struct boot_state bs;
	struct vm_info info;
	struct vmm vmm;
	struct axnl nl;
	sigset_t set;
	char err[256], sz[32];
	size_t img_len;
	void *img;
	unsigned int i;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:a:f:vqr:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'a':
			cmdline = optarg;
			break;
		case 'f':
			if (!image_format_parse(optarg, &fmt))
				axctl_usage_error("start", "start: bad format '%s' (auto, flat or elf)", optarg);
			break;
		case 'v':
			axctl_verbose = axctl_verbose < 0 ? 1 : axctl_verbose + 1;
			break;
		case 'q':
			axctl_verbose = -1;
			break;
		case 'r':
			if (strcmp(optarg, "sync") && strcmp(optarg, "off"))
				axctl_usage_error("start", "start: bad --ring '%s' (sync or off)", optarg);
			use_ring = !strcmp(optarg, "sync");
			break;
		case 'h':
			usage_cmd(stdout, "start");
			exit(AXCTL_OK);
		default:
			bad_option("start", c, argv);
		}
	}
	memset(&vmm, 0, sizeof(vmm));
	if (optind >= argc)
		axctl_usage_error("start", "start: missing VM name");
	if (optind + 1 < argc)
		axctl_usage_error("start", "start: unexpected argument '%s'", argv[optind + 1]);
	vmm.name = argv[optind];
	if (!vm_name_valid(vmm.name))
		axctl_usage_error("start", "start: invalid VM name '%s'", vmm.name);
	if (!kernel)
		axctl_usage_error("start", "start: --kernel IMAGE is required");

	/* The image first: its errors need no module. */
	img = read_image(kernel, &img_len);
	r = image_probe(img, img_len, fmt, err, sizeof(err));
	if (r < 0)
		axctl_die(AXCTL_EIMAGE, "%s: %s", kernel, err);
	fmt = r;
	if (cmdline && strlen(cmdline) > (fmt == IMAGE_FLAT ? FLAT_CMDLINE_MAX : ELF_CMDLINE_MAX))
		axctl_usage_error("start", "start: --append: command line too long (at most %d bytes for a%s image)",
				  fmt == IMAGE_FLAT ? FLAT_CMDLINE_MAX : ELF_CMDLINE_MAX,
				  fmt == IMAGE_FLAT ? " flat" : "n ELF");

	vmm.dev_fd = open_dev();
	memset(&caps, 0, sizeof(caps));
	if (ioctl(vmm.dev_fd, AXVM_GET_CAPS, &caps) < 0)
		axctl_die(AXCTL_EFAIL, "AXVM_GET_CAPS: %s", strerror(errno));
	if (caps.run_size < sizeof(struct axvm_run))
		axctl_die(AXCTL_EFAIL, "run page of %u bytes is too small", caps.run_size);

	axnl_open_or_die(&nl);
	r = axnl_vm_get(&nl, vmm.name, &info);
	if (r)
		axnl_die(&nl, r, "start", vmm.name);
	axnl_close(&nl);
	/* 0 (or absent): not given at VM_NEW; the VMM's defaults then. */
	if (!info.has_mem || !info.mem_bytes)
		info.mem_bytes = VMM_DEFAULT_MEM;
	if (!info.has_vcpus || !info.vcpus)
		info.vcpus = 1;
	if (info.has_state && info.state == AXVM_VM_RUNNING)
		axctl_die(AXCTL_EBUSY, "VM %s is already running (pid %u)", vmm.name, info.owner_pid);
	if (info.vcpus > AXVM_MAX_VCPUS || (caps.max_vcpus && info.vcpus > caps.max_vcpus))
		axctl_die(AXCTL_EFAIL, "VM %s has %u vCPUs, more than axvm supports", vmm.name,
			  info.vcpus);
	vmm.ram_size = info.mem_bytes;
	vmm.nr_vcpus = info.vcpus;
	format_size(vmm.ram_size, sz, sizeof(sz));
	if (vmm.ram_size % 4096)
		axctl_die(AXCTL_EFAIL, "VM %s has %llu bytes of memory: not page aligned", vmm.name,
			  (unsigned long long)vmm.ram_size);
	if (caps.max_mem_bytes && vmm.ram_size > caps.max_mem_bytes)
		axctl_die(AXCTL_EFAIL, "guest memory of %s is more than the module allows (max_vm_mem = %llu)",
			  sz, (unsigned long long)caps.max_mem_bytes);

	vmm.vm_fd = attach(vmm.dev_fd, vmm.name);
	raise_memlock(vmm.ram_size);
	vmm.ram = alloc_ram(vmm.ram_size);
	if (!vmm.ram)
		axctl_die(AXCTL_EFAIL, "cannot allocate %s of guest memory: %s", sz, strerror(errno));
	r = image_load(img, img_len, fmt, vmm.ram, vmm.ram_size, cmdline, &bs, err, sizeof(err));
	if (r == IMAGE_ECMDLINE)
		axctl_usage_error("start", "start: %s", err);
	if (r)
		axctl_die(AXCTL_EIMAGE, "%s: %s", kernel, err);
	free(img);
	add_ram(&vmm);
	if (axctl_verbose > 0)
		fprintf(stderr, "%s: VM %s: %s, %u vCPU%s; %s image %s at 0x%llx-0x%llx, entry 0x%llx%s\n",
			axctl_prog, vmm.name, sz, vmm.nr_vcpus, vmm.nr_vcpus == 1 ? "" : "s",
			image_format_name(bs.format), kernel, (unsigned long long)bs.load_lo,
			(unsigned long long)bs.load_hi, (unsigned long long)bs.entry,
			bs.format == IMAGE_FLAT ? " (real mode)" : " (long mode)");

	vmm.vcpus = calloc(vmm.nr_vcpus, sizeof(*vmm.vcpus));
	if (!vmm.vcpus)
		axctl_die(AXCTL_EFAIL, "out of memory");
	for (i = 0; i < vmm.nr_vcpus; i++)
		add_vcpu(&vmm, &vmm.vcpus[i], i, caps.run_size);
	if (use_ring && (caps.flags & AXVM_CAP_EXIT_RING)) {
		/* UART writes need no answer: post them, the guest goes on. */
		struct axvm_posted_range com1 = { .bus = AXVM_POSTED_PIO,
						  .base = COM1_BASE, .len = COM1_SIZE };

		if (ioctl(vmm.vm_fd, AXVM_SET_POSTED, &com1) < 0 && errno != EEXIST)
			axctl_die(AXCTL_EFAIL, "AXVM_SET_POSTED for COM1: %s", strerror(errno));
		for (i = 0; i < vmm.nr_vcpus; i++)
			setup_ring(&vmm.vcpus[i]);
	}
	vmm.vcpus[0].runnable = true;
	setup_boot_vcpu(&vmm.vcpus[0], &bs);

	io_bus_init(&vmm.io, STDOUT_FILENO);
	pthread_mutex_init(&vmm.lock, NULL);
	pthread_cond_init(&vmm.cond, NULL);
	vmm.main_thread = pthread_self();
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigusr1;	/* no SA_RESTART: AXVM_RUN returns EINTR */
		sigaction(SIGUSR1, &sa, NULL);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < vmm.nr_vcpus; i++) {
		r = pthread_create(&vmm.vcpus[i].thread, NULL, vcpu_thread, &vmm.vcpus[i]);
		if (r)
			axctl_die(AXCTL_EFAIL, "cannot start the thread of vCPU %u: %s", i, strerror(r));
		pthread_mutex_lock(&vmm.lock);
		vmm.vcpus[i].thread_started = true;
		pthread_mutex_unlock(&vmm.lock);
	}

	sigdelset(&set, SIGUSR1);
	for (;;) {
		int sig = sigwaitinfo(&set, NULL);

		if (sig == SIGINT || sig == SIGTERM) {
			atomic_store(&vmm.stop, 1);
			finish(&vmm, AXCTL_EINTR, "interrupted (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		if (sig == SIGUSR2) {
			bool done;

			pthread_mutex_lock(&vmm.lock);
			done = vmm.done;
			pthread_mutex_unlock(&vmm.lock);
			if (done)
				break;
		}
	}
	for (i = 0; i < vmm.nr_vcpus; i++)
		pthread_join(vmm.vcpus[i].thread, NULL);
	print_unhandled(&vmm);

	for (i = 0; i < vmm.nr_vcpus; i++) {
		munmap(vmm.vcpus[i].run, vmm.vcpus[i].run_size);
		close(vmm.vcpus[i].fd);
	}
	close(vmm.vm_fd);
	close(vmm.dev_fd);
	munmap(vmm.ram, vmm.ram_size);
	free(vmm.vcpus);
	/* Signals stay blocked: a SIGUSR2 may still be pending. */
	return vmm.status;
}
