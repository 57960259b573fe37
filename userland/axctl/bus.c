// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the bus of port and MMIO ranges (see bus.h).
 */
#include <string.h>

#include "bus.h"

/* --- ports ----------------------------------------------------------------- */

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
		return h->read(h->dev, port, width) & width_ones(width);
	if (!any_handler(b, port, width)) {
		count_unhandled(b, port, false);
		return width_ones(width);
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
	val &= width_ones(width);
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

/* --- MMIO ------------------------------------------------------------------ */

int mmio_bus_register(struct io_bus *b, const struct mmio_handler *h)
{
	unsigned int i;

	if (!h->len || h->base + h->len < h->base || b->nr_mmio == MMIO_MAX_HANDLERS)
		return -1;
	for (i = 0; i < b->nr_mmio; i++) {
		const struct mmio_handler *o = &b->mmio[i];

		if (h->base < o->base + o->len && o->base < h->base + h->len)
			return -1;
		if (o->base > h->base)
			break;
	}
	memmove(&b->mmio[i + 1], &b->mmio[i], (b->nr_mmio - i) * sizeof(b->mmio[0]));
	b->mmio[i] = *h;
	b->nr_mmio++;
	return 0;
}

const struct mmio_handler *mmio_bus_find(const struct io_bus *b, uint64_t addr)
{
	unsigned int lo = 0, hi = b->nr_mmio;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct mmio_handler *h = &b->mmio[mid];

		if (addr < h->base)
			hi = mid;
		else if (addr - h->base >= h->len)
			lo = mid + 1;
		else
			return h;
	}
	return NULL;
}

static unsigned int mmio_width(unsigned int width)
{
	return width == 1 || width == 2 || width == 4 || width == 8 ? width : 1;
}

uint64_t mmio_read(struct io_bus *b, uint64_t addr, unsigned int width)
{
	const struct mmio_handler *h = mmio_bus_find(b, addr);

	width = mmio_width(width);
	if (h)
		return h->read(h->dev, addr, width) & width_ones(width);
	b->mmio_unhandled_reads++;
	return width_ones(width);
}

int mmio_write(struct io_bus *b, uint64_t addr, unsigned int width, uint64_t val)
{
	const struct mmio_handler *h = mmio_bus_find(b, addr);
	int act;

	width = mmio_width(width);
	if (!h) {
		b->mmio_unhandled_writes++;
		return IO_CONTINUE;
	}
	act = h->write(h->dev, addr, width, val & width_ones(width));
	if (act == IO_RESET)
		b->reset_requested = true;
	return act;
}
