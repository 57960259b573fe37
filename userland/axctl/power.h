/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the ACPI fixed-hardware power ports the FADT describes (acpi.h)
 * and the PCI reset control register. A pure state machine on the port
 * bus (time through a clock function, replaceable by tests).
 *
 *  0x600-0x601  PM1a_STS: no event ever sets a bit; writes of 1 clear
 *  0x602-0x603  PM1a_EN: stored, read back (no SCI is ever raised)
 *  0x604-0x605  PM1a_CNT: SCI_EN (bit 0) always reads 1 (ACPI mode, no
 *               SMI_CMD); a write with SLP_EN (bit 13) and SLP_TYP (bits
 *               10-12) = 5, the DSDT's \_S5, powers the machine off;
 *               other sleep types are ignored (the DSDT offers none)
 *  0x608-0x60b  PM_TMR: 32-bit counter at 3.579545 MHz from the host's
 *               monotonic clock (ACPI 6.3, 4.8.3.3 "Power Management
 *               Timer")
 *  0xcf9        reset control: a write with RST_CPU (bit 2) resets the
 *               machine (the FADT's reset register, value 6); reads give
 *               the last value written
 */
#ifndef AXCTL_POWER_H
#define AXCTL_POWER_H

#include <stdint.h>

#include "devices.h"

#define PM1_CNT_SCI_EN		(1U << 0)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_EN		(1U << 13)
#define PM_TMR_HZ		3579545ULL
#define CF9_RST_CPU		(1U << 2)

struct power {
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint8_t cf9;
	uint64_t (*clock)(void);	/* ns, monotonic */
	uint64_t t0;			/* clock at init: the timer's zero */
};

/* Register the ports on bus: 0, or -1 if taken. */
int power_init(struct power *pm, struct io_bus *bus, uint64_t (*clock)(void));
/* The PM timer's value at ns (for the tests). */
uint32_t power_pm_timer(const struct power *pm, uint64_t ns);

#endif
