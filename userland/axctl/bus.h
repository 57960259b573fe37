/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the VMM's buses, where every device model registers the ranges
 * it answers, through one interface for both address spaces (like
 * kvmtool's ioport/mmio registration or crosvm's Bus): a struct
 * io_handler (base, length, flags, read and write, device) goes into a
 * struct bus with bus_register(); the VMM has one bus for ports and one
 * for guest-physical MMIO (struct io_bus). Pure data: the VMM serialises
 * calls under its device lock (vmm.h), so the host tests drive it
 * directly.
 *
 * A bus is a table of ranges sorted by base, searched by bisection; a
 * range may not overlap another. An access goes whole to the range of its
 * first byte unless that range is IO_BYTEWISE (a 16550 read with inw
 * gives two registers) or nothing is there: then it is split into byte
 * accesses, each to its own address. An access nothing answers reads all
 * ones of its width, writes are ignored; both are counted, the first
 * BUS_UNHANDLED distinct addresses one by one (axctl -v prints the counts
 * at exit, diag.c). Port widths are 1/2/4, MMIO widths 1/2/4/8 (any other
 * is taken as 1).
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
 * struct io_handler - one range on a bus
 * @base: first port or guest-physical address
 * @len: ports or bytes in the range
 * @flags: IO_BYTEWISE
 * @name: for messages
 * @read: a read of @width (1/2/4/8; 1 for IO_BYTEWISE) at @addr: the value
 * @write: a write; returns an enum io_action
 * @dev: the device, passed to @read and @write
 */
struct io_handler {
	uint64_t base, len;
	unsigned int flags;
	const char *name;
	uint64_t (*read)(void *dev, uint64_t addr, unsigned int width);
	int (*write)(void *dev, uint64_t addr, unsigned int width, uint64_t val);
	void *dev;
};

enum bus_space {
	BUS_PIO,		/* ports 0-0xffff, widths 1/2/4 */
	BUS_MMIO,		/* guest-physical addresses, widths 1/2/4/8 */
};

#define BUS_MAX_HANDLERS	24
#define BUS_UNHANDLED		16

struct bus_unhandled {
	uint64_t addr;
	uint64_t reads, writes;
};

struct bus {
	enum bus_space space;
	struct io_handler handlers[BUS_MAX_HANDLERS];	/* sorted by base */
	unsigned int nr_handlers;
	uint64_t unhandled_reads, unhandled_writes;
	/* The first BUS_UNHANDLED distinct addresses, for -v. */
	struct bus_unhandled addrs[BUS_UNHANDLED];
	unsigned int nr_addrs;
};

void bus_init(struct bus *b, enum bus_space space);
/* Add a range: 0, or -1 if it is empty, leaves the space, overlaps another or the table is full. */
int bus_register(struct bus *b, const struct io_handler *h);
/* The handler of addr, or NULL. */
const struct io_handler *bus_find(const struct bus *b, uint64_t addr);
/* A read: the value (all ones of the width if unhandled). */
uint64_t bus_read(struct bus *b, uint64_t addr, unsigned int width);
/* A write: an enum io_action. */
int bus_write(struct bus *b, uint64_t addr, unsigned int width, uint64_t val);

/* The VMM's buses and the devices every VM has (devices.h). */
struct io_bus {
	struct bus pio, mmio;
	struct uart16550 com1;
	bool exit_requested;
	uint64_t exit_value;	/* what the guest wrote to DEBUG_EXIT_PORT */
	bool reset_requested;	/* a write returned IO_RESET */
};

/* Accesses from the exits: on b->pio / b->mmio, noting IO_RESET. */
uint64_t io_read(struct io_bus *b, uint16_t port, unsigned int width);
int io_write(struct io_bus *b, uint16_t port, unsigned int width, uint64_t val);
uint64_t mmio_read(struct io_bus *b, uint64_t addr, unsigned int width);
int mmio_write(struct io_bus *b, uint64_t addr, unsigned int width, uint64_t val);

/* All ones of an access width in bytes (1..8). */
static inline uint64_t width_ones(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

#endif
