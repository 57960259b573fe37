/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-linear to guest-physical for the gdb stub's m/M and breakpoints:
 * a walk of the guest's page tables in axctl, read from the guest RAM
 * axctl maps anyway (no ioctl, no vCPU stopped in the kernel for it).
 * Every paging mode of SDM Vol. 3A, 4.1 "Paging Modes and Control Bits":
 * none (CR0.PG=0), 32-bit (with CR4.PSE 4 MiB pages), PAE, 4-level and
 * 5-level (CR4.LA57). Permissions are not checked: a debugger may read
 * and write what the guest could not.
 */
#ifndef AXCTL_GDB_MEM_H
#define AXCTL_GDB_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct gdb_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/* Read 4 or 8 bytes of guest-physical memory (little endian); false if none. */
typedef bool (*gdb_phys_read)(void *arg, uint64_t gpa, unsigned int len, uint64_t *val);

/*
 * The guest-physical address of la, and in *room the bytes left in its
 * page (at least 1). False when a table entry is not present or is
 * outside guest memory.
 */
bool gdb_translate(const struct gdb_paging *pg, uint64_t la, gdb_phys_read rd, void *arg,
		   uint64_t *gpa, uint64_t *room);

#endif
