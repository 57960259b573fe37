// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the gdb stub's pure parts: the RSP packet parser and
 * writer (rsp.c), the --gdb address, the register file and target.xml
 * (gdb_regs.c), the guest page walk (gdb_mem.c) over page tables built
 * here in a fake guest memory, and the DR7 bits of a breakpoint (gdb.h).
 */
#include <string.h>

#include "gdb.h"
#include "gdb_mem.h"
#include "gdb_regs.h"
#include "rsp.h"
#include "tests/harness.h"

/* Feed a string; the last event other than RSP_NONE. */
static enum rsp_event feed(struct rsp_parser *p, const char *s, size_t n)
{
	enum rsp_event last = RSP_NONE, e;
	size_t i;

	for (i = 0; i < n; i++) {
		e = rsp_feed(p, (uint8_t)s[i]);
		if (e != RSP_NONE)
			last = e;
	}
	return last;
}

static void test_parser(void)
{
	struct rsp_parser p;
	char big[RSP_MAX + 16];
	char out[64];
	size_t n;

	rsp_init(&p);
	check(feed(&p, "$g#67", 5) == RSP_PACKET && !strcmp(p.buf, "g"), "'$g#67' is packet g");
	check(feed(&p, "$g#68", 5) == RSP_BAD_CSUM, "a wrong checksum is refused");
	check(feed(&p, "$g#6z", 5) == RSP_BAD_CSUM, "a checksum that is not hex is refused");
	check(feed(&p, "+", 1) == RSP_ACK && feed(&p, "-", 1) == RSP_NAK, "acks outside packets");
	check(feed(&p, "\x03", 1) == RSP_INTERRUPT, "^C outside a packet is the interrupt");
	check(feed(&p, "xyz$m10,4#2e", 12) == RSP_PACKET && !strcmp(p.buf, "m10,4"),
	      "noise before '$' is skipped");
	/* "}\x03" is 0x03 ^ 0x20: "X#". */
	check(feed(&p, "$X}\x03#d8", 7) == RSP_PACKET && p.len == 2 && p.buf[1] == '#',
	      "'}' escapes the next byte (XOR 0x20), the checksum counts it as sent");
	check(feed(&p, "$\x03#03", 5) == RSP_PACKET && p.buf[0] == 3,
	      "0x03 inside a packet is data, not an interrupt");
	check(feed(&p, "$ab$g#67", 8) == RSP_PACKET && !strcmp(p.buf, "g"),
	      "a '$' inside a packet starts a new one");
	memset(big, 'a', sizeof(big));
	big[0] = '$';
	memcpy(big + sizeof(big) - 3, "#00", 3);
	check(feed(&p, big, sizeof(big)) == RSP_TOO_LONG, "a packet over RSP_MAX is refused");
	check(feed(&p, "$OK#9a", 6) == RSP_PACKET, "the parser recovers after an overlong packet");

	n = rsp_frame(out, sizeof(out), "OK", 2);
	check(n == 6 && !memcmp(out, "$OK#9a", 6), "frame 'OK' is $OK#9a");
	n = rsp_frame(out, sizeof(out), "a#b$c}d*", 8);
	check(n > 0 && !memcmp(out, "$a}\x03" "b}\x04" "c}]d}\x0a#", 14), "frame escapes # $ } *");
	rsp_init(&p);
	check(feed(&p, out, n) == RSP_PACKET && !strcmp(p.buf, "a#b$c}d*"),
	      "a framed packet parses back to its payload");
	check(rsp_frame(out, 6, "OK", 2) == 6 && rsp_frame(out, 5, "OK", 2) == 0,
	      "frame refuses a buffer too small");
}

static void test_hex(void)
{
	const char *s = "1f,2";
	uint8_t b[4];
	char h[9];
	uint64_t v;

	check(rsp_hex_u64(&s, &v) && v == 0x1f && *s == ',', "hex number stops at ','");
	s = "";
	check(!rsp_hex_u64(&s, &v), "an empty hex number is refused");
	s = "11112222333344445";
	check(!rsp_hex_u64(&s, &v), "more than 16 hex digits are refused");
	s = "ffffffffffffffff";
	check(rsp_hex_u64(&s, &v) && v == ~0ULL, "16 hex digits");
	check(rsp_hex_decode(b, "deadBEEF", 4) && b[0] == 0xde && b[3] == 0xef, "hex decode");
	check(!rsp_hex_decode(b, "dexd", 2), "hex decode refuses a non-digit");
	rsp_hex_encode(h, b, 4);
	check(!strcmp(h, "deadbeef"), "hex encode");
}

static void test_listen(void)
{
	struct rsp_listen l;

	check(rsp_parse_listen("tcp:1234", &l) && !l.unix_socket && l.port == 1234, "tcp:1234");
	check(!rsp_parse_listen("tcp:0", &l) && !rsp_parse_listen("tcp:65536", &l) &&
	      !rsp_parse_listen("tcp:", &l) && !rsp_parse_listen("tcp:12x", &l),
	      "bad TCP ports are refused");
	check(rsp_parse_listen("unix:/tmp/g.sock", &l) && l.unix_socket &&
	      !strcmp(l.path, "/tmp/g.sock"), "unix:PATH");
	check(!rsp_parse_listen("unix:", &l) && !rsp_parse_listen("udp:1", &l) &&
	      !rsp_parse_listen("1234", &l), "no path, other schemes refused");
}

static void test_regs(void)
{
	static char hex[2 * GDB_G_BYTES + 1];
	struct gdb_cpu cpu, back;
	uint8_t buf[16];
	unsigned int i;
	int total = 0;

	for (i = 0; i < GDB_NR_REGS; i++)
		total += gdb_reg_size(i);
	check(total == GDB_G_BYTES && gdb_reg_size(GDB_NR_REGS) < 0,
	      "register sizes add up to the g packet (%d bytes)", total);
	check(strstr(gdb_target_xml(), "<architecture>i386:x86-64</architecture>") &&
	      strstr(gdb_target_xml(), "org.gnu.gdb.i386.core") &&
	      strstr(gdb_target_xml(), "org.gnu.gdb.i386.sse") &&
	      strstr(gdb_target_xml(), "name=\"cr3\"") && strstr(gdb_target_xml(), "name=\"fs_base\""),
	      "target.xml: i386:x86-64, core, sse, segment bases, control registers");
	memset(&cpu, 0, sizeof(cpu));
	cpu.r.rax = 0x1122334455667788ULL;
	cpu.r.rbx = 2;
	cpu.r.rsp = 0x7000;
	cpu.r.r15 = 15;
	cpu.r.rip = 0x100000;
	cpu.r.rflags = 0x246;
	cpu.s.cs.selector = 0x10;
	cpu.s.gs.selector = 0x18;
	cpu.s.fs.base = 0xf5;
	cpu.s.cr0 = 0x80000011;
	cpu.s.cr3 = 0x1000;
	cpu.s.efer = 0x500;
	gdb_regs_encode(&cpu, hex);
	check(strlen(hex) == 2 * GDB_G_BYTES && !strncmp(hex, "8877665544332211", 16),
	      "g: RAX first, little endian");
	check(!strncmp(hex + 16 * 7, "0070000000000000", 16), "g: RSP is register 7");
	check(!strncmp(hex + 16 * 16, "0000100000000000" "46020000" "10000000", 32),
	      "g: RIP, 32-bit EFLAGS, CS after the GPRs");
	memset(&back, 0, sizeof(back));
	check(gdb_regs_decode(&back, hex, strlen(hex)) && !memcmp(&back.r, &cpu.r, sizeof(cpu.r)) &&
	      back.s.cr3 == 0x1000 && back.s.fs.base == 0xf5 && back.s.gs.selector == 0x18,
	      "G of the g packet gives the same registers");
	check(!gdb_regs_decode(&back, hex, strlen(hex) - 2), "G of the wrong length is refused");
	hex[5] = 'x';
	check(!gdb_regs_decode(&back, hex, strlen(hex)), "G with a non-digit is refused");
	check(gdb_reg_get(&cpu, GDB_REG_CR0 + 2, buf) == 8 && buf[1] == 0x10, "p: cr3");
	check(gdb_reg_get(&cpu, GDB_REG_EFER, buf) == 8 && buf[1] == 5, "p: efer");
	check(gdb_reg_get(&cpu, GDB_REG_ST0, buf) == 10 && !buf[0], "p: st0 reads 0");
	buf[0] = 0x34;
	buf[1] = 0x12;
	check(gdb_reg_set(&cpu, 2, (uint8_t[8]){ 0x34, 0x12 }) == 1 && cpu.r.rcx == 0x1234,
	      "P: rcx changes struct axvm_regs");
	check(gdb_reg_set(&cpu, GDB_REG_CR0 + 2, (uint8_t[8]){ 0, 0x20 }) == 2 && cpu.s.cr3 == 0x2000,
	      "P: cr3 changes struct axvm_sregs");
	check(gdb_reg_set(&cpu, GDB_REG_XMM0, buf) == 0 && gdb_reg_set(&cpu, 99, buf) == -1,
	      "P: xmm0 is not kept, register 99 does not exist");
}

/* --- the page walk over a fake guest memory ------------------------------ */

#define MEM_SIZE	(4u << 20)
static uint8_t *mem;

static bool rd(void *arg, uint64_t gpa, unsigned int len, uint64_t *val)
{
	(void)arg;
	*val = 0;
	if (gpa + len > MEM_SIZE)
		return false;
	memcpy(val, mem + gpa, len);
	return true;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, 4);
}

static bool xlate(const struct gdb_paging *pg, uint64_t la, uint64_t *gpa, uint64_t *room)
{
	return gdb_translate(pg, la, rd, NULL, gpa, room);
}

static void test_walk(void)
{
	struct gdb_paging pg = { 0 };
	uint64_t gpa = 0, room = 0;

	mem = calloc(1, MEM_SIZE);
	if (!mem) {
		check(0, "memory for the page walk");
		return;
	}
	check(xlate(&pg, 0x12345, &gpa, &room) && gpa == 0x12345 && room == 0x1000 - 0x345,
	      "no paging: linear is physical");

	/* 4-level: la 0xffff800000201234 -> PML4[256] -> PDPT[0] -> PD[1] -> PT[1]. */
	pg = (struct gdb_paging){ .cr0 = 0x80000001, .cr4 = 0x20, .efer = 0x500, .cr3 = 0x1000 };
	put64(0x1000 + 256 * 8, 0x2000 | 3);
	put64(0x2000, 0x3000 | 3);
	put64(0x3000 + 1 * 8, 0x4000 | 3);
	put64(0x4000 + 1 * 8, 0x123000 | 3);
	check(xlate(&pg, 0xffff800000201234ULL, &gpa, &room) && gpa == 0x123234 && room == 0xdcc,
	      "4-level walk to a 4 KiB page");
	/* PD[2] a 2 MiB page at 0x200000 */
	put64(0x3000 + 2 * 8, 0x200000 | 0x83);
	check(xlate(&pg, 0xffff800000456789ULL, &gpa, &room) && gpa == 0x256789 &&
	      room == 0x200000 - 0x56789, "4-level walk to a 2 MiB page");
	check(!xlate(&pg, 0xffff800000601000ULL, &gpa, &room), "a non-present PDE fails the walk");
	check(!xlate(&pg, 0x1000, &gpa, &room), "a non-present PML4E fails the walk");
	/* 1 GiB page in PDPT[1] */
	put64(0x2000 + 8, 0x40000000ULL | 0x83);
	check(xlate(&pg, 0xffff800040000010ULL, &gpa, &room) && gpa == 0x40000010,
	      "4-level walk to a 1 GiB page");
	/* 5-level: PML5[0] -> the PML4 above, la bits 56:48 = 0 -> PML4 index from bits 47:39. */
	pg.cr4 |= 1 << 12;
	pg.cr3 = 0x5000;
	put64(0x5000, 0x1000 | 3);
	check(xlate(&pg, 0x0000800000201234ULL, &gpa, &room) && gpa == 0x123234,
	      "5-level walk (CR4.LA57)");

	/* PAE: PDPTE[0] at CR3 -> PD[0] 2 MiB page; PD[1] -> PT[3]. */
	memset(mem, 0, 0x10000);
	pg = (struct gdb_paging){ .cr0 = 0x80000001, .cr4 = 0x20, .cr3 = 0x1020 };
	put64(0x1020, 0x2000 | 1);
	put64(0x2000, 0x400000 | 0x83);
	put64(0x2008, 0x3000 | 3);
	put64(0x3000 + 3 * 8, 0x9000 | 3);
	check(xlate(&pg, 0x1234, &gpa, &room) && gpa == 0x401234, "PAE: 2 MiB page");
	check(xlate(&pg, 0x203456, &gpa, &room) && gpa == 0x9456, "PAE: 4 KiB page");
	check(!xlate(&pg, 0x40000000, &gpa, &room), "PAE: a non-present PDPTE fails");

	/* 32-bit: PDE[0] -> PT, PDE[1] a 4 MiB page with PSE. */
	memset(mem, 0, 0x10000);
	pg = (struct gdb_paging){ .cr0 = 0x80000001, .cr4 = 0x10, .cr3 = 0x1000 };
	put32(0x1000, 0x2000 | 3);
	put32(0x2000 + 5 * 4, 0x7000 | 3);
	put32(0x1004, 0x00800000 | 0x83);
	check(xlate(&pg, 0x5678, &gpa, &room) && gpa == 0x7678, "32-bit: 4 KiB page");
	check(xlate(&pg, 0x412345, &gpa, &room) && gpa == 0x812345 && room == 0x400000 - 0x12345,
	      "32-bit: 4 MiB page (CR4.PSE)");
	pg.cr4 = 0;
	check(!xlate(&pg, 0x412345, &gpa, &room), "32-bit without PSE: PS is ignored (no PT there)");
	free(mem);
}

static void test_dr7(void)
{
	check(gdb_dr7_bits(0, GDB_HW_EXEC, 1) == 0x1, "DR7: instruction breakpoint 0 is L0, R/W 00, LEN 00");
	check(gdb_dr7_bits(1, GDB_HW_WRITE, 4) == (0x4 | (1ULL << 20) | (3ULL << 22)),
	      "DR7: 4-byte write watchpoint 1");
	check(gdb_dr7_bits(3, GDB_HW_ACCESS, 8) == (0x40 | (3ULL << 28) | (2ULL << 30)),
	      "DR7: 8-byte access watchpoint 3");
}

int main(void)
{
	test_parser();
	test_hex();
	test_listen();
	test_regs();
	test_walk();
	test_dr7();
	printf("gdb: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
