// SPDX-License-Identifier: GPL-2.0
/*
 * mb_fwcfg: reads QEMU's fw_cfg through the legacy ports (selector 0x510,
 * data 0x511): the signature, the ID, NB_CPUS, RAM_SIZE and the file
 * directory, where it looks for etc/axvm/version and prints it. Checks
 * the 16550's registers too. Exits with the number of failed checks.
 *
 * Command-line words: "reset92" / "reset64" end by resetting the machine
 * through port 0x92 or the keyboard controller instead (axctl: status 28).
 * Built with the a.out kludge (MB_AOUT): the loader must use the
 * header's address fields.
 */
#include "mb.h"

#define SEL	0x510
#define DATA	0x511

int mb_main(uint32_t magic, const struct mb_info *mbi);

static void fw_read(uint16_t key, void *buf, uint32_t len)
{
	uint8_t *p = buf;

	outw(SEL, key);
	while (len--)
		*p++ = inb(DATA);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void uart_checks(void)
{
	outb(0x3f8 + 3, 0x80);			/* DLAB */
	outb(0x3f8 + 0, 0x0c);
	outb(0x3f8 + 1, 0x00);
	mb_check(inb(0x3f8 + 0) == 0x0c, "16550: divisor latch reads back");
	outb(0x3f8 + 3, 0x03);
	mb_check(inb(0x3f8 + 3) == 0x03, "16550: LCR reads back");
	mb_check((inb(0x3f8 + 5) & 0x60) == 0x60, "16550: LSR says THR empty");
	mb_check((inb(0x3f8 + 2) & 0xc0) == 0xc0, "16550: IIR shows FIFOs on");
	outb(0x3f8 + 7, 0xa5);
	mb_check(inb(0x3f8 + 7) == 0xa5, "16550: scratch register");
	outb(0x3f8 + 3, 0x80);
	outb(0x3f8 + 0, 0x01);			/* back to 115200 */
	outb(0x3f8 + 3, 0x03);
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	const char *cmdline = (const char *)(uintptr_t)mbi->cmdline;
	uint8_t sig[4], id[4], cpus[2], ram[8], cnt[4], ent[64];
	uint32_t i, n, found = 0;
	uint64_t ram_size = 0;
	char text[64];

	mb_check(com1_init() == 0, "COM1 scratch register");
	printf("mb_fwcfg: fw_cfg from a Multiboot (a.out kludge) guest\n");
	mb_check(magic == MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
	uart_checks();
	fw_read(0x0000, sig, 4);
	printf("fw_cfg signature: %c%c%c%c\n", sig[0], sig[1], sig[2], sig[3]);
	mb_check(!memcmp(sig, "QEMU", 4), "signature is QEMU");
	fw_read(0x0001, id, 4);
	mb_check(id[0] & 1, "ID: traditional interface");
	fw_read(0x0005, cpus, 2);
	printf("fw_cfg NB_CPUS: %u\n", cpus[0] | cpus[1] << 8);
	mb_check((cpus[0] | cpus[1] << 8) >= 1, "NB_CPUS at least 1");
	fw_read(0x0003, ram, 8);
	for (i = 0; i < 8; i++)
		ram_size |= (uint64_t)ram[i] << (8 * i);
	printf("fw_cfg RAM_SIZE: %llu MiB\n", (unsigned long long)(ram_size >> 20));
	mb_check(ram_size == ((uint64_t)mbi->mem_upper << 10) + 0x100000,
		 "RAM_SIZE agrees with mem_upper");
	fw_read(0x0019, cnt, 4);
	n = be32(cnt);
	printf("fw_cfg files: %u\n", n);
	/* The directory item goes on: entries follow the count. */
	for (i = 0; i < n && i < 32; i++) {
		uint32_t size;
		uint16_t key;
		int j;

		for (j = 0; j < 64; j++)
			ent[j] = inb(DATA);
		size = be32(ent);
		key = ent[4] << 8 | ent[5];
		printf("fw_cfg file 0x%04x: %s (%u bytes)\n", key, (const char *)ent + 8, size);
		if (!memcmp(ent + 8, "etc/axvm/version", 17) && size < sizeof(text)) {
			memset(text, 0, sizeof(text));
			fw_read(key, text, size);
			printf("etc/axvm/version: %s", text);
			found = !memcmp(text, "axctl ", 6);
			outw(SEL, 0x0019);	/* back into the directory */
			for (j = 0; j < (int)(4 + 64 * (i + 1)); j++)
				inb(DATA);
		}
	}
	mb_check(found, "etc/axvm/version in the file directory");
	outw(SEL, 0x0000);
	for (i = 0; i < 4; i++)
		inb(DATA);
	mb_check(inb(DATA) == 0, "reads past an item's end give 0");
	mb_check(inb(0x2f0) == 0xff, "unhandled port reads all ones");
	printf("mb_fwcfg: %d failed\n", mb_failed);
	if (mb_has_word(cmdline, "reset92")) {
		printf("mb_fwcfg: reset through port 0x92\n");
		outb(0x92, inb(0x92) | 1);
	}
	if (mb_has_word(cmdline, "reset64")) {
		printf("mb_fwcfg: reset through the keyboard controller\n");
		outb(0x64, 0xfe);
	}
	return mb_failed;
}
