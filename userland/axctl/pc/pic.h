/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the 8259A PIC pair of a PC (master at 0x20/0x21, slave at
 * 0xa0/0xa1 on the master's IRQ2). Edge-triggered, fixed priority (IRQ0
 * highest), no special mask or rotation: what the test kernels and the
 * usual OS init code use. Pure state machine.
 *
 * Initialisation: ICW1 (bit 4 set) on the command port starts the
 * sequence; ICW2 (vector base, low 3 bits ignored), ICW3 (cascade,
 * stored), ICW4 if ICW1 bit 0 asked for it (bit 1: auto-EOI) follow on
 * the data port. Then the data port is OCW1 (IMR); the command port takes
 * OCW2 (EOI: non-specific 0x20, specific 0x60 | level) and OCW3 (read IRR
 * 0x0a or ISR 0x0b on the next command-port read).
 *
 * Before any ICW, both chips hold what a PC BIOS leaves: master base
 * 0x08, slave 0x70, every line masked.
 */
#ifndef AXCTL_PC_PIC_H
#define AXCTL_PC_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD	0x20
#define PIC_MASTER_DATA	0x21
#define PIC_SLAVE_CMD	0xa0
#define PIC_SLAVE_DATA	0xa1
#define PIC_CASCADE_IRQ	2

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t base;		/* ICW2 & 0xf8 */
	uint8_t icw3;
	uint8_t init_step;	/* 0: ready; 2, 3, 4: the ICW expected next */
	bool need_icw4;
	bool single;		/* ICW1.SNGL: no ICW3 */
	bool auto_eoi;
	bool read_isr;		/* OCW3: the command port reads ISR, not IRR */
	bool initialised;	/* an ICW1 was seen */
};

struct pic {
	struct pic_chip chip[2];	/* 0: master, 1: slave */
	uint64_t raised[16];		/* edges seen per IRQ line */
	uint64_t delivered[16];		/* interrupts acknowledged per line */
};

void pic_init(struct pic *p);
/* A rising edge on line irq (0-15): IRR. */
void pic_raise(struct pic *p, unsigned int irq);
/* The vector the CPU would get now, or -1 (nothing unmasked above ISR). */
int pic_pending_vector(const struct pic *p);
/* INTA: the CPU takes pic_pending_vector(); IRR -> ISR. Returns it or -1. */
int pic_ack(struct pic *p);
/* Whether line irq can reach the CPU (unmasked on its chip and the cascade). */
bool pic_line_enabled(const struct pic *p, unsigned int irq);
uint8_t pic_read(struct pic *p, uint16_t port);
void pic_write(struct pic *p, uint16_t port, uint8_t val);

#endif
