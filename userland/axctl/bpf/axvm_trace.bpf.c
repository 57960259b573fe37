// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF side of `axctl trace`: aggregates axvm's tracepoints in maps.
 *
 * Two program sets with the same logic: tp_btf/ (typed arguments, needs
 * the module's BTF in /sys/kernel/btf/axvm) and, as a fallback when those
 * do not load, classic tracepoint/axvm/ programs reading the tracepoint
 * record, whose layout is spelled out below (fixed by TP_STRUCT__entry in
 * module/axvm_trace.h, no BTF needed). The user side loads one set.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace_maps.h"

char LICENSE[] SEC("license") = "GPL";

/* 0: every VM; else only this VM id (VM ids start at 1). */
const volatile __u32 target_vm = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_ENTRIES);
	__type(key, struct trace_exit_key);
	__type(value, struct trace_exit_val);
} exits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_ENTRIES);
	__type(key, struct trace_vcpu_key);
	__type(value, struct trace_vcpu_start);
} vcpu_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_ENTRIES);
	__type(key, struct trace_hist_key);
	__type(value, struct trace_hist);
} ktime SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_MAX_ENTRIES);
	__type(key, struct trace_hist_key);
	__type(value, struct trace_hist);
} svc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TRACE_NR_DROPS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Initial values for bpf_map_update_elem(): too big for the stack. */
static const struct trace_hist zero_hist;
static const struct trace_exit_val zero_exit;

static __always_inline void drop(__u32 which)
{
	__u64 *d = bpf_map_lookup_elem(&drops, &which);

	if (d)
		__sync_fetch_and_add(d, 1);
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	return r;
}

_Static_assert((TRACE_HIST_SLOTS & (TRACE_HIST_SLOTS - 1)) == 0 && TRACE_HIST_SLOTS >= 64,
	       "the slot mask must keep every log2 of a u64");

static __always_inline void hist_add(void *map, __u32 vm_id, __u32 id,
				     __u64 ns, __u32 drop_idx)
{
	struct trace_hist_key k = { .vm_id = vm_id, .id = id };
	struct trace_hist *h;
	__u64 slot;

	h = bpf_map_lookup_elem(map, &k);
	if (!h) {
		/* BPF_NOEXIST: another CPU may have created it meanwhile. */
		bpf_map_update_elem(map, &k, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(map, &k);
		if (!h) {
			drop(drop_idx);
			return;
		}
	}
	/*
	 * The verifier must see the index bounded on the very register used
	 * for the access. clang knows log2_slot() < 64 and would drop a plain
	 * mask; 6.1's verifier does not follow the variable shifts there.
	 * barrier_var() hides the value from clang, so the AND stays.
	 */
	slot = log2_slot(ns);
	barrier_var(slot);
	slot &= TRACE_HIST_SLOTS - 1;
	__sync_fetch_and_add(&h->slots[slot], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum_ns, ns);
}

static __always_inline void on_exit(__u32 vm_id, __u32 vcpu_id, __u32 reason,
				    bool in_kernel)
{
	struct trace_exit_key k = { .vm_id = vm_id, .vcpu_id = vcpu_id,
				    .reason = reason & 0xffff };
	struct trace_vcpu_key vk = { .vm_id = vm_id, .vcpu_id = vcpu_id };
	struct trace_vcpu_start st = { .reason = reason & 0xffff,
				       .in_kernel = in_kernel };
	struct trace_exit_val *v;

	if (target_vm && vm_id != target_vm)
		return;
	v = bpf_map_lookup_elem(&exits, &k);
	if (!v) {
		bpf_map_update_elem(&exits, &k, &zero_exit, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&exits, &k);
	}
	if (v) {
		__sync_fetch_and_add(&v->total, 1);
		if (in_kernel)
			__sync_fetch_and_add(&v->kernel, 1);
	} else {
		drop(TRACE_DROP_EXITS);
	}
	st.ts = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&vcpu_start, &vk, &st, BPF_ANY))
		drop(TRACE_DROP_START);
}

static __always_inline void on_entry(__u32 vm_id, __u32 vcpu_id)
{
	struct trace_vcpu_key vk = { .vm_id = vm_id, .vcpu_id = vcpu_id };
	struct trace_vcpu_start *st;
	__u64 now;

	if (target_vm && vm_id != target_vm)
		return;
	st = bpf_map_lookup_elem(&vcpu_start, &vk);
	if (!st)
		return;		/* attached after the exit: nothing to time */
	now = bpf_ktime_get_ns();
	/* Forwarded exits are timed by axvm_complete instead. */
	if (st->in_kernel && now >= st->ts)
		hist_add(&ktime, vm_id, st->reason, now - st->ts, TRACE_DROP_KTIME);
	bpf_map_delete_elem(&vcpu_start, &vk);
}

static __always_inline void on_complete(__u32 vm_id, __u32 kind, __u64 ns)
{
	if (target_vm && vm_id != target_vm)
		return;
	hist_add(&svc, vm_id, kind, ns, TRACE_DROP_SVC);
}

/* --- tp_btf: typed arguments (TP_PROTO of module/axvm_trace.h) ---------- */

SEC("tp_btf/axvm_exit")
int BPF_PROG(btf_axvm_exit, u32 vm_id, u32 vcpu_id, u32 reason, u32 kind,
	     u64 qual, u64 rip, bool in_kernel)
{
	on_exit(vm_id, vcpu_id, reason, in_kernel);
	return 0;
}

SEC("tp_btf/axvm_entry")
int BPF_PROG(btf_axvm_entry, u32 vm_id, u32 vcpu_id, u64 rip)
{
	on_entry(vm_id, vcpu_id);
	return 0;
}

SEC("tp_btf/axvm_complete")
int BPF_PROG(btf_axvm_complete, u32 vm_id, u32 vcpu_id, u32 kind, u32 resp,
	     u64 latency_ns)
{
	on_complete(vm_id, kind, latency_ns);
	return 0;
}

/* --- tracepoint: the records of TP_STRUCT__entry, after trace_entry ----- */

struct tp_header {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct tp_axvm_exit {
	struct tp_header h;
	__u32 vm_id;
	__u32 vcpu_id;
	__u32 reason;
	__u32 kind;
	__u64 qual;
	__u64 rip;
	bool in_kernel;
};

struct tp_axvm_entry {
	struct tp_header h;
	__u32 vm_id;
	__u32 vcpu_id;
	__u64 rip;
};

struct tp_axvm_complete {
	struct tp_header h;
	__u32 vm_id;
	__u32 vcpu_id;
	__u32 kind;
	__u32 resp;
	__u64 latency_ns;
};

SEC("tracepoint/axvm/axvm_exit")
int tp_axvm_exit(struct tp_axvm_exit *ctx)
{
	on_exit(ctx->vm_id, ctx->vcpu_id, ctx->reason, ctx->in_kernel);
	return 0;
}

SEC("tracepoint/axvm/axvm_entry")
int tp_axvm_entry(struct tp_axvm_entry *ctx)
{
	on_entry(ctx->vm_id, ctx->vcpu_id);
	return 0;
}

SEC("tracepoint/axvm/axvm_complete")
int tp_axvm_complete(struct tp_axvm_complete *ctx)
{
	on_complete(ctx->vm_id, ctx->kind, ctx->latency_ns);
	return 0;
}
