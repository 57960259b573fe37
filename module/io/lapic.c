// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel local APIC (SDM Vol. 3A, chapter 11 "Advanced Programmable
 * Interrupt Controller (APIC)"; section numbers below are that chapter's):
 * registers through the xAPIC page and the x2APIC MSRs, the timer, IPIs,
 * INIT/SIPI, and the vCPU's sleep while halted or waiting for a SIPI. The
 * register arithmetic lives in lapic_regs.c; see lapic.h for who owns what.
 */
#include <linux/math64.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timex.h>
#include <asm/msr-index.h>
#include "core.h"
#include "io/ioapic.h"
#include "io/lapic.h"
#include "vmx/vmx.h"

#define LVT_TIMER	0	/* index in lvt[] */
/* ESR bits (Figure 11-9 "Error Status Register (ESR)"), as bit numbers. */
#define ESR_SEND_ILLEGAL_VECTOR		5
#define ESR_RECEIVE_ILLEGAL_VECTOR	6
#define ESR_ILLEGAL_REGISTER		7

static bool x2apic_mode(const struct axvm_lapic *l)
{
	return l->base & LAPIC_BASE_EXTD;
}

static bool hw_enabled(const struct axvm_lapic *l)
{
	return l->base & LAPIC_BASE_ENABLE;
}

static bool sw_enabled(const struct axvm_lapic *l)
{
	return READ_ONCE(l->spiv) & LAPIC_SPIV_ENABLED;
}

/*
 * Power-up and INIT state of everything but ID and base (11.4.7.1 "Local
 * APIC State After Power-Up or Reset").
 */
static void reset_regs(struct axvm_lapic *l)
{
	int i;

	hrtimer_cancel(&l->timer);
	bitmap_zero(l->irr, 256);
	bitmap_zero(l->isr, 256);
	bitmap_zero(l->tmr, 256);
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = 0xffffffff;
	l->spiv = 0xff;
	l->esr = 0;
	l->esr_pending = 0;
	for (i = 0; i < ARRAY_SIZE(l->lvt); i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	l->icr_lo = 0;
	l->icr_hi = 0;
	l->tmict = 0;
	l->tdcr = 0;
	l->period_ns = 0;
	l->tsc_deadline = 0;
}

/*
 * Make the vCPU look at its APIC: wake it from a halt or wait-for-SIPI
 * sleep, or get it out of the guest (axvm_vcpu_kick(), core.h).
 */
static void kick(struct axvm_lapic *l)
{
	/* The request (IRR bit, flag) is visible before the kick. */
	smp_mb();
	axvm_vcpu_kick(l->vcpu);
}

/*
 * A fixed interrupt arrives (11.8.2 "Interrupt Handling with the Pentium 4
 * and Intel Xeon Processors"); TMR records its trigger mode (11.8.4
 * "Interrupt Acceptance for Fixed Interrupts") before IRR, so its EOI finds
 * it. Any context.
 * Return: accepted.
 */
static bool accept_trig(struct axvm_lapic *l, u8 vector, bool level)
{
	if (!hw_enabled(l) || !sw_enabled(l))
		return false;	/* a disabled APIC drops fixed interrupts */
	if (vector < 16) {
		set_bit(ESR_RECEIVE_ILLEGAL_VECTOR, &l->esr_pending);
		return false;
	}
	if (level)
		set_bit(vector, l->tmr);
	else
		clear_bit(vector, l->tmr);
	set_bit(vector, l->irr);
	kick(l);
	return true;
}

static void accept_fixed(struct axvm_lapic *l, u8 vector)
{
	accept_trig(l, vector, false);
}

/* The timer's LVT entry fires (masked: counted down, no interrupt). */
static void timer_expired(struct axvm_lapic *l)
{
	u32 lvt = READ_ONCE(l->lvt[LVT_TIMER]);

	if (!(lvt & LAPIC_LVT_MASKED))
		accept_fixed(l, lvt & 0xff);
}

static enum hrtimer_restart timer_fn(struct hrtimer *t)
{
	struct axvm_lapic *l = container_of(t, struct axvm_lapic, timer);
	u32 mode = LAPIC_LVT_TIMER_MODE(READ_ONCE(l->lvt[LVT_TIMER]));
	enum hrtimer_restart ret = HRTIMER_NORESTART;

	/* The owner changes the timer only after hrtimer_cancel(). */
	if (mode == LAPIC_TIMER_PERIODIC && l->period_ns) {
		hrtimer_forward_now(t, ns_to_ktime(l->period_ns));
		l->timer_start = ktime_to_ns(hrtimer_get_expires(t)) - l->period_ns;
		ret = HRTIMER_RESTART;
	} else if (mode == LAPIC_TIMER_TSC_DEADLINE) {
		/* Fired: reads as 0 (11.5.4.1 "TSC-Deadline Mode"). */
		l->tsc_deadline = 0;
	}
	timer_expired(l);
	return ret;
}

/* TMICT written in one-shot or periodic mode (11.5.4 "APIC Timer"). */
static void start_count(struct axvm_lapic *l)
{
	u32 mode = LAPIC_LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
	u64 ns;

	hrtimer_cancel(&l->timer);
	l->period_ns = 0;
	if (!l->tmict || mode == LAPIC_TIMER_TSC_DEADLINE)
		return;
	ns = (u64)l->tmict * axvm_lapic_divisor(l->tdcr);
	if (mode == LAPIC_TIMER_PERIODIC)
		ns = max(ns, AXVM_LAPIC_MIN_PERIOD_NS);
	l->period_ns = ns;
	l->timer_start = ktime_get_ns();
	hrtimer_start(&l->timer, ns_to_ktime(ns), HRTIMER_MODE_REL_HARD);
}

/* Current count: what is left of this period, in timer ticks. */
static u32 current_count(struct axvm_lapic *l)
{
	u32 mode = LAPIC_LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
	u64 left;

	if (mode == LAPIC_TIMER_TSC_DEADLINE || !l->period_ns ||
	    !hrtimer_active(&l->timer))
		return 0;
	left = ktime_to_ns(hrtimer_get_remaining(&l->timer));
	if ((s64)left <= 0)
		return 0;
	return min_t(u64, div_u64(left, axvm_lapic_divisor(l->tdcr)), l->tmict);
}

/* IA32_TSC_DEADLINE written (11.5.4.1 "TSC-Deadline Mode"): guest TSC units. */
static void set_tsc_deadline(struct axvm_lapic *l, u64 deadline, u64 guest_tsc)
{
	u64 ns;

	if (LAPIC_LVT_TIMER_MODE(l->lvt[LVT_TIMER]) != LAPIC_TIMER_TSC_DEADLINE)
		return;		/* ignored outside TSC-deadline mode */
	hrtimer_cancel(&l->timer);
	l->tsc_deadline = deadline;
	if (!deadline)
		return;
	if (deadline <= guest_tsc || !tsc_khz) {
		l->tsc_deadline = 0;
		timer_expired(l);
		return;
	}
	/* Rounded up: never before the deadline. */
	ns = mul_u64_u64_div_u64(deadline - guest_tsc, 1000000, tsc_khz) + 1;
	ns = min_t(u64, ns, KTIME_MAX / 2);	/* far future: never negative */
	hrtimer_start(&l->timer, ns_to_ktime(ns), HRTIMER_MODE_REL_HARD);
}

/*
 * The timer mode changed (11.5.4.1 "TSC-Deadline Mode"): a transition to or
 * from TSC-deadline mode disarms the timer (TMICT and IA32_TSC_DEADLINE
 * read 0). Between one-shot and periodic the count goes on: TMICT keeps its
 * value and a running count ends when it would have; the mode read at that
 * moment decides whether it reloads.
 */
static void timer_mode_changed(struct axvm_lapic *l, u32 old, u32 mode)
{
	ktime_t left;

	if (old == LAPIC_TIMER_TSC_DEADLINE || mode == LAPIC_TIMER_TSC_DEADLINE) {
		hrtimer_cancel(&l->timer);
		l->period_ns = 0;
		l->tsc_deadline = 0;
		l->tmict = 0;
		return;
	}
	if (mode != LAPIC_TIMER_PERIODIC || !l->period_ns)
		return;
	/* Periods are bounded below (start_count()): restart to apply it. */
	left = hrtimer_get_remaining(&l->timer);
	if (!hrtimer_cancel(&l->timer))
		return;		/* a one-shot count that already ended */
	l->period_ns = max(l->period_ns, AXVM_LAPIC_MIN_PERIOD_NS);
	hrtimer_start(&l->timer, ktime_to_ns(left) > 0 ? left : 0,
		      HRTIMER_MODE_REL_HARD);
}

static void write_lvt(struct axvm_lapic *l, u32 offset, u32 val)
{
	int i = axvm_lapic_lvt_index(offset);
	u32 old = l->lvt[i];

	val &= axvm_lapic_lvt_mask(offset);
	if (!sw_enabled(l))
		val |= LAPIC_LVT_MASKED;	/* 11.4.7.2, as below */
	WRITE_ONCE(l->lvt[i], val);
	if (i == LVT_TIMER &&
	    LAPIC_LVT_TIMER_MODE(old) != LAPIC_LVT_TIMER_MODE(val))
		timer_mode_changed(l, LAPIC_LVT_TIMER_MODE(old),
				   LAPIC_LVT_TIMER_MODE(val));
}

static void write_spiv(struct axvm_lapic *l, u32 val)
{
	int i;

	WRITE_ONCE(l->spiv, val & 0x3ff);
	if (val & LAPIC_SPIV_ENABLED)
		return;
	/*
	 * Software disable masks every LVT entry (11.4.7.2 "Local APIC State
	 * After It Has Been Software Disabled").
	 */
	for (i = 0; i < ARRAY_SIZE(l->lvt); i++)
		WRITE_ONCE(l->lvt[i], l->lvt[i] | LAPIC_LVT_MASKED);
}

/*
 * EOI: the highest in-service vector is done (11.8.5 "Signaling Interrupt
 * Servicing Completion").
 */
static void eoi(struct axvm_lapic *l)
{
	int v = axvm_lapic_highest(l->isr);

	if (v < 0)
		return;
	clear_bit(v, l->isr);
	/* Level-triggered: the EOI message goes to the I/O APIC. */
	if (test_bit(v, l->tmr))
		axvm_ioapic_eoi(l->vcpu->vm, v);
}

static void report(struct axvm_lapic *l, u32 kind, u64 a, u64 b, u64 c)
{
	l->report_kind = kind;
	l->report[0] = a;
	l->report[1] = b;
	l->report[2] = c;
}

/*
 * Deliver one interrupt message to @t's APIC. Return: true if it was a
 * SIPI that starts a vCPU waiting for one.
 */
static bool deliver(struct axvm_lapic *t, u32 mode, u8 vector)
{
	unsigned long flags;
	bool started = false;

	switch (mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:	/* every match gets it: no arbitration */
		accept_fixed(t, vector);
		return false;
	case LAPIC_DM_NMI:
		WRITE_ONCE(t->nmi_pending, true);
		break;
	case LAPIC_DM_INIT:
		spin_lock_irqsave(&t->lock, flags);
		t->init_pending = true;
		t->sipi_pending = false;
		spin_unlock_irqrestore(&t->lock, flags);
		break;
	case LAPIC_DM_STARTUP:
		spin_lock_irqsave(&t->lock, flags);
		/* Only a vCPU in (or about to enter) wait-for-SIPI takes one. */
		if ((t->mp_state == AXVM_MP_WAIT_SIPI || t->init_pending) &&
		    !t->sipi_pending) {
			t->sipi_pending = true;
			t->sipi_vector = vector;
			started = true;
		}
		spin_unlock_irqrestore(&t->lock, flags);
		break;
	default:		/* SMI and reserved modes: not modelled */
		return false;
	}
	kick(t);
	return started;
}

static bool dest_match(const struct axvm_lapic *src, const struct axvm_lapic *t,
		       u32 icr_lo, u32 dest)
{
	bool x2 = x2apic_mode(src);

	if (icr_lo & LAPIC_ICR_LOGICAL) {
		if (x2apic_mode(t))
			return axvm_lapic_match_logical(true, axvm_x2apic_ldr(t->id),
							0, dest);
		return axvm_lapic_match_logical(false, READ_ONCE(t->ldr),
						READ_ONCE(t->dfr), dest);
	}
	if (x2)
		return dest == 0xffffffff || dest == t->id;
	return (dest & 0xff) == 0xff || (dest & 0xff) == t->id;
}

/*
 * ICR written: send the IPI it describes (11.6.1 "Interrupt Command Register
 * (ICR)").
 */
static void send_ipi(struct axvm_lapic *l, u32 lo, u32 dest)
{
	struct axvm_vm *vm = l->vcpu->vm;
	u32 mode = LAPIC_ICR_MODE(lo), sh = LAPIC_ICR_SHORTHAND(lo);
	u8 vector = LAPIC_ICR_VECTOR(lo);
	struct axvm_lapic *t, *started = NULL;
	struct axvm_vcpu *v;
	int i;

	/* INIT level de-assert only synchronises arbitration IDs: no-op. */
	if (mode == LAPIC_DM_INIT && !(lo & LAPIC_ICR_LEVEL_ASSERT))
		return;
	if ((mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) && vector < 16) {
		set_bit(ESR_SEND_ILLEGAL_VECTOR, &l->esr_pending);
		return;
	}
	if ((vm->lapic_flags & AXVM_LAPIC_F_IPI_EXIT) && sh != LAPIC_SH_SELF &&
	    (mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST)) {
		/* report[2]: bit 0 every other vCPU, bit 1 this one too */
		report(l, AXVM_EXIT_SEND_IPI, dest, vector,
		       (sh == LAPIC_SH_ALL || sh == LAPIC_SH_OTHERS ? 1 : 0) |
		       (sh == LAPIC_SH_ALL ? 2 : 0));
		return;
	}
	rcu_read_lock();
	for (i = 0; i < AXVM_MAX_VCPUS; i++) {
		v = READ_ONCE(vm->vcpus[i]);
		if (!v || !v->lapic)
			continue;
		t = v->lapic;
		switch (sh) {
		case LAPIC_SH_SELF:
			if (t != l)
				continue;
			break;
		case LAPIC_SH_OTHERS:
			if (t == l)
				continue;
			break;
		case LAPIC_SH_NONE:
			if (!dest_match(l, t, lo, dest))
				continue;
			break;
		}
		if (deliver(t, mode, vector))
			started = t;
	}
	if (started && (vm->lapic_flags & AXVM_LAPIC_F_CPU_UP_EXIT))
		report(l, AXVM_EXIT_CPU_UP, started->id, (u64)vector << 12, 0);
	rcu_read_unlock();
}

/*
 * Register read at @offset (xAPIC layout). Return: 0, or -EINVAL for a
 * register that does not exist or is write-only in this mode.
 */
static int reg_read(struct axvm_lapic *l, u32 offset, u32 *val)
{
	bool x2 = x2apic_mode(l);
	/* x86 is little-endian: 32-bit word i of a 256-bit register. */
	const u32 *irr = (const u32 *)l->irr, *isr = (const u32 *)l->isr;

	switch (offset) {
	case LAPIC_REG_ID:
		*val = x2 ? l->id : l->id << 24;
		return 0;
	case LAPIC_REG_VERSION:
		*val = LAPIC_VERSION_VALUE;
		return 0;
	case LAPIC_REG_TPR:
		*val = l->tpr;
		return 0;
	case LAPIC_REG_APR:
		*val = 0;
		return 0;
	case LAPIC_REG_PPR:
		*val = axvm_lapic_ppr(l->tpr, axvm_lapic_highest(l->isr));
		return 0;
	case LAPIC_REG_LDR:
		*val = x2 ? axvm_x2apic_ldr(l->id) : l->ldr;
		return 0;
	case LAPIC_REG_DFR:
		if (x2)
			return -EINVAL;
		*val = l->dfr;
		return 0;
	case LAPIC_REG_SPIV:
		*val = l->spiv;
		return 0;
	case LAPIC_REG_ESR:
		*val = l->esr;
		return 0;
	case LAPIC_REG_ICR_LO:
		*val = l->icr_lo & ~BIT(12);	/* delivery status: idle */
		return 0;
	case LAPIC_REG_ICR_HI:
		if (x2)
			return -EINVAL;
		*val = l->icr_hi;
		return 0;
	case LAPIC_REG_TMICT:
		*val = l->tmict;
		return 0;
	case LAPIC_REG_TMCCT:
		*val = current_count(l);
		return 0;
	case LAPIC_REG_TDCR:
		*val = l->tdcr;
		return 0;
	case LAPIC_REG_EOI:
	case LAPIC_REG_SELF_IPI:
		if (x2)
			return -EINVAL;	/* write-only */
		*val = 0;
		return 0;
	}
	if (offset >= LAPIC_REG_ISR && offset < LAPIC_REG_ISR + 0x80) {
		*val = isr[(offset - LAPIC_REG_ISR) >> 4];
		return 0;
	}
	if (offset >= LAPIC_REG_TMR && offset < LAPIC_REG_TMR + 0x80) {
		*val = READ_ONCE(((const u32 *)l->tmr)[(offset - LAPIC_REG_TMR) >> 4]);
		return 0;
	}
	if (offset >= LAPIC_REG_IRR && offset < LAPIC_REG_IRR + 0x80) {
		*val = READ_ONCE(irr[(offset - LAPIC_REG_IRR) >> 4]);
		return 0;
	}
	if (axvm_lapic_lvt_index(offset) >= 0) {
		*val = l->lvt[axvm_lapic_lvt_index(offset)];
		return 0;
	}
	return -EINVAL;
}

/*
 * Register write (xAPIC layout; for x2APIC the ICR comes whole through
 * write_icr()). Return: 0, or -EINVAL for a read-only or absent register.
 */
static int reg_write(struct axvm_lapic *l, u32 offset, u32 val)
{
	bool x2 = x2apic_mode(l);

	switch (offset) {
	case LAPIC_REG_TPR:
		l->tpr = val & 0xff;
		return 0;
	case LAPIC_REG_EOI:
		if (x2 && val)
			return -EINVAL;
		eoi(l);
		return 0;
	case LAPIC_REG_LDR:
		if (x2)
			return -EINVAL;
		WRITE_ONCE(l->ldr, val & 0xff000000);
		return 0;
	case LAPIC_REG_DFR:
		if (x2)
			return -EINVAL;
		WRITE_ONCE(l->dfr, val | 0x0fffffff);
		return 0;
	case LAPIC_REG_SPIV:
		write_spiv(l, val);
		return 0;
	case LAPIC_REG_ESR:
		if (x2 && val)
			return -EINVAL;
		/*
		 * A write latches the errors seen since the last one (11.5.3
		 * "Error Handling").
		 */
		l->esr = xchg(&l->esr_pending, 0);
		return 0;
	case LAPIC_REG_ICR_LO:
		if (x2)
			return -EINVAL;		/* x2APIC: the 64-bit MSR */
		l->icr_lo = val;
		send_ipi(l, val, l->icr_hi >> 24);
		return 0;
	case LAPIC_REG_ICR_HI:
		if (x2)
			return -EINVAL;
		l->icr_hi = val & 0xff000000;
		return 0;
	case LAPIC_REG_TMICT:
		if (LAPIC_LVT_TIMER_MODE(l->lvt[LVT_TIMER]) == LAPIC_TIMER_TSC_DEADLINE)
			return 0;	/* ignored in TSC-deadline mode */
		l->tmict = val;
		start_count(l);
		return 0;
	case LAPIC_REG_TDCR:
		l->tdcr = val & 0xb;
		return 0;
	case LAPIC_REG_SELF_IPI:
		if (!x2)
			return -EINVAL;
		accept_fixed(l, val & 0xff);
		return 0;
	}
	if (axvm_lapic_lvt_index(offset) >= 0) {
		write_lvt(l, offset, val);
		return 0;
	}
	/* ID, version, PPR, ISR/TMR/IRR, TMCCT: read-only; others absent. */
	return -EINVAL;
}

/**
 * axvm_lapic_mmio() - an access to the xAPIC page
 * @vcpu: the accessing vCPU (each sees its own APIC at the same address)
 * @gpa: guest-physical address
 * @width: bytes
 * @write: store
 * @val: in: the value stored; out: the value loaded
 *
 * Only aligned 32-bit accesses to a register have an effect (11.4.1 "The
 * Local APIC Block Diagram"); others load 0 and store nothing. An absent
 * register sets the illegal register address error.
 *
 * Return: 0 if the APIC took the access, -ENODEV if @gpa is not the page
 * of an enabled xAPIC (x2APIC mode or disabled: the access is MMIO).
 */
int axvm_lapic_mmio(struct axvm_vcpu *vcpu, u64 gpa, unsigned int width,
		    bool write, u64 *val)
{
	struct axvm_lapic *l = vcpu->lapic;
	u64 base = l->base & ~0xfffull;
	u32 offset = gpa - base, v = 0;

	if (!hw_enabled(l) || x2apic_mode(l) || gpa < base ||
	    gpa >= base + PAGE_SIZE)
		return -ENODEV;
	if (width != 4 || (offset & 0xf)) {
		if (!write)
			*val = 0;
		return 0;
	}
	if (write) {
		if (reg_write(l, offset, *val) &&
		    !(offset == LAPIC_REG_ID || offset == LAPIC_REG_VERSION ||
		      offset == LAPIC_REG_PPR || offset == LAPIC_REG_TMCCT ||
		      (offset >= LAPIC_REG_ISR && offset < LAPIC_REG_ESR)))
			set_bit(ESR_ILLEGAL_REGISTER, &l->esr_pending);
		return 0;
	}
	if (reg_read(l, offset, &v))
		set_bit(ESR_ILLEGAL_REGISTER, &l->esr_pending);
	*val = v;
	return 0;
}

/*
 * IA32_APIC_BASE written (11.4.4 "Local APIC Status and Location", 11.12.5
 * "x2APIC State Transitions").
 */
static int set_base(struct axvm_lapic *l, u64 val)
{
	u64 en = LAPIC_BASE_ENABLE | LAPIC_BASE_EXTD, old = l->base;

	if ((val & ~(0xfffff000ull | LAPIC_BASE_BSP | en)) ||
	    ((val ^ old) & LAPIC_BASE_BSP))
		return -EINVAL;
	if ((val & en) == LAPIC_BASE_EXTD)
		return -EINVAL;			/* invalid state */
	/* x2APIC -> xAPIC only through disabled (11.12.5, Figure 11-27). */
	if ((old & en) == en && (val & en) == LAPIC_BASE_ENABLE)
		return -EINVAL;
	if ((old & en) == 0 && (val & en) == en)
		return -EINVAL;
	if ((old & LAPIC_BASE_ENABLE) && !(val & LAPIC_BASE_ENABLE))
		reset_regs(l);			/* hardware disable */
	l->base = val;
	return 0;
}

/**
 * axvm_lapic_rdmsr() - RDMSR of an APIC MSR
 * @vcpu: the vCPU (has a LAPIC)
 * @msr: MSR index
 * @guest_tsc: the guest's TSC now (unused for reads; symmetry)
 * @val: the value read
 *
 * Return: 0, -EINVAL for #GP, -ENODEV if @msr is not the APIC's.
 */
int axvm_lapic_rdmsr(struct axvm_vcpu *vcpu, u32 msr, u64 guest_tsc, u64 *val)
{
	struct axvm_lapic *l = vcpu->lapic;
	int offset = axvm_lapic_msr_offset(msr);
	u32 v;

	if (msr == MSR_IA32_APICBASE) {
		*val = l->base;
		return 0;
	}
	if (msr == MSR_TSC_DEADLINE) {
		*val = LAPIC_LVT_TIMER_MODE(l->lvt[LVT_TIMER]) ==
		       LAPIC_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (offset < 0)
		return -ENODEV;
	if (!x2apic_mode(l) || !hw_enabled(l))
		return -EINVAL;		/* x2APIC MSRs need x2APIC mode */
	if (offset == LAPIC_REG_ICR_LO) {
		*val = (u64)l->icr_hi << 32 | l->icr_lo;
		return 0;
	}
	if (reg_read(l, offset, &v))
		return -EINVAL;
	*val = v;
	return 0;
}

/**
 * axvm_lapic_wrmsr() - WRMSR of an APIC MSR
 * @vcpu: the vCPU (has a LAPIC)
 * @msr: MSR index
 * @val: the value written
 * @guest_tsc: the guest's TSC now (IA32_TSC_DEADLINE)
 *
 * Return: 0, -EINVAL for #GP, -ENODEV if @msr is not the APIC's.
 */
int axvm_lapic_wrmsr(struct axvm_vcpu *vcpu, u32 msr, u64 val, u64 guest_tsc)
{
	struct axvm_lapic *l = vcpu->lapic;
	int offset = axvm_lapic_msr_offset(msr);

	if (msr == MSR_IA32_APICBASE)
		return set_base(l, val);
	if (msr == MSR_TSC_DEADLINE) {
		set_tsc_deadline(l, val, guest_tsc);
		return 0;
	}
	if (offset < 0)
		return -ENODEV;
	if (!x2apic_mode(l) || !hw_enabled(l))
		return -EINVAL;
	if (offset == LAPIC_REG_ICR_LO) {
		/*
		 * Reserved bits of the x2APIC ICR must be 0 (11.12.9 "ICR
		 * Operation in x2APIC Mode").
		 */
		if (val & 0xfff33000ull)
			return -EINVAL;
		l->icr_lo = (u32)val;
		l->icr_hi = val >> 32;
		send_ipi(l, (u32)val, val >> 32);
		return 0;
	}
	if (val >> 32)
		return -EINVAL;
	return reg_write(l, offset, val);
}

/**
 * axvm_lapic_get_cr8() - MOV from CR8: TPR[7:4]
 * @vcpu: the vCPU (has a LAPIC)
 *
 * As 11.8.6.1 "Interaction of Task Priorities between CR8 and APIC" has it.
 *
 * Return: CR8.
 */
u64 axvm_lapic_get_cr8(struct axvm_vcpu *vcpu)
{
	return vcpu->lapic->tpr >> 4;
}

/**
 * axvm_lapic_set_cr8() - MOV to CR8: TPR = CR8 << 4
 * @vcpu: the vCPU (has a LAPIC)
 * @cr8: the value (bits 3:0)
 */
void axvm_lapic_set_cr8(struct axvm_vcpu *vcpu, u64 cr8)
{
	vcpu->lapic->tpr = (cr8 & 0xf) << 4;
}

/**
 * axvm_lapic_pending_vector() - the vector the APIC would dispatch now
 * @vcpu: the vCPU (any; without a LAPIC there is none)
 *
 * Return: the highest IRR vector above the processor priority, or -1.
 */
int axvm_lapic_pending_vector(struct axvm_vcpu *vcpu)
{
	struct axvm_lapic *l = vcpu->lapic;
	int irr;

	if (!l)
		return -1;
	irr = axvm_lapic_highest(l->irr);
	if (irr < 0 ||
	    !axvm_lapic_deliverable(irr, axvm_lapic_ppr(l->tpr,
							axvm_lapic_highest(l->isr))))
		return -1;
	return irr;
}

/**
 * axvm_lapic_accept() - the vector is being injected: IRR -> ISR
 * @vcpu: the vCPU
 * @vector: from axvm_lapic_pending_vector()
 */
void axvm_lapic_accept(struct axvm_vcpu *vcpu, int vector)
{
	clear_bit(vector, vcpu->lapic->irr);
	set_bit(vector, vcpu->lapic->isr);
}

/* Would anything wake this vCPU now? */
static bool wake_condition(struct axvm_vcpu *vcpu)
{
	struct axvm_lapic *l = vcpu->lapic;

	if (READ_ONCE(l->init_pending))
		return true;
	if (READ_ONCE(l->mp_state) == AXVM_MP_WAIT_SIPI)
		return READ_ONCE(l->sipi_pending);
	return READ_ONCE(l->nmi_pending) || axvm_vmx_event_pending(vcpu) ||
	       axvm_lapic_pending_vector(vcpu) >= 0;
}

/* INIT and SIPI sent by other vCPUs take effect here, in the owner. */
static void take_init_sipi(struct axvm_vcpu *vcpu)
{
	struct axvm_lapic *l = vcpu->lapic;
	bool init, sipi;
	u8 vector;

	spin_lock_irq(&l->lock);
	init = l->init_pending;
	l->init_pending = false;
	if (init)
		l->mp_state = AXVM_MP_WAIT_SIPI;
	sipi = l->sipi_pending && l->mp_state == AXVM_MP_WAIT_SIPI;
	vector = l->sipi_vector;
	l->sipi_pending = false;
	if (sipi)
		l->mp_state = AXVM_MP_RUNNABLE;
	spin_unlock_irq(&l->lock);
	if (init) {
		reset_regs(l);
		axvm_vmx_vcpu_reset(vcpu);
		/* INIT drops any exit the old context left unanswered. */
		vcpu->pending_exit = AXVM_EXIT_NOTHING;
	}
	if (sipi)
		axvm_vmx_vcpu_sipi(vcpu, vector);
}

/**
 * axvm_lapic_prepare_entry() - before each entry of a vCPU with a LAPIC
 * @vcpu: the loaded vCPU, in AXVM_RUN
 *
 * Applies INIT/SIPI/NMI sent by others, and sleeps while the vCPU is
 * halted or waits for a SIPI.
 *
 * Return: 0 to enter the guest, -EAGAIN after a sleep (check stop and
 * signals, then call again), -EINTR for a signal during the sleep.
 */
int axvm_lapic_prepare_entry(struct axvm_vcpu *vcpu)
{
	struct axvm_lapic *l = vcpu->lapic;
	struct axvm_event nmi = { .type = AXVM_EVENT_NMI };

	if (READ_ONCE(l->init_pending) || READ_ONCE(l->sipi_pending))
		take_init_sipi(vcpu);
	/*
	 * A CPU latches one NMI while another is blocked (SDM Vol. 3A, 6.7.1
	 * "Handling Multiple NMIs"): an NMI arriving while one already waits
	 * for injection (-EBUSY) merges with it instead of waiting here to
	 * be delivered as a second one.
	 */
	if (READ_ONCE(l->nmi_pending) && READ_ONCE(l->mp_state) != AXVM_MP_WAIT_SIPI &&
	    xchg(&l->nmi_pending, false))
		axvm_vmx_queue_event(vcpu, &nmi);
	switch (READ_ONCE(l->mp_state)) {
	case AXVM_MP_RUNNABLE:
		return 0;
	case AXVM_MP_HALTED:
		if (wake_condition(vcpu)) {
			WRITE_ONCE(l->mp_state, AXVM_MP_RUNNABLE);
			return 0;
		}
		break;
	}
	if (wait_event_interruptible(vcpu->wq, wake_condition(vcpu) ||
				     axvm_vcpu_stop_pending(vcpu)))
		return -EINTR;
	return -EAGAIN;
}

/**
 * axvm_lapic_halt() - HLT with IF=1: sleep until an interrupt comes
 * @vcpu: the vCPU (has a LAPIC)
 */
void axvm_lapic_halt(struct axvm_vcpu *vcpu)
{
	struct axvm_lapic *l = vcpu->lapic;

	spin_lock_irq(&l->lock);
	if (l->mp_state == AXVM_MP_RUNNABLE)
		l->mp_state = AXVM_MP_HALTED;
	spin_unlock_irq(&l->lock);
}

/**
 * axvm_lapic_take_report() - a CpuUp/SendIPI record for userspace?
 * @vcpu: the vCPU
 * @e: the record to fill
 *
 * Return: true if @e now holds a record (no answer is needed).
 */
bool axvm_lapic_take_report(struct axvm_vcpu *vcpu, struct axvm_exit *e)
{
	struct axvm_lapic *l = vcpu->lapic;
	u32 kind;

	if (!l || l->report_kind == AXVM_EXIT_NOTHING)
		return false;
	kind = l->report_kind;
	l->report_kind = AXVM_EXIT_NOTHING;
	memset(&e->u, 0, sizeof(e->u));
	e->kind = kind;
	if (kind == AXVM_EXIT_CPU_UP) {
		e->u.cpu_up.target_cpu = l->report[0];
		e->u.cpu_up.entry_point = l->report[1];
		e->u.cpu_up.arg = l->report[2];
	} else {
		e->u.send_ipi.target_cpu = l->report[0];
		e->u.send_ipi.vector = l->report[1];
		e->u.send_ipi.send_to_all = !!(l->report[2] & 1);
		e->u.send_ipi.send_to_self = !!(l->report[2] & 2);
	}
	return true;
}

/**
 * axvm_lapic_send_irq() - AXVM_IRQ: an interrupt message from userspace
 * @vm: the VM
 * @irq: destination, mode and vector
 *
 * Return: 0, -EINVAL for a bad message, -ENXIO if the VM has no LAPICs,
 * -ENOENT if no APIC has that ID.
 */
int axvm_lapic_send_irq(struct axvm_vm *vm, const struct axvm_irq *irq)
{
	static const u8 mode[] = {
		[AXVM_IRQ_FIXED] = LAPIC_DM_FIXED,
		[AXVM_IRQ_NMI] = LAPIC_DM_NMI,
		[AXVM_IRQ_INIT] = LAPIC_DM_INIT,
	};
	struct axvm_vcpu *v;
	bool found = false;
	int i;

	if (irq->pad[0] || irq->pad[1] ||
	    (irq->mode != AXVM_IRQ_FIXED && irq->mode != AXVM_IRQ_NMI &&
	     irq->mode != AXVM_IRQ_INIT) ||
	    (irq->mode == AXVM_IRQ_FIXED && irq->vector < 16))
		return -EINVAL;
	if (!READ_ONCE(vm->has_lapic))
		return -ENXIO;
	rcu_read_lock();
	for (i = 0; i < AXVM_MAX_VCPUS; i++) {
		v = READ_ONCE(vm->vcpus[i]);
		if (!v || !v->lapic ||
		    (irq->dest != AXVM_IRQ_BROADCAST && irq->dest != v->lapic->id))
			continue;
		found = true;
		deliver(v->lapic, mode[irq->mode], irq->vector);
	}
	rcu_read_unlock();
	return found ? 0 : -ENOENT;
}

/*
 * Does @t's APIC accept a message to @m's destination (11.6.2 "Determining
 * IPI Destination")?
 */
static bool msg_match(const struct axvm_lapic *t, const struct axvm_apic_msg *m)
{
	if (m->logical) {
		if (x2apic_mode(t))
			return axvm_lapic_match_logical(true, axvm_x2apic_ldr(t->id),
							0, m->dest);
		return axvm_lapic_match_logical(false, READ_ONCE(t->ldr),
						READ_ONCE(t->dfr), m->dest);
	}
	return m->dest == 0xff || m->dest == t->id;
}

/* Deliver @m to @t. Return: 1 if it accepted it. */
static int deliver_msg(struct axvm_lapic *t, const struct axvm_apic_msg *m)
{
	switch (m->mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		return accept_trig(t, m->vector, m->level);
	case LAPIC_DM_NMI:
	case LAPIC_DM_INIT:
		deliver(t, m->mode, m->vector);
		return 1;
	}
	return 0;
}

/**
 * axvm_lapic_deliver_msg() - an interrupt message from the I/O APIC
 * @vm: the VM
 * @m: destination, mode, vector, trigger mode
 *
 * Fixed, NMI and INIT go to every APIC the destination names; lowest
 * priority to one of them, the enabled one with the lowest vCPU id (a
 * fixed arbitration: the SDM leaves the choice to the chipset, 11.6.2.4
 * "Lowest Priority Delivery Mode").
 * Any thread.
 *
 * Return: how many APICs accepted it.
 */
int axvm_lapic_deliver_msg(struct axvm_vm *vm, const struct axvm_apic_msg *m)
{
	struct axvm_vcpu *v;
	int i, n = 0;

	rcu_read_lock();
	for (i = 0; i < AXVM_MAX_VCPUS; i++) {
		v = READ_ONCE(vm->vcpus[i]);
		if (!v || !v->lapic || !msg_match(v->lapic, m))
			continue;
		if (m->mode == LAPIC_DM_LOWEST &&
		    (!hw_enabled(v->lapic) || !sw_enabled(v->lapic)))
			continue;
		n += deliver_msg(v->lapic, m);
		if (n && m->mode == LAPIC_DM_LOWEST)
			break;
	}
	rcu_read_unlock();
	return n;
}

/**
 * axvm_vm_create_lapic() - AXVM_CREATE_LAPIC: LAPICs for the VM's vCPUs
 * @vm: the VM
 * @cfg: flags
 *
 * Return: 0, -EINVAL for unknown flags or padding, -EEXIST if the VM has
 * LAPICs already, -EBUSY if it has vCPUs without.
 */
int axvm_vm_create_lapic(struct axvm_vm *vm, const struct axvm_lapic_config *cfg)
{
	int i, ret = 0;

	if (cfg->pad ||
	    (cfg->flags & ~(AXVM_LAPIC_F_CPU_UP_EXIT | AXVM_LAPIC_F_IPI_EXIT)))
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->has_lapic) {
		ret = -EEXIST;
		goto out;
	}
	for (i = 0; i < AXVM_MAX_VCPUS; i++) {
		if (vm->vcpus[i]) {
			ret = -EBUSY;
			goto out;
		}
	}
	vm->lapic_flags = cfg->flags;
	WRITE_ONCE(vm->has_lapic, true);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * axvm_lapic_create() - give a new vCPU its APIC
 * @vcpu: the vCPU (id set), not yet visible to others
 *
 * vCPU 0 is the bootstrap processor; every other starts waiting for SIPI.
 *
 * Return: 0 or -ENOMEM.
 */
int axvm_lapic_create(struct axvm_vcpu *vcpu)
{
	struct axvm_lapic *l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);

	if (!l)
		return -ENOMEM;
	l->vcpu = vcpu;
	spin_lock_init(&l->lock);
	hrtimer_init(&l->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	l->timer.function = timer_fn;
	l->id = vcpu->id;
	l->base = LAPIC_DEFAULT_BASE | LAPIC_BASE_ENABLE |
		  (vcpu->id ? 0 : LAPIC_BASE_BSP);
	reset_regs(l);
	l->mp_state = vcpu->id ? AXVM_MP_WAIT_SIPI : AXVM_MP_RUNNABLE;
	l->report_kind = AXVM_EXIT_NOTHING;
	vcpu->lapic = l;
	return 0;
}

/**
 * axvm_lapic_destroy() - free a vCPU's APIC
 * @vcpu: the vCPU; unreachable for other vCPUs (after an RCU grace period)
 */
void axvm_lapic_destroy(struct axvm_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	hrtimer_cancel(&vcpu->lapic->timer);
	kfree(vcpu->lapic);
	vcpu->lapic = NULL;
}
