// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory regions: validation, pinning of the user pages, and the
 * lookups the EPT-violation path needs.
 *
 * Pages are pinned eagerly at registration with FOLL_LONGTERM (so they
 * are migrated out of ZONE_MOVABLE/CMA first and never move afterwards)
 * and charged to the registering process's locked_vm, checked against
 * its RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK (account_locked_vm(), as
 * VFIO does). Because the EPT points at pinned pages, nothing userspace
 * does to its mapping (munmap, mremap, MADV_DONTNEED, fork) can leave the
 * guest with a freed page; it only makes the guest's view and the
 * process's view of that memory diverge.
 *
 * Shared writable mappings of files whose pages need dirty tracking (ext4,
 * xfs and other file systems with writeback) are refused for writable
 * slots: see memslot_vma_needs_dirty_tracking().
 */
#include <linux/align.h>
#include <linux/backing-dev.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/pfn.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include "ept/ept.h"
#include "ept/memslot.h"

static_assert(AXVM_MEMSLOT_MAX_GPA == AXVM_EPT_MAX_GPA);

#define MEMSLOT_VALID_FLAGS	(AXVM_MEM_READONLY | AXVM_MEM_POPULATE)
/* Pages per pin_user_pages() call; between calls we check signals. */
#define MEMSLOT_PIN_CHUNK	(SZ_64M >> PAGE_SHIFT)
#define PAGES_PER_2M		(SZ_2M >> PAGE_SHIFT)

/**
 * axvm_memslot_check() - validate an AXVM_SET_MEMORY_REGION request
 * @s: the VM's current slots
 * @r: the request
 * @max_total_bytes: guest memory the VM may have registered in all
 *	(U64_MAX for no limit)
 *
 * Pure validation, no side effects. The rules, in the order checked:
 *
 * - @r->slot must be below AXVM_MAX_MEM_SLOTS: else -EINVAL.
 * - @r->flags may only hold AXVM_MEM_* bits: else -EOPNOTSUPP.
 * - @r->size == 0 deletes the slot, which must be in use: else -ENOENT
 *   (deleting a free slot is a caller bug, not a no-op). @r->gpa and
 *   @r->hva are ignored for a delete.
 * - @r->gpa, @r->size and @r->hva must be page aligned: else -EINVAL.
 * - @r->gpa + @r->size must not wrap: else -EOVERFLOW.
 * - @r->gpa + @r->size must not exceed 2^48, the reach of a 4-level EPT
 *   (AXVM_MEMSLOT_MAX_GPA): else -ERANGE. The host MAXPHYADDR does not
 *   matter for guest-physical addresses; a guest whose CPUID reports a
 *   smaller width simply cannot reach the upper part.
 * - @r->hva + @r->size must not wrap: else -EFAULT. Whether the range is a
 *   valid user range is checked by axvm_memslot_set().
 * - The range must not overlap another used slot: else -EEXIST.
 * - With this request, the total registered bytes must stay within
 *   @max_total_bytes: else -E2BIG. A used @r->slot is replaced, so its old
 *   size does not count.
 *
 * Replacing a used slot (any change of gpa, size, hva or flags) is
 * allowed; see axvm_memslot_set().
 *
 * Return: 0 if the request may be applied, else the error above.
 */
int axvm_memslot_check(const struct axvm_memslots *s,
		       const struct axvm_memory_region *r, u64 max_total_bytes)
{
	const struct axvm_memslot *cur;
	u64 end, others;
	unsigned int i;

	if (r->slot >= AXVM_MAX_MEM_SLOTS)
		return -EINVAL;
	if (r->flags & ~MEMSLOT_VALID_FLAGS)
		return -EOPNOTSUPP;
	cur = &s->slot[r->slot];
	if (!r->size)
		return cur->used ? 0 : -ENOENT;
	if (!PAGE_ALIGNED(r->gpa) || !PAGE_ALIGNED(r->size) ||
	    !PAGE_ALIGNED(r->hva))
		return -EINVAL;
	if (check_add_overflow(r->gpa, r->size, &end))
		return -EOVERFLOW;
	if (end > AXVM_MEMSLOT_MAX_GPA)
		return -ERANGE;
	if (r->hva + r->size < r->hva)
		return -EFAULT;
	for (i = 0; i < AXVM_MAX_MEM_SLOTS; i++) {
		const struct axvm_memslot *m = &s->slot[i];

		if (i == r->slot || !m->used)
			continue;
		if (r->gpa < m->gpa + m->size && m->gpa < end)
			return -EEXIST;
	}
	others = s->total_bytes - (cur->used ? cur->size : 0);
	if (r->size > max_total_bytes || others > max_total_bytes - r->size)
		return -E2BIG;
	return 0;
}

/*
 * Would a writable long-term pin of @vma's pages bypass the dirty tracking
 * of the file system behind it? The file system learns of writes only
 * through write faults (->page_mkwrite allocates blocks, starts journal
 * handles, waits for stable pages) and write-protects a page again when
 * writeback cleans it. A guest writes through the EPT to the pinned page
 * without faulting, so the page changes while the file system believes it
 * clean (and, over a hole, without blocks); setting it dirty when the slot
 * is released can hit a page whose buffers are gone, which ext4 WARNs or
 * BUGs on. Upstream GUP refuses such pins from 6.5 on with -EFAULT
 * ("mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed
 * mappings"); 6.1 does not. This is 6.5's vma_needs_dirty_tracking()
 * (mm/mmap.c, not exported), checked before GUP on every kernel so the
 * errno is axvm's own everywhere.
 * Anonymous memory, shmem/memfd/tmpfs and hugetlbfs (no ->page_mkwrite, no
 * writeback) and private mappings (written pages become anonymous) pass.
 */
static bool memslot_vma_needs_dirty_tracking(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = vma->vm_ops;
	struct file *file = vma->vm_file;

	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) != (VM_WRITE | VM_SHARED))
		return false;
	if (ops && (ops->page_mkwrite || ops->pfn_mkwrite))
		return true;
	if (vma->vm_flags & VM_PFNMAP)
		return false;
	return file && file->f_mapping && mapping_can_writeback(file->f_mapping);
}

/*
 * Does a VMA in [@start, @end) need dirty tracking? Holes are left to GUP,
 * which fails them with -EFAULT. Context: mmap lock held.
 */
static bool memslot_range_needs_dirty_tracking(struct mm_struct *mm,
					       unsigned long start,
					       unsigned long end)
{
	struct vm_area_struct *vma;

	mmap_assert_locked(mm);
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end))
		if (memslot_vma_needs_dirty_tracking(vma))
			return true;
	return false;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define memslot_pin_locked(start, n, gup, pages) \
	pin_user_pages(start, n, gup, pages)
#else
/* Until 6.5's "mm/gup: remove vmas parameter from pin_user_pages()". */
#define memslot_pin_locked(start, n, gup, pages) \
	pin_user_pages(start, n, gup, pages, NULL)
#endif

/*
 * Pin up to @n pages at @start, after checking the VMAs they lie in (for
 * FOLL_WRITE). Check and pin are under one mmap_read_lock, which
 * pin_user_pages() never drops, so the pinned pages come from the VMAs that
 * were checked: nothing can mmap a file over the range in between.
 * Return: pages pinned (> 0, maybe fewer than @n), or a negative errno.
 */
static long memslot_pin_chunk(struct mm_struct *mm, unsigned long start,
			      unsigned long n, unsigned int gup,
			      struct page **pages)
{
	long ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	if ((gup & FOLL_WRITE) &&
	    memslot_range_needs_dirty_tracking(mm, start, start + n * PAGE_SIZE))
		ret = -EOPNOTSUPP;
	else
		ret = memslot_pin_locked(start, n, gup, pages);
	mmap_read_unlock(mm);
	return ret ?: -EFAULT;
}

/* Pin and charge the pages of @r into @m (not yet visible to anyone). */
static int memslot_pin(struct axvm_memslot *m,
		       const struct axvm_memory_region *r)
{
	unsigned long npages = r->size >> PAGE_SHIFT, done = 0;
	unsigned int gup = FOLL_LONGTERM;
	struct mm_struct *mm = current->mm;
	struct page **pages;
	long ret;

	if (!mm)
		return -EFAULT;
	if (!access_ok(u64_to_user_ptr(r->hva), r->size))
		return -EFAULT;
	if (!(r->flags & AXVM_MEM_READONLY))
		gup |= FOLL_WRITE;

	/* NOWARN: a huge request is userspace's problem, not a kernel bug. */
	pages = kvmalloc_array(npages, sizeof(*pages),
			       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pages)
		return -ENOMEM;
	ret = account_locked_vm(mm, npages, true);
	if (ret)
		goto free;

	while (done < npages) {
		ret = memslot_pin_chunk(mm, r->hva + done * PAGE_SIZE,
					min_t(unsigned long, npages - done,
					      MEMSLOT_PIN_CHUNK),
					gup, pages + done);
		if (ret < 0)
			goto unpin;
		done += ret;
		if (done < npages && fatal_signal_pending(current)) {
			ret = -EINTR;
			goto unpin;
		}
		cond_resched();
	}

	mmgrab(mm);
	m->gpa = r->gpa;
	m->size = r->size;
	m->hva = r->hva;
	m->flags = r->flags;
	m->pages = pages;
	m->npages = npages;
	m->mm = mm;
	m->used = true;
	return 0;

unpin:
	unpin_user_pages(pages, done);
	account_locked_vm(mm, npages, false);
free:
	kvfree(pages);
	return ret;
}

/**
 * axvm_memslot_set() - create, replace or delete a memory slot
 * @s: the VM's slots
 * @r: the request (see axvm_memslot_check() for the rules and errors)
 * @max_total_bytes: as for axvm_memslot_check()
 * @old: receives the slot's previous contents; @old->used is false if
 *	the slot was free. Never NULL.
 *
 * For a non-zero size, pins the @r->size bytes at @r->hva of the calling
 * process (pin_user_pages(), FOLL_LONGTERM, and FOLL_WRITE unless
 * AXVM_MEM_READONLY), charges them to its locked_vm and fills the slot.
 * A writable region may not lie in a shared writable mapping of a file
 * whose pages need dirty tracking (a file on ext4, xfs, ...): such memory
 * cannot be written behind the file system's back. Read-only regions,
 * private file mappings, anonymous, shmem/memfd and hugetlbfs memory can.
 * If the slot was used, the old region is moved to @old whole: its pages
 * stay pinned, because the EPT may still map them.
 *
 * The caller must then, if @old->used: unmap @old->gpa .. @old->size from
 * the EPT, INVEPT (unless the EPT's flush callback did it), and only then
 * call axvm_memslot_release(@old). Releasing first would let the guest
 * reach pages that are no longer pinned.
 *
 * While the old and the new region of a replaced slot are both pinned
 * both are charged, so a replacement can hit RLIMIT_MEMLOCK where a
 * delete followed by a create would not.
 *
 * Context: process context of the task whose memory is registered, may
 * sleep; the caller holds the lock protecting @s exclusively.
 * Return: 0; an axvm_memslot_check() error; -EFAULT if the range is not
 * valid user memory (or no mm); -EOPNOTSUPP if a writable region lies in
 * such a shared file mapping; -ENOMEM if out of memory or over
 * RLIMIT_MEMLOCK; -EINTR if a fatal signal arrived while pinning; or an
 * error of pin_user_pages(). On error @s is unchanged.
 */
int axvm_memslot_set(struct axvm_memslots *s,
		     const struct axvm_memory_region *r, u64 max_total_bytes,
		     struct axvm_memslot *old)
{
	struct axvm_memslot new = {};
	struct axvm_memslot *cur;
	int ret;

	memset(old, 0, sizeof(*old));
	ret = axvm_memslot_check(s, r, max_total_bytes);
	if (ret)
		return ret;
	if (r->size) {
		ret = memslot_pin(&new, r);
		if (ret)
			return ret;
	}

	cur = &s->slot[r->slot];
	if (cur->used) {
		*old = *cur;
		s->total_bytes -= cur->size;
	}
	*cur = new;
	s->total_bytes += new.size;
	return 0;
}

/**
 * axvm_memslot_release() - unpin and uncharge a region taken out of a slot
 * @m: the @old of axvm_memslot_set(), or a slot being freed; may be unused
 *
 * Unpins the pages (marking them dirty unless the region was read-only:
 * the guest may have written to any of them), returns the charge to the
 * mm that was charged, and clears @m. No EPT entry may map the pages any
 * more, and no CPU may hold a cached translation to them.
 *
 * Context: process context, may sleep.
 */
void axvm_memslot_release(struct axvm_memslot *m)
{
	if (!m->used)
		return;
	unpin_user_pages_dirty_lock(m->pages, m->npages,
				    !(m->flags & AXVM_MEM_READONLY));
	/* mmgrab() keeps the mm_struct; its owner may have exited. */
	account_locked_vm(m->mm, m->npages, false);
	mmdrop(m->mm);
	kvfree(m->pages);
	memset(m, 0, sizeof(*m));
}

/**
 * axvm_memslots_free() - release every slot of a VM
 * @s: the slots
 *
 * For VM destruction: the EPT must no longer be used by any CPU (all
 * vCPUs gone) or must already have been destroyed.
 *
 * Context: process context, may sleep.
 */
void axvm_memslots_free(struct axvm_memslots *s)
{
	unsigned int i;

	for (i = 0; i < AXVM_MAX_MEM_SLOTS; i++)
		axvm_memslot_release(&s->slot[i]);
	s->total_bytes = 0;
}

/**
 * axvm_memslot_find() - the slot containing a guest-physical address
 * @s: the slots
 * @gpa: guest-physical address
 *
 * Return: the used slot with @gpa in [gpa, gpa + size), or NULL (MMIO).
 * Valid while the caller holds the lock protecting @s.
 */
const struct axvm_memslot *axvm_memslot_find(const struct axvm_memslots *s,
					     u64 gpa)
{
	unsigned int i;

	for (i = 0; i < AXVM_MAX_MEM_SLOTS; i++) {
		const struct axvm_memslot *m = &s->slot[i];

		if (m->used && gpa >= m->gpa && gpa - m->gpa < m->size)
			return m;
	}
	return NULL;
}

/**
 * axvm_memslot_gpa_to_page() - the pinned page backing a guest address
 * @m: a used slot
 * @gpa: guest-physical address inside @m
 * @page: receives the page (no extra reference: the slot's pin keeps it)
 *
 * Return: 0, or -ENOENT if @gpa is outside @m or @m is unused.
 */
int axvm_memslot_gpa_to_page(const struct axvm_memslot *m, u64 gpa,
			     struct page **page)
{
	if (!m->used || gpa < m->gpa || gpa - m->gpa >= m->size)
		return -ENOENT;
	*page = m->pages[(gpa - m->gpa) >> PAGE_SHIFT];
	return 0;
}

/**
 * axvm_memslot_can_map_2m() - may the 2 MiB block around @gpa be one leaf
 * @m: a slot
 * @gpa: guest-physical address
 *
 * True if the 2 MiB-aligned block containing @gpa lies wholly inside @m
 * and its pinned pages are physically contiguous with a 2 MiB-aligned
 * start (typically a THP or hugetlbfs page). The caller still checks the
 * CPU supports 2 MiB EPT pages (IA32_VMX_EPT_VPID_CAP bit 16).
 *
 * A 2 MiB leaf chosen this way never crosses a slot boundary, so
 * unmapping a whole slot never needs to split one.
 *
 * Return: whether a 2 MiB EPT leaf may map the block.
 */
bool axvm_memslot_can_map_2m(const struct axvm_memslot *m, u64 gpa)
{
	u64 base = ALIGN_DOWN(gpa, SZ_2M);
	unsigned long idx, pfn, i;

	if (!m->used || base < m->gpa || m->size < SZ_2M ||
	    base - m->gpa > m->size - SZ_2M)
		return false;
	idx = (base - m->gpa) >> PAGE_SHIFT;
	pfn = page_to_pfn(m->pages[idx]);
	if (!IS_ALIGNED(pfn, PAGES_PER_2M))
		return false;
	for (i = 1; i < PAGES_PER_2M; i++)
		if (page_to_pfn(m->pages[idx + i]) != pfn + i)
			return false;
	return true;
}

/**
 * axvm_memslot_ept_prot() - EPT permissions for a slot's pages
 * @m: a used slot
 *
 * Return: AXVM_EPT_R | AXVM_EPT_X, plus AXVM_EPT_W unless the slot is
 * AXVM_MEM_READONLY (guest writes then cause EPT violations, which the
 * owner reports as MMIO writes).
 */
u32 axvm_memslot_ept_prot(const struct axvm_memslot *m)
{
	if (m->flags & AXVM_MEM_READONLY)
		return AXVM_EPT_R | AXVM_EPT_X;
	return AXVM_EPT_RWX;
}

/**
 * axvm_memslot_map() - map part of a slot into an EPT
 * @ept: the VM's EPT
 * @m: a used slot
 * @gpa: start, page aligned, inside @m
 * @size: bytes, page aligned, non-zero; the range lies inside @m
 * @allow_2m: the CPU supports 2 MiB EPT leaves
 *
 * Maps each 2 MiB block of the range that axvm_memslot_can_map_2m()
 * allows with one 2 MiB leaf (if @allow_2m); the rest with 4 KiB leaves,
 * one axvm_ept_map() call per physically contiguous run. Permissions are
 * axvm_memslot_ept_prot(). Use it to populate a new slot eagerly (the
 * whole slot) or from the EPT-violation path (see axvm_memslot_map_fault()).
 *
 * Context: process context, may sleep; the caller holds the slots lock
 * (shared is enough) so that @m stays pinned.
 * Return: as axvm_ept_map(): the number of present entries changed, or
 * -EINVAL for a range outside @m, or -ENOMEM (the range may be partly
 * mapped; unmap it or retry).
 */
int axvm_memslot_map(struct axvm_ept *ept, const struct axvm_memslot *m,
		     u64 gpa, u64 size, bool allow_2m)
{
	u32 prot = axvm_memslot_ept_prot(m);
	unsigned long changed = 0;
	u64 end;
	int ret;

	if (!m->used || !size || !PAGE_ALIGNED(gpa | size) || gpa < m->gpa ||
	    size > m->size || gpa - m->gpa > m->size - size)
		return -EINVAL;

	for (end = gpa + size; gpa < end; gpa += size) {
		unsigned long idx = (gpa - m->gpa) >> PAGE_SHIFT;
		unsigned long pfn = page_to_pfn(m->pages[idx]);

		if (allow_2m && IS_ALIGNED(gpa, SZ_2M) && end - gpa >= SZ_2M &&
		    axvm_memslot_can_map_2m(m, gpa)) {
			size = SZ_2M;
			ret = axvm_ept_map(ept, gpa, PFN_PHYS(pfn), size, prot,
					   true);
		} else {
			/* Stop at the next 2 MiB boundary: it may map 2M. */
			u64 stop = min(end, ALIGN(gpa + 1, SZ_2M));
			unsigned long n = 1;

			while (gpa + (n << PAGE_SHIFT) < stop &&
			       page_to_pfn(m->pages[idx + n]) == pfn + n)
				n++;
			size = (u64)n << PAGE_SHIFT;
			ret = axvm_ept_map(ept, gpa, PFN_PHYS(pfn), size, prot,
					   false);
		}
		if (ret < 0)
			return ret;
		changed += ret;
	}
	return min_t(unsigned long, changed, INT_MAX);
}

/**
 * axvm_memslot_map_fault() - map what an EPT violation at @gpa needs
 * @ept: the VM's EPT
 * @m: the used slot containing @gpa (axvm_memslot_find())
 * @gpa: the faulting guest-physical address
 * @allow_2m: the CPU supports 2 MiB EPT leaves
 *
 * Maps the whole 2 MiB block around @gpa if axvm_memslot_can_map_2m()
 * allows it, else the 4 KiB page. Several vCPUs may fault on the same
 * address at once: the later ones find the mapping there and change
 * nothing.
 *
 * Context: as axvm_memslot_map().
 * Return: as axvm_memslot_map().
 */
int axvm_memslot_map_fault(struct axvm_ept *ept, const struct axvm_memslot *m,
			   u64 gpa, bool allow_2m)
{
	if (allow_2m && axvm_memslot_can_map_2m(m, gpa))
		return axvm_memslot_map(ept, m, ALIGN_DOWN(gpa, SZ_2M), SZ_2M,
					true);
	return axvm_memslot_map(ept, m, ALIGN_DOWN(gpa, PAGE_SIZE), PAGE_SIZE,
				false);
}
