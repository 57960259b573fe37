/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the devices every VM has, on the bus of bus.h. The PC devices
 * (PIC, PIT, CMOS, fw_cfg, reset) register on the same bus from pc/pc.c.
 *
 *  0x3f8-0x3ff  COM1, the 16550A of uart.h (IRQ 4 once the board wires
 *               it, input from the console).
 *  0xf4         debug exit (QEMU's isa-debug-exit): a write of v, width
 *               1/2/4, ends the VM; axctl exits with (v << 1) | 1.
 *  0x80         POST code: writes ignored silently.
 *  anything else: reads give all ones of the width, writes are ignored;
 *               both counted (bus.h).
 */
#ifndef AXCTL_DEVICES_H
#define AXCTL_DEVICES_H

#include <stdint.h>

#include "bus.h"
#include "uart.h"

#define COM1_BASE		0x3f8
#define COM1_SIZE		8
#define DEBUG_EXIT_PORT		0xf4
#define POST_PORT		0x80

/* Empty buses, then COM1 (output to uart_fd), the debug-exit and POST ports. */
void io_bus_init(struct io_bus *b, int uart_fd);
/* The exit status for a debug-exit value v: (v << 1) | 1, as a byte. */
int debug_exit_status(uint64_t v);

#endif
