// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page walk of the gdb stub (gdb_mem.h), SDM Vol. 3A, 4.3
 * "32-Bit Paging", 4.4 "PAE Paging" and 4.5 "4-Level Paging and 5-Level
 * Paging": each level takes 9 (10 for 32-bit paging) bits of the linear
 * address, an entry with P=0 ends the walk, PS=1 in a PDE (or PDPTE in
 * the 64-bit modes) maps a large page.
 */
#include "gdb_mem.h"

#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LMA	(1ULL << 10)
#define PTE_P		1ULL
#define PTE_PS		(1ULL << 7)
/* Bits 51:12 of a 64-bit entry: the next table or the page frame. */
#define ADDR_MASK	0x000ffffffffff000ULL

static bool walk32(const struct gdb_paging *pg, uint64_t la, gdb_phys_read rd, void *arg,
		   uint64_t *gpa, uint64_t *size)
{
	uint64_t pde, pte;

	la &= 0xffffffffULL;
	if (!rd(arg, (pg->cr3 & 0xfffff000ULL) + (la >> 22) * 4, 4, &pde) || !(pde & PTE_P))
		return false;
	if ((pde & PTE_PS) && (pg->cr4 & CR4_PSE)) {
		/* Bits 20:13 of the PDE are bits 39:32 of the frame (PSE-36). */
		*size = 1ULL << 22;
		*gpa = (pde & 0xffc00000ULL) | ((pde >> 13 & 0xff) << 32) | (la & (*size - 1));
		return true;
	}
	if (!rd(arg, (pde & 0xfffff000ULL) + (la >> 12 & 0x3ff) * 4, 4, &pte) || !(pte & PTE_P))
		return false;
	*size = 1ULL << 12;
	*gpa = (pte & 0xfffff000ULL) | (la & 0xfff);
	return true;
}

/* PAE and the 64-bit modes: 8-byte entries, 9 bits a level. */
static bool walk64(const struct gdb_paging *pg, uint64_t la, gdb_phys_read rd, void *arg,
		   uint64_t *gpa, uint64_t *size)
{
	int levels, shift;
	uint64_t table, e;

	if (pg->efer & EFER_LMA) {
		levels = pg->cr4 & CR4_LA57 ? 5 : 4;
		table = pg->cr3 & ADDR_MASK;
	} else {
		/* PAE: CR3 bits 31:5 point at four PDPTEs, LA bits 31:30 pick one. */
		la &= 0xffffffffULL;
		if (!rd(arg, (pg->cr3 & 0xffffffe0ULL) + (la >> 30) * 8, 8, &e) || !(e & PTE_P))
			return false;
		levels = 2;
		table = e & ADDR_MASK;
	}
	for (shift = 12 + 9 * (levels - 1); ; shift -= 9) {
		if (!rd(arg, table + (la >> shift & 0x1ff) * 8, 8, &e) || !(e & PTE_P))
			return false;
		/* PS in a PDPTE (1 GiB) or PDE (2 MiB); at 4 KiB it is PAT. */
		if (shift == 12 || ((shift == 21 || shift == 30) && (e & PTE_PS))) {
			*size = 1ULL << shift;
			*gpa = (e & ADDR_MASK & ~(*size - 1)) | (la & (*size - 1));
			return true;
		}
		table = e & ADDR_MASK;
	}
}

bool gdb_translate(const struct gdb_paging *pg, uint64_t la, gdb_phys_read rd, void *arg,
		   uint64_t *gpa, uint64_t *room)
{
	uint64_t size;
	bool ok;

	if (!(pg->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffULL;	/* no paging: 32-bit linear addresses */
		*room = 4096 - (la & 0xfff);
		return true;
	}
	if (pg->cr4 & CR4_PAE)
		ok = walk64(pg, la, rd, arg, gpa, &size);
	else
		ok = walk32(pg, la, rd, arg, gpa, &size);
	if (ok)
		*room = size - (*gpa & (size - 1));
	return ok;
}
