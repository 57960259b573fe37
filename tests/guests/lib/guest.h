/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The axvm guests' little library: port I/O, the COM1 16550, printf,
 * strings, CRC32. Freestanding: only the compiler's own headers.
 *
 * Built twice: for the guest (-ffreestanding -nostdlib, port I/O with
 * IN/OUT), and with GUEST_HOST_TEST for a host program that routes port
 * I/O to axctl's device models (tests/guests/host/shim.c), so the demo's
 * output can be checked without VT-x.
 */
#ifndef AXVM_GUEST_H
#define AXVM_GUEST_H

#define COM1_PORT		0x3f8
#define DEBUG_EXIT_PORT		0xf4	/* axctl exits with (v << 1) | 1 */
#define GUEST_STACK_SIZE	16384

#ifndef __ASSEMBLER__

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* --- port I/O and CPU --------------------------------------------------- */

#ifdef GUEST_HOST_TEST
void outb(uint16_t port, uint8_t val);
uint8_t inb(uint16_t port);
void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
	   uint32_t *d);
#else
static inline void outb(uint16_t port, uint8_t val)
{
	__asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t val;

	__asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
	return val;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}
#endif

/* Guest-physical address to pointer: identity in the guest (axctl maps all RAM). */
#ifdef GUEST_HOST_TEST
void *phys_to_virt(uint64_t pa);
#else
static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}
#endif

/* --- COM1 ------------------------------------------------------------------ */

/* 115200 8N1, FIFOs on; returns 0, or -1 if the scratch register is not one. */
int com1_init(void);
void com1_putc(char c);

/* --- output ------------------------------------------------------------------ */

#ifdef GUEST_HOST_TEST		/* not libc's */
#define vsnprintf guest_vsnprintf
#define snprintf guest_snprintf
#define printf guest_printf
#define puts guest_puts
#endif

/*
 * printf subset: %c %s %d %i %u %x %X %p %%, the l and ll modifiers, a
 * field width and the 0 and - flags.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(__printf__, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int puts(const char *s);	/* with a newline, like libc's */

/* --- strings ------------------------------------------------------------------ */

size_t strlen(const char *s);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* --- checksums --------------------------------------------------------------- */

/* CRC-32/ISO-HDLC (zlib's crc32): crc32(0, "123456789", 9) == 0xcbf43926. */
uint32_t crc32(uint32_t crc, const void *buf, size_t len);

/* The guest's entry point, called by lib/start.S. */
int guest_main(const char *cmdline, uint64_t ram_size);

#endif /* __ASSEMBLER__ */
#endif
