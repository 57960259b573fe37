// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: the VMM. Attaches to a named VM (made by `axctl create`),
 * gives it guest RAM, loads the image, runs one thread per vCPU and serves
 * the exits that reach userspace with the devices of devices.c.
 *
 * vCPUs (smp.h): when the module has in-kernel local APICs
 * (AXVM_CAP_LAPIC), AXVM_CREATE_LAPIC comes before the first vCPU and
 * every vCPU's thread runs AXVM_RUN: vCPU 0 runs the image, the others
 * (APs) sleep in the kernel until the guest sends them INIT and SIPI. A
 * HLT with IF=1 then sleeps in the kernel, so a Halt record means IF=0:
 * on vCPU 0 it ends the VM, on an AP it parks that thread (only INIT,
 * which axctl does not send, could wake it) and the VM goes on; when no
 * vCPU is left running, the VM ends. Without the LAPIC only vCPU 0 runs
 * and the other threads wait idle for the end of the VM.
 *
 * Threads and signals: every thread blocks SIGINT, SIGTERM and SIGUSR2;
 * the main thread waits for them with sigwaitinfo(). SIGINT/SIGTERM set
 * the stop flag and kick every vCPU (run->immediate_exit = 1, then
 * SIGUSR1, whose empty handler makes AXVM_RUN return EINTR, also for an AP
 * asleep in the kernel waiting for SIPI or in HLT); a vCPU thread that
 * ends the VM does the same and wakes the main thread with SIGUSR2.
 * Parked and idle threads wait on v->cond for the end.
 *
 * Interrupts (pc/pc.h): vCPU 0 takes the PIC's output (ExtINT, also with
 * the LAPIC). Before each AXVM_RUN it clears immediate_exit and, if the
 * guest has IF=1, hands a deliverable vector to the kernel with
 * AXVM_INJECT; when the PIT's timer thread or another thread makes one
 * deliverable, it kicks vCPU 0 like a stop does. Without the LAPIC, a HLT
 * with IF=1 waits in axctl for the next PIC interrupt instead of ending
 * the VM.
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
#include "linux_vmm.h"
#include "multiboot.h"
#include "pc/pc.h"
#include "nl.h"
#include "smp.h"

#define SZ_2M		0x200000ULL
#define IMAGE_MAX	(1ULL << 32)	/* larger files are not images */
#define VMM_DEFAULT_MEM	(64ULL << 20)	/* for a VM made without MEM_BYTES */
#define PC_LOW_MEM_MAX	(3ULL << 30)	/* Multiboot: RAM above this goes above 4 GiB */
#define SZ_4G		(1ULL << 32)
#define RFLAGS_IF	(1ULL << 9)
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
	uint64_t ram_low;	/* at GPA 0; the rest (slot 1) at 4 GiB */
	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	pthread_t main_thread;

	pthread_mutex_t lock;	/* io, done, status, the counters */
	pthread_cond_t cond;	/* idle and parked vCPUs wait for done */
	struct io_bus io;
	struct pc pc;
	struct power power;
	bool done;
	int status;
	atomic_int stop;	/* SIGINT/SIGTERM seen */

	bool lapic;		/* in-kernel local APICs: every vCPU runs */
	enum vcpu_state *states;	/* one per vCPU, under lock (smp.h) */

	uint64_t mmio_reads, mmio_writes, msr_faults, hypercalls;
	bool warned_records;
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

/* Under v->lock, from the board: an interrupt is deliverable. */
static void irq_notify(void *arg)
{
	struct vmm *v = arg;

	pthread_cond_broadcast(&v->cond);	/* a halted vCPU 0 */
	if (!pthread_equal(v->vcpus[0].thread, pthread_self()))
		kick(&v->vcpus[0]);		/* vCPU 0 checks before its next run */
}

/*
 * Before AXVM_RUN on vCPU 0: hand the PIC's vector to the kernel. False:
 * done. Only when the guest has IF=1: the PIC acknowledges (IRR -> ISR)
 * as the vector is handed over, so handing it over while the guest keeps
 * interrupts off would show it "in service" long before its handler runs.
 * With IF=0 it stays in the PIC and the board's timer thread kicks vCPU 0
 * again soon (PC_IRQ_RETRY_NS) to try once more.
 */
static bool inject_irq(struct vcpu *c)
{
	struct vmm *v = c->vmm;
	struct axvm_event ev = { .type = AXVM_EVENT_EXTINT };
	struct axvm_regs r;
	int vec, err = 0;

	pthread_mutex_lock(&v->lock);
	vec = pc_irq_vector(&v->pc);
	pthread_mutex_unlock(&v->lock);
	if (vec < 0)
		return true;
	/*
	 * Can the guest take it? The kernel says so on the run page after
	 * every AXVM_RUN (modules with LAPICs); older ones: ask for RFLAGS.
	 */
	if (v->lapic ? !__atomic_load_n(&c->run->ready_for_interrupt, __ATOMIC_RELAXED) :
	    ioctl(c->fd, AXVM_GET_REGS, &r) == 0 && !(r.rflags & RFLAGS_IF))
		return true;
	pthread_mutex_lock(&v->lock);
	vec = pc_irq_vector(&v->pc);
	if (vec >= 0) {
		ev.vector = vec;
		/* EBUSY: the last one still waits for its window; later. */
		if (ioctl(c->fd, AXVM_INJECT, &ev) == 0)
			pc_irq_ack(&v->pc);
		else if (errno != EBUSY)
			err = errno;
	}
	pthread_mutex_unlock(&v->lock);
	if (err) {
		finish(v, AXCTL_EINTERNAL, "vCPU %u: AXVM_INJECT of vector 0x%x: %s%s", c->id, vec,
		       strerror(err), vec < 32 ? " (PIC vector base below 32)" : "");
		return false;
	}
	return true;
}

/*
 * Under v->lock: vCPU c is parked or halted (smp.h); end the VM with
 * status 0 and the message why if that leaves nothing running.
 */
static void vcpu_stopped_locked(struct vcpu *c, enum vcpu_state st, const char *why)
{
	struct vmm *v = c->vmm;

	v->states[c->id] = st;
	if (!smp_vm_over(v->states, v->nr_vcpus))
		return;
	if (!v->done && axctl_verbose >= 0) {
		newline_after_guest(v);
		fprintf(stderr, "%s: %s\n", axctl_prog, why);
	}
	finish_locked(v, AXCTL_OK);
}

/* Wait in axctl (no LAPIC) for the PIC. False when the VM ended. */
static bool wait_for_pic(struct vcpu *c)
{
	struct vmm *v = c->vmm;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		if (v->done || atomic_load(&v->stop))
			break;
		pc_timer_poll(&v->pc);
		if (pc_irq_vector(&v->pc) >= 0)
			break;
		if (!pc_irq_possible(&v->pc)) {
			pthread_mutex_unlock(&v->lock);
			finish(v, AXCTL_OK, "guest halted (interrupts on, but none can come)");
			return false;
		}
		pthread_cond_wait(&v->cond, &v->lock);
	}
	pthread_mutex_unlock(&v->lock);
	return true;
}

/*
 * HLT (smp_halt_action): with IF=0 nothing axctl does can wake the vCPU:
 * vCPU 0 ends the VM as before, an AP parks. With IF=1 and no LAPIC, wait
 * for the PIC, unless no interrupt can ever come. False when this vCPU's
 * thread is done.
 */
static bool halt(struct vcpu *c)
{
	struct vmm *v = c->vmm;
	struct axvm_regs r;
	bool if_set;

	if_set = ioctl(c->fd, AXVM_GET_REGS, &r) == 0 && (r.rflags & RFLAGS_IF);
	switch (smp_halt_action(v->lapic, c->id, if_set)) {
	case HALT_RESUME:
		return true;
	case HALT_WAIT_PIC:
		return wait_for_pic(c);
	case HALT_PARK:
		pthread_mutex_lock(&v->lock);
		vmm_note(v, 1, "vCPU %u halted with interrupts off: parked", c->id);
		vcpu_stopped_locked(c, VCPU_PARKED,
				    "guest halted (every vCPU halted with interrupts off)");
		pthread_mutex_unlock(&v->lock);
		return false;
	case HALT_END:
		break;
	}
	pthread_mutex_lock(&v->lock);
	vcpu_stopped_locked(c, VCPU_HALTED, "guest halted");
	pthread_mutex_unlock(&v->lock);
	return false;
}

/*
 * Serve one exit record, from the run page or a ring slot; an answer goes
 * into the record's data field and *resp. False when this vCPU is done.
 */
static bool handle_exit(struct vcpu *c, struct axvm_exit *e, uint32_t *resp)
{
	struct vmm *v = c->vmm;
	int r;

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
		if (e->u.io_write.port == POST_PORT)
			linux_vmm_post(e->u.io_write.data);
		r = io_write(&v->io, e->u.io_write.port, e->u.io_write.width,
			     e->u.io_write.data);
		pthread_mutex_unlock(&v->lock);
		if (r == IO_POWEROFF) {
			finish(v, AXCTL_OK, "guest powered off (ACPI S5)");
			return false;
		}
		if (r == IO_RESET) {
			finish(v, AXCTL_ERESET, "guest reset the machine (port 0x%x)",
			       e->u.io_write.port);
			return false;
		}
		if (r == IO_EXIT) {
			uint64_t val = e->u.io_write.data & width_ones(e->u.io_write.width);

			finish(v, debug_exit_status(val),
			       "guest wrote 0x%llx to the debug-exit port: exit status %d",
			       (unsigned long long)val, debug_exit_status(val));
			return false;
		}
		return true;
	case AXVM_EXIT_HALT:
		return halt(c);
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
		/*
		 * Only for AXVM_LAPIC_F_CPU_UP_EXIT/F_IPI_EXIT, which axctl does
		 * not set: the kernel started the AP / delivers IPIs itself.
		 */
		pthread_mutex_lock(&v->lock);
		if (!v->warned_records)
			vmm_note(v, 0, "vCPU %u: unexpected %s record (axctl does not ask for them): ignored",
				 c->id, exit_kind_name(e->kind));
		v->warned_records = true;
		pthread_mutex_unlock(&v->lock);
		return true;
	case AXVM_EXIT_CPU_DOWN:
		/* vCPU 0 going down ends the VM; an AP parks like a HLT. */
		pthread_mutex_lock(&v->lock);
		if (c->id == 0) {
			vcpu_stopped_locked(c, VCPU_HALTED, "guest stopped vCPU 0");
		} else {
			vmm_note(v, 1, "guest stopped vCPU %u: parked", c->id);
			vcpu_stopped_locked(c, VCPU_PARKED, "guest stopped every vCPU");
		}
		pthread_mutex_unlock(&v->lock);
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
		/* Clear a kick first: one that comes after this is not lost. */
		__atomic_store_n(&c->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
		if (stopping(v))
			return;
		if (c->id == 0 && !inject_irq(c))
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
	bool runs;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	pthread_mutex_lock(&v->lock);
	runs = v->states[c->id] == VCPU_RUNNING;
	pthread_mutex_unlock(&v->lock);
	if (runs)
		run_vcpu(c);
	/* Idle (no LAPIC), parked or done: wait for the end of the VM. */
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

static int set_region_at(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct axvm_memory_region r = {
		.slot = slot,
		.gpa = gpa,
		.size = size,
		.hva = (uintptr_t)hva,
	};

	return ioctl(vm_fd, AXVM_SET_MEMORY_REGION, &r);
}

static int set_region(int vm_fd, uint64_t size, void *hva)
{
	return set_region_at(vm_fd, 0, 0, size, hva);
}

/* The part of RAM above v->ram_low, at 4 GiB (slot 1). */
static void add_high_ram(struct vmm *v)
{
	struct axvm_memory_region del = { .slot = 1 };
	uint64_t high = v->ram_size - v->ram_low;
	void *hva = (char *)v->ram + v->ram_low;

	if (!high)
		return;
	if (set_region_at(v->vm_fd, 1, SZ_4G, high, hva) == 0)
		return;
	/* A slot 1 left by the last VMM: drop it and try again. */
	if (ioctl(v->vm_fd, AXVM_SET_MEMORY_REGION, &del) == 0 &&
	    set_region_at(v->vm_fd, 1, SZ_4G, high, hva) == 0)
		return;
	axctl_die(AXCTL_EFAIL, "AXVM_SET_MEMORY_REGION of %llu bytes at 4 GiB: %s",
		  (unsigned long long)high, strerror(errno));
}

static void add_ram(struct vmm *v)
{
	char sz[32];
	int err;

	format_size(v->ram_size, sz, sizeof(sz));
	if (set_region(v->vm_fd, v->ram_low, v->ram) == 0) {
		add_high_ram(v);
		return;
	}
	err = errno;
	/*
	 * A VM that ran before still has the last VMM's RAM pinned in slot 0.
	 * Replacing it pins both for a moment (ENOMEM under RLIMIT_MEMLOCK):
	 * delete the old one first and try again.
	 */
	if (err == ENOMEM || err == EEXIST || err == EBUSY) {
		struct axvm_memory_region del = { .slot = 0 };

		if (ioctl(v->vm_fd, AXVM_SET_MEMORY_REGION, &del) == 0 &&
		    set_region(v->vm_fd, v->ram_low, v->ram) == 0) {
			add_high_ram(v);
			return;
		}
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
	if (v->pc.pit_irqs || v->pc.pic.delivered[0])
		fprintf(stderr, "%s: PIT: %llu IRQ0 edges; PIC: %llu IRQ0 interrupts delivered\n",
			axctl_prog, (unsigned long long)v->pc.pit_irqs,
			(unsigned long long)v->pc.pic.delivered[0]);
	for (i = 0; i < v->nr_vcpus; i++) {
		if (v->states[i] == VCPU_IDLE)
			continue;
		if (i == 0)
			fprintf(stderr, "%s: vCPU 0: %llu exits served by axctl, %llu bytes on COM1\n",
				axctl_prog, (unsigned long long)v->vcpus[0].exits,
				(unsigned long long)v->io.com1.tx_bytes);
		else
			fprintf(stderr, "%s: vCPU %u: %llu exits served by axctl, %s\n", axctl_prog,
				i, (unsigned long long)v->vcpus[i].exits,
				vcpu_state_name(v->states[i]));
	}
}

/*
 * In-kernel local APICs, before the first vCPU: every vCPU runs then.
 * False when the module has none (only vCPU 0 runs).
 */
static bool create_lapic(struct vmm *v, const struct axvm_caps *caps)
{
	struct axvm_lapic_config cfg = { .flags = 0 };

	if (!(caps->flags & AXVM_CAP_LAPIC)) {
		if (v->nr_vcpus > 1 && axctl_verbose > 0)
			fprintf(stderr, "%s: the axvm module has no in-kernel local APIC: only vCPU 0 runs, the other %u vCPU%s stay%s idle\n",
				axctl_prog, v->nr_vcpus - 1, v->nr_vcpus > 2 ? "s" : "",
				v->nr_vcpus > 2 ? "" : "s");
		return false;
	}
	if (ioctl(v->vm_fd, AXVM_CREATE_LAPIC, &cfg) == 0 || errno == EEXIST)
		return true;	/* EEXIST: a VM whose LAPICs an earlier VMM made */
	if (errno == EBUSY)
		axctl_die(AXCTL_EBUSY, "VM %s already has vCPUs without local APICs (another VMM is attached?)",
			  v->name);
	axctl_die(AXCTL_EFAIL, "AXVM_CREATE_LAPIC on VM %s: %s", v->name, strerror(errno));
}

/* --module "FILE [ARGS]": the kernel sees the whole string, axctl reads FILE. */
static void read_modules(struct mb_module *mods, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t flen = strcspn(mods[i].string, " ");
		char *path = strndup(mods[i].string, flen);

		if (!path)
			axctl_die(AXCTL_EFAIL, "out of memory");
		mods[i].data = read_image(path, &mods[i].len);
		free(path);
	}
}

/* --- axctl start ------------------------------------------------------------- */

int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "append", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "module", required_argument, NULL, 'M' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ring", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum image_format fmt = IMAGE_AUTO;
	const char *kernel = NULL, *cmdline = NULL, *initrd = NULL;
	static struct mb_module mods[MB_MAX_MODULES];
	unsigned int nr_mods = 0;
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
	while ((c = getopt_long(argc, argv, ":k:a:f:M:i:vqr:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'a':
			cmdline = optarg;
			break;
		case 'f':
			if (!image_format_parse(optarg, &fmt))
				axctl_usage_error("start", "start: bad format '%s' (auto, flat, elf, multiboot or linux)", optarg);
			break;
		case 'i':
			initrd = optarg;
			break;
		case 'M':
			if (nr_mods == MB_MAX_MODULES)
				axctl_usage_error("start", "start: too many --module (at most %d)",
						  MB_MAX_MODULES);
			mods[nr_mods++].string = optarg;
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
	if (nr_mods && fmt != IMAGE_MULTIBOOT)
		axctl_usage_error("start", "start: --module needs a Multiboot image (%s is %s)",
				  kernel, image_format_name(fmt));
	if (initrd && fmt != IMAGE_LINUX)
		axctl_usage_error("start", "start: --initrd needs a Linux bzImage (%s is %s)",
				  kernel, image_format_name(fmt));
	if (fmt == IMAGE_LINUX) {
		if (!linux_cmdline_ok(img, img_len, cmdline, err, sizeof(err)))
			axctl_usage_error("start", "start: --append: %s", err);
	} else if (fmt == IMAGE_MULTIBOOT) {
		if (strlen(kernel) + 1 + (cmdline ? strlen(cmdline) : 0) > MB_CMDLINE_MAX)
			axctl_usage_error("start", "start: --append: command line too long (at most %d bytes with the image name)",
					  MB_CMDLINE_MAX);
		read_modules(mods, nr_mods);
	} else if (cmdline && strlen(cmdline) > (fmt == IMAGE_FLAT ? FLAT_CMDLINE_MAX : ELF_CMDLINE_MAX))
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
		axctl_die(AXCTL_EFAIL, "VM %s has %u vCPUs, more than axvm supports (max_vcpus %u)",
			  vmm.name, info.vcpus, caps.max_vcpus ? caps.max_vcpus : AXVM_MAX_VCPUS);
	vmm.ram_size = info.mem_bytes;
	vmm.ram_low = vmm.ram_size;
	if ((fmt == IMAGE_MULTIBOOT || fmt == IMAGE_LINUX) && vmm.ram_low > PC_LOW_MEM_MAX)
		vmm.ram_low = PC_LOW_MEM_MAX;	/* the rest above 4 GiB, past the PCI hole */
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
	if (fmt == IMAGE_LINUX)
		r = linux_vmm_load(img, img_len, initrd, cmdline, vmm.ram, vmm.ram_low,
				   vmm.ram_size - vmm.ram_low, vmm.nr_vcpus,
				   linux_vmm_ioapic(&caps), &bs, err, sizeof(err));
	else if (fmt == IMAGE_MULTIBOOT)
		r = mb_load(img, img_len, kernel, cmdline, mods, nr_mods, vmm.ram, vmm.ram_low,
			    vmm.ram_size - vmm.ram_low, &bs, err, sizeof(err));
	else
		r = image_load(img, img_len, fmt, vmm.ram, vmm.ram_size, cmdline, &bs, err,
			       sizeof(err));
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
			bs.format == IMAGE_FLAT ? " (real mode)" :
			bs.format == IMAGE_MULTIBOOT ? " (protected mode)" : " (long mode)");

	vmm.vcpus = calloc(vmm.nr_vcpus, sizeof(*vmm.vcpus));
	vmm.states = calloc(vmm.nr_vcpus, sizeof(*vmm.states));
	if (!vmm.vcpus || !vmm.states)
		axctl_die(AXCTL_EFAIL, "out of memory");
	vmm.lapic = create_lapic(&vmm, &caps);
	for (i = 0; i < vmm.nr_vcpus; i++) {
		add_vcpu(&vmm, &vmm.vcpus[i], i, caps.run_size);
		vmm.states[i] = smp_initial_state(vmm.lapic, i);
	}
	if (use_ring && (caps.flags & AXVM_CAP_EXIT_RING)) {
		/*
		 * UART writes need no answer: post them, the guest goes on. Not
		 * with several vCPUs running: each vCPU's posted bytes wait in
		 * its own ring until its next exit to axctl, so the output of
		 * different vCPUs would come out of order.
		 */
		struct axvm_posted_range com1 = { .bus = AXVM_POSTED_PIO,
						  .base = COM1_BASE, .len = COM1_SIZE };

		if (!vmm.lapic || vmm.nr_vcpus == 1) {
			if (ioctl(vmm.vm_fd, AXVM_SET_POSTED, &com1) < 0 && errno != EEXIST)
				axctl_die(AXCTL_EFAIL, "AXVM_SET_POSTED for COM1: %s",
					  strerror(errno));
		} else {
			/* ENOENT: not posted (an earlier VMM may have posted it). */
			com1.flags = AXVM_POSTED_F_REMOVE;
			if (ioctl(vmm.vm_fd, AXVM_SET_POSTED, &com1) < 0 && errno != ENOENT)
				axctl_die(AXCTL_EFAIL, "AXVM_SET_POSTED (remove) for COM1: %s",
					  strerror(errno));
		}
		for (i = 0; i < vmm.nr_vcpus; i++)
			setup_ring(&vmm.vcpus[i]);
	}
	setup_boot_vcpu(&vmm.vcpus[0], &bs);

	io_bus_init(&vmm.io, STDOUT_FILENO);
	pthread_mutex_init(&vmm.lock, NULL);
	if (pc_init(&vmm.pc, &vmm.io, vmm.ram_low, vmm.ram_size - vmm.ram_low, vmm.nr_vcpus,
		    &vmm.lock, irq_notify, &vmm))
		axctl_die(AXCTL_EFAIL, "cannot set up the PC devices");
	if (power_init(&vmm.power, &vmm.io, pc_monotonic_ns))
		axctl_die(AXCTL_EFAIL, "cannot set up the ACPI power ports");
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
	linux_vmm_note_entry(&bs);
	for (i = 0; i < vmm.nr_vcpus; i++) {
		r = pthread_create(&vmm.vcpus[i].thread, NULL, vcpu_thread, &vmm.vcpus[i]);
		if (r)
			axctl_die(AXCTL_EFAIL, "cannot start the thread of vCPU %u: %s", i, strerror(r));
		pthread_mutex_lock(&vmm.lock);
		vmm.vcpus[i].thread_started = true;
		pthread_mutex_unlock(&vmm.lock);
	}

	r = pc_start(&vmm.pc);
	if (r)
		axctl_die(AXCTL_EFAIL, "cannot start the PIT timer thread: %s", strerror(-r));
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
	pc_stop(&vmm.pc);
	print_unhandled(&vmm);
	linux_vmm_report();
	pc_free(&vmm.pc);

	for (i = 0; i < vmm.nr_vcpus; i++) {
		munmap(vmm.vcpus[i].run, vmm.vcpus[i].run_size);
		close(vmm.vcpus[i].fd);
	}
	close(vmm.vm_fd);
	close(vmm.dev_fd);
	munmap(vmm.ram, vmm.ram_size);
	free(vmm.vcpus);
	free(vmm.states);
	/* Signals stay blocked: a SIGUSR2 may still be pending. */
	return vmm.status;
}
