// SPDX-License-Identifier: GPL-2.0
/*
 * axvm_bench: exit costs of axvm and of KVM (kvm_intel), case by case.
 *
 *   axvm_bench [--hv axvm|kvm|both] [--iters N] [--warm N] [--host-iters N]
 *              [--case ID]... [--check] [--list]
 *
 * Prints one line per case and hypervisor: "BENCH {json}" (tests/bench/
 * report.py turns the lines of both halves into the table, JSON and chart).
 * --check (also when run as bench_test, the selftest runner's name for it)
 * runs every case briefly and prints TAP: each case ran, its figure is
 * positive and below 1e6 (host-timed cases: below one second), and its exits were served where the case says
 * (in the kernel: few returns to userspace; userspace: one per iteration;
 * posted: far fewer returns than writes). Exit status 0, 1 on a failed
 * check, 4 (KSFT_SKIP) when neither hypervisor is there.
 *
 * "both" runs axvm first, then KVM: they take turns owning VMX, and no
 * axvm VM is left when KVM starts.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	       "\"records\":%llu,\"iters\":%u,\"warm\":%u,\"unit\":",
	       r->ticks, r->empty, r->ns, (unsigned long long)r->user_exits,
	       (unsigned long long)r->records,
	       c->where == W_HOST ? o->host_iters : o->iters, o->warm);
	json_str(r->unit ? r->unit : "");
	printf("}\n");
	fflush(stdout);
}

/* --check: is this result sane? NULL if so, else what is wrong. */
static const char *sanity(const struct bench_case *c, const struct bench_opts *o,
			  const struct bench_result *r)
{
	static char why[200];
	uint64_t loops = (uint64_t)o->iters + o->warm;

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
	fprintf(stderr, "usage: axvm_bench [--hv axvm|kvm|both] [--iters N] [--warm N] "
		"[--host-iters N] [--case ID]... [--check] [--list]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "hv", required_argument, NULL, 'h' },
		{ "iters", required_argument, NULL, 'n' },
		{ "warm", required_argument, NULL, 'w' },
		{ "host-iters", required_argument, NULL, 'H' },
		{ "case", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "list", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_opts o = { .iters = 1000, .warm = 16, .host_iters = 20 };
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	bool check = !strcmp(prog, "bench_test");
	const char *hv = "both";
	char *only[64];
	int nr_only = 0, opt, h, t = 0, failed = 0, ran_halves = 0;
	size_t i;

	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case 'h': hv = optarg; break;
		case 'n': o.iters = strtoul(optarg, NULL, 0); break;
		case 'w': o.warm = strtoul(optarg, NULL, 0); break;
		case 'H': o.host_iters = strtoul(optarg, NULL, 0); break;
		case 'c':
			if (nr_only < 64)
				only[nr_only++] = optarg;
			break;
		case 'C': check = true; break;
		case 'l':
			for (i = 0; i < bench_nr_cases; i++)
				printf("%-20s %s\n", bench_cases[i].id, bench_cases[i].title);
			return 0;
		default: usage();
		}
	}
	if (strcmp(hv, "axvm") && strcmp(hv, "kvm") && strcmp(hv, "both"))
		usage();
	if (check && argc == 1) {
		/* Short: enough to see every path work, not to measure. */
		o.iters = 40;
		o.warm = 4;
		o.host_iters = 2;
	}
	/* Touch pages must fit in guest RAM. */
	if (((uint64_t)o.iters + o.warm + 1) * 4096 > BENCH_MEM_SIZE - BENCH_TOUCH_GPA ||
	    !o.iters || !o.host_iters) {
		fprintf(stderr, "axvm_bench: --iters + --warm too large (or zero)\n");
		return 2;
	}
	if (check)
		printf("TAP version 13\n");
	for (h = 0; h < 2; h++) {
		const char *why;

		if (strcmp(hv, "both") && strcmp(hv, halves[h].name))
			continue;
		why = halves[h].unavailable();
		if (why) {
			if (check)
				printf("ok %d - %s # SKIP %s\n", ++t, halves[h].name, why);
			else
				fprintf(stderr, "axvm_bench: %s: %s\n", halves[h].name, why);
			continue;
		}
		ran_halves++;
		for (i = 0; i < bench_nr_cases; i++) {
			const struct bench_case *c = &bench_cases[i];
			struct bench_result r;
			const char *bad;
			int ret;

			if (!selected(c, only, nr_only))
				continue;
			ret = halves[h].run(c, &o, &r);
			print_result(halves[h].name, c, &o, ret, &r);
			if (!check) {
				failed += ret != 0;
				continue;
			}
			t++;
			if (ret) {
				printf("not ok %d - %s %s: %s\n", t, halves[h].name, c->id, r.why);
				failed++;
			} else if (r.skipped) {
				printf("ok %d - %s %s # SKIP %s\n", t, halves[h].name, c->id, r.why);
			} else if ((bad = sanity(c, &o, &r))) {
				printf("not ok %d - %s %s: %s\n", t, halves[h].name, c->id, bad);
				failed++;
			} else {
				printf("ok %d - %s %s: %.0f %s per iteration\n", t,
				       halves[h].name, c->id, r.ticks, r.unit);
			}
		}
	}
	bench_kvm_done();
	if (check)
		printf("1..%d\n", t);
	if (!ran_halves)
		return 4;
	return failed ? 1 : 0;
}
