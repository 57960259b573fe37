// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the emulated port-I/O devices (see devices.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"

void uart_init(struct uart16550 *u, int out_fd)
{
	memset(u, 0, sizeof(*u));
	u->out_fd = out_fd;
	u->lcr = 0x03;		/* 8N1, as firmware leaves it */
	u->dll = 0x01;		/* 115200 baud */
}

static void emit(struct uart16550 *u, uint8_t c)
{
	ssize_t r;

	u->tx_bytes++;
	u->last_tx = c;
	if (u->out_fd < 0)
		return;
	do
		r = write(u->out_fd, &c, 1);
	while (r < 0 && errno == EINTR);
	/* EPIPE and friends: the reader went away; the guest goes on. */
}

/* MSR: in loopback the modem outputs come back as inputs (8.6.9 of the 16550 datasheet). */
static uint8_t uart_msr(const struct uart16550 *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return 0xb0;	/* DCD, DSR, CTS: a terminal is attached */
	return (m & 0x02 ? 0x10 : 0) |	/* RTS -> CTS */
	       (m & 0x01 ? 0x20 : 0) |	/* DTR -> DSR */
	       (m & 0x04 ? 0x40 : 0) |	/* OUT1 -> RI */
	       (m & 0x08 ? 0x80 : 0);	/* OUT2 -> DCD */
}

uint8_t uart_read(struct uart16550 *u, unsigned int off)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off & 7) {
	case UART_RBR_THR:
		if (dlab)
			return u->dll;
		if (u->rx_ready) {
			u->rx_ready = false;
			return u->rbr;
		}
		return 0;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR_FCR:
		return UART_IIR_NO_INT;
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT | (u->rx_ready ? UART_LSR_DR : 0);
	case UART_MSR:
		return uart_msr(u);
	default:	/* UART_SCR */
		return u->scr;
	}
}

void uart_write(struct uart16550 *u, unsigned int off, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off & 7) {
	case UART_RBR_THR:
		if (dlab) {
			u->dll = val;
		} else if (u->mcr & UART_MCR_LOOP) {
			u->rbr = val;
			u->rx_ready = true;
		} else {
			emit(u, val);
		}
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case UART_IIR_FCR:
		u->fcr = val;
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break;		/* read-only (factory test modes not modelled) */
	default:
		u->scr = val;
		break;
	}
}

void io_bus_init(struct io_bus *b, int uart_fd)
{
	memset(b, 0, sizeof(*b));
	uart_init(&b->com1, uart_fd);
}

static void count_unhandled(struct io_bus *b, uint16_t port, bool write)
{
	unsigned int i;

	if (write)
		b->unhandled_writes++;
	else
		b->unhandled_reads++;
	for (i = 0; i < b->nr_ports; i++)
		if (b->ports[i].port == port)
			break;
	if (i == b->nr_ports) {
		if (i == IO_UNHANDLED_PORTS)
			return;
		b->ports[i].port = port;
		b->nr_ports++;
	}
	if (write)
		b->ports[i].writes++;
	else
		b->ports[i].reads++;
}

static bool in_com1(uint16_t port)
{
	return port >= COM1_BASE && port < COM1_BASE + COM1_SIZE;
}

static uint64_t width_mask(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

uint64_t io_read(struct io_bus *b, uint16_t port, unsigned int width)
{
	uint64_t v = 0;
	unsigned int i;

	if (width != 1 && width != 2 && width != 4)
		width = 1;
	/* A byte-wide device answers a wider access byte by byte. */
	if (in_com1(port) || in_com1(port + width - 1)) {
		for (i = 0; i < width; i++) {
			uint16_t p = port + i;
			uint8_t byte;

			if (in_com1(p)) {
				byte = uart_read(&b->com1, p - COM1_BASE);
			} else {
				count_unhandled(b, p, false);
				byte = 0xff;
			}
			v |= (uint64_t)byte << (8 * i);
		}
		return v;
	}
	count_unhandled(b, port, false);
	return width_mask(width);
}

bool io_write(struct io_bus *b, uint16_t port, unsigned int width, uint64_t val)
{
	unsigned int i;

	if (width != 1 && width != 2 && width != 4)
		width = 1;
	val &= width_mask(width);
	if (port == DEBUG_EXIT_PORT) {
		b->exit_requested = true;
		b->exit_value = val;
		return true;
	}
	if (port == POST_PORT)
		return false;
	if (in_com1(port) || in_com1(port + width - 1)) {
		for (i = 0; i < width; i++) {
			uint16_t p = port + i;

			if (in_com1(p))
				uart_write(&b->com1, p - COM1_BASE, val >> (8 * i));
			else
				count_unhandled(b, p, true);
		}
		return false;
	}
	count_unhandled(b, port, true);
	return false;
}

int debug_exit_status(uint64_t v)
{
	return (int)(((v << 1) | 1) & 0xff);
}
