/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvm's arch-neutral objects: a VM and its vCPUs.
 */
#ifndef AXVM_CORE_H
#define AXVM_CORE_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/axvm.h>
/*
 * Only headers of the layers below every user of this one: the objects
 * embed their memory (ept/), the pure helpers (lib/) and the backend's
 * per-vCPU state (vmx/vmx.h). Everything else is reached by pointer, so
 * no subsystem header comes in through here (Documentation/architecture.rst).
 */
#include "ept/ept.h"
#include "ept/memslot.h"
#include "lib/decode.h"
#include "lib/iobus.h"
#include "owner.h"
#include "vmx/vmx.h"

struct axvm_cpuid_table;
struct axvm_ioapic;
struct axvm_lapic;
struct axvm_post;
struct axvm_posted_table;
struct axvm_ring;
struct pid;
struct task_struct;

/* Exits are counted by basic exit reason, as the backend numbers them. */
#define AXVM_NR_REASONS		AXVM_VMX_NR_REASONS

/**
 * struct axvm_vcpu_stats - a vCPU's exit counters (the only declaration)
 * @exits_kernel: exits handled in the kernel
 * @exits_user: exits forwarded to userspace
 * @reasons: exits by basic exit reason
 *
 * Counted at the one choke point (exit/run.c). Kept per vCPU id when
 * the vCPU's fd is closed, so statistics survive the VMM that ran the
 * vCPU and a later VMM's vCPU of the same id continues counting from them.
 */
struct axvm_vcpu_stats {
	u64 exits_kernel, exits_user;
	u64 reasons[AXVM_NR_REASONS];
};

/* Bits of struct axvm_vm_reg.flags. */
enum {
	AXVM_VMF_HELD,		/* the registry holds a reference (VM_NEW) */
	AXVM_VMF_ANNOUNCED,	/* EV_CREATED was sent, so EV_DESTROYED will be */
	AXVM_VMF_STARTED,	/* some vCPU has entered AXVM_RUN */
	AXVM_VMF_DEAD,		/* VM_DEL: every AXVM_RUN fails with -ESHUTDOWN */
	AXVM_VMF_STOP_PENDING,	/* EV_STOPPED is due when no vCPU runs */
	AXVM_VMF_PAUSED,	/* VM_PAUSE: vCPUs sleep before guest entry */
};

/**
 * struct axvm_vm_reg - a VM's registry entry and lifecycle state
 * @registered: in the registry (listed; attachable if named); reg lock
 * @flags: AXVM_VMF_* bits (atomic bitops)
 * @running: vCPUs inside AXVM_RUN
 * @stop_seq: stop requests (VM_STOP, VM_DEL) so far
 * @owner: process that created the VM or attached to it last; reg lock
 * @mem_bytes: guest RAM asked for by VM_NEW, 0 if not given
 * @nr_vcpus: vCPUs asked for by VM_NEW, 0 if not given
 *
 * The lifecycle (@flags, @running, @stop_seq) is vm.c's; the registry
 * part (dev/registry.c) is the rest.
 */
struct axvm_vm_reg {
	bool registered;
	unsigned long flags;
	atomic_t running;
	atomic_t stop_seq;
	struct pid *owner;
	u64 mem_bytes;
	u32 nr_vcpus;
};

/**
 * struct axvm_vcpu_reg - a vCPU's part of its VM's lifecycle
 * @stop_seen: the VM's stop_seq this vCPU has answered (vCPU mutex)
 * @task: the thread inside AXVM_RUN, or NULL; RCU, read to kick it
 */
struct axvm_vcpu_reg {
	int stop_seen;
	struct task_struct __rcu *task;
};

/**
 * struct axvm_vm - one virtual machine
 * @refs: every VM fd, every vCPU and (VM_NEW) the registry hold one
 *	reference
 * @lock: serialises memory-slot changes and vCPU creation
 * @ept: the guest-physical address space
 * @slots: memory regions registered by userspace
 * @vcpus: vCPUs by id (written under @lock; read under RCU by IPIs)
 * @cpuid: the CPUID table the guest sees (RCU)
 * @retired: counters of closed vCPUs, by id (under @lock)
 * @iobus: in-kernel port and MMIO devices
 * @post: the POST-code port 0x80 (io/post.c)
 * @posted: ranges whose writes are posted on the exit ring (RCU)
 * @has_lapic: vCPUs get a local APIC (AXVM_CREATE_LAPIC; set once)
 * @lapic_flags: AXVM_LAPIC_F_*
 * @ioapic: the I/O APIC (AXVM_CREATE_IOAPIC; set once, then read without
 *	a lock), or NULL (io/ioapic.h)
 * @id: unique id (for tracing and netlink)
 * @name: name, or "" for an anonymous VM
 * @reg: registry entry and lifecycle (vm.c, dev/registry.c)
 * @owner: the user the VM belongs to (owner.c)
 */
struct axvm_vm {
	refcount_t refs;
	struct mutex lock;
	struct axvm_ept ept;
	struct axvm_memslots slots;
	struct axvm_vcpu *vcpus[AXVM_MAX_VCPUS];
	struct axvm_cpuid_table __rcu *cpuid;
	struct axvm_vcpu_stats *retired[AXVM_MAX_VCPUS];
	struct axvm_iobus iobus;
	struct axvm_post *post;
	struct axvm_posted_table __rcu *posted;
	bool has_lapic;
	u32 lapic_flags;
	struct axvm_ioapic *ioapic;
	u32 id;
	char name[AXVM_NAME_MAX];
	struct axvm_vm_reg reg;
	struct axvm_owner owner;
};

/**
 * struct axvm_mmio_rmw - the write half of an MMIO read-modify-write
 * @armed: the read was answered; the next fault of the same instruction
 *	(RIP @rip, GPA @gpa, @len bytes) becomes the MmioWrite of @res.mem
 *	without a second read. Events wait meanwhile (vmx/inject.c).
 * @writing: the pending MmioWrite is that write: its completion applies
 *	@res (register, RFLAGS) and skips the instruction
 * @rip: the instruction's RIP
 * @gpa: the guest-physical address read
 * @len: the instruction's length
 * @res: what the instruction does (exit/decode.h)
 */
struct axvm_mmio_rmw {
	bool armed;
	bool writing;
	u8 len;
	u64 rip;
	u64 gpa;
	struct axvm_insn_alu_result res;
};

/**
 * struct axvm_vcpu - one virtual CPU
 * @vmx: the backend's state; first, so that the backend, which never
 *	sees this struct, finds it at the vCPU's address (vmx/vmx.h)
 * @vm: its VM (holds a reference)
 * @id: vCPU id
 * @mutex: one ioctl at a time on a vCPU
 * @run: the page shared with userspace
 * @stats: exit counters (the choke point in exit/run.c)
 * @forwarded_ns: when the pending record left for userspace (latency)
 * @ring: the shared exit ring, or NULL (exit/ring.h)
 * @pending_exit: kind of the exit userspace must answer, or NOTHING
 * @pending_record: the kernel's copy of that exit
 * @last_exit_kind: kind of the record the last AXVM_RUN returned (the
 *	kernel's copy; NOTHING if it returned an error)
 * @mmio_insn: the decoded instruction of a pending MMIO exit
 * @mmio_ram_gpa: where MOVS from MMIO stores the element it read
 * @mmio_rmw: a read-modify-write MMIO instruction between its read and
 *	its write (exit/mmio.c)
 * @lapic: the local APIC, or NULL (io/lapic.h)
 * @wq: the vCPU thread sleeps here inside AXVM_RUN (async exit ring,
 *	halt, wait-for-SIPI); axvm_vcpu_kick() wakes it
 * @reg: stop requests answered, thread in AXVM_RUN (vm.c)
 */
struct axvm_vcpu {
	struct axvm_vmx_vcpu vmx;	/* first: see axvm_vmx_of() */
	struct axvm_vm *vm;
	u32 id;
	struct mutex mutex;
	struct axvm_run *run;
	struct axvm_vcpu_stats stats;
	u64 forwarded_ns;
	struct axvm_ring *ring;
	u32 pending_exit;
	struct axvm_exit pending_record;
	u32 last_exit_kind;
	struct axvm_insn mmio_insn;
	u64 mmio_ram_gpa;
	struct axvm_mmio_rmw mmio_rmw;
	struct axvm_lapic *lapic;
	wait_queue_head_t wq;
	struct axvm_vcpu_reg reg;
};

/* The backend finds its state at the vCPU's address (vmx/vmx.h). */
static_assert(offsetof(struct axvm_vcpu, vmx) == 0);

/**
 * axvm_vcpu_stop_pending() - is a stop request unanswered? (no side effect)
 * @vcpu: the vCPU, in AXVM_RUN
 *
 * For wait conditions; the caller then answers the request with
 * axvm_vcpu_stop_requested().
 *
 * Return: true if axvm_vcpu_stop_requested() would return true.
 */
static inline bool axvm_vcpu_stop_pending(struct axvm_vcpu *vcpu)
{
	struct axvm_vm_reg *r = &vcpu->vm->reg;

	return test_bit(AXVM_VMF_DEAD, &r->flags) ||
	       atomic_read(&r->stop_seq) != vcpu->reg.stop_seen;
}

/**
 * axvm_vcpu_stop_requested() - must this AXVM_RUN end with -ESHUTDOWN?
 * @vcpu: the vCPU; its mutex is held, it is in AXVM_RUN
 *
 * Consumes the stop request it reports (unless the VM is dead: then every
 * call reports one). Inline: the run loop asks before every entry.
 *
 * Return: true if the VM was deleted or a stop request is unanswered.
 */
static inline bool axvm_vcpu_stop_requested(struct axvm_vcpu *vcpu)
{
	struct axvm_vm_reg *r = &vcpu->vm->reg;
	int seq;

	if (unlikely(test_bit(AXVM_VMF_DEAD, &r->flags)))
		return true;
	seq = atomic_read(&r->stop_seq);
	if (likely(seq == vcpu->reg.stop_seen))
		return false;
	vcpu->reg.stop_seen = seq;
	return true;
}

/**
 * axvm_vcpu_pause_wait() - sleep while the VM is paused (VM_PAUSE)
 * @vcpu: the vCPU; its mutex is held, it is in AXVM_RUN
 *
 * The run loop calls it before each guest entry. Wakes for a resume, a
 * stop request or a signal (so a paused VMM can still be killed); the run
 * loop then looks at its requests as after any sleep. Inline, like the
 * stop checks: the run loop (exit/) does not call up into vm.c.
 *
 * Return: 0 at once if the VM is not paused, 1 after a sleep, -EINTR for
 * a signal.
 */
static inline int axvm_vcpu_pause_wait(struct axvm_vcpu *vcpu)
{
	unsigned long *flags = &vcpu->vm->reg.flags;

	if (likely(!test_bit(AXVM_VMF_PAUSED, flags)))
		return 0;
	if (wait_event_interruptible(vcpu->wq,
				     !test_bit(AXVM_VMF_PAUSED, flags) ||
				     axvm_vcpu_stop_pending(vcpu)))
		return -EINTR;
	return 1;
}

/**
 * axvm_vcpu_kick() - make a vCPU look at its requests soon
 * @vcpu: the vCPU
 *
 * Wakes it from any in-kernel sleep (exit ring, halt, wait-for-SIPI: all
 * on @vcpu->wq) and gets it out of the guest with a reschedule IPI if it
 * runs on another CPU. Any context, hard IRQ included (the LAPIC timer).
 */
static inline void axvm_vcpu_kick(struct axvm_vcpu *vcpu)
{
	struct task_struct *t;

	/*
	 * The thread clears the pointer before it leaves AXVM_RUN, and a
	 * task_struct is freed only after a grace period from its release:
	 * one read here stays valid until rcu_read_unlock().
	 */
	rcu_read_lock();
	t = rcu_dereference(vcpu->reg.task);
	if (t)
		kick_process(t);
	rcu_read_unlock();
	wake_up_interruptible(&vcpu->wq);
}

#endif
