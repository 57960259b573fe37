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
#include "exit/exit.h"
#include "exit/gmem.h"
#include "vmx/access.h"
#include "lib/gwalk.h"

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

static int read_pte(void *opaque, u64 gpa, unsigned int size, u64 *val)
{
	*val = 0;
	return axvm_gmem_rw(opaque, gpa, val, size, false);
}

/**
 * axvm_gmem_translate() - a guest linear address to guest-physical
 * @vcpu: a loaded vCPU (its paging mode is read from the hardware)
 * @la: the linear address
 * @access: AXVM_GWALK_READ, AXVM_GWALK_WRITE or AXVM_GWALK_FETCH
 * @gpa: out
 *
 * The one walker callback for every instruction emulation path: page-table
 * entries are read from guest RAM.
 *
 * Return: 0, or -EFAULT when the guest's own paging does not allow it.
 */
int axvm_gmem_translate(struct axvm_vcpu *vcpu, u64 la, unsigned int access,
			u64 *gpa)
{
	struct axvm_guest_mode m;
	struct axvm_gwalk_result r;
	struct axvm_gwalk_ctx ctx;

	axvm_vmx_read_mode(vcpu, &m);
	ctx = (struct axvm_gwalk_ctx){
		.cr0 = m.cr0, .cr3 = m.cr3, .cr4 = m.cr4, .efer = m.efer,
		.read = read_pte, .opaque = vcpu->vm,
	};
	if (axvm_gwalk(&ctx, la, access, &r))
		return -EFAULT;
	*gpa = r.gpa;
	return 0;
}
