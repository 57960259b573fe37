// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC and SMP support of the Multiboot test kernels (apic.h).
 *
 * Every CPU runs flat 32-bit protected mode without paging on one GDT and
 * one IDT. An AP starts at TRAMP_BASE in real mode (trampoline.S), takes
 * the next free slot and its stack from ap_stacks, and calls ap_entry(),
 * which records what the AP sees (APIC ID by register and CPUID, its
 * IA32_APIC_BASE), prints it under the COM1 lock and then idles in HLT
 * with interrupts on, running what smp_call() hands it.
 */
#include "apic.h"

#define PIT_CH0		0x40
#define PIT_CTL		0x43

struct cpu cpus[MAX_CPUS];
volatile uint32_t ap_next_slot = 1;	/* the trampoline's lock xadd */
volatile uint32_t ap_arrivals;
volatile uint32_t apic_id_seen[256];
vec_fn vec_handlers[256];
uint64_t tsc_ms;
uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

void ap_entry(uint32_t slot) __attribute__((noreturn));

extern const uint8_t tramp_start[], tramp_end[];
extern const uint8_t vec_stubs[];		/* 256 stubs of 16 bytes */

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
};

static struct gate idt[256] __attribute__((aligned(8)));
static uint64_t gdt[3] __attribute__((aligned(8))) = {
	0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL,
};
static volatile uint32_t print_lock;

struct cpu *this_cpu(void)
{
	uintptr_t sp;

	__asm__("movl %%esp, %0" : "=r"(sp));
	if (sp > (uintptr_t)ap_stacks && sp <= (uintptr_t)ap_stacks + sizeof(ap_stacks))
		return &cpus[(sp - 1 - (uintptr_t)ap_stacks) / AP_STACK_SIZE];
	return &cpus[0];
}

/* --- registers ------------------------------------------------------------ */

/* Plain MOVs: the xAPIC page is emulated MMIO. */
static uint32_t mmio_read(uint32_t reg)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(APIC_BASE_ADDR + reg) : "memory");
	return v;
}

static void mmio_write(uint32_t reg, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(APIC_BASE_ADDR + reg) : "memory");
}

uint32_t apic_read(uint32_t reg)
{
	if (this_cpu()->x2apic)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return mmio_read(reg);
}

void apic_write(uint32_t reg, uint32_t val)
{
	if (this_cpu()->x2apic)
		wrmsr(0x800 + (reg >> 4), val);
	else
		mmio_write(reg, val);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

int apic_vec_bit(uint32_t base, uint32_t vector)
{
	return apic_read(base + 0x10 * (vector >> 5)) >> (vector & 31) & 1;
}

volatile uint32_t apic_icr_stuck;

void apic_send(uint32_t dest, uint32_t icr)
{
	int i;

	if (this_cpu()->x2apic) {
		wrmsr(0x830, (uint64_t)dest << 32 | icr);
		return;
	}
	mmio_write(APIC_ICR2, dest << 24);
	mmio_write(APIC_ICR, icr);
	for (i = 0; i < 1000000 && (mmio_read(APIC_ICR) & ICR_BUSY); i++)
		cpu_relax();
	if (i == 1000000)
		apic_icr_stuck++;
}

void apic_sw_enable(void)
{
	apic_write(APIC_SPIV, 0x100 | SPURIOUS_VEC);
}

int apic_to_x2apic(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_X2APIC))
		return -1;
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_X2APIC | APIC_BASE_ENABLE);
	this_cpu()->x2apic = 1;
	return 0;
}

/* --- output ------------------------------------------------------------- */

void lock_print(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		while (print_lock)
			cpu_relax();
}

void unlock_print(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static void vcprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int i, n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	lock_print();
	for (i = 0; i < n; i++)
		com1_putc(buf[i]);
	unlock_print();
}

int cprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcprintf(fmt, ap);
	va_end(ap);
	return 0;
}

/* A check, TAP style, counted in mb_failed (mb_check with the lock). */
void ccheck(int ok, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cprintf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (!ok)
		__atomic_fetch_add(&mb_failed, 1, __ATOMIC_RELAXED);
}

/* --- tables and vectors ------------------------------------------------- */

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

	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "movl %%eax, %%ss\n\t"
			 "lidt %1"
			 : : "m"(gd), "m"(id) : "eax", "memory");
}

/* The 8259s to 0x20/0x28, everything masked: no ExtINT surprises. */
static void pic_mask_all(void)
{
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0xa0, 0x11 }, { 0x21, 0x20 }, { 0xa1, 0x28 },
		{ 0x21, 0x04 }, { 0xa1, 0x02 }, { 0x21, 0x01 }, { 0xa1, 0x01 },
		{ 0x21, 0xff }, { 0xa1, 0xff },
	};
	unsigned int i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		outb(seq[i][0], seq[i][1]);
}

void cpu_setup(void)
{
	load_tables();
}

void bsp_init(void)
{
	unsigned int i;

	com1_init();
	for (i = 0; i < 256; i++)
		set_gate(i, (uint32_t)(uintptr_t)vec_stubs + 16 * i);
	cpu_setup();
	pic_mask_all();
	cpus[0].slot = 0;
	cpus[0].alive = 1;
	cpus[0].apic_base = (uint32_t)rdmsr(MSR_APIC_BASE);
	cpus[0].apic_id = mmio_read(APIC_ID) >> 24;
	apic_sw_enable();
}

static void stop(uint8_t code)
{
	outb(DEBUG_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void mb_vector(uint32_t v)
{
	struct cpu *c = this_cpu();
	int i;

	if (v == 2) {			/* NMI: counted, no EOI */
		c->hits[v]++;
		return;
	}
	if (v < 32) {
		/* Print even if this CPU holds the lock (bounded wait). */
		for (i = 0; i < 1000000 && __atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE); i++)
			cpu_relax();
		printf("exception %u on CPU slot %u (APIC ID %u)\n", v, c->slot, c->apic_id);
		stop(0x7f);
	}
	c->hits[v]++;
	if (vec_handlers[v])
		vec_handlers[v](c, v);
	if (v != SPURIOUS_VEC)
		apic_eoi();
}

/* --- time ----------------------------------------------------------------- */

static uint16_t pit_latch(void)
{
	uint8_t lo, hi;

	outb(PIT_CTL, 0x00);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return lo | hi << 8;
}

/*
 * TSC cycles per ms against the PIT's counter (1.193182 MHz): channel 0
 * in mode 0 from 0xffff, 40 ms (47727 counts), started on a count change.
 * The PIC masks IRQ0.
 */
uint64_t tsc_calibrate(void)
{
	uint64_t t0, t1;
	uint16_t start, c;

	outb(PIT_CTL, 0x30);
	outb(PIT_CH0, 0xff);
	outb(PIT_CH0, 0xff);
	c = pit_latch();
	while ((start = pit_latch()) == c)
		;
	t0 = rdtsc();
	while ((uint16_t)(start - pit_latch()) < 47727)
		;
	t1 = rdtsc();
	tsc_ms = (t1 - t0) / 40;
	return tsc_ms;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_ms / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

int wait_ge(volatile uint32_t *p, uint32_t n, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * tsc_ms;
	uint32_t flags;

	__asm__ volatile("pushfl; popl %0" : "=r"(flags));
	irq_on();
	while (*p < n && rdtsc() < end)
		cpu_relax();
	if (!(flags & 0x200))
		irq_off();
	return *p >= n;
}

int wait_nonzero(volatile uint32_t *p, uint64_t ms)
{
	return wait_ge(p, 1, ms);
}

/* --- fw_cfg ----------------------------------------------------------------- */

uint16_t fwcfg_nb_cpus(const struct mb_info *mbi)
{
	const char *p = mbi->flags & (1U << 2) ? (const char *)(uintptr_t)mbi->cmdline : "";
	uint8_t lo, hi;
	uint32_t v;

	/* "ncpus=N" first: a loader without fw_cfg (a bare emulator). */
	for (; *p; p++) {
		if ((p == (const char *)(uintptr_t)mbi->cmdline || p[-1] == ' ') &&
		    !memcmp(p, "ncpus=", 6)) {
			for (v = 0, p += 6; *p >= '0' && *p <= '9' && v < 0x10000; p++)
				v = v * 10 + (*p - '0');
			cprintf("NB_CPUS from the command line: %u\n", v);
			return v < 0x10000 ? v : 0;
		}
	}
	outw(0x510, 0x0005);
	lo = inb(0x511);
	hi = inb(0x511);
	return lo | hi << 8;
}

/* --- APs -------------------------------------------------------------------- */

void ap_entry(uint32_t slot)
{
	struct cpu *c = &cpus[slot];
	uint32_t a, b, cx, d;

	cpu_setup();
	c->slot = slot;
	c->apic_base = (uint32_t)rdmsr(MSR_APIC_BASE);
	c->apic_id = mmio_read(APIC_ID) >> 24;
	cpuid(1, 0, &a, &b, &cx, &d);
	c->cpuid_id = b >> 24;
	apic_sw_enable();
	cprintf("AP slot %u: APIC ID %u, CPUID.1 EBX[31:24] %u, IA32_APIC_BASE 0x%x\n",
		slot, c->apic_id, c->cpuid_id, c->apic_base);
	__atomic_fetch_add(&apic_id_seen[c->apic_id & 0xff], 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->alive, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&ap_arrivals, 1, __ATOMIC_RELEASE);
	for (;;) {
		irq_off();
		while (c->seq == c->done) {
			/* STI's shadow covers HLT: no wakeup lost in between. */
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		}
		irq_on();
		c->fn(c, c->arg);
		__atomic_store_n(&c->done, c->seq, __ATOMIC_RELEASE);
	}
}

int smp_start_ap(uint32_t apic_id, uint64_t timeout_ms)
{
	uint32_t before = ap_arrivals, slot = ap_next_slot;

	memcpy((void *)TRAMP_BASE, tramp_start, tramp_end - tramp_start);
	apic_send(apic_id, ICR_INIT | ICR_ASSERT);
	tsc_delay_us(10000);
	apic_send(apic_id, ICR_STARTUP | ICR_ASSERT | (TRAMP_BASE >> 12));
	tsc_delay_us(200);
	apic_send(apic_id, ICR_STARTUP | ICR_ASSERT | (TRAMP_BASE >> 12));
	if (!wait_ge(&ap_arrivals, before + 1, timeout_ms))
		return -1;
	return slot < MAX_CPUS && cpus[slot].alive ? (int)slot : -1;
}

uint32_t smp_post(struct cpu *c, call_fn fn, uint32_t arg)
{
	uint32_t seq = c->seq + 1;

	c->fn = fn;
	c->arg = arg;
	__atomic_store_n(&c->seq, seq, __ATOMIC_RELEASE);
	apic_send(c->apic_id, ICR_FIXED | ICR_ASSERT | WAKE_VEC);
	return seq;
}

int smp_call(struct cpu *c, call_fn fn, uint32_t arg, uint64_t timeout_ms)
{
	return wait_ge(&c->done, smp_post(c, fn, arg), timeout_ms) ? 0 : -1;
}
