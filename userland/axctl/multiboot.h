/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the Multiboot (version 0.6.96) loader. Pure functions over a
 * buffer that stands for guest RAM below 4 GiB; no ioctls.
 *
 * An image is Multiboot when a header (magic 0x1BADB002, flags, checksum
 * with magic + flags + checksum = 0) sits 4-byte aligned in its first
 * 8 KiB. With flag bit 16 the header's address fields say where the file
 * goes (the "a.out kludge"), else the image must be ELF32 (EM_386) and its
 * PT_LOAD segments go to p_paddr; bss is zeroed in both cases. Required
 * flags: bit 0 (page-aligned modules) and bit 1 (memory information) are
 * always honoured; bit 2 (video mode) is not supported and ignored (the
 * info structure then says no framebuffer); bits 3-15 refuse the image.
 *
 * Modules follow the image, each page aligned. The info structure, memory
 * map, module list, GDT and strings go on the next page after the last
 * module. Memory map: RAM 0-640 KiB, reserved 640 KiB-1 MiB, RAM from
 * 1 MiB to the end of low RAM, RAM from 4 GiB for the rest (high_ram).
 *
 * Machine state at entry (spec section 3.2): EAX = 0x2BADB002, EBX = info
 * address; CS = 0x08 flat 32-bit code, DS/ES/FS/GS/SS = 0x10 flat data
 * (both also in the GDT axctl leaves, GDTR pointing at it, so IRET and
 * segment reloads work before the kernel has its own); CR0.PE = 1,
 * CR0.PG = 0; EFLAGS.IF = 0, VM = 0; A20 on; ESP = 0x9f000 when that is
 * free of the image, else 0 (the spec leaves it undefined); IDTR 0/0.
 */
#ifndef AXCTL_MULTIBOOT_H
#define AXCTL_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "multiboot_abi.h"

#define MB_CMDLINE_MAX		4095
#define MB_SEL_CODE		0x08
#define MB_SEL_DATA		0x10
#define MB_STACK		0x9f000ULL
#define MB_MAX_MODULES		64

struct mb_header {
	uint32_t offset;	/* in the file */
	uint32_t flags;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

/* A module to load: string is what the kernel sees (the --module argument). */
struct mb_module {
	const char *string;
	const void *data;
	size_t len;
};

/* True if img has a valid Multiboot header (then *h is filled). */
bool mb_find_header(const void *img, size_t len, struct mb_header *h);
/* IMAGE_OK if img is a loadable Multiboot image, else an image_error with err. */
int mb_probe(const void *img, size_t len, char *err, size_t errlen);

/*
 * Load img and mods into ram (low_ram bytes at GPA 0, zeroed by the
 * caller), build the info structure with cmdline "<name>[ <append>]" and
 * the memory map (high_ram bytes above 4 GiB), fill bs. Returns IMAGE_OK
 * or an image_error with err filled.
 */
int mb_load(const void *img, size_t len, const char *name, const char *append,
	    const struct mb_module *mods, unsigned int nr_mods, void *ram,
	    uint64_t low_ram, uint64_t high_ram, struct boot_state *bs,
	    char *err, size_t errlen);

#endif
