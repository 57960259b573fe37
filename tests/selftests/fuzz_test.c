// SPDX-License-Identifier: GPL-2.0
/*
 * Interface fuzzer: seeded, reproducible sequences of every axvm ioctl on
 * every fd type (/dev/axvm, VM, vCPU), from several threads at once.
 * Arguments are random bytes, valid-looking structures with one field
 * mutated, or bad pointers; vCPUs are run (a watchdog signal bounds every
 * AXVM_RUN) and closed while other threads use them. The kernel must
 * answer every call with success or a documented errno and never splat
 * (the test machine checks the kernel log; rmmod afterwards checks that
 * nothing leaked a reference). One more thread does the same to the
 * generic netlink family axvm: every command, with valid-looking
 * attributes of random sizes and contents, names that are almost valid,
 * nests where scalars belong, and truncated headers. VM_PAUSE and
 * VM_RESUME also go by small ids, so they reach the VMs the ioctl threads
 * run (their vCPUs then sleep until resumed or the watchdog signal).
 *
 *   AXVM_FUZZ_SEED   first seed (default 1); thread i uses seed + i
 *   AXVM_FUZZ_CALLS  calls in all (default 100000)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/axvm_genl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include "lib/axvm_test.h"

#define NR_THREADS	4
#define POOL		8

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* xorshift64*: small, fast, reproducible from the seed */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* The fds under test; slots are replaced under the write lock. */
static struct {
	pthread_rwlock_t lock;
	int dev[POOL], vm[POOL], vcpu[POOL];
	void *ram[POOL];
} pool = { .lock = PTHREAD_RWLOCK_INITIALIZER };

static volatile int stop_all;
static uint64_t calls_left;
static uint64_t unexpected;
static pthread_t threads[NR_THREADS];

static const unsigned long dev_cmds[] = {
	AXVM_GET_API_VERSION, AXVM_GET_CAPS, AXVM_CREATE_VM, AXVM_ATTACH_VM,
};
static const unsigned long vm_cmds[] = {
	AXVM_SET_MEMORY_REGION, AXVM_CREATE_VCPU, AXVM_SET_CPUID,
	AXVM_GET_CPUID, AXVM_SET_POSTED, AXVM_CREATE_LAPIC, AXVM_IRQ,
	AXVM_CREATE_IOAPIC, AXVM_IRQ_LINE,
};
static const unsigned long vcpu_cmds[] = {
	AXVM_RUN, AXVM_GET_REGS, AXVM_SET_REGS, AXVM_GET_SREGS,
	AXVM_SET_SREGS, AXVM_INJECT, AXVM_SET_RING, AXVM_RING_KICK,
	AXVM_SET_GUEST_DEBUG,
};

/* Errors the ABI documents for some input; anything else is a finding. */
static bool expected_errno(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOTTY: case EBADF: case EEXIST:
	case ENOENT: case ENOSPC: case EBUSY: case ENOMEM: case EINTR:
	case EPERM: case E2BIG: case ENODEV: case EPROTO: case ESHUTDOWN:
	case EAGAIN: case EIO: case ENAMETOOLONG: case ERANGE:
	case EOPNOTSUPP: case EOVERFLOW: case ENXIO: case EDQUOT:
		return true;
	}
	return false;
}

/*
 * Commands whose errnos are checked one by one (Documentation/ioapic.rst);
 * on the wrong fd type any command gets ENOTTY.
 */
static bool cmd_errno_ok(unsigned long cmd, int e)
{
	switch (cmd) {
	case AXVM_CREATE_IOAPIC:
		return e == EINVAL || e == ENXIO || e == EEXIST || e == ENOMEM ||
		       e == ENOTTY;
	case AXVM_IRQ_LINE:
		return e == EINVAL || e == ENXIO || e == EFAULT || e == ENOTTY;
	case AXVM_SET_GUEST_DEBUG:
		/* Documentation/debugging.rst; EINTR: a killed mutex wait */
		return e == EINVAL || e == EOPNOTSUPP || e == EFAULT || e == ENOTTY ||
		       e == EINTR;
	}
	return expected_errno(e);
}

/* A valid-looking argument for @cmd, then (usually) one field mutated. */
static void make_arg(struct rng *r, unsigned long cmd, uint8_t *buf,
		     size_t len, void *ram)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = rnd(r);
	if (below(r, 3) == 0)
		return;			/* pure random bytes */
	memset(buf, 0, len);
	switch (cmd) {
	case AXVM_SET_MEMORY_REGION: {
		struct axvm_memory_region *m = (void *)buf;

		m->slot = below(r, 4);
		m->flags = below(r, 2) ? AXVM_MEM_POPULATE : 0;
		m->gpa = below(r, 4) * 0x200000;
		m->size = below(r, 3) * 0x200000;
		m->hva = (uintptr_t)ram;
		break;
	}
	case AXVM_SET_CPUID: {
		struct axvm_cpuid *c = (void *)buf;

		c->nent = below(r, 4);
		for (i = 0; i < c->nent; i++)
			c->entries[i].function = below(r, 0x20);
		break;
	}
	case AXVM_GET_CPUID:
		/* the kernel writes this many entries: stay inside buf */
		((struct axvm_cpuid *)buf)->nent = below(r, 100);
		break;
	case AXVM_SET_POSTED: {
		struct axvm_posted_range *p = (void *)buf;

		p->bus = below(r, 2);
		p->base = below(r, 0x400);
		p->len = 1 + below(r, 8);
		p->flags = below(r, 4) == 0;
		break;
	}
	case AXVM_SET_SREGS:
		/* flat real mode; the mutation below breaks it */
		((struct axvm_sregs *)buf)->cs.limit = 0xffff;
		((struct axvm_sregs *)buf)->cs.present = 1;
		((struct axvm_sregs *)buf)->cs.type = 11;
		((struct axvm_sregs *)buf)->cs.s = 1;
		break;
	case AXVM_INJECT: {
		struct axvm_event *e = (void *)buf;

		e->type = below(r, 4);
		e->vector = below(r, 256);
		e->has_error_code = below(r, 2);
		break;
	}
	case AXVM_SET_RING: {
		struct axvm_ring_config *c = (void *)buf;

		c->mode = below(r, 3);
		c->nr_entries = 1u << below(r, 14);
		break;
	}
	case AXVM_SET_GUEST_DEBUG: {
		struct axvm_guest_debug *d = (void *)buf;

		/* Mostly valid: the vCPUs then run single-stepped, with #BP
		 * intercepted and breakpoints in the debug registers. */
		d->control = below(r, 8) ? AXVM_GUESTDBG_ENABLE | below(r, 16) : below(r, 32);
		if (d->control & AXVM_GUESTDBG_USE_HW_BP) {
			for (i = 0; i < 4; i++)
				d->dr[i] = below(r, 4) ? below(r, 0x10000) :
					   below(r, 2) ? 0xffff800000000000ull : rnd(r);
			d->dr7 = below(r, 4) ? (rnd(r) & 0xffff03ffull) : rnd(r);
		}
		break;
	}
	case AXVM_ATTACH_VM:
		memcpy(buf, "fuzz", 5);
		break;
	case AXVM_CREATE_LAPIC:
		((struct axvm_lapic_config *)buf)->flags = below(r, 4);
		break;
	case AXVM_IRQ: {
		struct axvm_irq *q = (void *)buf;

		q->dest = below(r, 8) ? below(r, 3) : AXVM_IRQ_BROADCAST;
		q->mode = (const uint8_t[]){ AXVM_IRQ_FIXED, AXVM_IRQ_NMI,
					     AXVM_IRQ_INIT }[below(r, 3)];
		q->vector = below(r, 256);
		break;
	}
	case AXVM_IRQ_LINE: {
		struct axvm_irq_line *l = (void *)buf;

		l->gsi = below(r, AXVM_IOAPIC_PINS + 2);
		l->level = below(r, 2);
		l->source = below(r, AXVM_IRQ_SOURCES + 2);
		l->flags = below(r, 4) ? 0 : AXVM_IRQ_LINE_F_PULSE;
		break;
	}
	}
	/* one field mutated: a random byte of the structure */
	if (len && below(r, 2))
		buf[below(r, len)] = rnd(r);
}

static int pick(struct rng *r, const int *fds)
{
	return fds[below(r, POOL)];
}

/* Replace a pool slot: close what was there, maybe open something new. */
static void churn(struct rng *r)
{
	int k = below(r, POOL), what = below(r, 3), fd, src;

	pthread_rwlock_wrlock(&pool.lock);
	switch (what) {
	case 0:
		if (pool.dev[k] >= 0)
			close(pool.dev[k]);
		pool.dev[k] = open(AXVM_DEV_PATH, O_RDWR | O_CLOEXEC);
		break;
	case 1:
		if (pool.vm[k] >= 0)
			close(pool.vm[k]);
		pool.vm[k] = -1;
		src = pick(r, pool.dev);
		if (src >= 0 && below(r, 4))
			pool.vm[k] = ioctl(src, AXVM_CREATE_VM, NULL);
		break;
	default:
		if (pool.vcpu[k] >= 0)
			close(pool.vcpu[k]);
		pool.vcpu[k] = -1;
		src = pick(r, pool.vm);
		if (src >= 0) {
			fd = ioctl(src, AXVM_CREATE_VCPU, below(r, 3));
			pool.vcpu[k] = fd;
		}
		break;
	}
	pthread_rwlock_unlock(&pool.lock);
}

static void one_call(struct rng *r, int t)
{
	uint8_t buf[4096] __attribute__((aligned(8)));
	unsigned long cmd;
	void *arg = buf;
	int fd, kind = below(r, 3), ret, e;

	if (below(r, 50) == 0) {
		churn(r);
		return;
	}
	pthread_rwlock_rdlock(&pool.lock);
	if (kind == 0) {
		fd = pick(r, pool.dev);
		cmd = dev_cmds[below(r, ARRAY_SIZE(dev_cmds))];
	} else if (kind == 1) {
		fd = pick(r, pool.vm);
		cmd = vm_cmds[below(r, ARRAY_SIZE(vm_cmds))];
	} else {
		fd = pick(r, pool.vcpu);
		cmd = vcpu_cmds[below(r, ARRAY_SIZE(vcpu_cmds))];
	}
	/* Sometimes the wrong fd type or an unknown command. */
	if (below(r, 10) == 0)
		cmd = _IOC(below(r, 4), AXVMIO, below(r, 0x60), below(r, 512));
	make_arg(r, cmd, buf, sizeof(buf), pool.ram[below(r, POOL)]);
	switch (below(r, 12)) {
	case 0:
		arg = NULL;
		break;
	case 1:
		arg = (void *)0xffff888000000000ull;	/* kernel address */
		break;
	case 2:
		arg = (void *)(uintptr_t)rnd(r);
		break;
	}
	if (cmd == AXVM_CREATE_VCPU || cmd == AXVM_RING_KICK ||
	    cmd == AXVM_RUN || cmd == AXVM_GET_API_VERSION ||
	    cmd == AXVM_CREATE_IOAPIC)
		arg = below(r, 4) ? NULL : (void *)(uintptr_t)below(r, 70);
	ret = fd < 0 ? 0 : ioctl(fd, cmd, arg);
	e = errno;
	/* New fds (VM, vCPU) from a call: keep them out of the way. */
	if (ret > 2 && (cmd == AXVM_CREATE_VM || cmd == AXVM_CREATE_VCPU ||
			cmd == AXVM_ATTACH_VM))
		close(ret);
	pthread_rwlock_unlock(&pool.lock);
	if (ret < 0 && !cmd_errno_ok(cmd, e)) {
		__atomic_add_fetch(&unexpected, 1, __ATOMIC_RELAXED);
		fprintf(stderr, "# thread %d: cmd %#lx on fd %d: unexpected errno %d (%s)\n",
			t, cmd, fd, e, strerror(e));
	}
}

/* --- netlink ------------------------------------------------------- */

static int nl_family;
static uint64_t nl_sent;

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char buf[512];
};

static size_t put_attr(char *p, size_t room, uint16_t type, const void *d,
		       size_t len)
{
	struct nlattr *a = (void *)p;
	size_t tot = NLA_ALIGN(NLA_HDRLEN + len);

	if (tot > room)
		return 0;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(p + NLA_HDRLEN, d, len);
	return tot;
}

/* Resolve the family id with CTRL_CMD_GETFAMILY; 0 if absent. */
static int nl_resolve(int sk)
{
	struct nlreq q = { 0 };
	char rbuf[4096];
	struct nlattr *a;
	struct genlmsghdr *g;
	struct nlmsghdr *n;
	ssize_t len;
	size_t off;

	q.n.nlmsg_type = GENL_ID_CTRL;
	q.n.nlmsg_flags = NLM_F_REQUEST;
	q.g.cmd = CTRL_CMD_GETFAMILY;
	q.g.version = 1;
	off = put_attr(q.buf, sizeof(q.buf), CTRL_ATTR_FAMILY_NAME,
		       AXVM_GENL_NAME, sizeof(AXVM_GENL_NAME));
	q.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + off;
	if (send(sk, &q, q.n.nlmsg_len, 0) < 0)
		return 0;
	len = recv(sk, rbuf, sizeof(rbuf), 0);
	n = (void *)rbuf;
	if (len < (ssize_t)NLMSG_HDRLEN || n->nlmsg_type == NLMSG_ERROR)
		return 0;
	g = NLMSG_DATA(n);
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off + NLA_HDRLEN <= (size_t)len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (void *)(rbuf + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
	}
	(void)g;
	return 0;
}

static void nl_one(struct rng *r, int sk)
{
	static const char *const names[] = {
		"fuzz0", "fuzz1", "", "bad name", "../x",
		"0123456789012345678901234567890123456789", "fuzz\x01",
	};
	char rbuf[8192], data[64];
	struct nlreq q = { 0 };
	size_t off = 0, k, i, n;
	const char *nm;

	q.n.nlmsg_type = below(r, 20) ? (uint16_t)nl_family : below(r, 0x40);
	q.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			  (below(r, 4) ? 0 : NLM_F_DUMP);
	q.g.cmd = below(r, AXVM_CMD_MAX + 3);
	q.g.version = below(r, 8) ? AXVM_GENL_VERSION : rnd(r);
	if ((q.g.cmd == AXVM_CMD_VM_PAUSE || q.g.cmd == AXVM_CMD_VM_RESUME) &&
	    below(r, 2)) {
		uint32_t id = 1 + below(r, 64);

		off = put_attr(q.buf, sizeof(q.buf), AXVM_A_VM_ID, &id, 4);
	}
	n = below(r, 5);
	for (k = 0; k < n; k++) {
		uint16_t type = below(r, AXVM_A_MAX + 3);
		size_t len = below(r, 3) ? (size_t[]){ 4, 8, 0, 1, 2, 16 }[below(r, 6)] :
				below(r, sizeof(data));

		for (i = 0; i < sizeof(data); i++)
			data[i] = rnd(r);
		if (type == AXVM_A_VM_NAME && below(r, 2)) {
			nm = names[below(r, ARRAY_SIZE(names))];
			len = strlen(nm) + (below(r, 4) ? 1 : 0);
			memcpy(data, nm, len);
		}
		if (type == AXVM_A_VM_MEM_BYTES && below(r, 2)) {
			uint64_t mb = (below(r, 4) + 1) << 20;

			memcpy(data, &mb, 8);
			len = 8;
		}
		if (below(r, 10) == 0)
			type |= NLA_F_NESTED;
		off += put_attr(q.buf + off, sizeof(q.buf) - off, type, data, len);
	}
	q.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + off;
	if (below(r, 20) == 0)		/* truncated or overlong header */
		q.n.nlmsg_len = below(r, sizeof(q));
	if (send(sk, &q, q.n.nlmsg_len < sizeof(q) ? q.n.nlmsg_len : sizeof(q),
		 0) < 0)
		return;
	__atomic_add_fetch(&nl_sent, 1, __ATOMIC_RELAXED);
	/* Drain replies (dumps span several); never block for long. */
	while (recv(sk, rbuf, sizeof(rbuf), MSG_DONTWAIT) > 0)
		;
}

static void *nl_thread(void *p)
{
	struct rng r = { .s = (uintptr_t)p * 0x9e3779b97f4a7c15ull + 7 };
	struct timeval tv = { .tv_usec = 100000 };
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (sk < 0)
		return NULL;
	setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	nl_family = nl_resolve(sk);
	while (nl_family && !stop_all) {
		nl_one(&r, sk);
		usleep(200);	/* let the reply arrive; drained next round */
	}
	close(sk);
	return NULL;
}

/* Delete what the netlink fuzzing created (names fuzz0, fuzz1). */
static void nl_cleanup(void)
{
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	const char *const names[] = { "fuzz0", "fuzz1" };
	struct nlreq q;
	char rbuf[4096];
	size_t off, i;

	if (sk < 0 || !nl_family)
		goto out;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		memset(&q, 0, sizeof(q));
		q.n.nlmsg_type = nl_family;
		q.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		q.g.cmd = AXVM_CMD_VM_DEL;
		q.g.version = AXVM_GENL_VERSION;
		off = put_attr(q.buf, sizeof(q.buf), AXVM_A_VM_NAME, names[i],
			       strlen(names[i]) + 1);
		q.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + off;
		if (send(sk, &q, q.n.nlmsg_len, 0) > 0)
			recv(sk, rbuf, sizeof(rbuf), 0);
	}
out:
	if (sk >= 0)
		close(sk);
}

struct targ {
	int id;
	uint64_t seed;
};

static void *fuzz_thread(void *p)
{
	struct targ *a = p;
	struct rng r = { .s = a->seed * 0x9e3779b97f4a7c15ull + 1 };

	while (!stop_all &&
	       __atomic_sub_fetch(&calls_left, 1, __ATOMIC_RELAXED) < (1ull << 62))
		one_call(&r, a->id);
	return NULL;
}

static void on_sig(int sig)
{
	(void)sig;	/* only to end a running AXVM_RUN with EINTR */
}

/* Bounds every AXVM_RUN: a signal to each thread every 20 ms. */
static void *watchdog(void *p)
{
	int i;

	(void)p;
	while (!stop_all) {
		usleep(20000);
		for (i = 0; i < NR_THREADS; i++)
			pthread_kill(threads[i], SIGUSR1);
	}
	return NULL;
}

TEST(ioctl_fuzz)
{
	struct sigaction sa = { .sa_handler = on_sig };
	const char *s = getenv("AXVM_FUZZ_SEED");
	const char *c = getenv("AXVM_FUZZ_CALLS");
	uint64_t seed = s ? strtoull(s, NULL, 0) : 1;
	uint64_t calls = c ? strtoull(c, NULL, 0) : 100000;
	struct targ args[NR_THREADS];
	pthread_t wd, nl;
	int i;

	AXVM_REQUIRE();
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	for (i = 0; i < POOL; i++) {
		pool.dev[i] = open(AXVM_DEV_PATH, O_RDWR | O_CLOEXEC);
		pool.vm[i] = i < 4 ? ioctl(pool.dev[i], AXVM_CREATE_VM, NULL) : -1;
		pool.vcpu[i] = i < 4 && pool.vm[i] >= 0 ?
			       ioctl(pool.vm[i], AXVM_CREATE_VCPU, 0) : -1;
		pool.ram[i] = axvm_alloc_mem(0x400000);
	}
	TH_LOG("seed %llu, %llu calls, %d threads",
	       (unsigned long long)seed, (unsigned long long)calls, NR_THREADS);
	calls_left = calls;
	for (i = 0; i < NR_THREADS; i++) {
		args[i] = (struct targ){ .id = i, .seed = seed + i };
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, fuzz_thread, &args[i]));
	}
	ASSERT_EQ(0, pthread_create(&wd, NULL, watchdog, NULL));
	ASSERT_EQ(0, pthread_create(&nl, NULL, nl_thread, (void *)(uintptr_t)seed));
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i], NULL);
	stop_all = 1;
	pthread_join(wd, NULL);
	pthread_join(nl, NULL);
	nl_cleanup();
	TH_LOG("netlink: family %d, %llu messages", nl_family,
	       (unsigned long long)nl_sent);
	EXPECT_NE(0, nl_family);
	EXPECT_LT(100, nl_sent);
	for (i = 0; i < POOL; i++) {
		if (pool.vcpu[i] >= 0)
			close(pool.vcpu[i]);
		if (pool.vm[i] >= 0)
			close(pool.vm[i]);
		if (pool.dev[i] >= 0)
			close(pool.dev[i]);
	}
	EXPECT_EQ(0, unexpected);
	/* The module still works after all that. */
	{
		struct axvm_vm *vm = axvm_vm_create(AXVM_DEFAULT_RAM);
		struct axvm_vcpu *v = axvm_vcpu_add(vm, 0);

		EXPECT_NE(NULL, v);
		axvm_vm_free(vm);
	}
	for (i = 0; i < POOL; i++)
		axvm_free_mem(pool.ram[i], 0x400000);
}

TEST_HARNESS_MAIN
