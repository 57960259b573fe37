// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the 16550A UART model (see serial.h), after the PC16550D data
 * sheet: "Interrupt Identification Register" (priorities and how each
 * source is reset), "FIFO Interrupt Mode Operation" (trigger levels and
 * the character timeout) and "Modem Control Register" (loopback).
 */
#include <string.h>

#include "pc/serial.h"

#define NSEC	1000000000ULL

static void nop_tx(void *arg, uint8_t c)
{
	(void)arg;
	(void)c;
}

static void nop_irq(void *arg, bool level)
{
	(void)arg;
	(void)level;
}

void serial_init(struct serial *s, uint64_t (*clock)(void),
		 void (*tx)(void *, uint8_t), void (*set_irq)(void *, bool), void *arg)
{
	memset(s, 0, sizeof(*s));
	s->clock = clock;
	s->tx = tx ? tx : nop_tx;
	s->set_irq = set_irq ? set_irq : nop_irq;
	s->arg = arg;
	s->lcr = 0x03;		/* 8N1 */
	s->dll = 0x01;		/* 115200 baud */
	s->thre_pending = true;	/* THR is empty; IER.ETBEI gates it */
}

static bool fifo_on(const struct serial *s)
{
	return s->fcr & SERIAL_FCR_ENABLE;
}

static unsigned int rx_capacity(const struct serial *s)
{
	return fifo_on(s) ? SERIAL_FIFO : 1;
}

static unsigned int rx_trigger(const struct serial *s)
{
	static const unsigned int level[4] = { 1, 4, 8, 14 };

	return fifo_on(s) ? level[s->fcr >> 6] : 1;
}

uint64_t serial_char_ns(const struct serial *s)
{
	unsigned int data = 5 + (s->lcr & 3);
	unsigned int bits = 1 + data + (s->lcr & 0x08 ? 1 : 0) + (s->lcr & 0x04 ? 2 : 1);
	unsigned int div = s->dll | (unsigned int)s->dlm << 8;

	if (!div)
		div = 0x10000;	/* divisor 0 is undefined; take the slowest */
	return (uint64_t)bits * 16 * div * NSEC / SERIAL_CLOCK_HZ;
}

/* When the character timeout fires for what is in the FIFO now. */
static uint64_t timeout_at(const struct serial *s)
{
	if (!fifo_on(s) || !s->rx_count)
		return SERIAL_NEVER;
	return s->rx_activity_ns + 4 * serial_char_ns(s);
}

uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = fifo_on(s) ? SERIAL_IIR_FIFO : 0;

	if ((s->ier & SERIAL_IER_ELSI) && s->lsr_oe)
		return fifo | SERIAL_IIR_RLSI;
	if (s->ier & SERIAL_IER_ERBFI) {
		if (s->rx_count >= rx_trigger(s))
			return fifo | SERIAL_IIR_RDI;
		if (s->rx_count && s->clock() >= timeout_at(s))
			return fifo | SERIAL_IIR_TIMEOUT;
	}
	if ((s->ier & SERIAL_IER_ETBEI) && s->thre_pending)
		return fifo | SERIAL_IIR_THRI;
	if ((s->ier & SERIAL_IER_EDSSI) && s->msr_delta)
		return fifo | SERIAL_IIR_MSI;
	return fifo | SERIAL_IIR_NONE;
}

/*
 * The IRQ line: INTR through the OUT2-driven buffer of the PC adapter. In
 * loopback the OUT pins are forced inactive, so the line is too.
 */
static void update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & SERIAL_IIR_NONE) &&
		     (s->mcr & (SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP)) == SERIAL_MCR_OUT2;

	if (level != s->irq_level) {
		s->irq_level = level;
		s->set_irq(s->arg, level);
	}
}

static void rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
}

/* One byte into the receiver: false if it is full. */
static bool rx_put(struct serial *s, uint8_t c)
{
	if (s->rx_count >= rx_capacity(s))
		return false;
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO] = c;
	s->rx_count++;
	s->rx_bytes++;
	s->rx_activity_ns = s->clock();
	return true;
}

static uint8_t rx_get(struct serial *s)
{
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO;
	s->rx_count--;
	s->rx_activity_ns = s->clock();	/* a read restarts the timeout */
	return c;
}

/* MSR 7:4: a terminal always there, or MCR's outputs in loopback. */
static uint8_t modem_inputs(const struct serial *s)
{
	uint8_t m = s->mcr;

	if (!(m & SERIAL_MCR_LOOP))
		return SERIAL_MSR_CTS | SERIAL_MSR_DSR | SERIAL_MSR_DCD;
	return (m & SERIAL_MCR_RTS ? SERIAL_MSR_CTS : 0) |
	       (m & SERIAL_MCR_DTR ? SERIAL_MSR_DSR : 0) |
	       (m & SERIAL_MCR_OUT1 ? SERIAL_MSR_RI : 0) |
	       (m & SERIAL_MCR_OUT2 ? SERIAL_MSR_DCD : 0);
}

static void set_mcr(struct serial *s, uint8_t val)
{
	uint8_t before = modem_inputs(s), after, changed;

	s->mcr = val & 0x1f;
	after = modem_inputs(s);
	changed = before ^ after;
	if (changed & SERIAL_MSR_CTS)
		s->msr_delta |= SERIAL_MSR_DCTS;
	if (changed & SERIAL_MSR_DSR)
		s->msr_delta |= SERIAL_MSR_DDSR;
	if ((before & SERIAL_MSR_RI) && !(after & SERIAL_MSR_RI))
		s->msr_delta |= SERIAL_MSR_TERI;	/* trailing edge only */
	if (changed & SERIAL_MSR_DCD)
		s->msr_delta |= SERIAL_MSR_DDCD;
}

static void set_fcr(struct serial *s, uint8_t val)
{
	if ((val ^ s->fcr) & SERIAL_FCR_ENABLE)
		rx_clear(s);	/* switching the FIFOs on or off empties them */
	if (val & SERIAL_FCR_CLEAR_RX)
		rx_clear(s);
	/* TX FIFO clear: nothing waits there, the transmitter is instant. */
	s->fcr = val & 0xc9;
}

static void transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & SERIAL_MCR_LOOP) {
		if (!rx_put(s, c))
			s->lsr_oe = true;	/* the shift register overwrites */
	} else {
		s->tx_bytes++;
		s->tx(s->arg, c);
	}
	s->thre_pending = true;		/* sent at once: THR empty again */
}

static uint8_t read_reg(struct serial *s, unsigned int off)
{
	bool dlab = s->lcr & SERIAL_LCR_DLAB;
	uint8_t v;

	switch (off & 7) {
	case SERIAL_RBR:
		return dlab ? s->dll : rx_get(s);
	case SERIAL_IER:
		return dlab ? s->dlm : s->ier;
	case SERIAL_IIR:
		v = serial_iir(s);
		/* Reading IIR resets the THRE interrupt if that is what it says. */
		if ((v & 0x0f) == SERIAL_IIR_THRI)
			s->thre_pending = false;
		return v;
	case SERIAL_LCR:
		return s->lcr;
	case SERIAL_MCR:
		return s->mcr;
	case SERIAL_LSR:
		v = (s->rx_count ? SERIAL_LSR_DR : 0) | (s->lsr_oe ? SERIAL_LSR_OE : 0) |
		    SERIAL_LSR_THRE | SERIAL_LSR_TEMT;
		s->lsr_oe = false;
		return v;
	case SERIAL_MSR:
		v = modem_inputs(s) | s->msr_delta;
		s->msr_delta = 0;
		return v;
	default:
		return s->scr;
	}
}

uint8_t serial_read(struct serial *s, unsigned int off)
{
	uint8_t v = read_reg(s, off);

	update_irq(s);
	return v;
}

static void write_ier(struct serial *s, uint8_t val)
{
	uint8_t old = s->ier;

	s->ier = val & 0x0f;
	/* ETBEI 0 -> 1 with THR empty: the THRE interrupt (as QEMU and real parts). */
	if ((s->ier & ~old) & SERIAL_IER_ETBEI)
		s->thre_pending = true;
}

void serial_write(struct serial *s, unsigned int off, uint8_t val)
{
	bool dlab = s->lcr & SERIAL_LCR_DLAB;

	switch (off & 7) {
	case SERIAL_RBR:
		if (dlab) {
			s->dll = val;
		} else {
			s->thre_pending = false;	/* a THR write resets it */
			transmit(s, val);
		}
		break;
	case SERIAL_IER:
		if (dlab)
			s->dlm = val;
		else
			write_ier(s, val);
		break;
	case SERIAL_IIR:
		set_fcr(s, val);
		break;
	case SERIAL_LCR:
		s->lcr = val;
		break;
	case SERIAL_MCR:
		set_mcr(s, val);
		break;
	case SERIAL_LSR:
	case SERIAL_MSR:
		break;		/* read-only (factory test writes not modelled) */
	default:
		s->scr = val;
		break;
	}
	update_irq(s);
}

unsigned int serial_rx_room(const struct serial *s)
{
	if (s->mcr & SERIAL_MCR_LOOP)
		return 0;	/* SIN is cut off in loopback: the host waits */
	return rx_capacity(s) - s->rx_count;
}

size_t serial_rx_push(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len && serial_rx_room(s) && rx_put(s, buf[n]))
		n++;
	if (n)
		update_irq(s);
	return n;
}

void serial_poll(struct serial *s)
{
	update_irq(s);
}

uint64_t serial_next_deadline(const struct serial *s)
{
	uint64_t t = timeout_at(s);

	if (!(s->ier & SERIAL_IER_ERBFI) || t == SERIAL_NEVER || s->clock() >= t)
		return SERIAL_NEVER;	/* nothing armed, or already due (polled) */
	return t;
}
