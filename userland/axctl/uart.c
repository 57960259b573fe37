// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the 16550 UART behind COM1 (see uart.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "uart.h"

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
		/* No interrupt sources are modelled: never one pending. */
		return UART_IIR_NO_INT | (u->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0);
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
		/* Bits 1-2 clear the FIFOs and read back as 0. */
		u->fcr = val & 0xc9;
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
