// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the 8254 PIT (see pit.h), after the Intel 82C54 data sheet.
 * The counter is computed from the time its count was loaded, never
 * ticked: nothing runs while the guest does not look.
 */
#include <string.h>

#include "pc/pit.h"

#define NSEC	1000000000ULL

void pit_init(struct pit *p, uint64_t (*clock)(void))
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->clock = clock;
	for (i = 0; i < 3; i++) {
		p->ch[i].reload = 0x10000;
		p->ch[i].access = 3;
		p->ch[i].gate = i < 2;	/* channel 2's gate: port 0x61 bit 0, reset 0 */
	}
}

static uint64_t ns_to_ticks(uint64_t from, uint64_t now)
{
	if (now <= from)
		return 0;
	return (uint64_t)((unsigned __int128)(now - from) * PIT_HZ / NSEC);
}

/* Modes 0, 2, 3, 4 count only while the gate is high; 1 and 5 regardless. */
static bool gated(const struct pit_channel *c)
{
	return c->mode != 1 && c->mode != 5;
}

static uint64_t ticks_since(const struct pit_channel *c, uint64_t now)
{
	if (gated(c) && !c->gate)
		return c->ticks_base;
	return c->ticks_base + ns_to_ticks(c->load_ns, now);
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * NSEC + PIT_HZ - 1) / PIT_HZ);
}

static bool periodic(const struct pit_channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

static bool runs(const struct pit_channel *c)
{
	return c->counting && (gated(c) || c->triggered);
}

uint16_t pit_count(const struct pit *p, unsigned int ch, uint64_t now)
{
	const struct pit_channel *c = &p->ch[ch];
	uint64_t t;

	if (!runs(c))
		return (uint16_t)c->reload;
	t = ticks_since(c, now);
	switch (c->mode) {
	case 2:
		return (uint16_t)(c->reload - t % c->reload);
	case 3:
		/* Decrements by two, each half period reloading the count. */
		return (uint16_t)((c->reload - (2 * t) % c->reload) & ~1U);
	default:			/* 0 and 4: on past zero, wrapping */
		return (uint16_t)((c->reload - t) & 0xffff);
	}
}

bool pit_out(const struct pit *p, unsigned int ch, uint64_t now)
{
	const struct pit_channel *c = &p->ch[ch];
	uint64_t t;

	if (!c->counting)
		return c->mode != 0;	/* control word: mode 0 low, others high */
	if (!runs(c))
		return true;
	if (periodic(c) && !c->gate)
		return true;		/* modes 2, 3: a low gate forces OUT high */
	t = ticks_since(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return t >= c->reload;	/* mode 1: low from the trigger to terminal count */
	case 2:
		return t % c->reload != c->reload - 1;	/* low for the count of 1 */
	case 3:
		return t % c->reload < (c->reload + 1) / 2;
	default:			/* 4, 5: a strobe of one clock at terminal count */
		return t != c->reload;
	}
}

/* Rising edges of the output from the load up to now. */
static uint64_t edges(const struct pit_channel *c, uint64_t now)
{
	uint64_t t;

	if (!runs(c))
		return 0;
	t = ticks_since(c, now);
	if (periodic(c))
		return t / c->reload;
	return t >= c->reload ? 1 : 0;
}

uint64_t pit_poll(struct pit *p, uint64_t now)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t e = edges(c, now), n;

	n = e > c->edges_seen ? e - c->edges_seen : 0;
	c->edges_seen = e;
	return n;
}

bool pit_armed(const struct pit *p)
{
	const struct pit_channel *c = &p->ch[0];

	return runs(c) && (periodic(c) || c->edges_seen == 0);
}

uint64_t pit_next_edge(const struct pit *p)
{
	const struct pit_channel *c = &p->ch[0];

	if (!pit_armed(p))
		return PIT_NEVER;
	return c->load_ns + ticks_to_ns((c->edges_seen + 1) * c->reload);
}

static uint8_t status_of(const struct pit *p, unsigned int ch, uint64_t now)
{
	const struct pit_channel *c = &p->ch[ch];

	return (pit_out(p, ch, now) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
	       c->access << 4 | c->mode << 1 | (c->bcd ? 1 : 0);
}

static void latch_count(struct pit *p, unsigned int ch, uint64_t now)
{
	struct pit_channel *c = &p->ch[ch];

	if (c->latched)		/* a second latch before the read is ignored */
		return;
	c->latched = true;
	c->latch_msb = false;
	c->latch = pit_count(p, ch, now);
}

static void control(struct pit *p, uint8_t val, uint64_t now)
{
	unsigned int sel = val >> 6, i;
	struct pit_channel *c;

	if (sel == 3) {			/* read-back */
		for (i = 0; i < 3; i++) {
			if (!(val & (2U << i)))
				continue;
			if (!(val & 0x20))
				latch_count(p, i, now);
			if (!(val & 0x10) && !p->ch[i].status_latched) {
				p->ch[i].status_latched = true;
				p->ch[i].status = status_of(p, i, now);
			}
		}
		return;
	}
	c = &p->ch[sel];
	if (!(val & 0x30)) {		/* counter latch */
		latch_count(p, sel, now);
		return;
	}
	c->access = (val >> 4) & 3;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;		/* 6 and 7 are 2 and 3 */
	c->bcd = val & 1;
	c->counting = false;
	c->null_count = true;
	c->write_msb = false;
	c->read_msb = false;
	c->latched = false;
	c->status_latched = false;
	if (sel == 0)
		c->edges_seen = 0;
}

static void load(struct pit_channel *c, uint16_t count, uint64_t now)
{
	c->reload = count ? count : 0x10000;
	c->counting = true;
	c->null_count = false;
	c->load_ns = now;
	c->ticks_base = 0;
	c->triggered = false;	/* modes 1, 5 wait for the next gate edge */
	c->edges_seen = 0;
}

void pit_set_gate(struct pit *p, unsigned int ch, bool level, uint64_t now)
{
	struct pit_channel *c = &p->ch[ch];

	if (level == c->gate)
		return;
	if (!level) {
		/* Falling: modes 0, 2, 3, 4 stop counting where they are. */
		if (gated(c))
			c->ticks_base += ns_to_ticks(c->load_ns, now);
		c->gate = false;
		return;
	}
	c->gate = true;
	c->load_ns = now;	/* modes 0 and 4 go on from ticks_base */
	if (c->mode != 0 && c->mode != 4) {
		/* Rising: 1 and 5 (re)start, 2 and 3 reload the count. */
		c->ticks_base = 0;
		c->triggered = true;
		if (ch == 0)
			c->edges_seen = 0;
	}
}

void pit_write(struct pit *p, uint16_t port, uint8_t val)
{
	uint64_t now = p->clock();
	struct pit_channel *c;

	if (port == PIT_CONTROL) {
		control(p, val, now);
		return;
	}
	c = &p->ch[port - PIT_BASE];
	switch (c->access) {
	case 1:
		load(c, val, now);
		break;
	case 2:
		load(c, (uint16_t)val << 8, now);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = val;
			c->write_msb = true;
			if (c->mode == 0)
				c->counting = false;	/* mode 0 stops on the LSB */
		} else {
			c->write_msb = false;
			load(c, c->write_lsb | (uint16_t)val << 8, now);
		}
	}
}

static uint8_t byte_of(uint16_t v, bool msb)
{
	return msb ? v >> 8 : v & 0xff;
}

uint8_t pit_read(struct pit *p, uint16_t port)
{
	struct pit_channel *c;
	uint8_t r;

	if (port == PIT_CONTROL)
		return 0xff;	/* the control word register cannot be read */
	c = &p->ch[port - PIT_BASE];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->latched) {
		switch (c->access) {
		case 1:
			c->latched = false;
			return byte_of(c->latch, false);
		case 2:
			c->latched = false;
			return byte_of(c->latch, true);
		default:
			r = byte_of(c->latch, c->latch_msb);
			if (c->latch_msb)
				c->latched = false;
			c->latch_msb = !c->latch_msb;
			return r;
		}
	}
	switch (c->access) {
	case 1:
		return byte_of(pit_count(p, port - PIT_BASE, p->clock()), false);
	case 2:
		return byte_of(pit_count(p, port - PIT_BASE, p->clock()), true);
	default:
		r = byte_of(pit_count(p, port - PIT_BASE, p->clock()), c->read_msb);
		c->read_msb = !c->read_msb;
		return r;
	}
}
