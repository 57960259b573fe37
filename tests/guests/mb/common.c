// SPDX-License-Identifier: GPL-2.0
/*
 * Shared by the Multiboot test kernels: checks and command-line words.
 */
#include "mb.h"

int mb_failed;

void mb_check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (!ok)
		mb_failed++;
}

/* Whether word appears, space-delimited, in cmdline. */
int mb_has_word(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	const char *p = cmdline;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!memcmp(p, word, n) && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		while (*p && *p != ' ')
			p++;
	}
	return 0;
}

/*
 * 64-bit division for -m32 (printf's %llu): libgcc's helper, by shift and
 * subtract, so the kernels need no 32-bit libgcc (gcc-multilib).
 */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		r = r << 1 | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d);

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return __udivmoddi4(n, d, NULL);
}
