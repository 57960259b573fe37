// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC register arithmetic: priorities, the timer divider, LVT
 * layout, logical destinations and the x2APIC MSR map. No state, no side
 * effects: the KUnit suite axvm_lapic tests these directly. Section, figure
 * and table numbers are those of SDM Vol. 3A, chapter 11 "Advanced
 * Programmable Interrupt Controller (APIC)".
 */
#include <linux/bitmap.h>
#include <linux/axvm.h>
#include "io/lapic.h"

/**
 * axvm_lapic_highest() - highest vector set in a 256-bit IRR/ISR
 * @bits: the register
 *
 * Return: the vector, or -1 if none is set.
 */
int axvm_lapic_highest(const unsigned long *bits)
{
	unsigned long v = find_last_bit(bits, 256);

	return v >= 256 ? -1 : (int)v;
}

/**
 * axvm_lapic_ppr() - processor priority
 * @tpr: task priority register
 * @isr_vector: highest in-service vector, or -1
 *
 * As 11.8.3.1 "Task and Processor Priorities" defines it.
 *
 * Return: TPR if its class is at least the ISR's class, else the ISR
 * class with a zero sub-class.
 */
u32 axvm_lapic_ppr(u32 tpr, int isr_vector)
{
	u32 isrv = isr_vector < 0 ? 0 : isr_vector;

	tpr &= 0xff;
	if ((tpr & 0xf0) >= (isrv & 0xf0))
		return tpr;
	return isrv & 0xf0;
}

/**
 * axvm_lapic_deliverable() - may the APIC dispatch this IRR vector now?
 * @irr_vector: highest requested vector, or -1
 * @ppr: processor priority
 *
 * Return: true if the vector's priority class is above PPR's (11.8.3.1
 * "Task and Processor Priorities").
 */
bool axvm_lapic_deliverable(int irr_vector, u32 ppr)
{
	return irr_vector >= 0 && ((u32)irr_vector & 0xf0) > (ppr & 0xf0);
}

/**
 * axvm_lapic_divisor() - timer divider from the divide configuration
 * @tdcr: divide configuration register (bits 0, 1, 3; Figure 11-10
 *	"Divide Configuration Register")
 *
 * Return: 1, 2, 4, ... 128.
 */
unsigned int axvm_lapic_divisor(u32 tdcr)
{
	unsigned int v = (tdcr & 3) | ((tdcr & 8) >> 1);

	return v == 7 ? 1 : 2u << v;
}

static const u32 lvt_offsets[7] = {
	LAPIC_REG_LVT_TIMER, LAPIC_REG_LVT_THERMAL, LAPIC_REG_LVT_PERF,
	LAPIC_REG_LVT_LINT0, LAPIC_REG_LVT_LINT1, LAPIC_REG_LVT_ERROR,
	LAPIC_REG_LVT_CMCI,
};

/**
 * axvm_lapic_lvt_index() - index into struct axvm_lapic.lvt
 * @offset: register offset
 *
 * Return: 0..6, or -1 if @offset is not an LVT register.
 */
int axvm_lapic_lvt_index(u32 offset)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(lvt_offsets); i++)
		if (lvt_offsets[i] == offset)
			return i;
	return -1;
}

/**
 * axvm_lapic_lvt_mask() - writable bits of an LVT register
 * @offset: register offset
 *
 * The layouts are those of Figure 11-8 "Local Vector Table (LVT)".
 *
 * Return: the mask; the delivery status bit (12) is never writable.
 */
u32 axvm_lapic_lvt_mask(u32 offset)
{
	switch (offset) {
	case LAPIC_REG_LVT_TIMER:
		return 0xff | LAPIC_LVT_MASKED | (3 << 17);	/* vector, mode */
	case LAPIC_REG_LVT_LINT0:
	case LAPIC_REG_LVT_LINT1:
		/* vector, delivery mode, polarity, trigger mode, mask */
		return 0xff | (7 << 8) | BIT(13) | BIT(15) | LAPIC_LVT_MASKED;
	case LAPIC_REG_LVT_ERROR:
		return 0xff | LAPIC_LVT_MASKED;
	default:		/* thermal, perf, CMCI */
		return 0xff | (7 << 8) | LAPIC_LVT_MASKED;
	}
}

/**
 * axvm_x2apic_ldr() - the read-only x2APIC logical ID
 * @id: x2APIC ID
 *
 * As 11.12.10.2 "Logical Destination Mode in x2APIC Mode" derives it.
 *
 * Return: cluster (ID[19:4]) in bits 31:16, one bit for ID[3:0].
 */
u32 axvm_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/**
 * axvm_lapic_match_logical() - does a logical destination select this APIC?
 * @x2apic: x2APIC mode (cluster model on 32-bit IDs)
 * @ldr: logical destination register
 * @dfr: destination format (xAPIC: 0xffffffff flat, 0x0fffffff cluster)
 * @dest: the ICR destination (xAPIC: 8 bits, x2APIC: 32 bits)
 *
 * Return: true if selected (11.6.2.2 "Logical Destination Mode", 11.12.10.2
 * "Logical Destination Mode in x2APIC Mode").
 */
bool axvm_lapic_match_logical(bool x2apic, u32 ldr, u32 dfr, u32 dest)
{
	if (x2apic)
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	ldr >>= 24;
	dest &= 0xff;
	if ((dfr >> 28) == 0xf)		/* flat */
		return dest & ldr;
	/* cluster: same cluster (high nibble) and a common member bit */
	return ((dest ^ ldr) & 0xf0) == 0 && (dest & ldr & 0x0f);
}

/**
 * axvm_lapic_msr_offset() - xAPIC register offset of an x2APIC MSR
 * @msr: MSR index
 *
 * Return: the offset (MSR 0x800 + offset / 16, 11.12.1.2 "x2APIC Register
 * Address Space"), or -1 if @msr is not in the x2APIC range.
 */
int axvm_lapic_msr_offset(u32 msr)
{
	if (msr < LAPIC_MSR_FIRST || msr > LAPIC_MSR_LAST)
		return -1;
	return (msr - LAPIC_MSR_FIRST) << 4;
}
