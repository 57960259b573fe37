/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the port-I/O bus and the devices every VM has. Pure state
 * machines (the VMM serialises calls under its lock), so the host tests
 * drive them directly. The PC devices (PIC, PIT, CMOS, fw_cfg, reset)
 * register on the same bus from pc.c.
 *
 * The bus is a table of port ranges sorted by base, searched by bisection:
 * every device registers a range and a read/write handler. A range marked
 * IO_BYTEWISE answers a wider access byte by byte (a 16550 read with inw
 * gives two registers), a range without it sees the access whole (fw_cfg's
 * 16-bit selector, the debug-exit port's 1/2/4-byte writes).
 *
 *  0x3f8-0x3ff  COM1, a 16550 UART without interrupts: THR bytes go to
 *               out_fd unbuffered; LSR reads 0x60 (THR empty, TEMT, plus DR
 *               in loopback); IIR reads 0x01 (0xc1 with FIFOs on: nothing
 *               pending); RBR reads 0 (no input); IER (4 bits), LCR, MCR
 *               (5 bits), SCR store and read back; DLL/DLM when LCR.DLAB;
 *               MCR loopback is modelled (MSR, RBR).
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

/* What a port write asks of the VMM. */
enum io_action {
	IO_CONTINUE = 0,
	IO_EXIT = 1,		/* debug-exit port: b->exit_value */
	IO_RESET = 2,		/* the guest reset the machine (0x92, 0x64, 0xcf9) */
	IO_POWEROFF = 3,	/* ACPI S5 (power.h) */
};

#define IO_BYTEWISE		(1U << 0)

/**
 * struct io_handler - one range of ports on the bus
 * @base: first port
 * @len: ports in the range
 * @flags: IO_BYTEWISE
 * @name: for messages
 * @read: IN of @width (1/2/4; 1 for IO_BYTEWISE) at @port: the value
 * @write: OUT; returns an enum io_action
 * @dev: the device, passed to @read and @write
 */
struct io_handler {
	uint16_t base, len;
	unsigned int flags;
	const char *name;
	uint32_t (*read)(void *dev, uint16_t port, unsigned int width);
	int (*write)(void *dev, uint16_t port, unsigned int width, uint32_t val);
	void *dev;
};

#define IO_MAX_HANDLERS		24
#define IO_UNHANDLED_PORTS	16

struct io_unhandled {
	uint16_t port;
	uint64_t reads, writes;
};

struct io_bus {
	struct io_handler handlers[IO_MAX_HANDLERS];	/* sorted by base */
	unsigned int nr_handlers;
	struct uart16550 com1;
	uint64_t unhandled_reads, unhandled_writes;
	/* The first IO_UNHANDLED_PORTS distinct ports, for -v. */
	struct io_unhandled ports[IO_UNHANDLED_PORTS];
	unsigned int nr_ports;
	bool exit_requested;
	uint64_t exit_value;	/* what the guest wrote to DEBUG_EXIT_PORT */
	bool reset_requested;
};

/* COM1, the debug-exit port and the POST port. */
void io_bus_init(struct io_bus *b, int uart_fd);
/* Add a range: 0, or -1 if it overlaps another or the table is full. */
int io_bus_register(struct io_bus *b, const struct io_handler *h);
/* The handler of port, or NULL. */
const struct io_handler *io_bus_find(const struct io_bus *b, uint16_t port);
/* IN of width 1/2/4 at port: the value (all ones of the width if unhandled). */
uint64_t io_read(struct io_bus *b, uint16_t port, unsigned int width);
/* OUT: an enum io_action (IO_EXIT: b->exit_value has v). */
int io_write(struct io_bus *b, uint16_t port, unsigned int width, uint64_t val);
/* The exit status for a debug-exit value v: (v << 1) | 1, as a byte. */
int debug_exit_status(uint64_t v);

#endif
