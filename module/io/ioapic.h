/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel I/O APIC: an Intel 82093AA (datasheet 290566, "82093AA I/O
 * Advanced Programmable Interrupt Controller") with 24 pins and the EOI
 * register of version 0x20, as KVM models it. Its messages go to the local
 * APICs (io/lapic.c); level-triggered vectors come back through the local
 * APIC's EOI broadcast (SDM Vol. 3A, 11.8.5 "Signaling Interrupt
 * Servicing Completion"). See Documentation/ioapic.rst.
 *
 * ioapic_regs.c is the register and pin logic without side effects (KUnit);
 * ioapic.c is the device: MMIO, locking, delivery, the ioctls.
 */
#ifndef AXVM_IO_IOAPIC_H
#define AXVM_IO_IOAPIC_H

#include <linux/bits.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/axvm.h>
#include "lib/iobus.h"

struct axvm_vm;

/* MMIO layout (datasheet 3.0, "Register Description"). */
#define IOAPIC_MMIO_LEN		0x100
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WIN		0x10
#define IOAPIC_EOI		0x40	/* version 0x20 and later */

/* Indirect registers selected by IOREGSEL. */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDIR	0x10	/* two 32-bit words per pin */

/* Version register: version 0x20, maximum redirection entry 23. */
#define IOAPIC_VERSION_VALUE	(0x20 | ((AXVM_IOAPIC_PINS - 1) << 16))

/* Redirection table entry fields (datasheet 3.2.4). */
#define IOAPIC_RTE_VECTOR(e)	((u8)(e))
#define IOAPIC_RTE_MODE(e)	(((e) >> 8) & 7)
#define IOAPIC_RTE_LOGICAL	BIT_ULL(11)
#define IOAPIC_RTE_DELIVS	BIT_ULL(12)	/* delivery status, read-only */
#define IOAPIC_RTE_POLARITY_LOW	BIT_ULL(13)
#define IOAPIC_RTE_REMOTE_IRR	BIT_ULL(14)	/* read-only */
#define IOAPIC_RTE_LEVEL	BIT_ULL(15)
#define IOAPIC_RTE_MASKED	BIT_ULL(16)
#define IOAPIC_RTE_DEST(e)	((u32)((e) >> 56))
/* Bits the guest writes: all of the low word but 12 and 14, dest 63:56. */
#define IOAPIC_RTE_LO_WRITABLE	0x1afffU
#define IOAPIC_RTE_HI_WRITABLE	0xff000000U

/* Delivery modes (datasheet 3.2.4, bits 10:8). */
#define IOAPIC_DM_FIXED		0
#define IOAPIC_DM_LOWEST	1
#define IOAPIC_DM_SMI		2
#define IOAPIC_DM_NMI		4
#define IOAPIC_DM_INIT		5
#define IOAPIC_DM_EXTINT	7

/**
 * struct axvm_ioapic_state - registers and pin levels (no locking here)
 * @ioregsel: IOREGSEL, the index IOWIN accesses
 * @id: I/O APIC ID (bits 27:24 of the ID register)
 * @redir: redirection table, remote IRR included
 * @sources: per pin, the sources asserting it (AXVM_IRQ_SOURCES bits);
 *	the line is asserted while any bit is set
 */
struct axvm_ioapic_state {
	u32 ioregsel;
	u32 id;
	u64 redir[AXVM_IOAPIC_PINS];
	u32 sources[AXVM_IOAPIC_PINS];
};

/**
 * struct axvm_apic_msg - an interrupt message on the APIC bus
 * @dest: destination field (8 bits from an I/O APIC)
 * @vector: vector (fixed and lowest priority)
 * @mode: delivery mode, IOAPIC_DM_* (the same numbers as the ICR's)
 * @logical: @dest is a logical destination
 * @level: level-triggered: the target records it in TMR and its EOI of
 *	@vector is broadcast back to the I/O APIC
 */
struct axvm_apic_msg {
	u32 dest;
	u8 vector;
	u8 mode;
	bool logical;
	bool level;
};

/**
 * struct axvm_ioapic - a VM's I/O APIC
 * @lock: serialises @s and the deliveries it causes
 * @vm: its VM
 * @dev: the MMIO range on the VM's bus
 * @s: the state
 */
struct axvm_ioapic {
	spinlock_t lock;
	struct axvm_vm *vm;
	struct axvm_io_device dev;
	struct axvm_ioapic_state s;
};

/* ioapic_regs.c: register and line logic (KUnit suite axvm_ioapic). */
void axvm_ioapic_reset(struct axvm_ioapic_state *s);
u32 axvm_ioapic_read(const struct axvm_ioapic_state *s, u32 index);
u32 axvm_ioapic_write(struct axvm_ioapic_state *s, u32 index, u32 val);
bool axvm_ioapic_set_line(struct axvm_ioapic_state *s, unsigned int pin,
			  unsigned int source, bool level);
u32 axvm_ioapic_eoi_vector(struct axvm_ioapic_state *s, u8 vector);
void axvm_ioapic_msg(const struct axvm_ioapic_state *s, unsigned int pin,
		     struct axvm_apic_msg *m);
void axvm_ioapic_accepted(struct axvm_ioapic_state *s, unsigned int pin);

/* ioapic.c */
int axvm_vm_create_ioapic(struct axvm_vm *vm, unsigned long arg);
int axvm_ioapic_irq_line(struct axvm_vm *vm, const struct axvm_irq_line *line);
void axvm_ioapic_eoi(struct axvm_vm *vm, u8 vector);
void axvm_ioapic_free(struct axvm_vm *vm);

#endif
