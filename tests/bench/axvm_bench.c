// SPDX-License-Identifier: GPL-2.0
/*
 * axvm_bench: exit costs of axvm and of KVM (kvm_intel), case by case.
 *
 *   axvm_bench [--hv axvm|kvm|both] [--iters N] [--warm N] [--reps N]
 *              [--host-iters N] [--case ID]... [--check] [--list]
 *              [--write-baseline FILE]
 *
 * Prints one line per case and hypervisor: "BENCH {json}" (tests/bench/
 * report.py turns the lines of both halves into the table, JSON and chart).
 * --check (also when run as bench_test, the selftest runner's name for it)
 * runs every case briefly (40 iterations, the smallest of 3 repetitions;
 * the gated cases below in BENCH_GATE_VMS VMs, the smallest of all)
 * and prints TAP: each case ran, its figure is positive and below 1e6
 * (host-timed cases: below one second), its exits were served where the
 * case says (in the kernel: few returns to userspace; userspace: one per
 * iteration; posted: far fewer returns than writes), and every in-kernel
 * axvm case is within BENCH_GATE_PCT of the committed baseline
 * (baseline.c). --write-baseline FILE runs those cases the same way and
 * writes FILE instead ("-": stdout). Exit status 0, 1 on a failed check,
 * 4 (KSFT_SKIP) when neither hypervisor is there.
 *
 * "both" runs axvm first, then KVM: they take turns owning VMX, and no
 * axvm VM is left when KVM starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "bench.h"

static const char *where_name(enum bench_where w)
{
	switch (w) {
	case W_KERNEL: return "kernel";
	case W_USER: return "user";
	case W_POSTED: return "posted";
	case W_HOST: return "host";
	}
	return "?";
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	putchar('"');
}

static void print_result(const char *hv, const struct bench_case *c,
			 const struct bench_opts *o, int ret, const struct bench_result *r)
{
	printf("BENCH {\"hv\":\"%s\",\"case\":\"%s\",\"title\":", hv, c->id);
	json_str(c->title);
	printf(",\"where\":\"%s\",\"status\":\"%s\",\"why\":", where_name(c->where),
	       ret ? "error" : r->skipped ? "skipped" : "ok");
	json_str(r->why);
	printf(",\"ticks\":%.1f,\"empty\":%.1f,\"ns\":%.0f,\"user_exits\":%llu,"
	       "\"records\":%llu,\"iters\":%u,\"warm\":%u,\"reps\":%u,"
	       "\"ticks_max\":%.1f,\"unit\":",
	       r->ticks, r->empty, r->ns, (unsigned long long)r->user_exits,
	       (unsigned long long)r->records,
	       c->where == W_HOST ? o->host_iters : o->iters, o->warm,
	       c->where == W_HOST ? 1 : o->reps, c->where == W_HOST ? r->ticks : r->ticks_max);
	json_str(r->unit ? r->unit : "");
	printf("}\n");
	fflush(stdout);
}

/* --check: is this result sane? NULL if so, else what is wrong. */
static const char *sanity(const struct bench_case *c, const struct bench_opts *o,
			  const struct bench_result *r)
{
	static char why[200];
	uint64_t loops = (uint64_t)o->iters * o->reps + o->warm;

	/*
	 * An exit costs thousands of ticks at most; creating a VM includes
	 * taking VMX and, for KVM, waiting for RCU/SRCU grace periods:
	 * tens of millions of ticks in Bochs, so only a second bounds it.
	 */
	if (c->where == W_HOST) {
		if (!(r->ticks > 0 && r->ns > 0 && r->ns < 1e9)) {
			snprintf(why, sizeof(why), "%.0f ticks, %.0f ns is not in (0, 1 s)",
				 r->ticks, r->ns);
			return why;
		}
	} else if (!(r->ticks > 0 && r->ticks < 1e6)) {
		snprintf(why, sizeof(why), "%.1f ticks is not in (0, 1e6)", r->ticks);
		return why;
	}
	switch (c->where) {
	case W_KERNEL:
		if (r->user_exits + r->records >= loops / 2) {
			snprintf(why, sizeof(why), "in-kernel case, but %llu returns to userspace for %llu exits",
				 (unsigned long long)(r->user_exits + r->records),
				 (unsigned long long)loops);
			return why;
		}
		break;
	case W_USER:
		if (r->user_exits + r->records < loops) {
			snprintf(why, sizeof(why), "userspace case, but only %llu exits seen for %llu loops",
				 (unsigned long long)(r->user_exits + r->records),
				 (unsigned long long)loops);
			return why;
		}
		break;
	case W_POSTED:
		if (r->user_exits + r->records < loops || r->user_exits >= loops / 2) {
			snprintf(why, sizeof(why), "posted case: %llu returns, %llu records for %llu writes",
				 (unsigned long long)r->user_exits,
				 (unsigned long long)r->records, (unsigned long long)loops);
			return why;
		}
		break;
	case W_HOST:
		break;
	}
	return NULL;
}

struct half {
	const char *name;
	const char *(*unavailable)(void);
	int (*run)(const struct bench_case *, const struct bench_opts *, struct bench_result *);
};

static const struct half halves[] = {
	{ "axvm", bench_axvm_unavailable, bench_axvm_run },
	{ "kvm", bench_kvm_unavailable, bench_kvm_run },
};

static bool selected(const struct bench_case *c, char **only, int nr_only)
{
	int i;

	if (!nr_only)
		return true;
	for (i = 0; i < nr_only; i++)
		if (!strcmp(only[i], c->id))
			return true;
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: axvm_bench [--hv axvm|kvm|both] [--iters N] [--warm N] [--reps N] "
		"[--host-iters N] [--case ID]... [--check] [--list] [--write-baseline FILE]\n");
	exit(2);
}

/* What main() collects over a run. */
struct run_state {
	bool check;
	const char *baseline_out;	/* --write-baseline FILE */
	struct bench_gate gate;
	int t, failed;
	const char *ids[64];		/* --write-baseline: in-kernel axvm cases */
	double ticks[64];
	size_t nr;
};

/* Short mode: the TAP lines of one case (its checks, then the gate). */
static void check_case(struct run_state *s, const char *hv, const struct bench_case *c,
		       const struct bench_opts *o, int ret, const struct bench_result *r)
{
	bool gated = !strcmp(hv, "axvm") && c->where == W_KERNEL;
	const char *bad = NULL;
	char msg[1200];

	s->t++;
	if (ret) {
		printf("not ok %d - %s %s: %s\n", s->t, hv, c->id, r->why);
	} else if (r->skipped) {
		printf("ok %d - %s %s # SKIP %s\n", s->t, hv, c->id, r->why);
		return;
	} else if ((bad = sanity(c, o, r))) {
		printf("not ok %d - %s %s: %s\n", s->t, hv, c->id, bad);
	} else {
		printf("ok %d - %s %s: %.0f %s per iteration (all runs: %.0f-%.0f)\n", s->t,
		       hv, c->id, r->ticks, r->unit, r->ticks,
		       c->where == W_HOST ? r->ticks : r->ticks_max);
	}
	if (ret || bad) {
		s->failed++;
		return;
	}
	if (!gated)
		return;
	if (s->baseline_out) {
		if (s->nr < 64) {
			s->ids[s->nr] = c->id;
			s->ticks[s->nr++] = r->ticks;
		}
		return;
	}
	s->t++;
	switch (bench_gate_check(&s->gate, c->id, r->ticks, msg, sizeof(msg))) {
	case 0:
		printf("ok %d - %s %s vs baseline: %s\n", s->t, hv, c->id, msg);
		break;
	case 1:
		printf("not ok %d - %s %s vs baseline: %s\n", s->t, hv, c->id, msg);
		s->failed++;
		break;
	default:
		printf("ok %d - %s %s vs baseline # SKIP %s\n", s->t, hv, c->id, msg);
	}
}

/*
 * Let the console go quiet before a case runs. In the test machine stdout
 * is a pipe to the selftest runner's shell loop, which writes every line
 * to the serial console: the shell's work and the UART's transmit
 * interrupts (about 1.4 M ticks for one BENCH line at 115200 baud) would
 * otherwise land in the next case's measured loops (measured: +15 to +85
 * ticks per CPUID). A short sleep lets the reader take the lines; tcdrain()
 * then waits until the UART has sent them. Both wait idle, and Bochs
 * fast-forwards an idle CPU. Best effort: without /dev/console it only
 * sleeps.
 */
static void settle(void)
{
	int fd;

	fflush(stdout);
	usleep(2000);
	fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		tcdrain(fd);
		close(fd);
	}
}

/*
 * One case; a gated one (in-kernel, axvm, short mode) in BENCH_GATE_VMS
 * fresh VMs, keeping the smallest figure: a VM can run every exit of its
 * life a few ticks longer than the next one (Documentation/bench.rst).
 */
static int run_case(const struct run_state *s, const struct half *h,
		    const struct bench_case *c, const struct bench_opts *o,
		    struct bench_result *r)
{
	int n = s->check && c->where == W_KERNEL && !strcmp(h->name, "axvm") ?
		BENCH_GATE_VMS : 1;
	struct bench_result t;
	double max = 0;
	int i, ret;

	for (i = 0; i < n; i++) {
		settle();
		ret = h->run(c, o, i ? &t : r);
		if (i && (ret || t.skipped))
			*r = t;
		if (ret || r->skipped)
			return ret;
		if (!i) {
			max = r->ticks_max;
			continue;
		}
		if (t.ticks_max > max)
			max = t.ticks_max;
		if (t.ticks < r->ticks)
			*r = t;
	}
	r->ticks_max = max;
	return 0;
}

/* Every selected case of one half; false when the half is not there. */
static bool run_half(struct run_state *s, const struct half *h, const struct bench_opts *o,
		     char **only, int nr_only)
{
	const char *why = h->unavailable();
	size_t i;

	if (why) {
		if (s->check)
			printf("ok %d - %s # SKIP %s\n", ++s->t, h->name, why);
		else
			fprintf(stderr, "axvm_bench: %s: %s\n", h->name, why);
		return false;
	}
	for (i = 0; i < bench_nr_cases; i++) {
		const struct bench_case *c = &bench_cases[i];
		struct bench_result r;
		int ret;

		if (!selected(c, only, nr_only))
			continue;
		/* The baseline needs only the gated cases. */
		if (s->baseline_out && c->where != W_KERNEL)
			continue;
		ret = run_case(s, h, c, o, &r);
		print_result(h->name, c, o, ret, &r);
		if (s->check)
			check_case(s, h->name, c, o, ret, &r);
		else
			s->failed += ret != 0;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "hv", required_argument, NULL, 'h' },
		{ "iters", required_argument, NULL, 'n' },
		{ "warm", required_argument, NULL, 'w' },
		{ "reps", required_argument, NULL, 'r' },
		{ "host-iters", required_argument, NULL, 'H' },
		{ "case", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "list", no_argument, NULL, 'l' },
		{ "write-baseline", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	/* 0: not given; the mode's default below. */
	struct bench_opts o = { 0 };
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct run_state s = { .check = !strcmp(prog, "bench_test") };
	const char *hv = "both";
	char *only[64];
	int nr_only = 0, opt, h, ran_halves = 0;
	size_t i;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h': hv = optarg; break;
		case 'n': o.iters = strtoul(optarg, NULL, 0); break;
		case 'w': o.warm = strtoul(optarg, NULL, 0); break;
		case 'r': o.reps = strtoul(optarg, NULL, 0); break;
		case 'H': o.host_iters = strtoul(optarg, NULL, 0); break;
		case 'c':
			if (nr_only < 64)
				only[nr_only++] = optarg;
			break;
		case 'C': s.check = true; break;
		case 'B': s.baseline_out = optarg; s.check = true; break;
		case 'l':
			for (i = 0; i < bench_nr_cases; i++)
				printf("%-20s %s\n", bench_cases[i].id, bench_cases[i].title);
			return 0;
		default: usage();
		}
	}
	if (strcmp(hv, "axvm") && strcmp(hv, "kvm") && strcmp(hv, "both"))
		usage();
	if (s.baseline_out && !strcmp(hv, "kvm"))
		usage();
	/*
	 * Short mode: enough to see every path work, and the smallest of a
	 * few repetitions for the gate (a host interrupt only adds).
	 */
	if (!o.iters)
		o.iters = s.check ? 40 : 1000;
	if (!o.warm)
		o.warm = s.check ? 4 : 16;
	if (!o.host_iters)
		o.host_iters = s.check ? 2 : 20;
	if (!o.reps)
		o.reps = s.check ? 3 : 1;
	/* Touch pages must fit in guest RAM. */
	if (((uint64_t)o.iters * o.reps + o.warm + 1) * 4096 > BENCH_MEM_SIZE - BENCH_TOUCH_GPA ||
	    o.reps > BENCH_MAX_REPS) {
		fprintf(stderr, "axvm_bench: --iters * --reps + --warm too large, "
			"or --reps above %d\n", BENCH_MAX_REPS);
		return 2;
	}
	if (s.check) {
		printf("TAP version 13\n");
		if (!s.baseline_out)
			bench_gate_init(&s.gate, &o);
	}
	for (h = 0; h < 2; h++) {
		if (strcmp(hv, "both") && strcmp(hv, halves[h].name))
			continue;
		if (s.baseline_out && h)
			continue;
		ran_halves += run_half(&s, &halves[h], &o, only, nr_only);
	}
	bench_kvm_done();
	bench_gate_free(&s.gate);
	if (s.check)
		printf("1..%d\n", s.t);
	if (s.baseline_out && ran_halves && !s.failed) {
		struct bench_config cfg;

		bench_config_here(&cfg, &o);
		if (bench_baseline_write(s.baseline_out, &cfg, s.ids, s.ticks, s.nr)) {
			fprintf(stderr, "axvm_bench: %s: %s\n", s.baseline_out, strerror(errno));
			return 1;
		}
	}
	if (!ran_halves)
		return 4;
	return s.failed ? 1 : 0;
}
