// SPDX-License-Identifier: GPL-2.0
/*
 * I/O APIC register and pin logic without side effects: the redirection
 * table, remote IRR, the wired-OR of a line's sources, and which pins
 * must send a message after an event. The caller (ioapic.c) holds the
 * lock and sends the messages. Intel 82093AA datasheet (290566), 3.2
 * "IOAPIC Registers".
 */
#include <linux/bitops.h>
#include <linux/string.h>
#include "io/ioapic.h"

/**
 * axvm_ioapic_reset() - power-up state (datasheet 3.2.4: every pin masked)
 * @s: the state
 */
void axvm_ioapic_reset(struct axvm_ioapic_state *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < AXVM_IOAPIC_PINS; i++)
		s->redir[i] = IOAPIC_RTE_MASKED;
}

/* The pin whose redirection entry @index addresses, or -1. */
static int redir_pin(u32 index)
{
	if (index < IOAPIC_REG_REDIR ||
	    index >= IOAPIC_REG_REDIR + 2 * AXVM_IOAPIC_PINS)
		return -1;
	return (index - IOAPIC_REG_REDIR) / 2;
}

/* Would a level-triggered pin send its message now? */
static bool level_due(const struct axvm_ioapic_state *s, unsigned int pin)
{
	u64 e = s->redir[pin];

	return s->sources[pin] && (e & IOAPIC_RTE_LEVEL) &&
	       !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR));
}

/**
 * axvm_ioapic_read() - IOWIN read
 * @s: the state
 * @index: the register IOREGSEL selects
 *
 * Return: its value; unimplemented registers read 0.
 */
u32 axvm_ioapic_read(const struct axvm_ioapic_state *s, u32 index)
{
	int pin = redir_pin(index);

	switch (index) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:	/* arbitration ID: loaded from the ID */
		return s->id << 24;
	case IOAPIC_REG_VERSION:
		return IOAPIC_VERSION_VALUE;
	}
	if (pin < 0)
		return 0;
	return index & 1 ? s->redir[pin] >> 32 : (u32)s->redir[pin];
}

/**
 * axvm_ioapic_write() - IOWIN write
 * @s: the state
 * @index: the register IOREGSEL selects
 * @val: the value
 *
 * Delivery status and remote IRR are read-only; an entry switched to edge
 * loses its remote IRR (it means nothing there). Unmasking a
 * level-triggered pin whose line is asserted sends its message; an edge
 * that came while the pin was masked is lost (datasheet 3.2.4, bit 16).
 *
 * Return: the pins (bit mask) that must send their message now.
 */
u32 axvm_ioapic_write(struct axvm_ioapic_state *s, u32 index, u32 val)
{
	int pin = redir_pin(index);
	u64 e;

	if (index == IOAPIC_REG_ID) {
		s->id = (val >> 24) & 0xf;
		return 0;
	}
	if (pin < 0)
		return 0;	/* version, arbitration: read-only */
	e = s->redir[pin];
	if (index & 1)
		e = (u32)e | (u64)(val & IOAPIC_RTE_HI_WRITABLE) << 32;
	else
		e = (e & ~(u64)IOAPIC_RTE_LO_WRITABLE) |
		    (val & IOAPIC_RTE_LO_WRITABLE);
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	s->redir[pin] = e;
	return level_due(s, pin) ? BIT(pin) : 0;
}

/**
 * axvm_ioapic_set_line() - one source drives a pin's input
 * @s: the state
 * @pin: the pin (< AXVM_IOAPIC_PINS)
 * @source: the source (< AXVM_IRQ_SOURCES)
 * @level: asserted (whatever the entry's polarity: the line's logical state)
 *
 * The line is the OR of its sources. An edge-triggered pin sends on the
 * line's rising edge; a level-triggered one while the line is asserted and
 * no earlier message waits for its EOI (remote IRR). Masked pins send
 * nothing.
 *
 * Return: true if the pin must send its message now.
 */
bool axvm_ioapic_set_line(struct axvm_ioapic_state *s, unsigned int pin,
			  unsigned int source, bool level)
{
	u32 old = s->sources[pin];
	u64 e = s->redir[pin];

	if (level)
		s->sources[pin] |= BIT(source);
	else
		s->sources[pin] &= ~BIT(source);
	if (e & IOAPIC_RTE_LEVEL)
		return level_due(s, pin);
	return !old && s->sources[pin] && !(e & IOAPIC_RTE_MASKED);
}

/**
 * axvm_ioapic_eoi_vector() - a local APIC's EOI of a level vector
 * @s: the state
 * @vector: the vector (the EOI message, or the EOI register)
 *
 * Clears remote IRR of every level-triggered pin with @vector (datasheet
 * 3.2.4, bit 14).
 *
 * Return: the pins among them whose line is still asserted and unmasked:
 * they send again.
 */
u32 axvm_ioapic_eoi_vector(struct axvm_ioapic_state *s, u8 vector)
{
	u32 again = 0;
	int i;

	for (i = 0; i < AXVM_IOAPIC_PINS; i++) {
		if (IOAPIC_RTE_VECTOR(s->redir[i]) != vector ||
		    !(s->redir[i] & IOAPIC_RTE_REMOTE_IRR))
			continue;
		s->redir[i] &= ~IOAPIC_RTE_REMOTE_IRR;
		if (level_due(s, i))
			again |= BIT(i);
	}
	return again;
}

/**
 * axvm_ioapic_msg() - the message a pin sends
 * @s: the state
 * @pin: the pin
 * @m: filled in
 */
void axvm_ioapic_msg(const struct axvm_ioapic_state *s, unsigned int pin,
		     struct axvm_apic_msg *m)
{
	u64 e = s->redir[pin];

	m->dest = IOAPIC_RTE_DEST(e);
	m->vector = IOAPIC_RTE_VECTOR(e);
	m->mode = IOAPIC_RTE_MODE(e);
	m->logical = e & IOAPIC_RTE_LOGICAL;
	m->level = e & IOAPIC_RTE_LEVEL;
}

/**
 * axvm_ioapic_accepted() - a local APIC accepted the pin's message
 * @s: the state
 * @pin: the pin
 *
 * A level-triggered fixed or lowest-priority interrupt sets remote IRR
 * until the EOI of its vector. NMI, INIT and ExtINT get no EOI: they
 * leave it clear.
 */
void axvm_ioapic_accepted(struct axvm_ioapic_state *s, unsigned int pin)
{
	u64 e = s->redir[pin];

	if ((e & IOAPIC_RTE_LEVEL) && (IOAPIC_RTE_MODE(e) == IOAPIC_DM_FIXED ||
				       IOAPIC_RTE_MODE(e) == IOAPIC_DM_LOWEST))
		s->redir[pin] |= IOAPIC_RTE_REMOTE_IRR;
}
