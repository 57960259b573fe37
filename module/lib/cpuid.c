// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID policy: what the guest is told about the CPU.
 *
 * The default starts from the host's leaves and hides what axvm does not
 * virtualize (VMX, SMX, monitoring and power features,
 * performance monitoring, speculation-control MSRs, SGX, PT, ...), sets
 * the hypervisor bit and adds the vendor leaf 0x40000000 "axvmaxvmaxvm".
 * Bit positions: SDM Vol. 2A, "CPUID-CPU Identification": Table 3-8
 * "Information Returned by CPUID Instruction" (leaf 07H), Table 3-10
 * "Feature Information Returned in the ECX Register" and Table 3-11 "More on
 * Feature Information Returned in the EDX Register".
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "lib/cpuid.h"

#define LEAF1_ECX_HIDE	(BIT(3) /* MONITOR */ | BIT(4) /* DS-CPL */ | \
			 BIT(5) /* VMX */ | BIT(6) /* SMX */ | BIT(7) /* EIST */ | \
			 BIT(8) /* TM2 */ | BIT(15) /* PDCM */ | \
			 BIT(18) /* DCA */ | BIT(21) /* x2APIC */ | \
			 BIT(24) /* TSC-deadline */ | BIT(27) /* OSXSAVE */)
#define LEAF1_ECX_XSAVE	(BIT(26) | BIT(28) /* AVX */ | BIT(12) /* FMA */ | \
			 BIT(29) /* F16C */)
#define LEAF1_ECX_HV	BIT(31)
/*
 * MCE and MCA stay: vmx/msr.c emulates IA32_MCG_CAP/STATUS and the banks
 * they promise (nothing ever reports a machine check to the guest).
 */
#define LEAF1_EDX_HIDE	(BIT(18) /* PSN */ | BIT(21) /* DS */ | \
			 BIT(22) /* ACPI */ | BIT(29) /* TM */ | BIT(31) /* PBE */)
#define LEAF7_EBX_HIDE	(BIT(2) /* SGX */ | BIT(12) /* RDT-M */ | \
			 BIT(14) /* MPX */ | BIT(15) /* RDT-A */ | \
			 BIT(25) /* PT */)
#define LEAF7_EBX_AVX	(BIT(5) /* AVX2 */ | BIT(16) | BIT(17) | BIT(21) | \
			 BIT(26) | BIT(27) | BIT(28) | BIT(30) | BIT(31))
#define LEAF7_ECX_HIDE	(BIT(5) /* WAITPKG */ | BIT(30) /* SGX-LC */)
#define EXT1_EDX_HIDE	BIT(27)		/* RDTSCP: not enabled */
#define XSAVES_BIT	BIT(3)		/* leaf 0DH.1 EAX */

/* Leaves with subleaves that the default enumerates: fn, subleaves. */
static const struct { u32 fn, n; } indexed[] = {
	{ 0x4, 8 }, { 0x7, 1 }, { 0xb, 2 }, { 0xd, 32 }, { 0x14, 1 },
	{ 0x1f, 2 },
};

static u32 nr_subleaves(u32 fn)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(indexed); i++)
		if (indexed[i].fn == fn)
			return indexed[i].n;
	return 0;
}

/**
 * axvm_cpuid_filter() - hide from one host entry what axvm does not offer
 * @e: the entry, holding the host's values
 * @p: what may be exposed
 */
void axvm_cpuid_filter(struct axvm_cpuid_entry *e,
		       const struct axvm_cpuid_policy *p)
{
	switch (e->function) {
	case 0x1:
		e->ecx &= ~LEAF1_ECX_HIDE;
		if (!p->xsave)
			e->ecx &= ~LEAF1_ECX_XSAVE;
		e->ecx |= LEAF1_ECX_HV;
		e->edx &= ~LEAF1_EDX_HIDE;
		e->ebx &= 0x0000ffff;	/* APIC ID and count: per vCPU */
		break;
	case 0x5: case 0x6: case 0xa: case 0xf: case 0x10: case 0x12:
	case 0x14: case 0x1b:
		/* MONITOR, power, PMU, RDT, SGX, PT: not virtualized. */
		e->eax = e->ebx = e->ecx = e->edx = 0;
		break;
	case 0x7:
		if (e->index == 0) {
			e->ebx &= ~LEAF7_EBX_HIDE;
			if (!p->xsave)
				e->ebx &= ~LEAF7_EBX_AVX;
			e->ecx &= ~LEAF7_ECX_HIDE;
			/* Speculation/arch-capability MSRs are not emulated. */
			e->edx = 0;
			e->eax = 0;
		} else {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0xd:
		if (!p->xsave) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		} else if (e->index == 0) {
			e->eax &= (u32)p->xcr0;
			e->edx &= (u32)(p->xcr0 >> 32);
		} else if (e->index == 1) {
			e->eax &= ~XSAVES_BIT;
			e->ecx = e->edx = 0;
		} else if (e->index < 64 && !(p->xcr0 & BIT_ULL(e->index))) {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0x80000001:
		e->edx &= ~EXT1_EDX_HIDE;
		break;
	}
}

/**
 * axvm_cpuid_default() - build a VM's default CPUID table from the host
 * @raw: reads one host leaf
 * @p: what may be exposed
 *
 * Return: a kmalloc'ed table, or NULL without memory.
 */
struct axvm_cpuid_table *axvm_cpuid_default(axvm_cpuid_raw_fn raw,
					    const struct axvm_cpuid_policy *p)
{
	struct axvm_cpuid_table *t;
	struct axvm_cpuid_entry *e;
	u32 a, b, c, d, max, fn, idx, n;

	t = kzalloc(struct_size(t, e, AXVM_MAX_CPUID_ENTRIES), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	raw(0, 0, &max, &b, &c, &d);
	max = min(max, 0x1fu);
	for (fn = 0; fn <= max; fn++) {
		n = nr_subleaves(fn);
		for (idx = 0; idx < (n ? n : 1); idx++) {
			if (t->nent >= AXVM_MAX_CPUID_ENTRIES - 12)
				break;
			e = &t->e[t->nent++];
			e->function = fn;
			e->index = idx;
			e->flags = n ? AXVM_CPUID_F_INDEX : 0;
			raw(fn, idx, &e->eax, &e->ebx, &e->ecx, &e->edx);
			axvm_cpuid_filter(e, p);
		}
	}
	/* Vendor leaf: max hypervisor leaf, signature "axvmaxvmaxvm". */
	e = &t->e[t->nent++];
	e->function = 0x40000000;
	e->eax = 0x40000000;
	memcpy(&e->ebx, "axvm", 4);
	memcpy(&e->ecx, "axvm", 4);
	memcpy(&e->edx, "axvm", 4);

	raw(0x80000000, 0, &a, &b, &c, &d);
	a = min(a, 0x80000008u);
	for (fn = 0x80000000; fn <= a && t->nent < AXVM_MAX_CPUID_ENTRIES; fn++) {
		e = &t->e[t->nent++];
		e->function = fn;
		raw(fn, 0, &e->eax, &e->ebx, &e->ecx, &e->edx);
		axvm_cpuid_filter(e, p);
	}
	return t;
}

/**
 * axvm_cpuid_lookup() - the entry for a leaf/subleaf
 * @t: the table
 * @fn: EAX
 * @idx: ECX (only for entries with AXVM_CPUID_F_INDEX)
 *
 * Return: the entry, or NULL (the guest then reads zeros).
 */
const struct axvm_cpuid_entry *
axvm_cpuid_lookup(const struct axvm_cpuid_table *t, u32 fn, u32 idx)
{
	u32 i;

	for (i = 0; i < t->nent; i++) {
		const struct axvm_cpuid_entry *e = &t->e[i];

		if (e->function == fn &&
		    (!(e->flags & AXVM_CPUID_F_INDEX) || e->index == idx))
			return e;
	}
	return NULL;
}

/**
 * axvm_cpuid_validate() - check a table from userspace
 * @e: entries
 * @nent: how many
 *
 * Return: 0, -E2BIG for too many entries, -EINVAL for unknown flags or
 * nonzero padding.
 */
int axvm_cpuid_validate(const struct axvm_cpuid_entry *e, u32 nent)
{
	u32 i;

	if (nent > AXVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	for (i = 0; i < nent; i++)
		if (e[i].flags & ~AXVM_CPUID_F_INDEX || e[i].pad)
			return -EINVAL;
	return 0;
}
