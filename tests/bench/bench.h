/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvm_bench: the exit-cost benchmark's host side. One guest image
 * (guest.S), one table of cases (cases.c), two runners that put the guest
 * into a VM and answer its exits the same way: axvm (bench_axvm.c, through
 * /dev/axvm) and KVM (bench_kvm.c, through /dev/kvm).
 */
#ifndef AXVM_BENCH_H
#define AXVM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/axvm.h>

#include "bench_abi.h"

/* Guest RAM: slot 0 at GPA 0. TOUCH pages start at BENCH_TOUCH_GPA. */
#define BENCH_MEM_SIZE		(16ULL << 20)
#define BENCH_TOUCH_GPA		(4ULL << 20)
#define BENCH_MMIO_READ_GPA	0xd0000000ULL	/* no memory: MMIO to userspace */
#define BENCH_MMIO_POST_GPA	0xd0001000ULL	/* posted / coalesced MMIO */
#define BENCH_PORT_USER_READ	0xe0
#define BENCH_PORT_USER_WRITE	0xe4
#define BENCH_PORT_POSTED	0xe8
#define BENCH_READ_VALUE	0x5a	/* what userspace answers to reads */

/* How a hypervisor serves a case (struct bench_hv_case.flags). */
#define HV_RING_SYNC		(1U << 0)	/* axvm: AXVM_RING_SYNC */
#define HV_RING_ASYNC		(1U << 1)	/* axvm: AXVM_RING_ASYNC + server thread */
#define HV_POSTED_PIO		(1U << 2)	/* axvm: AXVM_SET_POSTED PIO / KVM: coalesced PIO */
#define HV_POSTED_MMIO		(1U << 3)	/* axvm: AXVM_SET_POSTED MMIO / KVM: coalesced MMIO */
#define HV_KVM_PIT		(1U << 4)	/* KVM: in-kernel irqchip + PIT */
#define HV_KVM_HC_EXIT		(1U << 5)	/* KVM: KVM_CAP_EXIT_HYPERCALL */
#define HV_HOST_VM		(1U << 6)	/* host-timed: VM create + destroy */
#define HV_HOST_VCPU		(1U << 7)	/* host-timed: vCPU create */
#define HV_RING_NOSPIN		(1U << 8)	/* axvm: ring_poll_ns = 0 for this case */

/* Where the exit is answered: what the sanity check expects. */
enum bench_where { W_KERNEL, W_USER, W_POSTED, W_HOST };

struct bench_hv_case {
	const char *absent;	/* non-NULL: no such path here, and why */
	const char *note;	/* how this hypervisor does it, if not obvious */
	uint32_t param;		/* EDI (port, address, MSR, hypercall nr) */
	uint32_t flags;		/* HV_* */
};

struct bench_case {
	const char *id;
	const char *title;
	uint32_t body;		/* BODY_* */
	enum bench_where where;
	struct bench_hv_case axvm, kvm;
};

extern const struct bench_case bench_cases[];
extern const size_t bench_nr_cases;

struct bench_opts {
	uint32_t iters;		/* measured iterations (guest loops, host loops) */
	uint32_t warm;		/* warm-up iterations */
	uint32_t host_iters;	/* host-timed cases: VM/vCPU creations */
	uint32_t reps;		/* guest cases: repetitions of empty + measured loop */
	bool verbose;
};

/* What one run of one case gives. */
struct bench_result {
	bool skipped;
	char why[200];		/* skipped: the reason; else a note (may be empty) */
	double ticks;		/* per iteration, empty loop subtracted (min over reps) */
	double ticks_max;	/* the largest of the repetitions */
	double empty;		/* empty-loop ticks per iteration */
	double ns;		/* host-timed cases: nanoseconds per iteration */
	uint64_t user_exits;	/* returns of KVM_RUN / AXVM_RUN */
	uint64_t records;	/* ring or coalesced records consumed */
	const char *unit;
};

/* Guest RAM and the image in it. */
extern const unsigned char bench_guest_start[], bench_guest_end[];
void *bench_mem_alloc(void);
void bench_mem_free(void *mem);
void bench_mem_prepare(void *mem, const struct bench_case *c,
		       const struct bench_hv_case *hv, const struct bench_opts *o);
/* From the time stamps in guest memory; false if the guest did not finish. */
bool bench_mem_result(const void *mem, const struct bench_opts *o,
		      struct bench_result *r);
uint64_t bench_rdtsc(void);
uint64_t bench_now_ns(void);

/* Runners: 0 and *r filled (maybe skipped), or -1 with r->why set. */
/* runner.c: what both runners share. The guest's first registers: */
void bench_guest_sregs(struct axvm_sregs *sr);
void bench_guest_regs(struct axvm_regs *r);

/* How a runner makes a VM and a vCPU, for the host-timed cases. */
struct bench_host_ops {
	const char *dev;			/* "/dev/axvm" */
	int (*create_vm)(int dev);		/* an fd, or -1 with errno */
	int (*create_vcpu)(int vm);
	const char *vm_call, *vcpu_call;	/* "AXVM_CREATE_VM", for messages */
};

/*
 * The start of every case of a runner: r cleared; a case this hypervisor
 * lacks (hv->absent) is skipped, a host-timed one (HV_HOST_VM/VCPU) runs
 * here. True when the case is done: *ret is the runner's return value.
 */
bool bench_case_done(const struct bench_hv_case *hv, const struct bench_host_ops *ops,
		     const struct bench_opts *o, struct bench_result *r, int *ret);

const char *bench_axvm_unavailable(void);
int bench_axvm_run(const struct bench_case *c, const struct bench_opts *o,
		   struct bench_result *r);
const char *bench_kvm_unavailable(void);
void bench_kvm_done(void);
int bench_kvm_run(const struct bench_case *c, const struct bench_opts *o,
		  struct bench_result *r);

/*
 * baseline.c: the short mode's regression gate. A case fails when it
 * grew by more than BENCH_GATE_PCT over the committed baseline (the
 * threshold comes from the measured noise: Documentation/bench.rst).
 */
#define BENCH_GATE_PCT		5
#define BENCH_GATE_VMS		5	/* gated cases run in this many VMs */

/* The machine a baseline belongs to. */
struct bench_config {
	char kernel[65];	/* uname -r */
	long cpus;		/* online CPUs */
	char mitigations[64];	/* mitigations= of /proc/cmdline, or "default" */
	char cpu_model[128];	/* /proc/cpuinfo "model name" */
	uint32_t iters, warm, reps;
};

struct bench_gate {
	bool active;		/* the baseline applies: compare */
	char skip[1024];		/* !active and no error: why not */
	char error[1024];	/* the baseline could not be used: every check fails */
	char path[4096];
	char *text;
	struct bench_config here, base;
};

void bench_config_here(struct bench_config *c, const struct bench_opts *o);
void bench_gate_init(struct bench_gate *g, const struct bench_opts *o);
void bench_gate_free(struct bench_gate *g);
/* 0: within the limit, 1: failed, -1: skipped; msg says which and why. */
int bench_gate_check(const struct bench_gate *g, const char *id, double ticks,
		     char *msg, size_t len);
int bench_baseline_write(const char *path, const struct bench_config *c,
			 const char *const *ids, const double *ticks, size_t n);

void bench_set_why(struct bench_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
