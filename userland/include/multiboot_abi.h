/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Multiboot (version 0.6.96) boot ABI, once for everybody who speaks
 * it: the loader in axctl (userland/axctl/multiboot.c), the Multiboot test
 * kernels (tests/guests/mb/, C and start.S) and the host tests that build
 * images (userland/axctl/tests/pc_unit.c). Constants only before
 * __ASSEMBLER__ (no U suffixes, so that start.S can use them); the
 * structures are what the loader leaves in guest memory (spec section 3.3).
 */
#ifndef AXVM_MULTIBOOT_ABI_H
#define AXVM_MULTIBOOT_ABI_H

/* The header, 4-byte aligned in the first MB_SEARCH bytes (section 3.1.1). */
#define MB_HEADER_MAGIC		0x1BADB002
#define MB_SEARCH		8192
#define MB_FLAG_ALIGN		(1 << 0)	/* modules page aligned */
#define MB_FLAG_MEMINFO		(1 << 1)	/* mem_* and the memory map */
#define MB_FLAG_VIDEO		(1 << 2)	/* video mode (axctl: ignored) */
#define MB_FLAG_AOUT		(1 << 16)	/* the address fields are valid */

/* EAX at entry (section 3.2). */
#define MB_BOOT_MAGIC		0x2BADB002

/* Info flags (struct mb_info.flags). */
#define MB_INFO_MEMORY		(1 << 0)
#define MB_INFO_CMDLINE		(1 << 2)
#define MB_INFO_MODS		(1 << 3)
#define MB_INFO_MMAP		(1 << 6)
#define MB_INFO_LOADER		(1 << 9)

/* Memory map entry types. */
#define MB_MMAP_RAM		1
#define MB_MMAP_RESERVED	2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
};

struct mb_mmap_entry {
	uint32_t size;		/* 20: the bytes after this field */
	uint64_t addr, len;
	uint32_t type;		/* MB_MMAP_RAM, MB_MMAP_RESERVED */
} __attribute__((packed));

struct mb_module_entry {
	uint32_t mod_start, mod_end, string, reserved;
};

_Static_assert(sizeof(struct mb_info) == 88, "multiboot info is 88 bytes");
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "mmap entry is 24 bytes");
_Static_assert(sizeof(struct mb_module_entry) == 16, "module entry is 16 bytes");
#endif

#endif
