/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the Linux x86 boot protocol (Documentation/arch/x86/boot.rst of
 * the kernel tree), 64-bit entry. Pure functions over a buffer that
 * stands for guest RAM below 4 GiB; no ioctls, so the host tests run them.
 *
 * A bzImage is recognised by its setup header: 0xAA55 at 0x1fe and "HdrS"
 * at 0x202. Protocol 2.12 or later with XLF_KERNEL_64 is required (the
 * 64-bit entry point); older kernels are refused with a message.
 *
 * Guest memory layout (low RAM):
 *   0x1000   GDT (0x10 __BOOT_CS 64-bit code, 0x18 __BOOT_DS, 0x20 TSS)
 *   0x1100   TSS
 *   0x7000   boot_params ("zero page"), RSP below it
 *   0x10000  page tables: PML4, PDPT, one PD per GiB (identity, 2 MiB)
 *   0x20000  command line (at most the kernel's cmdline_size)
 *   0xe0000  ACPI tables (acpi.h), reserved in the e820 map
 *   load     the protected-mode kernel at pref_address (16 MiB for
 *            Debian's), or, relocatable, the lowest kernel_alignment
 *            multiple from 1 MiB when RAM is short; init_size bytes from
 *            there must be RAM
 *   initrd   page aligned at the top of low RAM, below initrd_addr_max
 *
 * e820: RAM 0-0x9fc00, reserved 0x9fc00-0xa0000 (EBDA) and
 * 0xe0000-0x100000 (BIOS area, ACPI tables), RAM 1 MiB-low_ram; the
 * 32-bit hole from low_ram to 4 GiB (PCI, I/O APIC, local APIC) is not
 * RAM; RAM from 4 GiB for high_ram bytes.
 *
 * Entry (boot.rst, "64-bit Boot Protocol"): long mode, paging on, every
 * byte below max(4 GiB, end of RAM) identity-mapped, CS = 0x10, DS = ES =
 * SS = 0x18, IF = 0, RSI = boot_params, RIP = load address + 0x200
 * (startup_64).
 */
#ifndef AXCTL_LINUX_H
#define AXCTL_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define LINUX_GDT_GPA		0x1000ULL
#define LINUX_TSS_GPA		0x1100ULL
#define LINUX_ZERO_PAGE_GPA	0x7000ULL
#define LINUX_PT_GPA		0x10000ULL
#define LINUX_CMDLINE_GPA	0x20000ULL
#define LINUX_CMDLINE_MAX	0xffff		/* the page-table area caps it */
#define LINUX_BOOT_CS		0x10
#define LINUX_BOOT_DS		0x18
#define LINUX_BOOT_TSS		0x20
#define LINUX_MIN_VERSION	0x020c		/* 2.12: xloadflags, 64-bit entry */

/* Fields of the setup header (offsets in the file and in boot_params). */
#define LINUX_HDR_START		0x1f1
#define LINUX_HDR_END		0x26c		/* end of kernel_info_offset */
#define BP_ACPI_RSDP		0x070
#define BP_E820_ENTRIES		0x1e8
#define BP_SENTINEL		0x1ef
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define HDR_SETUP_SECTS		0x1f1
#define HDR_SYSSIZE		0x1f4
#define HDR_VID_MODE		0x1fa
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_HEADER		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260

#define LINUX_LOADED_HIGH	0x01		/* loadflags */
#define LINUX_XLF_KERNEL_64	0x01		/* xloadflags */

#define E820_RAM		1
#define E820_RESERVED		2

#define LINUX_KERNEL_MAP	0xffffffff80000000ULL	/* __START_KERNEL_map */
#define VMLINUX_CMDLINE_MAX	2047		/* x86 COMMAND_LINE_SIZE - 1 */
#define VMLINUX_PROTOCOL	0x020f		/* the header axctl writes for it */

/*
 * What the setup header says, checked against the file. A vmlinux has no
 * setup header: axctl writes one for boot_params as bzImage loaders
 * would have found it (Firecracker and cloud-hypervisor boot vmlinux the
 * same way, through the 64-bit entry with a boot_params they fill).
 */
struct linux_image {
	bool vmlinux;			/* an ELF vmlinux, not a bzImage */
	uint64_t entry_offset;		/* entry point - load address */
	unsigned char hdr[LINUX_HDR_END];	/* setup header, at its file offsets */
	uint16_t version;
	uint32_t setup_size;		/* bytes before the protected-mode kernel */
	uint32_t kernel_size;		/* protected-mode kernel bytes in the file */
	uint32_t init_size;		/* bytes the kernel needs from its load address */
	uint64_t pref_address;
	uint32_t alignment;
	bool relocatable;
	uint32_t initrd_addr_max;
	uint32_t cmdline_max;		/* without the NUL */
};

/* The file has a Linux setup header (0xAA55 and "HdrS"). */
bool linux_is_bzimage(const void *img, size_t len);

/*
 * The file is an uncompressed x86-64 Linux kernel (vmlinux, or the
 * payload of a bzImage decompressed): an ELF64 executable whose entry
 * point is the physical start of a PT_LOAD segment mapped at
 * LINUX_KERNEL_MAP + that address (startup_64 in the kernel's text).
 */
bool linux_is_vmlinux(const void *img, size_t len);

/*
 * Check a bzImage (protocol version, 64-bit entry, truncation) or a
 * vmlinux (ELF headers, segments contiguous below 4 GiB). IMAGE_OK and li
 * filled, or an image_error with err filled.
 */
int linux_probe(const void *img, size_t len, struct linux_image *li, char *err,
		size_t errlen);

/**
 * struct linux_boot - what linux_load() needs besides the image
 * @initrd: the initramfs, or NULL
 * @initrd_len: its length
 * @cmdline: the command line, or NULL
 * @low_ram: RAM at GPA 0 (the buffer's size)
 * @high_ram: RAM at 4 GiB (not in the buffer: only in the e820 map)
 * @rsdp: GPA of the ACPI RSDP, or 0
 */
struct linux_boot {
	const void *initrd;
	size_t initrd_len;
	const char *cmdline;
	uint64_t low_ram, high_ram;
	uint64_t rsdp;
};

/*
 * Load a bzImage into ram (low_ram bytes standing for GPA 0, zeroed by the
 * caller; the ACPI tables may already be there), write boot_params, the
 * command line, GDT and page tables, and fill bs. IMAGE_OK, or
 * IMAGE_EFORMAT/IMAGE_EFIT/IMAGE_ECMDLINE/IMAGE_ERAM with err filled.
 */
int linux_load(const void *img, size_t len, void *ram, const struct linux_boot *lb,
	       struct boot_state *bs, char *err, size_t errlen);

#endif
