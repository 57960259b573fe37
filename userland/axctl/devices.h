/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the emulated port-I/O devices. Pure state machines (the VMM
 * serialises calls), so the host tests drive them directly.
 *
 *  0x3f8-0x3ff  COM1, a 16550 UART without interrupts: THR bytes go to
 *               out_fd unbuffered; LSR reads 0x60 (THR empty, TEMT); IIR
 *               reads 0x01 (none pending); RBR reads 0 (no input yet);
 *               IER/LCR/MCR/SCR store and read back; DLL/DLM when
 *               LCR.DLAB; MCR loopback is modelled (MSR, RBR).
 *  0xf4         debug exit (QEMU's isa-debug-exit): a write of v, width
 *               1/2/4, ends the VM; axctl exits with (v << 1) | 1.
 *  0x80         POST code: writes ignored silently.
 *  anything else: reads give all ones of the width, writes are ignored;
 *               both counted (axctl -v prints the counts at exit).
 */
#ifndef AXCTL_DEVICES_H
#define AXCTL_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_BASE		0x3f8
#define COM1_SIZE		8
#define DEBUG_EXIT_PORT		0xf4
#define POST_PORT		0x80

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

#define IO_UNHANDLED_PORTS	16

struct io_unhandled {
	uint16_t port;
	uint64_t reads, writes;
};

struct io_bus {
	struct uart16550 com1;
	uint64_t unhandled_reads, unhandled_writes;
	/* The first IO_UNHANDLED_PORTS distinct ports, for -v. */
	struct io_unhandled ports[IO_UNHANDLED_PORTS];
	unsigned int nr_ports;
	bool exit_requested;
	uint64_t exit_value;	/* what the guest wrote to DEBUG_EXIT_PORT */
};

void io_bus_init(struct io_bus *b, int uart_fd);
/* IN of width 1/2/4 at port: the value (all ones of the width if unhandled). */
uint64_t io_read(struct io_bus *b, uint16_t port, unsigned int width);
/* OUT: true if the guest asked to exit (b->exit_value has v). */
bool io_write(struct io_bus *b, uint16_t port, unsigned int width, uint64_t val);
/* The exit status for a debug-exit value v: (v << 1) | 1, as a byte. */
int debug_exit_status(uint64_t v);

#endif
