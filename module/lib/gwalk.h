/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest page-table walker: guest-linear to guest-physical addresses in
 * every x86 paging mode, for emulating an instruction (its fetch and its
 * memory operands) outside the CPU.
 *
 * References are to the Intel SDM Vol. 3A chapter 4 "Paging": 4.1.1 "Four
 * Paging Modes" and Table 4-1 (which mode), 4.3 "32-Bit Paging" with Tables
 * 4-4..4-6, 4.4 "PAE Paging" with Tables 4-8..4-11, 4.5 "4-Level Paging and
 * 5-Level Paging" with Tables 4-14..4-20, 4.6 "Access Rights" and 4.7
 * "Page-Fault Exceptions" (Figure 4-12), and to 2.5 "Control Registers" and
 * 2.2.1 "Extended Feature Enable Register". Bare section numbers in
 * gwalk.[ch] are these.
 *
 * Pure C, no x86 headers: it also builds for UML, where KUnit runs.
 */
#ifndef AXVM_LIB_GWALK_H
#define AXVM_LIB_GWALK_H

#include <linux/bits.h>
#include <linux/types.h>

/* The control-register and IA32_EFER bits the walk depends on. */
#define AXVM_GW_CR0_WP		BIT_ULL(16)
#define AXVM_GW_CR0_PG		BIT_ULL(31)
#define AXVM_GW_CR4_PSE		BIT_ULL(4)
#define AXVM_GW_CR4_PAE		BIT_ULL(5)
#define AXVM_GW_CR4_LA57	BIT_ULL(12)
#define AXVM_GW_CR4_SMEP	BIT_ULL(20)
#define AXVM_GW_CR4_SMAP	BIT_ULL(21)
#define AXVM_GW_CR4_PKE		BIT_ULL(22)
#define AXVM_GW_EFER_LME	BIT_ULL(8)
#define AXVM_GW_EFER_NXE	BIT_ULL(11)
#define AXVM_GW_RFLAGS_AC	BIT_ULL(18)

/* PKRU: two bits per key (4.6.2 "Protection Keys"). */
#define AXVM_GW_PKRU_AD		BIT(0)	/* access disable */
#define AXVM_GW_PKRU_WD		BIT(1)	/* write disable */

/* Page-fault error code bits (4.7 "Page-Fault Exceptions", Figure 4-12). */
#define AXVM_PFEC_P		BIT(0)	/* 0: not present, 1: protection */
#define AXVM_PFEC_W		BIT(1)	/* the access was a write */
#define AXVM_PFEC_U		BIT(2)	/* the access was a user-mode one */
#define AXVM_PFEC_RSVD		BIT(3)	/* a reserved bit was set */
#define AXVM_PFEC_I		BIT(4)	/* the access was an instruction fetch */
#define AXVM_PFEC_PK		BIT(5)	/* protection-key violation */

/*
 * Access kinds for axvm_gwalk(), to be ORed: a data read is 0. WRITE and
 * FETCH are the error-code bits that describe the access. Whether it is a
 * user-mode access follows from the CPL (struct axvm_gwalk_ctx): every
 * access at CPL 3 is, unless IMPLICIT says it is one of the supervisor-mode
 * accesses the CPU makes at any CPL (4.6 "Access Rights": to the GDT, LDT,
 * IDT and TSS, and while delivering an event).
 */
#define AXVM_GWALK_READ		0
#define AXVM_GWALK_WRITE	AXVM_PFEC_W
#define AXVM_GWALK_FETCH	AXVM_PFEC_I
#define AXVM_GWALK_IMPLICIT	BIT(16)

/* axvm_gwalk() results besides 0 (translated) and a negative errno. */
#define AXVM_GWALK_PF		1	/* inject #PF(error_code), CR2 = la */
#define AXVM_GWALK_NONCANONICAL	2	/* inject #GP(0) (#SS(0) for stack) */

/**
 * enum axvm_paging_mode - the paging mode (4.1.1, Table 4-1)
 * @AXVM_PAGING_NONE: CR0.PG = 0: linear is physical (32 bits)
 * @AXVM_PAGING_32: 32-bit paging, 4 KiB and (CR4.PSE) 4 MiB pages
 * @AXVM_PAGING_PAE: PAE paging, 4 KiB and 2 MiB pages
 * @AXVM_PAGING_4LEVEL: 4-level paging, 4 KiB, 2 MiB and 1 GiB pages
 * @AXVM_PAGING_5LEVEL: 5-level paging (CR4.LA57)
 */
enum axvm_paging_mode {
	AXVM_PAGING_NONE,
	AXVM_PAGING_32,
	AXVM_PAGING_PAE,
	AXVM_PAGING_4LEVEL,
	AXVM_PAGING_5LEVEL,
};

/**
 * struct axvm_gwalk_ctx - the guest state a walk depends on
 * @cr0: guest CR0 (PG, WP)
 * @cr3: guest CR3
 * @cr4: guest CR4 (PSE, PAE, LA57, SMEP, SMAP, PKE)
 * @efer: guest IA32_EFER (LME, NXE)
 * @rflags: guest RFLAGS (AC: explicit supervisor accesses ignore SMAP)
 * @pkru: guest PKRU (used with CR4.PKE in 4- and 5-level paging)
 * @cpl: the current privilege level, 0..3; 3 makes accesses user-mode ones
 * @maxphyaddr: physical-address width for reserved-bit checks, 32..52;
 *	0 means 52 (no address bit is reserved)
 * @read: read @size (4 or 8) bytes of guest-physical memory at @gpa (a
 *	naturally aligned paging-structure entry) into @val as a
 *	little-endian value; 0 or a negative errno, which ends the walk
 * @opaque: passed to @read
 */
struct axvm_gwalk_ctx {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	u64 rflags;
	u32 pkru;
	u8 cpl;
	unsigned int maxphyaddr;
	int (*read)(void *opaque, u64 gpa, unsigned int size, u64 *val);
	void *opaque;
};

/**
 * struct axvm_gwalk_result - the outcome of axvm_gwalk()
 * @gpa: the guest-physical address (translated)
 * @pte: the leaf entry that mapped it (0 with paging off)
 * @page_size: size of the page mapping @gpa (0 with paging off)
 * @error_code: the #PF error code (AXVM_PFEC_*) on AXVM_GWALK_PF
 * @level: level of the leaf: 1 for a PTE, 2 for a PDE, 3 for a PDPTE
 *	(0 with paging off)
 * @writable: R/W was set at every level
 * @user: U/S was set at every level
 * @nx: XD was set at some level (and IA32_EFER.NXE = 1)
 */
struct axvm_gwalk_result {
	u64 gpa;
	u64 pte;
	u64 page_size;
	u32 error_code;
	u8 level;
	bool writable;
	bool user;
	bool nx;
};

enum axvm_paging_mode axvm_gwalk_mode(const struct axvm_gwalk_ctx *ctx);
int axvm_gwalk(const struct axvm_gwalk_ctx *ctx, u64 la, u32 access,
	       struct axvm_gwalk_result *res);

#endif
