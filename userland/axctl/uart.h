/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: COM1, the 16550A of pc/serial.h on the VMM's side: THR bytes go
 * to out_fd unbuffered and in order, the receiver takes the console's
 * input (console.h), the interrupt line goes to the board (IRQ 4). The
 * VMM calls everything under its device lock; the hooks are called with
 * it held.
 */
#ifndef AXCTL_UART_H
#define AXCTL_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pc/serial.h"

/* Register offsets and bits (the 8250 names). */
#define UART_RBR_THR		SERIAL_RBR
#define UART_IER		SERIAL_IER
#define UART_IIR_FCR		SERIAL_IIR
#define UART_LCR		SERIAL_LCR
#define UART_MCR		SERIAL_MCR
#define UART_LSR		SERIAL_LSR
#define UART_MSR		SERIAL_MSR
#define UART_SCR		SERIAL_SCR
#define UART_IRQ		4

/**
 * struct uart16550 - COM1
 * @s: the 16550A
 * @out_fd: THR bytes go here; -1: dropped
 * @tx_bytes: bytes sent
 * @last_tx: the last byte sent (for messages after guest output)
 * @irq: the IRQ line changed level (NULL: not wired)
 * @notify: the guest read RBR or changed what the timeout depends on: the
 *          console may push again, the timer may have a new deadline
 * @arg: for @irq and @notify
 */
struct uart16550 {
	struct serial s;
	int out_fd;
	uint64_t tx_bytes;
	uint8_t last_tx;
	void (*irq)(void *arg, bool level);
	void (*notify)(void *arg);
	void *arg;
};

/* Reset state; output to out_fd, time from CLOCK_MONOTONIC. */
void uart_init(struct uart16550 *u, int out_fd);
uint8_t uart_read(struct uart16550 *u, unsigned int off);
void uart_write(struct uart16550 *u, unsigned int off, uint8_t val);
/*
 * Console input: how many of len bytes the receiver took. Input waits
 * (0) until the guest is listening: receive interrupts on (IER.ERBFI)
 * with MCR.OUT2 set and no loopback, as Linux's 8250 driver has it while
 * the port is open. Bytes pushed earlier would be lost to the FIFO
 * clears and RBR reads of its probe and startup, and to the IER = 0 of
 * every printk.
 */
size_t uart_rx_push(struct uart16550 *u, const uint8_t *buf, size_t len);
/* Room for console input now (0 while the guest is not listening). */
unsigned int uart_rx_room(const struct uart16550 *u);

#endif
