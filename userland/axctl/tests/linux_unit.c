// SPDX-License-Identifier: GPL-2.0
/*
 * axctl host unit tests of Linux booting: the bzImage loader (boot_params,
 * e820, placement, entry state, errors) on images built here, the ACPI
 * tables (checksums, the pointers between them, MADT entries, \_S5), the
 * ACPI power ports and port 0xcf9. No module.
 *
 *   linux_unit_test [BZIMAGE]   (BZIMAGE: also probe and load a real kernel)
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acpi.h"
#include "devices.h"
#include "image.h"
#include "linux.h"
#include "msr.h"
#include "power.h"
#include "tests/harness.h"

#define MiB		(1ULL << 20)
#define SETUP_SECTS	4
#define PM_SIZE		0x3000

static uint16_t g16(const unsigned char *p, size_t o) { return p[o] | p[o + 1] << 8; }
static uint32_t g32(const unsigned char *p, size_t o) { return g16(p, o) | (uint32_t)g16(p, o + 2) << 16; }
static uint64_t g64(const unsigned char *p, size_t o) { return g32(p, o) | (uint64_t)g32(p, o + 4) << 32; }
static void p16(unsigned char *p, size_t o, uint16_t v) { p[o] = v; p[o + 1] = v >> 8; }
static void p32(unsigned char *p, size_t o, uint32_t v) { p16(p, o, v); p16(p, o + 2, v >> 16); }
static void p64(unsigned char *p, size_t o, uint64_t v) { p32(p, o, v); p32(p, o + 4, v >> 32); }

/* A bzImage as a 64-bit 2.15 kernel's setup header describes it. */
static unsigned char *make_bzimage(size_t *len, uint32_t init_size)
{
	size_t setup = (SETUP_SECTS + 1) * 512;
	unsigned char *img = calloc(1, setup + PM_SIZE);
	size_t i;

	img[HDR_SETUP_SECTS] = SETUP_SECTS;
	p32(img, HDR_SYSSIZE, PM_SIZE / 16);
	p16(img, HDR_BOOT_FLAG, 0xaa55);
	img[HDR_JUMP] = 0xeb;
	img[HDR_JUMP + 1] = 0x6a;		/* header ends at 0x26c */
	memcpy(img + HDR_HEADER, "HdrS", 4);
	p16(img, HDR_VERSION, 0x020f);
	img[HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
	p32(img, HDR_CODE32_START, 0x100000);
	p32(img, HDR_INITRD_ADDR_MAX, 0x7fffffff);
	p32(img, HDR_KERNEL_ALIGNMENT, 0x200000);
	img[HDR_RELOCATABLE] = 1;
	p16(img, HDR_XLOADFLAGS, LINUX_XLF_KERNEL_64);
	p32(img, HDR_CMDLINE_SIZE, 2047);
	p64(img, HDR_PREF_ADDRESS, 16 * MiB);
	p32(img, HDR_INIT_SIZE, init_size);
	img[0x1ef] = 0xff;			/* outside the header: not copied */
	for (i = 0; i < PM_SIZE; i++)
		img[setup + i] = i * 7 + 3;
	*len = setup + PM_SIZE;
	return img;
}

static int load(const unsigned char *img, size_t len, unsigned char *ram, uint64_t low,
		const char *initrd, size_t initrd_len, const char *cmd, struct boot_state *bs,
		char *err)
{
	struct linux_boot lb = {
		.initrd = initrd, .initrd_len = initrd_len, .cmdline = cmd,
		.low_ram = low, .high_ram = 0, .rsdp = ACPI_TABLES_GPA,
	};

	memset(ram, 0, low);
	return linux_load(img, len, ram, &lb, bs, err, 256);
}

static void test_load(void)
{
	uint64_t low = 128 * MiB;
	unsigned char *ram = malloc(low), *bp = ram + LINUX_ZERO_PAGE_GPA;
	size_t len, rdlen = 3 * 4096 + 5;
	unsigned char *img = make_bzimage(&len, 40 * MiB);
	char *rd = malloc(rdlen), err[256];
	struct boot_state bs;
	uint64_t rdgpa, d;
	int r, i, ok;

	memset(rd, 0x5a, rdlen);
	r = load(img, len, ram, low, rd, rdlen, "console=ttyS0 quiet", &bs, err);
	check(r == IMAGE_OK, "bzImage loads into 128 MiB (%s)", r ? err : "ok");
	check(!memcmp(ram + 16 * MiB, img + (SETUP_SECTS + 1) * 512, PM_SIZE),
	      "protected-mode kernel at pref_address 16 MiB");
	check(bs.regs.rip == 16 * MiB + 0x200, "RIP = startup_64 (0x%llx)",
	      (unsigned long long)bs.regs.rip);
	check(bs.regs.rsi == LINUX_ZERO_PAGE_GPA, "RSI = boot_params");
	check(!(bs.regs.rflags & 0x200), "interrupts off at entry");
	check(bs.sregs.cs.selector == LINUX_BOOT_CS && bs.sregs.cs.l && bs.sregs.ds.selector ==
	      LINUX_BOOT_DS && bs.sregs.ss.selector == LINUX_BOOT_DS,
	      "CS = __BOOT_CS (64-bit), DS = SS = __BOOT_DS");
	d = g64(ram, LINUX_GDT_GPA + LINUX_BOOT_CS);
	check(((d >> 53) & 1) && ((d >> 47) & 1) && ((d >> 40) & 0xf) == 0xb,
	      "GDT has a present 64-bit code descriptor at 0x10");
	d = g64(ram, LINUX_GDT_GPA + LINUX_BOOT_DS);
	check(((d >> 47) & 1) && ((d >> 40) & 0xf) == 0x3 && (d & 0xffff) == 0xffff,
	      "GDT has a flat data descriptor at 0x18");
	check((bs.sregs.efer & 0x500) == 0x500 && (bs.sregs.cr0 & 0x80000001) == 0x80000001 &&
	      (bs.sregs.cr4 & 0x20) && bs.sregs.cr3 == LINUX_PT_GPA, "long mode, paging, PAE");
	/* The identity map: PML4[0] -> PDPT[k] -> PD entries of 2 MiB. */
	ok = (g64(ram, LINUX_PT_GPA) & ~0xfffULL) == LINUX_PT_GPA + 0x1000;
	for (i = 0; i < 4 && ok; i++) {
		uint64_t pd = g64(ram, LINUX_PT_GPA + 0x1000 + i * 8) & ~0xfffULL;

		ok = g64(ram, pd + 511 * 8) == (((uint64_t)i * 512 + 511) << 21 | 0x83);
	}
	check(ok, "the low 4 GiB are identity-mapped with 2 MiB pages");

	check(!memcmp(bp + LINUX_HDR_START, img + LINUX_HDR_START, HDR_VID_MODE -
		      LINUX_HDR_START) && !memcmp(bp + HDR_VID_MODE + 2, img + HDR_VID_MODE + 2,
						  HDR_TYPE_OF_LOADER - HDR_VID_MODE - 2) &&
	      !memcmp(bp + HDR_INITRD_ADDR_MAX, img + HDR_INITRD_ADDR_MAX,
		      LINUX_HDR_END - HDR_INITRD_ADDR_MAX), "setup header copied into boot_params");
	check(bp[BP_SENTINEL] == 0, "sentinel outside the header left 0");
	check(bp[HDR_TYPE_OF_LOADER] == 0xff, "type_of_loader = 0xff");
	check(g16(bp, HDR_VID_MODE) == 0xffff, "vid_mode = normal");
	check(g32(bp, HDR_CMD_LINE_PTR) == LINUX_CMDLINE_GPA &&
	      !strcmp((char *)ram + LINUX_CMDLINE_GPA, "console=ttyS0 quiet"),
	      "cmd_line_ptr points at the command line");
	rdgpa = g32(bp, HDR_RAMDISK_IMAGE);
	check(rdgpa % 4096 == 0 && rdgpa + rdlen <= low && rdgpa + rdlen > low - 4096 &&
	      !memcmp(ram + rdgpa, rd, rdlen) && g32(bp, HDR_RAMDISK_SIZE) == rdlen,
	      "initrd page aligned at the top of RAM (0x%llx), ramdisk_size", (unsigned long long)rdgpa);
	check(g64(bp, BP_ACPI_RSDP) == ACPI_TABLES_GPA, "acpi_rsdp_addr (protocol 2.14+)");
	check(bp[BP_E820_ENTRIES] == 4, "4 e820 entries (%u)", bp[BP_E820_ENTRIES]);
	check(g64(bp, BP_E820_TABLE) == 0 && g64(bp, BP_E820_TABLE + 8) == 0x9fc00 &&
	      g32(bp, BP_E820_TABLE + 16) == E820_RAM, "e820: RAM below the EBDA");
	check(g64(bp, BP_E820_TABLE + 40) == 0xe0000 && g32(bp, BP_E820_TABLE + 56) == E820_RESERVED,
	      "e820: BIOS area (ACPI tables) reserved");
	check(g64(bp, BP_E820_TABLE + 60) == MiB && g64(bp, BP_E820_TABLE + 68) == low - MiB &&
	      g32(bp, BP_E820_TABLE + 76) == E820_RAM, "e820: RAM from 1 MiB to the end");

	/* With high RAM: an e820 entry at 4 GiB, the hole below it stays out. */
	{
		struct linux_boot lb = { .low_ram = low, .high_ram = 512 * MiB };

		memset(ram, 0, low);
		r = linux_load(img, len, ram, &lb, &bs, err, sizeof(err));
		check(r == IMAGE_OK && bp[BP_E820_ENTRIES] == 5 &&
		      g64(bp, BP_E820_TABLE + 80) == 1ULL << 32 &&
		      g64(bp, BP_E820_TABLE + 88) == 512 * MiB, "e820: high RAM at 4 GiB");
	}

	/* Too little RAM at 16 MiB: relocated to 2 MiB. */
	r = load(img, len, ram, 48 * MiB, NULL, 0, NULL, &bs, err);
	check(r == IMAGE_OK && bs.regs.rip == 2 * MiB + 0x200 && g32(bp, HDR_RAMDISK_IMAGE) == 0,
	      "relocatable kernel at 2 MiB when pref_address does not fit; no initrd");
	check(ram[LINUX_CMDLINE_GPA] == 0, "no --append: empty command line");
	/* Not even that. */
	r = load(img, len, ram, 40 * MiB, NULL, 0, NULL, &bs, err);
	check(r == IMAGE_EFIT && strstr(err, "too little RAM"), "too little RAM: %s", err);
	/* Kernel and initrd together too big. */
	free(rd);
	rdlen = 10 * MiB;
	rd = calloc(1, rdlen);
	r = load(img, len, ram, 48 * MiB, rd, rdlen, NULL, &bs, err);
	check(r == IMAGE_EFIT && strstr(err, "initrd"), "kernel + initrd too big: %s", err);
	/* initrd over initrd_addr_max. */
	p32(img, HDR_INITRD_ADDR_MAX, 0x3fffff);
	r = load(img, len, ram, 128 * MiB, rd, rdlen, NULL, &bs, err);
	check(r == IMAGE_EFIT && strstr(err, "initrd_addr_max"), "initrd over the limit: %s", err);
	p32(img, HDR_INITRD_ADDR_MAX, 0x7fffffff);
	/* A command line longer than cmdline_size. */
	{
		char *cmd = malloc(3000);

		memset(cmd, 'x', 2999);
		cmd[2999] = 0;
		r = load(img, len, ram, 128 * MiB, NULL, 0, cmd, &bs, err);
		check(r == IMAGE_ECMDLINE, "command line over cmdline_size: %s", err);
		free(cmd);
	}
	free(rd);
	free(img);
	free(ram);
}

static void test_probe(void)
{
	struct linux_image li;
	size_t len;
	unsigned char *img = make_bzimage(&len, 40 * MiB);
	char err[256];
	int r;

	check(image_probe(img, len, IMAGE_AUTO, err, sizeof(err)) == IMAGE_LINUX,
	      "auto format: a setup header means linux");
	r = image_probe(img, len, IMAGE_FLAT, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "bzImage"), "--format flat refused: %s", err);
	r = linux_probe(img, len - 16, &li, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "truncated"), "truncated image: %s", err);
	r = linux_probe(img, 0x230, &li, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "truncated"), "image cut in its header: %s", err);
	p16(img, HDR_VERSION, 0x0209);
	r = linux_probe(img, len, &li, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "too old"), "protocol 2.09 refused: %s", err);
	p16(img, HDR_VERSION, 0x020f);
	p16(img, HDR_XLOADFLAGS, 0);
	r = linux_probe(img, len, &li, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "64-bit"), "no 64-bit entry refused: %s", err);
	p16(img, HDR_XLOADFLAGS, LINUX_XLF_KERNEL_64);
	memcpy(img + HDR_HEADER, "HdrX", 4);
	check(image_probe(img, len, IMAGE_AUTO, err, sizeof(err)) == IMAGE_FLAT,
	      "a corrupted setup header is not taken for Linux (auto: flat)");
	r = image_probe(img, len, IMAGE_LINUX, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "HdrS"), "--format linux on it: %s", err);
	free(img);
}

/*
 * A vmlinux as the kernel's vmlinux.lds.S lays it out: the entry point is
 * startup_64's physical address, the first PT_LOAD maps it at
 * __START_KERNEL_map + that; a second segment has bss beyond its file
 * bytes. Text 0x1000 bytes at 16 MiB, data 0x800 file bytes + 0x1800 bss
 * at 16 MiB + 8 KiB.
 */
static unsigned char *make_vmlinux(size_t *len)
{
	size_t total = 0x4000;
	unsigned char *img = calloc(1, total);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	size_t i;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 16 * MiB;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000,
			      .p_vaddr = LINUX_KERNEL_MAP + 16 * MiB, .p_paddr = 16 * MiB,
			      .p_filesz = 0x1000, .p_memsz = 0x1000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x2000,
			      .p_vaddr = LINUX_KERNEL_MAP + 16 * MiB + 0x2000,
			      .p_paddr = 16 * MiB + 0x2000, .p_filesz = 0x800, .p_memsz = 0x2000 };
	for (i = 0x1000; i < 0x2800; i++)
		img[i] = i * 5 + 1;
	*len = total;
	return img;
}

static void test_vmlinux(void)
{
	uint64_t low = 128 * MiB;
	unsigned char *ram = malloc(low), *bp = ram + LINUX_ZERO_PAGE_GPA;
	size_t len, rdlen = 4096;
	unsigned char *img = make_vmlinux(&len);
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr));
	char rd[4096], err[256];
	struct linux_image li;
	struct boot_state bs;
	int r;

	memset(rd, 0x33, rdlen);
	check(image_probe(img, len, IMAGE_AUTO, err, sizeof(err)) == IMAGE_LINUX,
	      "auto format: a vmlinux means linux, not a plain ELF");
	r = image_probe(img, len, IMAGE_ELF, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "vmlinux"), "vmlinux as --format elf refused: %s", err);
	r = linux_probe(img, len, &li, err, sizeof(err));
	check(r == IMAGE_OK && li.vmlinux && li.init_size == 0x4000 && li.kernel_size == 0x2800,
	      "vmlinux probed: init_size 0x%x, kernel_size 0x%x", li.init_size, li.kernel_size);
	memset(ram, 0xcc, low);
	{
		struct linux_boot lb = { .initrd = rd, .initrd_len = rdlen, .cmdline = "quiet",
					 .low_ram = low, .rsdp = ACPI_TABLES_GPA };

		r = linux_load(img, len, ram, &lb, &bs, err, sizeof(err));
	}
	check(r == IMAGE_OK, "vmlinux loads (%s)", r ? err : "ok");
	check(!memcmp(ram + 16 * MiB, img + 0x1000, 0x1000) &&
	      !memcmp(ram + 16 * MiB + 0x2000, img + 0x2000, 0x800),
	      "segments at their physical addresses");
	check(ram[16 * MiB + 0x2800] == 0 && ram[16 * MiB + 0x3fff] == 0,
	      "bss beyond the file bytes zeroed");
	check(bs.regs.rip == 16 * MiB && bs.regs.rsi == LINUX_ZERO_PAGE_GPA &&
	      bs.sregs.cs.l && bs.sregs.cs.selector == LINUX_BOOT_CS,
	      "entered at e_entry (startup_64) in long mode, RSI = boot_params");
	check(g16(bp, HDR_BOOT_FLAG) == 0xaa55 && !memcmp(bp + HDR_HEADER, "HdrS", 4) &&
	      g16(bp, HDR_VERSION) == VMLINUX_PROTOCOL && bp[HDR_TYPE_OF_LOADER] == 0xff &&
	      (bp[HDR_LOADFLAGS] & LINUX_LOADED_HIGH),
	      "boot_params has a setup header: 0xAA55, HdrS, 2.15, loader 0xff, LOADED_HIGH");
	check(g32(bp, HDR_CMD_LINE_PTR) == LINUX_CMDLINE_GPA &&
	      !strcmp((char *)ram + LINUX_CMDLINE_GPA, "quiet") &&
	      g32(bp, HDR_RAMDISK_SIZE) == rdlen &&
	      !memcmp(ram + g32(bp, HDR_RAMDISK_IMAGE), rd, rdlen) &&
	      g64(bp, BP_ACPI_RSDP) == ACPI_TABLES_GPA && bp[BP_E820_ENTRIES] == 4,
	      "command line, initrd, acpi_rsdp_addr and e820 as for a bzImage");
	/* Too little RAM: a vmlinux is not relocated. */
	r = load(img, len, ram, 16 * MiB + 0x2000, NULL, 0, NULL, &bs, err);
	check(r == IMAGE_EFIT && strstr(err, "too little RAM"), "vmlinux beyond RAM: %s", err);
	/* A segment below the entry point: not the layout axctl loads. */
	ph[1].p_paddr = 8 * MiB;
	r = linux_probe(img, len, &li, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "from its entry point"),
	      "segment below startup_64 refused: %s", err);
	/* Entry point not in a kernel-mapped segment: just an ELF. */
	ph[1].p_paddr = 16 * MiB + 0x2000;
	ph[0].p_vaddr = 16 * MiB;
	check(image_probe(img, len, IMAGE_AUTO, err, sizeof(err)) == IMAGE_ELF,
	      "an ELF whose entry is not mapped at __START_KERNEL_map is a plain ELF");
	r = image_probe(img, len, IMAGE_LINUX, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "not a Linux"), "--format linux on it: %s", err);
	free(img);
	free(ram);
}

/* A real kernel (/boot/vmlinuz-*): probe and load it as axctl would. */
static void test_real(const char *path)
{
	unsigned char *img, *ram;
	struct linux_image li;
	struct boot_state bs;
	size_t len;
	char err[256];
	int r;

	if (access(path, R_OK)) {
		printf("# %s: not readable, real-kernel checks skipped\n", path);
		return;
	}
	img = load_file(path, &len);
	if (!img)
		return;
	r = linux_probe(img, len, &li, err, sizeof(err));
	check(r == IMAGE_OK, "%s: a %s, protocol %x (%s)", path, li.vmlinux ? "vmlinux" : "bzImage",
	      li.version, r ? err : "ok");
	if (li.vmlinux) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);

		while (ph->p_paddr != eh->e_entry)	/* probed: it is there */
			ph++;
		li.setup_size = ph->p_offset;	/* where startup_64's bytes are */
	}
	ram = malloc(256 * MiB);
	r = load(img, len, ram, 256 * MiB, NULL, 0, "console=ttyS0", &bs, err);
	check(r == IMAGE_OK && !memcmp(ram + bs.load_lo, img + li.setup_size, 4096),
	      "%s: loaded at 0x%llx (%s)", path, (unsigned long long)bs.load_lo,
	      r ? err : "ok");
	free(ram);
	free(img);
}

/* --- ACPI ------------------------------------------------------------------ */

static void test_acpi_one(unsigned int cpus, bool ioapic)
{
	unsigned char *ram = calloc(1, ACPI_TABLES_END);
	struct acpi_config cfg = { .nr_cpus = cpus, .ioapic = ioapic };
	uint64_t rsdp = acpi_build(ram, &cfg), xsdt, fadt, madt, dsdt, facs;
	unsigned int lapics = 0, ioapics = 0, isos = 0, off, mlen, ioapic_id = 0;
	unsigned char *m;
	bool sci_level = false, irq0 = false;

	check(rsdp && rsdp % 16 == 0 && !memcmp(ram + rsdp, "RSD PTR ", 8),
	      "%u CPUs: RSDP at 0x%llx", cpus, (unsigned long long)rsdp);
	check(!acpi_sum(ram + rsdp, 20) && !acpi_sum(ram + rsdp, 36) && ram[rsdp + 15] == 2,
	      "%u CPUs: RSDP checksums (20 and 36 bytes), revision 2", cpus);
	xsdt = g64(ram, rsdp + ACPI_RSDP_XSDT);
	check(!memcmp(ram + xsdt, "XSDT", 4) && !acpi_sum(ram + xsdt, g32(ram, xsdt + 4)) &&
	      g32(ram, xsdt + 4) == ACPI_HDR_LEN + 16, "%u CPUs: XSDT checksum, 2 entries", cpus);
	fadt = g64(ram, xsdt + ACPI_HDR_LEN);
	madt = g64(ram, xsdt + ACPI_HDR_LEN + 8);
	check(!memcmp(ram + fadt, "FACP", 4) && g32(ram, fadt + 4) == ACPI_FADT_LEN &&
	      !acpi_sum(ram + fadt, ACPI_FADT_LEN), "%u CPUs: FADT checksum", cpus);
	dsdt = g64(ram, fadt + ACPI_FADT_X_DSDT);
	facs = g32(ram, fadt + ACPI_FADT_FACS);
	check(dsdt == g32(ram, fadt + ACPI_FADT_DSDT) && !g64(ram, fadt + ACPI_FADT_X_FACS),
	      "%u CPUs: FADT's DSDT pointers agree; FACS by FIRMWARE_CTRL only", cpus);
	check(!memcmp(ram + dsdt, "DSDT", 4) && !acpi_sum(ram + dsdt, g32(ram, dsdt + 4)) &&
	      memmem(ram + dsdt, g32(ram, dsdt + 4), "_S5_\x12", 5),
	      "%u CPUs: DSDT checksum, \\_S5 package", cpus);
	check(!memcmp(ram + facs, "FACS", 4) && g32(ram, facs + 4) == 64 && facs % 64 == 0,
	      "%u CPUs: FACS 64 bytes, 64-byte aligned", cpus);
	check(g32(ram, fadt + 64) == ACPI_PM1A_CNT && g32(ram, fadt + 76) == ACPI_PM_TMR &&
	      g16(ram, fadt + 46) == ACPI_SCI_IRQ && g64(ram, fadt + 120) == ACPI_RESET_PORT &&
	      ram[fadt + 128] == ACPI_RESET_VALUE, "%u CPUs: FADT PM1a_CNT, PM timer, SCI, reset register",
	      cpus);
	m = ram + madt;
	mlen = g32(m, 4);
	check(!memcmp(m, "APIC", 4) && !acpi_sum(m, mlen) && g32(m, 36) == ACPI_LAPIC_GPA,
	      "%u CPUs: MADT checksum, local APIC address", cpus);
	for (off = ACPI_MADT_ENTRIES; off + 2 <= mlen && m[off + 1]; off += m[off + 1]) {
		switch (m[off]) {
		case 0:
			lapics += m[off + 3] == lapics && (g32(m, off + 4) & 1);
			break;
		case 1:
			ioapics++;
			ioapic_id = m[off + 2];
			break;
		case 2:
			isos++;
			irq0 |= m[off + 3] == 0 && g32(m, off + 4) == 2;
			sci_level |= m[off + 3] == 9 && (g16(m, off + 8) & 0xc) == 0xc;
			break;
		}
	}
	check(off == mlen, "%u CPUs: MADT entries fill the table exactly", cpus);
	check(lapics == cpus, "%u CPUs: %u enabled local APICs, IDs 0..n-1", cpus, lapics);
	if (ioapic)
		check(ioapics == 1 && ioapic_id == cpus && isos == 2 && irq0 && sci_level,
		      "%u CPUs: I/O APIC (ID %u), IRQ0 -> GSI2, SCI level", cpus, ioapic_id);
	else
		check(!ioapics && !isos, "%u CPUs: no I/O APIC, no overrides", cpus);
	free(ram);
}

/* PkgLength at p (20.2.4): its value; *n its bytes. */
static uint32_t pkglen(const unsigned char *p, unsigned int *n)
{
	*n = 1 + (p[0] >> 6);
	if (*n == 1)
		return p[0] & 0x3f;
	return (p[0] & 0x0f) | p[1] << 4 | (*n > 2 ? p[2] << 12 : 0);
}

/* Virtio-mmio devices in the DSDT: \_SB.VRnn, LNRO0005, Memory32Fixed, Interrupt. */
static void test_acpi_virtio(unsigned int nr)
{
	unsigned char *ram = calloc(1, ACPI_TABLES_END), *d, *p, *end;
	struct acpi_virtio v[ACPI_VIRTIO_MAX];
	struct acpi_config cfg = { .nr_cpus = 2, .ioapic = true, .virtio = v, .nr_virtio = nr };
	uint64_t rsdp, xsdt, dsdt, madt;
	unsigned int i, n, found = 0;
	uint32_t len, l;

	for (i = 0; i < nr; i++)
		v[i] = (struct acpi_virtio){ 0xd0000000U + 0x1000 * i, 0x200, 16 + i };
	rsdp = acpi_build(ram, &cfg);
	xsdt = g64(ram, rsdp + ACPI_RSDP_XSDT);
	dsdt = g64(ram, g64(ram, xsdt + ACPI_HDR_LEN) + ACPI_FADT_X_DSDT);
	madt = g64(ram, xsdt + ACPI_HDR_LEN + 8);
	d = ram + dsdt;
	len = g32(d, 4);
	check(!acpi_sum(d, len) && madt >= dsdt + len && !acpi_sum(ram + madt, g32(ram, madt + 4)),
	      "%u virtio devices: DSDT checksum, the MADT after it and valid", nr);
	p = memmem(d, len, "\x10", 1);
	p = d + ACPI_HDR_LEN + 14;		/* after Name (_S5_, ...) */
	l = pkglen(p + 1, &n);
	check(p[0] == 0x10 && 1 + l == len - (ACPI_HDR_LEN + 14) && !memcmp(p + 1 + n, "\\_SB_", 5),
	      "%u virtio devices: Scope (\\_SB) spans the rest of the DSDT (PkgLength %u)", nr, l);
	end = p + 1 + l;
	for (p += 1 + n + 5; p < end; p += 2 + l) {
		char name[5];
		unsigned char *crs;

		l = pkglen(p + 2, &n);
		if (p[0] != 0x5b || p[1] != 0x82)
			break;
		snprintf(name, sizeof(name), "VR%02u", found);
		crs = memmem(p, 2 + l, "_CRS\x11", 5);
		if (memcmp(p + 2 + n, name, 4) || !memmem(p, 2 + l, "_HID\x0dLNRO0005", 14) || !crs)
			break;
		crs += 5 + 1 + 2;		/* BufferOp, PkgLength, BytePrefix size */
		if (crs[0] != 0x86 || g32(crs, 4) != v[found].base || g32(crs, 8) != 0x200 ||
		    crs[12] != 0x89 || crs[15] != 0x01 || g32(crs, 17) != v[found].gsi ||
		    crs[21] != 0x79)
			break;
		found++;
	}
	check(found == nr && p == end,
	      "%u virtio devices: each Device (VRnn) with _HID LNRO0005, its MMIO range and level GSI",
	      nr);
	cfg.nr_virtio = ACPI_VIRTIO_MAX + 1;
	check(acpi_build(ram, &cfg) == 0, "more than %d virtio devices: no tables", ACPI_VIRTIO_MAX);
	free(ram);
}

static void test_acpi(void)
{
	unsigned char *ram = calloc(1, ACPI_TABLES_END);
	struct acpi_config cfg = { .nr_cpus = 0 };

	test_acpi_one(1, true);
	test_acpi_one(2, true);
	test_acpi_one(64, true);
	test_acpi_one(3, false);
	test_acpi_virtio(1);
	test_acpi_virtio(ACPI_VIRTIO_MAX);
	check(acpi_build(ram, &cfg) == 0, "no CPUs: no tables");
	free(ram);
}

/* --- MSRs ------------------------------------------------------------------ */

static void test_msr(void)
{
	struct axvm_exit e = { .kind = AXVM_EXIT_SYSREG_READ };
	uint32_t resp = 0;

	e.u.sysreg_read.addr = MSR_IA32_BIOS_SIGN_ID;
	check(msr_emulate(&e, &resp) && resp == AXVM_RESP_DATA &&
	      e.u.sysreg_read.data == MSR_UCODE_REV_VALUE, "RDMSR 0x8b: microcode revision 1");
	e.kind = AXVM_EXIT_SYSREG_WRITE;
	e.u.sysreg_write.addr = MSR_IA32_BIOS_SIGN_ID;
	e.u.sysreg_write.value = 0;
	check(msr_emulate(&e, &resp) && resp == AXVM_RESP_NONE, "WRMSR 0x8b: ignored");
	e.kind = AXVM_EXIT_SYSREG_READ;
	e.u.sysreg_read.addr = 0x3b;
	check(!msr_emulate(&e, &resp), "other MSRs: #GP (not answered here)");
}

/* --- power ------------------------------------------------------------------ */

static uint64_t fake_ns;
static uint64_t fake_clock(void) { return fake_ns; }

static void test_power(void)
{
	struct io_bus bus;
	struct power pm;

	io_bus_init(&bus, -1);
	fake_ns = 1000;
	check(power_init(&pm, &bus, fake_clock) == 0, "power ports registered");
	check(io_read(&bus, ACPI_PM1A_CNT, 2) & PM1_CNT_SCI_EN, "PM1a_CNT: SCI_EN reads 1");
	check(io_read(&bus, ACPI_PM1A_EVT, 2) == 0, "PM1a_STS: no events");
	io_write(&bus, ACPI_PM1A_EVT + 2, 2, 0x0121);
	check(io_read(&bus, ACPI_PM1A_EVT + 2, 2) == 0x0121, "PM1a_EN stores");
	check(io_read(&bus, ACPI_PM_TMR, 4) == 0, "PM timer starts at 0");
	fake_ns += 1000000000ULL;
	check(io_read(&bus, ACPI_PM_TMR, 4) == PM_TMR_HZ, "PM timer: 3579545 ticks a second");
	fake_ns += 1200ULL * 1000000000ULL;
	check(io_read(&bus, ACPI_PM_TMR, 4) == (uint32_t)(1201 * PM_TMR_HZ),
	      "PM timer wraps at 32 bits");
	check(io_write(&bus, ACPI_PM1A_CNT, 2, (3 << 10) | PM1_CNT_SLP_EN) == IO_CONTINUE,
	      "SLP_TYP 3 with SLP_EN: ignored (no \\_S3)");
	check(!(io_read(&bus, ACPI_PM1A_CNT, 2) & PM1_CNT_SLP_EN), "SLP_EN reads 0");
	check(io_write(&bus, ACPI_PM1A_CNT, 2, ACPI_S5_SLP_TYP << 10) == IO_CONTINUE,
	      "SLP_TYP 5 without SLP_EN: nothing");
	check(io_write(&bus, ACPI_PM1A_CNT, 2, (ACPI_S5_SLP_TYP << 10) | PM1_CNT_SLP_EN |
		       PM1_CNT_SCI_EN) == IO_POWEROFF, "SLP_TYP 5 with SLP_EN: power off");
	check(io_write(&bus, ACPI_PM1A_CNT + 1, 1, ((ACPI_S5_SLP_TYP << 10) |
		       PM1_CNT_SLP_EN) >> 8) == IO_POWEROFF, "the same as a byte write");
	check(io_write(&bus, ACPI_RESET_PORT, 1, 0x02) == IO_CONTINUE, "0xcf9 = 2: no reset yet");
	check(io_read(&bus, ACPI_RESET_PORT, 1) == 0x02, "0xcf9 reads back");
	check(io_write(&bus, ACPI_RESET_PORT, 1, ACPI_RESET_VALUE) == IO_RESET,
	      "0xcf9 = 6 (the FADT's reset value): reset");
}

int main(int argc, char **argv)
{
	test_probe();
	test_load();
	test_vmlinux();
	test_acpi();
	test_power();
	test_msr();
	if (argc > 1)
		test_real(argv[1]);
	return check_summary("linux");
}
