// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: split virtqueues, device side, with every guest-controlled value
 * checked (see virtqueue.h).
 */
#include <errno.h>
#include <string.h>

#include "virtio/virtqueue.h"

#define SZ_4G		(1ULL << 32)

void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa < m->low) {
		if (len > m->low - gpa)
			return NULL;
		return m->ram + gpa;
	}
	if (gpa < SZ_4G || gpa - SZ_4G >= m->high || len > m->high - (gpa - SZ_4G))
		return NULL;
	return m->ram + m->low + (gpa - SZ_4G);
}

/* Guest memory changes under us: every field is loaded exactly once. */
static uint16_t load16(const void *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
}

static void store16(void *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, v, __ATOMIC_RELAXED);
}

static void store32(void *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, v, __ATOMIC_RELAXED);
}

/*
 * One descriptor, copied once (indirect tables need no alignment). The
 * compiler barrier keeps the fields from being read again from guest
 * memory after they were checked.
 */
static void read_desc(const void *p, struct virtq_desc *d)
{
	uint8_t raw[16];

	memcpy(raw, p, sizeof(raw));
	__asm__ __volatile__("" ::: "memory");
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
}

void vq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

static size_t avail_size(uint32_t num)
{
	return 6 + 2 * num;		/* flags, idx, ring[num], used_event */
}

static size_t used_size(uint32_t num)
{
	return 6 + 8 * num;		/* flags, idx, ring[num], avail_event */
}

int vq_enable(struct virtq *q, const struct guest_mem *m, bool event_idx, bool indirect)
{
	uint32_t n = q->num;

	q->ready = false;
	if (!n || n > VQ_MAX_SIZE || (n & (n - 1)))
		return -EINVAL;
	/* 2.7 "Virtqueue alignment": descriptors 16, available 2, used 4. */
	if ((q->desc_gpa & 15) || (q->avail_gpa & 1) || (q->used_gpa & 3))
		return -EINVAL;
	q->desc = guest_mem_ptr(m, q->desc_gpa, 16ULL * n);
	q->avail = guest_mem_ptr(m, q->avail_gpa, avail_size(n));
	q->used = guest_mem_ptr(m, q->used_gpa, used_size(n));
	if (!q->desc || !q->avail || !q->used)
		return -EINVAL;
	q->event_idx = event_idx;
	q->indirect = indirect;
	q->last_avail = 0;
	q->used_idx = 0;
	q->signalled = 0;
	q->ready = true;
	return 0;
}

static uint16_t avail_idx(const struct virtq *q)
{
	return load16(&q->avail[1]);
}

bool vq_has_work(const struct virtq *q)
{
	return q->ready && avail_idx(q) != q->last_avail;
}

/* Add one buffer to the chain, in order: readable ones, then writable. */
static int chain_add(struct vq_chain *c, const struct guest_mem *m, const struct virtq_desc *d)
{
	bool w = d->flags & VIRTQ_DESC_F_WRITE;
	unsigned int n = c->nr_out + c->nr_in;
	void *p;

	if (!w && c->nr_in)
		return -EINVAL;		/* readable after writable (2.7.4.2) */
	if (!d->len)
		return 0;
	if (n == VQ_MAX_SIZE)
		return -ENOSPC;
	p = guest_mem_ptr(m, d->addr, d->len);
	if (!p)
		return -EINVAL;
	if (c->out_bytes + c->in_bytes + d->len >= VQ_MAX_CHAIN_BYTES)
		return -EINVAL;
	c->iov[n].iov_base = p;
	c->iov[n].iov_len = d->len;
	if (w) {
		c->nr_in++;
		c->in_bytes += d->len;
	} else {
		c->nr_out++;
		c->out_bytes += d->len;
	}
	return 0;
}

/* An indirect table (2.7.5.3): flat, its own indices, one visit per entry at most. */
static int walk_indirect(struct vq_chain *c, const struct guest_mem *m,
			 const struct virtq_desc *ind, unsigned int *budget)
{
	const uint8_t *table;
	unsigned int n, i = 0, steps;
	struct virtq_desc d;
	int r;

	if (!ind->len || ind->len % 16 || (ind->flags & VIRTQ_DESC_F_NEXT))
		return -EINVAL;
	n = ind->len / 16;
	if (n > *budget)
		return -EINVAL;
	table = guest_mem_ptr(m, ind->addr, ind->len);
	if (!table)
		return -EINVAL;
	for (steps = 0; steps < n; steps++) {
		read_desc(table + 16 * i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return -EINVAL;		/* no nesting */
		r = chain_add(c, m, &d);
		if (r)
			return r;
		(*budget)--;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= n)
			return -EINVAL;
	}
	return -EINVAL;			/* a loop inside the table */
}

static int walk_chain(struct virtq *q, const struct guest_mem *m, struct vq_chain *c,
		      uint16_t head)
{
	unsigned int budget = q->num, i = head;
	struct virtq_desc d;
	int r;

	for (;;) {
		if (i >= q->num || !budget)
			return -EINVAL;	/* out of the table, or a loop/too long */
		read_desc(&q->desc[i], &d);
		budget--;
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect)
				return -EINVAL;
			/*
			 * The table's entries count, not the descriptor that
			 * points to it: Linux's virtio_blk fills a table of
			 * seg_max + 2 = QueueNum entries for its largest
			 * requests (refusing those hung mke2fs).
			 */
			budget++;
			return walk_indirect(c, m, &d, &budget);
		}
		r = chain_add(c, m, &d);
		if (r)
			return r;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

/* EVENT_IDX: ask to be notified when the driver makes the next one available. */
static void set_avail_event(struct virtq *q)
{
	store16(q->used + used_size(q->num) - 2, q->last_avail);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int vq_pop(struct virtq *q, const struct guest_mem *m, struct vq_chain *c)
{
	uint16_t idx, head;
	int r;

	if (!q->ready)
		return 0;
	idx = avail_idx(q);
	if (idx == q->last_avail && q->event_idx) {
		set_avail_event(q);
		idx = avail_idx(q);	/* one added before it saw avail_event */
	}
	if (idx == q->last_avail)
		return 0;
	if ((uint16_t)(idx - q->last_avail) > q->num)
		return -EINVAL;
	/* The ring entries after the index that published them (2.7.13). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	head = load16(&q->avail[2 + q->last_avail % q->num]);
	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_bytes = c->in_bytes = 0;
	r = walk_chain(q, m, c, head);
	if (r)
		return r;
	q->last_avail++;
	return 1;
}

void vq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *e = q->used + 4 + 8 * (q->used_idx % q->num);

	if (!q->ready)
		return;
	store32(e, head);
	store32(e + 4, len);
	/* len before the index that publishes it (2.7.8.2). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->used_idx++;
	store16(q->used + 2, q->used_idx);
}

bool vq_should_notify(struct virtq *q)
{
	uint16_t old = q->signalled, now = q->used_idx, ev;

	if (!q->ready || old == now)
		return false;
	/* Our used index before the driver's flags or used_event (2.7.7). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->signalled = now;
	if (!q->event_idx)
		return !(load16(&q->avail[0]) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	ev = load16(&q->avail[2 + q->num]);
	/* 2.7.7.2: notify when the used index moved past used_event. */
	return (uint16_t)(now - ev - 1) < (uint16_t)(now - old);
}
