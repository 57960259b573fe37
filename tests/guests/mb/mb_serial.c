// SPDX-License-Identifier: GPL-2.0
/*
 * mb_serial: COM1 driven by interrupts, as Linux's 8250 driver does it.
 *
 * Probes the 16550A the way Linux's autoconfig does (scratch, IER bits,
 * IIR 0xc0 with FIFOs, loopback MSR, FIFO size by loopback), checks the
 * THRE interrupt startup test (ETBEI 0 -> 1 re-raises it), then unmasks
 * IRQ 4 (vector 0x24) at the PIC and runs an echo loop with HLT between
 * interrupts: received data / character-timeout interrupts fill a
 * receive ring, every complete line is answered with "echo: LINE" through a
 * transmit ring that only THRE interrupts drain (IER.ETBEI on while it
 * has bytes). The line "quit" ends it: the counts of interrupts, then
 * checks (polled output from here, after the ring drained), then the
 * debug-exit port with the number of failed checks.
 *
 * Driven by pc_test.sh through a pipe on axctl's stdin.
 */
#include "mb.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_DATA	0xa1
#define COM1_IRQ_VEC	0x24
#define RBR		0
#define IER		1
#define IIR		2
#define FCR		2
#define LCR		3
#define MCR		4
#define LSR		5
#define MSR		6
#define SCR		7
#define IER_RDI		0x01
#define IER_THRI	0x02
#define LSR_DR		0x01
#define MCR_OUT2	0x08
#define TX_RING		1024
#define LINE_MAX	512
#define RX_RING		8192

int mb_main(uint32_t magic, const struct mb_info *mbi);
void mb_irq0(void);
void mb_irq4(void);
void mb_exception(uint32_t vector) __attribute__((noreturn));

extern const uint32_t exc_stubs[32];
extern char irq0_stub[], irq4_stub[], spurious_stub[];

/* IRQ 4's entry: the same frame handling as irq0_stub in irq.S. */
__asm__(".text\n"
	".global irq4_stub\n"
	"irq4_stub:\n\t"
	"pushal\n\t"
	"cld\n\t"
	"call mb_irq4\n\t"
	"popal\n\t"
	"iret\n");

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
};

static struct gate idt[256] __attribute__((aligned(8)));
static uint64_t gdt[3] __attribute__((aligned(8))) = {
	0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL,
};

static volatile uint8_t tx[TX_RING];
static volatile uint32_t tx_head, tx_tail;	/* tail: next to send */
static volatile uint8_t rxr[RX_RING];
static volatile uint32_t rx_head, rx_tail;	/* the ISR fills, main empties */
static volatile uint32_t rx_irqs, timeout_irqs, thre_irqs, irqs, rx_bytes, overruns;
static volatile uint8_t ier;

static void set_gate(unsigned int v, uint32_t handler)
{
	idt[v].off_lo = handler & 0xffff;
	idt[v].sel = 0x08;
	idt[v].zero = 0;
	idt[v].type = 0x8e;
	idt[v].off_hi = handler >> 16;
}

static void load_tables(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) gd = { sizeof(gdt) - 1, (uint32_t)(uintptr_t)gdt },
	  id = { sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	unsigned int i;

	for (i = 0; i < 32; i++)
		set_gate(i, exc_stubs[i]);
	set_gate(0x20, (uint32_t)(uintptr_t)irq0_stub);
	set_gate(COM1_IRQ_VEC, (uint32_t)(uintptr_t)irq4_stub);
	set_gate(0x27, (uint32_t)(uintptr_t)spurious_stub);
	set_gate(0x2f, (uint32_t)(uintptr_t)spurious_stub);
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "lidt %1"
			 : : "m"(gd), "m"(id) : "eax", "memory");
}

void mb_exception(uint32_t vector)
{
	printf("mb_serial: exception %u\n", vector);
	outb(DEBUG_EXIT_PORT, 0x7f);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void mb_irq0(void)
{
	outb(PIC1_CMD, 0x20);	/* IRQ0 stays masked; just in case */
}

static uint8_t com(unsigned int reg)
{
	return inb(COM1_PORT + reg);
}

static void com_out(unsigned int reg, uint8_t v)
{
	outb(COM1_PORT + reg, v);
}

static void rx_byte(uint8_t c)
{
	rx_bytes++;
	if (rx_head - rx_tail >= RX_RING) {
		overruns++;		/* more input than the test sends */
		return;
	}
	rxr[rx_head % RX_RING] = c;
	rx_head++;
}

/* The next input byte; HLT until one comes. */
static uint8_t rx_get(void)
{
	uint8_t c;

	__asm__ volatile("cli" ::: "memory");
	while (rx_tail == rx_head)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	c = rxr[rx_tail % RX_RING];
	rx_tail++;
	__asm__ volatile("sti" ::: "memory");
	return c;
}

/* Up to 16 bytes of the ring into the transmitter; ETBEI off when empty. */
static void tx_fill(void)
{
	unsigned int n;

	for (n = 0; n < 16 && tx_tail != tx_head; n++, tx_tail++)
		com_out(RBR, tx[tx_tail % TX_RING]);
	if (tx_tail == tx_head) {
		ier &= ~IER_THRI;
		com_out(IER, ier);
	}
}

/* Linux's serial8250_handle_irq() loop: until IIR says nothing pending. */
void mb_irq4(void)
{
	uint8_t iir;

	irqs++;
	while (!((iir = com(IIR)) & 1)) {
		switch (iir & 0x0f) {
		case 0x04:
		case 0x0c:
			if ((iir & 0x0f) == 0x0c)
				timeout_irqs++;
			else
				rx_irqs++;
			while (com(LSR) & LSR_DR)
				rx_byte(com(RBR));
			break;
		case 0x02:
			thre_irqs++;
			tx_fill();
			break;
		case 0x06:
			com(LSR);
			break;
		default:
			com(MSR);
			break;
		}
	}
	outb(PIC1_CMD, 0x20);
}

/* Queue s for the THRE interrupts (IRQs off while the ring is touched). */
static void tx_puts(const char *s)
{
	__asm__ volatile("cli" ::: "memory");
	while (*s) {
		while (tx_head - tx_tail >= TX_RING) {	/* full: let IRQs drain it */
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		}
		tx[tx_head % TX_RING] = *s++;
		tx_head++;
	}
	if (!(ier & IER_THRI)) {
		ier |= IER_THRI;	/* 0 -> 1: the UART raises THRE at once */
		com_out(IER, ier);
	}
	__asm__ volatile("sti" ::: "memory");
}

static void tx_drain(void)
{
	__asm__ volatile("cli" ::: "memory");
	while (tx_tail != tx_head)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	__asm__ volatile("sti" ::: "memory");
}

/* What Linux's autoconfig() and serial8250_do_startup() look at. */
static void probe(void)
{
	uint8_t iir1, iir2, msr;
	unsigned int n = 0;

	com_out(IER, 0);
	com_out(LCR, 0x80);
	com_out(RBR, 0x01);	/* divisor 1 */
	com_out(IER, 0x00);
	com_out(LCR, 0x03);
	com_out(IER, 0x0f);
	mb_check(com(IER) == 0x0f, "IER holds bits 3:0");
	com_out(IER, 0);
	com_out(FCR, 0x07);
	mb_check((com(IIR) & 0xc0) == 0xc0, "IIR bits 7:6 set with FIFOs on (16550A)");
	com_out(MCR, 0x10 | 0x0a);
	msr = com(MSR);
	mb_check((msr & 0xf0) == 0x90, "loopback: RTS|OUT2 read back as CTS|DCD");
	for (unsigned int i = 0; i < 32; i++)
		com_out(RBR, (uint8_t)i);
	while ((com(LSR) & LSR_DR) && n < 64) {
		com(RBR);
		n++;
	}
	/* Loopback off first: bytes written in loopback never leave the chip. */
	com_out(MCR, 0x03);
	printf("FIFO size by loopback: %u\n", n);
	mb_check(n == 16, "FIFO size probes as 16");
	com_out(FCR, 0x87);	/* FIFOs on, cleared, RX trigger 8 */
	com_out(IER, IER_THRI);
	iir1 = com(IIR);
	com_out(IER, 0);
	com_out(IER, IER_THRI);
	iir2 = com(IIR);
	com_out(IER, 0);
	mb_check((iir1 & 0x0f) == 0x02 && (iir2 & 0x0f) == 0x02,
		 "THRE interrupt on ETBEI, and again on ETBEI 0 -> 1");
	mb_check(com(IIR) == 0xc1, "nothing pending with IER 0");
}

static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);
	outb(0xa0, 0x11);
	outb(PIC1_DATA, 0x20);
	outb(PIC2_DATA, 0x28);
	outb(PIC1_DATA, 0x04);
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xef);	/* IRQ 4 only */
	outb(PIC2_DATA, 0xff);
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	char buf[LINE_MAX + 16], line[LINE_MAX];
	uint32_t lines = 0, longest = 0, len = 0;
	int quit = 0;

	(void)mbi;
	mb_check(com1_init() == 0, "COM1 scratch register");
	mb_check(magic == MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
	probe();
	load_tables();
	pic_init();
	com_out(MCR, 0x0b);		/* DTR, RTS, OUT2: IRQ 4 reaches the PIC */
	ier = IER_RDI;
	com_out(IER, ier);
	__asm__ volatile("sti" ::: "memory");
	tx_puts("mb_serial: ready\n");
	while (!quit) {
		uint8_t c = rx_get();

		if (c != '\n' && c != '\r') {
			if (len < LINE_MAX - 1)
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		snprintf(buf, sizeof(buf), "echo: %s\n", line);
		quit = len == 4 && !memcmp(line, "quit", 4);
		if (len > longest)
			longest = len;
		len = 0;
		tx_puts(buf);
		lines++;
	}
	snprintf(buf, sizeof(buf), "mb_serial: %u lines, longest %u, %u bytes in\n",
		 lines, longest, rx_bytes);
	tx_puts(buf);
	tx_drain();
	printf("IRQ 4: %u interrupts, %u data, %u timeout, %u THRE\n", irqs, rx_irqs,
	       timeout_irqs, thre_irqs);
	mb_check(timeout_irqs > 0, "character timeout interrupts for short lines");
	mb_check(thre_irqs > 0, "output went out through THRE interrupts");
	mb_check(!overruns, "the receive ring never overflowed");
	printf("mb_serial: %d failed\n", mb_failed);
	outb(DEBUG_EXIT_PORT, mb_failed);
	return mb_failed;
}
