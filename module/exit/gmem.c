// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel access to guest RAM by guest-physical address, through the
 * pinned pages of the memory slots (never through the VMM's mapping,
 * which it may change at any time).
 */
#include <linux/highmem.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include "core.h"
#include "exit/gmem.h"

/**
 * axvm_gmem_rw() - copy to or from guest RAM
 * @vm: the VM
 * @gpa: guest-physical address
 * @buf: kernel buffer
 * @len: bytes
 * @write: copy @buf into the guest
 *
 * Return: 0, -EFAULT if any byte is outside RAM, -EPERM for a write to a
 * read-only slot.
 */
int axvm_gmem_rw(struct axvm_vm *vm, u64 gpa, void *buf, size_t len,
		 bool write)
{
	int ret = 0;

	mutex_lock(&vm->lock);
	while (len) {
		const struct axvm_memslot *m = axvm_memslot_find(&vm->slots, gpa);
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(gpa));
		struct page *page;
		void *va;

		if (!m || axvm_memslot_gpa_to_page(m, gpa, &page)) {
			ret = -EFAULT;
			break;
		}
		if (write && (m->flags & AXVM_MEM_READONLY)) {
			ret = -EPERM;
			break;
		}
		va = kmap_local_page(page);
		if (write)
			memcpy(va + offset_in_page(gpa), buf, n);
		else
			memcpy(buf, va + offset_in_page(gpa), n);
		kunmap_local(va);
		gpa += n;
		buf += n;
		len -= n;
	}
	mutex_unlock(&vm->lock);
	return ret;
}
