// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: the vCPUs (see vmm.h for threads, signals and locks).
 * Creation with the run page and the exit ring, the boot registers, one
 * thread per vCPU with its run loop, the PIC's vectors for vCPU 0, kicks,
 * and the end of the VM: the first vmm_finish() decides the status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axctl.h"
#include "vmm.h"

/* --- kicks and the end of the VM ------------------------------------------- */

void vcpu_kick(struct vcpu *c)
{
	if (c->run)
		__atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (atomic_load(&c->thread_started) && !pthread_equal(c->thread, pthread_self()))
		pthread_kill(c->thread, SIGUSR1);
}

/*
 * Under state_lock: the first caller decides the status. Wakes the idle
 * and parked threads (end_cond), a vCPU 0 waiting for the PIC (irq_cond:
 * it reads done under dev_lock, so the broadcast under dev_lock is not
 * lost), every vCPU in AXVM_RUN (kick) and the main thread (SIGUSR2).
 */
static void finish_locked(struct vmm *v, int status)
{
	unsigned int i;

	if (atomic_load(&v->done))
		return;
	v->status = status;
	atomic_store(&v->done, true);
	pthread_cond_broadcast(&v->end_cond);
	pthread_mutex_lock(&v->dev_lock);
	pthread_cond_broadcast(&v->irq_cond);
	pthread_mutex_unlock(&v->dev_lock);
	for (i = 0; i < v->nr_vcpus; i++)
		vcpu_kick(&v->vcpus[i]);
	gdb_wake(v);
	pthread_kill(v->main_thread, SIGUSR2);
}

void vmm_finish(struct vmm *v, int status, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&v->state_lock);
	if (!atomic_load(&v->done) && fmt && axctl_verbose >= 0) {
		va_start(ap, fmt);
		vmm_vnote(v, fmt, ap);
		va_end(ap);
	}
	finish_locked(v, status);
	pthread_mutex_unlock(&v->state_lock);
}

void vcpu_stopped_locked(struct vcpu *c, enum vcpu_state st, const char *why)
{
	struct vmm *v = c->vmm;

	v->states[c->id] = st;
	if (!smp_vm_over(v->states, v->nr_vcpus))
		return;
	if (!atomic_load(&v->done))
		vmm_note(v, 0, "%s", why);
	finish_locked(v, AXCTL_OK);
}

/* Under dev_lock, from the board: an interrupt is deliverable. */
void vmm_irq_notify(void *arg)
{
	struct vmm *v = arg;

	pthread_cond_broadcast(&v->irq_cond);	/* a halted vCPU 0 */
	if (!pthread_equal(v->vcpus[0].thread, pthread_self()))
		vcpu_kick(&v->vcpus[0]);		/* vCPU 0 checks before its next run */
}

/* --- the run loop ---------------------------------------------------------- */

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

	pthread_mutex_lock(&v->dev_lock);
	vec = pc_irq_vector(&v->pc);
	pthread_mutex_unlock(&v->dev_lock);
	if (vec < 0)
		return true;
	/*
	 * Can the guest take it? The kernel says so on the run page after
	 * every AXVM_RUN (modules with LAPICs); older ones: ask for RFLAGS.
	 */
	if (v->lapic ? !__atomic_load_n(&c->run->ready_for_interrupt, __ATOMIC_RELAXED) :
	    ioctl(c->fd, AXVM_GET_REGS, &r) == 0 && !(r.rflags & RFLAGS_IF))
		return true;
	pthread_mutex_lock(&v->dev_lock);
	vec = pc_irq_vector(&v->pc);
	if (vec >= 0) {
		ev.vector = vec;
		/* EBUSY: the last one still waits for its window; later. */
		if (ioctl(c->fd, AXVM_INJECT, &ev) == 0)
			pc_irq_ack(&v->pc);
		else if (errno != EBUSY)
			err = errno;
	}
	pthread_mutex_unlock(&v->dev_lock);
	if (err) {
		vmm_finish(v, AXCTL_EINTERNAL, "vCPU %u: AXVM_INJECT of vector 0x%x: %s%s", c->id,
			   vec, strerror(err), vec < 32 ? " (PIC vector base below 32)" : "");
		return false;
	}
	return true;
}

static bool stopping(struct vmm *v)
{
	return atomic_load(&v->done) || atomic_load(&v->stop);
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
void vcpu_setup_ring(struct vcpu *c)
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
		/* --gdb: wait here while the debugger has the VM. */
		if (!gdb_vcpu_gate(c))
			return;
		if (c->id == 0 && !inject_irq(c))
			return;
		if (ioctl(c->fd, AXVM_RUN, 0) < 0) {
			int err = errno;

			if (err == EINTR) {
				/* Posted THR bytes out now, not at the next exit. */
				if (c->ring && !serve_ring(c))
					return;
				continue;	/* stopping() decides */
			}
			if (err == ESHUTDOWN) {
				vmm_finish(v, AXCTL_ESTOPPED, "VM stopped");
				return;
			}
			vmm_finish(v, AXCTL_EFAIL, "AXVM_RUN on vCPU %u: %s", c->id, strerror(err));
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
	pthread_mutex_lock(&v->state_lock);
	runs = v->states[c->id] == VCPU_RUNNING;
	pthread_mutex_unlock(&v->state_lock);
	if (runs) {
		gdb_vcpu_enter(c);
		run_vcpu(c);
		gdb_vcpu_leave(c);
	}
	/* Idle (no LAPIC), parked or done: wait for the end of the VM. */
	pthread_mutex_lock(&v->state_lock);
	while (!atomic_load(&v->done))
		pthread_cond_wait(&v->end_cond, &v->state_lock);
	pthread_mutex_unlock(&v->state_lock);
	return NULL;
}

/*
 * One thread per vCPU. The caller blocks SIGINT, SIGTERM, SIGUSR1 and
 * SIGUSR2 first: the threads inherit that and unblock only SIGUSR1.
 */
void vcpus_start(struct vmm *v)
{
	struct sigaction sa;
	unsigned int i;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;	/* no SA_RESTART: AXVM_RUN returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	for (i = 0; i < v->nr_vcpus; i++) {
		r = pthread_create(&v->vcpus[i].thread, NULL, vcpu_thread, &v->vcpus[i]);
		if (r)
			axctl_die(AXCTL_EFAIL, "cannot start the thread of vCPU %u: %s", i, strerror(r));
		atomic_store(&v->vcpus[i].thread_started, true);
	}
}

void vcpus_join(struct vmm *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_vcpus; i++)
		if (atomic_load(&v->vcpus[i].thread_started))
			pthread_join(v->vcpus[i].thread, NULL);
}

/* --- set-up and teardown --------------------------------------------------- */

/*
 * In-kernel local APICs, before the first vCPU: every vCPU runs then.
 * False when the module has none (only vCPU 0 runs).
 */
bool vmm_lapic_create(struct vmm *v, const struct axvm_caps *caps)
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

/* The board's I/O APIC input (pc.h): one source (0) per ISA line. */
static int ioapic_line(void *arg, unsigned int gsi, bool level, bool pulse)
{
	struct vmm *v = arg;
	struct axvm_irq_line l = {
		.gsi = gsi,
		.level = level,
		.flags = pulse ? AXVM_IRQ_LINE_F_PULSE : 0,
	};

	return ioctl(v->vm_fd, AXVM_IRQ_LINE, &l) ? -errno : 0;
}

/*
 * The in-kernel I/O APIC beside the LAPICs, after pc_init(): ISA IRQs go
 * to the PIC and to it (Documentation/ioapic.rst). Nothing when the
 * module has none: the guest has the PIC only, as before.
 */
void vmm_ioapic_create(struct vmm *v, const struct axvm_caps *caps)
{
	if (!v->lapic || !(caps->flags & AXVM_CAP_IOAPIC))
		return;
	/* EEXIST: a VM whose I/O APIC an earlier VMM made */
	if (ioctl(v->vm_fd, AXVM_CREATE_IOAPIC, 0) && errno != EEXIST)
		axctl_die(AXCTL_EFAIL, "AXVM_CREATE_IOAPIC on VM %s: %s", v->name,
			  strerror(errno));
	pc_set_gsi_line(&v->pc, ioapic_line, v);
}

void vcpu_create(struct vmm *v, struct vcpu *c, unsigned int id, size_t run_size)
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

void vcpu_set_boot_state(struct vcpu *c, const struct boot_state *bs)
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

void vcpu_destroy(struct vcpu *c)
{
	if (c->ring)
		munmap(c->ring, c->ring_size);
	if (c->run)
		munmap(c->run, c->run_size);
	if (c->fd >= 0)
		close(c->fd);
	c->ring = NULL;
	c->slots = NULL;
	c->run = NULL;
	c->fd = -1;
}
