// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start --gdb: a gdb stub (Documentation/debugging.rst). One thread
 * listens on the --gdb socket and serves one debugger at a time over the
 * GDB remote serial protocol (rsp.c: framing; gdb_regs.c: registers;
 * gdb_mem.c: the guest page walk; gdb_cmd.c: the packets).
 *
 * All-stop: when the debugger has the VM, every vCPU thread waits at its
 * gate (gdb_vcpu_gate(), before each AXVM_RUN), out of the kernel, so
 * the stub reads and writes registers with the vCPU ioctls without
 * racing the vCPU. A stop comes from a Debug record (a breakpoint, a
 * watchpoint, the end of a step: gdb_debug_exit()) or from ^C; the stub
 * then kicks every vCPU out of AXVM_RUN (immediate_exit and SIGUSR1, as
 * a SIGINT does) and answers the debugger when the last one is at its
 * gate. `c` lets all of them go; `s` lets only the selected one go, with
 * AXVM_GUESTDBG_SINGLESTEP. Each vCPU thread applies the debugger's
 * breakpoints to its own vCPU (AXVM_SET_GUEST_DEBUG) when it leaves its
 * gate. vCPU threads wake the stub through a pipe.
 *
 * Lock: g->lock guards the gate state, the stop event and the
 * breakpoint tables. It is taken last: under dev_lock (a vCPU waiting for
 * the PIC asks whether the debugger stops the VM), and no other lock is
 * taken under it.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "axctl.h"
#include "gdb.h"
#include "vmm.h"

static bool ending(struct vmm *v)
{
	return atomic_load(&v->done) || atomic_load(&v->stop);
}

/* Any thread: wake the stub's poll(). */
void gdb_notify(struct gdb *g)
{
	char b = 0;
	ssize_t r;

	r = write(g->wake[1], &b, 1);	/* a full pipe already wakes it */
	(void)r;
}

/* --- the vCPU side --------------------------------------------------------- */

void gdb_vcpu_enter(struct vcpu *c)
{
	struct gdb *g = c->vmm->gdb;

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->nr_active++;
	pthread_mutex_unlock(&g->lock);
}

void gdb_vcpu_leave(struct vcpu *c)
{
	struct gdb *g = c->vmm->gdb;

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->nr_active--;
	pthread_mutex_unlock(&g->lock);
	gdb_notify(g);
}

/* Under g->lock: what this vCPU's AXVM_SET_GUEST_DEBUG should say now. */
static void debug_state_locked(struct gdb *g, unsigned int id, struct axvm_guest_debug *d)
{
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->control = AXVM_GUESTDBG_ENABLE;
	for (i = 0; i < GDB_MAX_SW_BP; i++)
		if (g->sw[i].used)
			d->control |= AXVM_GUESTDBG_USE_SW_BP;
	for (i = 0; i < 4; i++) {
		if (!g->hw[i].used)
			continue;
		d->control |= AXVM_GUESTDBG_USE_HW_BP;
		d->dr[i] = g->hw[i].addr;
		d->dr7 |= gdb_dr7_bits(i, g->hw[i].type, g->hw[i].len);
	}
	if (g->step_vcpu == (int)id)
		d->control |= AXVM_GUESTDBG_SINGLESTEP;
	if (!g->connected)
		memset(d, 0, sizeof(*d));	/* no debugger: as without --gdb */
}

bool gdb_vcpu_gate(struct vcpu *c)
{
	struct vmm *v = c->vmm;
	struct gdb *g = v->gdb;
	struct axvm_guest_debug d;
	bool parked = false;

	if (!g)
		return true;
	pthread_mutex_lock(&g->lock);
	while (g->stop_req && g->step_vcpu != (int)c->id && !ending(v)) {
		if (!parked) {
			parked = true;
			g->nr_active--;
			gdb_notify(g);
		}
		pthread_cond_wait(&g->cond, &g->lock);
	}
	if (parked)
		g->nr_active++;
	debug_state_locked(g, c->id, &d);
	pthread_mutex_unlock(&g->lock);
	if (ending(v))
		return false;
	/* applied[] is this thread's own. */
	if (memcmp(&d, &g->applied[c->id], sizeof(d))) {
		if (ioctl(c->fd, AXVM_SET_GUEST_DEBUG, &d) < 0) {
			vmm_finish(v, AXCTL_EFAIL, "AXVM_SET_GUEST_DEBUG on vCPU %u: %s", c->id,
				   strerror(errno));
			return false;
		}
		g->applied[c->id] = d;
	}
	return true;
}

bool gdb_stop_requested(struct vmm *v)
{
	struct gdb *g = v->gdb;
	bool r;

	if (!g)
		return false;
	pthread_mutex_lock(&g->lock);
	r = g->stop_req;
	pthread_mutex_unlock(&g->lock);
	return r;
}

void gdb_wake(struct vmm *v)
{
	struct gdb *g = v->gdb;

	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	gdb_notify(g);
}

/* Under g->lock: the slot of a software breakpoint at addr, or -1. */
static int sw_find_locked(struct gdb *g, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < GDB_MAX_SW_BP; i++)
		if (g->sw[i].used && g->sw[i].addr == addr)
			return i;
	return -1;
}

/* The guest's own INT3 (none of the debugger's): deliver its #BP. */
static bool guest_int3(struct vcpu *c, uint64_t pc)
{
	struct axvm_event ev = { .type = AXVM_EVENT_EXCEPTION, .vector = 3 };
	struct axvm_regs r;

	/* #BP is a trap: the guest's handler sees RIP past the INT3. */
	if (ioctl(c->fd, AXVM_GET_REGS, &r) < 0)
		return false;
	r.rip = pc + 1;
	return !ioctl(c->fd, AXVM_SET_REGS, &r) && !ioctl(c->fd, AXVM_INJECT, &ev);
}

/* Under g->lock: the stop reply's reason for a Debug record. */
static void reason_locked(struct gdb *g, const struct axvm_exit *e, char *buf, size_t len)
{
	uint64_t dr6 = e->u.debug.dr6;
	unsigned int i;

	buf[0] = '\0';
	if (e->u.debug.exception == 3) {
		snprintf(buf, len, "swbreak:;");
		return;
	}
	for (i = 0; i < 4; i++) {
		if (!(dr6 & (1ULL << i)) || !g->hw[i].used)
			continue;
		if (g->hw[i].type == GDB_HW_EXEC)
			snprintf(buf, len, "hwbreak:;");
		else
			snprintf(buf, len, "%s:%llx;", g->hw[i].type == GDB_HW_WRITE ? "watch" : "awatch",
				 (unsigned long long)g->hw[i].addr);
		return;
	}
}

bool gdb_debug_exit(struct vcpu *c, const struct axvm_exit *e)
{
	struct vmm *v = c->vmm;
	struct gdb *g = v->gdb;
	unsigned int i;
	bool mine;

	if (!g) {
		vmm_finish(v, AXCTL_EINTERNAL, "vCPU %u: DEBUG record without --gdb", c->id);
		return false;
	}
	pthread_mutex_lock(&g->lock);
	mine = e->u.debug.exception != 3 || sw_find_locked(g, e->u.debug.pc) >= 0;
	if (mine) {
		if (!g->event) {
			g->event = true;
			g->ev_vcpu = c->id;
			reason_locked(g, e, g->ev_reason, sizeof(g->ev_reason));
		}
		g->stop_req = true;
		g->step_vcpu = -1;
	}
	pthread_mutex_unlock(&g->lock);
	if (!mine) {
		if (guest_int3(c, e->u.debug.pc))
			return true;
		vmm_finish(v, AXCTL_EFAIL, "vCPU %u: cannot give the guest its #BP: %s", c->id,
			   strerror(errno));
		return false;
	}
	for (i = 0; i < v->nr_vcpus; i++)
		if (i != c->id)
			vcpu_kick(&v->vcpus[i]);
	gdb_notify(g);
	return true;	/* the gate parks this vCPU */
}

/* --- stopping and resuming, from the stub --------------------------------- */

/* Every vCPU to its gate; the stub answers once they are all there. */
void gdb_stop_all(struct gdb *g)
{
	struct vmm *v = g->v;
	unsigned int i;

	pthread_mutex_lock(&g->lock);
	g->stop_req = true;
	g->step_vcpu = -1;
	pthread_mutex_unlock(&g->lock);
	for (i = 0; i < v->nr_vcpus; i++)
		vcpu_kick(&v->vcpus[i]);
	/* vCPU 0 waiting for the PIC in a HLT (no LAPIC) parks too. */
	pthread_mutex_lock(&v->dev_lock);
	pthread_cond_broadcast(&v->irq_cond);
	pthread_mutex_unlock(&v->dev_lock);
}

/* step < 0: every vCPU goes on; else only that one, for one instruction. */
void gdb_resume(struct gdb *g, int step)
{
	pthread_mutex_lock(&g->lock);
	g->event = false;
	g->interrupted = false;
	g->step_vcpu = step;
	g->stop_req = step >= 0;
	g->running = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* Under g->lock: every vCPU thread in its loop is at its gate. */
bool gdb_all_parked_locked(struct gdb *g)
{
	return g->stop_req && g->step_vcpu < 0 && g->nr_active == 0;
}

/* Wait (the VM's end aside) until every vCPU is at its gate. */
bool gdb_wait_parked(struct gdb *g)
{
	struct pollfd p = { .fd = g->wake[0], .events = POLLIN };
	char buf[64];
	bool ok;

	for (;;) {
		pthread_mutex_lock(&g->lock);
		ok = gdb_all_parked_locked(g);
		pthread_mutex_unlock(&g->lock);
		if (ok)
			return true;
		if (ending(g->v))
			return false;
		if (poll(&p, 1, 1000) > 0 && read(g->wake[0], buf, sizeof(buf)) < 0)
			return false;
	}
}

/* --- the connection -------------------------------------------------------- */

static int listen_socket(const struct rsp_listen *l)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET };
	int one = 1, fd;

	fd = socket(l->unix_socket ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (l->unix_socket) {
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", l->path);
		unlink(l->path);	/* a socket left by an earlier axctl */
		if (bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0)
			goto fail;
	} else {
		/* Loopback only: the stub reads and writes all guest memory. */
		in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in.sin_port = htons(l->port);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0)
			goto fail;
	}
	if (listen(fd, 1) < 0)
		goto fail;
	return fd;
fail:
	one = errno;
	close(fd);
	errno = one;
	return -1;
}

/* Wait for a debugger; false when the VM ended first. */
static bool accept_debugger(struct gdb *g)
{
	struct pollfd p[2] = {
		{ .fd = g->listen_fd, .events = POLLIN },
		{ .fd = g->wake[0], .events = POLLIN },
	};
	char buf[64];

	while (!ending(g->v)) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return false;
		if (p[1].revents && read(g->wake[0], buf, sizeof(buf)) < 0)
			return false;
		if (!(p[0].revents & POLLIN))
			continue;
		g->fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (g->fd >= 0)
			return true;
	}
	return false;
}

static void *gdb_thread(void *arg)
{
	struct gdb *g = arg;

	while (accept_debugger(g)) {
		vmm_note(g->v, 1, "gdb: debugger connected");
		gdb_serve(g);
		close(g->fd);
		g->fd = -1;
		if (ending(g->v))
			break;
		vmm_note(g->v, 1, "gdb: debugger gone: the VM runs on");
	}
	return NULL;
}

void gdb_setup(struct vmm *v, const char *spec, bool wait, uint32_t caps)
{
	struct gdb *g = calloc(1, sizeof(*g));

	if (!g || !(g->applied = calloc(v->nr_vcpus, sizeof(*g->applied))))
		axctl_die(AXCTL_EFAIL, "out of memory");
	if (!rsp_parse_listen(spec, &g->where))
		axctl_die(AXCTL_EUSAGE, "bad --gdb '%s' (tcp:PORT or unix:PATH)", spec);
	if (!(caps & AXVM_CAP_GUEST_DEBUG))
		axctl_die(AXCTL_EFAIL, "the axvm module has no guest debugging (AXVM_CAP_GUEST_DEBUG): no --gdb");
	g->can_step = caps & AXVM_CAP_GUEST_DEBUG_STEP;
	g->v = v;
	g->fd = -1;
	g->step_vcpu = -1;
	g->stop_req = wait;	/* --gdb-wait: no guest instruction before the debugger */
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	if (pipe2(g->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		axctl_die(AXCTL_EFAIL, "pipe: %s", strerror(errno));
	g->listen_fd = listen_socket(&g->where);
	if (g->listen_fd < 0)
		axctl_die(AXCTL_EFAIL, "cannot listen on --gdb %s: %s", spec, strerror(errno));
	v->gdb = g;
	vmm_note(v, 0, "gdb: listening on %s%s", spec,
		 wait ? "; the guest waits for the debugger" : "");
}

void gdb_start(struct vmm *v)
{
	struct gdb *g = v->gdb;
	int r;

	if (!g)
		return;
	r = pthread_create(&g->thread, NULL, gdb_thread, g);
	if (r)
		axctl_die(AXCTL_EFAIL, "cannot start the gdb thread: %s", strerror(r));
	g->thread_started = true;
}

void gdb_end(struct vmm *v)
{
	struct gdb *g = v->gdb;

	if (!g)
		return;
	gdb_notify(g);
	if (g->thread_started)
		pthread_join(g->thread, NULL);
	close(g->listen_fd);
	if (g->where.unix_socket)
		unlink(g->where.path);
	close(g->wake[0]);
	close(g->wake[1]);
	free(g->applied);
	free(g);
	v->gdb = NULL;
}
