/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl start/run: the VM's virtio devices, of every kind, over
 * virtio-mmio (virtio/, Documentation/virtio.rst): disks (`--disk
 * FILE[,ro]`, virtio/blk.h), the entropy device (`--rng`, virtio/rng.h),
 * the console (`--console virtio`, virtio/console.h), network devices on
 * tap devices (`--net tap=NAME[,mac=MAC]`, virtio/net.h).
 *
 * The devices share VDEV_MAX slots. Slot n has its registers at
 * VDEV_MMIO_BASE + n * VDEV_MMIO_STRIDE, in the 32-bit hole above the most
 * low RAM axctl maps (PC_LOW_MEM_MAX, 3 GiB) and below the I/O APIC, and
 * its interrupt on I/O APIC input VDEV_GSI_BASE + n: pins 16-23 have no
 * ISA device and no PIC behind them, so the line is the device's alone and
 * level-triggered. Disks take the first slots, in the order given (the
 * guest names them vda, vdb, ... in DSDT order), the other kinds follow.
 * A Linux guest finds them in the DSDT (acpi.h). The interrupts need the
 * in-kernel I/O APIC (AXVM_CAP_IOAPIC): without it `start` refuses them.
 * A line is driven with AXVM_IRQ_LINE straight from whichever thread
 * completes a request; no vCPU stops for it.
 */
#ifndef AXCTL_VDEVS_H
#define AXCTL_VDEVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acpi.h"
#include "bus.h"
#include "virtio/console.h"
#include "virtio/mmio.h"

#define VDEV_MAX		ACPI_VIRTIO_MAX
#define VDEV_MMIO_BASE		0xd0000000ULL
#define VDEV_MMIO_STRIDE	0x1000ULL
#define VDEV_GSI_BASE		16
#define DISK_MAX		VDEV_MAX

/**
 * struct vdev_irq - one device's interrupt line
 * @vm_fd: the VM, for AXVM_IRQ_LINE
 * @gsi: its I/O APIC input
 * @err: the first AXVM_IRQ_LINE failure (-errno), reported at the end
 */
struct vdev_irq {
	int vm_fd;
	unsigned int gsi;
	int err;
};

/**
 * struct vdev_ops - one kind of device, as vdevs.c drives it
 * @kind: for messages ("disk")
 * @option: the option that asks for it ("--disk"), for messages
 * @setup: its transport at base over mem, interrupts through set_irq(arg)
 * @start: its thread, if it has one (0 or -errno); NULL: none
 * @stop: stop that thread (NULL: none)
 * @report: the -v line of counts, on stderr
 * @close: release everything open() took, free the device
 */
struct vdev_ops {
	const char *kind;
	const char *option;
	struct virtio_mmio *(*setup)(void *dev, uint64_t base, const struct guest_mem *mem,
				     void (*set_irq)(void *, bool), void *arg);
	int (*start)(void *dev);
	void (*stop)(void *dev);
	void (*report)(void *dev, const char *label);
	void (*close)(void *dev);
};

/**
 * struct vdev - one device in one slot
 * @ops: its kind
 * @dev: the device (struct virtio_blk, ...)
 * @vm: its transport, once set up
 * @label: what messages name it by (a disk's path); owned
 * @irq: its line
 * @started: its thread runs
 */
struct vdev {
	const struct vdev_ops *ops;
	void *dev;
	struct virtio_mmio *vm;
	char *label;
	struct vdev_irq irq;
	bool started;
};

/**
 * struct vmm_vdevs - the options, then the devices
 * @disks: --disk specs, @nr_disks of them
 * @nets: --net specs, checked, @nr_nets of them
 * @rng: --rng
 * @console: --console virtio; @console_fd where its output goes
 * @cons: the console device once opened (NULL: none)
 * @dev: the devices once opened, @nr of them, slot order
 * @acpi: their DSDT entries
 */
struct vmm_vdevs {
	char *disks[VDEV_MAX];
	unsigned int nr_disks;
	char *nets[VDEV_MAX];
	unsigned int nr_nets;
	bool rng, console;
	int console_fd;
	struct virtio_console *cons;
	struct vdev dev[VDEV_MAX];
	unsigned int nr;
	struct acpi_virtio acpi[VDEV_MAX];
};

/* Slots the options ask for so far. */
unsigned int vdevs_wanted(const struct vmm_vdevs *d);
/* --disk: keep spec; false when every slot is taken. */
bool vdevs_add_disk(struct vmm_vdevs *d, char *spec);
/*
 * --net: check spec (0), or -1 with err filled (a usage error), or -2
 * when every slot is taken.
 */
int vdevs_add_net(struct vmm_vdevs *d, char *spec, char *err, size_t errlen);
/* --rng, --console virtio: false when every slot is taken. */
bool vdevs_add_rng(struct vmm_vdevs *d);
bool vdevs_add_console(struct vmm_vdevs *d, int out_fd);
/* Open every device (images, ...); dies with the reason when one fails. */
void vdevs_open(struct vmm_vdevs *d);
/* Add an opened device in the next slot (for vdevs_open's helpers). */
void vdevs_put(struct vmm_vdevs *d, const struct vdev_ops *ops, void *dev, const char *label);
/* The DSDT's entries for them (acpi.h). */
void vdevs_acpi(struct vmm_vdevs *d, struct acpi_config *ac);
/*
 * Transports over guest RAM (ram, low and high bytes), on the MMIO bus,
 * interrupts through vm_fd; dies when a range is taken.
 */
void vdevs_attach(struct vmm_vdevs *d, struct bus *mmio, const struct guest_mem *mem, int vm_fd);
/* Their threads; dies when one cannot start. */
void vdevs_start(struct vmm_vdevs *d);
/* Stop the threads, report interrupt errors and (-v) counts, close everything. */
void vdevs_stop(struct vmm_vdevs *d);

#endif
