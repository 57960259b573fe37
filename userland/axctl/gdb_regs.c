// SPDX-License-Identifier: GPL-2.0
/*
 * gdb's view of an x86-64 vCPU (gdb_regs.h). The feature names and the
 * register names of the core, sse and segments features are the ones
 * gdb's i386 target requires (it validates them when it reads
 * target.xml); their order gives the register numbers.
 */
#include <string.h>

#include "gdb_regs.h"
#include "rsp.h"

static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.sse\">\n"
	"<reg name=\"xmm0\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm1\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm2\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm3\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm4\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm5\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm6\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm7\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm8\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm9\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm10\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm11\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm12\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm13\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm14\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm15\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n"
	"<feature name=\"org.axvm.gdb.x86.sys\">\n"
	"<reg name=\"cr0\" bitsize=\"64\" type=\"int64\" group=\"system\"/>\n"
	"<reg name=\"cr2\" bitsize=\"64\" type=\"int64\" group=\"system\"/>\n"
	"<reg name=\"cr3\" bitsize=\"64\" type=\"int64\" group=\"system\"/>\n"
	"<reg name=\"cr4\" bitsize=\"64\" type=\"int64\" group=\"system\"/>\n"
	"<reg name=\"cr8\" bitsize=\"64\" type=\"int64\" group=\"system\"/>\n"
	"<reg name=\"efer\" bitsize=\"64\" type=\"int64\" group=\"system\"/>\n"
	"</feature>\n"
	"</target>\n";

const char *gdb_target_xml(void)
{
	return target_xml;
}

int gdb_reg_size(unsigned int regno)
{
	if (regno <= GDB_REG_RIP)
		return 8;
	if (regno < GDB_REG_ST0)
		return 4;
	if (regno < GDB_REG_FCTRL)
		return 10;
	if (regno < GDB_REG_XMM0)
		return 4;
	if (regno < GDB_REG_MXCSR)
		return 16;
	if (regno == GDB_REG_MXCSR)
		return 4;
	if (regno < GDB_NR_REGS)
		return 8;
	return -1;
}

/* GPRs in gdb's order: rax rbx rcx rdx rsi rdi rbp rsp r8-r15 rip. */
static __u64 *gpr(struct axvm_regs *r, unsigned int regno)
{
	__u64 *const map[] = {
		&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp,
		&r->rsp, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
		&r->r14, &r->r15, &r->rip,
	};

	return map[regno];
}

static struct axvm_segment *seg(struct axvm_sregs *s, unsigned int i)
{
	struct axvm_segment *const map[] = { &s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs };

	return map[i];
}

static __u64 *sysreg(struct axvm_sregs *s, unsigned int regno)
{
	__u64 *const map[] = { &s->fs.base, &s->gs.base, &s->cr0, &s->cr2, &s->cr3,
				  &s->cr4, &s->cr8, &s->efer };

	return map[regno - GDB_REG_FS_BASE];
}

static void put_le(uint8_t *buf, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		buf[i] = v >> (8 * i);
}

static uint64_t get_le(const uint8_t *buf, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | buf[i];
	return v;
}

int gdb_reg_get(const struct gdb_cpu *cpu, unsigned int regno, uint8_t *buf)
{
	/* The accessors return pointers into a copy: cpu stays const. */
	struct gdb_cpu c = *cpu;
	int n = gdb_reg_size(regno);

	if (n < 0)
		return -1;
	memset(buf, 0, n);
	if (regno <= GDB_REG_RIP)
		put_le(buf, *gpr(&c.r, regno), 8);
	else if (regno == GDB_REG_EFLAGS)
		put_le(buf, c.r.rflags, 4);
	else if (regno < GDB_REG_ST0)
		put_le(buf, seg(&c.s, regno - GDB_REG_CS)->selector, 4);
	else if (regno >= GDB_REG_FS_BASE)
		put_le(buf, *sysreg(&c.s, regno), 8);
	return n;
}

int gdb_reg_set(struct gdb_cpu *cpu, unsigned int regno, const uint8_t *buf)
{
	int n = gdb_reg_size(regno);

	if (n < 0)
		return -1;
	if (regno <= GDB_REG_RIP) {
		*gpr(&cpu->r, regno) = get_le(buf, 8);
		return 1;
	}
	if (regno == GDB_REG_EFLAGS) {
		cpu->r.rflags = get_le(buf, 4);
		return 1;
	}
	if (regno < GDB_REG_ST0) {
		seg(&cpu->s, regno - GDB_REG_CS)->selector = get_le(buf, 2);
		return 2;
	}
	if (regno >= GDB_REG_FS_BASE) {
		*sysreg(&cpu->s, regno) = get_le(buf, 8);
		return 2;
	}
	return 0;
}

void gdb_regs_encode(const struct gdb_cpu *cpu, char *hex)
{
	uint8_t buf[16];
	unsigned int i;
	int n;

	for (i = 0; i < GDB_NR_REGS; i++) {
		n = gdb_reg_get(cpu, i, buf);
		rsp_hex_encode(hex, buf, n);
		hex += 2 * n;
	}
}

bool gdb_regs_decode(struct gdb_cpu *cpu, const char *hex, size_t len)
{
	struct gdb_cpu c = *cpu;
	uint8_t buf[16];
	unsigned int i;
	int n;

	if (len != 2 * GDB_G_BYTES)
		return false;
	for (i = 0; i < GDB_NR_REGS; i++) {
		n = gdb_reg_size(i);
		if (!rsp_hex_decode(buf, hex, n))
			return false;
		gdb_reg_set(&c, i, buf);
		hex += 2 * n;
	}
	*cpu = c;
	return true;
}
