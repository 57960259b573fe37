// SPDX-License-Identifier: GPL-2.0
/*
 * axctl trace: read the BPF maps of bpf/axvm_trace.bpf.c and print them as
 * a live table (like `perf kvm stat live`) or as JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "axctl.h"
#include "trace.h"

/* Every key of a hash map with its value: arrays of key_sz + val_sz rows. */
static int read_map(int fd, size_t key_sz, size_t val_sz, size_t row_sz,
		    void **rows, size_t *nr)
{
	unsigned char key[64], next[64];
	unsigned char *buf = NULL, *n;
	size_t cap = 0, cnt = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : 64;
			n = realloc(buf, cap * row_sz);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
		}
		memset(buf + cnt * row_sz, 0, row_sz);
		memcpy(buf + cnt * row_sz, next, key_sz);
		/* Deleted meanwhile (not done by axvm_trace.bpf.c): skip it. */
		if (!bpf_map_lookup_elem(fd, next, buf + cnt * row_sz + key_sz))
			cnt++;
		memcpy(key, next, key_sz);
		prev = key;
	}
	(void)val_sz;
	*rows = buf;
	*nr = cnt;
	return 0;
}

static int exit_cmp(const void *a, const void *b)
{
	const struct trace_exit_key *x = a, *y = b;

	if (x->vm_id != y->vm_id)
		return x->vm_id < y->vm_id ? -1 : 1;
	if (x->vcpu_id != y->vcpu_id)
		return x->vcpu_id < y->vcpu_id ? -1 : 1;
	return x->reason < y->reason ? -1 : x->reason > y->reason;
}

static int hist_cmp(const void *a, const void *b)
{
	const struct trace_hist_key *x = a, *y = b;

	if (x->vm_id != y->vm_id)
		return x->vm_id < y->vm_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

_Static_assert(offsetof(struct trace_exit_row, v) == sizeof(struct trace_exit_key),
	       "exit rows: value right after the key");
_Static_assert(offsetof(struct trace_hist_row, h) == sizeof(struct trace_hist_key),
	       "hist rows: value right after the key");

int trace_snap_read(struct trace_snap *snap, const struct trace_snap *prev,
		    int exits_fd, int ktime_fd, int svc_fd, int drops_fd)
{
	size_t i, j;
	uint32_t d;
	int r;

	memset(snap, 0, sizeof(*snap));
	r = read_map(exits_fd, sizeof(struct trace_exit_key),
		     sizeof(struct trace_exit_val), sizeof(struct trace_exit_row),
		     (void **)&snap->exits, &snap->nr_exits);
	if (!r)
		r = read_map(ktime_fd, sizeof(struct trace_hist_key),
			     sizeof(struct trace_hist), sizeof(struct trace_hist_row),
			     (void **)&snap->ktime, &snap->nr_ktime);
	if (!r)
		r = read_map(svc_fd, sizeof(struct trace_hist_key),
			     sizeof(struct trace_hist), sizeof(struct trace_hist_row),
			     (void **)&snap->svc, &snap->nr_svc);
	if (r) {
		trace_snap_free(snap);
		return r;
	}
	for (d = 0; d < TRACE_NR_DROPS; d++)
		bpf_map_lookup_elem(drops_fd, &d, &snap->drops[d]);
	if (snap->nr_exits)
		qsort(snap->exits, snap->nr_exits, sizeof(*snap->exits), exit_cmp);
	if (snap->nr_ktime)
		qsort(snap->ktime, snap->nr_ktime, sizeof(*snap->ktime), hist_cmp);
	if (snap->nr_svc)
		qsort(snap->svc, snap->nr_svc, sizeof(*snap->svc), hist_cmp);
	/* Both sorted the same way: one merge pass finds the previous totals. */
	for (i = 0, j = 0; prev && i < snap->nr_exits; i++) {
		while (j < prev->nr_exits && exit_cmp(&prev->exits[j].k, &snap->exits[i].k) < 0)
			j++;
		if (j < prev->nr_exits && !exit_cmp(&prev->exits[j].k, &snap->exits[i].k))
			snap->exits[i].prev_total = prev->exits[j].v.total;
	}
	return 0;
}

void trace_snap_free(struct trace_snap *snap)
{
	free(snap->exits);
	free(snap->ktime);
	free(snap->svc);
	memset(snap, 0, sizeof(*snap));
}

uint64_t trace_hist_quantile(const struct trace_hist *h, double q)
{
	uint64_t want, seen = 0, total = 0;
	int i;

	for (i = 0; i < TRACE_HIST_SLOTS; i++)
		total += h->slots[i];
	if (!total)
		return 0;
	want = (uint64_t)(q * (double)total + 0.999999);
	if (want < 1)
		want = 1;
	for (i = 0; i < TRACE_HIST_SLOTS; i++) {
		seen += h->slots[i];
		if (seen >= want)
			break;
	}
	if (i >= TRACE_HIST_SLOTS)
		i = TRACE_HIST_SLOTS - 1;
	return (2ULL << i) - 1;
}

void trace_format_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

static const char *reason_name(uint32_t r)
{
	const char *n = vmx_reason_name(r);

	return n ? n : "?";
}

static void print_hist_rows(FILE *f, const struct trace_hist_row *rows, size_t nr,
			    bool kinds)
{
	char avg[16], p50[16], p99[16], max[16];
	size_t i;

	fprintf(f, "%-4s %-20s %10s %9s %9s %9s %9s\n", "VM",
		kinds ? "EXIT KIND" : "REASON", "COUNT", "AVG", "P50<=", "P99<=", "MAX<=");
	for (i = 0; i < nr; i++) {
		const struct trace_hist *h = &rows[i].h;

		if (!h->count)
			continue;
		trace_format_ns(h->sum_ns / h->count, avg, sizeof(avg));
		trace_format_ns(trace_hist_quantile(h, 0.5), p50, sizeof(p50));
		trace_format_ns(trace_hist_quantile(h, 0.99), p99, sizeof(p99));
		trace_format_ns(trace_hist_quantile(h, 1.0), max, sizeof(max));
		fprintf(f, "%-4u %-20s %10llu %9s %9s %9s %9s\n", rows[i].k.vm_id,
			kinds ? exit_kind_name(rows[i].k.id) : reason_name(rows[i].k.id),
			(unsigned long long)h->count, avg, p50, p99, max);
	}
}

void trace_print_table(FILE *f, const struct trace_session *s,
		       const struct trace_snap *snap, bool clear)
{
	uint64_t total = 0, drops = 0;
	char vm[64];
	size_t i;
	int d;

	if (clear)
		fputs("\033[H\033[2J", f);
	if (s->vm_name)
		snprintf(vm, sizeof(vm), "VM %s (id %u)", s->vm_name, s->vm_id);
	else
		snprintf(vm, sizeof(vm), "all VMs");
	for (i = 0; i < snap->nr_exits; i++)
		total += snap->exits[i].v.total;
	fprintf(f, "axctl trace: %s, %s programs, %.1fs, %llu exits\n\n", vm, s->attach,
		s->elapsed_ns / 1e9, (unsigned long long)total);
	fprintf(f, "%-4s %-5s %-20s %10s %9s %10s %10s\n", "VM", "VCPU", "REASON",
		"EXITS", "EXITS/s", "KERNEL", "FORWARDED");
	for (i = 0; i < snap->nr_exits; i++) {
		const struct trace_exit_row *e = &snap->exits[i];
		double rate = s->interval_s > 0 ?
			(double)(e->v.total - e->prev_total) / s->interval_s : 0;

		fprintf(f, "%-4u %-5u %-20s %10llu %9.0f %10llu %10llu\n", e->k.vm_id,
			e->k.vcpu_id, reason_name(e->k.reason),
			(unsigned long long)e->v.total, rate,
			(unsigned long long)e->v.kernel,
			(unsigned long long)(e->v.total - e->v.kernel));
	}
	fprintf(f, "\nIn-kernel handling time (axvm_exit to the vCPU's next axvm_entry):\n");
	print_hist_rows(f, snap->ktime, snap->nr_ktime, false);
	fprintf(f, "\nUserspace service latency (axvm_forward to axvm_complete):\n");
	print_hist_rows(f, snap->svc, snap->nr_svc, true);
	for (d = 0; d < TRACE_NR_DROPS; d++)
		drops += snap->drops[d];
	if (drops)
		fprintf(f, "\n%llu events lost (BPF map full)\n", (unsigned long long)drops);
	fflush(f);
}

static void json_hist(FILE *f, const char *what, const struct trace_hist_row *rows,
		      size_t nr, bool kinds)
{
	size_t i;
	int j, n;

	fprintf(f, "\"%s\": [", what);
	for (i = 0; i < nr; i++) {
		const struct trace_hist *h = &rows[i].h;

		fprintf(f, "%s\n  {\"vm\": %u, \"%s\": %u, \"name\": ", i ? "," : "",
			rows[i].k.vm_id, kinds ? "kind" : "reason", rows[i].k.id);
		json_string(f, kinds ? exit_kind_name(rows[i].k.id) : reason_name(rows[i].k.id));
		fprintf(f, ", \"count\": %llu, \"sum_ns\": %llu, \"log2_ns\": [",
			(unsigned long long)h->count, (unsigned long long)h->sum_ns);
		/* Only the non-empty slots: {"lo": 2^i, "hi": 2^(i+1) - 1}. */
		for (j = 0, n = 0; j < TRACE_HIST_SLOTS; j++) {
			if (!h->slots[j])
				continue;
			fprintf(f, "%s{\"lo\": %llu, \"hi\": %llu, \"count\": %llu}", n++ ? ", " : "",
				j ? 1ULL << j : 0ULL, (2ULL << j) - 1,
				(unsigned long long)h->slots[j]);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "%s]", nr ? "\n" : "");
}

void trace_print_json(FILE *f, const struct trace_session *s,
		      const struct trace_snap *snap)
{
	size_t i;

	fprintf(f, "{\"vm\": ");
	if (s->vm_name) {
		fprintf(f, "{\"id\": %u, \"name\": ", s->vm_id);
		json_string(f, s->vm_name);
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ", \"attach\": \"%s\", \"elapsed_ns\": %llu,\n\"exits\": [", s->attach,
		(unsigned long long)s->elapsed_ns);
	for (i = 0; i < snap->nr_exits; i++) {
		const struct trace_exit_row *e = &snap->exits[i];

		fprintf(f, "%s\n  {\"vm\": %u, \"vcpu\": %u, \"reason\": %u, \"name\": ",
			i ? "," : "", e->k.vm_id, e->k.vcpu_id, e->k.reason);
		json_string(f, reason_name(e->k.reason));
		fprintf(f, ", \"count\": %llu, \"kernel\": %llu, \"forwarded\": %llu}",
			(unsigned long long)e->v.total, (unsigned long long)e->v.kernel,
			(unsigned long long)(e->v.total - e->v.kernel));
	}
	fprintf(f, "%s],\n", snap->nr_exits ? "\n" : "");
	json_hist(f, "kernel_time", snap->ktime, snap->nr_ktime, false);
	fprintf(f, ",\n");
	json_hist(f, "service_latency", snap->svc, snap->nr_svc, true);
	fprintf(f, ",\n\"drops\": {\"exits\": %llu, \"start\": %llu, \"kernel_time\": %llu, "
		"\"service_latency\": %llu}}\n",
		(unsigned long long)snap->drops[TRACE_DROP_EXITS],
		(unsigned long long)snap->drops[TRACE_DROP_START],
		(unsigned long long)snap->drops[TRACE_DROP_KTIME],
		(unsigned long long)snap->drops[TRACE_DROP_SVC]);
	fflush(f);
}
