// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: COM1 (see uart.h).
 */
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "uart.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One byte at a time, in the guest's order; a slow reader slows the guest. */
static void emit(void *arg, uint8_t c)
{
	struct uart16550 *u = arg;
	ssize_t r;

	u->tx_bytes++;
	u->last_tx = c;
	if (u->out_fd < 0)
		return;
	for (;;) {
		r = write(u->out_fd, &c, 1);
		if (r == 1)
			return;
		if (r < 0 && errno == EAGAIN) {
			/* A non-blocking stdout: wait for room, never drop. */
			struct pollfd p = { .fd = u->out_fd, .events = POLLOUT };

			poll(&p, 1, -1);
		} else if (r < 0 && errno != EINTR) {
			return;	/* EPIPE and friends: the reader went away; the guest goes on */
		}
	}
}

static void line(void *arg, bool level)
{
	struct uart16550 *u = arg;

	if (u->irq)
		u->irq(u->arg, level);
}

void uart_init(struct uart16550 *u, int out_fd)
{
	serial_init(&u->s, mono_ns, emit, line, u);
	u->out_fd = out_fd;
	u->tx_bytes = 0;
	u->last_tx = 0;
	u->irq = NULL;
	u->notify = NULL;
	u->arg = NULL;
}

uint8_t uart_read(struct uart16550 *u, unsigned int off)
{
	uint8_t v = serial_read(&u->s, off);

	if ((off & 7) == UART_RBR_THR && !(u->s.lcr & SERIAL_LCR_DLAB) && u->notify)
		u->notify(u->arg);
	return v;
}

void uart_write(struct uart16550 *u, unsigned int off, uint8_t val)
{
	serial_write(&u->s, off, val);
	/* IER, FCR, LCR and the divisor move the character timeout. */
	if ((off & 7) != UART_RBR_THR && (off & 7) != UART_SCR && u->notify)
		u->notify(u->arg);
}

unsigned int uart_rx_room(const struct uart16550 *u)
{
	const struct serial *s = &u->s;

	if (!(s->ier & SERIAL_IER_ERBFI) ||
	    (s->mcr & (SERIAL_MCR_OUT2 | SERIAL_MCR_LOOP)) != SERIAL_MCR_OUT2)
		return 0;
	return serial_rx_room(s);
}

size_t uart_rx_push(struct uart16550 *u, const uint8_t *buf, size_t len)
{
	size_t n;

	if (len > uart_rx_room(u))
		len = uart_rx_room(u);
	n = serial_rx_push(&u->s, buf, len);

	if (n && u->notify)
		u->notify(u->arg);	/* a new timeout deadline */
	return n;
}
