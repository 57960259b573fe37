/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC and SMP side of the Multiboot test kernels (mb_smp,
 * mb_ipi, mb_apic_timer): xAPIC (MMIO at 0xfee00000) and x2APIC (MSRs
 * 0x800-0x8ff) register access, IPIs through the ICR, a GDT and an IDT
 * whose 256 vectors all go to mb_vector(), a spinlock for COM1, the TSC
 * calibrated against the PIT, and AP bring-up with INIT-SIPI-SIPI through
 * a real-mode trampoline copied to TRAMP_BASE. See apic.c.
 */
#ifndef AXVM_MB_APIC_H
#define AXVM_MB_APIC_H

#define MAX_CPUS	64		/* AXVM_MAX_VCPUS */
#define AP_STACK_SHIFT	13
#define AP_STACK_SIZE	(1 << AP_STACK_SHIFT)
#define TRAMP_BASE	0x8000		/* SIPI vector 0x08 */

#ifndef __ASSEMBLER__

#include "mb.h"

/* xAPIC register offsets; the x2APIC MSR is 0x800 + (offset >> 4). */
#define APIC_BASE_ADDR	0xfee00000U
#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SPIV	0x0f0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0

#define ICR_FIXED	0x00000
#define ICR_NMI		0x00400
#define ICR_INIT	0x00500
#define ICR_STARTUP	0x00600
#define ICR_LOGICAL	0x00800
#define ICR_BUSY	0x01000
#define ICR_ASSERT	0x04000
#define ICR_SELF	0x40000
#define ICR_ALL		0x80000
#define ICR_ALL_BUT_SELF 0xc0000

#define LVT_MASKED	(1U << 16)
#define LVT_ONESHOT	(0U << 17)
#define LVT_PERIODIC	(1U << 17)
#define LVT_DEADLINE	(2U << 17)

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0
#define APIC_BASE_BSP		(1U << 8)
#define APIC_BASE_X2APIC	(1U << 10)
#define APIC_BASE_ENABLE	(1U << 11)

#define SPURIOUS_VEC	0xff
#define WAKE_VEC	0x30		/* an AP's command is waiting */

#define CPUID1_ECX_X2APIC	(1U << 21)
#define CPUID1_ECX_DEADLINE	(1U << 24)
#define CPUID1_EDX_APIC		(1U << 9)

struct cpu;
typedef void (*vec_fn)(struct cpu *c, uint32_t vector);
typedef void (*call_fn)(struct cpu *c, uint32_t arg);

/* One per CPU: slot 0 is the BSP, the APs take slots 1.. as they arrive. */
struct cpu {
	uint32_t slot;
	volatile uint32_t alive;
	uint32_t apic_id;		/* xAPIC ID register bits 31:24 */
	uint32_t cpuid_id;		/* CPUID.1 EBX[31:24] */
	uint32_t apic_base;		/* IA32_APIC_BASE as it arrived */
	volatile int x2apic;		/* this CPU's APIC is in x2APIC mode */
	volatile uint32_t hits[256];	/* interrupts taken, by vector */
	/* smp_call(): a function to run in the AP's idle loop */
	volatile call_fn fn;
	volatile uint32_t arg, seq, done;
	volatile uint32_t scratch[8];	/* results of calls */
} __attribute__((aligned(64)));

extern struct cpu cpus[MAX_CPUS];
extern volatile uint32_t ap_arrivals;	/* APs that reached ap_entry() */
extern volatile uint32_t apic_id_seen[256];	/* each AP marks its APIC ID */
extern vec_fn vec_handlers[256];
extern uint64_t tsc_ms;
extern volatile uint32_t apic_icr_stuck;	/* xAPIC ICR busy for too long */			/* TSC cycles per ms, by the PIT */

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val),
			 "d"((uint32_t)(val >> 32)) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void irq_on(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_off(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* The CPU we run on, from the stack pointer (no exit). */
struct cpu *this_cpu(void);

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t val);
/* ICR: dest is an APIC ID (or a logical destination with ICR_LOGICAL). */
void apic_send(uint32_t dest, uint32_t icr);
void apic_eoi(void);
int apic_vec_bit(uint32_t base, uint32_t vector);	/* ISR/IRR/TMR bit */
void apic_sw_enable(void);
int apic_to_x2apic(void);		/* 0, or -1 without x2APIC in CPUID */

void cpu_setup(void);			/* GDT, IDT, PIC masked (BSP and APs) */
void bsp_init(void);			/* cpu_setup, COM1, slot 0, APIC on */

void lock_print(void);
void unlock_print(void);
int cprintf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
void ccheck(int ok, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));

uint64_t tsc_calibrate(void);		/* sets tsc_ms */
void tsc_delay_us(uint64_t us);
/* Spins with interrupts on until *p != 0 or ms elapsed; returns *p != 0. */
int wait_nonzero(volatile uint32_t *p, uint64_t ms);
int wait_ge(volatile uint32_t *p, uint32_t n, uint64_t ms);

/* fw_cfg NB_CPUS, or "ncpus=N" from the command line when given. */
uint16_t fwcfg_nb_cpus(const struct mb_info *mbi);

/* INIT-SIPI-SIPI to apic_id; the new AP's slot, or -1 if none came. */
int smp_start_ap(uint32_t apic_id, uint64_t timeout_ms);
/* Hands fn(c, arg) to the AP's idle loop; done reaches the value returned. */
uint32_t smp_post(struct cpu *c, call_fn fn, uint32_t arg);
/* Runs fn(c, arg) in the AP's idle loop; 0 when it finished in time. */
int smp_call(struct cpu *c, call_fn fn, uint32_t arg, uint64_t timeout_ms);

void mb_vector(uint32_t vector);

#endif /* __ASSEMBLER__ */
#endif
