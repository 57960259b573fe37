/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the 16550 UART model behind COM1 (devices.c registers it on the
 * port bus at 0x3f8-0x3ff). A pure state machine: the VMM calls it under
 * its device lock, the host tests drive it directly.
 *
 * No interrupts: THR bytes go to out_fd unbuffered; LSR reads 0x60 (THR
 * empty, TEMT, plus DR in loopback); IIR reads 0x01 (0xc1 with FIFOs on:
 * nothing pending); RBR reads 0 (no input); IER (4 bits), LCR, MCR
 * (5 bits), SCR store and read back; DLL/DLM when LCR.DLAB; MCR loopback
 * is modelled (MSR, RBR).
 */
#ifndef AXCTL_UART_H
#define AXCTL_UART_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets and bits. */
#define UART_RBR_THR		0
#define UART_IER		1
#define UART_IIR_FCR		2
#define UART_LCR		3
#define UART_MCR		4
#define UART_LSR		5
#define UART_MSR		6
#define UART_SCR		7
#define UART_LCR_DLAB		0x80
#define UART_MCR_LOOP		0x10
#define UART_LSR_DR		0x01
#define UART_LSR_THRE		0x20
#define UART_LSR_TEMT		0x40
#define UART_IIR_NO_INT		0x01
#define UART_IIR_FIFO		0xc0	/* FIFOs enabled (FCR bit 0) */
#define UART_FCR_ENABLE		0x01

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	uint8_t rbr;		/* loopback: the last byte "received" */
	bool rx_ready;		/* LSR.DR */
	int out_fd;		/* THR bytes go here; -1: dropped */
	uint64_t tx_bytes;
	uint8_t last_tx;	/* the last byte sent */
};

void uart_init(struct uart16550 *u, int out_fd);
uint8_t uart_read(struct uart16550 *u, unsigned int off);
void uart_write(struct uart16550 *u, unsigned int off, uint8_t val);

#endif
