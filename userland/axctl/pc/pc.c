// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the PC board (see pc.h): port handlers that adapt the device
 * models to the bus, and the PIT's timer thread.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "axctl.h"
#include "pc/pc.h"

uint64_t pc_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t host_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void irq_update(struct pc *pc)
{
	if (pic_pending_vector(&pc->pic) < 0)
		return;
	if (pc->notify)
		pc->notify(pc->notify_arg);
	pthread_cond_signal(&pc->timer_cond);	/* its retry deadline */
}

/* --- ISA interrupt lines -------------------------------------------------- */

void pc_set_gsi_line(struct pc *pc, int (*fn)(void *, unsigned int, bool, bool), void *arg)
{
	pc->gsi_line = fn;
	pc->gsi_arg = arg;
}

unsigned int pc_isa_gsi(unsigned int irq)
{
	return irq == 0 ? 2 : irq;
}

/* The I/O APIC's side; the first failure is kept for the VMM to report. */
static void gsi_drive(struct pc *pc, unsigned int irq, bool level, bool pulse)
{
	int r;

	if (!pc->gsi_line)
		return;
	r = pc->gsi_line(pc->gsi_arg, pc_isa_gsi(irq), level, pulse);
	if (r && !pc->gsi_err)
		pc->gsi_err = r;
}

void pc_irq_pulse(struct pc *pc, unsigned int irq)
{
	pic_raise(&pc->pic, irq);
	gsi_drive(pc, irq, true, true);
	irq_update(pc);
}

void pc_irq_set(struct pc *pc, unsigned int irq, bool level)
{
	uint16_t bit = 1U << irq;
	bool was = pc->isa_level & bit;

	if (level == was)
		return;
	pc->isa_level ^= bit;
	/* The 8259 model is edge-triggered: only the rising edge counts. */
	if (level)
		pic_raise(&pc->pic, irq);
	gsi_drive(pc, irq, level, false);
	irq_update(pc);
}

/* --- port handlers -------------------------------------------------------- */

static uint64_t pic_in(void *dev, uint64_t port, unsigned int width)
{
	(void)width;
	return pic_read(&((struct pc *)dev)->pic, port);
}

static int pic_out(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	struct pc *pc = dev;

	(void)width;
	pic_write(&pc->pic, port, val);
	irq_update(pc);		/* unmask or EOI may let one through */
	return IO_CONTINUE;
}

static uint64_t pit_port_in(void *dev, uint64_t port, unsigned int width)
{
	(void)width;
	return pit_read(&((struct pc *)dev)->pit, port);
}

static int pit_port_out(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	struct pc *pc = dev;

	(void)width;
	pit_write(&pc->pit, port, val);
	pthread_cond_signal(&pc->timer_cond);	/* a new deadline */
	return IO_CONTINUE;
}

static uint64_t cmos_in(void *dev, uint64_t port, unsigned int width)
{
	(void)width;
	return cmos_read(&((struct pc *)dev)->cmos, port);
}

static int cmos_out(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	(void)width;
	cmos_write(&((struct pc *)dev)->cmos, port, val);
	return IO_CONTINUE;
}

static uint64_t fwcfg_in(void *dev, uint64_t port, unsigned int width)
{
	struct pc *pc = dev;
	uint32_t v = 0;
	unsigned int i;

	if (port == FW_CFG_PORT_SEL)
		return width >= 4 ? 0xffffffffU : (1U << (8 * width)) - 1;
	for (i = 0; i < width; i++)
		v |= (uint32_t)fwcfg_read(&pc->fwcfg) << (8 * i);
	return v;
}

static int fwcfg_out(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	(void)width;
	if (port == FW_CFG_PORT_SEL)
		fwcfg_select(&((struct pc *)dev)->fwcfg, val & 0xffff);
	return IO_CONTINUE;	/* data writes: ignored, as QEMU 2.4+ */
}

static uint64_t port_a_in(void *dev, uint64_t port, unsigned int width)
{
	(void)port;
	(void)width;
	return ((struct pc *)dev)->port_a | 0x02;	/* A20 on */
}

static int port_a_out(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	struct pc *pc = dev;

	(void)port;
	(void)width;
	pc->port_a = val & 0x02;
	return val & 0x01 ? IO_RESET : IO_CONTINUE;
}

/*
 * System control port B (IBM PC/AT Technical Reference, "System Control
 * Port B"): bit 0 gates PIT channel 2, bit 1 enables the speaker, bits
 * 2-3 (parity/channel check enables) are stored; reads add bit 4, the
 * refresh request that toggles every 15.085 us, and bit 5, channel 2's
 * OUT: what Linux's pit_calibrate_tsc() and quick_pit_calibrate() poll.
 */
static uint64_t port_b_in(void *dev, uint64_t port, unsigned int width)
{
	struct pc *pc = dev;
	uint64_t now = pc->pit.clock();

	(void)port;
	(void)width;
	return pc->port_b | ((now / PC_REFRESH_NS) & 1 ? 0x10 : 0) |
	       (pit_out(&pc->pit, 2, now) ? 0x20 : 0);
}

static int port_b_out(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	struct pc *pc = dev;

	(void)port;
	(void)width;
	pc->port_b = val & 0x0f;
	pit_set_gate(&pc->pit, 2, val & 0x01, pc->pit.clock());
	return IO_CONTINUE;
}

static uint64_t kbd_in(void *dev, uint64_t port, unsigned int width)
{
	(void)dev;
	(void)port;
	(void)width;
	return 0x1c;	/* buffers empty, system flag, keyboard not inhibited */
}

static int kbd_out(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	(void)dev;
	(void)port;
	(void)width;
	return (val & 0xff) == PC_KBD_RESET ? IO_RESET : IO_CONTINUE;
}

/* --- COM1 on IRQ 4 ------------------------------------------------------------ */

/* ISA interrupts are edge-triggered at the 8259: a rising edge raises IRQ 4. */
static void com1_irq(void *arg, bool level)
{
	struct pc *pc = arg;

	if (!level)
		return;
	pc->com1_irqs++;
	pc_irq_pulse(pc, UART_IRQ);	/* the PIC and, if there, the I/O APIC */
}

static void com1_notify(void *arg)
{
	struct pc *pc = arg;

	if (pc->input_room && uart_rx_room(pc->com1))
		pc->input_room(pc->input_room_arg);
	pthread_cond_signal(&pc->timer_cond);	/* the character timeout moved */
}

void pc_set_input_room(struct pc *pc, void (*fn)(void *), void *arg)
{
	pc->input_room = fn;
	pc->input_room_arg = arg;
}

/* --- the board -------------------------------------------------------------- */

int pc_init(struct pc *pc, struct io_bus *bus, uint64_t low_ram, uint64_t high_ram,
	    unsigned int nr_cpus, pthread_mutex_t *lock, void (*notify)(void *), void *arg)
{
	const struct io_handler h[] = {
		{ PIC_MASTER_CMD, 2, IO_BYTEWISE, "PIC master", pic_in, pic_out, pc },
		{ PIC_SLAVE_CMD, 2, IO_BYTEWISE, "PIC slave", pic_in, pic_out, pc },
		{ PIT_BASE, 4, IO_BYTEWISE, "PIT", pit_port_in, pit_port_out, pc },
		{ PC_PORT_B, 1, 0, "port B", port_b_in, port_b_out, pc },
		{ PC_KBD_STATUS, 1, 0, "i8042", kbd_in, kbd_out, pc },
		{ CMOS_INDEX, 2, IO_BYTEWISE, "CMOS", cmos_in, cmos_out, pc },
		{ PC_PORT_A, 1, 0, "port A", port_a_in, port_a_out, pc },
		{ FW_CFG_PORT_SEL, 2, 0, "fw_cfg", fwcfg_in, fwcfg_out, pc },
	};
	static const char version[] = "axctl " AXCTL_VERSION "\n";
	pthread_condattr_t ca;
	unsigned int i;

	memset(pc, 0, sizeof(*pc));
	pic_init(&pc->pic);
	pit_init(&pc->pit, pc_monotonic_ns);
	cmos_init(&pc->cmos, low_ram, high_ram, host_time);
	fwcfg_init(&pc->fwcfg, low_ram + high_ram, nr_cpus);
	if (fwcfg_add_file(&pc->fwcfg, "etc/axvm/version", version, sizeof(version) - 1) < 0)
		return -1;
	pc->lock = lock;
	pc->notify = notify;
	pc->notify_arg = arg;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pc->timer_cond, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (bus_register(&bus->pio, &h[i]))
			return -1;
	pc->com1 = &bus->com1;
	pc->com1->irq = com1_irq;
	pc->com1->notify = com1_notify;
	pc->com1->arg = pc;
	return 0;
}

void pc_timer_poll(struct pc *pc)
{
	if (pit_poll(&pc->pit, pc_monotonic_ns())) {
		/* Edges the thread slept through collapse into one, as in IRR. */
		pc->pit_irqs++;
		pc_irq_pulse(pc, 0);
		return;
	}
	if (pc->com1)
		serial_poll(&pc->com1->s);	/* the character timeout */
	irq_update(pc);
}

/* The next time the timer thread has something to do. */
static uint64_t next_deadline(const struct pc *pc)
{
	uint64_t next = pit_next_edge(&pc->pit), t;

	if (pc->com1) {
		t = serial_next_deadline(&pc->com1->s);
		if (t < next)
			next = t;
	}
	return next;
}

static void *timer_main(void *arg)
{
	struct pc *pc = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);	/* signals are the VMM's */
	pthread_mutex_lock(pc->lock);
	while (!pc->timer_stop) {
		uint64_t next;

		pc_timer_poll(pc);
		next = next_deadline(pc);
		/* A vector vCPU 0 could not take yet (IF=0): kick it again soon. */
		if (pic_pending_vector(&pc->pic) >= 0 &&
		    pc_monotonic_ns() + PC_IRQ_RETRY_NS < next)
			next = pc_monotonic_ns() + PC_IRQ_RETRY_NS;
		if (next == PIT_NEVER) {
			pthread_cond_wait(&pc->timer_cond, pc->lock);
		} else if (next > pc_monotonic_ns()) {
			struct timespec ts = {
				.tv_sec = next / 1000000000ULL,
				.tv_nsec = next % 1000000000ULL,
			};

			pthread_cond_timedwait(&pc->timer_cond, pc->lock, &ts);
		}
	}
	pthread_mutex_unlock(pc->lock);
	return NULL;
}

int pc_start(struct pc *pc)
{
	int r = pthread_create(&pc->timer, NULL, timer_main, pc);

	if (r)
		return -r;
	pc->timer_started = true;
	return 0;
}

void pc_stop(struct pc *pc)
{
	if (!pc->timer_started)
		return;
	pthread_mutex_lock(pc->lock);
	pc->timer_stop = true;
	pthread_cond_signal(&pc->timer_cond);
	pthread_mutex_unlock(pc->lock);
	pthread_join(pc->timer, NULL);
	pc->timer_started = false;
}

void pc_free(struct pc *pc)
{
	fwcfg_free(&pc->fwcfg);
	pthread_cond_destroy(&pc->timer_cond);
}

int pc_irq_vector(const struct pc *pc)
{
	return pic_pending_vector(&pc->pic);
}

void pc_irq_ack(struct pc *pc)
{
	pic_ack(&pc->pic);
}

bool pc_irq_possible(const struct pc *pc)
{
	const struct serial *u = pc->com1 ? &pc->com1->s : NULL;

	return pic_pending_vector(&pc->pic) >= 0 ||
	       (pit_armed(&pc->pit) && pic_line_enabled(&pc->pic, 0)) ||
	       /* COM1 may interrupt: input can still come, or THRE. */
	       (u && (u->ier & 0x0f) && (u->mcr & SERIAL_MCR_OUT2) &&
		pic_line_enabled(&pc->pic, UART_IRQ));
}
