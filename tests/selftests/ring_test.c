// SPDX-License-Identifier: GPL-2.0
/*
 * The shared exit ring: a long-mode guest writes a counter N times to a
 * posted port and a posted MMIO address, then reads a port (which needs
 * an answer) and halts. Userspace must see every write once, in order,
 * before the read; the guest must not have waited for the writes (few
 * AXVM_RUN returns in sync mode, one in async mode); a small ring must
 * push back (full_waits) without losing a record. Both service modes,
 * with one and several vCPUs, and every bad input.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/axvm_test.h"

#define CODE_GPA	0x300000ull
#define MMIO		0x30000000ull
#define PORT_W		0xe0
#define PORT_R		0xe4
#define NR_LOOPS	200
#define MAX_VCPUS	3

/*
 * rbx = first value, rcx = loop count (64-bit code):
 * loop: mov eax,ebx; out 0xe0,eax; mov [MMIO],eax; inc ebx; dec ecx;
 *       jnz loop; in eax,0xe4; hlt
 */
static const unsigned char code[] = {
	0x89, 0xd8,
	0xe7, PORT_W,
	0x89, 0x04, 0x25, 0x00, 0x00, 0x00, 0x30,
	0xff, 0xc3,
	0xff, 0xc9,
	0x75, 0xef,
	0xe5, PORT_R,
	0xf4,
};

struct ring {
	struct axvm_vcpu *v;
	struct axvm_ring_hdr *hdr;
	struct axvm_ring_entry *ent;
	size_t map_size;
	uint32_t nr;
	/* what the service has seen */
	uint32_t next_io, next_mmio, first, reads, bad, runs;
	bool halted;
};

static size_t ring_bytes(uint32_t nr)
{
	return 4096 + (size_t)nr * sizeof(struct axvm_ring_entry);
}

static int __set_ring(struct axvm_vcpu *v, uint32_t mode, uint32_t nr)
{
	struct axvm_ring_config c = { .mode = mode, .nr_entries = nr };

	return ioctl(v->fd, AXVM_SET_RING, &c);
}

static void ring_setup(struct ring *r, struct axvm_vcpu *v, uint32_t mode,
		       uint32_t nr)
{
	memset(r, 0, sizeof(*r));
	r->v = v;
	r->nr = nr;
	AXVM_CHECK(__set_ring(v, mode, nr) == 0, "AXVM_SET_RING");
	r->map_size = ring_bytes(nr);
	r->hdr = mmap(NULL, r->map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, AXVM_RING_MMAP_OFFSET);
	AXVM_CHECK(r->hdr != MAP_FAILED, "mmap ring");
	r->ent = (void *)((char *)r->hdr + 4096);
	r->first = v->id << 16;
	r->next_io = r->next_mmio = r->first;
}

/* Serve every published record; returns how many. */
static uint32_t ring_serve(struct ring *r)
{
	uint32_t prod = __atomic_load_n(&r->hdr->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = r->hdr->cons, n = 0;

	for (; cons != prod; cons++, n++) {
		struct axvm_ring_entry *s = &r->ent[cons & (r->nr - 1)];
		struct axvm_exit *e = &s->exit;
		bool posted = e->flags & AXVM_EXIT_F_POSTED;

		if (s->seq != cons || e->vcpu_id != r->v->id)
			r->bad++;
		switch (e->kind) {
		case AXVM_EXIT_IO_WRITE:
			if (!posted || e->u.io_write.port != PORT_W ||
			    e->u.io_write.width != 4 ||
			    e->u.io_write.data != r->next_io)
				r->bad++;
			r->next_io++;
			break;
		case AXVM_EXIT_MMIO_WRITE:
			if (!posted || e->u.mmio_write.addr != MMIO ||
			    e->u.mmio_write.width != 4 ||
			    e->u.mmio_write.data != r->next_mmio)
				r->bad++;
			r->next_mmio++;
			break;
		case AXVM_EXIT_IO_READ:
			/* Every write before the read was delivered first. */
			if (posted || e->u.io_read.port != PORT_R ||
			    r->next_io != r->first + NR_LOOPS ||
			    r->next_mmio != r->first + NR_LOOPS)
				r->bad++;
			e->u.io_read.data = 0xabc00000u | r->v->id;
			s->response = AXVM_RESP_DATA;
			r->reads++;
			break;
		default:
			r->bad++;
			axvm_dump_exit(stderr, e);
		}
	}
	__atomic_store_n(&r->hdr->cons, cons, __ATOMIC_RELEASE);
	/* Pairs with the kernel's flag store + barrier + index load. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->hdr->flags, __ATOMIC_RELAXED) &
	    AXVM_RING_NEED_WAKEUP)
		AXVM_CHECK(ioctl(r->v->fd, AXVM_RING_KICK, 0) == 0, "kick");
	return n;
}

static struct axvm_vm *guest_vm(int nr_vcpus, struct axvm_vcpu **v)
{
	struct axvm_posted_range pio = { .bus = AXVM_POSTED_PIO,
					 .base = PORT_W, .len = 4 };
	struct axvm_posted_range mmio = { .bus = AXVM_POSTED_MMIO,
					  .base = MMIO, .len = 8 };
	struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	struct axvm_regs regs;
	int i;

	memcpy(axvm_gpa2hva(vm, CODE_GPA, sizeof(code)), code, sizeof(code));
	AXVM_CHECK(ioctl(vm->fd, AXVM_SET_POSTED, &pio) == 0, "posted pio");
	AXVM_CHECK(ioctl(vm->fd, AXVM_SET_POSTED, &mmio) == 0, "posted mmio");
	for (i = 0; i < nr_vcpus; i++) {
		v[i] = axvm_vcpu_add(vm, i);
		axvm_vcpu_setup_long(v[i], CODE_GPA);
		axvm_vcpu_get_regs(v[i], &regs);
		regs.rbx = (uint64_t)i << 16;
		regs.rcx = NR_LOOPS;
		axvm_vcpu_set_regs(v[i], &regs);
	}
	return vm;
}

/* Sync mode: AXVM_RUN returns a Nothing record whenever the ring needs us. */
static void *sync_vcpu(void *arg)
{
	struct ring *r = arg;

	for (;;) {
		int ret = __axvm_vcpu_run(r->v);

		r->runs++;
		if (ret && errno == EINTR)
			continue;
		if (ret) {
			r->bad++;
			return NULL;
		}
		ring_serve(r);
		if (r->v->run->exit.kind == AXVM_EXIT_HALT) {
			r->halted = true;
			return NULL;
		}
		if (r->v->run->exit.kind != AXVM_EXIT_NOTHING) {
			axvm_dump_exit(stderr, &r->v->run->exit);
			r->bad++;
			return NULL;
		}
	}
}

/* Async mode: one AXVM_RUN per vCPU, which returns only at the HLT. */
static void *async_vcpu(void *arg)
{
	struct ring *r = arg;
	int ret;

	do {
		ret = __axvm_vcpu_run(r->v);
		__atomic_add_fetch(&r->runs, 1, __ATOMIC_RELAXED);
	} while (ret && errno == EINTR);
	if (!ret && r->v->run->exit.kind == AXVM_EXIT_HALT)
		__atomic_store_n(&r->halted, true, __ATOMIC_RELEASE);
	else
		__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int live(struct ring *r, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += !__atomic_load_n(&r[i].halted, __ATOMIC_ACQUIRE) &&
		     __atomic_load_n(&r[i].bad, __ATOMIC_RELAXED) == 0;
	return k;
}

static void run_case(struct __test_metadata *_metadata, uint32_t mode,
		     int nr_vcpus, uint32_t nr_entries)
{
	struct axvm_vcpu *v[MAX_VCPUS];
	struct ring r[MAX_VCPUS];
	pthread_t t[MAX_VCPUS];
	struct axvm_regs regs;
	struct axvm_vm *vm;
	int i;

	vm = guest_vm(nr_vcpus, v);
	for (i = 0; i < nr_vcpus; i++)
		ring_setup(&r[i], v[i], mode, nr_entries);
	for (i = 0; i < nr_vcpus; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, mode == AXVM_RING_SYNC ?
					    sync_vcpu : async_vcpu, &r[i]));
	if (mode == AXVM_RING_ASYNC) {
		/* One service thread (this one) for every vCPU, driven by poll(). */
		struct pollfd p[MAX_VCPUS];

		while (live(r, nr_vcpus)) {
			for (i = 0; i < nr_vcpus; i++)
				p[i] = (struct pollfd){ .fd = v[i]->fd,
							.events = POLLIN };
			ASSERT_LE(0, poll(p, nr_vcpus, 200));
			for (i = 0; i < nr_vcpus; i++)
				ring_serve(&r[i]);
		}
	}
	for (i = 0; i < nr_vcpus; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < nr_vcpus; i++) {
		ring_serve(&r[i]);
		EXPECT_EQ(0, r[i].bad);
		EXPECT_TRUE(r[i].halted);
		EXPECT_EQ(r[i].first + NR_LOOPS, r[i].next_io);
		EXPECT_EQ(r[i].first + NR_LOOPS, r[i].next_mmio);
		EXPECT_EQ(1, r[i].reads);
		EXPECT_EQ(2 * NR_LOOPS, r[i].hdr->posted);
		EXPECT_EQ(2 * NR_LOOPS + 1, r[i].hdr->prod);
		EXPECT_EQ(r[i].hdr->prod, r[i].hdr->cons);
		axvm_vcpu_get_regs(v[i], &regs);
		EXPECT_EQ(0xabc00000u | i, regs.rax);
		if (mode == AXVM_RING_SYNC) {
			/*
			 * 401 records through a ring of nr_entries: the vCPU
			 * came out about once per ring-full, not per write.
			 */
			EXPECT_LE(r[i].runs, 2 * NR_LOOPS / nr_entries + 4);
			EXPECT_LT(0, r[i].hdr->full_waits);
		} else {
			EXPECT_EQ(1, r[i].runs);
		}
		TH_LOG("vcpu %d: %u AXVM_RUN calls, %llu full waits", i,
		       r[i].runs, (unsigned long long)r[i].hdr->full_waits);
		munmap(r[i].hdr, r[i].map_size);
	}
	axvm_vm_free(vm);
}

TEST(sync_one_vcpu)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	run_case(_metadata, AXVM_RING_SYNC, 1, 16);
}

TEST(sync_three_vcpus)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	run_case(_metadata, AXVM_RING_SYNC, 3, 32);
}

TEST(async_one_vcpu)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	run_case(_metadata, AXVM_RING_ASYNC, 1, 16);
}

TEST(async_three_vcpus_one_server)
{
	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	run_case(_metadata, AXVM_RING_ASYNC, 3, 64);
}

TEST(bad_config)
{
	struct axvm_ring_config c = { .mode = AXVM_RING_SYNC, .nr_entries = 16 };
	struct axvm_vm *vm;
	struct axvm_vcpu *v;
	void *p;

	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	v = axvm_vcpu_add(vm, 0);
	/* No ring yet: nothing to map, nothing to poll. */
	p = mmap(NULL, 8192, PROT_READ, MAP_SHARED, v->fd, AXVM_RING_MMAP_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, __set_ring(v, 3, 16));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __set_ring(v, AXVM_RING_OFF, 16));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __set_ring(v, AXVM_RING_SYNC, 24));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __set_ring(v, AXVM_RING_SYNC, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, __set_ring(v, AXVM_RING_SYNC, 8192));
	EXPECT_EQ(EINVAL, errno);
	c.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(v->fd, AXVM_SET_RING, &c));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(v->fd, AXVM_SET_RING, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(v->fd, AXVM_RING_KICK, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(v->fd, AXVM_RING_KICK, 0));	/* harmless */
	EXPECT_EQ(0, __set_ring(v, AXVM_RING_SYNC, 16));
	EXPECT_EQ(-1, __set_ring(v, AXVM_RING_ASYNC, 16));
	EXPECT_EQ(EBUSY, errno);
	/* Bigger than the ring, executable: refused. */
	p = mmap(NULL, ring_bytes(16) + 4096, PROT_READ, MAP_SHARED, v->fd,
		 AXVM_RING_MMAP_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, v->fd,
		 AXVM_RING_MMAP_OFFSET);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, ring_bytes(16), PROT_READ, MAP_SHARED, v->fd,
		 AXVM_RING_MMAP_OFFSET);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(16, ((struct axvm_ring_hdr *)p)->nr_entries);
	EXPECT_EQ(sizeof(struct axvm_ring_entry),
		  ((struct axvm_ring_hdr *)p)->entry_size);
	EXPECT_EQ(AXVM_RING_VERSION, ((struct axvm_ring_hdr *)p)->version);
	munmap(p, ring_bytes(16));
	axvm_vm_free(vm);
}

static int set_posted(int fd, uint8_t bus, uint32_t flags, uint64_t base,
		      uint64_t len)
{
	struct axvm_posted_range r = { .bus = bus, .flags = flags,
				       .base = base, .len = len };

	return ioctl(fd, AXVM_SET_POSTED, &r) ? errno : 0;
}

TEST(bad_posted_ranges)
{
	struct axvm_posted_range r = { .bus = AXVM_POSTED_PIO, .base = 1,
				       .len = 1 };
	struct axvm_vm *vm;
	int i;

	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	EXPECT_EQ(EINVAL, set_posted(vm->fd, 2, 0, 0x10, 1));
	EXPECT_EQ(EINVAL, set_posted(vm->fd, AXVM_POSTED_PIO, 0, 0x10, 0));
	EXPECT_EQ(EINVAL, set_posted(vm->fd, AXVM_POSTED_PIO, 0, 0xffff, 2));
	EXPECT_EQ(EINVAL, set_posted(vm->fd, AXVM_POSTED_MMIO, 0, ~0ull, 2));
	EXPECT_EQ(EINVAL, set_posted(vm->fd, AXVM_POSTED_PIO, 4, 0x10, 1));
	r.pad[1] = 1;
	EXPECT_EQ(-1, ioctl(vm->fd, AXVM_SET_POSTED, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_posted(vm->fd, AXVM_POSTED_PIO, 0, 0x10, 4));
	EXPECT_EQ(EEXIST, set_posted(vm->fd, AXVM_POSTED_PIO, 0, 0x13, 1));
	/* Same numbers on the other bus do not overlap. */
	EXPECT_EQ(0, set_posted(vm->fd, AXVM_POSTED_MMIO, 0, 0x10, 4));
	EXPECT_EQ(ENOENT, set_posted(vm->fd, AXVM_POSTED_PIO,
				     AXVM_POSTED_F_REMOVE, 0x10, 3));
	EXPECT_EQ(0, set_posted(vm->fd, AXVM_POSTED_PIO,
				AXVM_POSTED_F_REMOVE, 0x10, 4));
	EXPECT_EQ(0, set_posted(vm->fd, AXVM_POSTED_PIO, 0, 0x13, 1));
	for (i = 2; i < AXVM_MAX_POSTED_RANGES; i++)
		EXPECT_EQ(0, set_posted(vm->fd, AXVM_POSTED_PIO, 0,
					0x100 + i, 1));
	EXPECT_EQ(ENOSPC, set_posted(vm->fd, AXVM_POSTED_PIO, 0, 0x400, 1));
	axvm_vm_free(vm);
}

/* The consumer index is userspace's: a broken one is an error, not a crash. */
TEST(broken_consumer_index)
{
	struct axvm_vcpu *v[1];
	struct axvm_vm *vm;
	struct ring r;

	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	vm = guest_vm(1, v);
	ring_setup(&r, v[0], AXVM_RING_SYNC, 16);
	ASSERT_EQ(0, __axvm_vcpu_run(v[0]));
	ASSERT_EQ(AXVM_EXIT_NOTHING, v[0]->run->exit.kind);
	EXPECT_EQ(16, r.hdr->prod);	/* ring full of posted writes */
	r.hdr->cons = r.hdr->prod + 5;	/* past the producer */
	EXPECT_EQ(-1, __axvm_vcpu_run(v[0]));
	EXPECT_EQ(EPROTO, errno);
	r.hdr->cons = 0;
	/* Repaired: it goes on from where it was. */
	ring_serve(&r);
	ASSERT_EQ(0, __axvm_vcpu_run(v[0]));
	EXPECT_EQ(32, r.hdr->prod);
	ring_serve(&r);
	EXPECT_EQ(0, r.bad);
	munmap(r.hdr, r.map_size);
	axvm_vm_free(vm);
}

/*
 * A VMM killed while its vCPU sleeps on an unanswered read (async mode):
 * the kill must end AXVM_RUN and free the vCPU; the VM is still usable.
 */
TEST(sigkill_mid_exit)
{
	struct axvm_vcpu *v[1];
	int pfd[2], st;
	pid_t pid;
	char c;

	AXVM_REQUIRE_CAP(AXVM_CAP_EXIT_RING);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct ring r;
		pthread_t t;

		guest_vm(1, v);
		ring_setup(&r, v[0], AXVM_RING_ASYNC, 512);
		pthread_create(&t, NULL, async_vcpu, &r);
		/* Wait for the read, then tell the parent and never answer. */
		while (__atomic_load_n(&r.hdr->prod, __ATOMIC_ACQUIRE) <
		       2 * NR_LOOPS + 1)
			usleep(1000);
		if (write(pfd[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	usleep(100 * 1000);	/* let the vCPU go to sleep on the ring */
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st));
	/* The module still works, the same guest runs to the end. */
	run_case(_metadata, AXVM_RING_ASYNC, 1, 512);
}

TEST_HARNESS_MAIN
