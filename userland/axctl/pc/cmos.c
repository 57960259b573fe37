// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: CMOS RAM and RTC (see cmos.h).
 */
#include <string.h>

#include "pc/cmos.h"

#define NSEC	1000000000ULL

static void put16(struct cmos *c, unsigned int reg, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	c->ram[reg] = v & 0xff;
	c->ram[reg + 1] = v >> 8;
}

void cmos_init(struct cmos *c, uint64_t low_ram, uint64_t high_ram, uint64_t (*clock)(void))
{
	uint64_t kib_above_1m = low_ram > (1ULL << 20) ? (low_ram - (1ULL << 20)) >> 10 : 0;
	uint64_t blocks_above_16m = low_ram > (16ULL << 20) ? (low_ram - (16ULL << 20)) >> 16 : 0;
	uint64_t blocks_above_4g = high_ram >> 16;

	memset(c, 0, sizeof(*c));
	c->clock = clock;
	c->ram[CMOS_STATUS_A] = 0x26;
	c->ram[CMOS_STATUS_B] = CMOS_B_24H;
	c->ram[CMOS_STATUS_D] = 0x80;
	put16(c, 0x15, 640);
	put16(c, 0x17, kib_above_1m);
	put16(c, 0x30, kib_above_1m);
	put16(c, 0x34, blocks_above_16m);
	c->ram[0x5b] = blocks_above_4g & 0xff;
	c->ram[0x5c] = (blocks_above_4g >> 8) & 0xff;
	c->ram[0x5d] = (blocks_above_4g >> 16) & 0xff;
}

static uint8_t bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static uint8_t clock_reg(struct cmos *c, uint8_t reg)
{
	bool binary = c->ram[CMOS_STATUS_B] & CMOS_B_BINARY;
	/* The registers change at the end of the update cycle. */
	time_t now = (time_t)((c->clock() - CMOS_UPDATE_NS) / NSEC);
	struct tm tm;
	unsigned int v;
	bool pm = false;

	gmtime_r(&now, &tm);
	switch (reg) {
	case CMOS_SECONDS:
		v = tm.tm_sec > 59 ? 59 : tm.tm_sec;
		break;
	case CMOS_MINUTES:
		v = tm.tm_min;
		break;
	case CMOS_HOURS:
		v = tm.tm_hour;
		if (!(c->ram[CMOS_STATUS_B] & CMOS_B_24H)) {
			pm = v >= 12;
			v = v % 12 ? v % 12 : 12;
		}
		break;
	case CMOS_WEEKDAY:
		v = tm.tm_wday + 1;
		break;
	case CMOS_DAY:
		v = tm.tm_mday;
		break;
	case CMOS_MONTH:
		v = tm.tm_mon + 1;
		break;
	case CMOS_YEAR:
		v = (tm.tm_year + 1900) % 100;
		break;
	default:		/* CMOS_CENTURY */
		v = (tm.tm_year + 1900) / 100;
		break;
	}
	return (binary ? v : bcd(v)) | (pm ? 0x80 : 0);
}

bool cmos_uip(uint64_t now)
{
	uint64_t in_sec = now % NSEC;

	return in_sec < CMOS_UPDATE_NS || in_sec >= NSEC - CMOS_UIP_LEAD_NS;
}

uint8_t cmos_read(struct cmos *c, uint16_t port)
{
	uint8_t reg = c->index;

	if (port == CMOS_INDEX)
		return 0xff;	/* the index register is write-only */
	switch (reg) {
	case CMOS_SECONDS:
	case CMOS_MINUTES:
	case CMOS_HOURS:
	case CMOS_WEEKDAY:
	case CMOS_DAY:
	case CMOS_MONTH:
	case CMOS_YEAR:
	case CMOS_CENTURY:
		return clock_reg(c, reg);
	case CMOS_STATUS_A:
		return c->ram[CMOS_STATUS_A] | (cmos_uip(c->clock()) ? CMOS_A_UIP : 0);
	case CMOS_STATUS_C:
		return 0;
	default:
		return c->ram[reg];
	}
}

void cmos_write(struct cmos *c, uint16_t port, uint8_t val)
{
	if (port == CMOS_INDEX) {
		c->index = val & 0x7f;
		c->nmi_disabled = val & 0x80;
		return;
	}
	switch (c->index) {
	case CMOS_STATUS_A:
		c->ram[CMOS_STATUS_A] = (val & 0x7f);	/* UIP is read-only */
		break;
	case CMOS_STATUS_C:
	case CMOS_STATUS_D:
		break;					/* read-only */
	default:
		c->ram[c->index] = val;
	}
}
