// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory and time stamps, shared by both runners.
 *
 * Guest RAM is anonymous memory with transparent huge pages off and every
 * page written once before the VM sees it: axvm pins the pages when the
 * region is registered while KVM faults them in on first use, so without
 * this the EPT-fault case would time host page allocation in KVM only.
 * With 4 KiB host pages both hypervisors map 4 KiB EPT leaves.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#include "bench.h"

/*
 * One buffer is kept between runs: the short mode runs the gated cases in
 * several VMs, and faulting in 16 MiB again for each costs more emulated
 * instructions than the case itself. What a run leaves in it (touched
 * pages, old results) is rewritten by bench_mem_prepare() or unused.
 */
static void *spare;

void *bench_mem_alloc(void)
{
	void *mem = spare;

	if (mem) {
		spare = NULL;
		return mem;
	}
	mem = mmap(NULL, BENCH_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	madvise(mem, BENCH_MEM_SIZE, MADV_NOHUGEPAGE);
	memset(mem, 0, BENCH_MEM_SIZE);
	return mem;
}

void bench_mem_free(void *mem)
{
	if (mem && !spare)
		spare = mem;
	else if (mem)
		munmap(mem, BENCH_MEM_SIZE);
}

static void put32(void *mem, uint32_t off, uint32_t v)
{
	memcpy((char *)mem + BENCH_RES_GPA + off, &v, sizeof(v));
}

static uint64_t get64(const void *mem, uint32_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)mem + BENCH_RES_GPA + off, sizeof(v));
	return v;
}

void bench_mem_prepare(void *mem, const struct bench_case *c,
		       const struct bench_hv_case *hv, const struct bench_opts *o)
{
	uint32_t warm_param = hv->param, param = hv->param;

	memcpy((char *)mem + BENCH_LOAD_GPA, bench_guest_start,
	       bench_guest_end - bench_guest_start);
	memset((char *)mem + BENCH_RES_GPA, 0, RES_SIZE);
	if (c->body == BODY_TOUCH) {
		/* The body adds 4096 before it stores: start one page early. */
		warm_param = hv->param - 4096;
		param = warm_param + o->warm * 4096;
	}
	put32(mem, RES_BODY, c->body);
	put32(mem, RES_ITERS, o->iters);
	put32(mem, RES_WARM, o->warm);
	put32(mem, RES_PARAM_WARM, warm_param);
	put32(mem, RES_PARAM, param);
	put32(mem, RES_REPS, o->reps);
}

static uint64_t stamp(const void *mem, uint32_t rep, uint32_t off)
{
	return get64(mem, RES_STAMPS + rep * RES_REP_SIZE + off);
}

/*
 * The figure is the smallest (measured - empty) over the repetitions:
 * in Bochs a path length repeats to the tick, and a host interrupt (the
 * scheduler tick, a console interrupt) taken while a measured loop runs
 * only ever adds to it.
 */
bool bench_mem_result(const void *mem, const struct bench_opts *o,
		      struct bench_result *r)
{
	uint32_t magic, i;

	memcpy(&magic, (const char *)mem + BENCH_RES_GPA + RES_MAGIC, sizeof(magic));
	if (magic != BENCH_DONE_MAGIC || !o->iters || !o->reps)
		return false;
	for (i = 0; i < o->reps; i++) {
		double e = (double)(stamp(mem, i, RES_E1) - stamp(mem, i, RES_E0));
		double t = (double)(stamp(mem, i, RES_T1) - stamp(mem, i, RES_T0));
		double ticks = (t - e) / o->iters;

		if (!i || ticks < r->ticks) {
			r->ticks = ticks;
			r->empty = e / o->iters;
		}
		if (!i || ticks > r->ticks_max)
			r->ticks_max = ticks;
	}
	r->unit = "guest TSC ticks";
	return true;
}

uint64_t bench_rdtsc(void)
{
	uint64_t t;

	_mm_lfence();
	t = __rdtsc();
	_mm_lfence();
	return t;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void bench_set_why(struct bench_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}
