/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the PC board. Puts the PIC pair, the PIT, CMOS/RTC, fw_cfg and
 * the reset ports on the VMM's port bus, and runs the host timer thread
 * that turns PIT channel 0 into IRQ0 edges on the PIC.
 *
 *  0x20-0x21, 0xa0-0xa1  8259 PIC pair (pc/pic.h)
 *  0x40-0x43             8254 PIT (pc/pit.h); channel 0 -> IRQ0
 *  0x61                  system control port B: bit 0 gates PIT channel 2,
 *                        bit 5 reads its OUT (Linux calibrates the TSC so)
 *  0x64                  keyboard controller: reads 0x1c (buffers empty),
 *                        command 0xfe resets the machine, others ignored
 *  0x70-0x71             CMOS/RTC (pc/cmos.h)
 *  0x92                  system control port A: bit 0 written 1 resets the
 *                        machine; bit 1 (A20) reads 1: A20 is always on
 *  0x510-0x511           fw_cfg (pc/fwcfg.h)
 * and wires COM1 (on the bus already, uart.h) to IRQ 4: each rising edge
 * of its line raises IRQ 4 at the PIC; the timer thread also wakes for
 * its character timeout.
 *
 * ISA interrupts: a device raises its IRQ with pc_irq_pulse() (edge: the
 * PIT) or holds it with pc_irq_set() (level). Each goes to the PIC, and,
 * once the VMM gave the board the in-kernel I/O APIC's input
 * (pc_set_gsi_line), to GSI pc_isa_gsi(irq) there as well: the GSI equals
 * the IRQ except IRQ0 -> GSI 2, the MADT's interrupt source override of
 * every PC. The guest unmasks one of the two paths.
 *
 * Locking: every call, and the device handlers on the bus, run under the
 * VMM's device lock (pc->lock, vmm.h); the timer thread takes it too. When an interrupt
 * becomes deliverable, the board calls notify(arg) with the lock held, so
 * the VMM wakes or kicks the vCPU that takes external interrupts; while
 * one stays deliverable (the guest has interrupts off), the timer thread
 * notifies again every PC_IRQ_RETRY_NS.
 */
#ifndef AXCTL_PC_PC_H
#define AXCTL_PC_PC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices.h"
#include "pc/cmos.h"
#include "pc/fwcfg.h"
#include "pc/pic.h"
#include "pc/pit.h"

#define PC_PORT_A	0x92
#define PC_PORT_B	0x61
#define PC_REFRESH_NS	15085		/* port B bit 4 toggles this often */
#define PC_KBD_STATUS	0x64
#define PC_KBD_RESET	0xfe
/* How soon the timer thread notifies again about a vector not yet taken. */
#define PC_IRQ_RETRY_NS	500000ULL

struct pc {
	struct pic pic;
	struct pit pit;
	struct cmos cmos;
	struct fwcfg fwcfg;
	uint8_t port_a;
	uint8_t port_b;			/* bits 0-3 as written */
	uint64_t pit_irqs;		/* IRQ0 edges raised by the PIT */
	struct uart16550 *com1;		/* the bus's; its IRQ 4 is wired here */
	uint64_t com1_irqs;		/* IRQ 4 edges */
	void (*input_room)(void *arg);	/* COM1's receiver has room again */
	void *input_room_arg;
	uint16_t isa_level;		/* ISA lines held high (pc_irq_set) */
	/* The I/O APIC's input (AXVM_IRQ_LINE), or NULL: see pc_set_gsi_line. */
	int (*gsi_line)(void *arg, unsigned int gsi, bool level, bool pulse);
	void *gsi_arg;
	int gsi_err;			/* first error gsi_line returned */

	pthread_mutex_t *lock;
	void (*notify)(void *arg);
	void *notify_arg;
	pthread_cond_t timer_cond;	/* CLOCK_MONOTONIC */
	pthread_t timer;
	bool timer_started, timer_stop;
};

/*
 * Set up the devices and register them on bus. low_ram/high_ram: guest
 * RAM below and above 4 GiB. Returns 0, or -1 if a port range is taken.
 */
int pc_init(struct pc *pc, struct io_bus *bus, uint64_t low_ram, uint64_t high_ram,
	    unsigned int nr_cpus, pthread_mutex_t *lock, void (*notify)(void *), void *arg);
/* Start/stop the PIT's host timer thread (without pc->lock held). */
int pc_start(struct pc *pc);
void pc_stop(struct pc *pc);
void pc_free(struct pc *pc);

/*
 * Route ISA IRQs to an I/O APIC too: fn(arg, gsi, level, pulse) drives a
 * GSI (pulse: assert and de-assert at once) and returns 0 or -errno.
 */
void pc_set_gsi_line(struct pc *pc, int (*fn)(void *, unsigned int, bool, bool), void *arg);
/* The GSI of ISA IRQ irq (the MADT's override: IRQ0 -> GSI 2). */
unsigned int pc_isa_gsi(unsigned int irq);
/* Under the lock: an edge device pulses ISA IRQ irq (0-15). */
void pc_irq_pulse(struct pc *pc, unsigned int irq);
/* Under the lock: a level device holds ISA IRQ irq high or lets it go. */
void pc_irq_set(struct pc *pc, unsigned int irq, bool level);

/* Under the lock: the vector to inject now, or -1. */
int pc_irq_vector(const struct pc *pc);
/* Under the lock: the vCPU took pc_irq_vector() (INTA). */
void pc_irq_ack(struct pc *pc);
/* Under the lock: an interrupt can still come (pending, or an armed, unmasked PIT). */
bool pc_irq_possible(const struct pc *pc);
/* Under the lock: COM1's receiver has room: call fn(arg) (the console). */
void pc_set_input_room(struct pc *pc, void (*fn)(void *), void *arg);
/* Under the lock: let the PIT catch up with the clock (raises IRQ0 edges). */
void pc_timer_poll(struct pc *pc);

uint64_t pc_monotonic_ns(void);

#endif
