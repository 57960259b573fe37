// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the Multiboot v1 loader (see multiboot.h). Every address the
 * image or the header names is checked against the RAM below 4 GiB before
 * a byte is copied.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "multiboot.h"
#include "x86_boot.h"

#define PAGE		0x1000ULL
#define HOLE_START	0xa0000ULL
#define HOLE_END	0x100000ULL
#define SZ_4G		0x100000000ULL
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

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

bool mb_find_header(const void *img, size_t len, struct mb_header *h)
{
	const unsigned char *p = img;
	size_t off, end = len < MB_SEARCH ? len : MB_SEARCH;

	for (off = 0; off + 12 <= end; off += 4) {
		uint32_t magic = get32(p + off), flags = get32(p + off + 4);

		if (magic != MB_HEADER_MAGIC ||
		    (uint32_t)(magic + flags + get32(p + off + 8)) != 0)
			continue;
		memset(h, 0, sizeof(*h));
		h->offset = off;
		h->flags = flags;
		if ((flags & MB_FLAG_AOUT) && off + 32 <= len) {
			h->header_addr = get32(p + off + 12);
			h->load_addr = get32(p + off + 16);
			h->load_end_addr = get32(p + off + 20);
			h->bss_end_addr = get32(p + off + 24);
			h->entry_addr = get32(p + off + 28);
		}
		return true;
	}
	return false;
}

/* A piece of the image to copy: file bytes, then zeros up to memsz. */
struct seg {
	uint64_t addr, filesz, memsz, offset;
};

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The a.out kludge: one segment from the header's address fields. */
static int aout_segs(const struct mb_header *h, size_t len, struct seg *s, uint64_t *entry,
		     char *err, size_t errlen)
{
	uint64_t off, filesz;

	if (h->offset + 32 > len)
		return fail(IMAGE_EFORMAT, err, errlen, "Multiboot header truncated (a.out fields)");
	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > h->offset)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Multiboot header: load_addr 0x%x does not fit header_addr 0x%x at file offset 0x%x",
			    h->load_addr, h->header_addr, h->offset);
	off = h->offset - (h->header_addr - h->load_addr);
	if (h->load_end_addr) {
		if (h->load_end_addr < h->load_addr)
			return fail(IMAGE_EFORMAT, err, errlen,
				    "Multiboot header: load_end_addr 0x%x below load_addr 0x%x",
				    h->load_end_addr, h->load_addr);
		filesz = h->load_end_addr - h->load_addr;
		if (filesz > len - off)
			return fail(IMAGE_EFORMAT, err, errlen,
				    "Multiboot header: load_end_addr 0x%x is past the end of the file",
				    h->load_end_addr);
	} else {
		filesz = len - off;
	}
	s->addr = h->load_addr;
	s->offset = off;
	s->filesz = filesz;
	s->memsz = filesz;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + filesz)
			return fail(IMAGE_EFORMAT, err, errlen,
				    "Multiboot header: bss_end_addr 0x%x below the end of the load 0x%llx",
				    h->bss_end_addr, (unsigned long long)(h->load_addr + filesz));
		s->memsz = h->bss_end_addr - h->load_addr;
	}
	*entry = h->entry_addr;
	return 1;
}

/* ELF32: its PT_LOAD segments at p_paddr. Returns the count or an error. */
static int elf_segs(const unsigned char *img, size_t len, struct seg *s, uint64_t *entry,
		    char *err, size_t errlen)
{
	const Elf32_Ehdr *eh = (const void *)img;
	const Elf32_Phdr *ph;
	int n = 0;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(img, ELFMAG, SELFMAG))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Multiboot image without the a.out flag (bit 16) is not ELF");
	if (eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_386)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Multiboot ELF image is not ELF32 for i386 (class %u, machine %u)",
			    eh->e_ident[EI_CLASS], eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return fail(IMAGE_EFORMAT, err, errlen, "Multiboot ELF image is not an executable (type %u)",
			    eh->e_type);
	if (eh->e_phentsize != sizeof(*ph) || !eh->e_phnum || eh->e_phnum > MAX_SEGS ||
	    eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(*ph) > len - eh->e_phoff)
		return fail(IMAGE_EFORMAT, err, errlen, "Multiboot ELF image: bad program headers");
	ph = (const void *)(img + eh->e_phoff);
	*entry = eh->e_entry;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf32_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (p->p_filesz > p->p_memsz || p->p_offset > len || p->p_filesz > len - p->p_offset)
			return fail(IMAGE_EFORMAT, err, errlen,
				    "Multiboot ELF image: segment %u lies outside the file", i);
		s[n].addr = p->p_paddr;
		s[n].offset = p->p_offset;
		s[n].filesz = p->p_filesz;
		s[n].memsz = p->p_memsz;
		n++;
		/* A higher-half kernel's entry is virtual: take it to its physical place. */
		if (p->p_vaddr != p->p_paddr && eh->e_entry >= p->p_vaddr &&
		    eh->e_entry - p->p_vaddr < p->p_memsz)
			*entry = eh->e_entry - p->p_vaddr + p->p_paddr;
	}
	if (!n)
		return fail(IMAGE_EFORMAT, err, errlen, "Multiboot ELF image has nothing to load");
	return n;
}

static int get_segs(const void *img, size_t len, struct mb_header *h, struct seg *s,
		    uint64_t *entry, char *err, size_t errlen)
{
	uint32_t unknown;

	if (!mb_find_header(img, len, h))
		return fail(IMAGE_EFORMAT, err, errlen,
			    "no Multiboot header (magic 0x%08x, valid checksum) in the first %d bytes",
			    MB_HEADER_MAGIC, MB_SEARCH);
	unknown = h->flags & 0xfff8;
	if (unknown)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Multiboot header requires features axctl does not know (flags 0x%x)",
			    unknown);
	if (h->flags & MB_FLAG_AOUT)
		return aout_segs(h, len, s, entry, err, errlen);
	return elf_segs(img, len, s, entry, err, errlen);
}

int mb_probe(const void *img, size_t len, char *err, size_t errlen)
{
	struct seg s[MAX_SEGS];
	struct mb_header h;
	uint64_t entry;
	int n = get_segs(img, len, &h, s, &entry, err, errlen);

	return n < 0 ? n : IMAGE_OK;
}

/* --- the boot information ----------------------------------------------------- */

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

struct area {
	unsigned char *ram;
	uint64_t base, used, size;
};

/* Room for len bytes in the info area, 8-byte aligned: the GPA. */
static uint32_t take(struct area *a, const void *data, size_t len)
{
	uint64_t at = a->base + a->used;

	memcpy(a->ram + at, data, len);
	a->used += (len + 7) & ~7ULL;
	return (uint32_t)at;
}

static size_t info_size(const char *name, const char *append, const struct mb_module *mods,
			unsigned int nr_mods)
{
	size_t n = 128 + 4 * sizeof(struct mb_mmap_entry) + 3 * 8 + 16 +
		   (size_t)nr_mods * sizeof(struct mb_module_entry) +
		   strlen(name) + 1 + (append ? strlen(append) + 1 : 0) + 8;
	unsigned int i;

	for (i = 0; i < nr_mods; i++)
		n += strlen(mods[i].string) + 1 + 8;
	return n;
}

static void mmap_entry(struct mb_mmap_entry *e, uint64_t addr, uint64_t len, uint32_t type)
{
	e->size = 20;
	e->addr = addr;
	e->len = len;
	e->type = type;
}

int mb_load(const void *img, size_t len, const char *name, const char *append,
	    const struct mb_module *mods, unsigned int nr_mods, void *ram_,
	    uint64_t low_ram, uint64_t high_ram, struct boot_state *bs,
	    char *err, size_t errlen)
{
	static const char loader[] = "axctl";
	unsigned char *ram = ram_;
	struct mb_module_entry me[MB_MAX_MODULES];
	struct mb_mmap_entry mm[4];
	struct axvm_sregs *sr = &bs->sregs;
	struct seg s[MAX_SEGS];
	struct mb_header h;
	struct mb_info info;
	struct area a;
	uint64_t entry, lo = UINT64_MAX, hi = 0, at, gdt[3];
	char cmdline[MB_CMDLINE_MAX + 1];
	unsigned int i, nmm = 0;
	int n;

	memset(bs, 0, sizeof(*bs));
	if (low_ram > SZ_4G)
		return fail(IMAGE_ERAM, err, errlen, "low RAM above 4 GiB");
	if (low_ram < HOLE_END + PAGE)
		return fail(IMAGE_ERAM, err, errlen,
			    "Multiboot needs more than 1 MiB of guest memory");
	if (nr_mods > MB_MAX_MODULES)
		return fail(IMAGE_EFORMAT, err, errlen, "too many modules (%u, at most %d)",
			    nr_mods, MB_MAX_MODULES);
	if (snprintf(cmdline, sizeof(cmdline), "%s%s%s", name, append ? " " : "",
		     append ? append : "") >= (int)sizeof(cmdline))
		return fail(IMAGE_ECMDLINE, err, errlen,
			    "command line too long for a Multiboot image (at most %d bytes with the image name)",
			    MB_CMDLINE_MAX);
	n = get_segs(img, len, &h, s, &entry, err, errlen);
	if (n < 0)
		return n;
	for (i = 0; i < (unsigned int)n; i++) {
		if (s[i].addr >= low_ram || s[i].memsz > low_ram - s[i].addr)
			return fail(IMAGE_EFIT, err, errlen,
				    "image does not fit in guest memory (0x%llx-0x%llx, RAM below 4 GiB ends at 0x%llx)",
				    (unsigned long long)s[i].addr,
				    (unsigned long long)(s[i].addr + s[i].memsz),
				    (unsigned long long)low_ram);
		if (s[i].addr < lo)
			lo = s[i].addr;
		if (s[i].addr + s[i].memsz > hi)
			hi = s[i].addr + s[i].memsz;
	}
	if (entry < lo || entry >= hi)
		return fail(IMAGE_EFORMAT, err, errlen,
			    "Multiboot entry 0x%llx is outside the loaded image (0x%llx-0x%llx)",
			    (unsigned long long)entry, (unsigned long long)lo,
			    (unsigned long long)hi);
	for (i = 0; i < (unsigned int)n; i++) {
		memcpy(ram + s[i].addr, (const unsigned char *)img + s[i].offset, s[i].filesz);
		memset(ram + s[i].addr + s[i].filesz, 0, s[i].memsz - s[i].filesz);
	}

	/* Modules, page aligned after the image. */
	at = page_up(hi);
	for (i = 0; i < nr_mods; i++) {
		if (at >= low_ram || mods[i].len > low_ram - at || at + mods[i].len > UINT32_MAX)
			return fail(IMAGE_EFIT, err, errlen,
				    "module %s does not fit in guest memory (%zu bytes at 0x%llx)",
				    mods[i].string, mods[i].len, (unsigned long long)at);
		memcpy(ram + at, mods[i].data, mods[i].len);
		me[i].mod_start = at;
		me[i].mod_end = at + mods[i].len;
		me[i].reserved = 0;
		at = page_up(at + mods[i].len);
	}

	/* The info area: on the next page, out of the VGA/BIOS hole. */
	a.ram = ram;
	a.base = at;
	a.used = 0;
	a.size = page_up(info_size(name, append, mods, nr_mods));
	if (overlaps(a.base, a.size, HOLE_START, HOLE_END - HOLE_START))
		a.base = HOLE_END > at ? HOLE_END : at;
	if (a.base >= low_ram || a.size > low_ram - a.base)
		return fail(IMAGE_EFIT, err, errlen,
			    "image does not fit in guest memory (no room for the Multiboot information after 0x%llx)",
			    (unsigned long long)a.base);
	memset(ram + a.base, 0, a.size);

	memset(&info, 0, sizeof(info));
	a.used = 128;	/* the info structure itself, written last */
	info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_LOADER |
		     (nr_mods ? MB_INFO_MODS : 0);
	info.mem_lower = HOLE_START >> 10;
	info.mem_upper = (low_ram - HOLE_END) >> 10;
	mmap_entry(&mm[nmm++], 0, HOLE_START, 1);
	mmap_entry(&mm[nmm++], HOLE_START, HOLE_END - HOLE_START, 2);
	mmap_entry(&mm[nmm++], HOLE_END, low_ram - HOLE_END, 1);
	if (high_ram)
		mmap_entry(&mm[nmm++], SZ_4G, high_ram, 1);
	info.mmap_length = nmm * sizeof(mm[0]);
	info.mmap_addr = take(&a, mm, info.mmap_length);
	info.cmdline = take(&a, cmdline, strlen(cmdline) + 1);
	info.boot_loader_name = take(&a, loader, sizeof(loader));
	for (i = 0; i < nr_mods; i++)
		me[i].string = take(&a, mods[i].string, strlen(mods[i].string) + 1);
	if (nr_mods) {
		info.mods_count = nr_mods;
		info.mods_addr = take(&a, me, nr_mods * sizeof(me[0]));
	}
	memcpy(ram + a.base, &info, sizeof(info));

	/* A GDT that matches the segment registers: null, code 0x08, data 0x10. */
	/*
	 * VM entry wants a usable busy TSS in TR (selector 0, base 0); no task
	 * switch ever uses it. CR0.NE is not set: the spec leaves it to the OS.
	 */
	x86_sregs_flat(sr, MB_SEL_CODE, false, MB_SEL_DATA, 0, 0);
	sr->cr0 = X86_CR0_PE | X86_CR0_ET;
	gdt[0] = 0;
	gdt[1] = x86_seg_descriptor(&sr->cs);
	gdt[2] = x86_seg_descriptor(&sr->ds);
	sr->gdt.base = take(&a, gdt, sizeof(gdt));
	sr->gdt.limit = sizeof(gdt) - 1;

	bs->format = IMAGE_MULTIBOOT;
	bs->entry = entry;
	bs->load_lo = lo;
	bs->load_hi = hi;
	bs->boot_area = a.base;
	bs->boot_area_size = a.size;
	bs->cmdline_gpa = info.cmdline;
	bs->regs.rax = MB_BOOT_MAGIC;
	bs->regs.rbx = a.base;
	bs->regs.rip = entry;
	bs->regs.rflags = X86_RFLAGS_FIXED;
	bs->regs.rsp = overlaps(lo, a.base + a.size - lo, MB_STACK - 0x10000, 0x10000) ? 0 : MB_STACK;
	return IMAGE_OK;
}
