// SPDX-License-Identifier: GPL-2.0
/*
 * The shared exit ring (arch-neutral policy; protocol in
 * Documentation/ring.rst).
 *
 * A vCPU with a ring hands exits that need userspace to it instead of the
 * run page. Posted writes complete at once; any other record makes the
 * vCPU wait for its answer: in AXVM_RING_SYNC mode by returning from
 * AXVM_RUN (userspace answers and calls AXVM_RUN again), in
 * AXVM_RING_ASYNC mode by sleeping in the kernel until the consumer index
 * passes the record (any thread may serve the ring; poll() on the vCPU fd
 * says when there is work, AXVM_RING_KICK wakes the vCPU when the header
 * asks for it). Nothing is ever dropped: a full ring stops the vCPU until
 * a slot is free.
 */
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/cpumask.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include "axvm_trace.h"
#include "core.h"
#include "exit/exit.h"
#include "exit/posted.h"
#include "exit/ring.h"

/*
 * How long an async vCPU spins for its answer before it sleeps: a VMM
 * thread that answers within this time costs no wakeup at all. Spinning
 * stops early when another task wants this CPU (the server, on a busy
 * host).
 */
static unsigned int ring_poll_ns = 20000;
module_param(ring_poll_ns, uint, 0644);
MODULE_PARM_DESC(ring_poll_ns, "ns an async vCPU spins for an answer before it sleeps");

/**
 * axvm_ring_config_valid() - is an AXVM_SET_RING argument acceptable?
 * @c: the argument, copied in
 *
 * Return: true for a known mode, a power-of-two size in range and zeroed
 * flags and reserved fields.
 */
bool axvm_ring_config_valid(const struct axvm_ring_config *c)
{
	return (c->mode == AXVM_RING_SYNC || c->mode == AXVM_RING_ASYNC) &&
	       c->nr_entries >= AXVM_RING_MIN_ENTRIES &&
	       c->nr_entries <= AXVM_RING_MAX_ENTRIES &&
	       is_power_of_2(c->nr_entries) && !c->flags && !c->pad &&
	       !c->reserved[0] && !c->reserved[1];
}

/**
 * axvm_ring_create() - AXVM_SET_RING: give a vCPU its ring
 * @vcpu: the vCPU; its mutex is held
 * @c: a configuration, copied in
 *
 * Return: 0, -EINVAL for a bad configuration, -EBUSY if the vCPU already
 * has a ring or an exit of it waits for an answer on the run page,
 * -ENOMEM.
 */
int axvm_ring_create(struct axvm_vcpu *vcpu, const struct axvm_ring_config *c)
{
	struct axvm_ring *r;
	size_t size;

	if (!axvm_ring_config_valid(c))
		return -EINVAL;
	if (vcpu->ring || vcpu->pending_exit != AXVM_EXIT_NOTHING)
		return -EBUSY;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	size = PAGE_SIZE + PAGE_ALIGN((size_t)c->nr_entries *
				      sizeof(struct axvm_ring_entry));
	/*
	 * Zeroed and charged to the caller's memory cgroup (vmalloc_user()
	 * takes no GFP flags); axvm_ring_mmap() maps it page by page.
	 */
	r->hdr = __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!r->hdr) {
		kfree(r);
		return -ENOMEM;
	}
	r->entries = (void *)r->hdr + PAGE_SIZE;
	r->size = size;
	r->nr = c->nr_entries;
	r->mode = c->mode;
	init_waitqueue_head(&r->poll_wq);
	r->hdr->nr_entries = r->nr;
	r->hdr->entry_size = sizeof(struct axvm_ring_entry);
	r->hdr->mode = r->mode;
	r->hdr->version = AXVM_RING_VERSION;
	/* poll(), mmap() and AXVM_RING_KICK read the pointer without the mutex. */
	smp_store_release(&vcpu->ring, r);
	return 0;
}

/**
 * axvm_ring_destroy() - free a vCPU's ring (the vCPU is going away)
 * @vcpu: the vCPU; no fd refers to it any more
 *
 * Pages still mapped by userspace keep a reference of their own.
 */
void axvm_ring_destroy(struct axvm_vcpu *vcpu)
{
	struct axvm_ring *r = vcpu->ring;

	if (!r)
		return;
	vfree(r->hdr);
	kfree(r);
	vcpu->ring = NULL;
}

/* Put @e into the next slot; -ENOSPC when the ring is full. */
static int ring_publish(struct axvm_vcpu *vcpu, struct axvm_ring *r,
			const struct axvm_exit *e, bool posted)
{
	int ret = axvm_ring_produce(r, e, posted);

	if (ret)
		return ret;
	trace_axvm_forward(vcpu->vm->id, vcpu->id, e->kind, posted, true,
			   r->prod - 1);
	/* wq_has_sleeper() has the barrier that pairs with poll_wait(). */
	if (wq_has_sleeper(&r->poll_wq))
		wake_up_interruptible_poll(&r->poll_wq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

/*
 * Async mode: wait until the consumer moves past @seen (an answer or a
 * free slot), a signal, immediate_exit or a stop request. Spins for
 * ring_poll_ns first, then asks for a kick (AXVM_RING_NEED_WAKEUP) and
 * sleeps. The flag store and the consumer-index load are ordered by a
 * full barrier, as are the consumer's index store and flag load, so one
 * of the two sides always sees the other (no lost wakeup).
 */
static bool ring_moved(struct axvm_ring *r, u32 seen)
{
	/* Pairs with the consumer's store-release of cons. */
	return smp_load_acquire(&r->hdr->cons) != seen;
}

static int ring_wait(struct axvm_vcpu *vcpu, struct axvm_ring *r, u32 seen)
{
	u64 until = ktime_get_ns() + READ_ONCE(ring_poll_ns);
	int ret;

	/*
	 * With one CPU online the server cannot answer while we spin: the
	 * bench measured 25k ticks per answer spinning, 9k sleeping at once.
	 */
	while (num_online_cpus() > 1 && !need_resched() &&
	       ktime_get_ns() < until) {
		if (ring_moved(r, seen))
			return 0;
		cpu_relax();
	}
	WRITE_ONCE(r->hdr->flags, AXVM_RING_NEED_WAKEUP);
	/*
	 * Flag store before the cons load in ring_moved(); pairs with the
	 * consumer's fence between its cons store and its flags load.
	 */
	smp_mb();
	ret = wait_event_interruptible(vcpu->wq, ring_moved(r, seen) ||
				       READ_ONCE(vcpu->run->immediate_exit) ||
				       axvm_vcpu_stop_pending(vcpu));
	WRITE_ONCE(r->hdr->flags, 0);
	if (ret || READ_ONCE(vcpu->run->immediate_exit))
		return -EINTR;
	if (axvm_vcpu_stop_requested(vcpu))
		return -ESHUTDOWN;
	return 0;
}

/**
 * axvm_ring_forward() - hand a record that needs userspace to the ring
 * @vcpu: the loaded vCPU, in AXVM_RUN
 * @e: the record (port, MMIO, MSR or hypercall exit)
 * @posted: a write userspace asked to be posted: the guest goes on as
 *	soon as the record is in the ring
 *
 * Return: as axvm_ring_collect().
 */
int axvm_ring_forward(struct axvm_vcpu *vcpu, const struct axvm_exit *e,
		      bool posted)
{
	struct axvm_ring *r = vcpu->ring;

	vcpu->pending_exit = e->kind;
	vcpu->pending_record = *e;
	r->unpublished = true;
	r->posted_pending = posted;
	axvm_exit_note_forwarded(vcpu);
	return axvm_ring_collect(vcpu);
}

/**
 * axvm_ring_collect() - move the vCPU's ring-held exit forward
 * @vcpu: the loaded vCPU, in AXVM_RUN, with a ring
 *
 * Publishes the pending record if the ring had no room for it, and takes
 * the answer to it once the consumer has passed it. In async mode it
 * waits for either; in sync mode it reports that userspace must serve
 * the ring first.
 *
 * Return: AXVM_RESUME when no exit is pending any more (re-enter the
 * guest), AXVM_USER (sync mode: AXVM_RUN returns 0 with a Nothing record
 * so userspace serves the ring), -EINTR, -ESHUTDOWN, -EPROTO (the
 * consumer index went backwards or past the producer), -EINVAL (an
 * answer that does not fit the exit; the record stays pending).
 */
int axvm_ring_collect(struct axvm_vcpu *vcpu)
{
	struct axvm_ring *r = vcpu->ring;
	const struct axvm_ring_entry *slot;
	u32 resp;
	int ret;

	for (;;) {
		if (r->unpublished) {
			ret = ring_publish(vcpu, r, &vcpu->pending_record,
					   r->posted_pending);
			if (!ret) {
				r->unpublished = false;
				if (r->posted_pending)
					return axvm_exit_finish(vcpu,
						AXVM_RESP_NONE, 0);
				r->waiting = true;
				r->wait_seq = r->prod - 1;
				continue;
			}
			if (ret != -ENOSPC)
				return ret;
			r->hdr->full_waits++;
		} else if (r->waiting) {
			ret = axvm_ring_update_cons(r);
			if (ret)
				return ret;
			if (axvm_ring_done(r->cons, r->wait_seq))
				break;
		} else {
			return AXVM_RESUME;
		}
		if (r->mode == AXVM_RING_SYNC)
			return AXVM_USER;
		ret = ring_wait(vcpu, r, r->cons);
		if (ret)
			return ret;
	}
	/* The consumer passed our record: its answer is final. */
	slot = &r->entries[axvm_ring_slot(r->wait_seq, r->nr)];
	resp = READ_ONCE(slot->response);
	ret = axvm_exit_finish(vcpu, resp,
				   axvm_exit_answer(&slot->exit,
						    vcpu->pending_record.kind));
	if (ret)
		return ret;
	r->waiting = false;
	axvm_exit_trace_completed(vcpu, vcpu->pending_record.kind, resp);
	return AXVM_RESUME;
}

/**
 * axvm_ring_kick() - AXVM_RING_KICK: wake a vCPU sleeping on its ring
 * @vcpu: the vCPU (its mutex may be held by the thread in AXVM_RUN)
 */
void axvm_ring_kick(struct axvm_vcpu *vcpu)
{
	/* The vCPU thread sleeps on vcpu->wq in async mode (core.h). */
	wake_up_interruptible(&vcpu->wq);
}

/**
 * axvm_ring_poll() - poll() on a vCPU fd: readable while records wait
 * @vcpu: the vCPU
 * @f: its file
 * @pt: poll table
 *
 * Return: EPOLLIN when the ring holds records userspace has not finished;
 * 0 without a ring.
 */
__poll_t axvm_ring_poll(struct axvm_vcpu *vcpu, struct file *f,
			struct poll_table_struct *pt)
{
	/* Pairs with the store-release in axvm_ring_create(). */
	struct axvm_ring *r = smp_load_acquire(&vcpu->ring);

	if (!r)
		return 0;
	poll_wait(f, &r->poll_wq, pt);
	/* cons: pairs with the consumer's store-release. */
	if (READ_ONCE(r->hdr->prod) != smp_load_acquire(&r->hdr->cons))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/*
 * What remap_vmalloc_range() does, for memory that is not VM_USERMAP: each
 * page gets a reference of its own, so it outlives a closed vCPU fd.
 */
static int map_ring_pages(struct vm_area_struct *vma, void *buf)
{
	unsigned long addr;
	int ret;

	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		ret = vm_insert_page(vma, addr,
				     vmalloc_to_page(buf + (addr - vma->vm_start)));
		if (ret)
			return ret;
	}
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	return 0;
}

/**
 * axvm_ring_mmap() - map the ring (vCPU fd, offset AXVM_RING_MMAP_OFFSET)
 * @vcpu: the vCPU
 * @vma: the mapping; its size may not exceed the ring's
 *
 * Return: 0, -ENODEV without a ring, -EINVAL for a bad size, -EPERM for
 * an executable mapping.
 */
int axvm_ring_mmap(struct axvm_vcpu *vcpu, struct vm_area_struct *vma)
{
	/* Pairs with the store-release in axvm_ring_create(). */
	struct axvm_ring *r = smp_load_acquire(&vcpu->ring);

	if (!r)
		return -ENODEV;
	if (vma->vm_end - vma->vm_start > r->size)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	return map_ring_pages(vma, r->hdr);
}
