/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Multiboot test kernels' helpers; the boot information (Multiboot
 * 0.6.96, section 3.3) is userland/include/multiboot_abi.h. Freestanding; uses the guests'
 * little library (lib/guest.h) built for -m32.
 */
#ifndef AXVM_MB_H
#define AXVM_MB_H

#include "guest.h"
#include "multiboot_abi.h"

static inline void outw(uint16_t port, uint16_t val)
{
	__asm__ volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Counts a check; prints it like TAP. */
extern int mb_failed;
void mb_check(int ok, const char *what);
int mb_has_word(const char *cmdline, const char *word);

#endif
