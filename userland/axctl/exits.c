// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: exit dispatch. handle_exit() serves one exit record, from
 * the run page or a ring slot, with one handler per exit kind; an answer
 * goes into the record's data field and *resp (AXVM_RESP_*). Port and
 * MMIO accesses go to the bus (bus.h) under dev_lock; HLT follows the
 * rules of smp.h. A handler returns false when this vCPU's thread is done.
 */
#include <stdio.h>
#include <sys/ioctl.h>

#include "axctl.h"
#include "msr.h"
#include "vmm.h"

/* --- HLT ------------------------------------------------------------------- */

/* Wait in axctl (no LAPIC) for the PIC. False when the VM ended. */
static bool wait_for_pic(struct vcpu *c)
{
	struct vmm *v = c->vmm;

	pthread_mutex_lock(&v->dev_lock);
	for (;;) {
		if (atomic_load(&v->done) || atomic_load(&v->stop))
			break;
		pc_timer_poll(&v->pc);
		if (pc_irq_vector(&v->pc) >= 0)
			break;
		if (gdb_stop_requested(v)) {
			/* The debugger stops the VM: wait at the gate, not here. */
			pthread_mutex_unlock(&v->dev_lock);
			if (!gdb_vcpu_gate(c))
				return false;
			pthread_mutex_lock(&v->dev_lock);
			continue;
		}
		if (!pc_irq_possible(&v->pc)) {
			pthread_mutex_unlock(&v->dev_lock);
			vmm_finish(v, AXCTL_OK, "guest halted (interrupts on, but none can come)");
			return false;
		}
		pthread_cond_wait(&v->irq_cond, &v->dev_lock);
	}
	pthread_mutex_unlock(&v->dev_lock);
	return true;
}

/*
 * HLT (smp_halt_action): with IF=0 nothing axctl does can wake the vCPU:
 * vCPU 0 ends the VM as before, an AP parks. With IF=1 and no LAPIC, wait
 * for the PIC, unless no interrupt can ever come. False when this vCPU's
 * thread is done.
 */
static bool exit_halt(struct vcpu *c)
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
		pthread_mutex_lock(&v->state_lock);
		vmm_note(v, 1, "vCPU %u halted with interrupts off: parked", c->id);
		vcpu_stopped_locked(c, VCPU_PARKED,
				    "guest halted (every vCPU halted with interrupts off)");
		pthread_mutex_unlock(&v->state_lock);
		return false;
	case HALT_END:
		break;
	}
	pthread_mutex_lock(&v->state_lock);
	vcpu_stopped_locked(c, VCPU_HALTED, "guest halted");
	pthread_mutex_unlock(&v->state_lock);
	return false;
}

/* vCPU 0 going down ends the VM; an AP parks like a HLT. */
static bool exit_cpu_down(struct vcpu *c)
{
	struct vmm *v = c->vmm;

	pthread_mutex_lock(&v->state_lock);
	if (c->id == 0) {
		vcpu_stopped_locked(c, VCPU_HALTED, "guest stopped vCPU 0");
	} else {
		vmm_note(v, 1, "guest stopped vCPU %u: parked", c->id);
		vcpu_stopped_locked(c, VCPU_PARKED, "guest stopped every vCPU");
	}
	pthread_mutex_unlock(&v->state_lock);
	return false;
}

/* --- the bus --------------------------------------------------------------- */

static bool exit_io_read(struct vcpu *c, struct axvm_exit *e, uint32_t *resp)
{
	struct vmm *v = c->vmm;

	pthread_mutex_lock(&v->dev_lock);
	e->u.io_read.data = io_read(&v->io, e->u.io_read.port, e->u.io_read.width);
	pthread_mutex_unlock(&v->dev_lock);
	*resp = AXVM_RESP_DATA;
	return true;
}

static bool exit_io_write(struct vcpu *c, struct axvm_exit *e)
{
	struct vmm *v = c->vmm;
	uint64_t val;
	int r;

	pthread_mutex_lock(&v->dev_lock);
	r = io_write(&v->io, e->u.io_write.port, e->u.io_write.width, e->u.io_write.data);
	pthread_mutex_unlock(&v->dev_lock);
	if (r == IO_POWEROFF) {
		vmm_finish(v, AXCTL_OK, "guest powered off (ACPI S5)");
		return false;
	}
	if (r == IO_RESET) {
		vmm_finish(v, AXCTL_ERESET, "guest reset the machine (port 0x%x)",
			   e->u.io_write.port);
		return false;
	}
	if (r == IO_EXIT) {
		val = e->u.io_write.data & width_ones(e->u.io_write.width);
		vmm_finish(v, debug_exit_status(val),
			   "guest wrote 0x%llx to the debug-exit port: exit status %d",
			   (unsigned long long)val, debug_exit_status(val));
		return false;
	}
	return true;
}

static bool exit_mmio_read(struct vcpu *c, struct axvm_exit *e, uint32_t *resp)
{
	struct vmm *v = c->vmm;
	bool handled;

	pthread_mutex_lock(&v->dev_lock);
	handled = bus_find(&v->io.mmio, e->u.mmio_read.addr);
	e->u.mmio_read.data = mmio_read(&v->io, e->u.mmio_read.addr, e->u.mmio_read.width);
	pthread_mutex_unlock(&v->dev_lock);
	if (!handled)
		vmm_note(v, 2, "vCPU %u: MMIO read of 0x%llx (width %u): all ones", c->id,
			 (unsigned long long)e->u.mmio_read.addr, e->u.mmio_read.width);
	*resp = AXVM_RESP_DATA;
	return true;
}

static bool exit_mmio_write(struct vcpu *c, struct axvm_exit *e)
{
	struct vmm *v = c->vmm;
	bool handled;
	int r;

	pthread_mutex_lock(&v->dev_lock);
	handled = bus_find(&v->io.mmio, e->u.mmio_write.addr);
	r = mmio_write(&v->io, e->u.mmio_write.addr, e->u.mmio_write.width,
		       e->u.mmio_write.data);
	pthread_mutex_unlock(&v->dev_lock);
	if (!handled)
		vmm_note(v, 2, "vCPU %u: MMIO write of 0x%llx to 0x%llx ignored", c->id,
			 (unsigned long long)e->u.mmio_write.data,
			 (unsigned long long)e->u.mmio_write.addr);
	if (r == IO_RESET) {
		vmm_finish(v, AXCTL_ERESET, "guest reset the machine (MMIO 0x%llx)",
			   (unsigned long long)e->u.mmio_write.addr);
		return false;
	}
	return true;
}

/* --- the rest -------------------------------------------------------------- */

static bool exit_fail_entry(struct vcpu *c, const struct axvm_exit *e)
{
	uint64_t why = e->u.fail_entry.hardware_entry_failure_reason;

	vmm_finish(c->vmm, AXCTL_EENTRY,
		   "VM entry failed on vCPU %u: reason %llu (%s), qualification 0x%llx",
		   c->id, (unsigned long long)why, entry_failure_name(why),
		   (unsigned long long)e->u.fail_entry.qualification);
	dump_vcpu(c);
	return false;
}

static bool exit_nested_page_fault(struct vcpu *c, const struct axvm_exit *e)
{
	uint64_t f = e->u.nested_page_fault.access_flags;

	vmm_finish(c->vmm, AXCTL_EINTERNAL,
		   "vCPU %u: guest %s guest-physical address 0x%llx outside its RAM (RIP 0x%llx)",
		   c->id, f & AXVM_ACCESS_WRITE ? "wrote" : f & AXVM_ACCESS_EXEC ?
		   "executed at" : "read", (unsigned long long)e->u.nested_page_fault.addr,
		   (unsigned long long)e->guest_rip);
	dump_vcpu(c);
	return false;
}

/* An MSR nobody models: #GP, as hardware does for unknown MSRs (msr.h: a few answered). */
static bool exit_sysreg(struct vcpu *c, struct axvm_exit *e, uint32_t *resp)
{
	if (msr_emulate(e, resp))
		return true;
	atomic_fetch_add(&c->vmm->msr_faults, 1);
	vmm_note(c->vmm, 1, "vCPU %u: %s of MSR 0x%llx at RIP 0x%llx: #GP", c->id,
		 e->kind == AXVM_EXIT_SYSREG_READ ? "RDMSR" : "WRMSR",
		 (unsigned long long)e->u.sysreg_read.addr, (unsigned long long)e->guest_rip);
	*resp = AXVM_RESP_INJECT_GP;
	return true;
}

static bool exit_hypercall(struct vcpu *c, struct axvm_exit *e, uint32_t *resp)
{
	atomic_fetch_add(&c->vmm->hypercalls, 1);
	vmm_note(c->vmm, 1, "vCPU %u: unknown hypercall %llu: -ENOSYS", c->id,
		 (unsigned long long)e->u.hypercall.nr);
	e->u.hypercall.ret = (uint64_t)-1000;	/* KVM's -KVM_ENOSYS */
	*resp = AXVM_RESP_DATA;
	return true;
}

/*
 * CPU_UP and SEND_IPI come only for AXVM_LAPIC_F_CPU_UP_EXIT/F_IPI_EXIT,
 * which axctl does not set: the kernel started the AP / delivers IPIs itself.
 */
static bool exit_unasked_record(struct vcpu *c, const struct axvm_exit *e)
{
	if (!atomic_exchange(&c->vmm->warned_records, true))
		vmm_note(c->vmm, 0, "vCPU %u: unexpected %s record (axctl does not ask for them): ignored",
			 c->id, exit_kind_name(e->kind));
	return true;
}

bool handle_exit(struct vcpu *c, struct axvm_exit *e, uint32_t *resp)
{
	if (e->kind != AXVM_EXIT_NOTHING)
		c->exits++;
	switch (e->kind) {
	case AXVM_EXIT_NOTHING:
	case AXVM_EXIT_EXTERNAL_INTERRUPT:
		return true;
	case AXVM_EXIT_IO_READ:
		return exit_io_read(c, e, resp);
	case AXVM_EXIT_IO_WRITE:
		return exit_io_write(c, e);
	case AXVM_EXIT_HALT:
		return exit_halt(c);
	case AXVM_EXIT_SYSTEM_DOWN:
		vmm_finish(c->vmm, AXCTL_ETRIPLE, "guest triple fault (vCPU %u)", c->id);
		dump_vcpu(c);
		return false;
	case AXVM_EXIT_FAIL_ENTRY:
		return exit_fail_entry(c, e);
	case AXVM_EXIT_INTERNAL_ERROR:
		report_internal_error(c, e);
		return false;
	case AXVM_EXIT_NESTED_PAGE_FAULT:
		return exit_nested_page_fault(c, e);
	case AXVM_EXIT_MMIO_READ:
		return exit_mmio_read(c, e, resp);
	case AXVM_EXIT_MMIO_WRITE:
		return exit_mmio_write(c, e);
	case AXVM_EXIT_SYSREG_READ:
	case AXVM_EXIT_SYSREG_WRITE:
		return exit_sysreg(c, e, resp);
	case AXVM_EXIT_HYPERCALL:
		return exit_hypercall(c, e, resp);
	case AXVM_EXIT_CPU_UP:
	case AXVM_EXIT_SEND_IPI:
		return exit_unasked_record(c, e);
	case AXVM_EXIT_CPU_DOWN:
		return exit_cpu_down(c);
	case AXVM_EXIT_DEBUG:
		return gdb_debug_exit(c, e);
	default:
		vmm_finish(c->vmm, AXCTL_EINTERNAL, "vCPU %u: unknown exit kind %u (reason %u)",
			   c->id, e->kind, e->basic_reason);
		return false;
	}
}
