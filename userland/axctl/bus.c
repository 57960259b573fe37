// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the buses of port and MMIO ranges (see bus.h).
 */
#include <string.h>

#include "bus.h"

void bus_init(struct bus *b, enum bus_space space)
{
	memset(b, 0, sizeof(*b));
	b->space = space;
}

static bool range_ok(const struct bus *b, uint64_t base, uint64_t len)
{
	if (!len || base + len < base)
		return false;
	return b->space != BUS_PIO || base + len <= 0x10000;
}

int bus_register(struct bus *b, const struct io_handler *h)
{
	unsigned int i;

	if (!range_ok(b, h->base, h->len) || b->nr_handlers == BUS_MAX_HANDLERS)
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

const struct io_handler *bus_find(const struct bus *b, uint64_t addr)
{
	unsigned int lo = 0, hi = b->nr_handlers;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct io_handler *h = &b->handlers[mid];

		if (addr < h->base)
			hi = mid;
		else if (addr - h->base >= h->len)
			lo = mid + 1;
		else
			return h;
	}
	return NULL;
}

static void count_unhandled(struct bus *b, uint64_t addr, bool write)
{
	unsigned int i;

	if (write)
		b->unhandled_writes++;
	else
		b->unhandled_reads++;
	for (i = 0; i < b->nr_addrs; i++)
		if (b->addrs[i].addr == addr)
			break;
	if (i == b->nr_addrs) {
		if (i == BUS_UNHANDLED)
			return;
		b->addrs[i].addr = addr;
		b->nr_addrs++;
	}
	if (write)
		b->addrs[i].writes++;
	else
		b->addrs[i].reads++;
}

static unsigned int valid_width(const struct bus *b, unsigned int width)
{
	if (width == 1 || width == 2 || width == 4 || (width == 8 && b->space == BUS_MMIO))
		return width;
	return 1;
}

/*
 * A whole access goes to the device at its first address unless that
 * device asks for bytes (a device that decodes widths itself takes them
 * whole at any of its addresses); NULL: split into bytes.
 */
static const struct io_handler *whole(const struct bus *b, uint64_t addr, unsigned int width)
{
	const struct io_handler *h = bus_find(b, addr);

	if (h && (!(h->flags & IO_BYTEWISE) || width == 1))
		return h;
	return NULL;
}

/* Ports wrap at 0x10000 (a 16-bit address), MMIO does not. */
static uint64_t byte_addr(const struct bus *b, uint64_t addr, unsigned int i)
{
	return b->space == BUS_PIO ? (uint16_t)(addr + i) : addr + i;
}

static bool any_handler(const struct bus *b, uint64_t addr, unsigned int width)
{
	unsigned int i;

	for (i = 0; i < width; i++)
		if (bus_find(b, byte_addr(b, addr, i)))
			return true;
	return false;
}

uint64_t bus_read(struct bus *b, uint64_t addr, unsigned int width)
{
	const struct io_handler *h;
	uint64_t v = 0;
	unsigned int i;

	width = valid_width(b, width);
	h = whole(b, addr, width);
	if (h)
		return h->read(h->dev, addr, width) & width_ones(width);
	if (!any_handler(b, addr, width)) {
		count_unhandled(b, addr, false);
		return width_ones(width);
	}
	for (i = 0; i < width; i++) {
		uint64_t a = byte_addr(b, addr, i);

		h = bus_find(b, a);
		if (h) {
			v |= (h->read(h->dev, a, 1) & 0xff) << (8 * i);
		} else {
			count_unhandled(b, a, false);
			v |= 0xffULL << (8 * i);
		}
	}
	return v;
}

int bus_write(struct bus *b, uint64_t addr, unsigned int width, uint64_t val)
{
	const struct io_handler *h;
	int act = IO_CONTINUE;
	unsigned int i;

	width = valid_width(b, width);
	val &= width_ones(width);
	h = whole(b, addr, width);
	if (h)
		return h->write(h->dev, addr, width, val);
	if (!any_handler(b, addr, width)) {
		count_unhandled(b, addr, true);
		return IO_CONTINUE;
	}
	for (i = 0; i < width && act == IO_CONTINUE; i++) {
		uint64_t a = byte_addr(b, addr, i);

		h = bus_find(b, a);
		if (h)
			act = h->write(h->dev, a, 1, (val >> (8 * i)) & 0xff);
		else
			count_unhandled(b, a, true);
	}
	return act;
}

uint64_t io_read(struct io_bus *b, uint16_t port, unsigned int width)
{
	return bus_read(&b->pio, port, width);
}

int io_write(struct io_bus *b, uint16_t port, unsigned int width, uint64_t val)
{
	int act = bus_write(&b->pio, port, width, val);

	if (act == IO_RESET)
		b->reset_requested = true;
	return act;
}

uint64_t mmio_read(struct io_bus *b, uint64_t addr, unsigned int width)
{
	return bus_read(&b->mmio, addr, width);
}

int mmio_write(struct io_bus *b, uint64_t addr, unsigned int width, uint64_t val)
{
	int act = bus_write(&b->mmio, addr, width, val);

	if (act == IO_RESET)
		b->reset_requested = true;
	return act;
}
