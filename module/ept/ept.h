/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest-physical address space: 4-level extended page tables (EPT).
 *
 * SDM references are to Vol. 3C of the revision named in
 * Documentation/vmx-design.rst: 29.3 "The Extended Page Table Mechanism
 * (EPT)", 29.3.2 "EPT Translation Mechanism" for the entry formats, 29.4
 * "Caching Translation Information" for when INVEPT is due, and 25.6.11
 * "Extended-Page-Table Pointer (EPTP)".
 *
 * This file and ept.c use no x86 headers or instructions so that the
 * builder also compiles for UML, where the KUnit suites run.
 */
#ifndef AXVM_EPT_EPT_H
#define AXVM_EPT_EPT_H

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/types.h>

/* Permissions taken by axvm_ept_map() and reported by axvm_ept_walk(). */
#define AXVM_EPT_R		BIT(0)
#define AXVM_EPT_W		BIT(1)
#define AXVM_EPT_X		BIT(2)
#define AXVM_EPT_RWX		(AXVM_EPT_R | AXVM_EPT_W | AXVM_EPT_X)
/* Optional: set "ignore PAT" in the leaves (the guest's PAT is not used). */
#define AXVM_EPT_IGNORE_PAT	BIT(3)

/*
 * EPT paging-structure entry bits, SDM 29.3.2 "EPT Translation Mechanism"
 * and Figure 29-1 "Formats of EPTP and EPT Paging-Structure Entries". An entry
 * is present if any of bits 2:0 is set.
 */
#define AXVM_EPTE_R		BIT_ULL(0)
#define AXVM_EPTE_W		BIT_ULL(1)
#define AXVM_EPTE_X		BIT_ULL(2)
#define AXVM_EPTE_PERM_MASK	(AXVM_EPTE_R | AXVM_EPTE_W | AXVM_EPTE_X)
/* Leaves only: memory type, bits 5:3 (29.3, "EPT and Memory Typing"). */
#define AXVM_EPTE_MT_SHIFT	3
#define AXVM_EPTE_MT_MASK	GENMASK_ULL(5, 3)
#define AXVM_EPTE_MT_WB		(6ULL << AXVM_EPTE_MT_SHIFT)
#define AXVM_EPTE_IPAT		BIT_ULL(6)	/* leaves: ignore guest PAT */
#define AXVM_EPTE_LARGE		BIT_ULL(7)	/* PDPTE/PDE: maps a page */
#define AXVM_EPTE_A		BIT_ULL(8)	/* accessed, if EPTP bit 6 */
#define AXVM_EPTE_D		BIT_ULL(9)	/* dirty (leaves), if EPTP bit 6 */
#define AXVM_EPTE_ADDR_MASK	GENMASK_ULL(51, 12)

/* EPTP, SDM Vol. 3C 25.6.11 "Extended-Page-Table Pointer (EPTP)". */
#define AXVM_EPTP_MT_WB		6ULL			/* bits 2:0 */
#define AXVM_EPTP_WALK4		(3ULL << 3)		/* bits 5:3: levels - 1 */
#define AXVM_EPTP_AD		BIT_ULL(6)		/* enable A/D flags */
#define AXVM_EPTP_ADDR_MASK	GENMASK_ULL(51, 12)

#define AXVM_EPT_LEVELS		4
#define AXVM_EPT_ENTRIES	512
#define AXVM_EPT_GPA_BITS	48
#define AXVM_EPT_MAX_GPA	BIT_ULL(AXVM_EPT_GPA_BITS)	/* exclusive */
#define AXVM_EPT_MAX_HPA	BIT_ULL(52)			/* exclusive */

/* Levels as axvm_ept_walk() reports them. */
#define AXVM_EPT_LEVEL_4K	1
#define AXVM_EPT_LEVEL_2M	2
#define AXVM_EPT_LEVEL_1G	3	/* never created by axvm */

struct axvm_ept;

/**
 * typedef axvm_ept_flush_t - invalidate all cached translations of an EPT
 * @ept: the EPT whose EPTP every CPU must INVEPT (single-context) or, if
 *	single-context is not supported, INVEPT all-context
 *
 * Called with @ept->lock held, so it must neither take that lock nor wait
 * for a vCPU thread that might be sleeping on it (for example in the EPT
 * violation path). Sending IPIs that run INVEPT and waiting for them is
 * fine. It must return only once no CPU can use a translation (or a
 * paging-structure-cache entry, SDM 29.4 "Caching Translation Information")
 * created before the call.
 */
typedef void (*axvm_ept_flush_t)(struct axvm_ept *ept);

/**
 * struct axvm_ept - one EPT hierarchy
 * @pml4: the root table (kernel virtual address)
 * @eptp: the value for the VMCS EPT-pointer field
 * @ad: EPT accessed/dirty flags are enabled in @eptp
 * @nr_tables: table pages allocated, the PML4 included
 * @lock: serialises axvm_ept_map(), axvm_ept_unmap(), axvm_ept_walk() and
 *	@flush; a mutex because table allocation sleeps
 * @flush: optional, set by the owner after axvm_ept_init(). When set,
 *	map and unmap call it themselves whenever they changed something a
 *	CPU may have cached, and unmap frees tables that became empty. When
 *	NULL, the caller must INVEPT whenever map or unmap returns > 0 and
 *	empty tables are kept until axvm_ept_destroy().
 */
struct axvm_ept {
	u64 *pml4;
	u64 eptp;
	bool ad;
	unsigned long nr_tables;
	struct mutex lock;
	axvm_ept_flush_t flush;
};

int axvm_ept_init(struct axvm_ept *ept, bool ad_bits);
void axvm_ept_destroy(struct axvm_ept *ept);
int axvm_ept_map(struct axvm_ept *ept, u64 gpa, u64 hpa, u64 size, u32 prot,
		 bool allow_2m);
int axvm_ept_unmap(struct axvm_ept *ept, u64 gpa, u64 size);
int axvm_ept_walk(struct axvm_ept *ept, u64 gpa, u64 *hpa, u32 *prot,
		  int *level);

#endif /* AXVM_EPT_EPT_H */
