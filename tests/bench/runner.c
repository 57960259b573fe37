// SPDX-License-Identifier: GPL-2.0
/*
 * What both runners (bench_axvm.c, bench_kvm.c) share: the guest's first
 * state and the host-timed cases.
 *
 * The guest's first state (bench_abi.h): 32-bit
 * protected mode, flat, no paging; CS 0x08, data 0x10, TR 0x20 (a busy
 * TSS at 0: VM entry wants one), no LDT, no GDT or IDT (the guest loads
 * no segment and takes no exception); entry at BENCH_LOAD_GPA with the
 * stack at BENCH_STACK_TOP. bench_axvm.c hands it to AXVM_SET_SREGS,
 * bench_kvm.c copies it into KVM's structures.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "x86_boot.h"

void bench_guest_sregs(struct axvm_sregs *sr)
{
	x86_sregs_flat(sr, 0x08, false, 0x10, 0x20, 0);
	memset(sr->reserved, 0, sizeof(sr->reserved));
}

void bench_guest_regs(struct axvm_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rip = BENCH_LOAD_GPA;
	r->rsp = BENCH_STACK_TOP;
	r->rflags = X86_RFLAGS_FIXED;
}

/*
 * Host-timed cases: create and destroy a VM (or create a vCPU in it)
 * host_iters times; iteration 0 warms up and is not counted. The VM case
 * times create + close, the vCPU case only the vCPU's create.
 */
static int host_case(const struct bench_host_ops *ops, bool vcpu, const struct bench_opts *o,
		     struct bench_result *r)
{
	uint64_t t = 0, ns = 0, t0, n0, t1, n1;
	uint32_t i, n = o->host_iters + 1;
	int dev = open(ops->dev, O_RDWR | O_CLOEXEC);
	int vm, fd;

	if (dev < 0) {
		bench_set_why(r, "%s: %s", ops->dev, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		n0 = bench_now_ns();
		t0 = bench_rdtsc();
		vm = ops->create_vm(dev);
		if (vm < 0) {
			bench_set_why(r, "%s: %s", ops->vm_call, strerror(errno));
			close(dev);
			return -1;
		}
		if (vcpu) {
			n0 = bench_now_ns();
			t0 = bench_rdtsc();
			fd = ops->create_vcpu(vm);
			t1 = bench_rdtsc();
			n1 = bench_now_ns();
			if (fd < 0) {
				bench_set_why(r, "%s: %s", ops->vcpu_call, strerror(errno));
				close(vm);
				close(dev);
				return -1;
			}
			close(fd);
			close(vm);
		} else {
			close(vm);
			t1 = bench_rdtsc();
			n1 = bench_now_ns();
		}
		if (i) {
			t += t1 - t0;
			ns += n1 - n0;
		}
	}
	close(dev);
	r->ticks = (double)t / o->host_iters;
	r->ns = (double)ns / o->host_iters;
	r->unit = "host TSC ticks";
	return 0;
}

bool bench_case_done(const struct bench_hv_case *hv, const struct bench_host_ops *ops,
		     const struct bench_opts *o, struct bench_result *r, int *ret)
{
	memset(r, 0, sizeof(*r));
	if (hv->absent) {
		r->skipped = true;
		bench_set_why(r, "%s", hv->absent);
		*ret = 0;
		return true;
	}
	if (hv->flags & (HV_HOST_VM | HV_HOST_VCPU)) {
		*ret = host_case(ops, hv->flags & HV_HOST_VCPU, o, r);
		return true;
	}
	return false;
}
