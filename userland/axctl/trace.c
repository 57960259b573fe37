// SPDX-License-Identifier: GPL-2.0
/*
 * axctl trace [NAME] [--duration S] [-j] [--tracepoint]: load the BPF
 * programs of bpf/axvm_trace.bpf.c (CO-RE, libbpf skeleton), attach them
 * to axvm's tracepoints, show the aggregated maps every second or, with
 * -j, as one JSON object at the end (trace_report.c).
 *
 * The tp_btf/ programs come first (typed arguments, need the module's BTF);
 * if they do not load or attach, the classic tracepoint/axvm/ ones.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "axctl.h"
#include "nl.h"
#include "trace.h"
#include "axvm_trace.skel.h"

static volatile sig_atomic_t trace_stop;

static void on_trace_signal(int sig)
{
	(void)sig;
	trace_stop = 1;
}

/* libbpf's messages: shown with -v, else only the last ones on failure. */
static char bpf_log[4096];
static size_t bpf_log_len;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	va_list copy;
	size_t n;

	if (level == LIBBPF_DEBUG && axctl_verbose < 2)
		return 0;
	/* Whole (verifier logs are long), before the capture truncates. */
	if (axctl_verbose > 0) {
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n >= sizeof(bpf_log))
		return 0;
	/* Keep the tail: drop the oldest text. */
	if (bpf_log_len + n >= sizeof(bpf_log)) {
		size_t cut = bpf_log_len + n - sizeof(bpf_log) + 1;

		memmove(bpf_log, bpf_log + cut, bpf_log_len - cut);
		bpf_log_len -= cut;
	}
	memcpy(bpf_log + bpf_log_len, line, n);
	bpf_log_len += n;
	bpf_log[bpf_log_len] = 0;
	return 0;
}

/* The last line libbpf printed, for the error message. */
static const char *bpf_last_line(void)
{
	static char last[256];
	const char *p;
	size_t n;

	while (bpf_log_len && bpf_log[bpf_log_len - 1] == '\n')
		bpf_log[--bpf_log_len] = 0;
	p = strrchr(bpf_log, '\n');
	p = p ? p + 1 : bpf_log;
	n = strlen(p);
	if (n >= sizeof(last))
		n = sizeof(last) - 1;
	memcpy(last, p, n);
	last[n] = 0;
	return last;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Open, load and attach one program set. Returns the skeleton or NULL with
 * *err = -errno of the step that failed.
 */
static struct axvm_trace *trace_load(uint32_t vm_id, bool btf, int *err)
{
	struct axvm_trace *skel;
	int r;

	skel = axvm_trace__open();
	if (!skel) {
		*err = -errno;
		return NULL;
	}
	skel->rodata->target_vm = vm_id;
	bpf_program__set_autoload(skel->progs.btf_axvm_exit, btf);
	bpf_program__set_autoload(skel->progs.btf_axvm_entry, btf);
	bpf_program__set_autoload(skel->progs.btf_axvm_complete, btf);
	bpf_program__set_autoload(skel->progs.tp_axvm_exit, !btf);
	bpf_program__set_autoload(skel->progs.tp_axvm_entry, !btf);
	bpf_program__set_autoload(skel->progs.tp_axvm_complete, !btf);
	r = axvm_trace__load(skel);
	if (!r)
		r = axvm_trace__attach(skel);
	if (r) {
		*err = r < 0 ? r : -EINVAL;
		axvm_trace__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * Only EPERM means "not allowed": the verifier rejects programs with
 * EACCES (and EINVAL), which is a load failure, not missing privilege.
 */
static bool is_perm(int err)
{
	return err == -EPERM;
}

static void trace_help_and_exit(void)
{
	usage_cmd(stdout, "trace");
	exit(AXCTL_OK);
}

struct trace_opts {
	const char *name;	/* NULL: every VM */
	bool json, force_tp;
	uint64_t duration;	/* seconds; 0: until a signal */
};

static void trace_parse(int argc, char **argv, struct trace_opts *o)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "duration", required_argument, NULL, 'd' },
		{ "tracepoint", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hjd:t", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			trace_help_and_exit();
			break;
		case 'j':
			o->json = true;
			break;
		case 'd':
			if (!parse_uint(optarg, 1, 86400 * 365, &o->duration))
				axctl_usage_error("trace", "trace: bad duration '%s' (seconds, at least 1)",
						  optarg);
			break;
		case 't':
			o->force_tp = true;
			break;
		default:
			bad_option("trace", c, argv);
		}
	}
	if (optind < argc) {
		o->name = argv[optind];
		if (optind + 1 < argc)
			axctl_usage_error("trace", "trace: unexpected argument '%s'", argv[optind + 1]);
		if (!vm_name_valid(o->name))
			axctl_usage_error("trace", "trace: invalid VM name '%s' (1-%d characters of A-Z a-z 0-9 _ . -)",
					  o->name, AXVM_NAME_MAX - 1);
	}
}

/* The module first (status 4), then the VM (8): its id into s. */
static void trace_find_vm(const char *name, struct trace_session *s)
{
	struct vm_info vm;
	struct axnl nl;
	int r;

	axnl_open_or_die(&nl);
	if (name) {
		r = axnl_vm_get(&nl, name, &vm);
		if (r)
			axnl_die(&nl, r, "trace", name);
		if (!vm.has_id)
			axctl_die(AXCTL_EFAIL, "trace: the kernel sent no id for VM %s", name);
		s->vm_id = vm.id;
		s->vm_name = name;
	}
	axnl_close(&nl);
}

/* tp_btf programs, else tracepoint/axvm/ ones (status 6 or 30 if neither). */
static struct axvm_trace *trace_attach(bool force_tp, struct trace_session *s)
{
	struct axvm_trace *skel = NULL;
	int err = 0;

	libbpf_set_print(libbpf_print);
	if (!force_tp) {
		skel = trace_load(s->vm_id, true, &err);
		s->attach = "tp_btf";
		if (!skel && !is_perm(err) && axctl_verbose > 0)
			axctl_warn("trace: tp_btf programs: %s; trying tracepoint/axvm/",
				   strerror(-err));
	}
	if (!skel && !is_perm(err)) {
		skel = trace_load(s->vm_id, false, &err);
		s->attach = "tracepoint";
	}
	if (!skel) {
		if (is_perm(err))
			axctl_die(AXCTL_EPERM,
				  "trace: permission denied loading BPF programs (need root: CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)");
		axctl_die(AXCTL_EBPF, "trace: cannot load or attach the BPF programs: %s%s%s%s",
			  strerror(-err), bpf_log_len ? " (libbpf: " : "",
			  bpf_log_len ? bpf_last_line() : "", bpf_log_len ? ")" : "");
	}
	return skel;
}

static void trace_read(struct axvm_trace *skel, struct trace_snap *snap,
		       const struct trace_snap *prev)
{
	int r = trace_snap_read(snap, prev,
				bpf_map__fd(skel->maps.exits), bpf_map__fd(skel->maps.ktime),
				bpf_map__fd(skel->maps.svc), bpf_map__fd(skel->maps.drops));

	if (r)
		axctl_die(AXCTL_EFAIL, "trace: reading the BPF maps: %s", strerror(-r));
}

/* A table every second (not with --json) until the duration or a signal; then the report. */
static void trace_run(struct axvm_trace *skel, const struct trace_opts *o,
		      struct trace_session *s)
{
	struct trace_snap snap = { 0 }, prev = { 0 };
	bool tty = isatty(STDOUT_FILENO);
	uint64_t start, last, t;

	start = last = now_ns();
	while (!trace_stop) {
		struct timespec one = { 1, 0 };

		if (o->duration && now_ns() - start >= o->duration * 1000000000ULL)
			break;
		nanosleep(&one, NULL);
		if (o->json)
			continue;
		t = now_ns();
		trace_read(skel, &snap, &prev);
		s->elapsed_ns = t - start;
		s->interval_s = (t - last) / 1e9;
		last = t;
		trace_print_table(stdout, s, &snap, tty);
		trace_snap_free(&prev);
		prev = snap;
		memset(&snap, 0, sizeof(snap));
	}
	/* The final report: after the stop, every event so far is in the maps. */
	trace_read(skel, &snap, &prev);
	s->elapsed_ns = now_ns() - start;
	s->interval_s = (now_ns() - last) / 1e9;
	if (o->json)
		trace_print_json(stdout, s, &snap);
	else
		trace_print_table(stdout, s, &snap, tty);
	trace_snap_free(&snap);
	trace_snap_free(&prev);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_session s = { 0 };
	struct trace_opts o = { 0 };
	struct axvm_trace *skel;
	struct sigaction sa;

	trace_parse(argc, argv, &o);
	trace_find_vm(o.name, &s);
	skel = trace_attach(o.force_tp, &s);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_trace_signal;	/* no SA_RESTART: the sleep ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The test suite waits for this line: the programs are attached now. */
	fprintf(stderr, "%s: tracing %s%s with %s programs (%s)\n", axctl_prog,
		o.name ? "VM " : "all VMs", o.name ? o.name : "", s.attach,
		o.duration ? "until the duration ends or Ctrl-C" : "Ctrl-C to stop");
	trace_run(skel, &o, &s);
	axvm_trace__destroy(skel);
	return AXCTL_OK;
}
