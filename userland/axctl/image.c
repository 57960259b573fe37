// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: load a guest image (ELF64 or flat) into guest RAM and build the
 * state to enter it. See image.h for the boot protocol.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "linux.h"
#include "multiboot.h"
#include "x86_boot.h"

#define PAGE		0x1000ULL
#define SZ_1G		0x40000000ULL
#define MAX_SEGS	64

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

bool image_format_parse(const char *s, enum image_format *fmt)
{
	if (!strcmp(s, "auto"))
		*fmt = IMAGE_AUTO;
	else if (!strcmp(s, "flat"))
		*fmt = IMAGE_FLAT;
	else if (!strcmp(s, "elf"))
		*fmt = IMAGE_ELF;
	else if (!strcmp(s, "multiboot"))
		*fmt = IMAGE_MULTIBOOT;
	else if (!strcmp(s, "linux"))
		*fmt = IMAGE_LINUX;
	else
		return false;
	return true;
}

const char *image_format_name(enum image_format fmt)
{
	switch (fmt) {
	case IMAGE_FLAT:
		return "flat";
	case IMAGE_ELF:
		return "ELF64";
	case IMAGE_MULTIBOOT:
		return "Multiboot";
	case IMAGE_LINUX:
		return "Linux";
	default:
		return "auto";
	}
}

static bool has_elf_magic(const void *img, size_t len)
{
	return len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG);
}

/* [a, a + alen) and [b, b + blen) intersect (no wrap: checked before). */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* The ELF header and program headers: checked, or an error. */
static int elf_check(const unsigned char *img, size_t len, const Elf64_Ehdr **ehp,
		     const Elf64_Phdr **php, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	uint64_t ph_end;

	if (!has_elf_magic(img, len))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (no ELF magic)");
	if (len >= EI_NIDENT && img[EI_CLASS] != ELFCLASS64)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (an ELF file, but not 64-bit)");
	if (len < sizeof(*eh))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (truncated ELF header)");
	if (img[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (ELF64, but not for x86-64)");
	if (eh->e_type != ET_EXEC)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (ELF64, but not an executable: type %u; link with -static -no-pie)",
			    eh->e_type);
	if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (no usable program headers)");
	ph_end = eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > len || ph_end > len || ph_end < eh->e_phoff)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (program headers past the end of the file)");
	if (eh->e_phoff % _Alignof(Elf64_Phdr))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (misaligned program headers)");
	*ehp = eh;
	*php = (const Elf64_Phdr *)(img + eh->e_phoff);
	return IMAGE_OK;
}

/* Segments of an ELF image: checked against the file, no RAM involved. */
static int elf_check_segments(const unsigned char *img, size_t len,
			      const Elf64_Ehdr *eh, const Elf64_Phdr *ph,
			      char *err, size_t errlen)
{
	unsigned int i, loads = 0;

	(void)img;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD)
			continue;
		loads++;
		if (p->p_filesz > p->p_memsz)
			return fail(IMAGE_EFORMAT, err, errlen,
				    "image is not ELF64 or flat (segment %u: file size > memory size)", i);
		if (p->p_offset > len || p->p_filesz > len - p->p_offset)
			return fail(IMAGE_EFORMAT, err, errlen,
				    "image is not ELF64 or flat (segment %u past the end of the file)", i);
		if (p->p_paddr + p->p_memsz < p->p_paddr)
			return fail(IMAGE_EFIT, err, errlen,
				    "image does not fit in guest memory (segment %u wraps around)", i);
	}
	if (!loads)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (no PT_LOAD segment)");
	if (loads > MAX_SEGS)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "image is not ELF64 or flat (more than %d PT_LOAD segments)", MAX_SEGS);
	return IMAGE_OK;
}

int image_elf_check(const void *img, size_t len, const Elf64_Ehdr **ehp,
		    const Elf64_Phdr **php, char *err, size_t errlen)
{
	int r = elf_check(img, len, ehp, php, err, errlen);

	return r ? r : elf_check_segments(img, len, *ehp, *php, err, errlen);
}

int image_probe(const void *img, size_t len, enum image_format fmt,
		char *err, size_t errlen)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	int r;

	if (len == 0)
		return fail(IMAGE_EFORMAT, err, errlen, "image is not ELF64 or flat (empty file)");
	if (fmt == IMAGE_AUTO) {
		struct mb_header h;

		/* Multiboot first: such an image is often ELF32 too. */
		if (mb_find_header(img, len, &h))
			fmt = IMAGE_MULTIBOOT;
		else if (linux_is_bzimage(img, len) || linux_is_vmlinux(img, len))
			fmt = IMAGE_LINUX;
		else
			fmt = has_elf_magic(img, len) ? IMAGE_ELF : IMAGE_FLAT;
	}
	if (fmt == IMAGE_MULTIBOOT) {
		r = mb_probe(img, len, err, errlen);
		return r ? r : IMAGE_MULTIBOOT;
	}
	if (fmt == IMAGE_LINUX) {
		struct linux_image li;

		r = linux_probe(img, len, &li, err, errlen);
		return r ? r : IMAGE_LINUX;
	}
	if (fmt == IMAGE_FLAT && linux_is_bzimage(img, len))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "this is a Linux bzImage, not a flat binary: drop --format flat (or use --format linux)");
	if (fmt == IMAGE_FLAT)
		return IMAGE_FLAT;
	if (linux_is_vmlinux(img, len))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "this is a Linux vmlinux, which needs the Linux boot protocol: drop --format elf (or use --format linux)");
	r = image_elf_check(img, len, &eh, &ph, err, errlen);
	return r ? r : IMAGE_ELF;
}

/* --- flat ------------------------------------------------------------- */

static int load_flat(const void *img, size_t len, unsigned char *ram, uint64_t ram_size,
		     const char *cmdline, struct boot_state *bs, char *err, size_t errlen)
{
	struct axvm_sregs *sr = &bs->sregs;

	if (ram_size < FLAT_LOAD_GPA || len > ram_size - FLAT_LOAD_GPA)
		return fail(IMAGE_EFIT, err, errlen,
			    "image does not fit in guest memory (%zu bytes at 0x%llx, RAM ends at 0x%llx)",
			    len, FLAT_LOAD_GPA, (unsigned long long)ram_size);
	if (cmdline && strlen(cmdline) > FLAT_CMDLINE_MAX)
		return fail(IMAGE_ECMDLINE, err, errlen,
			    "command line too long for a flat image (%zu bytes, at most %d)",
			    strlen(cmdline), FLAT_CMDLINE_MAX);
	memcpy(ram + FLAT_LOAD_GPA, img, len);
	bs->format = IMAGE_FLAT;
	bs->entry = FLAT_LOAD_GPA;
	bs->load_lo = FLAT_LOAD_GPA;
	bs->load_hi = FLAT_LOAD_GPA + len;
	if (cmdline) {
		memcpy(ram + FLAT_CMDLINE_GPA, cmdline, strlen(cmdline) + 1);
		bs->cmdline_gpa = FLAT_CMDLINE_GPA;
	}

	x86_sregs_real(sr, 0);

	bs->regs.rip = FLAT_LOAD_GPA;
	bs->regs.rsp = FLAT_STACK_TOP;
	bs->regs.rdi = bs->cmdline_gpa;
	bs->regs.rflags = X86_RFLAGS_FIXED;
	return IMAGE_OK;
}

/* --- ELF64 in long mode ------------------------------------------------ */

struct range {
	uint64_t start, len;
};

/*
 * The lowest page-aligned place of size bytes at or above 0x1000 that
 * overlaps none of the ranges and ends below limit; 0 if none.
 */
static uint64_t find_hole(const struct range *r, unsigned int n, uint64_t size,
			  uint64_t limit)
{
	uint64_t at = PAGE;
	bool moved = true;
	unsigned int i;

	while (moved) {
		moved = false;
		for (i = 0; i < n; i++) {
			if (overlaps(at, size, r[i].start, r[i].len)) {
				at = (r[i].start + r[i].len + PAGE - 1) & ~(PAGE - 1);
				moved = true;
			}
		}
		if (at > limit || size > limit - at)
			return 0;
	}
	return at;
}

static void write_gdt(unsigned char *ram, uint64_t gdt, uint64_t tss)
{
	uint64_t desc[GDT_ENTRIES] = { 0 };
	struct axvm_segment s;

	x86_seg_flat(&s, SEL_CODE64, X86_SEG_CODE, true);
	desc[SEL_CODE64 / 8] = x86_seg_descriptor(&s);
	x86_seg_flat(&s, SEL_DATA, X86_SEG_DATA, false);
	desc[SEL_DATA / 8] = x86_seg_descriptor(&s);
	/* The TSS descriptor is "available" (9) in memory, busy in TR. */
	x86_seg_tss(&s, SEL_TSS, tss, TSS_LIMIT);
	s.type = X86_SEG_TSS_AVAIL;
	desc[SEL_TSS / 8] = x86_seg_descriptor(&s);
	desc[SEL_TSS / 8 + 1] = tss >> 32;
	memcpy(ram + gdt, desc, sizeof(desc));
	memset(ram + tss, 0, TSS_LIMIT + 1);
	/* I/O map base past the limit: no I/O permission bitmap. */
	ram[tss + 0x66] = (TSS_LIMIT + 1) & 0xff;
	ram[tss + 0x67] = (TSS_LIMIT + 1) >> 8;
}

static int elf_check_ram(uint64_t ram_size, const char *cmdline, char *err, size_t errlen)
{
	if (ram_size > ELF_MAX_RAM)
		return fail(IMAGE_ERAM, err, errlen,
			    "guest RAM of %llu bytes: at most 512G for ELF images",
			    (unsigned long long)ram_size);
	if (ram_size < 2 * ELF_STACK_RESERVE)
		return fail(IMAGE_EFIT, err, errlen,
			    "image does not fit in guest memory (RAM of %llu bytes)",
			    (unsigned long long)ram_size);
	if (cmdline && strlen(cmdline) > ELF_CMDLINE_MAX)
		return fail(IMAGE_ECMDLINE, err, errlen,
			    "command line too long (%zu bytes, at most %d)",
			    strlen(cmdline), ELF_CMDLINE_MAX);
	return IMAGE_OK;
}

/*
 * Where the PT_LOAD segments go, below stack_lo: used[] gets their ranges
 * (*n of them), bs->load_lo/load_hi their span.
 */
static int elf_place(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t stack_lo,
		     struct range *used, unsigned int *n, struct boot_state *bs,
		     char *err, size_t errlen)
{
	unsigned int i;

	*n = 0;
	bs->load_lo = ~0ULL;
	bs->load_hi = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (p->p_paddr >= stack_lo || p->p_memsz > stack_lo - p->p_paddr)
			return fail(IMAGE_EFIT, err, errlen,
				    "image does not fit in guest memory (segment %u at 0x%llx-0x%llx; usable RAM ends at 0x%llx)",
				    i, (unsigned long long)p->p_paddr,
				    (unsigned long long)(p->p_paddr + p->p_memsz),
				    (unsigned long long)stack_lo);
		used[*n].start = p->p_paddr;
		used[*n].len = p->p_memsz;
		(*n)++;
		if (p->p_paddr < bs->load_lo)
			bs->load_lo = p->p_paddr;
		if (p->p_paddr + p->p_memsz > bs->load_hi)
			bs->load_hi = p->p_paddr + p->p_memsz;
	}
	if (eh->e_entry >= stack_lo || !*n)
		return fail(IMAGE_EFIT, err, errlen,
			    "image does not fit in guest memory (entry point 0x%llx outside usable RAM)",
			    (unsigned long long)eh->e_entry);
	return IMAGE_OK;
}

/* Copy the segments, zero their bss. */
static void elf_copy(const unsigned char *img, const Elf64_Ehdr *eh, const Elf64_Phdr *ph,
		     unsigned char *ram)
{
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		memcpy(ram + p->p_paddr, img + p->p_offset, p->p_filesz);
		memset(ram + p->p_paddr + p->p_filesz, 0, p->p_memsz - p->p_filesz);
	}
}

/*
 * The boot area at area (bs->boot_area_size bytes): GDT and TSS, the
 * command line page, PML4, PDPT, PDs; then long mode at entry.
 */
static void elf_boot_state(unsigned char *ram, uint64_t ram_size, uint64_t area,
			   const char *cmdline, uint64_t entry, struct boot_state *bs)
{
	uint64_t gdt = area, tss = area + 0x100, cmd = area + PAGE, pml4 = area + 2 * PAGE;
	struct axvm_sregs *sr = &bs->sregs;

	write_gdt(ram, gdt, tss);
	/* PML4, PDPT, then one PD per GiB: all RAM, 2 MiB pages. */
	x86_identity_map(ram + pml4, pml4, ram_size);
	memset(ram + cmd, 0, PAGE);
	if (cmdline) {
		memcpy(ram + cmd, cmdline, strlen(cmdline) + 1);
		bs->cmdline_gpa = cmd;
	}
	bs->format = IMAGE_ELF;
	bs->entry = entry;
	bs->boot_area = area;

	x86_sregs_flat(sr, SEL_CODE64, true, SEL_DATA, SEL_TSS, tss);
	x86_sregs_long(sr, pml4);
	sr->gdt.base = gdt;
	sr->gdt.limit = GDT_ENTRIES * 8 - 1;
	/* SSE usable from the start, as a 64-bit kernel expects. */
	sr->cr0 |= X86_CR0_MP | X86_CR0_WP;
	sr->cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	bs->regs.rip = entry;
	bs->regs.rsp = ram_size - ELF_STACK_MARGIN;
	bs->regs.rdi = bs->cmdline_gpa;
	bs->regs.rsi = ram_size;
	bs->regs.rflags = X86_RFLAGS_FIXED;
}

static int load_elf(const unsigned char *img, size_t len, unsigned char *ram,
		    uint64_t ram_size, const char *cmdline, struct boot_state *bs,
		    char *err, size_t errlen)
{
	struct range used[MAX_SEGS + 1];
	uint64_t npd, area_size, area, stack_lo;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	unsigned int n;
	int r;

	r = elf_check(img, len, &eh, &ph, err, errlen);
	if (!r)
		r = elf_check_segments(img, len, eh, ph, err, errlen);
	if (!r)
		r = elf_check_ram(ram_size, cmdline, err, errlen);
	if (r)
		return r;
	stack_lo = ram_size - ELF_STACK_RESERVE;
	r = elf_place(eh, ph, stack_lo, used, &n, bs, err, errlen);
	if (r)
		return r;

	/* GDT+TSS page, command line page, PML4, PDPT, PDs. */
	npd = (ram_size + SZ_1G - 1) / SZ_1G;
	area_size = (4 + npd) * PAGE;
	/* Page 0 stays free: a null pointer in the guest reads zeros, not tables. */
	used[n].start = 0;
	used[n].len = PAGE;
	area = find_hole(used, n + 1, area_size, stack_lo);
	if (!area)
		return fail(IMAGE_EFIT, err, errlen,
			    "image does not fit in guest memory (no room for %llu KiB of page tables)",
			    (unsigned long long)(area_size >> 10));
	elf_copy(img, eh, ph, ram);
	bs->boot_area_size = area_size;
	elf_boot_state(ram, ram_size, area, cmdline, eh->e_entry, bs);
	return IMAGE_OK;
}

int image_load(const void *img, size_t len, enum image_format fmt, void *ram,
	       uint64_t ram_size, const char *cmdline, struct boot_state *bs,
	       char *err, size_t errlen)
{
	int r;

	memset(bs, 0, sizeof(*bs));
	r = image_probe(img, len, fmt, err, errlen);
	if (r < 0)
		return r;
	if (r == IMAGE_MULTIBOOT)
		return mb_load(img, len, "kernel", cmdline, NULL, 0, ram,
			       ram_size < (1ULL << 32) ? ram_size : (1ULL << 32), 0, bs,
			       err, errlen);
	if (r == IMAGE_LINUX) {
		struct linux_boot lb = { .cmdline = cmdline, .low_ram = ram_size };

		return linux_load(img, len, ram, &lb, bs, err, errlen);
	}
	if (r == IMAGE_FLAT)
		return load_flat(img, len, ram, ram_size, cmdline, bs, err, errlen);
	return load_elf(img, len, ram, ram_size, cmdline, bs, err, errlen);
}
