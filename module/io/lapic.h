/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel local APIC, one per vCPU (SDM Vol. 3A, chapter 11 "Advanced
 * Programmable Interrupt Controller (APIC)"): xAPIC registers through the MMIO
 * page at IA32_APIC_BASE, x2APIC through MSRs 0x800-0x8ff, the timer
 * (one-shot, periodic, TSC-deadline) on an hrtimer, IPIs between vCPUs,
 * INIT and SIPI. See Documentation/lapic.rst.
 *
 * Ownership: the registers, ISR and the timer set-up belong to the vCPU's
 * own thread. Other threads and the timer only set IRR bits and the
 * pending NMI/INIT/SIPI flags (atomics or @lock), then kick the vCPU.
 */
#ifndef AXVM_IO_LAPIC_H
#define AXVM_IO_LAPIC_H

#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct axvm_vcpu;
struct axvm_vm;
struct axvm_exit;
struct axvm_irq;
struct axvm_lapic_config;
struct axvm_apic_msg;

/*
 * Register offsets in the xAPIC page (Table 11-1 "Local APIC Register
 * Address Map").
 */
#define LAPIC_REG_ID		0x020
#define LAPIC_REG_VERSION	0x030
#define LAPIC_REG_TPR		0x080
#define LAPIC_REG_APR		0x090
#define LAPIC_REG_PPR		0x0a0
#define LAPIC_REG_EOI		0x0b0
#define LAPIC_REG_RRD		0x0c0
#define LAPIC_REG_LDR		0x0d0
#define LAPIC_REG_DFR		0x0e0
#define LAPIC_REG_SPIV		0x0f0
#define LAPIC_REG_ISR		0x100
#define LAPIC_REG_TMR		0x180
#define LAPIC_REG_IRR		0x200
#define LAPIC_REG_ESR		0x280
#define LAPIC_REG_LVT_CMCI	0x2f0
#define LAPIC_REG_ICR_LO		0x300
#define LAPIC_REG_ICR_HI		0x310
#define LAPIC_REG_LVT_TIMER	0x320
#define LAPIC_REG_LVT_THERMAL	0x330
#define LAPIC_REG_LVT_PERF	0x340
#define LAPIC_REG_LVT_LINT0	0x350
#define LAPIC_REG_LVT_LINT1	0x360
#define LAPIC_REG_LVT_ERROR	0x370
#define LAPIC_REG_TMICT		0x380
#define LAPIC_REG_TMCCT		0x390
#define LAPIC_REG_TDCR		0x3e0
#define LAPIC_REG_SELF_IPI	0x3f0	/* x2APIC only (MSR 0x83f) */

#define LAPIC_VERSION_VALUE	0x00050014	/* integrated APIC, max LVT 5 */
#define LAPIC_LVT_MASKED		BIT(16)
#define LAPIC_LVT_TIMER_MODE(v)	(((v) >> 17) & 3)
#define LAPIC_TIMER_ONESHOT	0
#define LAPIC_TIMER_PERIODIC	1
#define LAPIC_TIMER_TSC_DEADLINE	2
#define LAPIC_SPIV_ENABLED	BIT(8)

/* ICR fields (11.6.1 "Interrupt Command Register (ICR)", Figure 11-12). */
#define LAPIC_ICR_VECTOR(lo)	((lo) & 0xff)
#define LAPIC_ICR_MODE(lo)	(((lo) >> 8) & 7)
#define LAPIC_ICR_LOGICAL	BIT(11)
#define LAPIC_ICR_LEVEL_ASSERT	BIT(14)
#define LAPIC_ICR_TRIGGER_LEVEL	BIT(15)
#define LAPIC_ICR_SHORTHAND(lo)	(((lo) >> 18) & 3)
#define LAPIC_DM_FIXED		0
#define LAPIC_DM_LOWEST		1
#define LAPIC_DM_SMI		2
#define LAPIC_DM_NMI		4
#define LAPIC_DM_INIT		5
#define LAPIC_DM_STARTUP		6
#define LAPIC_SH_NONE		0
#define LAPIC_SH_SELF		1
#define LAPIC_SH_ALL		2
#define LAPIC_SH_OTHERS		3

/*
 * IA32_APIC_BASE (11.4.4 "Local APIC Status and Location", 11.12.1
 * "Detecting and Enabling x2APIC Mode").
 */
#define LAPIC_BASE_BSP		BIT(8)
#define LAPIC_BASE_EXTD		BIT(10)
#define LAPIC_BASE_ENABLE	BIT(11)
#define LAPIC_DEFAULT_BASE	0xfee00000ull

#define LAPIC_MSR_FIRST		0x800
#define LAPIC_MSR_LAST		0x8ff
#define MSR_TSC_DEADLINE	0x6e0

/* Periodic timers faster than this are slowed down to it (as in KVM). */
#define AXVM_LAPIC_MIN_PERIOD_NS	200000ULL

/**
 * enum axvm_mp_state - is the vCPU running guest code?
 * @AXVM_MP_RUNNABLE: enter the guest
 * @AXVM_MP_HALTED: HLT with IF=1: wait for an interrupt
 * @AXVM_MP_WAIT_SIPI: after INIT (APs from creation): wait for a SIPI
 */
enum axvm_mp_state {
	AXVM_MP_RUNNABLE,
	AXVM_MP_HALTED,
	AXVM_MP_WAIT_SIPI,
};

/**
 * struct axvm_lapic - one vCPU's local APIC
 * @vcpu: its vCPU
 * @lock: @init_pending, @sipi_pending, @sipi_vector and @mp_state
 * @irr: interrupt request register (set by anyone, atomically)
 * @isr: in-service register (owner only)
 * @tmr: trigger mode register: set when a level-triggered interrupt is
 *	accepted, cleared for an edge one (atomically, before its IRR bit)
 * @nmi_pending: an NMI was sent (consumed by the owner)
 * @init_pending: an INIT was sent
 * @sipi_pending: a SIPI was sent while waiting for one
 * @sipi_vector: its vector
 * @mp_state: enum axvm_mp_state
 * @base: IA32_APIC_BASE
 * @id: APIC ID (the vCPU id)
 * @tpr: task priority register
 * @ldr: logical destination register (xAPIC)
 * @dfr: destination format register (xAPIC)
 * @spiv: spurious-interrupt vector register
 * @esr: error status as last latched by an ESR write
 * @esr_pending: errors since the last ESR write (bit ops: any context)
 * @lvt: LVT timer, thermal, perf, LINT0, LINT1, error, CMCI
 * @icr_lo: ICR bits 31:0 as last written
 * @icr_hi: ICR bits 63:32 (xAPIC destination)
 * @tmict: timer initial count
 * @tdcr: timer divide configuration
 * @timer: fires the timer interrupt
 * @timer_start: when the current one-shot/periodic count started (ns)
 * @period_ns: one-shot/periodic length in ns, 0 when stopped
 * @tsc_deadline: IA32_TSC_DEADLINE (0: disarmed)
 * @report: a CpuUp/SendIPI record the owner must return to userspace
 * @report_kind: its kind, or AXVM_EXIT_NOTHING
 */
struct axvm_lapic {
	struct axvm_vcpu *vcpu;
	spinlock_t lock;
	DECLARE_BITMAP(irr, 256);
	DECLARE_BITMAP(isr, 256);
	DECLARE_BITMAP(tmr, 256);
	bool nmi_pending;
	bool init_pending;
	bool sipi_pending;
	u8 sipi_vector;
	int mp_state;
	u64 base;
	u32 id, tpr, ldr, dfr, spiv;
	u32 esr;
	unsigned long esr_pending;
	u32 lvt[7];
	u32 icr_lo, icr_hi;
	u32 tmict, tdcr;
	struct hrtimer timer;
	u64 timer_start, period_ns;
	u64 tsc_deadline;
	u64 report[3];
	u32 report_kind;
};

/* lapic_regs.c: register arithmetic without side effects (KUnit). */
int axvm_lapic_highest(const unsigned long *bits);
u32 axvm_lapic_ppr(u32 tpr, int isr_vector);
bool axvm_lapic_deliverable(int irr_vector, u32 ppr);
unsigned int axvm_lapic_divisor(u32 tdcr);
int axvm_lapic_lvt_index(u32 offset);
u32 axvm_lapic_lvt_mask(u32 offset);
u32 axvm_x2apic_ldr(u32 id);
bool axvm_lapic_match_logical(bool x2apic, u32 ldr, u32 dfr, u32 dest);
int axvm_lapic_msr_offset(u32 msr);

/* lapic.c */
int axvm_lapic_create(struct axvm_vcpu *vcpu);
void axvm_lapic_destroy(struct axvm_vcpu *vcpu);
int axvm_lapic_mmio(struct axvm_vcpu *vcpu, u64 gpa, unsigned int width,
		    bool write, u64 *val);
int axvm_lapic_rdmsr(struct axvm_vcpu *vcpu, u32 msr, u64 guest_tsc, u64 *val);
int axvm_lapic_wrmsr(struct axvm_vcpu *vcpu, u32 msr, u64 val, u64 guest_tsc);
u64 axvm_lapic_get_cr8(struct axvm_vcpu *vcpu);
void axvm_lapic_set_cr8(struct axvm_vcpu *vcpu, u64 cr8);
int axvm_lapic_pending_vector(struct axvm_vcpu *vcpu);
void axvm_lapic_accept(struct axvm_vcpu *vcpu, int vector);
bool axvm_lapic_take_nmi(struct axvm_vcpu *vcpu);
int axvm_lapic_prepare_entry(struct axvm_vcpu *vcpu);
void axvm_lapic_halt(struct axvm_vcpu *vcpu);
bool axvm_lapic_take_report(struct axvm_vcpu *vcpu, struct axvm_exit *e);
int axvm_lapic_send_irq(struct axvm_vm *vm, const struct axvm_irq *irq);
int axvm_lapic_deliver_msg(struct axvm_vm *vm, const struct axvm_apic_msg *m);
int axvm_vm_create_lapic(struct axvm_vm *vm,
			 const struct axvm_lapic_config *cfg);

#endif
