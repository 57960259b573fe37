// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: load a Linux bzImage or vmlinux by the x86 boot protocol and
 * build the long-mode state of its 64-bit entry. See linux.h for the
 * layout.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "linux.h"
#include "x86_boot.h"

#define PAGE		0x1000ULL
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define SZ_4G		0x100000000ULL
#define EBDA_START	0x9fc00ULL
#define BIOS_START	0xe0000ULL
#define PT_GIB		4		/* identity map of the low 4 GiB */


static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static uint16_t get16(const unsigned char *p, size_t off)
{
	return p[off] | p[off + 1] << 8;
}

static uint32_t get32(const unsigned char *p, size_t off)
{
	return get16(p, off) | (uint32_t)get16(p, off + 2) << 16;
}

static uint64_t get64(const unsigned char *p, size_t off)
{
	return get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

static void put16(unsigned char *p, size_t off, uint16_t v)
{
	p[off] = v;
	p[off + 1] = v >> 8;
}

static void put32(unsigned char *p, size_t off, uint32_t v)
{
	put16(p, off, v);
	put16(p, off + 2, v >> 16);
}

static void put64(unsigned char *p, size_t off, uint64_t v)
{
	put32(p, off, v);
	put32(p, off + 4, v >> 32);
}

bool linux_is_bzimage(const void *img, size_t len)
{
	const unsigned char *p = img;

	return len >= HDR_HEADER + 4 && get16(p, HDR_BOOT_FLAG) == 0xaa55 &&
	       !memcmp(p + HDR_HEADER, "HdrS", 4);
}

/* The PT_LOAD segment startup_64 is in, or NULL: see linux_is_vmlinux(). */
static const Elf64_Phdr *vmlinux_text(const Elf64_Ehdr *eh, const Elf64_Phdr *ph)
{
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_paddr == eh->e_entry &&
		    ph[i].p_vaddr == LINUX_KERNEL_MAP + eh->e_entry)
			return &ph[i];
	return NULL;
}

bool linux_is_vmlinux(const void *img, size_t len)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;

	return !image_elf_check(img, len, &eh, &ph, NULL, 0) && vmlinux_text(eh, ph);
}

/* The header a bzImage of this kernel would carry, for boot_params. */
static void vmlinux_header(struct linux_image *li)
{
	unsigned char *h = li->hdr;

	put16(h, HDR_BOOT_FLAG, 0xaa55);
	h[HDR_JUMP] = 0xeb;				/* jmp over the header */
	h[HDR_JUMP + 1] = LINUX_HDR_END - (HDR_JUMP + 2);
	memcpy(h + HDR_HEADER, "HdrS", 4);
	put16(h, HDR_VERSION, li->version);
	h[HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
	put32(h, HDR_INITRD_ADDR_MAX, li->initrd_addr_max);
	put32(h, HDR_KERNEL_ALIGNMENT, li->alignment);
	put16(h, HDR_XLOADFLAGS, LINUX_XLF_KERNEL_64);
	put32(h, HDR_CMDLINE_SIZE, li->cmdline_max);
	put64(h, HDR_PREF_ADDRESS, li->pref_address);
	put32(h, HDR_INIT_SIZE, li->init_size);
}

/*
 * A vmlinux goes where it was linked (its segments' physical addresses,
 * one contiguous range from startup_64 on): no decompressor relocates it,
 * and startup_64 needs no relocation when it runs where it was linked.
 */
static int vmlinux_probe(const void *img, size_t len, struct linux_image *li,
			 char *err, size_t errlen)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	uint64_t lo = ~0ULL, hi = 0, file_hi = 0;
	unsigned int i;
	int r;

	r = image_elf_check(img, len, &eh, &ph, err, errlen);
	if (r)
		return r;
	if (!vmlinux_text(eh, ph))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "not a Linux kernel (neither a bzImage nor an x86-64 vmlinux)");
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_paddr < lo)
			lo = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > hi)
			hi = ph[i].p_paddr + ph[i].p_memsz;
		if (ph[i].p_paddr + ph[i].p_filesz > file_hi)
			file_hi = ph[i].p_paddr + ph[i].p_filesz;
	}
	if (lo != eh->e_entry || lo < SZ_1M || hi > SZ_4G)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Linux vmlinux with segments at 0x%llx-0x%llx: axctl needs them from its entry point 0x%llx, above 1 MiB and below 4 GiB",
			    (unsigned long long)lo, (unsigned long long)hi,
			    (unsigned long long)eh->e_entry);
	li->vmlinux = true;
	li->version = VMLINUX_PROTOCOL;
	li->pref_address = lo;
	li->kernel_size = file_hi - lo;
	li->init_size = hi - lo;
	li->alignment = SZ_2M;
	li->initrd_addr_max = 0x7fffffff;
	li->cmdline_max = VMLINUX_CMDLINE_MAX;
	vmlinux_header(li);
	return IMAGE_OK;
}

/* Copy the segments, zero what they have beyond the file (bss, brk). */
static void vmlinux_copy(const unsigned char *img, unsigned char *ram)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		memcpy(ram + ph[i].p_paddr, img + ph[i].p_offset, ph[i].p_filesz);
		memset(ram + ph[i].p_paddr + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
}

int linux_probe(const void *img, size_t len, struct linux_image *li, char *err,
		size_t errlen)
{
	const unsigned char *p = img;
	unsigned int sects;
	uint64_t pm_size;

	memset(li, 0, sizeof(*li));
	if (linux_is_vmlinux(img, len))
		return vmlinux_probe(img, len, li, err, errlen);
	if (!linux_is_bzimage(img, len))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "not a Linux bzImage (no \"HdrS\" setup header at 0x202)");
	if (len < LINUX_HDR_END)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Linux bzImage truncated (%zu bytes: shorter than its setup header)", len);
	li->version = get16(p, HDR_VERSION);
	if (li->version < LINUX_MIN_VERSION)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Linux boot protocol %u.%02u is too old: axctl needs 2.12 or later (Linux 3.8+, for the 64-bit entry point)",
			    li->version >> 8, li->version & 0xff);
	if (!(get16(p, HDR_XLOADFLAGS) & LINUX_XLF_KERNEL_64))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Linux bzImage without a 64-bit entry point (XLF_KERNEL_64 clear: a 32-bit kernel?)");
	if (!(p[HDR_LOADFLAGS] & LINUX_LOADED_HIGH))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Linux zImage (loaded at 0x10000) is not supported: a bzImage is needed");
	sects = p[HDR_SETUP_SECTS] ? p[HDR_SETUP_SECTS] : 4;
	li->setup_size = (sects + 1) * 512;
	pm_size = (uint64_t)get32(p, HDR_SYSSIZE) * 16;
	if (li->setup_size >= len || pm_size > len - li->setup_size || !pm_size)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Linux bzImage truncated (%zu bytes; the setup header promises %llu)",
			    len, (unsigned long long)(li->setup_size + pm_size));
	li->kernel_size = len - li->setup_size;
	li->init_size = get32(p, HDR_INIT_SIZE);
	if (li->init_size < li->kernel_size)
		li->init_size = li->kernel_size;
	li->pref_address = get64(p, HDR_PREF_ADDRESS);
	li->alignment = get32(p, HDR_KERNEL_ALIGNMENT);
	if (!li->alignment || (li->alignment & (li->alignment - 1)))
		li->alignment = SZ_2M;
	li->relocatable = p[HDR_RELOCATABLE];
	if (!li->pref_address)
		li->pref_address = SZ_1M;
	li->initrd_addr_max = get32(p, HDR_INITRD_ADDR_MAX);
	li->cmdline_max = get32(p, HDR_CMDLINE_SIZE);
	if (li->cmdline_max > LINUX_CMDLINE_MAX)
		li->cmdline_max = LINUX_CMDLINE_MAX;
	li->entry_offset = 0x200;			/* startup_64 */
	memcpy(li->hdr, p, LINUX_HDR_END);
	return IMAGE_OK;
}

/* --- placement -------------------------------------------------------- */

/*
 * Where the kernel goes: pref_address if it fits below limit, else
 * (relocatable) the first aligned address from 1 MiB; 0 if neither.
 */
static uint64_t place_kernel(const struct linux_image *li, uint64_t limit)
{
	uint64_t at = li->pref_address;

	if (at >= SZ_1M && at <= limit && li->init_size <= limit - at)
		return at;
	if (!li->relocatable)
		return 0;
	at = (SZ_1M + li->alignment - 1) & ~((uint64_t)li->alignment - 1);
	if (at <= limit && li->init_size <= limit - at)
		return at;
	return 0;
}

/* The initrd's GPA: page aligned at the top of low RAM, under the limit. */
static uint64_t place_initrd(const struct linux_image *li, uint64_t low_ram, size_t len)
{
	uint64_t top = low_ram;

	if ((uint64_t)li->initrd_addr_max + 1 < top)
		top = (uint64_t)li->initrd_addr_max + 1;
	if (len > top)
		return 0;
	return (top - len) & ~(PAGE - 1);
}

static void e820_add(unsigned char *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	unsigned int n = bp[BP_E820_ENTRIES];
	size_t off = BP_E820_TABLE + n * 20;

	put64(bp, off, addr);
	put64(bp, off + 8, size);
	put32(bp, off + 16, type);
	bp[BP_E820_ENTRIES] = n + 1;
}

/* --- boot_params ---------------------------------------------------------- */

static void write_boot_params(const struct linux_image *li, unsigned char *bp,
			      const struct linux_boot *lb, uint64_t kernel,
			      uint64_t initrd)
{
	const unsigned char *img = li->hdr;
	size_t hdr_end = HDR_JUMP + 2 + img[HDR_JUMP + 1];

	/* boot.rst: copy the header up to its end (0x202 + the jump's byte). */
	memset(bp, 0, PAGE);
	if (hdr_end > LINUX_HDR_END)
		hdr_end = LINUX_HDR_END;
	memcpy(bp + LINUX_HDR_START, img + LINUX_HDR_START, hdr_end - LINUX_HDR_START);
	put16(bp, HDR_VID_MODE, 0xffff);		/* "normal" */
	bp[HDR_TYPE_OF_LOADER] = 0xff;			/* undefined loader */
	bp[HDR_LOADFLAGS] &= ~0x80;			/* no heap: no real-mode setup */
	bp[HDR_LOADFLAGS] |= LINUX_LOADED_HIGH;
	put32(bp, HDR_CODE32_START, kernel);
	put32(bp, HDR_CMD_LINE_PTR, LINUX_CMDLINE_GPA);
	put32(bp, HDR_RAMDISK_IMAGE, initrd);
	put32(bp, HDR_RAMDISK_SIZE, initrd ? lb->initrd_len : 0);
	if (get16(img, HDR_VERSION) >= 0x020e)
		put64(bp, BP_ACPI_RSDP, lb->rsdp);

	e820_add(bp, 0, EBDA_START, E820_RAM);
	e820_add(bp, EBDA_START, 0xa0000 - EBDA_START, E820_RESERVED);
	e820_add(bp, BIOS_START, SZ_1M - BIOS_START, E820_RESERVED);
	e820_add(bp, SZ_1M, lb->low_ram - SZ_1M, E820_RAM);
	if (lb->high_ram)
		e820_add(bp, SZ_4G, lb->high_ram, E820_RAM);
}

/* --- long mode -------------------------------------------------------- */

/*
 * GDT with __BOOT_CS/__BOOT_DS where boot.rst wants them, and a TSS; the
 * flat long-mode segments and TR (x86_boot.h).
 */
static void write_gdt(unsigned char *ram, struct axvm_sregs *sr)
{
	uint64_t desc[6] = { 0 };
	struct axvm_segment s;

	x86_sregs_flat(sr, LINUX_BOOT_CS, true, LINUX_BOOT_DS, LINUX_BOOT_TSS, LINUX_TSS_GPA);
	sr->tr.limit = TSS_LIMIT;
	desc[LINUX_BOOT_CS / 8] = x86_seg_descriptor(&sr->cs);
	desc[LINUX_BOOT_DS / 8] = x86_seg_descriptor(&sr->ds);
	s = sr->tr;
	s.type = X86_SEG_TSS_AVAIL;	/* available in memory; TR holds it busy */
	desc[LINUX_BOOT_TSS / 8] = x86_seg_descriptor(&s);
	memcpy(ram + LINUX_GDT_GPA, desc, sizeof(desc));
	memset(ram + LINUX_TSS_GPA, 0, TSS_LIMIT + 1);
	put16(ram, LINUX_TSS_GPA + 0x66, TSS_LIMIT + 1);	/* no I/O bitmap */
	sr->gdt.base = LINUX_GDT_GPA;
	sr->gdt.limit = sizeof(desc) - 1;
}

static void entry_state(unsigned char *ram, uint64_t entry, struct boot_state *bs)
{
	struct axvm_sregs *sr = &bs->sregs;

	write_gdt(ram, sr);
	/* PML4, PDPT, PT_GIB PDs: the low 4 GiB identity-mapped with 2 MiB pages. */
	x86_identity_map(ram + LINUX_PT_GPA, LINUX_PT_GPA, PT_GIB * SZ_1G);
	x86_sregs_long(sr, LINUX_PT_GPA);
	sr->cr0 |= X86_CR0_MP | X86_CR0_WP;
	bs->regs.rip = entry;			/* startup_64 */
	bs->regs.rsi = LINUX_ZERO_PAGE_GPA;
	bs->regs.rsp = LINUX_ZERO_PAGE_GPA;	/* startup_64 sets its own */
	bs->regs.rflags = X86_RFLAGS_FIXED;		/* IF = 0 */
}

int linux_load(const void *img, size_t len, void *ram, const struct linux_boot *lb,
	       struct boot_state *bs, char *err, size_t errlen)
{
	const unsigned char *p = img;
	unsigned char *r = ram;
	struct linux_image li;
	uint64_t kernel, initrd = 0, limit = lb->low_ram;
	size_t cmdlen = lb->cmdline ? strlen(lb->cmdline) : 0;
	int ret;

	memset(bs, 0, sizeof(*bs));
	ret = linux_probe(img, len, &li, err, errlen);
	if (ret)
		return ret;
	if (cmdlen > li.cmdline_max)
		return fail(IMAGE_ECMDLINE, err, errlen,
			    "command line too long (%zu bytes; this kernel takes at most %u)",
			    cmdlen, li.cmdline_max);
	if (lb->low_ram < 2 * SZ_1M || lb->low_ram > SZ_4G || lb->low_ram % PAGE)
		return fail(IMAGE_ERAM, err, errlen,
			    "guest RAM below 4 GiB of %llu bytes: Linux needs 2 MiB to 4 GiB, page aligned",
			    (unsigned long long)lb->low_ram);
	if (lb->initrd) {
		initrd = place_initrd(&li, lb->low_ram, lb->initrd_len);
		if (initrd < SZ_1M)
			return fail(IMAGE_EFIT, err, errlen,
				    "initrd of %zu bytes does not fit below the kernel's initrd_addr_max (0x%x) and the end of RAM (0x%llx)",
				    lb->initrd_len, li.initrd_addr_max,
				    (unsigned long long)lb->low_ram);
		limit = initrd;
	}
	kernel = place_kernel(&li, limit);
	if (!kernel)
		return fail(IMAGE_EFIT, err, errlen,
			    "too little RAM for this kernel%s: it needs %llu MiB from 0x%llx (init_size)%s%s, RAM ends at %llu MiB",
			    lb->initrd ? " and initrd" : "",
			    (unsigned long long)(li.init_size + SZ_1M - 1) >> 20,
			    (unsigned long long)(li.relocatable ? SZ_2M : li.pref_address),
			    lb->initrd ? " plus the initrd's " : "",
			    lb->initrd ? "size" : "",
			    (unsigned long long)lb->low_ram >> 20);

	if (li.vmlinux)
		vmlinux_copy(p, r);
	else
		memcpy(r + kernel, p + li.setup_size, li.kernel_size);
	if (initrd)
		memcpy(r + initrd, lb->initrd, lb->initrd_len);
	memset(r + LINUX_CMDLINE_GPA, 0, cmdlen + 1);
	if (cmdlen)
		memcpy(r + LINUX_CMDLINE_GPA, lb->cmdline, cmdlen);
	write_boot_params(&li, r + LINUX_ZERO_PAGE_GPA, lb, kernel, initrd);
	entry_state(r, kernel + li.entry_offset, bs);

	bs->format = IMAGE_LINUX;
	bs->entry = kernel + li.entry_offset;
	bs->load_lo = kernel;
	bs->load_hi = kernel + li.kernel_size;
	bs->boot_area = LINUX_GDT_GPA;
	bs->boot_area_size = LINUX_CMDLINE_GPA + cmdlen + 1 - LINUX_GDT_GPA;
	bs->cmdline_gpa = LINUX_CMDLINE_GPA;
	return IMAGE_OK;
}
