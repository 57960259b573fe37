// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: build the ACPI tables of acpi.h in guest RAM. Layouts: ACPI 6.3
 * specification, sections 5.2.5 (RSDP), 5.2.6 (table header), 5.2.8
 * (XSDT), 5.2.9 (FADT), 5.2.10 (FACS), 5.2.12 (MADT), 5.2.3.2 (Generic
 * Address Structure) and chapter 20 (AML encoding).
 */
#include <string.h>

#include "acpi.h"
#include "pc/cmos.h"

#define OEM_ID		"AXVM  "
#define OEM_TABLE	"AXVMPC  "
#define CREATOR		"AXCT"

/* FADT field offsets (5.2.9, Table 5-34). */
#define FADT_SCI_INT		46
#define FADT_PM1A_EVT		56
#define FADT_PM1A_CNT		64
#define FADT_PM_TMR		76
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_PM_TMR_LEN		91
#define FADT_P_LVL2_LAT		96
#define FADT_P_LVL3_LAT		98
#define FADT_CENTURY		108
#define FADT_BOOT_ARCH		109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR		131
#define FADT_X_PM1A_EVT		148
#define FADT_X_PM1A_CNT		172
#define FADT_X_PM_TMR		208

#define FADT_F_WBINVD		(1U << 0)
#define FADT_F_PROC_C1		(1U << 2)
#define FADT_F_PWR_BUTTON	(1U << 4)	/* no fixed power button */
#define FADT_F_SLP_BUTTON	(1U << 5)	/* no fixed sleep button */
#define FADT_F_TMR_VAL_EXT	(1U << 8)	/* 32-bit PM timer */
#define FADT_F_RESET_REG_SUP	(1U << 10)
#define BOOT_ARCH_LEGACY	(1U << 0)
#define BOOT_ARCH_NO_VGA	(1U << 2)

#define GAS_IO			1
#define GAS_BYTE		1
#define GAS_WORD		2
#define GAS_DWORD		3

#define MADT_PCAT_COMPAT	1
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define ISO_LEVEL_HIGH		0x000d	/* active high, level triggered */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

/* The common header (5.2.6); the checksum is set by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE, 8);
	put32(t + 24, 1);
	memcpy(t + 28, CREATOR, 4);
	put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len)
{
	t[9] = 0;
	t[9] = -acpi_sum(t, len);
}

/* Generic Address Structure (5.2.3.2) of a port range. */
static void gas_io(uint8_t *g, uint8_t bits, uint8_t access, uint64_t port)
{
	g[0] = GAS_IO;
	g[1] = bits;
	g[2] = 0;
	g[3] = access;
	put64(g + 4, port);
}

/*
 * DefinitionBlock's body: Name (_S5, Package (4) { 5, 5, 0, 0 }), in AML
 * (20.2.5.1 NameOp, 20.2.5.4 PackageOp; BytePrefix 0x0a, ZeroOp 0x00).
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',		/* NameOp "_S5_" */
	0x12, 0x08, 0x04,			/* PackageOp, PkgLength 8, 4 elements */
	0x0a, ACPI_S5_SLP_TYP,			/* SLP_TYPa */
	0x0a, ACPI_S5_SLP_TYP,			/* SLP_TYPb */
	0x00, 0x00,				/* reserved */
};

/* PkgLength (20.2.4) of a package of body bytes: 1 or 2 bytes, counted in it. */
static uint32_t pkg_length(uint8_t *p, uint32_t body)
{
	if (body + 1 < 64) {
		p[0] = body + 1;
		return 1;
	}
	body += 2;			/* at most 0xfff: ACPI_VIRTIO_MAX keeps it small */
	p[0] = 0x40 | (body & 0x0f);
	p[1] = body >> 4;
	return 2;
}

#define VIRTIO_CRS_LEN	23		/* Memory32Fixed 12, Interrupt 9, End Tag 2 */

/* ResourceTemplate of one virtio-mmio device (6.4.3.4, 6.4.3.6, 6.4.2.9). */
static void virtio_crs(uint8_t *p, const struct acpi_virtio *v)
{
	p[0] = 0x86;			/* 32-bit fixed memory range */
	put16(p + 1, 9);
	p[3] = 1;			/* read/write */
	put32(p + 4, v->base);
	put32(p + 8, v->size);
	p[12] = 0x89;			/* extended interrupt */
	put16(p + 13, 6);
	p[15] = 0x01;			/* consumer, level, active high, exclusive */
	p[16] = 1;
	put32(p + 17, v->gsi);
	p[21] = 0x79;			/* end tag, checksum 0: none */
	p[22] = 0;
}

static uint32_t name_seg(uint8_t *p, const char *seg)
{
	p[0] = 0x08;			/* NameOp */
	memcpy(p + 1, seg, 4);
	return 5;
}

/* Device (VRnn) { _HID "LNRO0005", _UID nn, _CRS } */
static uint32_t virtio_device(uint8_t *p, const struct acpi_virtio *v, unsigned int i)
{
	/* NameSeg, _HID string, _UID byte, _CRS buffer (length below 64). */
	const uint32_t body = 4 + (5 + 1 + 9) + (5 + 2) + (5 + 1 + 1 + 2 + VIRTIO_CRS_LEN);
	uint32_t n = 2;

	p[0] = 0x5b;			/* DeviceOp */
	p[1] = 0x82;
	n += pkg_length(p + n, body);
	p[n++] = 'V';
	p[n++] = 'R';
	p[n++] = '0' + i / 10;
	p[n++] = '0' + i % 10;
	n += name_seg(p + n, "_HID");
	p[n++] = 0x0d;			/* StringPrefix */
	memcpy(p + n, "LNRO0005", 9);
	n += 9;
	n += name_seg(p + n, "_UID");
	p[n++] = 0x0a;			/* BytePrefix */
	p[n++] = i;
	n += name_seg(p + n, "_CRS");
	p[n++] = 0x11;			/* BufferOp */
	n += pkg_length(p + n, 2 + VIRTIO_CRS_LEN);
	p[n++] = 0x0a;
	p[n++] = VIRTIO_CRS_LEN;
	virtio_crs(p + n, v);
	return n + VIRTIO_CRS_LEN;
}

/* Scope (\_SB) { the virtio devices }: its length (0 without devices). */
static uint32_t virtio_scope(uint8_t *p, const struct acpi_config *cfg)
{
	uint8_t dev[64];
	uint32_t body = 5, n = 1, i;

	if (!cfg->nr_virtio)
		return 0;
	body += cfg->nr_virtio * virtio_device(dev, &cfg->virtio[0], 0);
	p[0] = 0x10;			/* ScopeOp */
	n += pkg_length(p + n, body);
	p[n++] = '\\';
	memcpy(p + n, "_SB_", 4);
	n += 4;
	for (i = 0; i < cfg->nr_virtio; i++)
		n += virtio_device(p + n, &cfg->virtio[i], i);
	return n;
}

static uint32_t build_dsdt(uint8_t *t, const struct acpi_config *cfg)
{
	uint32_t len = ACPI_HDR_LEN + sizeof(dsdt_aml);

	memcpy(t + ACPI_HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	len += virtio_scope(t + len, cfg);
	header(t, "DSDT", len, 2);
	finish(t, len);
	return len;
}

static uint32_t build_facs(uint8_t *t)
{
	memset(t, 0, 64);
	memcpy(t, "FACS", 4);
	put32(t + 4, 64);
	t[32] = 2;				/* version */
	return 64;
}

static uint32_t build_fadt(uint8_t *t, uint32_t facs, uint32_t dsdt)
{
	header(t, "FACP", ACPI_FADT_LEN, 6);
	put32(t + ACPI_FADT_FACS, facs);
	put32(t + ACPI_FADT_DSDT, dsdt);
	put16(t + FADT_SCI_INT, ACPI_SCI_IRQ);
	/* SMI_CMD 0: always in ACPI mode, nothing to enable. */
	put32(t + FADT_PM1A_EVT, ACPI_PM1A_EVT);
	put32(t + FADT_PM1A_CNT, ACPI_PM1A_CNT);
	put32(t + FADT_PM_TMR, ACPI_PM_TMR);
	t[FADT_PM1_EVT_LEN] = 4;
	t[FADT_PM1_CNT_LEN] = 2;
	t[FADT_PM_TMR_LEN] = 4;
	put16(t + FADT_P_LVL2_LAT, 101);	/* > 100: no C2 */
	put16(t + FADT_P_LVL3_LAT, 1001);	/* > 1000: no C3 */
	t[FADT_CENTURY] = CMOS_CENTURY;
	put16(t + FADT_BOOT_ARCH, BOOT_ARCH_LEGACY | BOOT_ARCH_NO_VGA);	/* no 8042 */
	put32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON |
	      FADT_F_SLP_BUTTON | FADT_F_TMR_VAL_EXT | FADT_F_RESET_REG_SUP);
	gas_io(t + FADT_RESET_REG, 8, GAS_BYTE, ACPI_RESET_PORT);
	t[FADT_RESET_VALUE] = ACPI_RESET_VALUE;
	t[FADT_MINOR] = 3;
	/* X_FIRMWARE_CTRL must be 0 when FIRMWARE_CTRL is set (5.2.9). */
	put64(t + ACPI_FADT_X_DSDT, dsdt);
	gas_io(t + FADT_X_PM1A_EVT, 32, GAS_WORD, ACPI_PM1A_EVT);
	gas_io(t + FADT_X_PM1A_CNT, 16, GAS_WORD, ACPI_PM1A_CNT);
	gas_io(t + FADT_X_PM_TMR, 32, GAS_DWORD, ACPI_PM_TMR);
	finish(t, ACPI_FADT_LEN);
	return ACPI_FADT_LEN;
}

static uint32_t build_madt(uint8_t *t, const struct acpi_config *cfg)
{
	uint32_t off = ACPI_MADT_ENTRIES;
	unsigned int i;

	put32(t + 36, ACPI_LAPIC_GPA);
	put32(t + 40, MADT_PCAT_COMPAT);
	for (i = 0; i < cfg->nr_cpus; i++, off += 8) {
		uint8_t *e = t + off;

		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = i;			/* ACPI processor UID */
		e[3] = i;			/* APIC ID */
		put32(e + 4, 1);		/* enabled */
	}
	if (cfg->ioapic) {
		static const struct { uint8_t irq, gsi; uint16_t flags; } iso[] = {
			{ 0, 2, 0 }, { ACPI_SCI_IRQ, ACPI_SCI_IRQ, ISO_LEVEL_HIGH },
		};
		uint8_t *e = t + off;

		e[0] = MADT_IOAPIC;
		e[1] = 12;
		e[2] = cfg->nr_cpus;		/* I/O APIC ID after the CPUs */
		e[3] = 0;
		put32(e + 4, ACPI_IOAPIC_GPA);
		put32(e + 8, 0);		/* GSI base */
		off += 12;
		for (i = 0; i < sizeof(iso) / sizeof(iso[0]); i++, off += 10) {
			e = t + off;
			e[0] = MADT_ISO;
			e[1] = 10;
			e[2] = 0;		/* ISA */
			e[3] = iso[i].irq;
			put32(e + 4, iso[i].gsi);
			put16(e + 8, iso[i].flags);
		}
	}
	t[off] = MADT_LAPIC_NMI;
	t[off + 1] = 6;
	t[off + 2] = 0xff;			/* every processor */
	put16(t + off + 3, 0);
	t[off + 5] = 1;				/* LINT1 */
	off += 6;
	header(t, "APIC", off, 4);
	finish(t, off);
	return off;
}

static uint64_t align(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

uint64_t acpi_build(void *ram, const struct acpi_config *cfg)
{
	uint8_t *r = ram;
	uint64_t rsdp = ACPI_TABLES_GPA, xsdt, fadt, facs, madt, dsdt, end;

	if (!cfg->nr_cpus || cfg->nr_cpus > 254 || cfg->nr_virtio > ACPI_VIRTIO_MAX)
		return 0;
	/* The MADT is the only table that grows: it goes last. */
	xsdt = rsdp + 64;
	fadt = xsdt + 64;
	facs = align(fadt + ACPI_FADT_LEN, 64);
	dsdt = facs + 64;
	memset(r + ACPI_TABLES_GPA, 0, ACPI_TABLES_END - ACPI_TABLES_GPA);
	/* The DSDT is built in place first: its length places the MADT. */
	madt = align(dsdt + build_dsdt(r + dsdt, cfg), 16);
	end = madt + ACPI_MADT_ENTRIES + 8 * cfg->nr_cpus + 12 + 2 * 10 + 6;
	if (end > ACPI_TABLES_END)
		return 0;

	build_facs(r + facs);
	build_fadt(r + fadt, facs, dsdt);
	build_madt(r + madt, cfg);

	header(r + xsdt, "XSDT", ACPI_HDR_LEN + 2 * 8, 1);
	put64(r + xsdt + ACPI_HDR_LEN, fadt);
	put64(r + xsdt + ACPI_HDR_LEN + 8, madt);
	finish(r + xsdt, ACPI_HDR_LEN + 2 * 8);

	/* RSDP (5.2.5.3): checksum of the first 20 bytes, then of all 36. */
	memcpy(r + rsdp, "RSD PTR ", 8);
	memcpy(r + rsdp + 9, OEM_ID, 6);
	r[rsdp + 15] = 2;
	put32(r + rsdp + 20, 36);
	put64(r + rsdp + ACPI_RSDP_XSDT, xsdt);
	r[rsdp + 8] = -acpi_sum(r + rsdp, 20);
	r[rsdp + 32] = -acpi_sum(r + rsdp, 36);
	return rsdp;
}
