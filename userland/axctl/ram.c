// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: guest memory. One anonymous mapping, 2 MiB aligned (THP),
 * pinned by the module through AXVM_SET_MEMORY_REGION: the part below
 * v->ram_low at GPA 0 (slot 0), the rest at 4 GiB (slot 1), past the PCI
 * hole. A VM that ran before keeps the last VMM's slots: they are replaced.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "axctl.h"
#include "vmm.h"

#define SZ_2M		0x200000ULL

/* Pinned guest memory is charged to RLIMIT_MEMLOCK: raise it if we may. */
static void raise_memlock(uint64_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need + (16ULL << 20))
		return;
	rl.rlim_cur = RLIM_INFINITY;
	rl.rlim_max = RLIM_INFINITY;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
		return;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
}

static void *alloc_ram(uint64_t size)
{
	uint64_t total = size + SZ_2M;
	uintptr_t raw, aligned;
	void *p;

	p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	raw = (uintptr_t)p;
	aligned = (raw + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1);
	if (aligned > raw)
		munmap(p, aligned - raw);
	if (raw + total > aligned + size)
		munmap((void *)(aligned + size), raw + total - (aligned + size));
	madvise((void *)aligned, size, MADV_HUGEPAGE);	/* best effort */
	return (void *)aligned;
}

static int set_region_at(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *hva)
{
	struct axvm_memory_region r = {
		.slot = slot,
		.gpa = gpa,
		.size = size,
		.hva = (uintptr_t)hva,
	};

	return ioctl(vm_fd, AXVM_SET_MEMORY_REGION, &r);
}

static int set_region(int vm_fd, uint64_t size, void *hva)
{
	return set_region_at(vm_fd, 0, 0, size, hva);
}

/* The part of RAM above v->ram_low, at 4 GiB (slot 1). */
static void add_high_ram(struct vmm *v)
{
	struct axvm_memory_region del = { .slot = 1 };
	uint64_t high = v->ram_size - v->ram_low;
	void *hva = (char *)v->ram + v->ram_low;

	if (!high)
		return;
	if (set_region_at(v->vm_fd, 1, SZ_4G, high, hva) == 0)
		return;
	/* A slot 1 left by the last VMM: drop it and try again. */
	if (ioctl(v->vm_fd, AXVM_SET_MEMORY_REGION, &del) == 0 &&
	    set_region_at(v->vm_fd, 1, SZ_4G, high, hva) == 0)
		return;
	axctl_die(AXCTL_EFAIL, "AXVM_SET_MEMORY_REGION of %llu bytes at 4 GiB: %s",
		  (unsigned long long)high, strerror(errno));
}

/* Allocate v->ram_size bytes of guest RAM (the loaders fill it next). */
void ram_alloc(struct vmm *v)
{
	char sz[32];

	format_size(v->ram_size, sz, sizeof(sz));
	raise_memlock(v->ram_size);
	v->ram = alloc_ram(v->ram_size);
	if (!v->ram)
		axctl_die(AXCTL_EFAIL, "cannot allocate %s of guest memory: %s", sz, strerror(errno));
}

/* Give the RAM to the VM: slot 0 at GPA 0, slot 1 at 4 GiB. */
void ram_add(struct vmm *v)
{
	char sz[32];
	int err;

	format_size(v->ram_size, sz, sizeof(sz));
	if (set_region(v->vm_fd, v->ram_low, v->ram) == 0) {
		add_high_ram(v);
		return;
	}
	err = errno;
	/*
	 * A VM that ran before still has the last VMM's RAM pinned in slot 0.
	 * Replacing it pins both for a moment (ENOMEM under RLIMIT_MEMLOCK):
	 * delete the old one first and try again.
	 */
	if (err == ENOMEM || err == EEXIST || err == EBUSY) {
		struct axvm_memory_region del = { .slot = 0 };

		if (ioctl(v->vm_fd, AXVM_SET_MEMORY_REGION, &del) == 0 &&
		    set_region(v->vm_fd, v->ram_low, v->ram) == 0) {
			add_high_ram(v);
			return;
		}
		errno = err;
	}
	if (err == E2BIG)
		axctl_die(AXCTL_EFAIL, "guest memory of %s is more than the module allows (max_vm_mem)", sz);
	if (err == ENOMEM)
		axctl_die(AXCTL_EFAIL, "cannot pin %s of guest memory (RLIMIT_MEMLOCK?)", sz);
	axctl_die(AXCTL_EFAIL, "AXVM_SET_MEMORY_REGION of %s: %s", sz, strerror(err));
}

void ram_free(struct vmm *v)
{
	if (v->ram)
		munmap(v->ram, v->ram_size);
	v->ram = NULL;
}
