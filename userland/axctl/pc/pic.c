// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the 8259A PIC pair (see pic.h). Follows the Intel 8259A data
 * sheet's command words; what is not listed there is not modelled.
 */
#include <string.h>

#include "pc/pic.h"

void pic_init(struct pic *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].base = 0x08;
	p->chip[1].base = 0x70;
	p->chip[0].imr = 0xff;
	p->chip[1].imr = 0xff;
	p->chip[1].icw3 = PIC_CASCADE_IRQ;
	p->chip[0].icw3 = 1U << PIC_CASCADE_IRQ;
}

/* The highest-priority bit of m (bit 0 first), or 8. */
static unsigned int first_bit(uint8_t m)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		if (m & (1U << i))
			return i;
	return 8;
}

/*
 * The line a chip would signal: the best unmasked IRR bit above every
 * ISR bit (fully nested mode), or 8. ISR of the cascade line on the master
 * does not hold back the slave's own higher lines here: the slave's ISR
 * decides for those, as in the data sheet's "special fully nested" use.
 */
static unsigned int chip_line(const struct pic_chip *c, uint8_t irr)
{
	unsigned int req = first_bit(irr & ~c->imr);
	unsigned int svc = first_bit(c->isr);

	return req < svc ? req : 8;
}

/* The master's IRR with the slave's output on the cascade line. */
static uint8_t master_irr(const struct pic *p)
{
	uint8_t irr = p->chip[0].irr & ~(1U << PIC_CASCADE_IRQ);

	if (chip_line(&p->chip[1], p->chip[1].irr) < 8)
		irr |= 1U << PIC_CASCADE_IRQ;
	return irr;
}

void pic_raise(struct pic *p, unsigned int irq)
{
	if (irq >= 16)
		return;
	p->raised[irq]++;
	p->chip[irq >> 3].irr |= 1U << (irq & 7);
}

int pic_pending_vector(const struct pic *p)
{
	unsigned int m = chip_line(&p->chip[0], master_irr(p)), s;

	if (m >= 8)
		return -1;
	if (m != PIC_CASCADE_IRQ)
		return p->chip[0].base + m;
	s = chip_line(&p->chip[1], p->chip[1].irr);
	return p->chip[1].base + s;
}

static void take(struct pic_chip *c, unsigned int line)
{
	c->irr &= ~(1U << line);
	if (!c->auto_eoi)
		c->isr |= 1U << line;
}

int pic_ack(struct pic *p)
{
	unsigned int m = chip_line(&p->chip[0], master_irr(p)), s;

	if (m >= 8)
		return -1;
	take(&p->chip[0], m);
	if (m != PIC_CASCADE_IRQ) {
		p->delivered[m]++;
		return p->chip[0].base + m;
	}
	s = chip_line(&p->chip[1], p->chip[1].irr);
	take(&p->chip[1], s);
	p->delivered[8 + s]++;
	return p->chip[1].base + s;
}

bool pic_line_enabled(const struct pic *p, unsigned int irq)
{
	if (irq >= 16)
		return false;
	if (irq < 8)
		return !(p->chip[0].imr & (1U << irq));
	return !(p->chip[1].imr & (1U << (irq - 8))) &&
	       !(p->chip[0].imr & (1U << PIC_CASCADE_IRQ));
}

static struct pic_chip *chip_of(struct pic *p, uint16_t port)
{
	return &p->chip[(port & 0x80) ? 1 : 0];
}

uint8_t pic_read(struct pic *p, uint16_t port)
{
	struct pic_chip *c = chip_of(p, port);

	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static void eoi(struct pic_chip *c, int line)
{
	if (line < 0)
		line = first_bit(c->isr);	/* non-specific: the highest in service */
	if (line < 8)
		c->isr &= ~(1U << line);
}

void pic_write(struct pic *p, uint16_t port, uint8_t val)
{
	struct pic_chip *c = chip_of(p, port);

	if (!(port & 1)) {
		if (val & 0x10) {		/* ICW1 */
			c->init_step = 2;
			c->need_icw4 = val & 0x01;
			c->single = val & 0x02;
			c->auto_eoi = false;
			c->imr = 0;		/* the data sheet: IMR cleared */
			c->isr = 0;
			c->irr = 0;		/* edge sense reset: no stale requests */
			c->read_isr = false;
			c->initialised = true;
			return;
		}
		if (val & 0x08) {		/* OCW3 */
			if (val & 0x02)
				c->read_isr = val & 0x01;
			return;
		}
		switch (val >> 5) {		/* OCW2: R, SL, EOI */
		case 1:				/* non-specific EOI */
			eoi(c, -1);
			break;
		case 3:				/* specific EOI */
			eoi(c, val & 7);
			break;
		default:			/* rotation and priority: not modelled */
			break;
		}
		return;
	}
	switch (c->init_step) {
	case 2:
		c->base = val & 0xf8;
		/* ICW3 only in cascade mode (ICW1.SNGL clear), as on a PC. */
		c->init_step = !c->single ? 3 : c->need_icw4 ? 4 : 0;
		return;
	case 3:
		c->icw3 = val;
		c->init_step = c->need_icw4 ? 4 : 0;
		return;
	case 4:
		c->auto_eoi = val & 0x02;
		c->init_step = 0;
		return;
	default:
		c->imr = val;		/* OCW1 */
	}
}
