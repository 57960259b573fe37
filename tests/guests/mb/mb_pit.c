// SPDX-License-Identifier: GPL-2.0
/*
 * mb_pit: PIT channel 0 through the 8259 PIC, with HLT between ticks.
 *
 * Remaps the PIC to 0x20/0x28 (ICW1-ICW4), unmasks IRQ0 only, programs
 * channel 0 as a rate generator at ~1 kHz (divisor 1193), and counts
 * IRQ0s with STI; HLT in between. The TSC rate is first measured on the
 * PIT's counter alone; 50 ticks must then take at least 45 of those
 * milliseconds (interrupts may come late, never early), the ISR must show IRQ0
 * in service inside the handler (OCW3) and be clear after the EOI. Then
 * mode 0 (one shot, 10 ms) must give exactly one IRQ0; the counter latch
 * and the read-back status must show a counting channel in the mode we
 * set. Measures the TSC again as Linux's pit_calibrate_tsc() does, on
 * channel 2 gated by port 0x61 (a low gate must hold the count), and
 * compares. Reads the CMOS clock in BCD and in binary, and watches the
 * RTC's update-in-progress bit rise and fall. Exits with the number of
 * failed checks.
 */
#include "mb.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define PIT_CH0		0x40
#define PIT_CTL		0x43
#define DIVISOR		1193		/* 1193182 / 1193 = 1000.15 Hz */

int mb_main(uint32_t magic, const struct mb_info *mbi);
void mb_irq0(void);
void mb_exception(uint32_t vector) __attribute__((noreturn));

extern const uint32_t exc_stubs[32];
extern char irq0_stub[], spurious_stub[];

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
};

static struct gate idt[256] __attribute__((aligned(8)));
static uint64_t gdt[3] __attribute__((aligned(8))) = {
	0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL,
};
static volatile uint32_t ticks;
static volatile uint8_t isr_in_handler;

static void set_gate(unsigned int v, uint32_t handler)
{
	idt[v].off_lo = handler & 0xffff;
	idt[v].sel = 0x08;
	idt[v].zero = 0;
	idt[v].type = 0x8e;		/* present, DPL 0, 32-bit interrupt gate */
	idt[v].off_hi = handler >> 16;
}

static void load_tables(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gd = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt },
	  id = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	unsigned int i;

	for (i = 0; i < 32; i++)
		set_gate(i, exc_stubs[i]);
	set_gate(0x20, (uint32_t)(uintptr_t)irq0_stub);
	set_gate(0x27, (uint32_t)(uintptr_t)spurious_stub);
	set_gate(0x2f, (uint32_t)(uintptr_t)spurious_stub);
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "lidt %1"
			 : : "m"(gd), "m"(id) : "eax", "memory");
}

void mb_exception(uint32_t vector)
{
	printf("mb_pit: exception %u\n", vector);
	outb(DEBUG_EXIT_PORT, 0x7f);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void mb_irq0(void)
{
	outb(PIC1_CMD, 0x0b);		/* OCW3: read ISR */
	isr_in_handler = inb(PIC1_CMD);
	outb(PIC1_CMD, 0x0a);		/* back to IRR */
	ticks++;
	outb(PIC1_CMD, 0x20);		/* non-specific EOI */
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: edge, cascade, ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 0x20);		/* ICW2: vectors 0x20-0x27 */
	outb(PIC2_DATA, 0x28);		/*       and 0x28-0x2f */
	outb(PIC1_DATA, 0x04);		/* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xfe);		/* OCW1: IRQ0 only */
	outb(PIC2_DATA, 0xff);
}

static void pit_program(uint8_t mode, uint16_t count)
{
	outb(PIT_CTL, 0x30 | mode << 1);	/* channel 0, LSB then MSB */
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

/* HLT with interrupts on until ticks reaches n. */
static void wait_ticks(uint32_t n)
{
	while (ticks < n)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

static uint16_t latch(void)
{
	uint8_t lo, hi;

	outb(PIT_CTL, 0x00);		/* counter latch, channel 0 */
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return lo | hi << 8;
}

/*
 * TSC cycles per ms measured on the PIT's own counter (no interrupts):
 * channel 0 in mode 0 from 0xffff, until 11932 counts (10 ms) went by.
 */
static uint64_t tsc_per_ms_by_counter(void)
{
	uint64_t t0, t1;
	uint16_t start;

	outb(PIT_CTL, 0x30);
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);
	start = latch();
	t0 = rdtsc();
	while ((uint16_t)(start - latch()) < 11932)
		;
	t1 = rdtsc();
	return (t1 - t0) / 10;
}

/*
 * Linux's pit_calibrate_tsc(): channel 2 gated by port 0x61 bit 0, mode 0,
 * 10 ms, polling OUT2 in port 0x61 bit 5. TSC cycles per ms.
 */
static uint64_t tsc_per_ms_by_port61(uint64_t per_ms)
{
	uint64_t t0, t1;
	uint8_t pb;

	pb = inb(0x61);
	outb(0x61, pb & ~0x03);		/* gate off: mode 0 holds its count */
	outb(PIT_CTL, 0xb0);		/* channel 2, LSB/MSB, mode 0 */
	outb(0x42, 11932 & 0xff);
	outb(0x42, 11932 >> 8);
	mb_check(!(inb(0x61) & 0x20), "port 0x61: OUT2 low after the count, gate off");
	t0 = rdtsc();
	while (rdtsc() - t0 < 20 * per_ms)
		;			/* 20 ms with the gate off: no counting */
	mb_check(!(inb(0x61) & 0x20), "port 0x61: still low: a low gate stops mode 0");
	outb(0x61, (pb & ~0x02) | 0x01);	/* gate on, speaker off */
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20) && rdtsc() - t0 < 1000 * per_ms)
		;
	t1 = rdtsc();
	outb(0x61, pb & ~0x03);
	return (t1 - t0) / 10;
}

/*
 * Status A with UIP, after a pause of @gap TSC cycles: UIP stays up for
 * 244 us before the update plus the update itself, so polling every
 * 100 us cannot miss it, and a second of waiting costs ~10 000 port exits
 * instead of one per loop iteration (hundreds of thousands in the test
 * machine, where each exit takes the emulator a long time).
 */
static uint8_t rtc_status_a(uint64_t gap)
{
	uint64_t t = rdtsc();

	while (rdtsc() - t < gap)
		;
	outb(0x70, 0x0a);
	return inb(0x71);
}

/* The RTC's update-in-progress bit rises and falls once a second. */
static void rtc_uip_checks(uint64_t per_ms)
{
	uint64_t t0 = rdtsc(), gap = per_ms / 10;
	uint8_t s0, s1;
	int rose, fell;

	/* Give up after 2 s (the PIT-calibrated TSC): UIP rises once a second. */
	while (!(rtc_status_a(gap) & 0x80) && rdtsc() - t0 < 2000 * per_ms)
		;
	rose = inb(0x71) & 0x80;
	outb(0x70, 0x00);
	s0 = inb(0x71);
	while ((rtc_status_a(gap) & 0x80) && rdtsc() - t0 < 3000 * per_ms)
		;
	fell = !(inb(0x71) & 0x80);
	outb(0x70, 0x00);
	s1 = inb(0x71);
	printf("RTC: UIP rose %d, fell %d; seconds %02x -> %02x\n", rose, fell, s0, s1);
	mb_check(rose && fell, "RTC: UIP rises and falls within a second");
	mb_check(s1 != s0, "RTC: the seconds changed across the update cycle");
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 15);
}

static void cmos_checks(void)
{
	uint8_t s, m, h, d, mo, y, c, sb;
	unsigned int bs, bm;

	s = cmos(0x00);
	m = cmos(0x02);
	h = cmos(0x04);
	d = cmos(0x07);
	mo = cmos(0x08);
	y = cmos(0x09);
	c = cmos(0x32);
	printf("CMOS time: %02x%02x-%02x-%02x %02x:%02x:%02x UTC\n", c, y, mo, d, h, m, s);
	mb_check((s & 0xf) < 10 && from_bcd(s) < 60 && from_bcd(m) < 60 && from_bcd(h) < 24 &&
		 from_bcd(d) >= 1 && from_bcd(d) <= 31 && from_bcd(mo) >= 1 &&
		 from_bcd(mo) <= 12 && from_bcd(c) >= 20, "CMOS time is valid BCD");
	sb = cmos(0x0b);
	mb_check(sb & 0x02, "CMOS status B: 24-hour mode");
	outb(0x70, 0x0b);
	outb(0x71, sb | 0x04);		/* binary */
	bs = cmos(0x00);
	bm = cmos(0x02);
	outb(0x70, 0x0b);
	outb(0x71, sb);
	printf("CMOS binary: minutes %u seconds %u\n", bm, bs);
	mb_check(bm < 60 && bs < 60 && (bm == from_bcd(m) || bm == (from_bcd(m) + 1) % 60),
		 "CMOS binary mode agrees with BCD");
	mb_check(cmos(0x15) == 0x80 && cmos(0x16) == 0x02, "CMOS base memory 640 KiB");
	printf("CMOS extended memory: %u KiB\n", cmos(0x17) | cmos(0x18) << 8);
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	uint64_t t0, t1, t2, a, b, per_ms, end;
	uint8_t status, lo, hi;
	uint16_t c1;
	uint32_t n;

	(void)mbi;
	mb_check(com1_init() == 0, "COM1 scratch register");
	printf("mb_pit: PIT IRQ0 through the PIC\n");
	mb_check(magic == MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
	load_tables();
	per_ms = tsc_per_ms_by_counter();	/* PIC still masked: no IRQ0 */
	printf("TSC: %llu per ms by the PIT counter\n", (unsigned long long)per_ms);
	mb_check(per_ms > 0, "the PIT counter counts down");
	pic_init();			/* ICW1 drops anything the PIT raised */
	pit_program(2, DIVISOR);
	wait_ticks(1);			/* line up on a tick */
	t0 = rdtsc();
	wait_ticks(51);
	t1 = rdtsc();
	wait_ticks(101);
	t2 = rdtsc();
	a = t1 - t0;
	b = t2 - t1;
	printf("ticks: %u; TSC for ticks 1-50: %llu, 51-100: %llu\n", ticks,
	       (unsigned long long)a, (unsigned long long)b);
	mb_check(ticks == 101, "101 IRQ0s counted");
	/*
	 * IRQ0 can come late (edges merge while the VMM is slow), never early:
	 * 50 ticks take at least ~50 ms of TSC as the PIT counter measured it.
	 */
	printf("TSC per tick: %llu (%llu%% of a PIT ms)\n", (unsigned long long)(b / 50),
	       (unsigned long long)(per_ms ? b / 50 * 100 / per_ms : 0));
	mb_check(a >= 45 * per_ms && b >= 45 * per_ms,
		 "IRQ0 no faster than the PIT rate against the TSC");
	mb_check(isr_in_handler & 1, "ISR shows IRQ0 in service in the handler");
	outb(PIC1_CMD, 0x0b);
	mb_check(!(inb(PIC1_CMD) & 1), "ISR clear after the EOI");
	outb(PIC1_CMD, 0x0a);

	/* The latch and read-back while the rate generator runs. */
	outb(PIT_CTL, 0xe2);		/* read-back: status of channel 0 */
	status = inb(PIT_CH0);
	printf("read-back status: 0x%02x\n", status);
	mb_check((status & 0x3f) == 0x34, "read-back: LSB/MSB access, mode 2");
	outb(PIT_CTL, 0x00);		/* counter latch */
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	c1 = lo | hi << 8;
	mb_check(c1 >= 1 && c1 <= DIVISOR, "latched count within the divisor");

	/*
	 * Mode 0: one IRQ0 after 10 ms, then none. The control word stops the
	 * rate generator; an edge it raised meanwhile is still in the IRR (as
	 * on hardware): take it with interrupts on for 3 ms before counting.
	 */
	outb(PIT_CTL, 0x30);
	end = rdtsc() + 3 * per_ms;
	__asm__ volatile("sti");
	while (rdtsc() < end)
		;
	__asm__ volatile("cli");
	n = ticks;
	outb(PIT_CH0, 11932 & 0xff);
	outb(PIT_CH0, 11932 >> 8);
	wait_ticks(n + 1);
	end = rdtsc() + 30 * per_ms;
	__asm__ volatile("sti");
	while (rdtsc() < end)
		;
	__asm__ volatile("cli");
	printf("mode 0: %u IRQ0 in 40 ms\n", ticks - n);
	mb_check(ticks == n + 1, "one-shot mode 0 gives exactly one IRQ0");

	outb(PIC1_DATA, 0xff);		/* quiet again */
	a = tsc_per_ms_by_port61(per_ms);
	printf("TSC: %llu per ms by channel 2 and port 0x61\n", (unsigned long long)a);
	mb_check(a * 10 >= per_ms * 9 && a * 10 <= per_ms * 11,
		 "channel 2 behind port 0x61 agrees with channel 0 within 10%");
	cmos_checks();
	rtc_uip_checks(per_ms);
	printf("mb_pit: %d failed\n", mb_failed);
	return mb_failed;
}
