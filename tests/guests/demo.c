// SPDX-License-Identifier: GPL-2.0
/*
 * The axvm demo guest: greets over COM1, computes a few things, echoes the
 * command line `axctl start --append` gave it, and exits through the
 * debug-exit port with the number of failed self-checks. `axctl start`
 * then exits with (failures << 1) | 1: status 1 means the demo passed.
 */
#include "guest.h"

static const char greeting[] = "Hello from the axvm demo guest!";

static unsigned int checks, failed;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok) {
		failed++;
		printf("self-check FAILED: %s\n", what);
	}
}

static int is_prime(unsigned int n)
{
	if (n < 2)
		return 0;
	for (unsigned int d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

static void primes(void)
{
	unsigned int n, found = 0, sum = 0, count = 0;

	printf("first 10 primes:");
	for (n = 2; found < 10; n++) {
		if (is_prime(n)) {
			printf(" %u", n);
			sum += n;
			found++;
		}
	}
	printf("\n");
	check(sum == 129, "the first 10 primes add up to 129");

	/* Some real work: long enough for the preemption timer to fire. */
	for (n = 0; n < 20000; n++)
		count += is_prime(n);
	printf("primes below 20000: %u\n", count);
	check(count == 2262, "2262 primes below 20000");
}

static void fibonacci(void)
{
	uint64_t a = 0, b = 1;

	printf("fib(1..15):");
	for (int i = 1; i <= 15; i++) {
		uint64_t t = a + b;

		printf(" %lu", (unsigned long)b);
		a = b;
		b = t;
	}
	printf("\n");
	check(a == 610, "fib(15) = 610");
}

static void checksums(void)
{
	uint32_t c = crc32(0, greeting, sizeof(greeting) - 1);

	printf("crc32(\"%s\") = 0x%08x\n", greeting, c);
	check(crc32(0, "123456789", 9) == 0xcbf43926, "CRC-32 check value 0xcbf43926");
}

static void cpu(void)
{
	uint32_t a, b, c, d;
	char vendor[13];

	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	printf("CPU vendor \"%s\", highest CPUID leaf 0x%x\n", vendor, a);
}

/* Write and read back 4 MiB in the middle of RAM (EPT faults it in). */
static void memory(uint64_t ram_size)
{
	uint64_t base = (ram_size / 2) & ~0xfffffULL, len = 4ULL << 20, i;
	uint64_t *p;
	int ok = 1;

	if (ram_size < 16ULL << 20) {
		printf("RAM test skipped (less than 16 MiB)\n");
		return;
	}
	p = phys_to_virt(base);
	for (i = 0; i < len / 8; i++)
		p[i] = (base + 8 * i) ^ 0x5a5a5a5a5a5a5a5aULL;
	for (i = 0; i < len / 8; i++)
		if (p[i] != ((base + 8 * i) ^ 0x5a5a5a5a5a5a5a5aULL))
			ok = 0;
	printf("RAM test at 0x%lx-0x%lx: %s\n", (unsigned long)base,
	       (unsigned long)(base + len), ok ? "ok" : "MISMATCH");
	check(ok, "RAM reads back what was written");
}

int guest_main(const char *cmdline, uint64_t ram_size)
{
	int uart_ok = com1_init() == 0;

	puts(greeting);
	printf("64-bit long mode, %lu MiB of RAM, COM1 scratch register %s\n",
	       (unsigned long)(ram_size >> 20), uart_ok ? "ok" : "BROKEN");
	check(uart_ok, "COM1 scratch register reads back");
	cpu();
	primes();
	fibonacci();
	checksums();
	memory(ram_size);
	if (cmdline && *cmdline)
		printf("command line: \"%s\"\n", cmdline);
	else
		printf("no command line (axctl start --append STR gives one)\n");
	printf("self-checks: %u passed, %u failed\n", checks - failed, failed);
	printf("bye: writing %u to the debug-exit port 0x%x\n", failed, DEBUG_EXIT_PORT);
	return (int)failed;
}
