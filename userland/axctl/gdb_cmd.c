// SPDX-License-Identifier: GPL-2.0
/*
 * The gdb stub's packets (gdb.h). Serves one connection: every vCPU is at
 * its gate (gdb.c) whenever a packet other than ^C is handled, except
 * between `c`/`s` and the stop reply. Threads are vCPUs: thread id =
 * vCPU id + 1 (0 and -1 mean "any" and "all" in the protocol).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "axctl.h"
#include "gdb.h"
#include "gdb_mem.h"
#include "gdb_regs.h"
#include "vmm.h"

#define MEM_MAX		(RSP_MAX / 2 - 16)	/* bytes of one m answer */

static bool ending(struct vmm *v)
{
	return atomic_load(&v->done) || atomic_load(&v->stop);
}

static void send_raw(struct gdb *g, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(g->fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* the debugger is gone: the read side sees it */
		buf += w;
		len -= w;
	}
}

static void send_packet(struct gdb *g, const char *data)
{
	g->out_len = rsp_frame(g->out, sizeof(g->out), data, strlen(data));
	send_raw(g, g->out, g->out_len);
}

/* --- registers and memory -------------------------------------------------- */

static bool get_cpu(struct gdb *g, unsigned int id, struct gdb_cpu *cpu)
{
	int fd = g->v->vcpus[id].fd;

	return !ioctl(fd, AXVM_GET_REGS, &cpu->r) && !ioctl(fd, AXVM_GET_SREGS, &cpu->s);
}

static bool put_cpu(struct gdb *g, unsigned int id, const struct gdb_cpu *cpu, int what)
{
	int fd = g->v->vcpus[id].fd;

	if ((what & 1) && ioctl(fd, AXVM_SET_REGS, &cpu->r))
		return false;
	return !(what & 2) || !ioctl(fd, AXVM_SET_SREGS, &cpu->s);
}

/* Guest-physical to axctl's mapping (ram.c: low RAM at 0, the rest at 4 GiB). */
static uint8_t *gpa_ptr(struct vmm *v, uint64_t gpa, uint64_t len)
{
	uint64_t high = v->ram_size - v->ram_low;

	if (gpa < v->ram_low && len <= v->ram_low - gpa)
		return (uint8_t *)v->ram + gpa;
	if (gpa >= SZ_4G && gpa - SZ_4G < high && len <= high - (gpa - SZ_4G))
		return (uint8_t *)v->ram + v->ram_low + (gpa - SZ_4G);
	return NULL;
}

static bool phys_read(void *arg, uint64_t gpa, unsigned int len, uint64_t *val)
{
	uint8_t *p = gpa_ptr(arg, gpa, len);

	*val = 0;
	if (!p)
		return false;
	memcpy(val, p, len);	/* x86 guests: little endian as the host */
	return true;
}

/* Guest-linear la as the selected vCPU sees it: guest-physical, and the bytes left in its page. */
static bool la_to_gpa(struct gdb *g, const struct gdb_cpu *cpu, uint64_t la, uint64_t *gpa,
		      uint64_t *room)
{
	struct gdb_paging pg = {
		.cr0 = cpu->s.cr0, .cr3 = cpu->s.cr3, .cr4 = cpu->s.cr4, .efer = cpu->s.efer,
	};

	return gdb_translate(&pg, la, phys_read, g->v, gpa, room);
}

/* Copy between the guest's linear addresses and buf; the bytes done. */
static size_t mem_access(struct gdb *g, uint64_t la, uint8_t *buf, size_t len, bool write)
{
	struct gdb_cpu cpu;
	size_t done = 0;

	if (!get_cpu(g, g->g_vcpu, &cpu))
		return 0;
	while (done < len) {
		uint64_t gpa, room, n = len - done;
		uint8_t *p;

		if (!la_to_gpa(g, &cpu, la + done, &gpa, &room))
			break;
		if (n > room)
			n = room;
		p = gpa_ptr(g->v, gpa, n);
		if (!p && n > 1)
			p = gpa_ptr(g->v, gpa, n = 1);	/* RAM ends inside the page */
		if (!p)
			break;
		if (write)
			memcpy(p, buf + done, n);
		else
			memcpy(buf + done, p, n);
		done += n;
	}
	return done;
}

static void cmd_read_mem(struct gdb *g, const char *a)
{
	static uint8_t buf[MEM_MAX];
	static char hex[2 * MEM_MAX + 1];
	uint64_t addr, len;
	size_t n;

	if (!rsp_hex_u64(&a, &addr) || *a++ != ',' || !rsp_hex_u64(&a, &len) || *a) {
		send_packet(g, "E22");
		return;
	}
	if (len > MEM_MAX)
		len = MEM_MAX;	/* gdb asks again for the rest */
	n = mem_access(g, addr, buf, len, false);
	if (!n && len) {
		send_packet(g, "E14");
		return;
	}
	rsp_hex_encode(hex, buf, n);
	send_packet(g, hex);
}

static void cmd_write_mem(struct gdb *g, const char *a)
{
	static uint8_t buf[RSP_MAX / 2];
	uint64_t addr, len;
	const char *colon;

	if (!rsp_hex_u64(&a, &addr) || *a++ != ',' || !rsp_hex_u64(&a, &len) || *a != ':' ||
	    len > sizeof(buf) || strlen(colon = a + 1) != 2 * len || !rsp_hex_decode(buf, colon, len)) {
		send_packet(g, "E22");
		return;
	}
	send_packet(g, mem_access(g, addr, buf, len, true) == len ? "OK" : "E14");
}

static void cmd_read_regs(struct gdb *g)
{
	static char hex[2 * GDB_G_BYTES + 1];
	struct gdb_cpu cpu;

	if (!get_cpu(g, g->g_vcpu, &cpu)) {
		send_packet(g, "E14");
		return;
	}
	gdb_regs_encode(&cpu, hex);
	send_packet(g, hex);
}

static void cmd_write_regs(struct gdb *g, const char *a)
{
	struct gdb_cpu cpu;

	if (!get_cpu(g, g->g_vcpu, &cpu) || !gdb_regs_decode(&cpu, a, strlen(a))) {
		send_packet(g, "E22");
		return;
	}
	send_packet(g, put_cpu(g, g->g_vcpu, &cpu, 3) ? "OK" : "E22");
}

static void cmd_read_reg(struct gdb *g, const char *a)
{
	uint8_t buf[16];
	char hex[40];
	struct gdb_cpu cpu;
	uint64_t n;
	int len;

	if (!rsp_hex_u64(&a, &n) || *a || n >= GDB_NR_REGS || !get_cpu(g, g->g_vcpu, &cpu)) {
		send_packet(g, "E22");
		return;
	}
	len = gdb_reg_get(&cpu, n, buf);
	rsp_hex_encode(hex, buf, len);
	send_packet(g, hex);
}

static void cmd_write_reg(struct gdb *g, const char *a)
{
	uint8_t buf[16];
	struct gdb_cpu cpu;
	uint64_t n;
	int what;

	if (!rsp_hex_u64(&a, &n) || *a++ != '=' || n >= GDB_NR_REGS ||
	    strlen(a) != 2 * (size_t)gdb_reg_size(n) || !rsp_hex_decode(buf, a, gdb_reg_size(n)) ||
	    !get_cpu(g, g->g_vcpu, &cpu)) {
		send_packet(g, "E22");
		return;
	}
	what = gdb_reg_set(&cpu, n, buf);
	send_packet(g, what > 0 && put_cpu(g, g->g_vcpu, &cpu, what) ? "OK" : "E22");
}

/* --- breakpoints ----------------------------------------------------------- */

static int sw_insert(struct gdb *g, uint64_t addr)
{
	uint8_t int3 = 0xcc, saved;
	int i, free_slot = -1;

	for (i = 0; i < GDB_MAX_SW_BP; i++) {
		if (g->sw[i].used && g->sw[i].addr == addr)
			return 0;
		if (!g->sw[i].used && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	if (mem_access(g, addr, &saved, 1, false) != 1 || mem_access(g, addr, &int3, 1, true) != 1)
		return -EFAULT;
	pthread_mutex_lock(&g->lock);
	g->sw[free_slot] = (struct gdb_sw_bp){ .used = true, .saved = saved, .addr = addr };
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static int sw_remove(struct gdb *g, uint64_t addr)
{
	int i;

	for (i = 0; i < GDB_MAX_SW_BP; i++) {
		if (!g->sw[i].used || g->sw[i].addr != addr)
			continue;
		mem_access(g, addr, &g->sw[i].saved, 1, true);
		pthread_mutex_lock(&g->lock);
		g->sw[i].used = false;
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	return -ENOENT;
}

static int hw_change(struct gdb *g, bool insert, unsigned int type, uint64_t addr, uint64_t len)
{
	int i, r = insert ? -ENOSPC : -ENOENT;

	if (type == GDB_HW_EXEC)
		len = 1;
	else if ((len != 1 && len != 2 && len != 4 && len != 8) || (addr & (len - 1)))
		return -EINVAL;	/* DR7 LEN: aligned 1, 2, 4 or 8 bytes */
	pthread_mutex_lock(&g->lock);
	for (i = 0; i < 4; i++) {
		struct gdb_hw_bp *h = &g->hw[i];

		if (!insert && h->used && h->addr == addr && h->type == type && h->len == len) {
			h->used = false;
			r = 0;
			break;
		}
		if (insert && !h->used) {
			*h = (struct gdb_hw_bp){ .used = true, .type = type, .len = len, .addr = addr };
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return r;
}

/* Z/z TYPE,ADDR,KIND: 0 INT3, 1 hardware, 2 write, 4 access watchpoints. */
static void cmd_breakpoint(struct gdb *g, const char *a, bool insert)
{
	static const int hw_type[] = { -1, GDB_HW_EXEC, GDB_HW_WRITE, -1, GDB_HW_ACCESS };
	uint64_t type, addr, kind;
	int r;

	if (!rsp_hex_u64(&a, &type) || *a++ != ',' || !rsp_hex_u64(&a, &addr) || *a++ != ',' ||
	    !rsp_hex_u64(&a, &kind)) {
		send_packet(g, "E22");
		return;
	}
	if (type > 4 || type == 3) {
		send_packet(g, "");	/* read watchpoints: x86 has none */
		return;
	}
	if (type == 0)
		r = insert ? sw_insert(g, addr) : sw_remove(g, addr);
	else
		r = hw_change(g, insert, hw_type[type], addr, kind);
	send_packet(g, r ? "E22" : "OK");
}

/* Remove what the debugger left in the guest (detach, disconnect). */
static void clear_breakpoints(struct gdb *g)
{
	int i;

	for (i = 0; i < GDB_MAX_SW_BP; i++)
		if (g->sw[i].used)
			sw_remove(g, g->sw[i].addr);
	pthread_mutex_lock(&g->lock);
	memset(g->hw, 0, sizeof(g->hw));
	pthread_mutex_unlock(&g->lock);
}

/* --- stop replies, threads, resuming --------------------------------------- */

static void stop_reply(struct gdb *g)
{
	char buf[96];
	unsigned int id;
	int sig;

	pthread_mutex_lock(&g->lock);
	id = g->event ? g->ev_vcpu : g->g_vcpu;
	sig = g->interrupted && !g->event ? 2 : 5;	/* SIGINT, SIGTRAP */
	snprintf(buf, sizeof(buf), "T%02xthread:%x;%s", sig, id + 1, g->event ? g->ev_reason : "");
	g->running = false;
	pthread_mutex_unlock(&g->lock);
	g->g_vcpu = g->c_vcpu = g->last_vcpu = id;
	send_packet(g, buf);
}

/* A thread id: -1 all, 0 any, else vCPU id + 1. */
static bool thread_arg(struct gdb *g, const char *a, unsigned int *id, bool *any)
{
	uint64_t t;

	*any = false;
	if (!strcmp(a, "-1") || !strcmp(a, "0")) {
		*any = true;
		return true;
	}
	if (!rsp_hex_u64(&a, &t) || *a || t < 1 || t > g->v->nr_vcpus)
		return false;
	*id = t - 1;
	return true;
}

static void cmd_set_thread(struct gdb *g, const char *a)
{
	unsigned int id = g->last_vcpu;
	bool any;

	if ((a[0] != 'g' && a[0] != 'c') || !thread_arg(g, a + 1, &id, &any)) {
		send_packet(g, "E22");
		return;
	}
	if (any)
		id = g->last_vcpu;
	if (a[0] == 'g')
		g->g_vcpu = id;
	else
		g->c_vcpu = id;
	send_packet(g, "OK");
}

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: the signal is not passed on. */
static void gdb_cmd_resume(struct gdb *g, const char *pkt)
{
	const char *a = pkt + 1;
	struct gdb_cpu cpu;
	uint64_t addr, sig;
	bool step = pkt[0] == 's' || pkt[0] == 'S';

	if (pkt[0] == 'C' || pkt[0] == 'S') {
		if (!rsp_hex_u64(&a, &sig) || (*a && *a++ != ';')) {
			send_packet(g, "E22");
			return;
		}
	}
	if (*a) {
		if (!rsp_hex_u64(&a, &addr) || *a || !get_cpu(g, g->c_vcpu, &cpu)) {
			send_packet(g, "E22");
			return;
		}
		cpu.r.rip = addr;
		put_cpu(g, g->c_vcpu, &cpu, 1);
	}
	if (step && !g->can_step) {
		send_packet(g, "E95");	/* no monitor trap flag on this CPU */
		return;
	}
	gdb_resume(g, step ? (int)g->c_vcpu : -1);
}

static void cmd_thread_list(struct gdb *g)
{
	char buf[AXVM_MAX_VCPUS * 4 + 2];
	size_t o = 0;
	unsigned int i;

	buf[o++] = 'm';
	for (i = 0; i < g->v->nr_vcpus; i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%x", i ? "," : "", i + 1);
	send_packet(g, buf);
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void cmd_xfer(struct gdb *g, const char *a)
{
	static char buf[RSP_MAX];
	const char *xml = gdb_target_xml();
	uint64_t off, len, total = strlen(xml);

	if (strncmp(a, "target.xml:", 11)) {
		send_packet(g, "E00");
		return;
	}
	a += 11;
	if (!rsp_hex_u64(&a, &off) || *a++ != ',' || !rsp_hex_u64(&a, &len) || *a) {
		send_packet(g, "E00");
		return;
	}
	if (off >= total) {
		send_packet(g, "l");
		return;
	}
	if (len > sizeof(buf) / 2 - 2)
		len = sizeof(buf) / 2 - 2;	/* escapes may double it */
	if (len > total - off)
		len = total - off;
	buf[0] = off + len < total ? 'm' : 'l';
	memcpy(buf + 1, xml + off, len);
	buf[len + 1] = '\0';
	send_packet(g, buf);
}

static void cmd_query(struct gdb *g, const char *q)
{
	char buf[128], hex[130];
	unsigned int id;
	bool any;

	if (!strncmp(q, "qSupported", 10))
		snprintf(buf, sizeof(buf), "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+",
			 RSP_MAX);
	else if (!strncmp(q, "qXfer:features:read:", 20))
		return cmd_xfer(g, q + 20);
	else if (!strcmp(q, "qfThreadInfo"))
		return cmd_thread_list(g);
	else if (!strcmp(q, "qsThreadInfo"))
		snprintf(buf, sizeof(buf), "l");
	else if (!strcmp(q, "qC"))
		snprintf(buf, sizeof(buf), "QC%x", g->last_vcpu + 1);
	else if (!strcmp(q, "qAttached"))
		snprintf(buf, sizeof(buf), "1");
	else if (!strncmp(q, "qThreadExtraInfo,", 17) && thread_arg(g, q + 17, &id, &any) && !any) {
		snprintf(buf, sizeof(buf), "vCPU %u", id);
		rsp_hex_encode(hex, buf, strlen(buf));
		return send_packet(g, hex);
	} else
		buf[0] = '\0';	/* unsupported */
	send_packet(g, buf);
}

/* One packet; false when the connection is to end (detach, kill). */
static bool handle_packet(struct gdb *g, const char *p)
{
	unsigned int id;
	bool any;

	switch (p[0]) {
	case '?':
		stop_reply(g);
		break;
	case 'q':
		cmd_query(g, p);
		break;
	case 'Q':
		send_packet(g, strcmp(p, "QStartNoAckMode") ? "" : "OK");
		if (!strcmp(p, "QStartNoAckMode"))
			g->noack = true;
		break;
	case 'H':
		cmd_set_thread(g, p + 1);
		break;
	case 'T':
		send_packet(g, thread_arg(g, p + 1, &id, &any) ? "OK" : "E22");
		break;
	case 'g':
		cmd_read_regs(g);
		break;
	case 'G':
		cmd_write_regs(g, p + 1);
		break;
	case 'p':
		cmd_read_reg(g, p + 1);
		break;
	case 'P':
		cmd_write_reg(g, p + 1);
		break;
	case 'm':
		cmd_read_mem(g, p + 1);
		break;
	case 'M':
		cmd_write_mem(g, p + 1);
		break;
	case 'Z':
	case 'z':
		cmd_breakpoint(g, p + 1, p[0] == 'Z');
		break;
	case 'c':
	case 'C':
	case 's':
	case 'S':
		gdb_cmd_resume(g, p);
		break;
	case 'D':
		send_packet(g, "OK");
		return false;
	case 'k':
		vmm_finish(g->v, AXCTL_EINTR, "killed by the debugger");
		return false;
	default:
		send_packet(g, "");	/* vCont, vMustReplyEmpty, ...: unsupported */
	}
	return true;
}

/* Bytes from the debugger; false when the connection ends. */
static bool on_input(struct gdb *g)
{
	uint8_t buf[1024];
	ssize_t n = read(g->fd, buf, sizeof(buf)), i;

	if (n <= 0)
		return n < 0 && errno == EINTR;
	for (i = 0; i < n; i++) {
		switch (rsp_feed(&g->parser, buf[i])) {
		case RSP_PACKET:
			if (!g->noack)
				send_raw(g, "+", 1);
			if (!handle_packet(g, g->parser.buf))
				return false;
			break;
		case RSP_BAD_CSUM:
		case RSP_TOO_LONG:
			send_raw(g, "-", 1);
			break;
		case RSP_NAK:
			send_raw(g, g->out, g->out_len);
			break;
		case RSP_INTERRUPT:
			pthread_mutex_lock(&g->lock);
			if (g->running)
				g->interrupted = true;
			pthread_mutex_unlock(&g->lock);
			gdb_stop_all(g);
			break;
		default:
			break;
		}
	}
	return true;
}

/* After `c`/`s`: the stop reply once every vCPU is at its gate. */
static void check_stopped(struct gdb *g)
{
	bool stop;

	pthread_mutex_lock(&g->lock);
	stop = g->running && (g->event || g->interrupted) && gdb_all_parked_locked(g);
	pthread_mutex_unlock(&g->lock);
	if (stop)
		stop_reply(g);
}

/* The VM ended: "W" with axctl's exit status if the debugger waits. */
static void vm_ended(struct gdb *g)
{
	char buf[8];

	if (!g->running)
		return;
	snprintf(buf, sizeof(buf), "W%02x", g->v->status & 0xff);
	send_packet(g, buf);
}

void gdb_serve(struct gdb *g)
{
	struct pollfd p[2] = {
		{ .fd = -1, .events = POLLIN },
		{ .fd = g->wake[0], .events = POLLIN },
	};
	char buf[64];

	p[0].fd = g->fd;
	rsp_init(&g->parser);
	g->noack = false;
	g->out_len = 0;
	/* The debugger finds the VM stopped: as after ^C, if it ran. */
	gdb_stop_all(g);
	if (!gdb_wait_parked(g))
		return;
	pthread_mutex_lock(&g->lock);
	g->connected = true;
	g->running = false;
	g->interrupted = false;
	g->event = false;
	pthread_mutex_unlock(&g->lock);
	g->g_vcpu = g->c_vcpu = g->last_vcpu = 0;
	for (;;) {
		if (ending(g->v)) {
			vm_ended(g);
			break;
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents && read(g->wake[0], buf, sizeof(buf)) < 0 && errno != EAGAIN)
			break;
		check_stopped(g);
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !on_input(g))
			break;
	}
	/* Detach or disconnect: the guest goes on without breakpoints. */
	if (!ending(g->v)) {
		gdb_stop_all(g);
		gdb_wait_parked(g);
		clear_breakpoints(g);
	}
	pthread_mutex_lock(&g->lock);
	g->connected = false;
	pthread_mutex_unlock(&g->lock);
	gdb_resume(g, -1);
	pthread_mutex_lock(&g->lock);
	g->running = false;
	pthread_mutex_unlock(&g->lock);
}
