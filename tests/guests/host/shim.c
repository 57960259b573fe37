// SPDX-License-Identifier: GPL-2.0
/*
 * The demo guest as a host program, for `make -C tests/guests check`:
 * the guest's port I/O goes to axctl's own device models
 * (userland/axctl/devices.c, bus.c, uart.c), its "RAM" is a host buffer,
 * CPUID answers a fixed vendor. What the guest prints over COM1 comes out on stdout and
 * the debug-exit port ends the program with axctl's status, (v << 1) | 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices.h"
#include "guest.h"

#define HOST_RAM	(64ULL << 20)

static struct io_bus bus;
static unsigned char *ram;

void outb(uint16_t port, uint8_t val)
{
	if (io_write(&bus, port, 1, val) == IO_EXIT) {
		fflush(stdout);
		exit(debug_exit_status(bus.exit_value));
	}
}

uint8_t inb(uint16_t port)
{
	return (uint8_t)io_read(&bus, port, 1);
}

void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
	   uint32_t *d)
{
	(void)sub;
	*a = *b = *c = *d = 0;
	if (leaf == 0) {
		*a = 0xd;
		memcpy(b, "Genu", 4);
		memcpy(d, "ineI", 4);
		memcpy(c, "ntel", 4);
	}
}

void *phys_to_virt(uint64_t pa)
{
	return ram + pa;
}

int main(int argc, char **argv)
{
	int v;

	ram = calloc(1, HOST_RAM);
	if (!ram)
		return 99;
	io_bus_init(&bus, STDOUT_FILENO);
	v = guest_main(argc > 1 ? argv[1] : NULL, HOST_RAM);
	outb(DEBUG_EXIT_PORT, (uint8_t)v);	/* what lib/start.S does */
	fprintf(stderr, "shim: the debug-exit port did not end the program\n");
	return 98;
}
