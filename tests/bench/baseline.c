// SPDX-License-Identifier: GPL-2.0
/*
 * The regression gate of the short mode (Documentation/bench.rst, "The
 * regression gate"): every in-kernel axvm case is compared with the
 * committed baseline (tests/bench/baseline.json, installed into the test
 * machine as /opt/axvm/tests/bench_baseline.json) and fails when it grew
 * by more than BENCH_GATE_PCT. The figures are Bochs path lengths, so the
 * baseline holds only for the machine it was measured on: kernel release,
 * CPU count, mitigations, CPU model and the short mode's loop counts.
 * Where any of them differ the comparison is skipped, with the reason.
 *
 * The file is written by axvm_bench --write-baseline in a fixed layout
 * (one key per line); the reader only looks keys up, so hand edits that
 * keep "key": value pairs work.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static void read_line_value(const char *file, const char *prefix, const char *sep,
			    char *out, size_t len)
{
	char line[1024];
	FILE *f = fopen(file, "r");

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, prefix, strlen(prefix)) || !(v = strstr(line, sep)))
			continue;
		v += strlen(sep);
		v[strcspn(v, "\n")] = 0;
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

/* mitigations=X on the kernel command line, or "default". */
static void read_mitigations(char *out, size_t len)
{
	char cmdline[4096] = "";
	const char *p;
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = 0;
		fclose(f);
	}
	snprintf(out, len, "default");
	for (p = cmdline; (p = strstr(p, "mitigations=")); p++)
		if (p == cmdline || isspace((unsigned char)p[-1]))
			snprintf(out, len, "%.*s", (int)strcspn(p + 12, " \n"), p + 12);
}

void bench_config_here(struct bench_config *c, const struct bench_opts *o)
{
	struct utsname u;

	memset(c, 0, sizeof(*c));
	if (!uname(&u))
		snprintf(c->kernel, sizeof(c->kernel), "%s", u.release);
	c->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	read_mitigations(c->mitigations, sizeof(c->mitigations));
	read_line_value("/proc/cpuinfo", "model name", ": ", c->cpu_model, sizeof(c->cpu_model));
	c->iters = o->iters;
	c->warm = o->warm;
	c->reps = o->reps;
}

/* The value after "key": in [p, end), or NULL. */
static const char *find_key(const char *p, const char *end, const char *key)
{
	size_t n = strlen(key);

	for (; p && p + n + 2 < end; p++) {
		const char *q;

		if (*p != '"' || strncmp(p + 1, key, n) || p[n + 1] != '"')
			continue;
		for (q = p + n + 2; q < end && isspace((unsigned char)*q); q++)
			;
		if (q < end && *q == ':') {
			for (q++; q < end && isspace((unsigned char)*q); q++)
				;
			return q;
		}
	}
	return NULL;
}

static bool get_str(const char *p, const char *end, const char *key, char *out, size_t len)
{
	const char *v = find_key(p, end, key);
	size_t i = 0;

	if (!v || *v != '"')
		return false;
	for (v++; v < end && *v != '"' && i + 1 < len; v++) {
		if (*v == '\\' && v + 1 < end)
			v++;
		out[i++] = *v;
	}
	out[i] = 0;
	return v < end && *v == '"';
}

static bool get_num(const char *p, const char *end, const char *key, double *out)
{
	const char *v = find_key(p, end, key);
	char *e;

	if (!v)
		return false;
	*out = strtod(v, &e);
	return e != v;
}

/* The span of the object that is the value of key: [*b, *e). */
static bool get_obj(const char *text, const char *key, const char **b, const char **e)
{
	const char *end = text + strlen(text);

	*b = find_key(text, end, key);
	if (!*b || **b != '{')
		return false;
	*e = strchr(*b, '}');
	return *e != NULL;
}

static bool parse_config(const char *text, struct bench_config *c)
{
	const char *b, *e;
	double cpus, iters, warm, reps;

	memset(c, 0, sizeof(*c));
	if (!get_obj(text, "machine", &b, &e))
		return false;
	if (!get_str(b, e, "kernel", c->kernel, sizeof(c->kernel)) ||
	    !get_str(b, e, "mitigations", c->mitigations, sizeof(c->mitigations)) ||
	    !get_str(b, e, "cpu_model", c->cpu_model, sizeof(c->cpu_model)) ||
	    !get_num(b, e, "cpus", &cpus) || !get_num(b, e, "iters", &iters) ||
	    !get_num(b, e, "warm", &warm) || !get_num(b, e, "reps", &reps))
		return false;
	c->cpus = cpus;
	c->iters = iters;
	c->warm = warm;
	c->reps = reps;
	return true;
}

/* NULL when the baseline's machine is this one, else the difference. */
static const char *config_differs(const struct bench_config *b, const struct bench_config *h)
{
	static char why[400];

	if (strcmp(b->kernel, h->kernel))
		snprintf(why, sizeof(why), "kernel %s, not %s", h->kernel, b->kernel);
	else if (b->cpus != h->cpus)
		snprintf(why, sizeof(why), "%ld CPUs, not %ld", h->cpus, b->cpus);
	else if (strcmp(b->mitigations, h->mitigations))
		snprintf(why, sizeof(why), "mitigations=%s, not %s", h->mitigations,
			 b->mitigations);
	else if (strcmp(b->cpu_model, h->cpu_model))
		snprintf(why, sizeof(why), "CPU \"%s\", not \"%s\"", h->cpu_model, b->cpu_model);
	else if (b->iters != h->iters || b->warm != h->warm || b->reps != h->reps)
		snprintf(why, sizeof(why), "--iters %u --warm %u --reps %u, not %u/%u/%u",
			 h->iters, h->warm, h->reps, b->iters, b->warm, b->reps);
	else
		return NULL;
	return why;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	buf = NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && n < (1 << 20) &&
	    !fseek(f, 0, SEEK_SET) && (buf = calloc(1, n + 1)) &&
	    fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/*
 * Where the baseline is: $AXVM_BENCH_BASELINE (empty: the gate is off),
 * else next to the executable (the test machine), else in the source
 * tree (tests/selftests/bin/../../bench/baseline.json).
 */
static bool find_baseline(struct bench_gate *g)
{
	const char *env = getenv("AXVM_BENCH_BASELINE");
	char exe[3000];
	ssize_t n;
	char *slash;

	if (env) {
		snprintf(g->path, sizeof(g->path), "%s", env);
		return env[0];
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(g->path, sizeof(g->path), "%s/bench_baseline.json", exe);
	if (!access(g->path, R_OK))
		return true;
	snprintf(g->path, sizeof(g->path), "%s/../../bench/baseline.json", exe);
	return true;
}

/*
 * Load the baseline and decide whether it applies here. A baseline that is
 * missing or unreadable is an error (g->error): it is committed and
 * installed, so its absence is a packaging fault, not a reason to skip.
 */
void bench_gate_init(struct bench_gate *g, const struct bench_opts *o)
{
	const char *d;

	memset(g, 0, sizeof(*g));
	bench_config_here(&g->here, o);
	if (!find_baseline(g)) {
		snprintf(g->skip, sizeof(g->skip), "AXVM_BENCH_BASELINE is empty: gate off");
		return;
	}
	g->text = slurp(g->path);
	if (!g->text) {
		snprintf(g->error, sizeof(g->error), "cannot read baseline %.400s: %s", g->path,
			 strerror(errno ? errno : EINVAL));
		return;
	}
	if (!parse_config(g->text, &g->base)) {
		snprintf(g->error, sizeof(g->error), "%.400s: no complete \"machine\" object",
			 g->path);
		return;
	}
	d = config_differs(&g->base, &g->here);
	if (d) {
		snprintf(g->skip, sizeof(g->skip), "baseline %.200s is for another machine: %.280s",
			 g->path, d);
		return;
	}
	g->active = true;
}

void bench_gate_free(struct bench_gate *g)
{
	free(g->text);
	g->text = NULL;
}

int bench_gate_check(const struct bench_gate *g, const char *id, double ticks,
		     char *msg, size_t len)
{
	const char *b, *e;
	double base, pct;

	if (g->error[0]) {
		snprintf(msg, len, "%s", g->error);
		return 1;
	}
	if (!g->active) {
		snprintf(msg, len, "%s", g->skip);
		return -1;
	}
	if (!get_obj(g->text, "ticks", &b, &e) || !get_num(b, e, id, &base) || base <= 0) {
		snprintf(msg, len, "no baseline for %s in %.400s: regenerate it (make bench-baseline)",
			 id, g->path);
		return 1;
	}
	pct = (ticks - base) * 100.0 / base;
	if (pct > BENCH_GATE_PCT) {
		snprintf(msg, len, "%.0f ticks, baseline %.0f (%+.1f%%, limit +%d%%): a regression, "
			 "or update the baseline in the same commit and say why (bench.rst)",
			 ticks, base, pct, BENCH_GATE_PCT);
		return 1;
	}
	snprintf(msg, len, "%.0f ticks, baseline %.0f (%+.1f%%, limit +%d%%)%s", ticks, base,
		 pct, BENCH_GATE_PCT, pct < -BENCH_GATE_PCT ?
		 "; faster than the baseline: regenerate it to keep the gain" : "");
	return 0;
}

int bench_baseline_write(const char *path, const struct bench_config *c,
			 const char *const *ids, const double *ticks, size_t n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	size_t i;

	if (!f)
		return -1;
	fprintf(f, "{\n  \"machine\": {\n    \"kernel\": \"%s\",\n    \"cpus\": %ld,\n"
		"    \"mitigations\": \"%s\",\n    \"cpu_model\": \"%s\",\n"
		"    \"iters\": %u,\n    \"warm\": %u,\n    \"reps\": %u\n  },\n"
		"  \"why\": \"\",\n  \"ticks\": {\n", c->kernel, c->cpus, c->mitigations,
		c->cpu_model, c->iters, c->warm, c->reps);
	for (i = 0; i < n; i++)
		fprintf(f, "    \"%s\": %.1f%s\n", ids[i], ticks[i], i + 1 < n ? "," : "");
	fprintf(f, "  }\n}\n");
	if (f == stdout)
		return fflush(f) ? -1 : 0;
	return fclose(f) ? -1 : 0;
}
