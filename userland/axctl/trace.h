/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl trace: snapshots of the BPF maps of bpf/axvm_trace.bpf.c and their
 * presentation (live table, JSON). trace.c owns the BPF objects and the
 * command line; trace_report.c reads the maps and prints.
 */
#ifndef AXCTL_TRACE_H
#define AXCTL_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/types.h>

#include "bpf/trace_maps.h"

struct trace_exit_row {
	struct trace_exit_key k;
	struct trace_exit_val v;
	uint64_t prev_total;	/* total at the previous snapshot */
};

struct trace_hist_row {
	struct trace_hist_key k;
	struct trace_hist h;
};

/* One read of every map; rows sorted by their keys. */
struct trace_snap {
	struct trace_exit_row *exits;
	size_t nr_exits;
	struct trace_hist_row *ktime, *svc;
	size_t nr_ktime, nr_svc;
	uint64_t drops[TRACE_NR_DROPS];
};

/* What the report says about the session. */
struct trace_session {
	uint32_t vm_id;		/* 0: every VM */
	const char *vm_name;	/* NULL: every VM */
	const char *attach;	/* "tp_btf" or "tracepoint" */
	uint64_t elapsed_ns;
	double interval_s;	/* since the previous snapshot, for rates */
};

/*
 * Read the maps (fds) into snap; prev (may be NULL) gives the rates.
 * Returns 0 or -errno.
 */
int trace_snap_read(struct trace_snap *snap, const struct trace_snap *prev,
		    int exits_fd, int ktime_fd, int svc_fd, int drops_fd);
void trace_snap_free(struct trace_snap *snap);

/* The live table; clear: start with an ANSI "clear screen". */
void trace_print_table(FILE *f, const struct trace_session *s,
		       const struct trace_snap *snap, bool clear);
/* One JSON object (see axctl.8), exits one per line. */
void trace_print_json(FILE *f, const struct trace_session *s,
		      const struct trace_snap *snap);

/* Helpers, exported for the unit tests. */
/* Upper bound (ns) of the slot holding the q-quantile (0 < q <= 1). */
uint64_t trace_hist_quantile(const struct trace_hist *h, double q);
/* "850ns", "12.3us", "4.56ms", "1.20s" */
void trace_format_ns(uint64_t ns, char *buf, size_t len);

#endif
