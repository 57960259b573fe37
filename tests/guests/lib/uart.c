// SPDX-License-Identifier: GPL-2.0
/*
 * COM1, a 16550: polled output, no interrupts.
 */
#include "guest.h"

#define THR	0	/* DLL with LCR.DLAB */
#define IER	1	/* DLM with LCR.DLAB */
#define FCR	2
#define LCR	3
#define MCR	4
#define LSR	5
#define SCR	7
#define LCR_DLAB	0x80
#define LCR_8N1		0x03
#define LSR_THRE	0x20

int com1_init(void)
{
	outb(COM1_PORT + IER, 0x00);		/* no interrupts */
	outb(COM1_PORT + LCR, LCR_DLAB);
	outb(COM1_PORT + THR, 0x01);		/* divisor 1: 115200 baud */
	outb(COM1_PORT + IER, 0x00);
	outb(COM1_PORT + LCR, LCR_8N1);
	outb(COM1_PORT + FCR, 0xc7);		/* FIFOs on and cleared */
	outb(COM1_PORT + MCR, 0x03);		/* DTR, RTS */
	outb(COM1_PORT + SCR, 0x5a);
	return inb(COM1_PORT + SCR) == 0x5a ? 0 : -1;
}

void com1_putc(char c)
{
	/* Bounded: a missing UART reads 0xff and never blocks us anyway. */
	for (int i = 0; i < 100000; i++)
		if (inb(COM1_PORT + LSR) & LSR_THRE)
			break;
	outb(COM1_PORT + THR, (uint8_t)c);
}
