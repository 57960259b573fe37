// SPDX-License-Identifier: GPL-2.0
/*
 * mb_hello: the smallest Multiboot test kernel. Prints a greeting, its
 * command line, the memory information, the memory map and the modules
 * from the Multiboot info structure over COM1, checks them, and exits
 * through the debug-exit port with the number of failed checks (axctl:
 * status (n << 1) | 1, so 1 when all pass).
 */
#include "mb.h"

int mb_main(uint32_t magic, const struct mb_info *mbi);

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t i, ram_kib = 0;

	mb_check(com1_init() == 0, "COM1 scratch register");
	printf("Hello from the axvm Multiboot guest!\n");
	mb_check(magic == MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
	if (magic != MB_BOOT_MAGIC)
		return 1 + mb_failed;
	printf("loader: %s\n", mbi->flags & (1U << 9) ?
	       (const char *)(uintptr_t)mbi->boot_loader_name : "?");
	mb_check(mbi->flags & (1U << 2), "info has a command line");
	if (mbi->flags & (1U << 2))
		printf("cmdline: \"%s\"\n", (const char *)(uintptr_t)mbi->cmdline);
	mb_check(mbi->flags & 1, "info has mem_lower/mem_upper");
	printf("mem_lower: %u KiB, mem_upper: %u KiB\n", mbi->mem_lower, mbi->mem_upper);
	mb_check(mbi->mem_lower == 640, "mem_lower is 640 KiB");
	mb_check(mbi->flags & (1U << 6), "info has a memory map");
	for (i = 0; i < mbi->mmap_length;) {
		const struct mb_mmap_entry *m = (const void *)(uintptr_t)(mbi->mmap_addr + i);

		printf("mmap: 0x%llx-0x%llx type %u\n", (unsigned long long)m->addr,
		       (unsigned long long)(m->addr + m->len - 1), m->type);
		if (m->type == 1 && m->addr == 0x100000)
			ram_kib = m->len >> 10;
		i += m->size + 4;
	}
	mb_check(ram_kib == mbi->mem_upper, "mmap RAM at 1 MiB agrees with mem_upper");
	if (mbi->flags & (1U << 3)) {
		const struct mb_module_entry *mod = (const void *)(uintptr_t)mbi->mods_addr;

		for (i = 0; i < mbi->mods_count; i++) {
			printf("module %u: \"%s\" at 0x%x, %u bytes, crc32 %08x\n", i,
			       (const char *)(uintptr_t)mod[i].string, mod[i].mod_start,
			       mod[i].mod_end - mod[i].mod_start,
			       crc32(0, (const void *)(uintptr_t)mod[i].mod_start,
				     mod[i].mod_end - mod[i].mod_start));
			mb_check(!(mod[i].mod_start & 0xfff), "module is page aligned");
		}
	}
	printf("mb_hello: %d failed\n", mb_failed);
	return mb_failed;
}
