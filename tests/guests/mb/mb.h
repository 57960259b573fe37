/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Multiboot test kernels' view of the boot information (Multiboot
 * 0.6.96, section 3.3) and a few helpers. Freestanding; uses the guests'
 * little library (lib/guest.h) built for -m32.
 */
#ifndef AXVM_MB_H
#define AXVM_MB_H

#include "guest.h"

#define MB_BOOT_MAGIC	0x2BADB002U

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

struct mb_mod {
	uint32_t start, end, string, reserved;
};

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
