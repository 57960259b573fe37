/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl start/run: the VMM's side of booting Linux. Reads the initrd,
 * builds the ACPI tables (acpi.h) and loads the bzImage (linux.h); keeps
 * the boot milestones in host TSC ticks for `axctl -v`: entry, and the
 * guest's first write to the milestone port LINUX_MARK_PORT (the test
 * guest's /init writes it just before its shell starts; port 0x80 would
 * not do, the kernel serves it).
 */
#ifndef AXCTL_LINUX_VMM_H
#define AXCTL_LINUX_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/axvm.h>

#include "acpi.h"
#include "image.h"
#include "devices.h"

/* The module has an in-kernel I/O APIC (AXVM_CAP_IOAPIC). */
bool linux_vmm_ioapic(const struct axvm_caps *caps);

/* --append fits this kernel's cmdline_size; false with err filled. */
bool linux_cmdline_ok(const void *img, size_t len, const char *cmdline, char *err,
		      size_t errlen);

/*
 * ACPI tables for the machine ac describes (acpi.h), then the kernel,
 * initrd (path, or NULL) and command line. Dies with AXCTL_EIMAGE when the
 * initrd cannot be read. An image_error with err filled, or IMAGE_OK.
 */
int linux_vmm_load(const void *img, size_t len, const char *initrd, const char *cmdline,
		   void *ram, uint64_t low_ram, uint64_t high_ram, const struct acpi_config *ac,
		   struct boot_state *bs, char *err, size_t errlen);

/* Just before the vCPUs start: the boot's TSC zero (Linux guests only). */
void linux_vmm_note_entry(const struct boot_state *bs);

#define LINUX_MARK_PORT		0x60c	/* after the ACPI PM block */

/* Put the milestone port on the bus: 0, or -1 if taken. */
int linux_vmm_devices(struct io_bus *bus);

/* With -v at exit: TSC ticks from entry to the first milestone write. */
void linux_vmm_report(void);

#endif
