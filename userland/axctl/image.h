/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: guest images (ELF64 or flat) and the boot state axctl gives them.
 * Pure functions over a buffer that stands for guest RAM at GPA 0: no
 * ioctls, so the host tests exercise them.
 *
 * Boot protocol (axctl.8, BOOT PROTOCOL):
 *  flat: loaded at FLAT_LOAD_GPA, real mode, CS:IP = 0000:1000,
 *        SS:SP = 0000:1000, DI = FLAT_CMDLINE_GPA if --append else 0.
 *  ELF64 (EM_X86_64, ET_EXEC): PT_LOAD segments at p_paddr (bss zeroed);
 *        64-bit long mode at e_entry; all RAM identity-mapped with 2 MiB
 *        pages; GDT: 0x08 64-bit code, 0x10 data, 0x18 TSS; no IDT;
 *        RSP = RAM size - 4 KiB; RDI = the command line (NUL-terminated)
 *        or 0; RSI = RAM size in bytes. SSE is enabled (CR4.OSFXSR).
 */
#ifndef AXCTL_IMAGE_H
#define AXCTL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elf.h>
#include <linux/axvm.h>

enum image_format {
	IMAGE_AUTO,
	IMAGE_FLAT,
	IMAGE_ELF,
	IMAGE_MULTIBOOT,	/* multiboot.h: 32-bit protected mode */
	IMAGE_LINUX,		/* linux.h: bzImage or vmlinux, 64-bit boot protocol */
};

#define FLAT_LOAD_GPA		0x1000ULL
#define FLAT_STACK_TOP		0x1000ULL
#define FLAT_CMDLINE_GPA	0x500ULL
#define FLAT_CMDLINE_MAX	1023		/* bytes, without the NUL */

#define ELF_CMDLINE_MAX		4095
#define ELF_STACK_RESERVE	0x10000ULL	/* top 64 KiB: stack */
#define ELF_STACK_MARGIN	0x1000ULL	/* RSP = RAM size - this */
#define ELF_MAX_RAM		(512ULL << 30)	/* one PDPT */

#define SEL_CODE64		0x08
#define SEL_DATA		0x10
#define SEL_TSS			0x18
#define GDT_ENTRIES		5		/* null, code64, data, TSS (2) */
#define TSS_LIMIT		0x67		/* X86_TSS_LIMIT */

/* Errors: the message in the caller's buffer and one of these. */
enum image_error {
	IMAGE_OK = 0,
	IMAGE_EFORMAT = -1,	/* "image is not ELF64 or flat" and friends */
	IMAGE_EFIT = -2,	/* "image does not fit in guest memory" */
	IMAGE_ECMDLINE = -3,	/* command line too long */
	IMAGE_ERAM = -4,	/* guest RAM unusable (size) */
};

struct boot_state {
	enum image_format format;	/* resolved */
	uint64_t entry;
	uint64_t load_lo, load_hi;	/* extent of what was loaded */
	uint64_t boot_area;		/* ELF: GDT, TSS, cmdline, page tables */
	uint64_t boot_area_size;
	uint64_t cmdline_gpa;		/* 0: none */
	struct axvm_regs regs;
	struct axvm_sregs sregs;
};

/*
 * An ELF64 x86-64 executable's headers and PT_LOAD segments checked
 * against the file (not against guest RAM): IMAGE_OK with *ehp and *php
 * set, or an image_error with err filled.
 */
int image_elf_check(const void *img, size_t len, const Elf64_Ehdr **ehp,
		    const Elf64_Phdr **php, char *err, size_t errlen);

/* "auto", "flat", "elf", "multiboot", "linux": false if none of these. */
bool image_format_parse(const char *s, enum image_format *fmt);
const char *image_format_name(enum image_format fmt);

/*
 * Check that img looks like fmt (AUTO: a Multiboot header means
 * Multiboot, else a Linux setup header means Linux, else ELF magic means
 * ELF, else flat; a bzImage given as flat is refused with advice)
 * and, for ELF, that its headers are sane. Returns the resolved format,
 * or an image_error with err filled.
 */
int image_probe(const void *img, size_t len, enum image_format fmt,
		char *err, size_t errlen);

/*
 * Load img into ram (ram_size bytes, zeroed by the caller, standing for
 * GPA 0..ram_size), write the boot structures and the command line
 * (NULL: none), and fill bs with the vCPU state to enter it (Multiboot:
 * as mb_load() with the image name "kernel", no modules, no high RAM; the
 * VMM calls mb_load() itself). Returns
 * IMAGE_OK or an image_error with err filled.
 */
int image_load(const void *img, size_t len, enum image_format fmt, void *ram,
	       uint64_t ram_size, const char *cmdline, struct boot_state *bs,
	       char *err, size_t errlen);

#endif
