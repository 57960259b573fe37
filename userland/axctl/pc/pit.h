/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the 8254 PIT (channels 0-2 at 0x40-0x42, control word at 0x43),
 * counting at 1193182 Hz of host time. Pure state machine: time comes in
 * as nanoseconds of a monotonic clock (pit->clock, replaceable by tests).
 *
 * Modes 0 (interrupt on terminal count) and 4 count once; modes 2 (rate
 * generator) and 3 (square wave) reload and count again; modes 1 and 5
 * wait for a rising edge of the gate. The gates of channels 0 and 1 are
 * wired high on a PC (so modes 1 and 5 never start there); channel 2's
 * is bit 0 of port 0x61 (pit_set_gate()). Per the 82C54 data sheet's
 * "GATE" table: in modes 0 and 4 a low gate pauses counting, in modes 2
 * and 3 it pauses counting and forces OUT high and its rising edge
 * reloads the count, in modes 1 and 5 its rising edge (re)starts the
 * count. Access modes
 * LSB, MSB and LSB-then-MSB; the counter-latch command and the read-back
 * command (count and status); BCD counting is stored in the status but
 * the counter counts in binary.
 *
 * Channel 0 drives IRQ0: pit_poll() gives the rising edges of its output
 * since the last call, pit_next_edge() when the next one is due, so the
 * VMM's timer thread sleeps until then.
 */
#ifndef AXCTL_PC_PIT_H
#define AXCTL_PC_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_BASE	0x40
#define PIT_CONTROL	0x43
#define PIT_HZ		1193182ULL
#define PIT_NEVER	UINT64_MAX

struct pit_channel {
	uint32_t reload;	/* 1..65536 (0 written means 65536) */
	uint8_t mode;		/* 0-5 */
	uint8_t access;		/* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;
	bool counting;		/* a count was written since the control word */
	bool null_count;	/* a count written but not loaded yet (status bit 6) */
	bool gate;		/* GATE input level */
	bool triggered;		/* modes 1, 5: a gate edge came since the count */
	uint64_t load_ns;	/* when the count was loaded, or counting resumed */
	uint64_t ticks_base;	/* ticks counted before the gate paused it */
	uint64_t edges_seen;	/* output edges already reported (channel 0) */
	bool write_msb;		/* access 3: the next write is the MSB */
	uint8_t write_lsb;
	bool read_msb;		/* access 3: the next read is the MSB */
	bool latched;		/* counter latch holds @latch */
	bool latch_msb;		/* access 3: the latch's LSB was read */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct pit {
	struct pit_channel ch[3];
	uint64_t (*clock)(void);	/* ns, monotonic */
};

void pit_init(struct pit *p, uint64_t (*clock)(void));
uint8_t pit_read(struct pit *p, uint16_t port);
void pit_write(struct pit *p, uint16_t port, uint8_t val);
/* The counter of channel ch at now (what a latch would hold). */
uint16_t pit_count(const struct pit *p, unsigned int ch, uint64_t now);
/* Channel ch's OUT pin at now. */
bool pit_out(const struct pit *p, unsigned int ch, uint64_t now);
/* The GATE input of channel ch (2 on a PC: port 0x61 bit 0) at now. */
void pit_set_gate(struct pit *p, unsigned int ch, bool level, uint64_t now);
/* Rising edges of channel 0's output since the last call (0 if none). */
uint64_t pit_poll(struct pit *p, uint64_t now);
/* When the next edge of channel 0 is due (ns), or PIT_NEVER. */
uint64_t pit_next_edge(const struct pit *p);
/* Channel 0 will raise IRQ0 again (a periodic mode, or a one-shot not yet fired). */
bool pit_armed(const struct pit *p);

#endif
