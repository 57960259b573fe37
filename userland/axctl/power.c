// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: ACPI PM1a event/control blocks, PM timer and port 0xcf9 (see
 * power.h). PM1 registers: ACPI 6.3, 4.8.3.1 "PM1 Event Grouping" and
 * 4.8.3.2 "PM1 Control Grouping"; sleeping: 7.4.2 "\_Sx".
 */
#include "acpi.h"
#include "power.h"

uint32_t power_pm_timer(const struct power *pm, uint64_t ns)
{
	uint64_t d = ns - pm->t0;

	/* ns * 3579545 / 1e9 without overflow for centuries of uptime. */
	return (uint32_t)((d / 1000000000ULL) * PM_TMR_HZ +
			  (d % 1000000000ULL) * PM_TMR_HZ / 1000000000ULL);
}

/* The register file as bytes: offset 0-11 from ACPI_PM_BASE. */
static uint8_t pm_byte(struct power *pm, unsigned int off, uint32_t tmr)
{
	switch (off) {
	case 0: case 1:
		return pm->pm1_sts >> (8 * off);
	case 2: case 3:
		return pm->pm1_en >> (8 * (off - 2));
	case 4: case 5:
		return (pm->pm1_cnt | PM1_CNT_SCI_EN) >> (8 * (off - 4));
	case 8: case 9: case 10: case 11:
		return tmr >> (8 * (off - 8));
	}
	return 0xff;
}

/* One sample of the timer per access: a 32-bit read is consistent. */
static uint64_t pm_read(void *dev, uint64_t port, unsigned int width)
{
	struct power *pm = dev;
	uint32_t tmr = power_pm_timer(pm, pm->clock()), v = 0;
	unsigned int i, off = port - ACPI_PM_BASE;

	for (i = 0; i < width && off + i < ACPI_PM_LEN; i++)
		v |= (uint32_t)pm_byte(pm, off + i, tmr) << (8 * i);
	for (; i < width; i++)
		v |= 0xffU << (8 * i);
	return v;
}

static void set16(uint16_t *r, unsigned int byte, uint8_t v)
{
	*r = byte ? (*r & 0x00ff) | v << 8 : (*r & 0xff00) | v;
}

static int pm_write(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	struct power *pm = dev;
	unsigned int i, off = port - ACPI_PM_BASE;
	uint16_t cnt = pm->pm1_cnt;
	bool cnt_written = false;

	for (i = 0; i < width && off + i < ACPI_PM_LEN; i++) {
		uint8_t b = val >> (8 * i);

		switch (off + i) {
		case 0: case 1:		/* write 1 to clear */
			pm->pm1_sts &= ~((uint16_t)b << (8 * (off + i)));
			break;
		case 2: case 3:
			set16(&pm->pm1_en, off + i - 2, b);
			break;
		case 4: case 5:
			set16(&cnt, off + i - 4, b);
			cnt_written = true;
			break;
		}
	}
	if (!cnt_written)
		return IO_CONTINUE;
	if ((cnt & PM1_CNT_SLP_EN) &&
	    ((cnt >> PM1_CNT_SLP_TYP_SHIFT) & 7) == ACPI_S5_SLP_TYP)
		return IO_POWEROFF;
	pm->pm1_cnt = cnt & ~PM1_CNT_SLP_EN;	/* SLP_EN reads 0 */
	return IO_CONTINUE;
}

static uint64_t cf9_read(void *dev, uint64_t port, unsigned int width)
{
	struct power *pm = dev;

	(void)port;
	(void)width;
	return pm->cf9;
}

static int cf9_write(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	struct power *pm = dev;

	(void)port;
	(void)width;
	pm->cf9 = val & ~CF9_RST_CPU;
	return (val & CF9_RST_CPU) ? IO_RESET : IO_CONTINUE;
}

int power_init(struct power *pm, struct io_bus *bus, uint64_t (*clock)(void))
{
	const struct io_handler h[] = {
		{ ACPI_PM_BASE, ACPI_PM_LEN, 0, "ACPI PM", pm_read, pm_write, pm },
		{ ACPI_RESET_PORT, 1, IO_BYTEWISE, "reset control", cf9_read, cf9_write, pm },
	};
	unsigned int i;

	pm->pm1_sts = 0;
	pm->pm1_en = 0;
	pm->pm1_cnt = PM1_CNT_SCI_EN;
	pm->cf9 = 0;
	pm->clock = clock;
	pm->t0 = clock();
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (bus_register(&bus->pio, &h[i]))
			return -1;
	return 0;
}
