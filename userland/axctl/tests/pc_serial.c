// SPDX-License-Identifier: GPL-2.0
/*
 * axctl host unit tests: the 16550A (pc/serial.c) as Linux's 8250 driver
 * probes and drives it, PIT channel 2 behind port 0x61 as Linux's TSC
 * calibration uses it, the RTC's update-in-progress bit, the console's
 * escapes and the TSC frequency in CPUID (tsc.c). Part of
 * pc_unit_test, on the fake clock of tests/pc_unit.c.
 */
#include <pthread.h>
#include <string.h>

#include "console.h"
#include "devices.h"
#include "pc/pc.h"
#include "pc/serial.h"
#include "tsc.h"
#include "uart.h"
#include "tests/pc_unit.h"

/* --- 16550A ------------------------------------------------------------------ */

struct sink {
	uint8_t out[256];
	unsigned int n_out;
	bool level;
	unsigned int irq_calls;
};

static void sink_tx(void *arg, uint8_t c)
{
	struct sink *k = arg;

	if (k->n_out < sizeof(k->out))
		k->out[k->n_out++] = c;
}

static void sink_irq(void *arg, bool level)
{
	struct sink *k = arg;

	k->level = level;
	k->irq_calls++;
}

static void serial_setup(struct serial *s, struct sink *k)
{
	memset(k, 0, sizeof(*k));
	fake_ns = 5000000000ULL;
	serial_init(s, fake_clock, sink_tx, sink_irq, k);
}

/* What Linux's autoconfig() and autoconfig_16550a() look at. */
static void test_serial_probe(void)
{
	struct serial s;
	struct sink k;
	uint8_t msr;

	serial_setup(&s, &k);
	check(serial_read(&s, SERIAL_IIR) == 0x01 && serial_read(&s, SERIAL_LSR) == 0x60 &&
	      serial_read(&s, SERIAL_LCR) == 0x03, "16550: reset IIR 0x01, LSR 0x60, LCR 8N1");
	serial_write(&s, SERIAL_IER, 0x00);
	check(serial_read(&s, SERIAL_IER) == 0x00, "16550: IER scratch test reads 0");
	serial_write(&s, SERIAL_IER, 0xff);
	check(serial_read(&s, SERIAL_IER) == 0x0f, "16550: IER keeps bits 3:0 only (no UUE)");
	serial_write(&s, SERIAL_IER, 0);
	serial_write(&s, SERIAL_SCR, 0xa5);
	check(serial_read(&s, SERIAL_SCR) == 0xa5, "16550: scratch register");
	serial_write(&s, SERIAL_IIR, 0xc7);
	check(serial_read(&s, SERIAL_IIR) == 0xc1, "16550: FIFOs on: IIR 0xc1 (16550A), self-clearing bits gone");
	serial_write(&s, SERIAL_LCR, 0xbf);
	check(serial_read(&s, SERIAL_IIR) != 0, "16550: no EFR at LCR 0xbf (not a 16650)");
	serial_write(&s, SERIAL_IIR, 0xe1);	/* 16750 test: 64-byte bit under DLAB */
	check(serial_read(&s, SERIAL_IIR) >> 5 == 6, "16550: IIR bit 5 stays 0 (not a 16750)");
	serial_write(&s, SERIAL_LCR, 0x83);	/* DLAB, 8N1 */
	serial_write(&s, SERIAL_RBR, 0x0c);
	serial_write(&s, SERIAL_IER, 0x00);
	check(serial_read(&s, SERIAL_RBR) == 0x0c && serial_read(&s, SERIAL_IER) == 0 &&
	      serial_char_ns(&s) == 1041666, "16550: DLL/DLM under DLAB; 9600 baud: %llu ns a character",
	      (unsigned long long)serial_char_ns(&s));
	serial_write(&s, SERIAL_LCR, 0x03);
	serial_write(&s, SERIAL_MCR, SERIAL_MCR_LOOP | 0x0a);
	msr = serial_read(&s, SERIAL_MSR);
	check((msr & 0xf0) == 0x90, "16550: loopback RTS|OUT2 reads CTS|DCD in MSR (0x%02x)", msr);
	check(msr & SERIAL_MSR_DDSR, "16550: loopback dropping DSR sets DDSR (0x%02x)", msr);
	check(!(serial_read(&s, SERIAL_MSR) & 0x0f), "16550: reading MSR clears the deltas");
	serial_write(&s, SERIAL_MCR, SERIAL_MCR_LOOP | SERIAL_MCR_OUT1);
	serial_write(&s, SERIAL_MCR, SERIAL_MCR_LOOP);
	check(serial_read(&s, SERIAL_MSR) & SERIAL_MSR_TERI, "16550: RI falling sets TERI");
	check(serial_read(&s, SERIAL_LSR) != 0xff, "16550: LSR never 0xff (LSR safety check)");
}

/* Linux's size_fifo(): bytes sent in loopback until the receiver is full. */
static void test_serial_loopback(void)
{
	uint8_t in[] = "x";
	struct serial s;
	struct sink k;
	unsigned int i, got = 0;
	bool order = true;

	serial_setup(&s, &k);
	serial_write(&s, SERIAL_IIR, 0x07);
	serial_write(&s, SERIAL_MCR, SERIAL_MCR_LOOP);
	for (i = 0; i < 20; i++)
		serial_write(&s, SERIAL_RBR, (uint8_t)i);
	check(k.n_out == 0, "16550: loopback sends nothing out");
	check(serial_rx_push(&s, in, 1) == 0 && serial_rx_room(&s) == 0,
	      "16550: host input waits while in loopback");
	check(serial_read(&s, SERIAL_LSR) & SERIAL_LSR_OE, "16550: 20 bytes into 16 overrun (LSR.OE)");
	check(!(serial_read(&s, SERIAL_LSR) & SERIAL_LSR_OE), "16550: reading LSR clears OE");
	while (serial_read(&s, SERIAL_LSR) & SERIAL_LSR_DR) {
		if (serial_read(&s, SERIAL_RBR) != got)
			order = false;
		got++;
	}
	check(got == SERIAL_FIFO && order, "16550: FIFO size probes as %u, bytes in order", got);
	serial_write(&s, SERIAL_IER, SERIAL_IER_ELSI);
	serial_write(&s, SERIAL_IIR, 0x00);	/* FIFOs off: one byte holds */
	serial_write(&s, SERIAL_RBR, 1);
	serial_write(&s, SERIAL_RBR, 2);
	check(serial_read(&s, SERIAL_IIR) == 0x06, "16550: overrun raises receiver line status (IIR 0x06)");
	check(!k.level, "16550: no IRQ in loopback (the OUT pins are forced off)");
	serial_read(&s, SERIAL_LSR);
	check(serial_read(&s, SERIAL_IIR) == 0x01 && serial_read(&s, SERIAL_RBR) == 1,
	      "16550: LSR read ends it; the first byte kept");
}

/* THRE interrupt semantics, and the IRQ line gated by MCR.OUT2. */
static void test_serial_thre(void)
{
	struct serial s;
	struct sink k;
	uint8_t lsr, iir;

	serial_setup(&s, &k);
	serial_write(&s, SERIAL_IIR, 0xc1);
	serial_write(&s, SERIAL_IER, SERIAL_IER_ETBEI);
	check(serial_iir(&s) == 0xc2 && !k.level, "16550: THRE pending, no IRQ without OUT2");
	serial_write(&s, SERIAL_MCR, SERIAL_MCR_OUT2 | SERIAL_MCR_DTR | SERIAL_MCR_RTS);
	check(k.level && k.irq_calls == 1, "16550: OUT2 lets IRQ 4 up");
	check(serial_read(&s, SERIAL_IIR) == 0xc2, "16550: IIR says THRE");
	check(serial_read(&s, SERIAL_IIR) == 0xc1 && !k.level, "16550: the IIR read cleared it, line low");
	serial_write(&s, SERIAL_RBR, 'h');
	check(k.n_out == 1 && k.out[0] == 'h' && serial_iir(&s) == 0xc2 && k.level,
	      "16550: THR write sent at once, THRE pending again, line up");
	serial_write(&s, SERIAL_IER, 0);
	check(!k.level && serial_iir(&s) == 0xc1, "16550: ETBEI off drops it");
	/* serial8250_do_startup(): THRI on, LSR, IIR, THRI off, THRI on, IIR. */
	serial_write(&s, SERIAL_IER, SERIAL_IER_ETBEI);
	lsr = serial_read(&s, SERIAL_LSR);
	iir = serial_read(&s, SERIAL_IIR);
	serial_write(&s, SERIAL_IER, 0);
	check((lsr & SERIAL_LSR_TEMT) && !(iir & 1), "16550: startup test sees THRE (no UART_BUG_TXEN)");
	serial_write(&s, SERIAL_IER, SERIAL_IER_ETBEI);
	check(serial_read(&s, SERIAL_IIR) == 0xc2, "16550: ETBEI 0 -> 1 re-raises THRE (no UART_BUG_THRE)");
	serial_write(&s, SERIAL_IER, SERIAL_IER_ETBEI | SERIAL_IER_ERBFI);
	check(serial_iir(&s) == 0xc1, "16550: ETBEI staying 1 does not re-raise");
}

/* Host input: back-pressure, trigger level, character timeout, order. */
static void test_serial_rx(void)
{
	uint8_t in[40], got[40];
	unsigned int i, n = 0;
	struct serial s;
	struct sink k;
	uint64_t due;
	size_t took;

	for (i = 0; i < sizeof(in); i++)
		in[i] = 'a' + i % 26;
	serial_setup(&s, &k);
	serial_write(&s, SERIAL_MCR, SERIAL_MCR_OUT2);
	serial_write(&s, SERIAL_IIR, 0x81);	/* FIFOs, trigger 8 */
	serial_write(&s, SERIAL_IER, SERIAL_IER_ERBFI);
	took = serial_rx_push(&s, in, 3);
	check(took == 3 && serial_iir(&s) == 0xc1 && !k.level,
	      "16550: 3 bytes: below the trigger, no interrupt yet");
	due = serial_next_deadline(&s);
	check(due == fake_ns + 4 * serial_char_ns(&s),
	      "16550: timeout due in 4 characters (%llu ns)", (unsigned long long)(due - fake_ns));
	fake_ns = due - 1;
	serial_poll(&s);
	check(!k.level, "16550: not before");
	fake_ns = due;
	serial_poll(&s);
	check(k.level && serial_iir(&s) == 0xcc, "16550: character timeout (IIR 0xcc) raises the line");
	took += serial_rx_push(&s, in + took, sizeof(in) - took);
	check(took == SERIAL_FIFO && serial_rx_room(&s) == 0,
	      "16550: 40 bytes offered, 16 taken: the host keeps the rest");
	check(serial_iir(&s) == 0xc4, "16550: at the trigger level: received data (IIR 0xc4)");
	while (n < sizeof(in)) {
		while (serial_read(&s, SERIAL_LSR) & SERIAL_LSR_DR)
			got[n++] = serial_read(&s, SERIAL_RBR);
		took += serial_rx_push(&s, in + took, sizeof(in) - took);
		if (!(serial_read(&s, SERIAL_LSR) & SERIAL_LSR_DR))
			break;
	}
	check(n == sizeof(in) && !memcmp(in, got, n), "16550: all 40 bytes arrive, in order (%u)", n);
	check(!k.level && serial_iir(&s) == 0xc1, "16550: empty: line low");
	serial_write(&s, SERIAL_IIR, 0x00);	/* FIFOs off */
	check(serial_rx_push(&s, in, 3) == 1 && serial_iir(&s) == 0x04,
	      "16550: without FIFOs one byte at a time, data interrupt at once");
	/* Priorities: data over THRE, and an IIR read naming data leaves THRE. */
	serial_write(&s, SERIAL_IER, SERIAL_IER_ERBFI | SERIAL_IER_ETBEI | SERIAL_IER_EDSSI);
	check(serial_read(&s, SERIAL_IIR) == 0x04, "16550: received data before THRE");
	serial_read(&s, SERIAL_RBR);
	check(serial_read(&s, SERIAL_IIR) == 0x02, "16550: then THRE, still pending");
	serial_write(&s, SERIAL_MCR, SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP);
	check(serial_read(&s, SERIAL_IIR) == 0x00, "16550: then modem status (IIR 0x00)");
	check(s.rx_bytes == sizeof(in) + 1 && s.tx_bytes == 0, "16550: counters");
}

/* The console's escapes (console.c). */
static void test_console_escape(void)
{
	struct console_escape e = { false };
	uint8_t out[32];
	size_t n;
	int r;

	r = console_escape_feed(&e, (const uint8_t *)"ab\001\001c", 5, out, &n);
	check(r == CONSOLE_ESC_NONE && n == 4 && !memcmp(out, "ab\001c", 4),
	      "console: Ctrl-A Ctrl-A sends one Ctrl-A");
	r = console_escape_feed(&e, (const uint8_t *)"d\001", 2, out, &n);
	check(r == CONSOLE_ESC_NONE && n == 1 && e.armed, "console: a trailing Ctrl-A waits");
	r = console_escape_feed(&e, (const uint8_t *)"xyz", 3, out, &n);
	check(r == CONSOLE_ESC_QUIT && n == 0, "console: ... and Ctrl-A x across reads quits");
	e.armed = false;
	r = console_escape_feed(&e, (const uint8_t *)"q\001hr\001e", 6, out, &n);
	check(r == CONSOLE_ESC_HELP && n == 4 && !memcmp(out, "qr\001e", 4),
	      "console: Ctrl-A h is help, Ctrl-A e sends both");
	r = console_escape_feed(&e, (const uint8_t *)"ls\r\001x", 5, out, &n);
	check(r == CONSOLE_ESC_QUIT && n == 3 && !memcmp(out, "ls\r", 3),
	      "console: bytes before Ctrl-A x still count");
}

/* uart.c: console input waits until the guest listens. */
static void test_uart_gate(void)
{
	const uint8_t in[] = "ab";
	struct uart16550 u;

	uart_init(&u, -1);
	check(uart_rx_push(&u, in, 2) == 0 && uart_rx_room(&u) == 0,
	      "COM1: no input taken before the guest listens (IER 0)");
	uart_write(&u, UART_IER, SERIAL_IER_ERBFI);
	check(uart_rx_push(&u, in, 2) == 0, "COM1: ... nor with ERBFI but OUT2 clear");
	uart_write(&u, UART_MCR, SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP);
	check(uart_rx_push(&u, in, 2) == 0, "COM1: ... nor in loopback");
	uart_write(&u, UART_MCR, SERIAL_MCR_OUT2);
	check(uart_rx_push(&u, in, 2) == 1 && uart_read(&u, UART_RBR_THR) == 'a',
	      "COM1: ERBFI and OUT2: input flows (1 byte without FIFOs)");
	uart_write(&u, UART_IER, 0);
	check(uart_rx_push(&u, in + 1, 1) == 0, "COM1: IER 0 (a printk) holds input again");
}

void test_serial(void)
{
	test_uart_gate();
	test_console_escape();
	test_serial_probe();
	test_serial_loopback();
	test_serial_thre();
	test_serial_rx();
}

/* --- PIT channel 2 and port 0x61 -------------------------------------------- */

void test_port_b(void)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	const uint16_t latch = 1193182 / 20;	/* Linux's CAL_LATCH: 50 ms */
	uint64_t t0 = 7000000000ULL;
	struct io_bus b;
	struct pc pc;
	uint8_t lo, hi, v;
	uint16_t c1, c2;

	io_bus_init(&b, -1);
	pc_init(&pc, &b, 64ULL << 20, 0, 1, &lock, NULL, NULL);
	pc.pit.clock = fake_clock;
	fake_ns = t0;
	check((io_read(&b, 0x61, 1) & 0x0f) == 0, "port 0x61: gate and speaker off at reset");
	/* pit_calibrate_tsc(): gate on, speaker off, ch2 mode 0, CAL_LATCH. */
	io_write(&b, 0x61, 1, (io_read(&b, 0x61, 1) & ~0x02) | 0x01);
	io_write(&b, 0x43, 1, 0xb0);
	io_write(&b, 0x42, 1, latch & 0xff);
	io_write(&b, 0x42, 1, latch >> 8);
	fake_ns = t0 + 49990000;
	check(!(io_read(&b, 0x61, 1) & 0x20), "port 0x61: OUT2 low before terminal count");
	fake_ns = t0 + 50000000;
	check(io_read(&b, 0x61, 1) & 0x20, "port 0x61: OUT2 high after 50 ms");
	v = io_read(&b, 0x61, 1);
	fake_ns += 15085;
	check((v ^ io_read(&b, 0x61, 1)) & 0x10, "port 0x61: refresh bit toggles every 15 us");
	/* quick_pit_calibrate(): mode 0 from 0xffff, lsb/msb reads of 0x42. */
	io_write(&b, 0x43, 1, 0xb0);
	io_write(&b, 0x42, 1, 0xff);
	io_write(&b, 0x42, 1, 0xff);
	fake_ns += 1000000;			/* 1193 ticks */
	lo = io_read(&b, 0x42, 1);
	hi = io_read(&b, 0x42, 1);
	c1 = lo | hi << 8;
	check(c1 == 0xffff - 1193, "PIT ch2: counts down with the gate on (%u)", c1);
	io_write(&b, 0x61, 1, 0x00);		/* gate off: mode 0 pauses */
	fake_ns += 5000000;
	lo = io_read(&b, 0x42, 1);
	hi = io_read(&b, 0x42, 1);
	c2 = lo | hi << 8;
	check(c2 == c1, "PIT ch2: gate low pauses mode 0 (%u)", c2);
	io_write(&b, 0x61, 1, 0x01);
	fake_ns += 1000000;
	lo = io_read(&b, 0x42, 1);
	hi = io_read(&b, 0x42, 1);
	c2 = lo | hi << 8;
	check(c2 == c1 - 1193, "PIT ch2: and resumes where it stopped (%u)", c2);
	/* Mode 1: waits for a gate edge, OUT low until terminal count. */
	io_write(&b, 0x43, 1, 0xb2);
	io_write(&b, 0x42, 1, 100);
	io_write(&b, 0x42, 1, 0);
	fake_ns += 1000000;
	check(io_read(&b, 0x61, 1) & 0x20, "PIT ch2: mode 1 idle, OUT high, with the gate already up");
	io_write(&b, 0x61, 1, 0x00);
	io_write(&b, 0x61, 1, 0x01);
	check(!(io_read(&b, 0x61, 1) & 0x20), "PIT ch2: mode 1 gate edge starts it, OUT low");
	fake_ns += 100000;			/* 119 ticks */
	check(io_read(&b, 0x61, 1) & 0x20, "PIT ch2: OUT high after 100 ticks");
	/* Mode 2: gate low forces OUT high; a rising edge reloads. */
	io_write(&b, 0x43, 1, 0xb4);
	io_write(&b, 0x42, 1, 0x00);
	io_write(&b, 0x42, 1, 0x10);		/* 4096 */
	fake_ns += 2000000;			/* 2386 ticks */
	io_write(&b, 0x61, 1, 0x00);
	check(io_read(&b, 0x61, 1) & 0x20, "PIT ch2: mode 2, gate low: OUT high");
	io_write(&b, 0x61, 1, 0x01);
	io_write(&b, 0x43, 1, 0x80);		/* latch ch2 */
	lo = io_read(&b, 0x42, 1);
	hi = io_read(&b, 0x42, 1);
	check((lo | hi << 8) == 4096, "PIT ch2: mode 2 gate edge reloads (%u)", lo | hi << 8);
	pc_free(&pc);
}

/* --- RTC update cycle --------------------------------------------------------- */

static uint64_t rtc_ns;

static uint64_t rtc_clock(void)
{
	return rtc_ns;
}

static uint8_t rtc_get(struct cmos *c, uint8_t reg)
{
	cmos_write(c, 0x70, reg);
	return cmos_read(c, 0x71);
}

void test_rtc_uip(void)
{
	const uint64_t sec = 1796168707ULL * 1000000000ULL;	/* 23:45:07 UTC */
	struct cmos c;

	cmos_init(&c, 64ULL << 20, 0, rtc_clock);
	rtc_ns = sec + 500000000;
	check(rtc_get(&c, 0x0a) == 0x26 && rtc_get(&c, 0) == 0x07, "RTC: mid-second: UIP 0, :07");
	rtc_ns = sec + 1000000000 - 244000 - 1;
	check(!(rtc_get(&c, 0x0a) & 0x80), "RTC: UIP 0 until 244 us before the second");
	rtc_ns++;
	check(rtc_get(&c, 0x0a) & 0x80, "RTC: UIP 1 from 244 us before it");
	rtc_ns = sec + 1000000000 + 1983999;
	check((rtc_get(&c, 0x0a) & 0x80) && rtc_get(&c, 0) == 0x07,
	      "RTC: during the update cycle: UIP 1, the old second");
	rtc_ns++;
	check(rtc_get(&c, 0x0a) == 0x26 && rtc_get(&c, 0) == 0x08,
	      "RTC: cycle over after 1984 us: UIP 0, :08");
}

/* --- CPUID 0x15/0x16 ----------------------------------------------------------- */

void test_tsc_cpuid(void)
{
	static struct {
		struct axvm_cpuid h;
		struct axvm_cpuid_entry e[8];
	} t;
	uint32_t khz = tsc_host_khz();
	const struct axvm_cpuid_entry *l15 = &t.e[2], *l16 = &t.e[3];

	check(khz > 1000, "TSC: the host's TSC measured at %u kHz", khz);
	t.h.nent = 2;
	t.e[0].function = 0;
	t.e[0].eax = 0x0d;
	t.e[1].function = 1;
	check(tsc_cpuid_leaves(&t.h, 8, 50000) == 0 && t.h.nent == 4 && t.e[0].eax == 0x16,
	      "CPUID: leaves 0x15 and 0x16 added, leaf 0 max raised to 0x16");
	/* Linux's native_calibrate_tsc(): crystal kHz = ECX / 1000, times EBX / EAX. */
	check(l15->function == 0x15 && l15->ecx / 1000 * l15->ebx / l15->eax == 50000 &&
	      l16->function == 0x16 && l16->eax == 50,
	      "CPUID: 0x15 gives 50000 kHz, 0x16 50 MHz (Bochs' TSC at 50 M instructions/s)");
	check(tsc_cpuid_leaves(&t.h, 8, 5200001) == 0 && t.h.nent == 4 && l15->ebx == 2 &&
	      (uint64_t)l15->ecx / 1000 * l15->ebx / l15->eax == 5200000,
	      "CPUID: 5.2 GHz: EBX 2, ECX fits 32 bits, 1 kHz lost");
	t.h.nent = 7;
	check(tsc_cpuid_leaves(&t.h, 7, 50000) == 0, "CPUID: existing leaves updated in place");
	t.h.nent = 0;
	check(tsc_cpuid_leaves(&t.h, 2, 50000) < 0, "CPUID: no room is an error");
}
