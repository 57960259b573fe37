// SPDX-License-Identifier: GPL-2.0
/*
 * axctl host unit tests of virtio (virtio/): the split-queue checks with
 * hostile chains (loops, indices out of the table, addresses outside guest
 * RAM, huge lengths, too many descriptors, bad indirect tables), the
 * virtio-mmio register file and status handshake, and virtio-blk requests
 * against a temporary image (read, write, flush, get-id, read-only
 * refusal, out-of-range and malformed requests), virtio-rng (buffers
 * filled, the fill limit, readable buffers refused) and virtio-console
 * (transmit to a pipe, receive into the driver's buffers, back-pressure,
 * buffers of the wrong direction refused) and virtio-net (its option
 * parser; frames to and from a socketpair standing for the tap, the
 * num_buffers field, buffers of the wrong direction; its thread; a real
 * tap when the host allows: offloads, a down tap's refusal, "in use").
 * Guest RAM is a buffer
 * between two guard areas whose bytes are checked at the end: nothing
 * outside guest RAM may have been written. No module, no threads except
 * where a test starts the I/O thread.
 */
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "virtio/virtqueue.h"
#include "tests/harness.h"

#define RAM_SIZE	(1U << 20)
#define GUARD		4096
#define GUARD_BYTE	0xa5
#define NUM		8
#define DESC_GPA	0x1000
#define AVAIL_GPA	0x2000
#define USED_GPA	0x3000
#define DATA_GPA	0x10000
#define BASE		0xd0000000ULL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static uint8_t *arena, *ram;
static struct guest_mem mem;

static void ram_setup(void)
{
	arena = malloc(RAM_SIZE + 2 * GUARD);
	if (!arena)
		exit(2);
	memset(arena, GUARD_BYTE, RAM_SIZE + 2 * GUARD);
	ram = arena + GUARD;
	memset(ram, 0, RAM_SIZE);
	mem = (struct guest_mem){ .ram = ram, .low = RAM_SIZE, .high = 0 };
}

static bool guards_intact(void)
{
	unsigned int i;

	for (i = 0; i < GUARD; i++)
		if (arena[i] != GUARD_BYTE || arena[GUARD + RAM_SIZE + i] != GUARD_BYTE)
			return false;
	return true;
}

/* --- the driver's side of one queue ---------------------------------------- */

/* Descriptor i of the table at GPA table (the queue's, or an indirect one). */
static void put_desc(uint64_t table, unsigned int i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *d = ram + table + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void set_desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(DESC_GPA, i, addr, len, flags, next);
}

static uint16_t *avail16(unsigned int i)
{
	return (uint16_t *)(ram + AVAIL_GPA) + i;
}

/* Make head available as the driver would (ring slot, then idx). */
static void offer(uint16_t head)
{
	uint16_t idx = *avail16(1);

	*avail16(2 + idx % NUM) = head;
	*avail16(1) = idx + 1;
}

static uint32_t used32(unsigned int off)
{
	uint32_t v;

	memcpy(&v, ram + USED_GPA + off, 4);
	return v;
}

static uint16_t used_idx(void)
{
	return *(uint16_t *)(ram + USED_GPA + 2);
}

static void queue_clear(void)
{
	memset(ram + DESC_GPA, 0, 0x3000);
}

static void vq_fresh(struct virtq *q, bool event_idx, bool indirect)
{
	queue_clear();
	vq_reset(q);
	q->num = NUM;
	q->desc_gpa = DESC_GPA;
	q->avail_gpa = AVAIL_GPA;
	q->used_gpa = USED_GPA;
	if (vq_enable(q, &mem, event_idx, indirect))
		check(0, "enable a valid queue");
}

/* --- guest_mem and vq_enable ----------------------------------------------- */

static void test_guest_mem(void)
{
	struct guest_mem m = { .ram = ram, .low = 0x1000, .high = 0x2000 };

	check(guest_mem_ptr(&m, 0, 0x1000) == ram, "gpa 0, all of low RAM");
	check(!guest_mem_ptr(&m, 0xfff, 2), "a range crossing the end of low RAM");
	check(!guest_mem_ptr(&m, 0x1000, 1), "the first byte of the hole");
	check(!guest_mem_ptr(&m, 0xfffff000ULL, 0x1000), "the top of the hole");
	check(guest_mem_ptr(&m, 1ULL << 32, 0x2000) == ram + 0x1000, "high RAM at 4 GiB");
	check(!guest_mem_ptr(&m, (1ULL << 32) + 0x1fff, 2), "a range crossing the end of high RAM");
	check(!guest_mem_ptr(&m, ~0ULL, 2), "address + length wraps around");
	check(!guest_mem_ptr(&m, 0x10, ~0ULL), "a length of 2^64 - 1");
}

static void test_enable(void)
{
	static const struct { uint32_t num; uint64_t d, a, u; const char *what; } bad[] = {
		{ 0, DESC_GPA, AVAIL_GPA, USED_GPA, "QueueNum 0" },
		{ 6, DESC_GPA, AVAIL_GPA, USED_GPA, "QueueNum not a power of 2" },
		{ 512, DESC_GPA, AVAIL_GPA, USED_GPA, "QueueNum above QueueNumMax" },
		{ NUM, DESC_GPA + 8, AVAIL_GPA, USED_GPA, "descriptor table not 16-aligned" },
		{ NUM, DESC_GPA, AVAIL_GPA + 1, USED_GPA, "available ring not 2-aligned" },
		{ NUM, DESC_GPA, AVAIL_GPA, USED_GPA + 2, "used ring not 4-aligned" },
		{ NUM, RAM_SIZE - 64, AVAIL_GPA, USED_GPA, "descriptor table past the end of RAM" },
		{ NUM, DESC_GPA, 0xfee00000ULL, USED_GPA, "available ring in the hole" },
		{ NUM, DESC_GPA, AVAIL_GPA, ~0ULL - 3, "used ring wrapping around" },
	};
	struct virtq q;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		vq_reset(&q);
		q.num = bad[i].num;
		q.desc_gpa = bad[i].d;
		q.avail_gpa = bad[i].a;
		q.used_gpa = bad[i].u;
		check(vq_enable(&q, &mem, false, false) == -EINVAL && !q.ready,
		      "vq_enable refuses %s", bad[i].what);
	}
	vq_fresh(&q, false, false);
	check(q.ready && q.desc == (void *)(ram + DESC_GPA), "vq_enable maps a valid queue");
}

/* --- chains ----------------------------------------------------------------- */

static void test_good_chain(void)
{
	struct vq_chain *c = malloc(sizeof(*c));
	struct virtq q;

	vq_fresh(&q, false, false);
	check(!vq_has_work(&q) && vq_pop(&q, &mem, c) == 0, "empty queue: nothing to pop");
	set_desc(3, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 5);
	set_desc(5, DATA_GPA + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	set_desc(0, DATA_GPA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(3);
	check(vq_has_work(&q), "an offered chain is work");
	check(vq_pop(&q, &mem, c) == 1 && c->head == 3 && c->nr_out == 1 && c->nr_in == 2,
	      "pop a 3-descriptor chain: head 3, 1 readable, 2 writable");
	check(c->iov[0].iov_base == ram + DATA_GPA && c->iov[1].iov_len == 512 &&
	      c->out_bytes == 16 && c->in_bytes == 513, "its buffers map into guest RAM");
	vq_push(&q, c->head, 513);
	check(used_idx() == 1 && used32(4) == 3 && used32(8) == 513, "push: used ring {3, 513}, idx 1");
	check(vq_should_notify(&q), "notify without NO_INTERRUPT");
	check(!vq_should_notify(&q), "no second notify for the same used index");

	/* A chain of exactly QueueNum descriptors is legal. */
	vq_fresh(&q, false, false);
	for (unsigned int i = 0; i < NUM; i++)
		set_desc(i, DATA_GPA + 64 * i, 64, i + 1 < NUM ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	offer(0);
	check(vq_pop(&q, &mem, c) == 1 && c->nr_out == NUM, "a chain of QueueNum descriptors");
	free(c);
}

/* Offer one chain set up by fn on a fresh queue; vq_pop's result. */
static int pop_hostile(bool indirect, void (*fn)(void))
{
	struct vq_chain *c = malloc(sizeof(*c));
	struct virtq q;
	int r;

	vq_fresh(&q, false, indirect);
	fn();
	r = vq_pop(&q, &mem, c);
	free(c);
	return r;
}

static void h_loop(void)
{
	set_desc(0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
}

static void h_self_loop(void)
{
	set_desc(2, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	offer(2);
}

static void h_next_out(void)
{
	set_desc(0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, NUM);
	offer(0);
}

static void h_head_out(void)
{
	offer(0xffff);
}

static void h_addr_hole(void)
{
	set_desc(0, 0xfec00000ULL, 8, 0, 0);
	offer(0);
}

static void h_addr_edge(void)
{
	set_desc(0, RAM_SIZE - 8, 9, 0, 0);
	offer(0);
}

static void h_addr_wrap(void)
{
	set_desc(0, ~0ULL - 7, 16, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
}

static void h_huge_len(void)
{
	set_desc(0, DATA_GPA, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
}

static void h_avail_ahead(void)
{
	set_desc(0, DATA_GPA, 8, 0, 0);
	*avail16(1) = NUM + 1;		/* more available than the queue holds */
}

static void h_order(void)
{
	set_desc(0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA_GPA, 8, 0, 0);
	offer(0);
}

/* Indirect tables live at DATA_GPA + 0x800. */
#define IND_GPA		(DATA_GPA + 0x800)

static void set_ind(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(IND_GPA, i, addr, len, flags, next);
}

static void h_ind_nested(void)
{
	set_ind(0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void h_ind_len(void)
{
	set_desc(0, IND_GPA, 24, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void h_ind_next(void)
{
	set_ind(0, DATA_GPA, 8, 0, 0);
	set_desc(0, IND_GPA, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, DATA_GPA, 8, 0, 0);
	offer(0);
}

static void h_ind_loop(void)
{
	set_ind(0, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	set_ind(1, DATA_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	set_desc(0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void h_ind_big(void)
{
	set_desc(0, IND_GPA, 16 * (NUM + 1), VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

/* QueueNum entries, the largest table a driver may fill (2.7.5.3.1). */
static void h_ind_full(void)
{
	unsigned int i;

	for (i = 0; i < NUM; i++)
		set_ind(i, DATA_GPA + i, 1, (i ? VIRTQ_DESC_F_WRITE : 0) |
			(i < NUM - 1 ? VIRTQ_DESC_F_NEXT : 0), i + 1);
	set_desc(0, IND_GPA, 16 * NUM, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void h_ind_outside(void)
{
	set_desc(0, RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void h_ind_ok(void)
{
	set_ind(0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_ind(1, DATA_GPA + 0x100, 1, VIRTQ_DESC_F_WRITE, 0);
	set_desc(0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
}

static void test_hostile(void)
{
	static const struct { void (*fn)(void); bool ind; const char *what; } t[] = {
		{ h_loop, false, "a two-descriptor loop" },
		{ h_self_loop, false, "a descriptor pointing to itself" },
		{ h_next_out, false, "next == QueueNum" },
		{ h_head_out, false, "head 0xffff" },
		{ h_addr_hole, false, "a buffer in the MMIO hole" },
		{ h_addr_edge, false, "a buffer one byte past the end of RAM" },
		{ h_addr_wrap, false, "a buffer whose address + length wraps" },
		{ h_huge_len, false, "a 4 GiB - 1 length" },
		{ h_avail_ahead, false, "avail idx QueueNum + 1 ahead" },
		{ h_order, false, "a readable after a writable descriptor" },
		{ h_ind_ok, false, "an indirect descriptor not negotiated" },
		{ h_ind_nested, true, "a nested indirect table" },
		{ h_ind_len, true, "an indirect table of 24 bytes" },
		{ h_ind_next, true, "INDIRECT together with NEXT" },
		{ h_ind_loop, true, "a loop inside an indirect table" },
		{ h_ind_big, true, "an indirect table longer than QueueNum" },
		{ h_ind_outside, true, "an indirect table past the end of RAM" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		check(pop_hostile(t[i].ind, t[i].fn) == -EINVAL, "vq_pop refuses %s", t[i].what);
	check(pop_hostile(true, h_ind_ok) == 1, "a valid indirect table is taken");
	check(pop_hostile(true, h_ind_full) == 1, "an indirect table of QueueNum entries is taken");
}

/* xorshift64: the random queues below are the same on every run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A random guest address: mostly near RAM, sometimes anything. */
static uint64_t rnd_addr(uint64_t *s)
{
	uint64_t r = rnd(s);

	switch (r & 3) {
	case 0:
		return rnd(s);
	case 1:
		return RAM_SIZE - (r >> 40) % 64;
	default:
		return (r >> 20) % RAM_SIZE;
	}
}

static bool chain_inside_ram(const struct vq_chain *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_out + c->nr_in; i++) {
		uintptr_t p = (uintptr_t)c->iov[i].iov_base, lo = (uintptr_t)ram;

		if (p < lo || p - lo > RAM_SIZE || c->iov[i].iov_len > RAM_SIZE - (p - lo))
			return false;
	}
	return true;
}

/*
 * Random descriptor tables, indirect tables and available rings: vq_pop
 * must never crash, loop, or hand out a buffer outside guest RAM.
 */
static void test_random_queues(void)
{
	struct vq_chain *c = malloc(sizeof(*c));
	unsigned int round, i, popped = 0, refused = 0, outside = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct virtq q;

	for (round = 0; round < 4000; round++) {
		vq_fresh(&q, round & 1, round & 2);
		for (i = 0; i < NUM; i++)
			set_desc(i, rnd_addr(&seed), rnd(&seed) % 3 ? rnd(&seed) % 4096 : rnd(&seed),
				 rnd(&seed) & 7, rnd(&seed) % (NUM + 2));
		for (i = 0; i < 2 * NUM; i++)
			put_desc(DATA_GPA + 0x800, i, rnd_addr(&seed), rnd(&seed) % 4096,
				 rnd(&seed) & 7, rnd(&seed) % (2 * NUM + 1));
		for (i = 0; i < NUM; i++)
			*avail16(2 + i) = rnd(&seed) % (NUM + 1);
		*avail16(1) = rnd(&seed) % (2 * NUM);
		for (i = 0; i < NUM + 1; i++) {
			int r = vq_pop(&q, &mem, c);

			if (r < 0)
				refused++;
			if (r <= 0)
				break;
			popped++;
			outside += !chain_inside_ram(c);
		}
	}
	check(!outside && popped && refused,
	      "4000 random queues: %u chains taken, all inside guest RAM; %u refused",
	      popped, refused);
	free(c);
}

static void test_event_idx(void)
{
	struct vq_chain *c = malloc(sizeof(*c));
	uint16_t avail_event;
	struct virtq q;

	vq_fresh(&q, true, false);
	set_desc(0, DATA_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	offer(0);
	vq_pop(&q, &mem, c);
	vq_pop(&q, &mem, c);
	check(vq_pop(&q, &mem, c) == 0, "EVENT_IDX: queue drained");
	memcpy(&avail_event, ram + USED_GPA + 4 + 8 * NUM, 2);
	check(avail_event == 2, "EVENT_IDX: avail_event = next index the device takes (%u)",
	      avail_event);
	*avail16(2 + NUM) = 1;		/* used_event: interrupt after the 2nd */
	vq_push(&q, 0, 0);
	check(!vq_should_notify(&q), "EVENT_IDX: no interrupt before used_event is passed");
	vq_push(&q, 0, 0);
	check(vq_should_notify(&q), "EVENT_IDX: interrupt once used_event is passed");
	free(c);
}

/* --- the MMIO transport ---------------------------------------------------- */

static int irq_level, irq_edges;

static void test_irq(void *arg, bool level)
{
	(void)arg;
	if (level && !irq_level)
		irq_edges++;
	irq_level = level;
}

static uint32_t rd(struct virtio_mmio *vm, uint64_t off)
{
	return virtio_mmio_read(vm, BASE + off, 4);
}

static void wr(struct virtio_mmio *vm, uint64_t off, uint32_t val)
{
	virtio_mmio_write(vm, BASE + off, 4, val);
}

/* The driver's side of 3.1.1 up to FEATURES_OK, with the features given. */
static void handshake(struct virtio_mmio *vm, uint64_t features)
{
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	wr(vm, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(vm, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, features);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, features >> 32);
	wr(vm, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(struct virtio_mmio *vm, uint64_t desc, uint32_t num)
{
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(vm, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(vm, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	wr(vm, VIRTIO_MMIO_QUEUE_DESC_HIGH, desc >> 32);
	wr(vm, VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL_GPA);
	wr(vm, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(vm, VIRTIO_MMIO_QUEUE_USED_LOW, USED_GPA);
	wr(vm, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(vm, VIRTIO_MMIO_QUEUE_READY, 1);
}

#define V1	(1ULL << VIRTIO_F_VERSION_1)
#define STATUS_LIVE	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
			 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK)

/* A device through its registers: handshake, one queue, DRIVER_OK. */
static void bring_up(struct virtio_mmio *vm, uint64_t features)
{
	queue_clear();
	handshake(vm, features);
	setup_queue(vm, DESC_GPA, NUM);
	wr(vm, VIRTIO_MMIO_STATUS, STATUS_LIVE);
}

static void test_mmio(struct virtio_blk *b)
{
	struct virtio_mmio *vm = &b->vm;
	struct bus bus;

	bus_init(&bus, BUS_MMIO);
	check(!virtio_mmio_register(vm, &bus) && bus_read(&bus, BASE, 4) == VIRTIO_MMIO_MAGIC,
	      "registered on the MMIO bus: magic \"virt\"");
	check(rd(vm, VIRTIO_MMIO_VERSION_REG) == 2, "version 2 (modern)");
	check(rd(vm, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK, "device id 2 (block)");
	check(rd(vm, VIRTIO_MMIO_VENDOR_ID) == VIRTIO_MMIO_VENDOR, "vendor id");
	check(virtio_mmio_read(vm, BASE, 2) == 0 && virtio_mmio_read(vm, BASE + 1, 4) == 0,
	      "16-bit and unaligned register reads read 0 (4.2.2.2)");
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	check(rd(vm, VIRTIO_MMIO_DEVICE_FEATURES) & 1, "VIRTIO_F_VERSION_1 offered (bit 32)");
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	check(rd(vm, VIRTIO_MMIO_DEVICE_FEATURES) & (1U << VIRTIO_BLK_F_FLUSH),
	      "VIRTIO_BLK_F_FLUSH offered");
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
	check(rd(vm, VIRTIO_MMIO_DEVICE_FEATURES) == 0, "feature word 7 reads 0");
	check(rd(vm, VIRTIO_MMIO_SHM_LEN_LOW) == 0xffffffff, "no shared memory regions");

	handshake(vm, 0);
	check(!(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK),
	      "FEATURES_OK refused without VIRTIO_F_VERSION_1 (legacy driver)");
	handshake(vm, V1 | (1ULL << 40));
	check(!(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK),
	      "FEATURES_OK refused for a feature not offered");
	handshake(vm, V1);
	check(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK,
	      "FEATURES_OK kept for VERSION_1 only");
	check(rd(vm, VIRTIO_MMIO_QUEUE_NUM_MAX) == VQ_MAX_SIZE, "QueueNumMax %u", VQ_MAX_SIZE);
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, 1);
	check(rd(vm, VIRTIO_MMIO_QUEUE_NUM_MAX) == 0, "queue 1 does not exist: QueueNumMax 0");
	setup_queue(vm, DESC_GPA, NUM);
	check(rd(vm, VIRTIO_MMIO_QUEUE_READY) == 1 && vm->vq[0].num == NUM &&
	      vm->vq[0].desc_gpa == DESC_GPA, "queue 0 set up and ready");
	wr(vm, VIRTIO_MMIO_QUEUE_NUM, 4);
	check(vm->vq[0].num == NUM, "QueueNum ignored while the queue is ready");
	wr(vm, VIRTIO_MMIO_STATUS, STATUS_LIVE);
	check(rd(vm, VIRTIO_MMIO_STATUS) == STATUS_LIVE, "DRIVER_OK: status 0x%x", STATUS_LIVE);

	wr(vm, VIRTIO_MMIO_STATUS, 0);
	check(rd(vm, VIRTIO_MMIO_STATUS) == 0 && !rd(vm, VIRTIO_MMIO_QUEUE_READY) &&
	      vm->driver_features == 0, "status 0 resets the device and its queues");

	/* Queue set up before the features are settled. */
	wr(vm, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	setup_queue(vm, DESC_GPA, NUM);
	check(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET,
	      "QueueReady before FEATURES_OK: DEVICE_NEEDS_RESET");
	handshake(vm, V1);
	check(!(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	      "reset clears DEVICE_NEEDS_RESET");
	setup_queue(vm, RAM_SIZE - 16, NUM);
	check((rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) &&
	      !rd(vm, VIRTIO_MMIO_QUEUE_READY), "a descriptor table outside RAM: NEEDS_RESET");
	handshake(vm, V1);
	setup_queue(vm, DESC_GPA, 3);
	check(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET,
	      "QueueNum 3: NEEDS_RESET");

	/* A hostile chain once live: NEEDS_RESET and a configuration interrupt. */
	bring_up(vm, V1);
	irq_level = irq_edges = 0;
	h_loop();
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check(vm->notifies > 0 && b->kicked, "QueueNotify kicks the device");
	virtio_blk_process(b);
	check((rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) &&
	      rd(vm, VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_CONFIG && irq_level,
	      "a looping chain: NEEDS_RESET, configuration interrupt, line high");
	check(used_idx() == 0, "nothing was put in the used ring");
	wr(vm, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	check(!irq_level && rd(vm, VIRTIO_MMIO_INTERRUPT_STATUS) == 0, "InterruptACK drops the line");
	offer(0);
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	b->kicked = false;
	check(virtio_mmio_queue_live(vm, 0) == false && virtio_blk_process(b) == 0,
	      "after NEEDS_RESET the queue is not used");
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	check(rd(vm, VIRTIO_MMIO_STATUS) == 0 && !irq_level, "reset: status 0, line low");
}

/* --- virtio-blk ------------------------------------------------------------ */

#define HDR_GPA		(DATA_GPA + 0x1000)
#define BUF_GPA		(DATA_GPA + 0x2000)
#define ST_GPA		(DATA_GPA + 0x1100)

/* Offer a 3-descriptor request (2 without data) and serve it; the status byte. */
static int request(struct virtio_blk *b, uint32_t type, uint64_t sector, uint32_t len,
		   uint32_t *used)
{
	uint8_t *hdr = ram + HDR_GPA;
	uint16_t before = used_idx();
	bool in = type != VIRTIO_BLK_T_OUT;

	memset(hdr, 0, 16);
	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	ram[ST_GPA] = 0xff;
	if (len) {
		set_desc(0, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
		set_desc(1, BUF_GPA, len, VIRTQ_DESC_F_NEXT | (in ? VIRTQ_DESC_F_WRITE : 0), 2);
		set_desc(2, ST_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	} else {
		set_desc(0, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
		set_desc(2, ST_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	}
	offer(0);
	virtio_mmio_write(&b->vm, BASE + VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0);
	virtio_blk_process(b);
	if (used_idx() != (uint16_t)(before + 1))
		return -1;
	*used = used32(4 + 8 * (before % NUM) + 4);
	return ram[ST_GPA];
}

static char img_path[32];

static int make_image(void)
{
	uint8_t sec[512];
	int fd, i;

	snprintf(img_path, sizeof(img_path), "/tmp/axctl-virtio-XXXXXX");
	fd = mkstemp(img_path);

	if (fd < 0)
		return -1;
	for (i = 0; i < 16; i++) {
		memset(sec, i, sizeof(sec));
		if (write(fd, sec, sizeof(sec)) != sizeof(sec))
			return -1;
	}
	close(fd);
	return 0;
}

static void blk_attach(struct virtio_blk *b, const char *spec)
{
	char buf[256], err[256];

	snprintf(buf, sizeof(buf), "%s", spec);
	if (virtio_blk_open(b, strdup(buf), err, sizeof(err)))
		check(0, "open %s: %s", spec, err);
	virtio_blk_setup(b, BASE, &mem, test_irq, NULL);
}

static void blk_detach(struct virtio_blk *b)
{
	virtio_blk_close(b);
	free((char *)b->path);
	free(b);
}

static void test_blk_rw(struct virtio_blk *b)
{
	uint8_t sec[1024];
	uint32_t used = 0;
	int fd;

	bring_up(&b->vm, V1 | (1ULL << VIRTIO_BLK_F_FLUSH));
	check(b->sectors == 16, "capacity: 16 sectors");
	check(virtio_mmio_read(&b->vm, BASE + VIRTIO_MMIO_CONFIG, 8) == 16,
	      "configuration space: capacity 16");
	irq_edges = 0;
	check(request(b, VIRTIO_BLK_T_IN, 3, 1024, &used) == VIRTIO_BLK_S_OK && used == 1025,
	      "read sectors 3-4: OK, used length 1025");
	check(ram[BUF_GPA] == 3 && ram[BUF_GPA + 1023] == 4, "the data of sectors 3 and 4");
	check(irq_edges == 1 && irq_level, "a used-buffer interrupt");
	wr(&b->vm, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	memset(ram + BUF_GPA, 0x5a, 512);
	check(request(b, VIRTIO_BLK_T_OUT, 15, 512, &used) == VIRTIO_BLK_S_OK && used == 1,
	      "write the last sector: OK, used length 1");
	fd = open(img_path, O_RDONLY);
	check(fd >= 0 && pread(fd, sec, 512, 15 * 512) == 512 && sec[0] == 0x5a && sec[511] == 0x5a,
	      "the image holds the written sector");
	if (fd >= 0)
		close(fd);
	check(request(b, VIRTIO_BLK_T_FLUSH, 0, 0, &used) == VIRTIO_BLK_S_OK && used == 1,
	      "flush: OK");
	memset(ram + BUF_GPA, 0, 32);
	check(request(b, VIRTIO_BLK_T_GET_ID, 0, 20, &used) == VIRTIO_BLK_S_OK && used == 21 &&
	      !memcmp(ram + BUF_GPA, strrchr(img_path, '/') + 1, strlen(img_path) - 5),
	      "get-id: the image's name (%.20s)", (char *)ram + BUF_GPA);
	check(request(b, VIRTIO_BLK_T_IN, 15, 1024, &used) == VIRTIO_BLK_S_IOERR,
	      "a read past the end: IOERR");
	check(request(b, VIRTIO_BLK_T_IN, ~0ULL, 512, &used) == VIRTIO_BLK_S_IOERR,
	      "sector 2^64 - 1: IOERR");
	check(request(b, VIRTIO_BLK_T_OUT, 0, 100, &used) == VIRTIO_BLK_S_IOERR,
	      "a write of 100 bytes (not whole sectors): IOERR");
	check(request(b, 99, 0, 0, &used) == VIRTIO_BLK_S_UNSUPP, "type 99: UNSUPP");

	/* A request with no writable byte for its status. */
	set_desc(0, HDR_GPA, 16, 0, 0);
	offer(0);
	virtio_blk_process(b);
	check(rd(&b->vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET,
	      "a request without a status byte: NEEDS_RESET");
}

static void test_blk_ro(void)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	char spec[64];
	uint32_t used;
	uint8_t s;
	int fd;

	snprintf(spec, sizeof(spec), "%s,ro", img_path);
	blk_attach(b, spec);
	check(b->ro && (b->vm.host_features & (1ULL << VIRTIO_BLK_F_RO)), "ro: VIRTIO_BLK_F_RO offered");
	bring_up(&b->vm, V1);
	memset(ram + BUF_GPA, 0x77, 512);
	check(request(b, VIRTIO_BLK_T_OUT, 0, 512, &used) == VIRTIO_BLK_S_IOERR,
	      "ro: a write is refused with IOERR");
	fd = open(img_path, O_RDONLY);
	check(fd >= 0 && pread(fd, &s, 1, 0) == 1 && s == 0, "ro: the image is unchanged");
	if (fd >= 0)
		close(fd);
	check(request(b, VIRTIO_BLK_T_IN, 0, 512, &used) == VIRTIO_BLK_S_OK, "ro: reads work");
	blk_detach(b);
}

static void test_blk_open(void)
{
	struct virtio_blk *b = calloc(1, sizeof(*b)), *b2 = calloc(1, sizeof(*b2));
	char err[256], s1[] = "/nonexistent/disk.img", s2[64], s3[64], s4[] = "/tmp";

	check(virtio_blk_open(b, s1, err, sizeof(err)) == -1 && strstr(err, "No such file"),
	      "a missing image: %s", err);
	snprintf(s2, sizeof(s2), "%s,rw", img_path);
	check(virtio_blk_open(b, s2, err, sizeof(err)) == -1 && strstr(err, "unknown option"),
	      "an unknown option: %s", err);
	check(virtio_blk_open(b, s4, err, sizeof(err)) == -1 && strstr(err, "directory"),
	      "a directory: %s", err);
	snprintf(s3, sizeof(s3), "%s", img_path);
	check(virtio_blk_open(b, s3, err, sizeof(err)) == 0, "open the image");
	snprintf(s2, sizeof(s2), "%s", img_path);
	check(virtio_blk_open(b2, s2, err, sizeof(err)) == -1 && strstr(err, "in use"),
	      "the same image twice: %s", err);
	virtio_blk_close(b);
	free(b);
	free(b2);
}

/* The I/O thread: a notify from "the vCPU" is served without calling process(). */
static void test_blk_thread(void)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	uint16_t before;
	int i;

	blk_attach(b, img_path);
	bring_up(&b->vm, V1);
	check(virtio_blk_start(b) == 0, "start the I/O thread");
	before = used_idx();
	memset(ram + HDR_GPA, 0, 16);
	set_desc(0, HDR_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(1, BUF_GPA, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	set_desc(2, ST_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	ram[ST_GPA] = 0xff;
	offer(0);
	wr(&b->vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	for (i = 0; i < 2000 && __atomic_load_n((uint16_t *)(ram + USED_GPA + 2),
						__ATOMIC_ACQUIRE) == before; i++)
		usleep(1000);
	virtio_blk_stop(b);	/* joined: its writes are visible */
	check(used_idx() == before + 1 && ram[ST_GPA] == VIRTIO_BLK_S_OK,
	      "the I/O thread served a read");
	blk_detach(b);
}

/* --- a second queue (the console's transmitq) ------------------------------- */

#define Q1_DESC		0x5000
#define Q1_AVAIL	0x6000
#define Q1_USED		0x7000

static void setup_queue1(struct virtio_mmio *vm)
{
	memset(ram + Q1_DESC, 0, 0x3000);
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(vm, VIRTIO_MMIO_QUEUE_NUM, NUM);
	wr(vm, VIRTIO_MMIO_QUEUE_DESC_LOW, Q1_DESC);
	wr(vm, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(vm, VIRTIO_MMIO_QUEUE_AVAIL_LOW, Q1_AVAIL);
	wr(vm, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(vm, VIRTIO_MMIO_QUEUE_USED_LOW, Q1_USED);
	wr(vm, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(vm, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void offer1(uint16_t head)
{
	uint16_t *a = (uint16_t *)(ram + Q1_AVAIL), idx = a[1];

	a[2 + idx % NUM] = head;
	a[1] = idx + 1;
}

static uint16_t used1_idx(void)
{
	return *(uint16_t *)(ram + Q1_USED + 2);
}

/* Both queues of a two-queue device, then DRIVER_OK. */
static void bring_up2(struct virtio_mmio *vm)
{
	queue_clear();
	handshake(vm, V1);
	setup_queue(vm, DESC_GPA, NUM);
	setup_queue1(vm);
	wr(vm, VIRTIO_MMIO_STATUS, STATUS_LIVE);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* --- virtio-rng ------------------------------------------------------------- */

static void test_rng(void)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));
	struct virtio_mmio *vm = &r->vm;

	virtio_rng_setup(r, BASE, &mem, test_irq, NULL);
	check(rd(vm, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_ENTROPY, "rng: device id 4 (entropy)");
	check(rd(vm, VIRTIO_MMIO_DEVICE_FEATURES) == (1U << VIRTIO_RING_F_INDIRECT_DESC |
						     1U << VIRTIO_RING_F_EVENT_IDX),
	      "rng: no device feature bits (5.4.3)");
	bring_up(vm, V1);
	memset(ram + BUF_GPA, 0, 0x100);
	set_desc(0, BUF_GPA, 32, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(1, BUF_GPA + 0x80, 32, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	irq_level = irq_edges = 0;
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check(used_idx() == 1 && used32(8) == 64, "rng: a 2-buffer chain returned with 64 bytes");
	check(!all_zero(ram + BUF_GPA, 32) && !all_zero(ram + BUF_GPA + 0x80, 32) &&
	      memcmp(ram + BUF_GPA, ram + BUF_GPA + 0x80, 32) && all_zero(ram + BUF_GPA + 32, 0x60),
	      "rng: both buffers filled (and differ), nothing between them");
	check(irq_edges == 1, "rng: a used-buffer interrupt");
	wr(vm, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);

	/* A buffer larger than the fill limit: only the limit is written. */
	memset(ram + 0x20000, 0, 0x80000);
	set_desc(2, 0x20000, 0x80000, VIRTQ_DESC_F_WRITE, 0);
	offer(2);
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check(used_idx() == 2 && used32(16) == VIRTIO_RNG_MAX_FILL &&
	      !all_zero(ram + 0x20000 + VIRTIO_RNG_MAX_FILL - 16, 16) &&
	      all_zero(ram + 0x20000 + VIRTIO_RNG_MAX_FILL, 0x80000 - VIRTIO_RNG_MAX_FILL),
	      "rng: a 512 KiB buffer gets %u bytes, the rest untouched", VIRTIO_RNG_MAX_FILL);

	/* 5.4.6.1: no device-readable buffers. */
	set_desc(3, BUF_GPA, 16, 0, 0);
	offer(3);
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check((rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) && used_idx() == 2,
	      "rng: a device-readable buffer: NEEDS_RESET, not returned");
	bring_up(vm, V1);
	h_loop();
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, "rng: a looping chain: NEEDS_RESET");
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	virtio_rng_close(r);
	free(r);
}

/* --- virtio-console ---------------------------------------------------------- */

static int rooms;

static void test_room(void *arg)
{
	(void)arg;
	rooms++;
}

static void test_console(void)
{
	struct virtio_console *c = calloc(1, sizeof(*c));
	struct virtio_mmio *vm = &c->vm;
	char out[64];
	int p[2];
	ssize_t n;

	if (pipe(p)) {
		check(0, "console: a pipe for its output");
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	virtio_console_setup(c, BASE, &mem, p[1], test_irq, NULL);
	c->room = test_room;
	check(rd(vm, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_CONSOLE, "console: device id 3");
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, 1);
	check(rd(vm, VIRTIO_MMIO_QUEUE_NUM_MAX) == VQ_MAX_SIZE, "console: queue 1 (transmitq) exists");
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, 2);
	check(rd(vm, VIRTIO_MMIO_QUEUE_NUM_MAX) == 0, "console: no queue 2 (no F_MULTIPORT)");
	check(virtio_console_rx_push(c, (const uint8_t *)"x", 1) == 0,
	      "console: input waits while the driver is not there");
	bring_up2(vm);

	/* Transmit: two readable buffers, in order, to the pipe. */
	memcpy(ram + BUF_GPA, "hello, ", 7);
	memcpy(ram + BUF_GPA + 0x100, "hvc0\n", 5);
	put_desc(Q1_DESC, 0, BUF_GPA, 7, VIRTQ_DESC_F_NEXT, 1);
	put_desc(Q1_DESC, 1, BUF_GPA + 0x100, 5, 0, 0);
	offer1(0);
	irq_level = irq_edges = 0;
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	n = read(p[0], out, sizeof(out));
	check(n == 12 && !memcmp(out, "hello, hvc0\n", 12), "console: transmit \"hello, hvc0\" to the output");
	check(used1_idx() == 1 && c->tx_bytes == 12 && irq_edges == 1,
	      "console: the transmit chain returned, an interrupt");
	wr(vm, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);

	/* Receive: two 4-byte buffers take 8 of 10 bytes; the rest waits. */
	memset(ram + BUF_GPA + 0x200, 0, 0x20);
	set_desc(0, BUF_GPA + 0x200, 4, VIRTQ_DESC_F_WRITE, 0);
	set_desc(1, BUF_GPA + 0x210, 4, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	offer(1);
	rooms = 0;
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	check(rooms == 1, "console: new receive buffers call room()");
	check(virtio_console_rx_push(c, (const uint8_t *)"abcdefghij", 10) == 8,
	      "console: 8 of 10 input bytes fit the two buffers");
	check(!memcmp(ram + BUF_GPA + 0x200, "abcd", 4) && !memcmp(ram + BUF_GPA + 0x210, "efgh", 4) &&
	      used_idx() == 2 && used32(8) == 4 && used32(16) == 4 && irq_level,
	      "console: the bytes in order, used lengths 4 and 4, an interrupt");
	check(virtio_console_rx_push(c, (const uint8_t *)"ij", 2) == 0,
	      "console: no buffer left: nothing taken (the reader waits)");

	/* Buffers of the wrong direction. */
	put_desc(Q1_DESC, 2, BUF_GPA, 4, VIRTQ_DESC_F_WRITE, 0);
	offer1(2);
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	check(rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET,
	      "console: a writable buffer on the transmitq: NEEDS_RESET");
	bring_up2(vm);
	set_desc(0, BUF_GPA, 4, 0, 0);
	offer(0);
	check(virtio_console_rx_push(c, (const uint8_t *)"z", 1) == 0 &&
	      (rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	      "console: a readable buffer on the receiveq: NEEDS_RESET, nothing taken");
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	virtio_console_close(c);
	close(p[0]);
	close(p[1]);
	free(c);
}

/* --- virtio-net ------------------------------------------------------------- */

#define NF(bit)		(1ULL << (bit))

static void test_net_parse(void)
{
	static const struct { const char *spec, *err; } bad[] = {
		{ "mac=02:00:00:00:00:01", "no tap=NAME" },
		{ "tap=", "bad tap name" },
		{ "tap=abcdefghijklmnop", "bad tap name" },
		{ "tap=t0,mac=02:00:00:00:00", "bad MAC" },
		{ "tap=t0,mac=02:00:00:00:00:0g", "bad MAC" },
		{ "tap=t0,mac=02:00:00:00:00:01:", "bad MAC" },
		{ "tap=t0,mac=03:00:00:00:00:01", "multicast" },
		{ "tap=t0,mac=00:00:00:00:00:00", "all zero" },
		{ "tap=t0,speed=10", "unknown option" },
	};
	struct virtio_net n;
	char err[256];
	unsigned int i;

	check(!virtio_net_parse(&n, "tap=t0", err, sizeof(err)) && !strcmp(n.ifname, "t0") &&
	      !memcmp(n.mac, "\x52\x54\x00\x12\x34\x56", 6), "net: tap=t0, the default MAC");
	check(!virtio_net_parse(&n, "tap=t1,mac=02:AB:cd:00:00:01", err, sizeof(err)) &&
	      !memcmp(n.mac, "\x02\xab\xcd\x00\x00\x01", 6), "net: mac=02:AB:cd:00:00:01");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		check(virtio_net_parse(&n, bad[i].spec, err, sizeof(err)) == -1 &&
		      strstr(err, bad[i].err), "net: '%s' refused: %s", bad[i].spec, err);
}

/* A frame as the driver sends it: header and payload in two descriptors. */
static void net_offer_tx(unsigned int first, uint32_t len)
{
	unsigned int i;

	memset(ram + HDR_GPA, 0, 12);
	ram[HDR_GPA] = 1;			/* flags: NEEDS_CSUM, passed through */
	for (i = 0; i < len; i++)
		ram[BUF_GPA + i] = i;
	put_desc(Q1_DESC, first, HDR_GPA, 12, VIRTQ_DESC_F_NEXT, first + 1);
	put_desc(Q1_DESC, first + 1, BUF_GPA, len, 0, 0);
	offer1(first);
}

#define RXB_GPA		(DATA_GPA + 0x8000)

static void test_net_frames(void)
{
	struct virtio_net *n = calloc(1, sizeof(*n));
	struct virtio_mmio *vm = &n->vm;
	uint8_t pkt[256], got[256];
	char err[256];
	bool waiting;
	int sv[2];
	ssize_t r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)) {
		check(0, "net: a socketpair for the backend");
		return;
	}
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	virtio_net_parse(n, "tap=t0,mac=02:00:00:00:00:07", err, sizeof(err));
	check(!virtio_net_set_fd(n, sv[0], false), "net: a socketpair stands for the tap");
	virtio_net_setup(n, BASE, &mem, test_irq, NULL);
	check(rd(vm, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_NET, "net: device id 1");
	check((rd(vm, VIRTIO_MMIO_DEVICE_FEATURES) & 0x19a3) == 0x19a3,
	      "net: CSUM, GUEST_CSUM, MAC, GUEST_TSO4/6, HOST_TSO4/6 offered");
	check(virtio_mmio_read(vm, BASE + VIRTIO_MMIO_CONFIG + 5, 1) == 7 &&
	      virtio_mmio_read(vm, BASE + VIRTIO_MMIO_CONFIG, 4) == 2,
	      "net: the MAC in the configuration space");
	bring_up2(vm);
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	handshake(vm, V1 | NF(VIRTIO_NET_F_CSUM) | NF(VIRTIO_NET_F_MAC));
	setup_queue(vm, DESC_GPA, NUM);
	setup_queue1(vm);
	wr(vm, VIRTIO_MMIO_STATUS, STATUS_LIVE);

	/* Transmit: header + 60 bytes, one frame on the backend. */
	net_offer_tx(0, 60);
	irq_level = irq_edges = 0;
	check(virtio_net_tx(n) == 1, "net: one frame sent");
	r = recv(sv[1], got, sizeof(got), MSG_DONTWAIT);
	check(r == 72 && got[0] == 1 && got[12] == 0 && got[71] == 59,
	      "net: the backend gets header and frame as one packet (%zd bytes)", r);
	check(used1_idx() == 1 && irq_edges == 1 && n->tx_frames == 1 && n->tx_bytes == 60,
	      "net: the transmit chain returned, an interrupt, counted");
	wr(vm, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);

	/* Receive: a 12 + 100 byte packet into a 12 + 1514 byte chain. */
	memset(ram + RXB_GPA, 0xee, 2048);
	set_desc(0, RXB_GPA, 12, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(1, RXB_GPA + 12, 1514, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	check(virtio_net_rx(n, &waiting) == 0 && waiting,
	      "net: nothing from the backend: the buffer is held, poll it");
	memset(pkt, 0, 12);
	for (r = 12; r < 112; r++)
		pkt[r] = r;
	check(send(sv[1], pkt, 112, 0) == 112, "net: the backend sends a frame");
	check(virtio_net_rx(n, &waiting) == 1 && used_idx() == 1 && used32(8) == 112,
	      "net: delivered: used length 112");
	check(ram[RXB_GPA + 10] == 1 && ram[RXB_GPA + 11] == 0 && ram[RXB_GPA + 12] == 12 &&
	      ram[RXB_GPA + 111] == 111 && ram[RXB_GPA + 112] == 0xee,
	      "net: num_buffers 1, the frame, nothing after it");
	check(irq_level, "net: a receive interrupt");

	/* A receive chain too small for the header: the frame is lost, counted. */
	set_desc(2, RXB_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(2);
	send(sv[1], pkt, 112, 0);
	check(virtio_net_rx(n, &waiting) == 1 && used_idx() == 2 && used32(16) == 0 &&
	      n->rx_errors == 1, "net: an 8-byte receive buffer: used length 0, an error");

	/* Buffers of the wrong direction. */
	set_desc(3, RXB_GPA, 64, 0, 0);
	offer(3);
	check(virtio_net_rx(n, &waiting) == 0 &&
	      (rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	      "net: a readable receive buffer: NEEDS_RESET");
	bring_up2(vm);
	put_desc(Q1_DESC, 0, HDR_GPA, 12, VIRTQ_DESC_F_WRITE, 0);
	offer1(0);
	check(virtio_net_tx(n) == 0 && (rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) &&
	      recv(sv[1], got, sizeof(got), MSG_DONTWAIT) < 0,
	      "net: a writable transmit buffer: NEEDS_RESET, nothing sent");
	bring_up2(vm);
	put_desc(Q1_DESC, 0, HDR_GPA, 12, VIRTQ_DESC_F_NEXT, 0);
	offer1(0);
	check(virtio_net_tx(n) == 0 && (rd(vm, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET),
	      "net: a looping transmit chain: NEEDS_RESET");

	/*
	 * The thread: it sends what is queued and delivers a frame from the
	 * backend. Queued before it starts: guest memory written while the
	 * thread reads it is the guest's race, but TSan would call it ours.
	 */
	bring_up2(vm);
	net_offer_tx(0, 20);
	set_desc(0, RXB_GPA, 1600, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	check(!virtio_net_start(n), "net: start its thread");
	wr(vm, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	send(sv[1], pkt, 112, 0);
	for (r = 0; r < 2000 && (__atomic_load_n((uint16_t *)(ram + USED_GPA + 2), __ATOMIC_ACQUIRE) != 1 ||
				 __atomic_load_n((uint16_t *)(ram + Q1_USED + 2), __ATOMIC_ACQUIRE) != 1); r++)
		usleep(1000);
	virtio_net_stop(n);
	check(used_idx() == 1 && used1_idx() == 1 && recv(sv[1], got, sizeof(got), MSG_DONTWAIT) == 32,
	      "net: the thread sent a frame and delivered one");
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	close(sv[1]);
	virtio_net_close(n);
	free(n);
}

/* A real tap: only where the host lets this process make one. */
static void test_net_tap(void)
{
	struct virtio_net *n = calloc(1, sizeof(*n)), *n2 = calloc(1, sizeof(*n2));
	struct virtio_mmio *vm = &n->vm;
	char spec[32], err[512];
	int r;

	snprintf(spec, sizeof(spec), "tap=axvmu%d", (int)(getpid() % 100000));
	virtio_net_parse(n, spec, err, sizeof(err));
	r = virtio_net_open_tap(n, err, sizeof(err));
	if (r == -EPERM || r == -ENOENT || r == -ENODEV) {
		printf("# skip: real tap tests: %s\n", err);
		free(n);
		free(n2);
		return;
	}
	check(!r, "net: open a tap %s (%s)", n->ifname, r ? err : "made for the test");
	if (r) {
		free(n);
		free(n2);
		return;
	}
	virtio_net_parse(n2, spec, err, sizeof(err));
	check(virtio_net_open_tap(n2, err, sizeof(err)) == -EBUSY && strstr(err, "in use"),
	      "net: the same tap twice: %s", err);
	virtio_net_parse(n2, "tap=lo", err, sizeof(err));
	check(virtio_net_open_tap(n2, err, sizeof(err)) == -EINVAL && strstr(err, "not a tap"),
	      "net: tap=lo: %s", err);
	virtio_net_setup(n, BASE, &mem, test_irq, NULL);
	queue_clear();
	handshake(vm, V1 | NF(VIRTIO_NET_F_CSUM) | NF(VIRTIO_NET_F_GUEST_CSUM) |
		  NF(VIRTIO_NET_F_GUEST_TSO4) | NF(VIRTIO_NET_F_HOST_TSO4));
	check(n->offload == 3 && !n->offload_err,
	      "net: GUEST_CSUM and GUEST_TSO4 accepted: TUNSETOFFLOAD CSUM|TSO4");
	setup_queue(vm, DESC_GPA, NUM);
	setup_queue1(vm);
	wr(vm, VIRTIO_MMIO_STATUS, STATUS_LIVE);
	net_offer_tx(0, 60);
	check(virtio_net_tx(n) == 1 && n->tx_dropped == 1 && used1_idx() == 1,
	      "net: a frame to a tap that is down: dropped, the chain returned");
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	check(n->offload == 0, "net: reset: offloads off");
	virtio_net_close(n);
	free(n);
	free(n2);
}

int main(void)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));

	ram_setup();
	test_guest_mem();
	test_enable();
	test_good_chain();
	test_hostile();
	test_random_queues();
	test_event_idx();
	if (make_image()) {
		check(0, "make a temporary image");
		return check_summary("virtio");
	}
	test_blk_open();
	blk_attach(b, img_path);
	test_mmio(b);
	test_blk_rw(b);
	blk_detach(b);
	test_blk_ro();
	test_blk_thread();
	test_rng();
	test_console();
	test_net_parse();
	test_net_frames();
	test_net_tap();
	check(guards_intact(), "no byte outside guest RAM was written");
	unlink(img_path);
	free(arena);
	return check_summary("virtio");
}
