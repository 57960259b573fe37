// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the emulated port-I/O devices (see devices.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"

static uint32_t com1_read(void *dev, uint16_t port, unsigned int width)
{
	(void)width;	/* IO_BYTEWISE */
	return uart_read(dev, port - COM1_BASE);
}

static int com1_write(void *dev, uint16_t port, unsigned int width, uint32_t val)
{
	(void)width;
	uart_write(dev, port - COM1_BASE, val);
	return IO_CONTINUE;
}

static int debug_exit_write(void *dev, uint16_t port, unsigned int width, uint32_t val)
{
	struct io_bus *b = dev;

	(void)port;
	(void)width;
	b->exit_requested = true;
	b->exit_value = val;
	return IO_EXIT;
}

static uint32_t post_read(void *dev, uint16_t port, unsigned int width)
{
	(void)dev;
	(void)port;
	return width >= 4 ? 0xffffffffU : (1U << (8 * width)) - 1;
}

static int post_write(void *dev, uint16_t port, unsigned int width, uint32_t val)
{
	(void)dev;
	(void)port;
	(void)width;
	(void)val;
	return IO_CONTINUE;	/* progress codes: nobody listens */
}

static uint32_t debug_exit_read(void *dev, uint16_t port, unsigned int width)
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
	uart_init(&b->com1, uart_fd);
	io_bus_register(b, &com1);
	io_bus_register(b, &dbg);
	io_bus_register(b, &post);
}

int io_bus_register(struct io_bus *b, const struct io_handler *h)
{
	unsigned int i;

	if (!h->len || (uint32_t)h->base + h->len > 0x10000 || b->nr_handlers == IO_MAX_HANDLERS)
		return -1;
	for (i = 0; i < b->nr_handlers; i++) {
		const struct io_handler *o = &b->handlers[i];

		if (h->base < o->base + o->len && o->base < h->base + h->len)
			return -1;
		if (o->base > h->base)
			break;
	}
	memmove(&b->handlers[i + 1], &b->handlers[i],
		(b->nr_handlers - i) * sizeof(b->handlers[0]));
	b->handlers[i] = *h;
	b->nr_handlers++;
	return 0;
}

const struct io_handler *io_bus_find(const struct io_bus *b, uint16_t port)
{
	unsigned int lo = 0, hi = b->nr_handlers;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct io_handler *h = &b->handlers[mid];

		if (port < h->base)
			hi = mid;
		else if (port >= h->base + h->len)
			lo = mid + 1;
		else
			return h;
	}
	return NULL;
}

static void count_unhandled(struct io_bus *b, uint16_t port, bool write)
{
	unsigned int i;

	if (write)
		b->unhandled_writes++;
	else
		b->unhandled_reads++;
	for (i = 0; i < b->nr_ports; i++)
		if (b->ports[i].port == port)
			break;
	if (i == b->nr_ports) {
		if (i == IO_UNHANDLED_PORTS)
			return;
		b->ports[i].port = port;
		b->nr_ports++;
	}
	if (write)
		b->ports[i].writes++;
	else
		b->ports[i].reads++;
}

static uint64_t width_mask(unsigned int width)
{
	return width >= 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

/*
 * A whole access goes to the device at its first port unless that device
 * asks for bytes; anything else (a byte-wide device, nothing at the first
 * port) is split into byte accesses, each to its own port.
 */
static const struct io_handler *whole(const struct io_bus *b, uint16_t port,
				      unsigned int width)
{
	const struct io_handler *h = io_bus_find(b, port);

	/* A device that decodes widths itself takes them whole at any of its ports. */
	if (h && (!(h->flags & IO_BYTEWISE) || width == 1))
		return h;
	return NULL;
}

static bool any_handler(const struct io_bus *b, uint16_t port, unsigned int width)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		if (io_bus_find(b, (uint16_t)(port + i)))
			return true;
	return false;
}

uint64_t io_read(struct io_bus *b, uint16_t port, unsigned int width)
{
	const struct io_handler *h;
	uint64_t v = 0;
	unsigned int i;

	if (width != 1 && width != 2 && width != 4)
		width = 1;
	h = whole(b, port, width);
	if (h)
		return h->read(h->dev, port, width) & width_mask(width);
	if (!any_handler(b, port, width)) {
		count_unhandled(b, port, false);
		return width_mask(width);
	}
	for (i = 0; i < width; i++) {
		uint16_t p = port + i;

		h = io_bus_find(b, p);
		if (h) {
			v |= (uint64_t)(h->read(h->dev, p, 1) & 0xff) << (8 * i);
		} else {
			count_unhandled(b, p, false);
			v |= 0xffULL << (8 * i);
		}
	}
	return v;
}

int io_write(struct io_bus *b, uint16_t port, unsigned int width, uint64_t val)
{
	const struct io_handler *h;
	int act = IO_CONTINUE;
	unsigned int i;

	if (width != 1 && width != 2 && width != 4)
		width = 1;
	val &= width_mask(width);
	h = whole(b, port, width);
	if (h) {
		act = h->write(h->dev, port, width, val);
	} else if (!any_handler(b, port, width)) {
		count_unhandled(b, port, true);
	} else {
		for (i = 0; i < width && act == IO_CONTINUE; i++) {
			uint16_t p = port + i;

			h = io_bus_find(b, p);
			if (h)
				act = h->write(h->dev, p, 1, (val >> (8 * i)) & 0xff);
			else
				count_unhandled(b, p, true);
		}
	}
	if (act == IO_RESET)
		b->reset_requested = true;
	return act;
}

int debug_exit_status(uint64_t v)
{
	return (int)(((v << 1) | 1) & 0xff);
}
