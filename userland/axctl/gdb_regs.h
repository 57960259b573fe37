/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registers gdb sees (target.xml, architecture i386:x86-64) and their
 * g/G/p/P encoding from and to axvm's struct axvm_regs and axvm_sregs.
 * gdb numbers them in the order of target.xml: the GPRs, RIP, EFLAGS and
 * the segment selectors of org.gnu.gdb.i386.core with its x87 registers,
 * XMM0-15 and MXCSR (org.gnu.gdb.i386.sse), FS/GS bases
 * (org.gnu.gdb.i386.segments), then axvm's system registers (CR0, CR2,
 * CR3, CR4, CR8, EFER). axvm has no FPU ioctl: x87 and SSE read as 0 and
 * writes to them are refused (P) or ignored (G).
 */
#ifndef AXCTL_GDB_REGS_H
#define AXCTL_GDB_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/axvm.h>

struct gdb_cpu {
	struct axvm_regs r;
	struct axvm_sregs s;
};

enum {
	GDB_REG_RIP = 16,
	GDB_REG_EFLAGS = 17,
	GDB_REG_CS = 18,	/* cs ss ds es fs gs */
	GDB_REG_ST0 = 24,
	GDB_REG_FCTRL = 32,
	GDB_REG_XMM0 = 40,
	GDB_REG_MXCSR = 56,
	GDB_REG_FS_BASE = 57,
	GDB_REG_GS_BASE = 58,
	GDB_REG_CR0 = 59,	/* cr0 cr2 cr3 cr4 cr8 efer */
	GDB_REG_EFER = 64,
	GDB_NR_REGS = 65,
};

#define GDB_G_BYTES	600	/* every register, as the g packet carries them */

const char *gdb_target_xml(void);
int gdb_reg_size(unsigned int regno);	/* bytes, -1 for no such register */
/* The register's bytes (little endian) into buf: its size, or -1. */
int gdb_reg_get(const struct gdb_cpu *cpu, unsigned int regno, uint8_t *buf);
/*
 * Set it from buf (its size in bytes). 1: changed a struct axvm_regs
 * field, 2: a struct axvm_sregs field, 0: an x87/SSE register (not
 * kept), -1: no such register.
 */
int gdb_reg_set(struct gdb_cpu *cpu, unsigned int regno, const uint8_t *buf);
/* The g packet: GDB_G_BYTES bytes as 2 * GDB_G_BYTES hex digits + NUL. */
void gdb_regs_encode(const struct gdb_cpu *cpu, char *hex);
/* The G packet: false if the length or a digit is wrong (cpu unchanged). */
bool gdb_regs_decode(struct gdb_cpu *cpu, const char *hex, size_t len);

#endif
