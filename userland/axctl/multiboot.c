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

/* What mb_load() is given and builds, for its steps. */
struct mb_job {
	unsigned char *ram;
	uint64_t low_ram, high_ram;
	const char *name, *append;
	const struct mb_module *mods;
	unsigned int nr_mods;
	char cmdline[MB_CMDLINE_MAX + 1];
	uint64_t entry, lo, hi;		/* the image */
	struct mb_module_entry me[MB_MAX_MODULES];
	struct area a;			/* the information */
	char *err;
	size_t errlen;
};

static int check_job(struct mb_job *j)
{
	if (j->low_ram > SZ_4G)
		return fail(IMAGE_ERAM, j->err, j->errlen, "low RAM above 4 GiB");
	if (j->low_ram < HOLE_END + PAGE)
		return fail(IMAGE_ERAM, j->err, j->errlen,
			    "Multiboot needs more than 1 MiB of guest memory");
	if (j->nr_mods > MB_MAX_MODULES)
		return fail(IMAGE_EFORMAT, j->err, j->errlen, "too many modules (%u, at most %d)",
			    j->nr_mods, MB_MAX_MODULES);
	if (snprintf(j->cmdline, sizeof(j->cmdline), "%s%s%s", j->name, j->append ? " " : "",
		     j->append ? j->append : "") >= (int)sizeof(j->cmdline))
		return fail(IMAGE_ECMDLINE, j->err, j->errlen,
			    "command line too long for a Multiboot image (at most %d bytes with the image name)",
			    MB_CMDLINE_MAX);
	return IMAGE_OK;
}

/* The image's segments into RAM below 4 GiB: j->entry, lo, hi. */
static int load_image(struct mb_job *j, const void *img, size_t len)
{
	struct seg s[MAX_SEGS];
	struct mb_header h;
	unsigned int i;
	int n;

	n = get_segs(img, len, &h, s, &j->entry, j->err, j->errlen);
	if (n < 0)
		return n;
	j->lo = UINT64_MAX;
	j->hi = 0;
	for (i = 0; i < (unsigned int)n; i++) {
		if (s[i].addr >= j->low_ram || s[i].memsz > j->low_ram - s[i].addr)
			return fail(IMAGE_EFIT, j->err, j->errlen,
				    "image does not fit in guest memory (0x%llx-0x%llx, RAM below 4 GiB ends at 0x%llx)",
				    (unsigned long long)s[i].addr,
				    (unsigned long long)(s[i].addr + s[i].memsz),
				    (unsigned long long)j->low_ram);
		if (s[i].addr < j->lo)
			j->lo = s[i].addr;
		if (s[i].addr + s[i].memsz > j->hi)
			j->hi = s[i].addr + s[i].memsz;
	}
	if (j->entry < j->lo || j->entry >= j->hi)
		return fail(IMAGE_EFORMAT, j->err, j->errlen,
			    "Multiboot entry 0x%llx is outside the loaded image (0x%llx-0x%llx)",
			    (unsigned long long)j->entry, (unsigned long long)j->lo,
			    (unsigned long long)j->hi);
	for (i = 0; i < (unsigned int)n; i++) {
		memcpy(j->ram + s[i].addr, (const unsigned char *)img + s[i].offset, s[i].filesz);
		memset(j->ram + s[i].addr + s[i].filesz, 0, s[i].memsz - s[i].filesz);
	}
	return IMAGE_OK;
}

/* Modules, page aligned after the image; *at: the page after the last. */
static int load_modules(struct mb_job *j, uint64_t *at)
{
	unsigned int i;

	*at = page_up(j->hi);
	for (i = 0; i < j->nr_mods; i++) {
		const struct mb_module *m = &j->mods[i];

		if (*at >= j->low_ram || m->len > j->low_ram - *at || *at + m->len > UINT32_MAX)
			return fail(IMAGE_EFIT, j->err, j->errlen,
				    "module %s does not fit in guest memory (%zu bytes at 0x%llx)",
				    m->string, m->len, (unsigned long long)*at);
		memcpy(j->ram + *at, m->data, m->len);
		j->me[i].mod_start = *at;
		j->me[i].mod_end = *at + m->len;
		j->me[i].reserved = 0;
		*at = page_up(*at + m->len);
	}
	return IMAGE_OK;
}

/* The info area: at at, or past the VGA/BIOS hole; zeroed. */
static int place_info(struct mb_job *j, uint64_t at)
{
	struct area *a = &j->a;

	a->ram = j->ram;
	a->base = at;
	a->used = 0;
	a->size = page_up(info_size(j->name, j->append, j->mods, j->nr_mods));
	if (overlaps(a->base, a->size, HOLE_START, HOLE_END - HOLE_START))
		a->base = HOLE_END > at ? HOLE_END : at;
	if (a->base >= j->low_ram || a->size > j->low_ram - a->base)
		return fail(IMAGE_EFIT, j->err, j->errlen,
			    "image does not fit in guest memory (no room for the Multiboot information after 0x%llx)",
			    (unsigned long long)a->base);
	memset(j->ram + a->base, 0, a->size);
	return IMAGE_OK;
}

/* The info structure and what it points to; returns the command line's address. */
static uint32_t write_info(struct mb_job *j)
{
	static const char loader[] = "axctl";
	struct mb_mmap_entry mm[4];
	struct area *a = &j->a;
	struct mb_info info;
	unsigned int i, nmm = 0;

	memset(&info, 0, sizeof(info));
	a->used = 128;	/* the info structure itself, written last */
	info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_LOADER |
		     (j->nr_mods ? MB_INFO_MODS : 0);
	info.mem_lower = HOLE_START >> 10;
	info.mem_upper = (j->low_ram - HOLE_END) >> 10;
	mmap_entry(&mm[nmm++], 0, HOLE_START, MB_MMAP_RAM);
	mmap_entry(&mm[nmm++], HOLE_START, HOLE_END - HOLE_START, MB_MMAP_RESERVED);
	mmap_entry(&mm[nmm++], HOLE_END, j->low_ram - HOLE_END, MB_MMAP_RAM);
	if (j->high_ram)
		mmap_entry(&mm[nmm++], SZ_4G, j->high_ram, MB_MMAP_RAM);
	info.mmap_length = nmm * sizeof(mm[0]);
	info.mmap_addr = take(a, mm, info.mmap_length);
	info.cmdline = take(a, j->cmdline, strlen(j->cmdline) + 1);
	info.boot_loader_name = take(a, loader, sizeof(loader));
	for (i = 0; i < j->nr_mods; i++)
		j->me[i].string = take(a, j->mods[i].string, strlen(j->mods[i].string) + 1);
	if (j->nr_mods) {
		info.mods_count = j->nr_mods;
		info.mods_addr = take(a, j->me, j->nr_mods * sizeof(j->me[0]));
	}
	memcpy(j->ram + a->base, &info, sizeof(info));
	return info.cmdline;
}

/* The machine state at entry (see multiboot.h), with a GDT in the info area. */
static void set_boot_state(struct mb_job *j, struct boot_state *bs)
{
	struct axvm_sregs *sr = &bs->sregs;
	uint64_t gdt[3];

	/*
	 * VM entry wants a usable busy TSS in TR (selector 0, base 0); no task
	 * switch ever uses it. CR0.NE is not set: the spec leaves it to the OS.
	 */
	x86_sregs_flat(sr, MB_SEL_CODE, false, MB_SEL_DATA, 0, 0);
	sr->cr0 = X86_CR0_PE | X86_CR0_ET;
	/* A GDT that matches the segment registers: null, code 0x08, data 0x10. */
	gdt[0] = 0;
	gdt[1] = x86_seg_descriptor(&sr->cs);
	gdt[2] = x86_seg_descriptor(&sr->ds);
	sr->gdt.base = take(&j->a, gdt, sizeof(gdt));
	sr->gdt.limit = sizeof(gdt) - 1;

	bs->format = IMAGE_MULTIBOOT;
	bs->entry = j->entry;
	bs->load_lo = j->lo;
	bs->load_hi = j->hi;
	bs->boot_area = j->a.base;
	bs->boot_area_size = j->a.size;
	bs->regs.rax = MB_BOOT_MAGIC;
	bs->regs.rbx = j->a.base;
	bs->regs.rip = j->entry;
	bs->regs.rflags = X86_RFLAGS_FIXED;
	bs->regs.rsp = overlaps(j->lo, j->a.base + j->a.size - j->lo, MB_STACK - 0x10000,
				0x10000) ? 0 : MB_STACK;
}

int mb_load(const void *img, size_t len, const char *name, const char *append,
	    const struct mb_module *mods, unsigned int nr_mods, void *ram,
	    uint64_t low_ram, uint64_t high_ram, struct boot_state *bs,
	    char *err, size_t errlen)
{
	struct mb_job j;
	uint64_t at;
	int r;

	memset(bs, 0, sizeof(*bs));
	memset(&j, 0, sizeof(j));
	j.ram = ram;
	j.low_ram = low_ram;
	j.high_ram = high_ram;
	j.name = name;
	j.append = append;
	j.mods = mods;
	j.nr_mods = nr_mods;
	j.err = err;
	j.errlen = errlen;
	r = check_job(&j);
	if (!r)
		r = load_image(&j, img, len);
	if (!r)
		r = load_modules(&j, &at);
	if (!r)
		r = place_info(&j, at);
	if (r)
		return r;
	bs->cmdline_gpa = write_info(&j);
	set_boot_state(&j, bs);
	return IMAGE_OK;
}
