// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the guest's TSC frequency in CPUID (see tsc.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <x86intrin.h>

#include "tsc.h"

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A (TSC, ns) pair read close together: the tightest of a few tries. */
static void sample(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;
	int i;

	for (i = 0; i < 5; i++) {
		uint64_t a = __rdtsc(), n = raw_ns(), b = __rdtsc();

		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = n;
		}
	}
}

uint32_t tsc_host_khz(void)
{
	struct timespec d = { 0, 20000000 };
	uint64_t t0, n0, t1, n1, khz;

	sample(&t0, &n0);
	while (nanosleep(&d, &d) < 0 && errno == EINTR)
		;
	sample(&t1, &n1);
	if (n1 <= n0 || t1 <= t0)
		return 0;
	khz = (uint64_t)((unsigned __int128)(t1 - t0) * 1000000 / (n1 - n0));
	return khz > UINT32_MAX ? 0 : (uint32_t)khz;
}

static struct axvm_cpuid_entry *leaf(struct axvm_cpuid *t, unsigned int room, uint32_t fn)
{
	struct axvm_cpuid_entry *e;
	unsigned int i;

	for (i = 0; i < t->nent; i++)
		if (t->entries[i].function == fn)
			return &t->entries[i];
	if (t->nent >= room)
		return NULL;
	e = &t->entries[t->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	return e;
}

int tsc_cpuid_leaves(struct axvm_cpuid *t, unsigned int room, uint32_t khz)
{
	struct axvm_cpuid_entry *l0 = leaf(t, room, 0), *l15, *l16;
	uint32_t mul = 1, mhz = khz / 1000;

	l15 = leaf(t, room, 0x15);
	l16 = leaf(t, room, 0x16);
	if (!l0 || !l15 || !l16)
		return -1;
	if (l0->eax < 0x16)
		l0->eax = 0x16;
	/* Linux: tsc_khz = ECX / 1000 * EBX / EAX; ECX must fit 32 bits. */
	while ((uint64_t)khz / mul * 1000 > UINT32_MAX)
		mul++;
	l15->eax = 1;
	l15->ebx = mul;
	l15->ecx = khz / mul * 1000;
	l15->edx = 0;
	l16->eax = mhz ? (mhz > 0xffff ? 0xffff : mhz) : 1;
	l16->ebx = l16->eax;
	l16->ecx = 100;
	l16->edx = 0;
	return 0;
}

int tsc_set_cpuid(int vm_fd, uint32_t khz)
{
	unsigned int room = AXVM_MAX_CPUID_ENTRIES;
	struct axvm_cpuid *t = calloc(1, sizeof(*t) + room * sizeof(t->entries[0]));
	int r = 0;

	if (!t)
		return -ENOMEM;
	t->nent = room;
	if (ioctl(vm_fd, AXVM_GET_CPUID, t) < 0)
		r = -errno;
	else if (tsc_cpuid_leaves(t, room, khz) < 0)
		r = -E2BIG;
	else if (ioctl(vm_fd, AXVM_SET_CPUID, t) < 0)
		r = -errno;
	free(t);
	return r;
}
