/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the VMM's bus, where every device model registers the ranges it
 * answers: port ranges (io_bus_register) and guest-physical MMIO ranges
 * (mmio_bus_register), with the same handler shape and the same rules
 * (like kvmtool's ioport/mmio registration or crosvm's Bus). Pure data:
 * the VMM serialises calls under its device lock (vmm.h), so the host
 * tests drive it directly.
 *
 * Each space is a table of ranges sorted by base, searched by bisection;
 * a range may not overlap another. A port range marked IO_BYTEWISE answers
 * a wider access byte by byte (a 16550 read with inw gives two
 * registers), a range without it sees the access whole (fw_cfg's 16-bit
 * selector, the debug-exit port's 1/2/4-byte writes). An access nothing
 * answers reads all ones of its width, writes are ignored; both are
 * counted (axctl -v prints the counts at exit, diag.c).
 *
 * The devices every VM has (COM1, debug exit, POST) are in devices.h.
 */
#ifndef AXCTL_BUS_H
#define AXCTL_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "uart.h"

/* What a write asks of the VMM. */
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

/**
 * struct mmio_handler - one range of guest-physical addresses on the bus
 * @base: first address
 * @len: bytes in the range
 * @flags: none yet (0)
 * @name: for messages
 * @read: a read of @width (1/2/4/8) at @addr: the value
 * @write: a write; returns an enum io_action
 * @dev: the device, passed to @read and @write
 *
 * An access is given to the range that holds its first byte, whole.
 */
struct mmio_handler {
	uint64_t base, len;
	unsigned int flags;
	const char *name;
	uint64_t (*read)(void *dev, uint64_t addr, unsigned int width);
	int (*write)(void *dev, uint64_t addr, unsigned int width, uint64_t val);
	void *dev;
};

#define IO_MAX_HANDLERS		24
#define MMIO_MAX_HANDLERS	16
#define IO_UNHANDLED_PORTS	16

struct io_unhandled {
	uint16_t port;
	uint64_t reads, writes;
};

struct io_bus {
	struct io_handler handlers[IO_MAX_HANDLERS];	/* sorted by base */
	unsigned int nr_handlers;
	struct mmio_handler mmio[MMIO_MAX_HANDLERS];	/* sorted by base */
	unsigned int nr_mmio;
	struct uart16550 com1;
	uint64_t unhandled_reads, unhandled_writes;
	/* The first IO_UNHANDLED_PORTS distinct ports, for -v. */
	struct io_unhandled ports[IO_UNHANDLED_PORTS];
	unsigned int nr_ports;
	uint64_t mmio_unhandled_reads, mmio_unhandled_writes;
	bool exit_requested;
	uint64_t exit_value;	/* what the guest wrote to DEBUG_EXIT_PORT */
	bool reset_requested;
};

/* Add a port range: 0, or -1 if it overlaps another or the table is full. */
int io_bus_register(struct io_bus *b, const struct io_handler *h);
/* The handler of port, or NULL. */
const struct io_handler *io_bus_find(const struct io_bus *b, uint16_t port);
/* IN of width 1/2/4 at port: the value (all ones of the width if unhandled). */
uint64_t io_read(struct io_bus *b, uint16_t port, unsigned int width);
/* OUT: an enum io_action (IO_EXIT: b->exit_value has v). */
int io_write(struct io_bus *b, uint16_t port, unsigned int width, uint64_t val);

/* Add an MMIO range: 0, or -1 if it is empty, wraps, overlaps or the table is full. */
int mmio_bus_register(struct io_bus *b, const struct mmio_handler *h);
/* The handler of addr, or NULL. */
const struct mmio_handler *mmio_bus_find(const struct io_bus *b, uint64_t addr);
/* A read of width 1/2/4/8 at addr: the value (all ones of the width if unhandled). */
uint64_t mmio_read(struct io_bus *b, uint64_t addr, unsigned int width);
/* A write: an enum io_action (unhandled: ignored, IO_CONTINUE). */
int mmio_write(struct io_bus *b, uint64_t addr, unsigned int width, uint64_t val);

/* All ones of an access width in bytes (1..8). */
static inline uint64_t width_ones(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

#endif
