// SPDX-License-Identifier: GPL-2.0
/*
 * mb_ipi: inter-processor interrupts through the local APIC, first in
 * xAPIC mode (ICR at 0xfee00300/0x310), then, if CPUID.1:ECX[21] shows
 * x2APIC, on every CPU switched to x2APIC (ICR as MSR 0x830).
 *
 * Needs at least 2 vCPUs (`axctl create --vcpus N`); brings up every AP
 * as mb_smp does. In each mode:
 *  - a self-IPI (shorthand "self") with IF=0 stays pending in the IRR,
 *    is taken once after STI with its ISR bit set and PPR at its class in
 *    the handler, and leaves ISR and IRR clear after the EOI;
 *  - ROUNDS ping-pong round trips of fixed IPIs between the BSP and APIC
 *    ID 1 (xAPIC: the BSP pings, the AP answers from its handler while
 *    it idles in HLT; x2APIC: the AP pings, the BSP answers while it
 *    waits in HLT, woken by each ping and by its LAPIC timer every 1 ms),
 *    every ping and pong counted on its receiving side;
 *  - the "all but self" and "all" shorthands reach every CPU once;
 *  - logical destinations: flat (xAPIC: DFR all ones, LDR one bit per
 *    APIC ID 1-7) and cluster (x2APIC: the read-only LDR of each AP);
 *  - xAPIC only: an NMI IPI reaches APIC ID 1.
 * Waits are bounded by the TSC, calibrated against the PIT. Exits with
 * the number of failed checks.
 */
#include "apic.h"

#define PING_VEC	0x40
#define PONG_VEC	0x41
#define SELF_VEC	0x52
#define BCAST_VEC	0x63
#define TICK_VEC	0x31		/* the BSP's LAPIC timer while it waits in HLT */
#define ROUNDS		1000
#define AP_TIMEOUT_MS	2000

int mb_main(uint32_t magic, const struct mb_info *mbi);

static uint32_t n;			/* CPUs up, slots 0..n-1 */
static volatile uint32_t pings, pongs, answer_to;
static volatile uint32_t self_isr, self_ppr;

static void on_ping(struct cpu *c, uint32_t v)
{
	(void)c;
	(void)v;
	pings++;
	apic_send(answer_to, ICR_FIXED | ICR_ASSERT | PONG_VEC);
}

static void on_pong(struct cpu *c, uint32_t v)
{
	(void)c;
	(void)v;
	pongs++;
}

static void on_self(struct cpu *c, uint32_t v)
{
	(void)c;
	self_isr = apic_vec_bit(APIC_ISR, v);
	self_ppr = apic_read(APIC_PPR);
}

/* ROUNDS round trips from this CPU to peer; the number completed. */
static uint32_t pingpong(uint32_t peer, uint32_t rounds, uint64_t *tsc)
{
	uint64_t t0 = rdtsc();
	uint32_t i;

	for (i = 0; i < rounds; i++) {
		apic_send(peer, ICR_FIXED | ICR_ASSERT | PING_VEC);
		if (!wait_ge(&pongs, i + 1, 1000))
			break;
	}
	*tsc = rdtsc() - t0;
	return i;
}

/*
 * Waits in HLT with interrupts on until *p >= n or ms elapsed, the LAPIC
 * timer (periodic, 1 ms) waking it at least once a ms: the waiting vCPU
 * sleeps in the kernel, so a peer sharing its host CPU gets to run.
 */
static int hlt_wait_ge(volatile uint32_t *p, uint32_t n, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * tsc_ms;

	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | TICK_VEC);
	apic_write(APIC_TMICT, 1000000);
	irq_off();
	while (*p < n && rdtsc() < end)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | TICK_VEC);
	irq_on();
	return *p >= n;
}

/* smp_call: the AP pings the BSP (APIC ID arg). */
static void ap_pingpong(struct cpu *c, uint32_t peer)
{
	uint64_t tsc;

	c->scratch[0] = pingpong(peer, ROUNDS, &tsc);
	c->scratch[1] = (uint32_t)tsc;
	c->scratch[2] = (uint32_t)(tsc >> 32);
}

/* smp_call: to x2APIC mode; the x2APIC ID, LDR and IA32_APIC_BASE. */
static void ap_x2apic(struct cpu *c, uint32_t arg)
{
	(void)arg;
	irq_off();
	c->scratch[3] = apic_to_x2apic();
	c->scratch[0] = (uint32_t)rdmsr(0x802);
	c->scratch[1] = (uint32_t)rdmsr(0x80d);
	c->scratch[2] = (uint32_t)rdmsr(MSR_APIC_BASE);
	irq_on();
}

/* smp_call: flat logical mode, LDR bit arg (xAPIC). */
static void ap_flat(struct cpu *c, uint32_t bit)
{
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, bit << 24);
	c->scratch[0] = apic_read(APIC_LDR);
}

static void self_ipi(const char *mode)
{
	struct cpu *c = this_cpu();
	uint32_t h = c->hits[SELF_VEC];
	int irr;

	irq_off();
	self_isr = 0;
	self_ppr = 0;
	apic_send(0, ICR_SELF | ICR_FIXED | ICR_ASSERT | SELF_VEC);
	irr = apic_vec_bit(APIC_IRR, SELF_VEC);
	ccheck(c->hits[SELF_VEC] == h && irr,
	       "%s: self-IPI pending in the IRR with IF=0 (IRR bit %d)", mode, irr);
	wait_ge(&c->hits[SELF_VEC], h + 1, 100);
	irq_on();
	tsc_delay_us(1000);		/* a second delivery would show */
	irq_off();
	ccheck(c->hits[SELF_VEC] == h + 1, "%s: self-IPI taken once after STI (%u)", mode,
	       c->hits[SELF_VEC] - h);
	ccheck(self_isr && (self_ppr & 0xf0) == (SELF_VEC & 0xf0),
	       "%s: in the handler ISR bit %u, PPR 0x%x", mode, self_isr, self_ppr);
	ccheck(!apic_vec_bit(APIC_ISR, SELF_VEC) && !apic_vec_bit(APIC_IRR, SELF_VEC) &&
	       (apic_read(APIC_PPR) & 0xf0) == 0, "%s: ISR, IRR and PPR clear after the EOI", mode);
}

static uint32_t sum_hits(uint32_t vector, const uint32_t *before)
{
	uint32_t i, s = 0;

	for (i = 0; i < n; i++)
		s += cpus[i].hits[vector] - before[i];
	return s;
}

/*
 * Sends vector with icr (a shorthand, or dest logical) and checks that
 * exactly the CPUs in want (a bit per slot) took it once.
 */
static void deliver(const char *what, uint32_t dest, uint32_t icr, uint64_t want)
{
	uint32_t before[MAX_CPUS], i, nwant = 0, bad = 0;
	uint64_t end;

	for (i = 0; i < n; i++) {
		before[i] = cpus[i].hits[BCAST_VEC];
		nwant += want >> i & 1;
	}
	apic_send(dest, icr | ICR_FIXED | ICR_ASSERT | BCAST_VEC);
	end = rdtsc() + 1000 * tsc_ms;
	irq_on();
	while (sum_hits(BCAST_VEC, before) < nwant && rdtsc() < end)
		cpu_relax();
	tsc_delay_us(20000);		/* a second delivery would show */
	for (i = 0; i < n; i++) {
		uint32_t got = cpus[i].hits[BCAST_VEC] - before[i];

		if (got != (want >> i & 1)) {
			cprintf("%s: APIC ID %u took it %u times\n", what, cpus[i].apic_id, got);
			bad++;
		}
	}
	ccheck(!bad, "%s: the %u CPUs addressed took it once, no other", what, nwant);
}

static uint64_t all_slots(void)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

static void xapic_half(void)
{
	uint32_t done, i, bad = 0;
	uint64_t tsc, mask = 0;

	self_ipi("xAPIC");

	pings = pongs = 0;
	answer_to = cpus[0].apic_id;
	done = pingpong(cpus[1].apic_id, ROUNDS, &tsc);
	cprintf("xAPIC ping-pong: %u round trips, %u pings taken by the AP, %u pongs by the BSP, %llu TSC per round trip\n",
		done, pings, pongs, (unsigned long long)(done ? tsc / done : 0));
	ccheck(done == ROUNDS && pings == ROUNDS && pongs == ROUNDS,
	       "xAPIC: %d ping-pong round trips BSP -> APIC ID 1, counted on both sides", ROUNDS);

	deliver("xAPIC all-but-self", 0, ICR_ALL_BUT_SELF, all_slots() & ~1ULL);
	deliver("xAPIC all", 0, ICR_ALL, all_slots());

	i = cpus[1].hits[2];
	apic_send(cpus[1].apic_id, ICR_NMI | ICR_ASSERT);
	wait_ge(&cpus[1].hits[2], i + 1, 1000);
	tsc_delay_us(10000);
	ccheck(cpus[1].hits[2] == i + 1, "xAPIC: an NMI IPI reaches APIC ID 1 once");

	/* Flat logical: APs with APIC ID 1-7 get LDR bit ID. */
	apic_write(APIC_DFR, 0xffffffff);
	apic_write(APIC_LDR, 1U << 24);
	for (i = 1; i < n; i++) {
		if (cpus[i].apic_id < 1 || cpus[i].apic_id > 7)
			continue;
		if (smp_call(&cpus[i], ap_flat, 1U << cpus[i].apic_id, AP_TIMEOUT_MS) ||
		    cpus[i].scratch[0] != 1U << (24 + cpus[i].apic_id))
			bad++;
		else
			mask |= 1ULL << i;
	}
	ccheck(!bad, "xAPIC: APs set flat logical LDRs (DFR all ones)");
	deliver("xAPIC logical flat to APIC ID 1", 1U << cpus[1].apic_id, ICR_LOGICAL, 1ULL << 1);
	if (mask != 2) {
		uint32_t ldrs = 0;

		for (i = 1; i < n; i++)
			if (mask >> i & 1)
				ldrs |= 1U << cpus[i].apic_id;
		deliver("xAPIC logical flat to every AP", ldrs, ICR_LOGICAL, mask);
	}
}

static void x2apic_half(void)
{
	uint32_t i, id, ldr, bad = 0, cluster0 = 0;
	uint64_t tsc, mask = 0;

	/* The APs first: no IPI crosses modes. */
	for (i = 1; i < n; i++) {
		id = cpus[i].apic_id;
		ldr = (id >> 4) << 16 | 1U << (id & 15);
		if (smp_call(&cpus[i], ap_x2apic, 0, AP_TIMEOUT_MS) || cpus[i].scratch[3] ||
		    cpus[i].scratch[0] != id || cpus[i].scratch[1] != ldr ||
		    !(cpus[i].scratch[2] & APIC_BASE_X2APIC)) {
			cprintf("APIC ID %u in x2APIC mode: ID %u, LDR 0x%x, IA32_APIC_BASE 0x%x\n",
				id, cpus[i].scratch[0], cpus[i].scratch[1], cpus[i].scratch[2]);
			bad++;
		}
		if (id < 16) {
			cluster0 |= 1U << id;
			mask |= 1ULL << i;
		}
	}
	ccheck(!bad, "x2APIC: every AP switched; x2APIC ID and cluster LDR right");
	ccheck(!apic_to_x2apic() && rdmsr(0x802) == 0 && rdmsr(0x80d) == 1 &&
	       (rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC), "x2APIC: BSP switched, ID 0, LDR 1");

	self_ipi("x2APIC");

	pings = pongs = 0;
	answer_to = cpus[1].apic_id;
	/* The BSP answers from its handler, in HLT between pings. */
	if (!hlt_wait_ge(&cpus[1].done, smp_post(&cpus[1], ap_pingpong, cpus[0].apic_id),
			 60000))
		cprintf("x2APIC ping-pong: APIC ID 1 did not finish\n");
	tsc = (uint64_t)cpus[1].scratch[2] << 32 | cpus[1].scratch[1];
	cprintf("x2APIC ping-pong: %u round trips, %u pings taken by the BSP, %u pongs by the AP, %llu TSC per round trip\n",
		cpus[1].scratch[0], pings, pongs,
		(unsigned long long)(cpus[1].scratch[0] ? tsc / cpus[1].scratch[0] : 0));
	ccheck(cpus[1].scratch[0] == ROUNDS && pings == ROUNDS && pongs == ROUNDS,
	       "x2APIC: %d ping-pong round trips APIC ID 1 -> BSP, counted on both sides",
	       ROUNDS);

	deliver("x2APIC all-but-self", 0, ICR_ALL_BUT_SELF, all_slots() & ~1ULL);
	deliver("x2APIC all", 0, ICR_ALL, all_slots());
	id = cpus[1].apic_id;
	deliver("x2APIC logical cluster to APIC ID 1", (id >> 4) << 16 | 1U << (id & 15),
		ICR_LOGICAL, 1ULL << 1);
	if (mask != 2)
		deliver("x2APIC logical cluster 0 to every AP", cluster0, ICR_LOGICAL, mask);
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	static const uint32_t expected[] = { 2, WAKE_VEC, TICK_VEC, PING_VEC, PONG_VEC,
					     SELF_VEC, BCAST_VEC };
	uint32_t a, b, c, d, i, j, want, bad = 0;
	int slot;

	bsp_init();
	cprintf("mb_ipi: IPIs between the BSP and the APs\n");
	ccheck(magic == MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
	cprintf("TSC: %llu per ms by the PIT counter\n", (unsigned long long)tsc_calibrate());
	ccheck(tsc_ms > 0, "the PIT counter counts down");
	want = fwcfg_nb_cpus(mbi);
	cprintf("fw_cfg NB_CPUS: %u\n", want);
	ccheck(want >= 2 && want <= MAX_CPUS, "at least 2 vCPUs (axctl create --vcpus N)");
	if (want < 2 || want > MAX_CPUS)
		return mb_failed;
	vec_handlers[PING_VEC] = on_ping;
	vec_handlers[PONG_VEC] = on_pong;
	vec_handlers[SELF_VEC] = on_self;
	for (i = 1, n = 1; i < want; i++) {
		slot = smp_start_ap(i, AP_TIMEOUT_MS);
		if (slot < 0 || (uint32_t)slot != n || cpus[slot].apic_id != i)
			break;
		n++;
	}
	cprintf("mb_ipi: %u CPUs up\n", n);
	ccheck(n == want, "all %u CPUs up, AP slot k has APIC ID k", want);
	if (n < 2)
		return mb_failed;

	xapic_half();
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_X2APIC)
		x2apic_half();
	else
		cprintf("x2APIC half skipped: CPUID.1:ECX[21] is clear\n");

	for (i = 0; i < n; i++)
		for (j = 0; j < 256; j++) {
			unsigned int k;
			int ok = 0;

			for (k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
				ok |= expected[k] == j;
			if (!ok && cpus[i].hits[j]) {
				cprintf("APIC ID %u: %u unexpected interrupts on vector 0x%x\n",
					cpus[i].apic_id, cpus[i].hits[j], j);
				bad++;
			}
		}
	ccheck(!bad, "no unexpected interrupt vectors");
	ccheck(apic_icr_stuck == 0, "ICR delivery status always cleared");
	cprintf("mb_ipi: %d failed\n", mb_failed);
	return mb_failed;
}
