/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl start/run: the VM's virtio disks (`--disk FILE[,ro]`, repeatable),
 * virtio-blk over virtio-mmio (virtio/blk.h, Documentation/virtio.rst).
 *
 * Disk n (0 to DISK_MAX - 1) has its registers at DISK_MMIO_BASE + n *
 * DISK_MMIO_STRIDE, in the 32-bit hole above the most low RAM axctl maps
 * (PC_LOW_MEM_MAX, 3 GiB) and below the I/O APIC, and its interrupt on
 * I/O APIC input DISK_GSI_BASE + n: pins 16-23 have no ISA device and no
 * PIC behind them, so the line is the disk's alone and level-triggered.
 * A Linux guest finds them in the DSDT (acpi.h). The interrupt needs the
 * in-kernel I/O APIC (AXVM_CAP_IOAPIC): without it `start` refuses disks.
 * The line is driven with AXVM_IRQ_LINE straight from the disk's I/O
 * thread; no vCPU stops for it.
 */
#ifndef AXCTL_DISKS_H
#define AXCTL_DISKS_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi.h"
#include "bus.h"
#include "virtio/blk.h"

#define DISK_MAX		ACPI_VIRTIO_MAX
#define DISK_MMIO_BASE		0xd0000000ULL
#define DISK_MMIO_STRIDE	0x1000ULL
#define DISK_GSI_BASE		16

/**
 * struct disk_irq - one disk's interrupt line
 * @vm_fd: the VM, for AXVM_IRQ_LINE
 * @gsi: its I/O APIC input
 * @err: the first AXVM_IRQ_LINE failure (-errno), reported at the end
 */
struct disk_irq {
	int vm_fd;
	unsigned int gsi;
	int err;
};

struct vmm_disks {
	char *specs[DISK_MAX];
	unsigned int nr;
	struct virtio_blk *blk;		/* nr of them, once opened */
	struct disk_irq irq[DISK_MAX];
	struct acpi_virtio acpi[DISK_MAX];
};

/* --disk: keep spec; false when there are already DISK_MAX. */
bool disks_add(struct vmm_disks *d, char *spec);
/* Open every image; dies (AXCTL_EIMAGE) with the reason when one fails. */
void disks_open(struct vmm_disks *d);
/* The DSDT's entries for them (acpi.h). */
void disks_acpi(struct vmm_disks *d, struct acpi_config *ac);
/*
 * Transports over guest RAM (ram, low and high bytes), on the MMIO bus,
 * interrupts through vm_fd; dies when a range is taken.
 */
void disks_attach(struct vmm_disks *d, struct bus *mmio, const struct guest_mem *mem, int vm_fd);
/* I/O threads; dies when one cannot start. */
void disks_start(struct vmm_disks *d);
/* Stop the threads, report interrupt errors and (-v) counts, close the images. */
void disks_stop(struct vmm_disks *d);

#endif
