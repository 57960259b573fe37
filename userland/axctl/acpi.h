/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the ACPI tables a Linux guest finds its hardware in (ACPI 6.3
 * specification, chapter 5 "ACPI Software Programming Model"). Pure
 * functions over a buffer standing for guest RAM; no ioctls.
 *
 * Fixed-hardware ACPI (not HW-reduced), see Documentation/linux-guests.rst
 * for why: the FADT points at a PM1a event block, a PM1a control block and
 * a 32-bit PM timer in port space (power.h serves them), SCI on IRQ 9, no
 * SMI command port (the machine is always in ACPI mode), the reset
 * register (port 0xcf9, value 6), IA-PC boot flags "legacy devices, no
 * 8042, no VGA".
 *
 * Tables, from ACPI_TABLES_GPA (inside the e820 reserved BIOS area):
 *   RSDP  revision 2, XSDT address (no RSDT)
 *   XSDT  FADT, MADT
 *   FADT  revision 6 (276 bytes), FACS by FIRMWARE_CTRL (X_FIRMWARE_CTRL
 *         must then be 0), DSDT by DSDT and X_DSDT
 *   FACS  64 bytes, 64-byte aligned
 *   MADT  local APIC at 0xfee00000, PCAT_COMPAT; one Processor Local APIC
 *         per vCPU (ACPI UID = APIC ID = vCPU id, enabled); with an I/O
 *         APIC: it at 0xfec00000 with ID nr_cpus and GSI base 0, interrupt
 *         source overrides IRQ0 -> GSI2 (edge) and IRQ9 -> GSI9 (the SCI,
 *         level, active high); a local APIC NMI on LINT1 for all CPUs
 *   DSDT  AML: Name (\_S5, Package () { 5, 5, 0, 0 }); per virtio-mmio
 *         device (virtio.rst) Device (\_SB.VRnn) with _HID "LNRO0005"
 *         (the ID Linux's virtio_mmio driver matches through ACPI), _UID
 *         nn and _CRS: Memory32Fixed (base, size) and one level-triggered,
 *         active-high, exclusive Interrupt on its GSI (6.4.3.4, 6.4.3.6)
 */
#ifndef AXCTL_ACPI_H
#define AXCTL_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_TABLES_GPA		0xe0000ULL
#define ACPI_TABLES_END		0x100000ULL

/* The PM ports the FADT describes (power.h). */
#define ACPI_PM_BASE		0x600
#define ACPI_PM1A_EVT		(ACPI_PM_BASE + 0)	/* status, enable: 2 + 2 */
#define ACPI_PM1A_CNT		(ACPI_PM_BASE + 4)	/* 2 bytes */
#define ACPI_PM_TMR		(ACPI_PM_BASE + 8)	/* 4 bytes */
#define ACPI_PM_LEN		12
#define ACPI_SCI_IRQ		9
#define ACPI_RESET_PORT		0xcf9
#define ACPI_RESET_VALUE	0x06
#define ACPI_S5_SLP_TYP		5			/* the DSDT's \_S5 */
#define ACPI_IOAPIC_GPA		0xfec00000U
#define ACPI_LAPIC_GPA		0xfee00000U

/* Table offsets a reader of the tables (the host test) needs. */
#define ACPI_HDR_LEN		36
#define ACPI_RSDP_XSDT		24
#define ACPI_FADT_FACS		36
#define ACPI_FADT_DSDT		40
#define ACPI_FADT_X_FACS	132
#define ACPI_FADT_X_DSDT	140
#define ACPI_FADT_LEN		276
#define ACPI_MADT_ENTRIES	44

#define ACPI_VIRTIO_MAX		8

/**
 * struct acpi_virtio - a virtio-mmio device in the DSDT
 * @base: guest-physical address of its registers (below 4 GiB)
 * @size: bytes of registers
 * @gsi: its I/O APIC input
 */
struct acpi_virtio {
	uint32_t base, size, gsi;
};

/**
 * struct acpi_config - the machine the tables describe
 * @nr_cpus: vCPUs (local APIC IDs 0..nr_cpus-1)
 * @ioapic: an I/O APIC at ACPI_IOAPIC_GPA (the module has one)
 * @virtio: virtio-mmio devices, @nr_virtio of them (at most ACPI_VIRTIO_MAX)
 */
struct acpi_config {
	unsigned int nr_cpus;
	bool ioapic;
	const struct acpi_virtio *virtio;
	unsigned int nr_virtio;
};

/*
 * Write the tables into ram (standing for GPA 0, at least ACPI_TABLES_END
 * bytes). Returns the RSDP's GPA, or 0 if they do not fit (too many CPUs).
 */
uint64_t acpi_build(void *ram, const struct acpi_config *cfg);

/* Sum of len bytes at p, mod 256: 0 for a valid table. */
uint8_t acpi_sum(const void *p, size_t len);

#endif
