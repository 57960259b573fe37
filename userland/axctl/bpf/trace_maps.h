/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the BPF side of `axctl trace` (axvm_trace.bpf.c) and its user side
 * (trace.c) agree on: map keys and values. Included by both, so only
 * __u32/__u64 types (vmlinux.h in BPF, linux/types.h in userspace).
 */
#ifndef AXCTL_TRACE_MAPS_H
#define AXCTL_TRACE_MAPS_H

/*
 * log2 buckets of nanoseconds: slot i counts [2^i, 2^(i+1)) ns, slot 0
 * [0, 2). 64 covers every u64 and lets the BPF side bound the index with
 * a mask, which every verifier version follows.
 */
#define TRACE_HIST_SLOTS	64
/* Entries per hash map; a full map counts drops instead of failing. */
#define TRACE_MAX_ENTRIES	8192

/* exits: one counter pair per (VM, vCPU, basic exit reason) */
struct trace_exit_key {
	__u32 vm_id;
	__u32 vcpu_id;
	__u32 reason;
	__u32 pad;
};

struct trace_exit_val {
	__u64 total;
	__u64 kernel;		/* in_kernel: served without userspace */
};

/* vcpu_start: the last axvm_exit of a vCPU, waiting for its next entry */
struct trace_vcpu_key {
	__u32 vm_id;
	__u32 vcpu_id;
};

struct trace_vcpu_start {
	__u64 ts;
	__u32 reason;
	__u32 in_kernel;
};

/*
 * ktime: in-kernel handling time (axvm_exit to the vCPU's next axvm_entry)
 * per (VM, reason) of exits served in the kernel; svc: userspace service
 * latency (axvm_complete's latency_ns) per (VM, exit kind).
 */
struct trace_hist_key {
	__u32 vm_id;
	__u32 id;		/* reason (ktime) or exit kind (svc) */
};

struct trace_hist {
	__u64 slots[TRACE_HIST_SLOTS];
	__u64 count;
	__u64 sum_ns;
};

/* Indexes of the drops array: events lost to a full map. */
enum trace_drop {
	TRACE_DROP_EXITS,
	TRACE_DROP_START,
	TRACE_DROP_KTIME,
	TRACE_DROP_SVC,
	TRACE_NR_DROPS,
};

#endif
