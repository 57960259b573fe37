// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the devices every VM has: COM1, the debug-exit and POST ports
 * (see devices.h).
 */
#include <string.h>

#include "devices.h"

static uint64_t com1_read(void *dev, uint64_t port, unsigned int width)
{
	(void)width;	/* IO_BYTEWISE */
	return uart_read(dev, port - COM1_BASE);
}

static int com1_write(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	(void)width;
	uart_write(dev, port - COM1_BASE, val);
	return IO_CONTINUE;
}

static int debug_exit_write(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	struct io_bus *b = dev;

	(void)port;
	(void)width;
	b->exit_requested = true;
	b->exit_value = val;
	return IO_EXIT;
}

static uint64_t post_read(void *dev, uint64_t port, unsigned int width)
{
	(void)dev;
	(void)port;
	return width_ones(width);
}

static int post_write(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	(void)dev;
	(void)port;
	(void)width;
	(void)val;
	return IO_CONTINUE;	/* progress codes: nobody listens */
}

static uint64_t debug_exit_read(void *dev, uint64_t port, unsigned int width)
{
	return post_read(dev, port, width);
}

void io_bus_init(struct io_bus *b, int uart_fd)
{
	const struct io_handler com1 = {
		.base = COM1_BASE, .len = COM1_SIZE, .flags = IO_BYTEWISE, .name = "COM1",
		.read = com1_read, .write = com1_write, .dev = &b->com1,
	};
	const struct io_handler dbg = {
		.base = DEBUG_EXIT_PORT, .len = 1, .name = "debug-exit",
		.read = debug_exit_read, .write = debug_exit_write, .dev = b,
	};
	const struct io_handler post = {
		.base = POST_PORT, .len = 1, .name = "POST",
		.read = post_read, .write = post_write, .dev = b,
	};

	memset(b, 0, sizeof(*b));
	bus_init(&b->pio, BUS_PIO);
	bus_init(&b->mmio, BUS_MMIO);
	uart_init(&b->com1, uart_fd);
	bus_register(&b->pio, &com1);
	bus_register(&b->pio, &dbg);
	bus_register(&b->pio, &post);
}

int debug_exit_status(uint64_t v)
{
	return (int)(((v << 1) | 1) & 0xff);
}
