/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: a 16550A UART as Linux's 8250 driver drives it, after the
 * National Semiconductor PC16550D data sheet (sections "Registers" and
 * "FIFO Interrupt Mode Operation"). Pure state machine: no threads, no
 * file descriptors; time (for the character timeout) from serial->clock,
 * transmitted bytes go to serial->tx, the interrupt output to
 * serial->set_irq. The VMM calls everything under its lock.
 *
 * The transmitter is infinitely fast: a byte written to THR goes to tx()
 * at once, so LSR.THRE and LSR.TEMT always read 1 and the THRE interrupt
 * comes back right after each THR write (as QEMU's 16550 with a chardev
 * that takes everything). The THRE interrupt is pending when THR is empty
 * and IER.ETBEI is set; reading IIR while it is the one reported, or
 * writing THR, clears it; IER.ETBEI going 0 -> 1 with THR empty raises
 * it again (Linux's startup test of the THRE interrupt needs that).
 *
 * The receiver has a 16-byte FIFO (1 byte with FCR.0 clear). The host
 * feeds it with serial_rx_push(), which takes only what fits: input is
 * never dropped, the caller keeps the rest (back-pressure). In loopback
 * (MCR.4) THR bytes go to the receiver instead, and a full FIFO sets
 * LSR.OE as the hardware would. Interrupts, by priority (IIR):
 *   0x06 receiver line status: LSR.OE (IER.ELSI); LSR read clears it
 *   0x04 received data: FIFO at the trigger level (FCR 7:6: 1, 4, 8,
 *        14), or any byte without FIFOs (IER.ERBFI)
 *   0x0c character timeout: FIFO below its trigger level, not empty, and
 *        neither read nor fed for 4 character times (IER.ERBFI)
 *   0x02 THR empty (IER.ETBEI), see above
 *   0x00 modem status: a delta bit of MSR 3:0 (IER.EDSSI); MSR read
 *        clears them
 * IIR bits 7:6 read 11 with the FIFOs on. The modem inputs are a
 * terminal that is always there (CTS, DSR, DCD); in loopback they follow
 * MCR (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD) and changes set the
 * delta bits. The interrupt output reaches the PC's IRQ line only while
 * MCR.OUT2 is set (IBM PC/AT serial adapter wiring; Linux sets OUT2).
 */
#ifndef AXCTL_PC_SERIAL_H
#define AXCTL_PC_SERIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERIAL_FIFO		16
#define SERIAL_CLOCK_HZ		1843200ULL	/* 1.8432 MHz crystal: 115200 baud at divisor 1 */
#define SERIAL_NEVER		UINT64_MAX

/* Register offsets. */
#define SERIAL_RBR		0	/* THR on write; DLL with LCR.DLAB */
#define SERIAL_IER		1	/* DLM with LCR.DLAB */
#define SERIAL_IIR		2	/* FCR on write */
#define SERIAL_LCR		3
#define SERIAL_MCR		4
#define SERIAL_LSR		5
#define SERIAL_MSR		6
#define SERIAL_SCR		7

#define SERIAL_IER_ERBFI	0x01
#define SERIAL_IER_ETBEI	0x02
#define SERIAL_IER_ELSI		0x04
#define SERIAL_IER_EDSSI	0x08

#define SERIAL_IIR_NONE		0x01
#define SERIAL_IIR_MSI		0x00
#define SERIAL_IIR_THRI		0x02
#define SERIAL_IIR_RDI		0x04
#define SERIAL_IIR_RLSI		0x06
#define SERIAL_IIR_TIMEOUT	0x0c
#define SERIAL_IIR_FIFO		0xc0

#define SERIAL_FCR_ENABLE	0x01
#define SERIAL_FCR_CLEAR_RX	0x02
#define SERIAL_FCR_CLEAR_TX	0x04

#define SERIAL_LCR_DLAB		0x80

#define SERIAL_MCR_DTR		0x01
#define SERIAL_MCR_RTS		0x02
#define SERIAL_MCR_OUT1		0x04
#define SERIAL_MCR_OUT2		0x08
#define SERIAL_MCR_LOOP		0x10

#define SERIAL_LSR_DR		0x01
#define SERIAL_LSR_OE		0x02
#define SERIAL_LSR_THRE		0x20
#define SERIAL_LSR_TEMT		0x40

#define SERIAL_MSR_DCTS		0x01
#define SERIAL_MSR_DDSR		0x02
#define SERIAL_MSR_TERI		0x04
#define SERIAL_MSR_DDCD		0x08
#define SERIAL_MSR_CTS		0x10
#define SERIAL_MSR_DSR		0x20
#define SERIAL_MSR_RI		0x40
#define SERIAL_MSR_DCD		0x80

/**
 * struct serial - one 16550A
 * @ier: interrupt enables (bits 3:0)
 * @lcr, @mcr, @scr, @dll, @dlm: the registers of those names
 * @fcr: FIFO control as written, without the self-clearing bits
 * @lsr_oe: LSR.OE (overrun, loopback only)
 * @msr_delta: MSR bits 3:0
 * @thre_pending: the THR-empty interrupt source
 * @rx: the receiver FIFO, @rx_head its first byte, @rx_count the bytes in it
 * @rx_activity_ns: the last time a byte came in or the guest read RBR
 * @irq_level: the INTR output as last reported to @set_irq
 * @clock: ns of a monotonic clock
 * @tx: a transmitted byte (arg @arg)
 * @set_irq: the IRQ line (INTR gated by MCR.OUT2) changed level
 * @tx_bytes, @rx_bytes: counters
 */
struct serial {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool lsr_oe;
	uint8_t msr_delta;
	bool thre_pending;
	uint8_t rx[SERIAL_FIFO];
	unsigned int rx_head, rx_count;
	uint64_t rx_activity_ns;
	bool irq_level;
	uint64_t (*clock)(void);
	void (*tx)(void *arg, uint8_t c);
	void (*set_irq)(void *arg, bool level);
	void *arg;
	uint64_t tx_bytes, rx_bytes;
};

/* Reset state (LCR 8N1 and divisor 1, as firmware leaves it). */
void serial_init(struct serial *s, uint64_t (*clock)(void),
		 void (*tx)(void *, uint8_t), void (*set_irq)(void *, bool), void *arg);
uint8_t serial_read(struct serial *s, unsigned int off);
void serial_write(struct serial *s, unsigned int off, uint8_t val);
/* Host input: queue up to len bytes; returns how many fit (the rest waits). */
size_t serial_rx_push(struct serial *s, const uint8_t *buf, size_t len);
/* Room in the receiver now (0: the host must wait for the guest to read). */
unsigned int serial_rx_room(const struct serial *s);
/* Re-evaluate time-dependent state (the character timeout) at clock(). */
void serial_poll(struct serial *s);
/* When serial_poll() may next change something (ns), or SERIAL_NEVER. */
uint64_t serial_next_deadline(const struct serial *s);
/* The interrupt identification the guest would read now (no side effects). */
uint8_t serial_iir(const struct serial *s);
/* Time of one character (start, data, parity, stop bits) at the current divisor. */
uint64_t serial_char_ns(const struct serial *s);

#endif
