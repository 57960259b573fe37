// SPDX-License-Identifier: GPL-2.0
/*
 * A 4-level EPT builder (SDM Vol. 3C, 29.3 "The Extended Page Table
 * Mechanism (EPT)").
 *
 * Shape of the tree:
 *  - Non-leaf entries grant R/W/X; the leaf alone decides the access
 *    rights, which are the AND over the walk (29.3.3 "EPT-Induced VM Exits").
 *  - Leaves are 4 KiB PTEs or 2 MiB PDEs (bit 7, 29.3.2 "EPT Translation
 *    Mechanism"), memory type WB (29.3, "EPT and Memory Typing").
 *    1 GiB leaves are never created.
 *  - A table is filled completely before the entry pointing at it is
 *    written, and every entry a CPU may be walking is written with a single
 *    WRITE_ONCE(), so a concurrent hardware walk (another vCPU running the
 *    guest) sees either the old or the new translation, never a torn one.
 *
 * Invalidation (29.4.3, "Guidelines for Use of the INVEPT Instruction"): a
 * CPU may cache translations and paging-structure entries (29.4 "Caching
 * Translation Information") until INVEPT. Writing an entry that was not present
 * needs no invalidation: no CPU caches a not-present entry, and an EPT
 * violation invalidates the cached mappings of the faulting address. Every
 * other change does; map and unmap therefore count such changes and return the
 * count. A table that was unlinked from the tree may still be referenced by a
 * paging-structure cache, so it is freed only after an INVEPT, which the EPT
 * code can only do through @ept->flush.
 *
 * Locking: @ept->lock (a mutex, table allocation sleeps) serialises all
 * software access to the tables. Hardware walks need no lock.
 */
#include <linux/align.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/barrier.h>
#include "ept/ept.h"

#define EPT_TABLE_GFP	(GFP_KERNEL_ACCOUNT | __GFP_ZERO)
/* An EPT table is 4 KiB with 512 entries whatever the host page size. */
#define EPT_TABLE_SHIFT	12
#define EPT_LEVEL_BITS	9
/* Access rights of non-leaf entries: everything, the leaf restricts. */
#define EPTE_TABLE_BITS	AXVM_EPTE_PERM_MASK
/* Set by the CPU ("Accessed and Dirty Flags for EPT"); not compared. */
#define EPTE_HW_BITS	(AXVM_EPTE_A | AXVM_EPTE_D)
#define EPT_PROT_VALID	(AXVM_EPT_RWX | AXVM_EPT_IGNORE_PAT)

static inline unsigned int ept_shift(int level)
{
	return EPT_TABLE_SHIFT + EPT_LEVEL_BITS * (level - 1);
}

static inline u64 ept_level_size(int level)
{
	return 1ULL << ept_shift(level);
}

static inline unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> ept_shift(level)) & (AXVM_EPT_ENTRIES - 1);
}

static inline bool epte_present(u64 e)
{
	return e & AXVM_EPTE_PERM_MASK;
}

/* Only meaningful for a present entry. */
static inline bool epte_leaf(u64 e, int level)
{
	return level == AXVM_EPT_LEVEL_4K || (e & AXVM_EPTE_LARGE);
}

static inline u64 *epte_table(u64 e)
{
	return __va(e & AXVM_EPTE_ADDR_MASK);
}

static u64 *ept_alloc_table(struct axvm_ept *ept)
{
	u64 *table = (u64 *)__get_free_page(EPT_TABLE_GFP);

	if (table)
		ept->nr_tables++;
	return table;
}

static void ept_free_table(struct axvm_ept *ept, u64 *table)
{
	free_page((unsigned long)table);
	ept->nr_tables--;
}

/* Link @child (fully initialised) into the tree at @slot. */
static void ept_install(u64 *slot, u64 *child)
{
	/* Order the stores filling @child before the one publishing it. */
	smp_wmb();
	WRITE_ONCE(*slot, __pa(child) | EPTE_TABLE_BITS);
}

/*
 * Replace the large leaf at @slot (a @level entry) by @child, a table of
 * smaller leaves with the same translations and attributes. The split
 * itself changes no translation, but a CPU may hold the large one in its
 * TLB next to the new small ones; the caller counts it as a change.
 */
static void ept_split(u64 *slot, u64 *child, int level)
{
	u64 old = READ_ONCE(*slot);
	u64 hpa = old & AXVM_EPTE_ADDR_MASK;
	u64 attrs = old & ~(AXVM_EPTE_ADDR_MASK | AXVM_EPTE_LARGE);
	u64 step = ept_level_size(level - 1);
	unsigned int i;

	if (level - 1 > AXVM_EPT_LEVEL_4K)
		attrs |= AXVM_EPTE_LARGE;
	for (i = 0; i < AXVM_EPT_ENTRIES; i++)
		child[i] = (hpa + i * step) | attrs;
	ept_install(slot, child);
}

/*
 * Write leaf @new at @slot. Returns 1 if a present entry was changed (a
 * CPU may have cached it), 0 if the entry was not present or already
 * held this translation (hardware-set A/D flags aside).
 */
static unsigned int ept_set_leaf(u64 *slot, u64 new)
{
	u64 old = READ_ONCE(*slot);

	if (epte_present(old) && !((old ^ new) & ~EPTE_HW_BITS))
		return 0;
	WRITE_ONCE(*slot, new);
	return epte_present(old);
}

/*
 * The lowest entry on the walk for @gpa: a leaf, a not-present entry, or
 * (never for level 1) a table pointer. *@level is that entry's level.
 */
static u64 *ept_find(struct axvm_ept *ept, u64 gpa, int *level)
{
	u64 *table = ept->pml4;
	int l;

	for (l = AXVM_EPT_LEVELS; ; l--) {
		u64 *slot = &table[ept_index(gpa, l)];
		u64 e = READ_ONCE(*slot);

		if (!epte_present(e) || epte_leaf(e, l)) {
			*level = l;
			return slot;
		}
		table = epte_table(e);
	}
}

/*
 * The table of level @want (holding @want entries) that covers @gpa,
 * creating missing tables above it and splitting a large leaf in the way.
 * NULL if out of memory; the tree stays valid.
 */
static u64 *ept_get_table(struct axvm_ept *ept, u64 gpa, int want,
			  unsigned long *changed)
{
	u64 *table = ept->pml4;
	int level;

	for (level = AXVM_EPT_LEVELS; level > want; level--) {
		u64 *slot = &table[ept_index(gpa, level)];
		u64 e = READ_ONCE(*slot);
		u64 *child;

		if (epte_present(e) && !epte_leaf(e, level)) {
			table = epte_table(e);
			continue;
		}
		child = ept_alloc_table(ept);
		if (!child)
			return NULL;
		if (epte_present(e)) {
			ept_split(slot, child, level);
			(*changed)++;
		} else {
			ept_install(slot, child);
		}
		table = child;
	}
	return table;
}

static u64 ept_leaf_bits(u32 prot)
{
	u64 e = AXVM_EPTE_MT_WB;

	if (prot & AXVM_EPT_R)
		e |= AXVM_EPTE_R;
	if (prot & AXVM_EPT_W)
		e |= AXVM_EPTE_W;
	if (prot & AXVM_EPT_X)
		e |= AXVM_EPTE_X;
	if (prot & AXVM_EPT_IGNORE_PAT)
		e |= AXVM_EPTE_IPAT;
	return e;
}

static u32 ept_leaf_prot(u64 e)
{
	u32 prot = 0;

	if (e & AXVM_EPTE_R)
		prot |= AXVM_EPT_R;
	if (e & AXVM_EPTE_W)
		prot |= AXVM_EPT_W;
	if (e & AXVM_EPTE_X)
		prot |= AXVM_EPT_X;
	if (e & AXVM_EPTE_IPAT)
		prot |= AXVM_EPT_IGNORE_PAT;
	return prot;
}

/* A non-empty, 4 KiB aligned range below 2^48, without wrap-around. */
static int ept_check_range(u64 gpa, u64 size)
{
	if (!size || !IS_ALIGNED(gpa | size, SZ_4K))
		return -EINVAL;
	if (gpa >= AXVM_EPT_MAX_GPA || size > AXVM_EPT_MAX_GPA - gpa)
		return -EINVAL;
	return 0;
}

/**
 * axvm_ept_init() - create an empty EPT
 * @ept: the structure to initialise
 * @ad_bits: enable EPT accessed and dirty flags (EPTP bit 6, SDM 29.3,
 *	"Accessed and Dirty Flags for EPT"); only if IA32_VMX_EPT_VPID_CAP
 *	bit 21 is set
 *
 * Allocates a zeroed PML4 and computes @ept->eptp: memory type WB, a
 * 4-level walk, the A/D enable and the PML4's physical address (SDM Vol.
 * 3C 25.6.11 "Extended-Page-Table Pointer (EPTP)"). @ept->flush is cleared; the
 * owner may set it afterwards.
 *
 * The EPTP's tag (the EP4TA, SDM 29.4 "Caching Translation Information") may
 * still have translations of a previous, freed EPT cached on some CPU, so the
 * owner must INVEPT this EPTP on each CPU before its first VM entry with it
 * there (or INVEPT after every axvm_ept_destroy()). The INVEPT guidelines ask
 * for that anyway when A/D flags are enabled.
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM. axvm_ept_destroy() is safe after a failure.
 */
int axvm_ept_init(struct axvm_ept *ept, bool ad_bits)
{
	mutex_init(&ept->lock);
	ept->nr_tables = 0;
	ept->flush = NULL;
	ept->ad = ad_bits;
	ept->eptp = 0;
	ept->pml4 = ept_alloc_table(ept);
	if (!ept->pml4)
		return -ENOMEM;
	ept->eptp = __pa(ept->pml4) | AXVM_EPTP_MT_WB | AXVM_EPTP_WALK4;
	if (ad_bits)
		ept->eptp |= AXVM_EPTP_AD;
	return 0;
}

static void ept_free_tree(struct axvm_ept *ept, u64 *table, int level)
{
	unsigned int i;

	for (i = 0; level > AXVM_EPT_LEVEL_4K && i < AXVM_EPT_ENTRIES; i++) {
		u64 e = table[i];

		if (epte_present(e) && !epte_leaf(e, level))
			ept_free_tree(ept, epte_table(e), level - 1);
	}
	ept_free_table(ept, table);
	if (level == AXVM_EPT_LEVEL_2M)
		cond_resched();
}

/**
 * axvm_ept_destroy() - free every table of an EPT
 * @ept: an EPT set up by axvm_ept_init() (or zeroed, or whose init failed)
 *
 * Frees the table pages only; the guest pages the leaves point to belong
 * to the memory slots. No CPU may run with @ept->eptp any more. Calling it
 * twice is harmless.
 *
 * Context: process context, may sleep.
 */
void axvm_ept_destroy(struct axvm_ept *ept)
{
	if (!ept->pml4)
		return;
	ept_free_tree(ept, ept->pml4, AXVM_EPT_LEVELS);
	WARN_ON_ONCE(ept->nr_tables);
	ept->pml4 = NULL;
	ept->eptp = 0;
	mutex_destroy(&ept->lock);
}

static int ept_map_locked(struct axvm_ept *ept, u64 gpa, u64 hpa, u64 size,
			  u64 leaf, bool allow_2m, unsigned long *changed)
{
	u64 end = gpa + size;

	while (gpa < end) {
		u64 *table = ept_get_table(ept, gpa, AXVM_EPT_LEVEL_2M, changed);
		u64 *pde;
		unsigned int i;

		if (!table)
			return -ENOMEM;
		pde = &table[ept_index(gpa, AXVM_EPT_LEVEL_2M)];
		/*
		 * A 2 MiB leaf (29.3.2 "EPT Translation Mechanism": PDE bit 7)
		 * needs gpa and hpa 2 MiB aligned and the whole 2 MiB in the
		 * range. Where a page table already exists the range stays
		 * mapped with 4 KiB leaves: replacing a live table needs an
		 * INVEPT before the table can be freed (see axvm_ept_map()).
		 */
		if (allow_2m && IS_ALIGNED(gpa | hpa, SZ_2M) &&
		    end - gpa >= SZ_2M &&
		    (!epte_present(*pde) || (*pde & AXVM_EPTE_LARGE))) {
			*changed += ept_set_leaf(pde, hpa | leaf |
						 AXVM_EPTE_LARGE);
			gpa += SZ_2M;
			hpa += SZ_2M;
			continue;
		}
		table = ept_get_table(ept, gpa, AXVM_EPT_LEVEL_4K, changed);
		if (!table)
			return -ENOMEM;
		for (i = ept_index(gpa, AXVM_EPT_LEVEL_4K);
		     i < AXVM_EPT_ENTRIES && gpa < end;
		     i++, gpa += SZ_4K, hpa += SZ_4K)
			*changed += ept_set_leaf(&table[i], hpa | leaf);
		cond_resched();
	}
	return 0;
}

/**
 * axvm_ept_map() - map guest-physical pages to host-physical pages
 * @ept: the EPT
 * @gpa: guest-physical start, 4 KiB aligned, below 2^48
 * @hpa: host-physical start, 4 KiB aligned, below 2^52
 * @size: bytes, 4 KiB aligned, non-zero; @gpa + @size at most 2^48
 * @prot: AXVM_EPT_R, _W, _X, optionally AXVM_EPT_IGNORE_PAT. Write
 *	without read is an EPT misconfiguration (SDM 29.3.3 "EPT-Induced
 *	VM Exits") and rejected; execute-only needs IA32_VMX_EPT_VPID_CAP
 *	bit 0, which the caller checks.
 * @allow_2m: use 2 MiB leaves where possible (the caller checked
 *	IA32_VMX_EPT_VPID_CAP bit 16 and that the host memory is contiguous)
 *
 * Leaves get memory type WB (SDM 29.3, "EPT and Memory Typing"). A 2 MiB
 * leaf is used for each 2 MiB block of the range where @gpa and @hpa are
 * both 2 MiB aligned and @allow_2m is set, unless that block is already
 * mapped through a 4 KiB page table, which is kept (its 4 KiB leaves are
 * rewritten instead): no promotion, because freeing the old table would
 * need an INVEPT first. Once axvm_ept_unmap() has freed such a table
 * (only with @ept->flush set), the block can be mapped with 2 MiB again.
 * A 4 KiB map inside an existing 2 MiB leaf splits it. Mapping over an
 * existing mapping replaces it (for example to change the permissions).
 *
 * Return: the number of present entries changed, including splits (0 when
 * only not-present entries were filled or the mapping was already there);
 * if > 0 and @ept->flush is NULL, the caller must INVEPT before it relies
 * on the old translations being gone (a permission-only upgrade may skip
 * it: the resulting EPT violation refreshes the TLB, SDM 29.4.3 "Invalidating
 * Cached Translation Information"). If @ept->flush is set it has already been
 * called. -EINVAL for a bad argument (nothing changed). -ENOMEM if a table
 * could not be allocated: the tree is consistent, every 4 KiB page of the range
 * has either its old or its new translation, and entries may have changed
 * (INVEPT unless
 * @ept->flush is set).
 *
 * Context: process context, may sleep; takes @ept->lock.
 */
int axvm_ept_map(struct axvm_ept *ept, u64 gpa, u64 hpa, u64 size, u32 prot,
		 bool allow_2m)
{
	unsigned long changed = 0;
	int ret;

	ret = ept_check_range(gpa, size);
	if (ret)
		return ret;
	if (!IS_ALIGNED(hpa, SZ_4K) || hpa >= AXVM_EPT_MAX_HPA ||
	    size > AXVM_EPT_MAX_HPA - hpa)
		return -EINVAL;
	if ((prot & ~EPT_PROT_VALID) || !(prot & AXVM_EPT_RWX) ||
	    ((prot & AXVM_EPT_W) && !(prot & AXVM_EPT_R)))
		return -EINVAL;

	mutex_lock(&ept->lock);
	ret = ept_map_locked(ept, gpa, hpa, size, ept_leaf_bits(prot),
			     allow_2m, &changed);
	if (changed && ept->flush)
		ept->flush(ept);
	mutex_unlock(&ept->lock);
	if (ret)
		return ret;
	return min_t(unsigned long, changed, INT_MAX);
}

/* State of one axvm_ept_unmap(). */
struct ept_zap {
	u64 *spare[2];		/* preallocated tables for splits */
	int nr_spare;
	bool reclaim;		/* unlink empty tables */
	struct list_head freed;	/* unlinked tables, via page->lru */
	unsigned long changed;
};

static void ept_zap_range(struct axvm_ept *ept, u64 *table, int level,
			  u64 gpa, u64 end, struct ept_zap *z)
{
	u64 size = ept_level_size(level);
	unsigned int i;

	for (i = ept_index(gpa, level); i < AXVM_EPT_ENTRIES && gpa < end;
	     i++) {
		u64 next = ALIGN_DOWN(gpa, size) + size;
		u64 stop = min(end, next);
		u64 *slot = &table[i];
		u64 e = READ_ONCE(*slot);
		u64 *child;

		if (!epte_present(e))
			goto next;
		if (epte_leaf(e, level)) {
			if (gpa == next - size && stop == next) {
				WRITE_ONCE(*slot, 0);
				z->changed++;
				goto next;
			}
			/*
			 * Partly unmapped large leaf: split it, then clear
			 * part of the result. Only 2 MiB leaves exist and
			 * axvm_ept_unmap() preallocated a table for each.
			 */
			if (WARN_ON_ONCE(level != AXVM_EPT_LEVEL_2M ||
					 !z->nr_spare))
				goto next;
			ept_split(slot, z->spare[--z->nr_spare], level);
			z->changed++;
			e = READ_ONCE(*slot);
		}
		child = epte_table(e);
		ept_zap_range(ept, child, level - 1, gpa, stop, z);
		if (z->reclaim && !memchr_inv(child, 0, PAGE_SIZE)) {
			WRITE_ONCE(*slot, 0);
			list_add(&virt_to_page(child)->lru, &z->freed);
			z->changed++;
		}
next:
		gpa = next;
	}
}

static bool ept_is_2m_leaf(struct axvm_ept *ept, u64 gpa)
{
	int level;
	u64 *slot = ept_find(ept, gpa, &level);

	return level == AXVM_EPT_LEVEL_2M && epte_present(READ_ONCE(*slot));
}

/* 2 MiB leaves that [gpa, end) covers only partly: the first and last. */
static int ept_splits_needed(struct axvm_ept *ept, u64 gpa, u64 end)
{
	u64 head = ALIGN_DOWN(gpa, SZ_2M);
	u64 tail = ALIGN_DOWN(end - 1, SZ_2M);
	int n = 0;

	if ((gpa != head || end - head < SZ_2M) && ept_is_2m_leaf(ept, head))
		n++;
	if (tail != head && end - tail < SZ_2M && ept_is_2m_leaf(ept, tail))
		n++;
	return n;
}

/**
 * axvm_ept_unmap() - remove the translations of a guest-physical range
 * @ept: the EPT
 * @gpa: guest-physical start, 4 KiB aligned, below 2^48
 * @size: bytes, 4 KiB aligned, non-zero; @gpa + @size at most 2^48
 *
 * Clears every leaf in the range; a 2 MiB leaf only partly inside it is
 * first split into 4 KiB leaves (the tables for that are allocated before
 * anything changes, so -ENOMEM leaves the EPT untouched). Holes in the
 * range are skipped.
 *
 * If @ept->flush is set, tables left empty are unlinked, @ept->flush is
 * called and only then are they freed (a CPU may still hold them in its
 * paging-structure caches until the INVEPT, SDM 29.4.3 "Invalidating Cached
 * Translation Information"). Without
 * @ept->flush, empty tables stay until axvm_ept_destroy().
 *
 * Return: the number of entries changed (leaves cleared, leaves split,
 * tables unlinked); if > 0 and @ept->flush is NULL the caller must INVEPT
 * before the guest may no longer reach the old pages (for example before
 * it unpins them). If @ept->flush is set it has already been called.
 * -EINVAL for a bad range, -ENOMEM (nothing changed).
 *
 * Context: process context, may sleep; takes @ept->lock.
 */
int axvm_ept_unmap(struct axvm_ept *ept, u64 gpa, u64 size)
{
	struct ept_zap z = { .freed = LIST_HEAD_INIT(z.freed) };
	struct page *page, *tmp;
	int need, ret;

	ret = ept_check_range(gpa, size);
	if (ret)
		return ret;

	mutex_lock(&ept->lock);
	z.reclaim = !!ept->flush;
	need = ept_splits_needed(ept, gpa, gpa + size);
	for (z.nr_spare = 0; z.nr_spare < need; z.nr_spare++) {
		z.spare[z.nr_spare] = ept_alloc_table(ept);
		if (!z.spare[z.nr_spare]) {
			while (z.nr_spare)
				ept_free_table(ept, z.spare[--z.nr_spare]);
			mutex_unlock(&ept->lock);
			return -ENOMEM;
		}
	}

	ept_zap_range(ept, ept->pml4, AXVM_EPT_LEVELS, gpa, gpa + size, &z);

	/* Unused spares were never linked in; nobody can have seen them. */
	while (z.nr_spare)
		ept_free_table(ept, z.spare[--z.nr_spare]);
	if (z.changed && ept->flush)
		ept->flush(ept);
	list_for_each_entry_safe(page, tmp, &z.freed, lru) {
		list_del(&page->lru);
		ept_free_table(ept, page_address(page));
	}
	mutex_unlock(&ept->lock);
	return min_t(unsigned long, z.changed, INT_MAX);
}

/**
 * axvm_ept_walk() - translate a guest-physical address in software
 * @ept: the EPT
 * @gpa: guest-physical address, below 2^48
 * @hpa: if not NULL, receives the host-physical address of @gpa
 * @prot: if not NULL, receives the leaf's AXVM_EPT_* bits
 * @level: if not NULL, receives the leaf level: 1 for 4 KiB, 2 for 2 MiB
 *
 * Context: process context, may sleep; takes @ept->lock.
 * Return: 0, -ENOENT if @gpa is not mapped, -EINVAL if @gpa >= 2^48.
 */
int axvm_ept_walk(struct axvm_ept *ept, u64 gpa, u64 *hpa, u32 *prot,
		  int *level)
{
	u64 *slot, e, mask;
	int l;

	if (gpa >= AXVM_EPT_MAX_GPA)
		return -EINVAL;

	mutex_lock(&ept->lock);
	slot = ept_find(ept, gpa, &l);
	e = READ_ONCE(*slot);
	mutex_unlock(&ept->lock);

	if (!epte_present(e))
		return -ENOENT;
	mask = ept_level_size(l) - 1;
	if (hpa)
		*hpa = (e & AXVM_EPTE_ADDR_MASK & ~mask) | (gpa & mask);
	if (prot)
		*prot = ept_leaf_prot(e);
	if (level)
		*level = l;
	return 0;
}
