// SPDX-License-Identifier: GPL-2.0
/*
 * axctl host unit tests: parsers, the exit-reason table, the UART and
 * port-I/O models, the image loader and boot state (flat and ELF64, page
 * tables, GDT), the vCPU rules of a multi-vCPU VM (smp.h). No module, no
 * netlink: they run anywhere.
 *
 *   unit_test [GUEST_ELF]   (GUEST_ELF: also load tests/guests/bin/demo)
 */
#include <elf.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axctl.h"
#include "devices.h"
#include "image.h"
#include "smp.h"
#include "trace.h"
#include "tests/harness.h"

#define SZ_2M	0x200000ULL
#define SZ_1G	0x40000000ULL

/* --- parsers -------------------------------------------------------------- */

static void test_parsers(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} sizes[] = {
		{ "64M", 1, 64ULL << 20 }, { "1G", 1, 1ULL << 30 }, { "512k", 1, 512ULL << 10 },
		{ "2MiB", 1, 2ULL << 20 }, { "64MB", 1, 64ULL << 20 }, { "1048576", 1, 1048576 },
		{ "1T", 1, 1ULL << 40 }, { "4096B", 1, 4096 },
		{ "0", 0, 0 }, { "", 0, 0 }, { "M", 0, 0 }, { "64X", 0, 0 }, { "1.5G", 0, 0 },
		{ "-1M", 0, 0 }, { "64M ", 0, 0 }, { "99999999999999999999", 0, 0 },
		{ "17179869184G", 0, 0 }, { "64Mi", 0, 0 },
	};
	char buf[32];
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int ok = parse_size(sizes[i].s, &v);

		check(ok == sizes[i].ok && (!ok || v == sizes[i].v), "parse_size(\"%s\") %s",
		      sizes[i].s, sizes[i].ok ? "parses" : "is refused");
	}
	format_size(64ULL << 20, buf, sizeof(buf));
	check(!strcmp(buf, "64M"), "format_size(64 MiB) = 64M (%s)", buf);
	format_size(1ULL << 30, buf, sizeof(buf));
	check(!strcmp(buf, "1G"), "format_size(1 GiB) = 1G (%s)", buf);
	format_size(1536ULL << 10, buf, sizeof(buf));
	check(!strcmp(buf, "1536K"), "format_size(1.5 MiB) = 1536K (%s)", buf);
	format_size(12345, buf, sizeof(buf));
	check(!strcmp(buf, "12345"), "format_size(12345) = 12345 (%s)", buf);

	check(parse_uint("1", 1, 64, &v) && v == 1, "parse_uint 1 in 1..64");
	check(parse_uint("64", 1, 64, &v) && v == 64, "parse_uint 64 in 1..64");
	check(!parse_uint("0", 1, 64, &v), "parse_uint 0 refused in 1..64");
	check(!parse_uint("65", 1, 64, &v), "parse_uint 65 refused in 1..64");
	check(!parse_uint("2x", 1, 64, &v), "parse_uint 2x refused");
	check(!parse_uint("-1", 1, 64, &v), "parse_uint -1 refused");

	check(vm_name_valid("demo"), "name demo valid");
	check(vm_name_valid("a.b-c_1"), "name a.b-c_1 valid");
	check(vm_name_valid("0123456789012345678901234567890"), "31-character name valid");
	check(!vm_name_valid("01234567890123456789012345678901"), "32-character name refused");
	check(!vm_name_valid(""), "empty name refused");
	check(!vm_name_valid("bad/name"), "name with / refused");
	check(!vm_name_valid("caf\xc3\xa9"), "non-ASCII name refused");
	check(!vm_name_valid("a b"), "name with a space refused");
}

static void test_names(void)
{
	check(!strcmp(vmx_reason_name(10), "CPUID"), "reason 10 is CPUID");
	check(!strcmp(vmx_reason_name(12), "HLT"), "reason 12 is HLT");
	check(!strcmp(vmx_reason_name(30), "IO_INSTRUCTION"), "reason 30 is IO_INSTRUCTION");
	check(!strcmp(vmx_reason_name(48), "EPT_VIOLATION"), "reason 48 is EPT_VIOLATION");
	check(!strcmp(vmx_reason_name(52), "PREEMPTION_TIMER"), "reason 52 is PREEMPTION_TIMER");
	check(!strcmp(vmx_reason_name(33), "INVALID_STATE"), "reason 33 is INVALID_STATE");
	check(vmx_reason_name(35) == NULL && vmx_reason_name(1000) == NULL,
	      "unknown reasons have no name");
	check(!strcmp(exit_kind_name(AXVM_EXIT_SYSTEM_DOWN), "SYSTEM_DOWN") &&
	      !strcmp(exit_kind_name(99), "KIND_99"), "exit kind names");
	check(!strcmp(vm_state_name(1), "running") && !strcmp(genl_event_name(4), "vcpu-exit"),
	      "state and event names");
}

/* --- devices ---------------------------------------------------------------- */

/* What the UART wrote to the pipe so far. */
static size_t drain(int fd, char *buf, size_t len)
{
	ssize_t r = read(fd, buf, len - 1);

	buf[r > 0 ? r : 0] = '\0';
	return r > 0 ? (size_t)r : 0;
}

static void test_uart(void)
{
	struct uart16550 u;
	int p[2];
	char out[64];

	if (pipe(p) || fcntl(p[0], F_SETFL, O_NONBLOCK)) {
		check(0, "pipe");
		return;
	}
	uart_init(&u, p[1]);
	uart_write(&u, UART_RBR_THR, 'h');
	uart_write(&u, UART_RBR_THR, 'i');
	check(drain(p[0], out, sizeof(out)) == 2 && !strcmp(out, "hi"), "THR writes reach the output fd");
	check(u.tx_bytes == 2 && u.last_tx == 'i', "transmitted bytes counted");
	check(uart_read(&u, UART_LSR) == 0x60, "LSR reads 0x60 (THR empty, TEMT)");
	check(uart_read(&u, UART_IIR_FCR) == 0x01, "IIR reads 0x01 (no interrupt)");
	check(uart_read(&u, UART_RBR_THR) == 0, "RBR reads 0");
	uart_write(&u, UART_IER, 0xff);
	check(uart_read(&u, UART_IER) == 0x0f, "IER keeps its 4 bits");
	uart_write(&u, UART_SCR, 0xa5);
	check(uart_read(&u, UART_SCR) == 0xa5, "SCR reads back");
	uart_write(&u, UART_MCR, 0xff);
	check(uart_read(&u, UART_MCR) == 0x1f, "MCR keeps its 5 bits");
	uart_write(&u, UART_MCR, 0x03);
	check((uart_read(&u, UART_MSR) & 0xf0) == 0xb0, "MSR: DCD, DSR, CTS");

	uart_write(&u, UART_LCR, 0x83);
	check(uart_read(&u, UART_LCR) == 0x83, "LCR reads back");
	uart_write(&u, UART_RBR_THR, 0x0c);
	uart_write(&u, UART_IER, 0x01);
	check(uart_read(&u, UART_RBR_THR) == 0x0c && uart_read(&u, UART_IER) == 0x01,
	      "DLL/DLM read back with LCR.DLAB");
	check(drain(p[0], out, sizeof(out)) == 0, "a DLL write is not output");
	uart_write(&u, UART_LCR, 0x03);
	check(uart_read(&u, UART_IER) == 0x0f, "IER back once DLAB is clear");
	check(u.s.dll == 0x0c && u.s.dlm == 0x01, "divisor latch kept");

	uart_write(&u, UART_MCR, 0x1a);	/* loop, RTS, OUT2 */
	check((uart_read(&u, UART_MSR) & 0xf0) == 0x90, "loopback: MSR = CTS|DCD for RTS|OUT2");
	uart_write(&u, UART_RBR_THR, 'x');
	check(drain(p[0], out, sizeof(out)) == 0, "loopback: THR not output");
	check(uart_read(&u, UART_LSR) == 0x61, "loopback: LSR.DR set");
	check(uart_read(&u, UART_RBR_THR) == 'x' && uart_read(&u, UART_LSR) == 0x60,
	      "loopback: RBR gives the byte, DR clears");
	close(p[0]);
	close(p[1]);
}

static void test_io_bus(void)
{
	struct io_bus b;
	int p[2];
	char out[64];

	if (pipe(p) || fcntl(p[0], F_SETFL, O_NONBLOCK)) {
		check(0, "pipe");
		return;
	}
	io_bus_init(&b, p[1]);
	check(io_read(&b, 0x2f8, 1) == 0xff, "unhandled inb: 0xff");
	check(io_read(&b, 0x60, 2) == 0xffff, "unhandled inw: 0xffff");
	check(io_read(&b, 0xcfc, 4) == 0xffffffffULL, "unhandled inl: 0xffffffff");
	check(b.pio.unhandled_reads == 3, "unhandled reads counted (%llu)",
	      (unsigned long long)b.pio.unhandled_reads);
	check(!io_write(&b, 0x70, 1, 0x8f) && !io_write(&b, 0x70, 1, 0), "unhandled writes ignored");
	check(!io_write(&b, POST_PORT, 1, 0x55), "POST port write ignored");
	check(b.pio.unhandled_writes == 2, "unhandled writes counted, POST port not (%llu)",
	      (unsigned long long)b.pio.unhandled_writes);
	check(b.pio.nr_addrs == 4 && b.pio.addrs[3].addr == 0x70 && b.pio.addrs[3].writes == 2,
	      "per-port counts");

	check(io_read(&b, COM1_BASE + UART_LSR, 1) == 0x60, "COM1 LSR through the bus");
	check(!io_write(&b, COM1_BASE, 1, 'A'), "COM1 THR through the bus");
	/* outw 0x3f7: byte 0 to unhandled 0x3f7, byte 1 to THR. */
	check(!io_write(&b, COM1_BASE - 1, 2, 0x4200), "word write straddling COM1");
	check(drain(p[0], out, sizeof(out)) == 2 && !strcmp(out, "AB"),
	      "COM1 output: bytes of wider accesses split per port (%s)", out);
	check(io_read(&b, COM1_BASE + UART_LSR, 2) == 0xb060, "inw at LSR: LSR | MSR << 8");

	check(io_write(&b, DEBUG_EXIT_PORT, 1, 0) && b.exit_requested && b.exit_value == 0,
	      "debug exit, value 0");
	check(debug_exit_status(0) == 1, "debug exit 0: status 1");
	check(io_write(&b, DEBUG_EXIT_PORT, 2, 0x10) && debug_exit_status(b.exit_value) == 0x21,
	      "debug exit width 2 value 0x10: status 0x21");
	check(io_write(&b, DEBUG_EXIT_PORT, 4, 0x12345678) && b.exit_value == 0x12345678 &&
	      debug_exit_status(b.exit_value) == 0xf1, "debug exit width 4: status is a byte");
	check(io_write(&b, DEBUG_EXIT_PORT, 1, 0x1ff) && b.exit_value == 0xff,
	      "debug exit value masked to its width");
	close(p[0]);
	close(p[1]);
}

/* A toy MMIO device: 16 bytes of registers, a write of 0xdead at +8 resets. */
struct mmio_regs {
	uint8_t r[16];
	uint64_t last_addr;
	unsigned int last_width;
};

static uint64_t regs_read(void *dev, uint64_t addr, unsigned int width)
{
	struct mmio_regs *m = dev;
	uint64_t v = 0;

	m->last_addr = addr;
	m->last_width = width;
	memcpy(&v, &m->r[addr & 15], width <= 16 - (addr & 15) ? width : 16 - (addr & 15));
	return v;
}

static int regs_write(void *dev, uint64_t addr, unsigned int width, uint64_t val)
{
	struct mmio_regs *m = dev;

	m->last_addr = addr;
	m->last_width = width;
	if ((addr & 15) == 8 && val == 0xdead)
		return IO_RESET;
	memcpy(&m->r[addr & 15], &val, width <= 16 - (addr & 15) ? width : 16 - (addr & 15));
	return IO_CONTINUE;
}

/* The MMIO bus: the same registration and rules as the port bus. */
static void test_mmio_bus(void)
{
	struct mmio_regs m = { 0 };
	const struct io_handler dev = { 0xfed00000ULL, 16, 0, "regs", regs_read, regs_write, &m };
	const struct io_handler over = { 0xfed0000fULL, 1, 0, "over", regs_read, regs_write, &m };
	const struct io_handler wrap = { ~0ULL - 3, 8, 0, "wrap", regs_read, regs_write, &m };
	const struct io_handler high_port = { 0xfffe, 4, 0, "port", regs_read, regs_write, &m };
	struct io_bus b;

	io_bus_init(&b, -1);
	check(bus_register(&b.mmio, &dev) == 0, "mmio: register 0xfed00000-0xfed0000f");
	check(bus_register(&b.mmio, &over) < 0, "mmio: overlapping range refused");
	check(bus_register(&b.mmio, &wrap) < 0, "mmio: range that wraps refused");
	check(bus_register(&b.pio, &high_port) < 0, "pio: range past port 0xffff refused");
	check(bus_find(&b.mmio, 0xfed0000fULL) && !bus_find(&b.mmio, 0xfed00010ULL) &&
	      !bus_find(&b.pio, 0x3f8 + 0xfed00000ULL), "mmio: find by range, spaces apart");
	check(mmio_write(&b, 0xfed00000ULL, 8, 0x1122334455667788ULL) == IO_CONTINUE &&
	      m.last_width == 8, "mmio: an 8-byte write goes whole");
	check(mmio_read(&b, 0xfed00000ULL, 8) == 0x1122334455667788ULL,
	      "mmio: an 8-byte read gives it back");
	check(mmio_read(&b, 0xfed00004ULL, 2) == 0x3344 && m.last_addr == 0xfed00004ULL,
	      "mmio: a 2-byte read at +4, with its address");
	check(mmio_read(&b, 0xd0000000ULL, 4) == 0xffffffffULL && b.mmio.unhandled_reads == 1,
	      "mmio: unhandled read gives all ones, counted");
	check(mmio_write(&b, 0xd0000000ULL, 8, 1) == IO_CONTINUE && b.mmio.unhandled_writes == 1 &&
	      b.mmio.nr_addrs == 1 && b.mmio.addrs[0].reads == 1 && b.mmio.addrs[0].writes == 1,
	      "mmio: unhandled write ignored, counted per address");
	check(b.pio.unhandled_reads == 0 && b.pio.unhandled_writes == 0,
	      "mmio: port counts untouched");
	check(mmio_write(&b, 0xfed00008ULL, 4, 0xdead) == IO_RESET && b.reset_requested,
	      "mmio: a device's IO_RESET reaches the VMM");
}

/* --- images ------------------------------------------------------------------ */

static void *ram_alloc(uint64_t size, int fill)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (fill)
		memset(p, fill, size < (64ULL << 20) ? size : (64ULL << 20));
	return p;
}

static void test_flat(void)
{
	static const unsigned char code[] = { 0xb0, 'A', 0xe6, 0xf4, 0xf4 };
	uint64_t ram_size = 2 * SZ_2M;
	unsigned char *ram = ram_alloc(ram_size, 0);
	struct boot_state bs;
	char err[256];
	int r;

	r = image_load(code, sizeof(code), IMAGE_AUTO, ram, ram_size, "console=ttyS0", &bs,
		       err, sizeof(err));
	check(r == IMAGE_OK && bs.format == IMAGE_FLAT, "flat image loads (%s)", r ? err : "ok");
	check(!memcmp(ram + 0x1000, code, sizeof(code)), "flat image at 0x1000");
	check(bs.regs.rip == 0x1000 && bs.regs.rsp == 0x1000 && bs.regs.rflags == 2,
	      "flat: IP 0x1000, SP 0x1000");
	check(bs.sregs.cs.selector == 0 && bs.sregs.cs.base == 0 && bs.sregs.cs.limit == 0xffff &&
	      bs.sregs.cs.type == 0xb && !bs.sregs.cs.l && !bs.sregs.cs.db,
	      "flat: CS = 0000, 16-bit");
	check(bs.sregs.cr0 == 0x10 && bs.sregs.efer == 0 && bs.sregs.idt.limit == 0x3ff,
	      "flat: real mode (CR0 = ET, IVT)");
	check(bs.sregs.tr.type == 11 && bs.sregs.ldt.unusable, "flat: TR busy TSS, LDTR unusable");
	check(bs.regs.rdi == 0x500 && !strcmp((char *)ram + 0x500, "console=ttyS0"),
	      "flat: command line at DI = 0x500");

	memset(ram, 0, ram_size);
	r = image_load(code, sizeof(code), IMAGE_FLAT, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_OK && bs.regs.rdi == 0 && ram[0x500] == 0, "flat without command line: DI = 0");

	r = image_load(code, 0, IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "not ELF64 or flat"), "empty image refused (%s)", err);
	r = image_load(ram, ram_size, IMAGE_FLAT, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFIT && strstr(err, "does not fit in guest memory"),
	      "flat image of RAM size does not fit (%s)", err);
	{
		char longcmd[1025];

		memset(longcmd, 'x', 1024);
		longcmd[1024] = '\0';
		r = image_load(code, sizeof(code), IMAGE_FLAT, ram, ram_size, longcmd, &bs, err,
			       sizeof(err));
	}
	check(r == IMAGE_ECMDLINE, "flat: command line over 1023 bytes refused (%s)", err);
	check(image_probe("\177ELF\1\1\1", 7, IMAGE_AUTO, err, sizeof(err)) == IMAGE_EFORMAT,
	      "auto: ELF magic means ELF, even if broken (%s)", err);
	check(image_probe("\177ELF", 4, IMAGE_FLAT, err, sizeof(err)) == IMAGE_FLAT,
	      "--format flat loads anything flat");
	check(image_probe("MZ\x90", 3, IMAGE_ELF, err, sizeof(err)) == IMAGE_EFORMAT &&
	      strstr(err, "not ELF64 or flat"), "--format elf refuses a non-ELF (%s)", err);
	munmap(ram, ram_size);
}

/* A synthetic ELF64: text at 0x100000 (entry), data+bss at 0x200000. */
struct test_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	unsigned char text[0x40];
	unsigned char data[0x10];
};

static void make_elf(struct test_elf *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = 0x100010;
	e->eh.e_phoff = offsetof(struct test_elf, ph);
	e->eh.e_ehsize = sizeof(Elf64_Ehdr);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 2;
	e->ph[0].p_type = PT_LOAD;
	e->ph[0].p_flags = PF_R | PF_X;
	e->ph[0].p_offset = offsetof(struct test_elf, text);
	e->ph[0].p_vaddr = e->ph[0].p_paddr = 0x100000;
	e->ph[0].p_filesz = e->ph[0].p_memsz = sizeof(e->text);
	e->ph[1].p_type = PT_LOAD;
	e->ph[1].p_flags = PF_R | PF_W;
	e->ph[1].p_offset = offsetof(struct test_elf, data);
	e->ph[1].p_vaddr = e->ph[1].p_paddr = 0x200000;
	e->ph[1].p_filesz = sizeof(e->data);
	e->ph[1].p_memsz = 0x3000;
	memset(e->text, 0x90, sizeof(e->text));
	memset(e->data, 0x11, sizeof(e->data));
}

static uint64_t *q(unsigned char *ram, uint64_t gpa)
{
	return (uint64_t *)(ram + gpa);
}

/* The page tables at CR3 map va to pa with a 2 MiB page? */
static int walk_2m(unsigned char *ram, uint64_t cr3, uint64_t va, uint64_t *pa)
{
	uint64_t e = q(ram, cr3 & ~0xfffULL)[(va >> 39) & 511];

	if (!(e & 1))
		return 0;
	e = q(ram, e & 0xffffffffff000ULL)[(va >> 30) & 511];
	if (!(e & 1) || (e & 0x80))
		return 0;
	e = q(ram, e & 0xffffffffff000ULL)[(va >> 21) & 511];
	if ((e & 0x83) != 0x83)
		return 0;
	*pa = (e & 0xfffffffe00000ULL) | (va & (SZ_2M - 1));
	return 1;
}

static int boot_area_clear(const struct boot_state *bs, uint64_t lo, uint64_t hi)
{
	return bs->boot_area + bs->boot_area_size <= lo || bs->boot_area >= hi;
}

static void check_long_mode(unsigned char *ram, uint64_t ram_size, const struct boot_state *bs,
			    const char *what)
{
	const struct axvm_sregs *s = &bs->sregs;
	uint64_t pa, *gdt;
	int ok = 1;

	check(s->cs.selector == SEL_CODE64 && s->cs.l && !s->cs.db && s->cs.present &&
	      s->cs.type == 0xb, "%s: CS is the 64-bit code segment", what);
	check(s->ss.selector == SEL_DATA && s->ds.selector == SEL_DATA && s->ss.type == 3,
	      "%s: data segments", what);
	check(s->tr.selector == SEL_TSS && s->tr.type == 11 && s->tr.limit == TSS_LIMIT &&
	      s->ldt.unusable, "%s: TR busy 64-bit TSS, LDTR unusable", what);
	check(s->cr0 == 0x80010033 && s->cr4 == 0x620 && s->efer == 0x500,
	      "%s: CR0 PG|WP|NE|ET|MP|PE, CR4 PAE|OSFXSR|OSXMMEXCPT, EFER LME|LMA", what);
	check(bs->regs.rflags == 2 && bs->regs.rsp == ram_size - 0x1000 && !(bs->regs.rsp & 15) &&
	      bs->regs.rsi == ram_size, "%s: RSP 4 KiB below the top, RSI = RAM size", what);

	gdt = q(ram, s->gdt.base);
	check(s->gdt.limit == GDT_ENTRIES * 8 - 1 && gdt[0] == 0 &&
	      gdt[SEL_CODE64 / 8] == 0x00af9b000000ffffULL &&
	      gdt[SEL_DATA / 8] == 0x00cf93000000ffffULL,
	      "%s: GDT null, code64 (0x00af9b000000ffff), data (0x00cf93000000ffff)", what);
	check((gdt[SEL_TSS / 8] & 0xffff) == TSS_LIMIT &&
	      ((gdt[SEL_TSS / 8] >> 40) & 0x9f) == 0x89 &&
	      (((gdt[SEL_TSS / 8] >> 16) & 0xffffff) | ((gdt[SEL_TSS / 8] >> 56) << 24) |
	       (gdt[SEL_TSS / 8 + 1] << 32)) == s->tr.base,
	      "%s: TSS descriptor matches TR", what);

	for (pa = 0; pa < ram_size && ok; pa += SZ_2M) {
		uint64_t got;

		ok = walk_2m(ram, s->cr3, pa + 0x1234, &got) && got == pa + 0x1234;
	}
	check(ok, "%s: every 2 MiB of RAM identity-mapped", what);
	check(!walk_2m(ram, s->cr3, (ram_size + SZ_2M - 1) & ~(SZ_2M - 1), &pa),
	      "%s: nothing mapped past RAM", what);
	check(s->cr3 >= bs->boot_area && s->gdt.base >= bs->boot_area &&
	      s->cr3 < bs->boot_area + bs->boot_area_size, "%s: tables in the boot area", what);
}

static void test_elf(void)
{
	uint64_t ram_size = 64ULL << 20;
	unsigned char *ram = ram_alloc(ram_size, 0xcc);
	struct test_elf e, bad;
	struct boot_state bs;
	char err[256];
	int r;

	make_elf(&e);
	r = image_load(&e, sizeof(e), IMAGE_AUTO, ram, ram_size, "hello world", &bs, err,
		       sizeof(err));
	check(r == IMAGE_OK && bs.format == IMAGE_ELF, "ELF64 loads (%s)", r ? err : "ok");
	if (r)
		return;
	check(!memcmp(ram + 0x100000, e.text, sizeof(e.text)), "text segment at p_paddr");
	check(!memcmp(ram + 0x200000, e.data, sizeof(e.data)) && ram[0x200010] == 0 &&
	      ram[0x202fff] == 0 && ram[0x203000] == 0xcc, "data at p_paddr, bss zeroed, no more");
	check(bs.regs.rip == 0x100010 && bs.entry == 0x100010, "RIP = e_entry");
	check(bs.load_lo == 0x100000 && bs.load_hi == 0x203000, "load extent");
	check(bs.regs.rdi && bs.regs.rdi == bs.cmdline_gpa &&
	      !strcmp((char *)ram + bs.regs.rdi, "hello world"), "RDI = the command line");
	check(boot_area_clear(&bs, 0x100000, 0x203000) && bs.boot_area >= 0x1000,
	      "boot area (0x%llx) clear of the segments and of page 0",
	      (unsigned long long)bs.boot_area);
	check_long_mode(ram, ram_size, &bs, "64 MiB");

	memset(ram, 0, ram_size);
	r = image_load(&e, sizeof(e), IMAGE_ELF, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_OK && bs.regs.rdi == 0, "no command line: RDI = 0");

	/* A segment right where the boot area would go: it moves up. */
	bad = e;
	bad.ph[0].p_paddr = bad.ph[0].p_vaddr = 0x1000;
	bad.ph[0].p_memsz = 0x20000;
	bad.eh.e_entry = 0x1000;
	r = image_load(&bad, sizeof(bad), IMAGE_ELF, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_OK && boot_area_clear(&bs, 0x1000, 0x21000) &&
	      boot_area_clear(&bs, 0x200000, 0x203000),
	      "segment at 0x1000: boot area moves (to 0x%llx)", (unsigned long long)bs.boot_area);

	bad = e;
	bad.eh.e_ident[EI_CLASS] = ELFCLASS32;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT && strstr(err, "not ELF64 or flat"), "ELF32 refused (%s)", err);
	bad = e;
	bad.eh.e_machine = EM_AARCH64;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT, "aarch64 ELF refused (%s)", err);
	bad = e;
	bad.eh.e_type = ET_DYN;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT, "ET_DYN refused (%s)", err);
	bad = e;
	bad.ph[1].p_filesz = 0x1000;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT, "segment past the end of the file refused (%s)", err);
	bad = e;
	bad.eh.e_phoff = sizeof(bad) - 8;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT, "program headers past the end refused (%s)", err);
	r = image_load(&e, 40, IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT, "truncated ELF header refused (%s)", err);
	bad = e;
	bad.ph[1].p_paddr = ram_size - 0x1000;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFIT && strstr(err, "does not fit in guest memory"),
	      "segment past RAM refused (%s)", err);
	bad = e;
	bad.ph[1].p_paddr = ~0ULL - 0x10;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFIT, "wrapping segment refused (%s)", err);
	bad = e;
	bad.eh.e_entry = ram_size + 0x1000;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFIT, "entry point outside RAM refused (%s)", err);
	bad = e;
	bad.ph[0].p_paddr = 0;
	bad.ph[0].p_memsz = ram_size - 0x12000;
	bad.ph[1].p_type = PT_NULL;
	bad.eh.e_entry = 0x1000;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFIT && strstr(err, "page tables"), "no room for the page tables (%s)", err);
	bad = e;
	bad.ph[0].p_type = bad.ph[1].p_type = PT_NOTE;
	r = image_load(&bad, sizeof(bad), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFORMAT, "no PT_LOAD refused (%s)", err);
	{
		char *longcmd = malloc(5000);

		memset(longcmd, 'y', 4999);
		longcmd[4999] = '\0';
		r = image_load(&e, sizeof(e), IMAGE_AUTO, ram, ram_size, longcmd, &bs, err,
			       sizeof(err));
		check(r == IMAGE_ECMDLINE, "command line over 4095 bytes refused (%s)", err);
		longcmd[4095] = '\0';
		r = image_load(&e, sizeof(e), IMAGE_AUTO, ram, ram_size, longcmd, &bs, err,
			       sizeof(err));
		check(r == IMAGE_OK && strlen((char *)ram + bs.regs.rdi) == 4095,
		      "command line of 4095 bytes fits");
		free(longcmd);
	}
	munmap(ram, ram_size);

	/* More than 1 GiB: several page directories (untouched pages stay unallocated). */
	ram_size = 3 * SZ_1G + 6 * SZ_2M;
	ram = ram_alloc(ram_size, 0);
	if (!ram) {
		check(0, "mmap of %llu bytes", (unsigned long long)ram_size);
		return;
	}
	r = image_load(&e, sizeof(e), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_OK && bs.boot_area_size == 8 * 0x1000, "3 GiB + 12 MiB: 4 page directories");
	if (!r)
		check_long_mode(ram, ram_size, &bs, "3 GiB + 12 MiB");
	munmap(ram, ram_size);
	ram_size = 2 * 0x10000;
	ram = ram_alloc(ram_size, 0);
	r = image_load(&e, sizeof(e), IMAGE_AUTO, ram, ram_size, NULL, &bs, err, sizeof(err));
	check(r == IMAGE_EFIT, "128 KiB of RAM: does not fit (%s)", err);
	munmap(ram, ram_size);
}

/* The real demo guest, if built. */
static void test_guest(const char *path)
{
	uint64_t ram_size = 64ULL << 20;
	struct boot_state bs;
	unsigned char *ram;
	char err[256];
	size_t len;
	void *img;
	int r;

	img = load_file(path, &len);
	if (!img)
		return;
	ram = ram_alloc(ram_size, 0);
	r = image_load(img, len, IMAGE_AUTO, ram, ram_size, "hello from the command line",
		       &bs, err, sizeof(err));
	check(r == IMAGE_OK && bs.format == IMAGE_ELF, "%s loads as ELF64 (%s)", path,
	      r ? err : "ok");
	if (!r) {
		check(bs.entry == 0x100000 && bs.load_lo == 0x100000,
		      "demo: entry and load address 0x100000");
		check(boot_area_clear(&bs, bs.load_lo, bs.load_hi), "demo: boot area clear of it");
		check(!strcmp((char *)ram + bs.regs.rdi, "hello from the command line"),
		      "demo: command line in guest memory");
		check_long_mode(ram, ram_size, &bs, "demo");
	}
	munmap(ram, ram_size);
	free(img);
}

/* axctl trace's histogram arithmetic (trace_report.c). */
static void test_trace_hist(void)
{
	struct trace_hist h;
	char buf[32];

	memset(&h, 0, sizeof(h));
	check(trace_hist_quantile(&h, 0.5) == 0, "empty histogram: quantile 0");
	h.slots[10] = 90;	/* [1024, 2047] ns */
	h.slots[20] = 10;	/* [1 Mi, 2 Mi) ns */
	check(trace_hist_quantile(&h, 0.5) == 2047, "p50 in slot 10: <= 2047 ns");
	check(trace_hist_quantile(&h, 0.9) == 2047, "p90 still slot 10 (90 of 100)");
	check(trace_hist_quantile(&h, 0.91) == (2ULL << 20) - 1, "p91 in slot 20");
	check(trace_hist_quantile(&h, 1.0) == (2ULL << 20) - 1, "max in slot 20");
	h.slots[TRACE_HIST_SLOTS - 1] = 1;
	check(trace_hist_quantile(&h, 1.0) == ~0ULL, "the last slot ends at 2^64 - 1");
	trace_format_ns(850, buf, sizeof(buf));
	check(!strcmp(buf, "850ns"), "850 ns: %s", buf);
	trace_format_ns(12345, buf, sizeof(buf));
	check(!strcmp(buf, "12.3us"), "12345 ns: %s", buf);
	trace_format_ns(4560000, buf, sizeof(buf));
	check(!strcmp(buf, "4.56ms"), "4560000 ns: %s", buf);
	trace_format_ns(1200000000ULL, buf, sizeof(buf));
	check(!strcmp(buf, "1.20s"), "1.2e9 ns: %s", buf);
}

/* --- vCPU rules (smp.h) ---------------------------------------------------- */

static void test_smp(void)
{
	enum vcpu_state st[4];
	unsigned int i;

	/* What a Halt record means. */
	check(smp_halt_action(true, 0, false) == HALT_END,
	      "LAPIC: vCPU 0 HLT with IF=0 ends the VM");
	check(smp_halt_action(true, 1, false) == HALT_PARK, "LAPIC: AP HLT with IF=0 parks");
	check(smp_halt_action(true, 3, false) == HALT_PARK, "LAPIC: AP 3 HLT with IF=0 parks");
	check(smp_halt_action(true, 0, true) == HALT_RESUME,
	      "LAPIC: vCPU 0 Halt record with IF=1 (kernel should sleep) runs again");
	check(smp_halt_action(true, 2, true) == HALT_RESUME,
	      "LAPIC: AP Halt record with IF=1 runs again");
	check(smp_halt_action(false, 0, false) == HALT_END,
	      "no LAPIC: vCPU 0 HLT with IF=0 ends the VM");
	check(smp_halt_action(false, 0, true) == HALT_WAIT_PIC,
	      "no LAPIC: vCPU 0 HLT with IF=1 waits for the PIC");
	check(smp_halt_action(false, 1, true) == HALT_END,
	      "no LAPIC: an AP cannot wait for the PIC");

	/* Initial states. */
	check(smp_initial_state(false, 0) == VCPU_RUNNING &&
	      smp_initial_state(false, 1) == VCPU_IDLE, "no LAPIC: vCPU 0 runs, APs idle");
	check(smp_initial_state(true, 0) == VCPU_RUNNING &&
	      smp_initial_state(true, 5) == VCPU_RUNNING,
	      "LAPIC: every vCPU runs (APs wait for SIPI in the kernel)");

	/* When the VM ends. */
	for (i = 0; i < 4; i++)
		st[i] = smp_initial_state(true, i);
	check(!smp_vm_over(st, 4), "4 running vCPUs: the VM goes on");
	st[1] = VCPU_PARKED;
	st[3] = VCPU_PARKED;
	check(!smp_vm_over(st, 4), "2 of 4 parked: the VM goes on");
	st[2] = VCPU_PARKED;
	check(!smp_vm_over(st, 4), "3 APs parked, vCPU 0 running: the VM goes on");
	st[0] = VCPU_PARKED;
	check(smp_vm_over(st, 4), "every vCPU parked: the VM ends");
	st[0] = VCPU_RUNNING;
	st[2] = VCPU_RUNNING;
	check(!smp_vm_over(st, 4), "vCPU 0 and 2 running: the VM goes on");
	st[0] = VCPU_HALTED;
	check(smp_vm_over(st, 4), "vCPU 0 halted while an AP runs: the VM ends");
	for (i = 0; i < 4; i++)
		st[i] = smp_initial_state(false, i);
	check(!smp_vm_over(st, 4), "no LAPIC: vCPU 0 running, APs idle: the VM goes on");
	st[0] = VCPU_HALTED;
	check(smp_vm_over(st, 4), "no LAPIC: vCPU 0 halted: the VM ends");
	st[0] = VCPU_PARKED;
	check(smp_vm_over(st, 4), "no LAPIC: vCPU 0 parked, APs idle: nothing runs, the VM ends");
	st[0] = VCPU_RUNNING;
	check(!smp_vm_over(st, 1), "one vCPU, running: the VM goes on");
	check(smp_vm_over(st, 0), "no vCPUs: nothing runs");
	check(!strcmp(vcpu_state_name(VCPU_PARKED), "parked") &&
	      !strcmp(vcpu_state_name(VCPU_IDLE), "idle") &&
	      !strcmp(vcpu_state_name((enum vcpu_state)42), "?"), "vCPU state names");
}

int main(int argc, char **argv)
{
	test_parsers();
	test_names();
	test_uart();
	test_io_bus();
	test_mmio_bus();
	test_flat();
	test_elf();
	test_trace_hist();
	test_smp();
	if (argc > 1)
		test_guest(argv[1]);
	return check_summary("unit");
}
