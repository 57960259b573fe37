// SPDX-License-Identifier: GPL-2.0
/*
 * mb_gdb: the guest of gdb_test (tests/selftests), which debugs it
 * through `axctl start --gdb`. Calls gdb_target(1), (2), (3), each adding
 * its argument to gdb_counter, and exits through the debug-exit port
 * with 0 (axctl: status 1) when the counter is 6. gdb_magic is there to
 * be read with `m`. The test finds the symbols in this ELF's symbol
 * table.
 */
#include "mb.h"

int mb_main(uint32_t magic, const struct mb_info *mbi);
void gdb_target(uint32_t n);

volatile uint32_t gdb_counter;
volatile uint32_t gdb_magic = 0x600d600d;

/* noinline: the breakpoints go on its first instruction. */
__attribute__((noinline)) void gdb_target(uint32_t n)
{
	gdb_counter += n;
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t i;

	(void)magic;
	(void)mbi;
	com1_init();
	printf("mb_gdb: start\n");
	for (i = 1; i <= 3; i++)
		gdb_target(i);
	printf("mb_gdb: counter %u\n", gdb_counter);
	return gdb_counter == 6 ? 0 : 1;
}
