// SPDX-License-Identifier: GPL-2.0
/*
 * mb_apic_timer: the local APIC timer in one-shot, periodic and
 * TSC-deadline mode, in xAPIC mode and then (if CPUID.1:ECX[21]) in
 * x2APIC mode, on the BSP alone.
 *
 * The timer counts a 1 GHz clock divided by the divide configuration
 * (one TMICT count = 1 ns at divide-by-1). The guest does not know the
 * TSC frequency, so it first measures TSC cycles per ms against the 8254
 * PIT's counter (1.193182 MHz, 40 ms). Then, in each mode:
 *  - rate: TMCCT must fall by the elapsed TSC time in ns (+-10%) at
 *    divide-by-1, and by 1/16 of it at divide-by-16;
 *  - one-shot, 10 ms at divide-by 1, 2, 16 and 128: exactly one interrupt,
 *    TMCCT 0 afterwards; masked: no interrupt, TMCCT still reaches 0;
 *  - periodic, 1 ms: 50 ticks (HLT between them once the first came);
 *    TMICT = 0 stops it; 50 one-shots of 1 ms re-armed from the handler
 *    must take at least as long as 50 periodic ticks (less 10%);
 *  - TSC-deadline (if CPUID.1:ECX[24]): the interrupt comes after the
 *    deadline, never before (both are TSC values: no tolerance); MSR 0x6E0
 *    reads back while armed and 0 after it fired; a past deadline fires at
 *    once; writing 0 disarms; 20 deadlines 1 ms apart, re-armed from the
 *    handler, each after its deadline; TMICT writes are ignored.
 *
 * Tolerance: an interrupt may come at most 5% early against the
 * PIT-calibrated TSC (the calibration's error is a couple of PIT port
 * reads in 40 ms, well under 1%; a wrong divider or clock is off by 2x
 * or more) and at most 50% + 10 ms late (a virtual timer is late by the
 * host's timer and scheduling latency, never by a factor: a us/ns mix-up
 * or an ignored divider is caught either way).
 *
 * Exits with the number of failed checks.
 */
#include "apic.h"

#define TIMER_VEC	0x50
#define DIV_1		0xb
#define DIV_2		0x0
#define DIV_16		0x3
#define DIV_128		0xa
#define MS_NS		1000000U

int mb_main(uint32_t magic, const struct mb_info *mbi);

static volatile uint32_t ticks, chain_left, chain_count, deadline_left;
static volatile uint64_t tick_tsc[128], deadline[128];

static void on_timer(struct cpu *c, uint32_t v)
{
	uint64_t now = rdtsc();

	(void)c;
	(void)v;
	if (ticks < 128)
		tick_tsc[ticks] = now;
	ticks++;
	if (chain_left) {
		chain_left--;
		apic_write(APIC_TMICT, chain_count);
	}
	if (deadline_left && ticks < 128) {
		deadline_left--;
		deadline[ticks] = deadline[ticks - 1] + tsc_ms;
		wrmsr(MSR_TSC_DEADLINE, deadline[ticks]);
	}
}

static uint64_t ms_tsc(uint64_t ms)
{
	return ms * tsc_ms;
}

/* TSC cycles to us, for printing. */
static uint64_t tsc_us(uint64_t t)
{
	return tsc_ms ? t * 1000 / tsc_ms : 0;
}

/* Whether elapsed TSC cycles fit an interval of ns: 5% early, 50% + 10 ms late. */
static int on_time(uint64_t elapsed, uint64_t ns)
{
	uint64_t want = ns * tsc_ms / MS_NS;

	return elapsed >= want - want / 20 && elapsed <= want + want / 2 + ms_tsc(10);
}

static void wait_quiet(uint64_t ms)
{
	irq_on();
	tsc_delay_us(ms * 1000);
}

static void timer_stop(void)
{
	irq_off();
	apic_write(APIC_LVT_TIMER, LVT_MASKED | TIMER_VEC);
	apic_write(APIC_TMICT, 0);
	chain_left = 0;
	deadline_left = 0;
	wait_quiet(2);		/* anything already pending comes now */
	irq_off();
	ticks = 0;
}

static void rate(const char *mode, uint32_t div_cfg, uint32_t div)
{
	uint32_t c0, c1;
	uint64_t t0, t1, ns;

	apic_write(APIC_TDCR, div_cfg);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | TIMER_VEC);
	apic_write(APIC_TMICT, 0xffffffff);
	t0 = rdtsc();
	c0 = apic_read(APIC_TMCCT);
	tsc_delay_us(5000);
	t1 = rdtsc();
	c1 = apic_read(APIC_TMCCT);
	ns = (t1 - t0) * MS_NS / tsc_ms / div;
	cprintf("%s: TMCCT fell by %u in %llu us of TSC at divide-by-%u (%llu expected)\n",
		mode, c0 - c1, (unsigned long long)tsc_us(t1 - t0), div, (unsigned long long)ns);
	ccheck(c0 > c1 && (uint64_t)(c0 - c1) >= ns - ns / 10 &&
	       (uint64_t)(c0 - c1) <= ns + ns / 10,
	       "%s: the timer counts 1 GHz / %u (+-10%% of the TSC)", mode, div);
	timer_stop();
}

static void oneshot(const char *mode, uint32_t div_cfg, uint32_t div)
{
	uint32_t count = 10 * MS_NS / div;
	uint64_t t0, el;

	timer_stop();
	apic_write(APIC_TDCR, div_cfg);
	apic_write(APIC_LVT_TIMER, LVT_ONESHOT | TIMER_VEC);
	ccheck(apic_read(APIC_LVT_TIMER) == (LVT_ONESHOT | TIMER_VEC) &&
	       (apic_read(APIC_TDCR) & 0xb) == div_cfg, "%s: LVT timer and TDCR read back", mode);
	t0 = rdtsc();
	apic_write(APIC_TMICT, count);
	ccheck(apic_read(APIC_TMICT) == count && apic_read(APIC_TMCCT) <= count &&
	       apic_read(APIC_TMCCT) > 0, "%s: TMICT reads back, TMCCT counts down from it", mode);
	wait_ge(&ticks, 1, 200);
	el = tick_tsc[0] - t0;
	wait_quiet(30);
	cprintf("%s: one-shot of %u counts at divide-by-%u: %u interrupt(s), the first after %llu us\n",
		mode, count, div, ticks, (unsigned long long)(ticks ? tsc_us(el) : 0));
	ccheck(ticks == 1 && on_time(el, 10 * MS_NS),
	       "%s: one-shot 10 ms at divide-by-%u: one interrupt, on time", mode, div);
	ccheck(apic_read(APIC_TMCCT) == 0, "%s: TMCCT 0 after the one-shot", mode);
}

static void masked(const char *mode)
{
	timer_stop();
	apic_write(APIC_TDCR, DIV_1);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | LVT_ONESHOT | TIMER_VEC);
	apic_write(APIC_TMICT, 2 * MS_NS);
	wait_quiet(10);
	ccheck(ticks == 0 && apic_read(APIC_TMCCT) == 0,
	       "%s: masked one-shot: no interrupt, TMCCT still reaches 0", mode);
}

static void periodic(const char *mode)
{
	uint64_t t0, first, per, chain, end;
	uint32_t k, cur, stop;

	timer_stop();
	apic_write(APIC_TDCR, DIV_1);
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | TIMER_VEC);
	t0 = rdtsc();
	apic_write(APIC_TMICT, MS_NS);
	if (!wait_ge(&ticks, 1, 200)) {
		ccheck(0, "%s: periodic 1 ms: a first tick within 200 ms", mode);
		timer_stop();
		return;
	}
	first = tick_tsc[0] - t0;
	/* The timer runs: HLT between ticks (it wakes us, bounded anyway). */
	end = rdtsc() + ms_tsc(500);
	irq_off();
	while (ticks < 52 && rdtsc() < end)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	cur = apic_read(APIC_TMCCT);
	irq_on();
	k = ticks;
	per = k >= 52 ? tick_tsc[51] - tick_tsc[1] : 0;
	cprintf("%s: periodic 1 ms: first tick after %llu us, ticks 1-51 in %llu us\n", mode,
		(unsigned long long)tsc_us(first), (unsigned long long)tsc_us(per));
	ccheck(k >= 52 && on_time(first, MS_NS) && on_time(per, 50 * MS_NS),
	       "%s: periodic 1 ms: 50 ticks, on time", mode);
	ccheck(cur > 0 && cur <= MS_NS, "%s: periodic: TMCCT %u within the period", mode, cur);
	irq_off();
	apic_write(APIC_TMICT, 0);
	stop = ticks;
	wait_quiet(10);
	ccheck(ticks <= stop + 1, "%s: TMICT = 0 stops the periodic timer (%u more)", mode,
	       ticks - stop);

	/* 50 one-shots of 1 ms, each re-armed by the handler. */
	timer_stop();
	apic_write(APIC_LVT_TIMER, LVT_ONESHOT | TIMER_VEC);
	chain_count = MS_NS;
	chain_left = 49;
	t0 = rdtsc();
	apic_write(APIC_TMICT, MS_NS);
	wait_ge(&ticks, 50, 500);
	chain = ticks >= 50 ? tick_tsc[49] - t0 : 0;
	cprintf("%s: 50 one-shots of 1 ms in %llu us, 50 periodic ticks in %llu us\n", mode,
		(unsigned long long)tsc_us(chain), (unsigned long long)tsc_us(per));
	ccheck(ticks == 50 && on_time(chain, 50 * MS_NS),
	       "%s: 50 chained one-shots of 1 ms, on time", mode);
	ccheck(per && chain && per <= chain + chain / 10,
	       "%s: 50 periodic ticks take no longer than 50 re-armed one-shots (+10%%)", mode);
	timer_stop();
}

static void tsc_deadline(const char *mode)
{
	uint64_t d, late, worst = 0;
	uint32_t i, early = 0;

	timer_stop();
	apic_write(APIC_LVT_TIMER, LVT_DEADLINE | TIMER_VEC);
	d = rdtsc() + ms_tsc(10);
	wrmsr(MSR_TSC_DEADLINE, d);
	ccheck(rdmsr(MSR_TSC_DEADLINE) == d, "%s: IA32_TSC_DEADLINE reads back while armed", mode);
	wait_ge(&ticks, 1, 200);
	wait_quiet(20);
	late = tick_tsc[0] - d;
	if (tick_tsc[0] >= d)
		cprintf("%s: TSC deadline 10 ms ahead: %u interrupt(s), %llu us after the deadline\n",
			mode, ticks, (unsigned long long)tsc_us(late));
	else
		cprintf("%s: TSC deadline 10 ms ahead: %u interrupt(s), %llu us BEFORE the deadline\n",
			mode, ticks, (unsigned long long)tsc_us(d - tick_tsc[0]));
	ccheck(ticks == 1 && tick_tsc[0] >= d && late <= ms_tsc(15),
	       "%s: TSC deadline: one interrupt after the deadline, at most 15 ms late", mode);
	ccheck(rdmsr(MSR_TSC_DEADLINE) == 0, "%s: IA32_TSC_DEADLINE reads 0 after it fired", mode);

	timer_stop();
	apic_write(APIC_LVT_TIMER, LVT_DEADLINE | TIMER_VEC);
	d = rdtsc() - 1;
	wrmsr(MSR_TSC_DEADLINE, d);
	wait_ge(&ticks, 1, 100);
	ccheck(ticks == 1 && tick_tsc[0] - d <= ms_tsc(10),
	       "%s: a past TSC deadline fires at once", mode);

	timer_stop();
	apic_write(APIC_LVT_TIMER, LVT_DEADLINE | TIMER_VEC);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + ms_tsc(5));
	wrmsr(MSR_TSC_DEADLINE, 0);
	apic_write(APIC_TMICT, MS_NS);		/* ignored in TSC-deadline mode */
	wait_quiet(20);
	ccheck(ticks == 0, "%s: deadline 0 disarms; TMICT writes are ignored", mode);

	timer_stop();
	apic_write(APIC_LVT_TIMER, LVT_DEADLINE | TIMER_VEC);
	deadline_left = 19;
	deadline[0] = rdtsc() + tsc_ms;
	wrmsr(MSR_TSC_DEADLINE, deadline[0]);
	wait_ge(&ticks, 20, 500);
	for (i = 0; i < 20 && i < ticks; i++) {
		if (tick_tsc[i] < deadline[i])
			early++;
		else if (tick_tsc[i] - deadline[i] > worst)
			worst = tick_tsc[i] - deadline[i];
	}
	cprintf("%s: 20 deadlines 1 ms apart: %u interrupts, %u early, at most %llu us late\n",
		mode, ticks, early, (unsigned long long)tsc_us(worst));
	ccheck(ticks == 20 && !early && worst <= ms_tsc(10),
	       "%s: 20 chained TSC deadlines, each after its deadline", mode);
	timer_stop();
}

static void suite(const char *mode)
{
	uint32_t a, b, c, d;

	rate(mode, DIV_1, 1);
	rate(mode, DIV_16, 16);
	oneshot(mode, DIV_1, 1);
	oneshot(mode, DIV_2, 2);
	oneshot(mode, DIV_16, 16);
	oneshot(mode, DIV_128, 128);
	masked(mode);
	periodic(mode);
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_DEADLINE)
		tsc_deadline(mode);
	else
		cprintf("%s: TSC-deadline skipped: CPUID.1:ECX[24] is clear\n", mode);
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t i, bad = 0;

	(void)mbi;
	bsp_init();
	cprintf("mb_apic_timer: the local APIC timer against the TSC\n");
	ccheck(magic == MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
	cprintf("TSC: %llu per ms by the PIT counter\n", (unsigned long long)tsc_calibrate());
	ccheck(tsc_ms > 0, "the PIT counter counts down");
	if (!tsc_ms)
		return mb_failed;
	vec_handlers[TIMER_VEC] = on_timer;
	suite("xAPIC");
	if (!apic_to_x2apic()) {
		ccheck((rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC) && rdmsr(0x802) == 0,
		       "x2APIC mode on, x2APIC ID 0");
		suite("x2APIC");
	} else {
		cprintf("x2APIC half skipped: CPUID.1:ECX[21] is clear\n");
	}
	for (i = 0; i < 256; i++)
		if (i != TIMER_VEC && cpus[0].hits[i]) {
			cprintf("%u unexpected interrupts on vector 0x%x\n", cpus[0].hits[i], i);
			bad++;
		}
	ccheck(!bad, "no unexpected interrupt vectors");
	cprintf("mb_apic_timer: %d failed\n", mb_failed);
	return mb_failed;
}
