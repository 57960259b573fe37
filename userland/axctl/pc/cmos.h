/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the CMOS RAM and MC146818 real-time clock at 0x70 (index; bit 7
 * is the NMI mask, kept but not acted on) and 0x71 (data). Pure state
 * machine; the time comes from cmos->clock (host UTC, replaceable by
 * tests).
 *
 * Time registers 0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 weekday
 * (1 = Sunday), 0x07 day, 0x08 month, 0x09 year, 0x32 century: the host's
 * time at the read, in BCD unless status B bit 2 (DM) asks for binary, in
 * 24-hour form unless status B bit 1 is clear (12-hour, bit 7 = PM).
 * Writes to them are accepted but the clock always reads host time.
 * The update cycle (MC146818A data sheet, "Update Cycle"): the time
 * registers advance at the end of a 1984 us cycle that starts at each
 * host second, and status A's UIP bit (7) reads 1 from 244 us before the
 * cycle to its end, so a guest that reads when UIP is 0 has at least
 * 244 us of stable registers, and one that waits for UIP to fall sees
 * the new second right after.
 * Status A reads 0x26 (32.768 kHz, 1024 Hz) plus UIP, B defaults to
 * 0x02 (24-hour, BCD), C reads 0 (no interrupt flags; alarms, periodic
 * and update interrupts are not modelled), D reads 0x80 (valid RAM and
 * time). Memory size (what a BIOS stores): 0x15/0x16 base memory in KiB
 * (640), 0x17/0x18 and 0x30/0x31 KiB above 1 MiB (at most 65535),
 * 0x34/0x35 64 KiB blocks above 16 MiB up to 4 GiB, 0x5b-0x5d 64 KiB
 * blocks above 4 GiB (as QEMU's BIOS interface has them). The other bytes
 * are plain RAM.
 */
#ifndef AXCTL_PC_CMOS_H
#define AXCTL_PC_CMOS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71

#define CMOS_SECONDS	0x00
#define CMOS_MINUTES	0x02
#define CMOS_HOURS	0x04
#define CMOS_WEEKDAY	0x06
#define CMOS_DAY	0x07
#define CMOS_MONTH	0x08
#define CMOS_YEAR	0x09
#define CMOS_STATUS_A	0x0a
#define CMOS_STATUS_B	0x0b
#define CMOS_STATUS_C	0x0c
#define CMOS_STATUS_D	0x0d
#define CMOS_CENTURY	0x32
#define CMOS_B_24H	0x02
#define CMOS_B_BINARY	0x04

struct cmos {
	uint8_t ram[128];
	uint8_t index;
	bool nmi_disabled;
	uint64_t (*clock)(void);	/* ns since the epoch (UTC) */
};

#define CMOS_A_UIP		0x80
#define CMOS_UIP_LEAD_NS	244000ULL	/* UIP set before the update cycle */
#define CMOS_UPDATE_NS		1984000ULL	/* the update cycle */

/* low_ram: RAM bytes below 4 GiB, high_ram: above it. */
void cmos_init(struct cmos *c, uint64_t low_ram, uint64_t high_ram, uint64_t (*clock)(void));
uint8_t cmos_read(struct cmos *c, uint16_t port);
/* Status A's UIP bit at now (ns since the epoch). */
bool cmos_uip(uint64_t now);
void cmos_write(struct cmos *c, uint16_t port, uint8_t val);

#endif
