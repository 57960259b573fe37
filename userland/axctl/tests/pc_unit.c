// SPDX-License-Identifier: GPL-2.0
/*
 * axctl host unit tests of the PC: the port bus, the 8259 PIC pair, the
 * 8254 PIT (on a fake clock), CMOS/RTC (on a fixed time), fw_cfg, the
 * reset ports, and the Multiboot loader (a.out kludge and ELF32 images
 * built here, plus tests/guests/bin/mb_hello when given). No module.
 *
 *   pc_unit_test [MB_GUEST]
 */
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices.h"
#include "image.h"
#include "multiboot.h"
#include "pc/pc.h"
#include "tests/pc_unit.h"
#define HARNESS_SHARED_CHECK
#include "tests/harness.h"

/* --- PIC -------------------------------------------------------------------- */

static void pic_setup(struct pic *p, uint8_t icw4)
{
	pic_init(p);
	pic_write(p, 0x20, 0x11);
	pic_write(p, 0xa0, 0x11);
	pic_write(p, 0x21, 0x20);
	pic_write(p, 0xa1, 0x28);
	pic_write(p, 0x21, 0x04);
	pic_write(p, 0xa1, 0x02);
	pic_write(p, 0x21, icw4);
	pic_write(p, 0xa1, icw4);
}

static void test_pic(void)
{
	struct pic p;
	int v;

	pic_init(&p);
	pic_raise(&p, 0);
	check(pic_pending_vector(&p) == -1, "PIC: BIOS state masks every line");
	check(pic_read(&p, 0x21) == 0xff && pic_read(&p, 0xa1) == 0xff, "PIC: IMR 0xff at reset");

	pic_setup(&p, 0x01);
	check(pic_read(&p, 0x21) == 0x00, "PIC: ICW1 clears the IMR");
	pic_write(&p, 0x21, 0xfe);
	pic_write(&p, 0xa1, 0xff);
	check(pic_read(&p, 0x21) == 0xfe, "PIC: OCW1 reads back");
	check(pic_pending_vector(&p) == -1, "PIC: ICW1 dropped the old request");
	pic_raise(&p, 1);
	check(pic_pending_vector(&p) == -1, "PIC: masked IRQ1 not delivered");
	pic_raise(&p, 0);
	check(pic_pending_vector(&p) == 0x20, "PIC: IRQ0 at the ICW2 base 0x20");
	pic_write(&p, 0x20, 0x0a);
	check(pic_read(&p, 0x20) == 0x03, "PIC: OCW3 reads IRR (IRQ0, IRQ1)");
	v = pic_ack(&p);
	check(v == 0x20, "PIC: INTA gives 0x20");
	pic_write(&p, 0x20, 0x0b);
	check(pic_read(&p, 0x20) == 0x01, "PIC: OCW3 reads ISR: IRQ0 in service");
	pic_raise(&p, 0);
	check(pic_pending_vector(&p) == -1, "PIC: IRQ0 again waits for the EOI");
	pic_write(&p, 0x20, 0x20);
	check(pic_read(&p, 0x20) == 0x00, "PIC: non-specific EOI clears ISR");
	check(pic_pending_vector(&p) == 0x20, "PIC: the waiting IRQ0 comes after the EOI");
	pic_ack(&p);
	pic_write(&p, 0x20, 0x60);
	check(pic_read(&p, 0x20) == 0x00, "PIC: specific EOI 0x60 clears ISR bit 0");

	/* Priority: IRQ1 in service, IRQ0 nests, IRQ3 waits. */
	pic_write(&p, 0x21, 0x00);
	pic_raise(&p, 3);
	pic_raise(&p, 1);
	check(pic_ack(&p) == 0x21, "PIC: IRQ1 before IRQ3");
	check(pic_pending_vector(&p) == -1, "PIC: IRQ3 below IRQ1 in service");
	pic_raise(&p, 0);
	check(pic_ack(&p) == 0x20, "PIC: IRQ0 nests over IRQ1");
	pic_write(&p, 0x20, 0x20);	/* EOI IRQ0 (highest in service) */
	check(pic_read(&p, 0x20) == 0x02, "PIC: non-specific EOI takes the highest ISR bit");
	pic_write(&p, 0x20, 0x61);
	check(pic_ack(&p) == 0x23, "PIC: IRQ3 after IRQ1's specific EOI");
	pic_write(&p, 0x20, 0x20);

	/* The slave on IRQ2. */
	pic_write(&p, 0xa1, 0xfe);
	pic_raise(&p, 8);
	check(pic_line_enabled(&p, 8), "PIC: IRQ8 enabled through the cascade");
	check(pic_pending_vector(&p) == 0x28, "PIC: IRQ8 at the slave's base 0x28");
	check(pic_ack(&p) == 0x28, "PIC: INTA through the cascade");
	pic_write(&p, 0x20, 0x0b);
	pic_write(&p, 0xa0, 0x0b);
	check(pic_read(&p, 0x20) == 0x04 && pic_read(&p, 0xa0) == 0x01,
	      "PIC: cascade in service on both chips");
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	check(pic_read(&p, 0x20) == 0 && pic_read(&p, 0xa0) == 0, "PIC: EOI to both");
	pic_write(&p, 0x21, 0x04);
	check(!pic_line_enabled(&p, 8), "PIC: masking IRQ2 masks the slave");
	check(p.delivered[8] == 1 && p.raised[0] == 3 && p.delivered[0] == 3, "PIC: per-line counters");

	/* Auto-EOI and a sequence without ICW4. */
	pic_setup(&p, 0x03);
	pic_write(&p, 0x21, 0xfe);
	pic_raise(&p, 0);
	check(pic_ack(&p) == 0x20 && p.chip[0].isr == 0, "PIC: auto-EOI leaves ISR clear");
	pic_write(&p, 0x20, 0x10);	/* ICW1 without ICW4 */
	pic_write(&p, 0x21, 0x40);
	pic_write(&p, 0x21, 0x04);
	pic_write(&p, 0x21, 0xfd);	/* this is OCW1 now */
	check(p.chip[0].base == 0x40 && pic_read(&p, 0x21) == 0xfd,
	      "PIC: without ICW4 the third data write is OCW1");
	pic_write(&p, 0x20, 0x13);	/* single, ICW4 */
	pic_write(&p, 0x21, 0x50);
	pic_write(&p, 0x21, 0x01);	/* ICW4: no ICW3 in single mode */
	pic_write(&p, 0x21, 0xaa);
	check(p.chip[0].base == 0x50 && pic_read(&p, 0x21) == 0xaa, "PIC: single mode skips ICW3");
}

/* --- PIT -------------------------------------------------------------------- */

uint64_t fake_ns;

uint64_t fake_clock(void)
{
	return fake_ns;
}

static uint16_t latch16(struct pit *p)
{
	uint8_t lo, hi;

	pit_write(p, 0x43, 0x00);
	lo = pit_read(p, 0x40);
	hi = pit_read(p, 0x40);
	return lo | hi << 8;
}

static void test_pit(void)
{
	struct pit p;
	uint64_t t0 = 1000000000ULL, e;
	uint16_t c;
	uint8_t st;

	fake_ns = t0;
	pit_init(&p, fake_clock);
	check(!pit_armed(&p) && pit_next_edge(&p) == PIT_NEVER, "PIT: idle until programmed");
	pit_write(&p, 0x43, 0x34);		/* ch0, lo/hi, mode 2 */
	pit_write(&p, 0x40, 1193 & 0xff);
	check(!pit_armed(&p), "PIT: not counting after the LSB only");
	pit_write(&p, 0x40, 1193 >> 8);
	check(pit_armed(&p), "PIT: counting after the MSB");
	e = pit_next_edge(&p);
	check(e == t0 + 999848, "PIT: first edge after 1193 ticks = 999848 ns (%llu)",
	      (unsigned long long)(e - t0));
	check(pit_poll(&p, t0 + 500000) == 0, "PIT: no edge after 0.5 ms");
	check(pit_poll(&p, t0 + 1000000) == 1, "PIT: one edge after 1 ms");
	check(pit_poll(&p, t0 + 10000000) == 9, "PIT: nine more by 10 ms");
	check(pit_next_edge(&p) == t0 + 10998323, "PIT: next edge at tick 11 (%llu)",
	      (unsigned long long)(pit_next_edge(&p) - t0));
	fake_ns = t0 + 500000;			/* 596 ticks in */
	c = latch16(&p);
	check(c == 1193 - 596, "PIT: latched count 597 half way (%u)", c);
	fake_ns = t0 + 600000;
	pit_write(&p, 0x43, 0x00);
	fake_ns = t0 + 700000;
	pit_write(&p, 0x43, 0x00);		/* a second latch is ignored */
	c = pit_read(&p, 0x40);
	c |= pit_read(&p, 0x40) << 8;
	check(c == 1193 - 715, "PIT: the first latch holds (%u)", c);
	pit_write(&p, 0x43, 0xe2);		/* read-back status of ch0 */
	st = pit_read(&p, 0x40);
	check((st & 0x7f) == 0x34 && (st & 0x80), "PIT: read-back status 0x%02x: mode 2, lo/hi, OUT high", st);
	pit_write(&p, 0x43, 0xc2);		/* read-back count and status */
	st = pit_read(&p, 0x40);
	c = pit_read(&p, 0x40);
	c |= pit_read(&p, 0x40) << 8;
	check((st & 0x3f) == 0x34 && c == 1193 - 835, "PIT: read-back status then count (%u)", c);
	fake_ns = t0 + 999500;			/* tick 1192 */
	check(!pit_out(&p, 0, fake_ns), "PIT: mode 2 OUT low for the count of 1");
	c = pit_read(&p, 0x40);
	c |= pit_read(&p, 0x40) << 8;
	check(c == 1, "PIT: live read gives 1 at the end of the period (%u)", c);

	/* Mode 0: one edge. */
	fake_ns = t0 = 5000000000ULL;
	pit_write(&p, 0x43, 0x30);
	check(!pit_out(&p, 0, fake_ns), "PIT: mode 0 OUT low after the control word");
	pit_write(&p, 0x40, 0x9c);
	pit_write(&p, 0x40, 0x2e);		/* 11932: 10 ms */
	check(pit_poll(&p, t0 + 9000000) == 0, "PIT: mode 0 quiet before 10 ms");
	check(pit_poll(&p, t0 + 10100000) == 1 && pit_out(&p, 0, t0 + 10100000),
	      "PIT: mode 0 fires once at 10 ms, OUT high");
	check(!pit_armed(&p) && pit_poll(&p, t0 + 100000000) == 0, "PIT: mode 0 does not fire again");
	fake_ns = t0 + 50000000;		/* 59659 ticks: wrapped */
	c = latch16(&p);
	check(c == (uint16_t)(11932 - 59659), "PIT: mode 0 counts on past 0 (%u)", c);

	/* Access modes, mode 3, count 0, gate modes. */
	fake_ns = t0 = 9000000000ULL;
	pit_write(&p, 0x43, 0x16);		/* LSB only, mode 3 */
	pit_write(&p, 0x40, 100);
	check(p.ch[0].reload == 100 && p.ch[0].mode == 3, "PIT: LSB-only access loads 100");
	c = pit_read(&p, 0x40);
	check(c == 100, "PIT: LSB-only read (%u)", c);
	fake_ns = t0 + 10 * 838;		/* ~10 ticks */
	c = latch16(&p) & 0xff;
	check(c == 100 - 2 * 9 || c == 100 - 2 * 10, "PIT: mode 3 counts down by two (%u)", c);
	check(pit_poll(&p, t0 + 1000 * 838 + 1000) == 10, "PIT: mode 3 edge each 100 ticks");
	pit_write(&p, 0x43, 0x34);
	pit_write(&p, 0x40, 0);
	pit_write(&p, 0x40, 0);
	check(p.ch[0].reload == 65536, "PIT: count 0 means 65536");
	pit_write(&p, 0x43, 0x32);		/* mode 1: needs a gate edge */
	pit_write(&p, 0x40, 10);
	pit_write(&p, 0x40, 0);
	check(!pit_armed(&p) && pit_poll(&p, t0 + 1000000000ULL) == 0,
	      "PIT: mode 1 waits for a gate edge that never comes");
	pit_write(&p, 0x43, 0x3e);		/* mode 7 = mode 3 */
	check(p.ch[0].mode == 3, "PIT: mode 7 is mode 3");
	pit_write(&p, 0x43, 0xb4);		/* channel 2, mode 2 */
	pit_write(&p, 0x42, 0x10);
	pit_write(&p, 0x42, 0x00);
	check(p.ch[2].reload == 16 && p.ch[2].counting, "PIT: channel 2 programmed on its own port");
	check(pit_read(&p, 0x43) == 0xff, "PIT: the control word reads 0xff");
}

/* --- CMOS --------------------------------------------------------------------- */

static uint64_t fixed_time(void)
{
	/* 2026-12-01 23:45:07.5 UTC, a Tuesday (mid-second: no update cycle) */
	return 1796168707ULL * 1000000000ULL + 500000000ULL;
}

static uint8_t cmos_get(struct cmos *c, uint8_t reg)
{
	cmos_write(c, 0x70, reg);
	return cmos_read(c, 0x71);
}

static void test_cmos(void)
{
	struct cmos c;

	cmos_init(&c, 64ULL << 20, 0, fixed_time);
	check(cmos_get(&c, 0) == 0x07 && cmos_get(&c, 2) == 0x45 && cmos_get(&c, 4) == 0x23,
	      "CMOS: 23:45:07 in BCD");
	check(cmos_get(&c, 7) == 0x01 && cmos_get(&c, 8) == 0x12 && cmos_get(&c, 9) == 0x26 &&
	      cmos_get(&c, 0x32) == 0x20, "CMOS: 2026-12-01 in BCD");
	check(cmos_get(&c, 6) == 3, "CMOS: Tuesday is weekday 3");
	check(cmos_get(&c, 0x0a) == 0x26 && cmos_get(&c, 0x0b) == 0x02 &&
	      cmos_get(&c, 0x0c) == 0 && cmos_get(&c, 0x0d) == 0x80, "CMOS: status A-D");
	cmos_write(&c, 0x70, 0x0b);
	cmos_write(&c, 0x71, 0x06);
	check(cmos_get(&c, 0) == 7 && cmos_get(&c, 2) == 45 && cmos_get(&c, 4) == 23 &&
	      cmos_get(&c, 9) == 26, "CMOS: binary when status B bit 2");
	cmos_write(&c, 0x70, 0x0b);
	cmos_write(&c, 0x71, 0x04);
	check(cmos_get(&c, 4) == (0x80 | 11), "CMOS: 12-hour binary: 11 PM");
	cmos_write(&c, 0x70, 0x0b);
	cmos_write(&c, 0x71, 0x00);
	check(cmos_get(&c, 4) == 0x91, "CMOS: 12-hour BCD: 0x91");
	cmos_write(&c, 0x70, 0x0a);
	cmos_write(&c, 0x71, 0xa6);
	check(cmos_get(&c, 0x0a) == 0x26, "CMOS: UIP is read-only");
	cmos_write(&c, 0x70, 0x8f);
	check(c.nmi_disabled && c.index == 0x0f, "CMOS: index bit 7 is the NMI mask");
	cmos_write(&c, 0x71, 0x5a);
	check(cmos_get(&c, 0x0f) == 0x5a, "CMOS: plain RAM byte");
	check(cmos_read(&c, 0x70) == 0xff, "CMOS: the index port reads 0xff");
	check(cmos_get(&c, 0x15) == 0x80 && cmos_get(&c, 0x16) == 0x02, "CMOS: base memory 640 KiB");
	check(cmos_get(&c, 0x17) == 0x00 && cmos_get(&c, 0x18) == 0xfc &&
	      cmos_get(&c, 0x30) == 0x00 && cmos_get(&c, 0x31) == 0xfc,
	      "CMOS: 64512 KiB above 1 MiB for 64 MiB");
	check(cmos_get(&c, 0x34) == 0x00 && cmos_get(&c, 0x35) == 0x03,
	      "CMOS: 768 64K blocks above 16 MiB");
	cmos_init(&c, 3ULL << 30, 3ULL << 30, fixed_time);
	check(cmos_get(&c, 0x17) == 0xff && cmos_get(&c, 0x18) == 0xff, "CMOS: extended memory caps at 65535 KiB");
	check((cmos_get(&c, 0x34) | cmos_get(&c, 0x35) << 8) == 0xbf00,
	      "CMOS: 48896 blocks above 16 MiB for 3 GiB");
	check(cmos_get(&c, 0x5b) == 0x00 && cmos_get(&c, 0x5c) == 0xc0 && cmos_get(&c, 0x5d) == 0,
	      "CMOS: 3 GiB above 4 GiB in 64K blocks");
}

/* --- fw_cfg ------------------------------------------------------------------- */

static void fw_get(struct fwcfg *f, uint16_t key, uint8_t *buf, unsigned int n)
{
	fwcfg_select(f, key);
	while (n--)
		*buf++ = fwcfg_read(f);
}

static void test_fwcfg(void)
{
	uint8_t b[128];
	struct fwcfg f;
	int key;

	fwcfg_init(&f, 6ULL << 30, 4);
	fw_get(&f, 0, b, 5);
	check(!memcmp(b, "QEMU", 4) && b[4] == 0, "fw_cfg: signature QEMU, then 0");
	fw_get(&f, 1, b, 4);
	check(b[0] == 1 && !b[1] && !b[2] && !b[3], "fw_cfg: ID 1 (no DMA)");
	fw_get(&f, 3, b, 8);
	check(!memcmp(b, "\0\0\0\x80\x01\0\0\0", 8), "fw_cfg: RAM_SIZE 6 GiB, 64-bit LE");
	fw_get(&f, 5, b, 2);
	check(b[0] == 4 && b[1] == 0, "fw_cfg: NB_CPUS 4, 16-bit LE");
	fw_get(&f, 0x19, b, 4);
	check(!memcmp(b, "\0\0\0\0", 4), "fw_cfg: empty directory");
	key = fwcfg_add_file(&f, "etc/axvm/version", "axctl 1\n", 8);
	check(key == 0x20, "fw_cfg: first file at 0x20");
	check(fwcfg_add_file(&f, "opt/x", "ab", 2) == 0x21, "fw_cfg: second file at 0x21");
	fw_get(&f, 0x19, b, 4 + 2 * 64);
	check(!memcmp(b, "\0\0\0\x02", 4), "fw_cfg: directory count 2, big-endian");
	check(!memcmp(b + 4, "\0\0\0\x08\0\x20\0\0etc/axvm/version", 24) && b[4 + 8 + 16] == 0,
	      "fw_cfg: entry: size 8, select 0x20 (BE), name");
	check(!memcmp(b + 68, "\0\0\0\x02\0\x21\0\0opt/x", 13), "fw_cfg: second entry");
	fw_get(&f, 0x20, b, 9);
	check(!memcmp(b, "axctl 1\n", 8) && b[8] == 0, "fw_cfg: file contents, then 0");
	fw_get(&f, 0x1234, b, 2);
	check(!b[0] && !b[1], "fw_cfg: unknown key reads 0");
	fw_get(&f, 0x8000, b, 1);
	check(!b[0], "fw_cfg: architecture-specific keys read 0");
	check(fwcfg_add_file(&f, "", "", 0) < 0, "fw_cfg: empty name refused");
	fwcfg_free(&f);
}

/* --- the bus and the board ------------------------------------------------------ */

static uint64_t dummy_read(void *dev, uint64_t port, unsigned int width)
{
	(void)dev;
	(void)width;
	return port;
}

static int dummy_write(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	(void)dev;
	(void)port;
	(void)width;
	(void)val;
	return IO_CONTINUE;
}

static void notified(void *arg)
{
	(*(int *)arg)++;
}

static void test_board(void)
{
	const struct io_handler a = { 0x300, 4, 0, "a", dummy_read, dummy_write, NULL };
	const struct io_handler over = { 0x302, 4, 0, "b", dummy_read, dummy_write, NULL };
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct io_bus b;
	struct pc pc;
	unsigned int i;
	int notes = 0;
	bool sorted = true;

	io_bus_init(&b, -1);
	check(bus_register(&b.pio, &a) == 0, "bus: register 0x300-0x303");
	check(bus_register(&b.pio, &over) < 0, "bus: overlapping range refused");
	check(bus_find(&b.pio, 0x303) && !bus_find(&b.pio, 0x304), "bus: find by range");
	check(pc_init(&pc, &b, 64ULL << 20, 0, 2, &lock, notified, &notes) == 0,
	      "board: every device registered");
	for (i = 1; i < b.pio.nr_handlers; i++)
		if (b.pio.handlers[i - 1].base + b.pio.handlers[i - 1].len > b.pio.handlers[i].base)
			sorted = false;
	check(sorted && b.pio.nr_handlers == 12, "bus: %u ranges, sorted and disjoint", b.pio.nr_handlers);
	check(io_read(&b, 0x92, 1) == 0x02, "port A: A20 reads on");
	check(io_write(&b, 0x92, 1, 0x02) == IO_CONTINUE && !b.reset_requested,
	      "port A: writing A20 is no reset");
	check(io_write(&b, 0x92, 1, 0x03) == IO_RESET && b.reset_requested, "port A: bit 0 resets");
	b.reset_requested = false;
	check(io_read(&b, 0x64, 1) == 0x1c, "i8042: status says buffers empty");
	check(io_write(&b, 0x64, 1, 0xd1) == IO_CONTINUE, "i8042: other commands ignored");
	check(io_write(&b, 0x64, 1, 0xfe) == IO_RESET, "i8042: 0xfe resets");
	check(io_write(&b, 0x510, 2, 0x0005) == IO_CONTINUE && io_read(&b, 0x511, 1) == 2,
	      "fw_cfg through the bus: 16-bit selector, NB_CPUS 2");
	io_write(&b, 0x510, 2, 0x0000);
	check(io_read(&b, 0x511, 4) == 0x554d4551, "fw_cfg: a 32-bit data read gives 4 bytes");
	check(io_read(&b, 0x60, 1) == 0xff, "unmodelled 0x60 reads all ones");
	io_write(&b, 0x70, 1, 0x15);
	check(io_read(&b, 0x71, 1) == 0x80, "CMOS through the bus");
	io_write(&b, 0x20, 1, 0x11);
	io_write(&b, 0x21, 1, 0x20);
	io_write(&b, 0x21, 1, 0x04);
	io_write(&b, 0x21, 1, 0x01);
	io_write(&b, 0x21, 1, 0xfe);
	check(io_read(&b, 0x21, 1) == 0xfe && !notes, "PIC through the bus, no interrupt yet");
	pic_raise(&pc.pic, 0);
	check(pc_irq_vector(&pc) == 0x20 && pc_irq_possible(&pc), "board: IRQ0 deliverable");
	io_write(&b, 0x21, 1, 0xff);
	io_write(&b, 0x21, 1, 0xfe);
	check(notes == 1, "board: unmasking a waiting IRQ notifies the VMM");
	pc_irq_ack(&pc);
	check(pc_irq_vector(&pc) == -1 && !pc_irq_possible(&pc),
	      "board: nothing possible with the PIT idle");
	io_write(&b, 0x43, 1, 0x34);
	io_write(&b, 0x40, 1, 0xa9);
	io_write(&b, 0x40, 1, 0x04);
	check(pc_irq_possible(&pc), "board: PIT armed and IRQ0 unmasked: an interrupt can come");
	io_write(&b, 0x20, 1, 0x20);
	check(pc_start(&pc) == 0, "board: timer thread starts");
	for (i = 0; i < 200; i++) {
		pthread_mutex_lock(&lock);
		if (pc.pit_irqs >= 3) {
			pthread_mutex_unlock(&lock);
			break;
		}
		pthread_mutex_unlock(&lock);
		usleep(5000);
	}
	pc_stop(&pc);
	check(pc.pit_irqs >= 3 && notes >= 2, "board: the timer thread raised IRQ0 (%llu, %d notes)",
	      (unsigned long long)pc.pit_irqs, notes);
	pc_free(&pc);
}

/* What the board asked of the I/O APIC (a stand-in for AXVM_IRQ_LINE). */
struct gsi_log {
	unsigned int n;
	struct { unsigned int gsi; bool level, pulse; } call[8];
	int ret;
};

static int log_gsi(void *arg, unsigned int gsi, bool level, bool pulse)
{
	struct gsi_log *l = arg;

	if (l->n < 8) {
		l->call[l->n].gsi = gsi;
		l->call[l->n].level = level;
		l->call[l->n].pulse = pulse;
	}
	l->n++;
	return l->ret;
}

/* ISA IRQs go to the PIC and, with an I/O APIC, to their GSI. */
static void test_isa_irqs(void)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct gsi_log log = { 0 };
	struct io_bus b;
	struct pc pc;
	int notes = 0;

	io_bus_init(&b, -1);
	check(pc_init(&pc, &b, 64ULL << 20, 0, 1, &lock, notified, &notes) == 0, "isa: board");
	check(pc_isa_gsi(0) == 2 && pc_isa_gsi(2) == 2 && pc_isa_gsi(4) == 4 &&
	      pc_isa_gsi(15) == 15, "isa: GSI = IRQ, but IRQ0 -> GSI 2 (MADT override)");
	pc_irq_pulse(&pc, 4);
	check(pc.pic.raised[4] == 1 && log.n == 0, "isa: without an I/O APIC only the PIC sees it");
	pc_set_gsi_line(&pc, log_gsi, &log);
	pc_irq_pulse(&pc, 0);
	check(pc.pic.raised[0] == 1 && log.n == 1 && log.call[0].gsi == 2 &&
	      log.call[0].level && log.call[0].pulse, "isa: IRQ0 pulses the PIC and GSI 2");
	pc_irq_set(&pc, 9, true);
	pc_irq_set(&pc, 9, true);
	check(pc.pic.raised[9] == 1 && log.n == 2 && log.call[1].gsi == 9 &&
	      log.call[1].level && !log.call[1].pulse,
	      "isa: a level IRQ is held: one PIC edge, GSI 9 asserted once");
	pc_irq_set(&pc, 9, false);
	check(pc.pic.raised[9] == 1 && log.n == 3 && !log.call[2].level && !log.call[2].pulse,
	      "isa: and let go: GSI 9 de-asserted, no PIC edge");
	log.ret = -22;
	pc_irq_pulse(&pc, 3);
	log.ret = -19;
	pc_irq_pulse(&pc, 3);
	check(pc.gsi_err == -22 && pc.pic.raised[3] == 2,
	      "isa: the first I/O APIC error is kept; the PIC still gets the edge");
	pc_free(&pc);
}

/* --- Multiboot ------------------------------------------------------------------- */

#define RAM	(64ULL << 20)

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* An a.out-kludge image at load: header at 0, code, then bss. */
static size_t aout_image(unsigned char *img, uint32_t load, uint32_t flags, uint32_t bss)
{
	size_t len = 4096 + 100;

	memset(img, 0x90, len);
	put32(img, MB_HEADER_MAGIC);
	put32(img + 4, flags);
	put32(img + 8, -(MB_HEADER_MAGIC + flags));
	put32(img + 12, load);		/* header_addr */
	put32(img + 16, load);		/* load_addr */
	put32(img + 20, 0);		/* load_end: the whole file */
	put32(img + 24, bss ? load + len + bss : 0);
	put32(img + 28, load + 64);	/* entry */
	return len;
}

/* An ELF32 image: one PT_LOAD at paddr (vaddr may differ), the header in it. */
static size_t elf_image(unsigned char *img, uint32_t paddr, uint32_t vaddr, uint32_t bss)
{
	Elf32_Ehdr *eh = (void *)img;
	Elf32_Phdr *ph = (void *)(img + sizeof(*eh));
	size_t len = 8192;

	memset(img, 0, len);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_entry = vaddr + 0x100;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	ph->p_type = PT_LOAD;
	ph->p_offset = 4096;
	ph->p_paddr = paddr;
	ph->p_vaddr = vaddr;
	ph->p_filesz = 4096;
	ph->p_memsz = 4096 + bss;
	put32(img + 4096, MB_HEADER_MAGIC);
	put32(img + 4100, 3);
	put32(img + 4104, -(MB_HEADER_MAGIC + 3));
	memset(img + 4112, 0xcc, 4096 - 16);
	return len;
}

static void test_multiboot(void)
{
	static unsigned char img[16384];
	const struct mb_module mods[2] = {
		{ "mod0 arg", "first module", 12 },
		{ "mod1", "second", 6 },
	};
	const struct mb_mmap_entry *mm;
	const struct mb_module_entry *me;
	const struct mb_info *info;
	struct boot_state bs;
	enum image_format fmt;
	unsigned char *ram;
	uint64_t *gdt;
	char err[256];
	size_t len;
	int r;

	ram = mmap(NULL, 3ULL << 30, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) {
		check(0, "mmap 3 GiB of guest RAM (NORESERVE)");
		return;
	}
	check(image_format_parse("multiboot", &fmt) && fmt == IMAGE_MULTIBOOT,
	      "--format multiboot parses");

	len = aout_image(img, 0x200000, MB_FLAG_AOUT | 3, 0x3000);
	check(image_probe(img, len, IMAGE_AUTO, err, sizeof(err)) == IMAGE_MULTIBOOT,
	      "auto: a Multiboot header wins");
	memset(ram + 0x200000, 0xaa, 0x10000);
	r = mb_load(img, len, "/k", "a b", mods, 2, ram, RAM, 0, &bs, err, sizeof(err));
	check(r == IMAGE_OK, "a.out kludge image loads (%s)", r ? err : "ok");
	if (r)
		goto out;
	check(bs.entry == 0x200040 && bs.regs.rip == 0x200040, "a.out: entry_addr");
	check(!memcmp(ram + 0x200000, img, len), "a.out: file at load_addr");
	check(ram[0x200000 + len] == 0 && ram[0x200000 + len + 0x2fff] == 0 &&
	      ram[0x200000 + len + 0x3000] == 0xaa, "a.out: bss zeroed up to bss_end_addr, no further");
	check(bs.regs.rax == MB_BOOT_MAGIC && bs.regs.rbx == bs.boot_area, "EAX magic, EBX info");
	check(bs.regs.rflags == 2 && bs.sregs.cr0 == 0x11 && !bs.sregs.efer && !bs.sregs.cr4,
	      "EFLAGS 2 (IF=0), CR0 PE|ET, no paging");
	check(bs.sregs.cs.selector == 8 && bs.sregs.cs.db && !bs.sregs.cs.l &&
	      bs.sregs.cs.limit == 0xffffffff && bs.sregs.ss.selector == 0x10 &&
	      bs.sregs.ds.type == 3 && bs.sregs.cs.type == 0xb, "flat 32-bit CS 0x08, data 0x10");
	gdt = (uint64_t *)(ram + bs.sregs.gdt.base);
	check(bs.sregs.gdt.limit == 23 && gdt[1] == 0x00cf9b000000ffffULL &&
	      gdt[2] == 0x00cf93000000ffffULL, "GDT matches the segment registers");
	check(bs.sregs.tr.type == 11 && bs.sregs.tr.present && bs.sregs.ldt.unusable,
	      "TR a busy TSS, LDTR unusable");
	info = (const void *)(ram + bs.boot_area);
	check(info->flags == (MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
			      MB_INFO_LOADER), "info flags 0x%x", info->flags);
	check(info->mem_lower == 640 && info->mem_upper == 64512, "mem_lower 640, mem_upper 64512");
	check(!strcmp((char *)ram + info->cmdline, "/k a b"), "cmdline \"<image> <append>\"");
	check(!strcmp((char *)ram + info->boot_loader_name, "axctl"), "boot loader name");
	mm = (const void *)(ram + info->mmap_addr);
	check(info->mmap_length == 72 && mm[0].size == 20 && mm[0].addr == 0 &&
	      mm[0].len == 0xa0000 && mm[0].type == 1 && mm[1].type == 2 &&
	      mm[2].addr == 0x100000 && mm[2].len == RAM - 0x100000 && mm[2].type == 1,
	      "mmap: RAM < 640K, hole, RAM from 1M");
	me = (const void *)(ram + info->mods_addr);
	check(info->mods_count == 2 && me[0].mod_start == 0x202000 + 0x3000 &&
	      me[0].mod_end == me[0].mod_start + 12 && me[1].mod_start == me[0].mod_start + 0x1000,
	      "modules page aligned after the bss (0x%x, 0x%x)", me[0].mod_start, me[1].mod_start);
	check(!memcmp(ram + me[0].mod_start, "first module", 12) &&
	      !strcmp((char *)ram + me[0].string, "mod0 arg") &&
	      !strcmp((char *)ram + me[1].string, "mod1"), "module contents and strings");
	check(bs.boot_area >= me[1].mod_end && !(bs.boot_area & 0xfff), "info after the modules");
	check(bs.regs.rsp == MB_STACK, "ESP 0x9f000");

	/* ELF32, higher half: entry translated to its physical place. */
	len = elf_image(img, 0x100000, 0xc0100000, 0x5000);
	memset(ram + 0x100000, 0xaa, 0x10000);
	r = mb_load(img, len, "k", NULL, NULL, 0, ram, RAM, 0, &bs, err, sizeof(err));
	check(r == IMAGE_OK, "ELF32 image loads (%s)", r ? err : "ok");
	check(bs.entry == 0x100100, "ELF32: virtual entry 0xc0100100 taken to 0x100100");
	check(ram[0x100000 + 16] == 0xcc && ram[0x101000] == 0 && ram[0x105fff] == 0,
	      "ELF32: segment at p_paddr, bss zeroed");
	check(bs.boot_area == 0x106000, "ELF32: info on the page after the bss");
	info = (const void *)(ram + bs.boot_area);
	check(!strcmp((char *)ram + info->cmdline, "k") && !(info->flags & MB_INFO_MODS),
	      "no --append: cmdline is the image name; no modules");

	/* Low images: info out of the VGA hole. */
	len = aout_image(img, 0x9e000, MB_FLAG_AOUT | 3, 0);
	r = mb_load(img, len, "k", NULL, NULL, 0, ram, RAM, 0, &bs, err, sizeof(err));
	check(r == IMAGE_OK && bs.boot_area == 0x100000, "info moved out of 640K-1M (0x%llx)",
	      (unsigned long long)bs.boot_area);
	check(bs.regs.rsp == 0, "ESP 0 when the image sits at 0x9f000");

	/* More than 3 GiB: low RAM + RAM above 4 GiB. */
	len = aout_image(img, 0x200000, MB_FLAG_AOUT | 3, 0);
	r = mb_load(img, len, "k", NULL, NULL, 0, ram, 3ULL << 30, 3ULL << 30, &bs, err,
		    sizeof(err));
	info = (const void *)(ram + bs.boot_area);
	mm = (const void *)(ram + info->mmap_addr);
	check(r == IMAGE_OK && info->mmap_length == 96 && mm[3].addr == 1ULL << 32 &&
	      mm[3].len == 3ULL << 30 && mm[3].type == 1, "6 GiB: mmap has 3 GiB at 4 GiB");
	check(info->mem_upper == ((3ULL << 30) - 0x100000) >> 10, "6 GiB: mem_upper stops at 3 GiB");

	/* Refusals. */
	len = aout_image(img, 0x200000, MB_FLAG_AOUT | 3, 0);
	put32(img + 8, 0);
	check(mb_probe(img, len, err, sizeof(err)) == IMAGE_EFORMAT && strstr(err, "no Multiboot header"),
	      "bad checksum: no header (%s)", err);
	check(image_probe(img, len, IMAGE_AUTO, err, sizeof(err)) == IMAGE_FLAT,
	      "auto: without a valid header it is flat");
	len = aout_image(img, 0x200000, MB_FLAG_AOUT | 3 | (1U << 5), 0);
	check(mb_probe(img, len, err, sizeof(err)) == IMAGE_EFORMAT && strstr(err, "0x20"),
	      "unknown required flag refused (%s)", err);
	len = aout_image(img, 0x200000, MB_FLAG_AOUT | 7, 0);
	check(mb_probe(img, len, err, sizeof(err)) == IMAGE_OK, "video flag ignored");
	len = aout_image(img, RAM - 0x1000, MB_FLAG_AOUT | 3, 0);
	r = mb_load(img, len, "k", NULL, NULL, 0, ram, RAM, 0, &bs, err, sizeof(err));
	check(r == IMAGE_EFIT, "image past the end of RAM refused (%s)", err);
	len = aout_image(img, 0x200000, MB_FLAG_AOUT | 3, 0);
	put32(img + 20, 0x200000 + 0x10000);
	check(mb_probe(img, len, err, sizeof(err)) == IMAGE_EFORMAT, "load_end_addr past the file refused");
	len = aout_image(img, 0x200000, MB_FLAG_AOUT | 3, 0);
	put32(img + 16, 0x200004);
	check(mb_probe(img, len, err, sizeof(err)) == IMAGE_EFORMAT, "load_addr above header_addr refused");
	len = aout_image(img, 0x200000, 3, 0);	/* no a.out flag, not ELF */
	check(mb_probe(img, len, err, sizeof(err)) == IMAGE_EFORMAT && strstr(err, "not ELF"),
	      "no a.out flag and no ELF refused (%s)", err);
	memset(img, 0, sizeof(img));
	len = aout_image(img + 8192, 0x200000, MB_FLAG_AOUT | 3, 0) + 8192;
	check(mb_probe(img, len, err, sizeof(err)) == IMAGE_EFORMAT, "header past 8 KiB not found");
	{
		static char longline[MB_CMDLINE_MAX + 2];

		memset(longline, 'x', sizeof(longline) - 1);
		len = aout_image(img, 0x200000, MB_FLAG_AOUT | 3, 0);
		r = mb_load(img, len, "k", longline, NULL, 0, ram, RAM, 0, &bs, err, sizeof(err));
		check(r == IMAGE_ECMDLINE, "command line too long refused");
	}
out:
	munmap(ram, 3ULL << 30);
}

static void test_guest(const char *path)
{
	const struct mb_info *info;
	struct boot_state bs;
	unsigned char *ram, *img;
	char err[256];
	size_t len;
	int r;

	img = load_file(path, &len);
	if (!img)
		return;
	ram = calloc(1, RAM);
	check(image_probe(img, len, IMAGE_AUTO, err, sizeof(err)) == IMAGE_MULTIBOOT,
	      "%s is Multiboot", path);
	r = mb_load(img, len, path, "x", NULL, 0, ram, RAM, 0, &bs, err, sizeof(err));
	check(r == IMAGE_OK && bs.load_lo == 0x100000, "%s loads at 1 MiB (%s)", path, r ? err : "ok");
	info = (const void *)(ram + bs.boot_area);
	check(!r && info->mem_upper == 64512, "%s: info structure", path);
	free(ram);
	free(img);
}

int main(int argc, char **argv)
{
	test_pic();
	test_pit();
	test_cmos();
	test_rtc_uip();
	test_port_b();
	test_serial();
	test_tsc_cpuid();
	test_fwcfg();
	test_board();
	test_isa_irqs();
	test_multiboot();
	if (argc > 1)
		test_guest(argv[1]);
	return check_summary("pc");
}
