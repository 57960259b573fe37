/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory regions registered by userspace (AXVM_SET_MEMORY_REGION).
 *
 * The user pages of a region are pinned (FOLL_LONGTERM) when it is
 * registered and stay pinned until the region is deleted or the VM is
 * destroyed. The EPT maps those pinned pages, never the user mapping, so
 * userspace unmapping or remapping its memory cannot make the guest reach
 * a freed page: the pin holds a reference on every page.
 *
 * Locking: none inside. The owner serialises axvm_memslot_set() and
 * axvm_memslots_free() against everything else, and holds the same lock
 * (shared, if it is a rwsem) around axvm_memslot_find() and the use of
 * the slot it returned.
 */
#ifndef AXVM_EPT_MEMSLOT_H
#define AXVM_EPT_MEMSLOT_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/axvm.h>

struct axvm_ept;
struct mm_struct;
struct page;

/* Guest-physical addresses a slot may cover: what a 4-level EPT maps. */
#define AXVM_MEMSLOT_MAX_GPA	BIT_ULL(48)	/* exclusive */

/**
 * struct axvm_memslot - one guest memory region and its pinned pages
 * @gpa: guest-physical base, page aligned
 * @size: bytes, page aligned, non-zero while @used
 * @hva: the userspace address it was registered with, in @mm
 * @flags: AXVM_MEM_*
 * @used: the slot holds a region
 * @pages: @npages pinned pages; @pages[i] backs @gpa + i * PAGE_SIZE
 * @npages: @size >> PAGE_SHIFT
 * @mm: the address space the pages were pinned from and whose locked_vm
 *	was charged (held with mmgrab())
 */
struct axvm_memslot {
	u64 gpa, size, hva;
	u32 flags;
	bool used;
	struct page **pages;
	unsigned long npages;
	struct mm_struct *mm;
};

/**
 * struct axvm_memslots - the memory regions of one VM
 * @slot: by slot number; zero-initialised means all free
 * @total_bytes: sum of the sizes of the used slots
 */
struct axvm_memslots {
	struct axvm_memslot slot[AXVM_MAX_MEM_SLOTS];
	u64 total_bytes;
};

int axvm_memslot_check(const struct axvm_memslots *s,
		       const struct axvm_memory_region *r, u64 max_total_bytes);
int axvm_memslot_set(struct axvm_memslots *s,
		     const struct axvm_memory_region *r, u64 max_total_bytes,
		     struct axvm_memslot *old);
void axvm_memslot_release(struct axvm_memslot *m);
void axvm_memslots_free(struct axvm_memslots *s);
const struct axvm_memslot *axvm_memslot_find(const struct axvm_memslots *s,
					     u64 gpa);
int axvm_memslot_gpa_to_page(const struct axvm_memslot *m, u64 gpa,
			     struct page **page);
bool axvm_memslot_can_map_2m(const struct axvm_memslot *m, u64 gpa);
u32 axvm_memslot_ept_prot(const struct axvm_memslot *m);
int axvm_memslot_map(struct axvm_ept *ept, const struct axvm_memslot *m,
		     u64 gpa, u64 size, bool allow_2m);
int axvm_memslot_map_fault(struct axvm_ept *ept, const struct axvm_memslot *m,
			   u64 gpa, bool allow_2m);

#endif /* AXVM_EPT_MEMSLOT_H */
