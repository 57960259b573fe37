/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gdb stub of `axctl start --gdb` (gdb.c: threads, gates, the
 * socket; gdb_cmd.c: the packets). See Documentation/debugging.rst.
 */
#ifndef AXCTL_GDB_H
#define AXCTL_GDB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/axvm.h>

#include "rsp.h"

struct vmm;
struct vcpu;

#define GDB_MAX_SW_BP	64

/* Hardware breakpoint kinds: DR7 R/W encodings (SDM Vol. 3B, 18.2.4). */
enum gdb_hw_type { GDB_HW_EXEC = 0, GDB_HW_WRITE = 1, GDB_HW_ACCESS = 3 };

struct gdb_sw_bp {
	bool used;
	uint8_t saved;		/* the byte under the INT3 */
	uint64_t addr;
};

struct gdb_hw_bp {
	bool used;
	uint8_t type;		/* enum gdb_hw_type */
	uint8_t len;		/* 1, 2, 4 or 8 bytes */
	uint64_t addr;
};

struct gdb {
	struct vmm *v;
	struct rsp_listen where;
	int listen_fd, fd;
	int wake[2];		/* vCPU threads -> the stub */
	pthread_t thread;
	bool thread_started;
	bool can_step;		/* AXVM_CAP_GUEST_DEBUG_STEP */
	struct axvm_guest_debug *applied;	/* per vCPU, its thread's */

	pthread_mutex_t lock;
	pthread_cond_t cond;	/* the gates wait here */
	bool stop_req;		/* vCPUs wait at their gates */
	int step_vcpu;		/* the one vCPU let through for a step, or -1 */
	unsigned int nr_active;	/* vCPU threads in their loop, not at the gate */
	bool connected;		/* a debugger is attached: breakpoints apply */
	bool running;		/* the debugger waits for a stop reply */
	bool interrupted;	/* ^C: the stop reply is SIGINT */
	bool event;		/* a Debug record is the stop's cause */
	unsigned int ev_vcpu;
	char ev_reason[48];	/* "swbreak:;", "watch:ADDR;", ... */
	struct gdb_sw_bp sw[GDB_MAX_SW_BP];
	struct gdb_hw_bp hw[4];

	/* The stub's thread only. */
	struct rsp_parser parser;
	bool noack;
	unsigned int g_vcpu, c_vcpu;	/* Hg: registers and memory; Hc: s */
	unsigned int last_vcpu;		/* of the last stop reply */
	char out[2 * RSP_MAX + 8];	/* the last packet sent (for '-') */
	size_t out_len;
};

/* DR7 bits of breakpoint i: enable L_i, R/W_i, LEN_i (18.2.4). */
static inline uint64_t gdb_dr7_bits(unsigned int i, unsigned int type, unsigned int len)
{
	unsigned int lenbits = len == 2 ? 1 : len == 8 ? 2 : len == 4 ? 3 : 0;

	return (1ULL << (2 * i)) | ((uint64_t)type << (16 + 4 * i)) |
	       ((uint64_t)(type ? lenbits : 0) << (18 + 4 * i));
}

/* gdb.c, from start.c */
void gdb_setup(struct vmm *v, const char *spec, bool wait, uint32_t caps);
void gdb_start(struct vmm *v);
void gdb_end(struct vmm *v);
/* gdb.c, from the vCPU threads */
void gdb_vcpu_enter(struct vcpu *c);
void gdb_vcpu_leave(struct vcpu *c);
bool gdb_vcpu_gate(struct vcpu *c);	/* false: the VM ends */
bool gdb_stop_requested(struct vmm *v);
bool gdb_debug_exit(struct vcpu *c, const struct axvm_exit *e);
void gdb_wake(struct vmm *v);		/* the VM ends */
/* gdb.c, for gdb_cmd.c */
void gdb_notify(struct gdb *g);
void gdb_stop_all(struct gdb *g);
void gdb_resume(struct gdb *g, int step);
bool gdb_all_parked_locked(struct gdb *g);
bool gdb_wait_parked(struct gdb *g);
/* gdb_cmd.c */
void gdb_serve(struct gdb *g);

#endif
