/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How userspace sets up an x86 guest's first state, once for axctl's
 * loaders (userland/axctl/image.c, multiboot.c), the selftests' mode
 * helpers (tests/selftests/lib/axvm_util.c) and the bench
 * (tests/bench/bench_axvm.c, bench_kvm.c through its KVM copy): segment
 * registers, their GDT descriptors, the control registers of each mode and
 * identity-mapped page tables. Header-only (static inline): every user
 * builds it with its own flags, nothing to link.
 *
 * Intel SDM (Vol. 3A) references: 3.4.5 "Segment Descriptors" for the
 * descriptor layout, 3.4.5.1 "Code- and Data-Segment Descriptor Types",
 * 7.2.2 "TSS Descriptor" (type 9 available, 11 busy), 9.1.1 "Processor
 * State After Reset" for real mode, 4.5 "4-Level Paging and 5-Level
 * Paging" for the tables (a PDE with PS maps 2 MiB), 27.3.1.2 "Checks on
 * Guest Segment Registers" (TR must be a busy TSS, LDTR may be unusable).
 */
#ifndef AXVM_X86_BOOT_H
#define AXVM_X86_BOOT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/axvm.h>

#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_MP		(1ULL << 1)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_WP		(1ULL << 16)
#define X86_CR0_PG		(1ULL << 31)
#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_OSFXSR		(1ULL << 9)
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define X86_RFLAGS_FIXED	(1ULL << 1)

#define X86_PTE_P		(1ULL << 0)
#define X86_PTE_RW		(1ULL << 1)
#define X86_PTE_PS		(1ULL << 7)

#define X86_SEG_CODE		0xb	/* execute/read, accessed */
#define X86_SEG_DATA		0x3	/* read/write, accessed */
#define X86_SEG_TSS_AVAIL	9	/* 32/64-bit TSS, available */
#define X86_SEG_TSS_BUSY	11	/* 32/64-bit TSS, busy */
#define X86_TSS_LIMIT		0x67	/* a TSS without I/O bitmap */

/* A flat 4 GiB code or data segment (code64: a long-mode code segment). */
static inline void x86_seg_flat(struct axvm_segment *s, uint16_t sel, uint8_t type,
				bool code64)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;	/* byte granular: 0xfffff pages */
	s->selector = sel;
	s->type = type;
	s->s = 1;
	s->present = 1;
	s->l = code64;
	s->db = !code64;
	s->g = 1;
}

/* A real-mode segment: base = selector << 4, 64 KiB. */
static inline void x86_seg_real(struct axvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = (uint64_t)sel << 4;
	s->limit = 0xffff;
	s->selector = sel;
	s->type = type;
	s->s = 1;
	s->present = 1;
}

/* TR: a busy TSS (what VM entry wants in TR, in every mode). */
static inline void x86_seg_tss(struct axvm_segment *s, uint16_t sel, uint64_t base,
			       uint32_t limit)
{
	memset(s, 0, sizeof(*s));
	s->base = base;
	s->limit = limit;
	s->selector = sel;
	s->type = X86_SEG_TSS_BUSY;
	s->present = 1;
}

static inline void x86_seg_unusable(struct axvm_segment *s)
{
	memset(s, 0, sizeof(*s));
	s->unusable = 1;
}

/* The 8-byte descriptor that loads as *s (the low half for system segments). */
static inline uint64_t x86_seg_descriptor(const struct axvm_segment *s)
{
	uint32_t limit = s->g ? s->limit >> 12 : s->limit;
	uint64_t d = 0;

	d |= limit & 0xffff;
	d |= (s->base & 0xffffffULL) << 16;
	d |= (uint64_t)(s->type & 0xf) << 40;
	d |= (uint64_t)(s->s & 1) << 44;
	d |= (uint64_t)(s->dpl & 3) << 45;
	d |= (uint64_t)(s->present & 1) << 47;
	d |= (uint64_t)((limit >> 16) & 0xf) << 48;
	d |= (uint64_t)(s->avl & 1) << 52;
	d |= (uint64_t)(s->l & 1) << 53;
	d |= (uint64_t)(s->db & 1) << 54;
	d |= (uint64_t)(s->g & 1) << 55;
	d |= ((s->base >> 24) & 0xffULL) << 56;
	return d;
}

/*
 * Real mode as after reset, but with CS = cs_sel (base cs_sel << 4) and
 * the data segments 0: IVT at 0 (IDTR 0/0x3ff), CR0 = ET. Fields the mode
 * does not define (CR2, CR8, APIC base) are left as they are.
 */
static inline void x86_sregs_real(struct axvm_sregs *sr, uint16_t cs_sel)
{
	x86_seg_real(&sr->cs, cs_sel, X86_SEG_CODE);
	x86_seg_real(&sr->ds, 0, X86_SEG_DATA);
	sr->es = sr->fs = sr->gs = sr->ss = sr->ds;
	x86_seg_tss(&sr->tr, 0, 0, 0xffff);
	x86_seg_unusable(&sr->ldt);
	sr->gdt.base = 0;
	sr->gdt.limit = 0xffff;
	sr->idt.base = 0;
	sr->idt.limit = 0x3ff;
	sr->cr0 = X86_CR0_ET;
	sr->cr3 = 0;
	sr->cr4 = 0;
	sr->efer = 0;
}

/*
 * Flat protected mode: CS = cs (a long-mode code segment if code64), the
 * data segments = ds, TR = tr (a busy TSS at tss), no LDT, no paging,
 * CR0 = PE|ET|NE. GDTR and IDTR are zeroed: the caller points GDTR at the
 * GDT that holds these selectors. With no IDT an exception becomes a
 * triple fault, not a wild jump.
 */
static inline void x86_sregs_flat(struct axvm_sregs *sr, uint16_t cs, bool code64,
				  uint16_t ds, uint16_t tr, uint64_t tss)
{
	x86_seg_flat(&sr->cs, cs, X86_SEG_CODE, code64);
	x86_seg_flat(&sr->ds, ds, X86_SEG_DATA, false);
	sr->es = sr->fs = sr->gs = sr->ss = sr->ds;
	x86_seg_tss(&sr->tr, tr, tss, X86_TSS_LIMIT);
	x86_seg_unusable(&sr->ldt);
	memset(&sr->gdt, 0, sizeof(sr->gdt));
	memset(&sr->idt, 0, sizeof(sr->idt));
	sr->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	sr->cr3 = 0;
	sr->cr4 = 0;
	sr->efer = 0;
}

/* On top of x86_sregs_flat(..., code64 = true, ...): paging on, CR3 = pml4. */
static inline void x86_sregs_long(struct axvm_sregs *sr, uint64_t pml4)
{
	sr->cr0 |= X86_CR0_PG;
	sr->cr3 = pml4;
	sr->cr4 = X86_CR4_PAE;
	sr->efer = EFER_LME | EFER_LMA;
}

/* Bytes of page tables x86_identity_map() writes for size bytes. */
static inline uint64_t x86_identity_map_bytes(uint64_t size)
{
	uint64_t npd = (size + (1ULL << 30) - 1) >> 30;

	return (2 + npd) * 4096;
}

/*
 * Identity-map [0, size) (at most 512 GiB) with 2 MiB pages, writable:
 * the PML4 at tables (guest-physical tables_gpa), the PDPT on the next
 * page, then one PD per GiB. tables holds x86_identity_map_bytes(size).
 */
static inline void x86_identity_map(void *tables, uint64_t tables_gpa, uint64_t size)
{
	uint64_t *pml4 = tables, *pdpt = pml4 + 512, *pd = pdpt + 512;
	uint64_t npages = (size + (1ULL << 21) - 1) >> 21;
	uint64_t npd = (npages + 511) / 512, i;

	memset(tables, 0, x86_identity_map_bytes(size));
	pml4[0] = (tables_gpa + 4096) | X86_PTE_P | X86_PTE_RW;
	for (i = 0; i < npd; i++)
		pdpt[i] = (tables_gpa + (2 + i) * 4096) | X86_PTE_P | X86_PTE_RW;
	for (i = 0; i < npages; i++)
		pd[i] = (i << 21) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS;
}

#endif
