/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvm tracepoints (TRACE_SYSTEM axvm), fired from the one exit choke
 * point and the entry/injection paths. Zero cost while disabled (static
 * keys). Attach with perf, bpftrace (tracepoint:axvm:axvm_exit) or libbpf
 * (tp_btf/axvm_exit with the module's BTF).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM axvm

#if !defined(AXVM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define AXVM_TRACE_H

#include <linux/tracepoint.h>
#include <linux/axvm.h>
#include <linux/axvm_names.h>

/*
 * The symbol lists of the names in linux/axvm_names.h (one table for the
 * module, axctl and the selftests). The kinds are enum constants: each is
 * also defined for the trace format that tools parse. The last entry only
 * ends the list (the expansions leave a trailing comma); no field holds it.
 */
#define AXVM_TRACE_REASON_SYM(n, name)		{ n, name },
#define AXVM_TRACE_KIND_SYM(k, name, rec)	{ k, rec },
#define AXVM_TRACE_KIND_ENUM(k, name, rec)	TRACE_DEFINE_ENUM(k);
AXVM_EXIT_KIND_NAMES(AXVM_TRACE_KIND_ENUM)
#define AXVM_EXIT_REASON_NAMES	\
	AXVM_VMX_REASON_NAMES(AXVM_TRACE_REASON_SYM) { ~0ul, "?" }
#define AXVM_EXIT_KIND_NAMES_SYMS	\
	AXVM_EXIT_KIND_NAMES(AXVM_TRACE_KIND_SYM) { ~0ul, "?" }

TRACE_EVENT(axvm_exit,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u32 reason, u32 kind, u64 qual,
		 u64 rip, bool in_kernel),
	TP_ARGS(vm_id, vcpu_id, reason, kind, qual, rip, in_kernel),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u32, reason)
		__field(u32, kind)
		__field(u64, qual)
		__field(u64, rip)
		__field(bool, in_kernel)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->reason = reason;
		__entry->kind = kind;
		__entry->qual = qual;
		__entry->rip = rip;
		__entry->in_kernel = in_kernel;
	),
	TP_printk("vm %u vcpu %u reason %s kind %s qual 0x%llx rip 0x%llx %s",
		  __entry->vm_id, __entry->vcpu_id,
		  __print_symbolic(__entry->reason, AXVM_EXIT_REASON_NAMES),
		  __print_symbolic(__entry->kind, AXVM_EXIT_KIND_NAMES_SYMS),
		  __entry->qual, __entry->rip,
		  __entry->in_kernel ? "kernel" : "forwarded")
);

TRACE_EVENT(axvm_entry,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u64 rip),
	TP_ARGS(vm_id, vcpu_id, rip),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u64, rip)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->rip = rip;
	),
	TP_printk("vm %u vcpu %u rip 0x%llx", __entry->vm_id,
		  __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(axvm_inject,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u32 vector, u32 type),
	TP_ARGS(vm_id, vcpu_id, vector, type),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u32, vector)
		__field(u32, type)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->vector = vector;
		__entry->type = type;
	),
	TP_printk("vm %u vcpu %u vector %u type %u", __entry->vm_id,
		  __entry->vcpu_id, __entry->vector, __entry->type)
);

/* A record that needs userspace left the kernel: ring slot or run page. */
TRACE_EVENT(axvm_forward,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u32 kind, bool posted, bool ring,
		 u32 seq),
	TP_ARGS(vm_id, vcpu_id, kind, posted, ring, seq),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u32, kind)
		__field(u32, seq)
		__field(bool, posted)
		__field(bool, ring)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->kind = kind;
		__entry->seq = seq;
		__entry->posted = posted;
		__entry->ring = ring;
	),
	TP_printk("vm %u vcpu %u kind %s %s%s seq %u", __entry->vm_id,
		  __entry->vcpu_id,
		  __print_symbolic(__entry->kind, AXVM_EXIT_KIND_NAMES_SYMS),
		  __entry->ring ? "ring" : "run-page",
		  __entry->posted ? " posted" : "", __entry->seq)
);

/* Userspace answered a forwarded record; @latency_ns since forwarding. */
TRACE_EVENT(axvm_complete,
	TP_PROTO(u32 vm_id, u32 vcpu_id, u32 kind, u32 resp, u64 latency_ns),
	TP_ARGS(vm_id, vcpu_id, kind, resp, latency_ns),
	TP_STRUCT__entry(
		__field(u32, vm_id)
		__field(u32, vcpu_id)
		__field(u32, kind)
		__field(u32, resp)
		__field(u64, latency_ns)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->kind = kind;
		__entry->resp = resp;
		__entry->latency_ns = latency_ns;
	),
	TP_printk("vm %u vcpu %u kind %s resp %u latency %llu ns",
		  __entry->vm_id, __entry->vcpu_id,
		  __print_symbolic(__entry->kind, AXVM_EXIT_KIND_NAMES_SYMS),
		  __entry->resp, __entry->latency_ns)
);

#endif /* AXVM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE axvm_trace
#include <trace/define_trace.h>
