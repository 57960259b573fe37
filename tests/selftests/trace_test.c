// SPDX-License-Identifier: GPL-2.0
/*
 * trace_test: the axvm tracepoints seen through `axctl trace` (BPF) agree
 * with VM_STATS (netlink, through `axctl stats -j`) and with what the guest
 * is known to do (Documentation/tracing.rst).
 *
 *   trace_equals_stats   a guest does exactly 1000 CPUID, 500 port writes
 *                        and 200 MMIO reads: the counts of a tp_btf and of
 *                        a tracepoint attachment, VM_STATS and the expected
 *                        numbers are equal (per reason, and the kernel /
 *                        forwarded split); every in-kernel CPUID is timed
 *                        and every forwarded exit has a service latency
 *   attach_detach_phases attachments opened and closed between phases of
 *                        100 CPUID each count exactly their phases
 *   attach_detach_live   a second tracer attaches and detaches three times
 *                        while the guest loops on CPUID (paced by a port
 *                        write the host answers after 1 ms): the first tracer,
 *                        attached throughout, still equals VM_STATS and the
 *                        guest's own count, and each window counts no more
 *                        than the first tracer did
 *   errors               unknown VM name (status 8), no privilege (6)
 *
 * (`axctl trace` without the module, status 4, is checked by check-job.sh
 * after rmmod and by axctl's host tests.)
 *
 * The VM is named (so that axctl can find it) and its RAM is populated up
 * front, so that the only EPT violations are the MMIO reads. axctl comes
 * from $AXCTL, else /opt/axvm/axctl (the test machine), else the source
 * tree's userland/axctl/axctl; without it the tests SKIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "axvm_test.h"

#define TG_CODE_GPA		0x200000	/* GPA_SCRATCH */
#define TG_COUNTER_GPA		0x210000	/* tg_spin's CPUID count */
#define TG_MMIO_GPA		0x30000000	/* outside RAM: MMIO */
#define TG_PORT			0x10		/* UCALL_PORT_REPORT: forwarded */

#define N_CPUID			1000
#define N_OUT			500
#define N_MMIO			200
#define PHASE_CPUID		100

#define R_CPUID			10U
#define R_HLT			12U
#define R_IO			30U
#define R_EPT			48U

#define XSTR(x)			STR(x)
#define STR(x)			#x

_Static_assert(TG_PORT == UCALL_PORT_REPORT, "report port");

/*
 * tg_counts: the known mix, then HLT. CPUID clobbers EAX-EDX, so the loop
 * counters live in R8; OUT writes EAX; the MMIO loads go through RSI.
 * tg_phases: forever { PHASE_CPUID x CPUID; OUT } (one phase per report).
 * tg_spin: forever { CPUID; ++[TG_COUNTER_GPA]; OUT }: the OUT lets the
 * host pace the guest (a guest that never leaves the kernel would take
 * the only CPU of the test machine from the tracers being loaded).
 */
asm(
"	.pushsection .rodata.axvm_trace_guest, \"a\"\n"
"	.balign 4096\n"
"	.globl tg_start\n"
"tg_start:\n"
"	.globl tg_counts\n"
"tg_counts:\n"
"	movl	$" XSTR(N_CPUID) ", %r8d\n"
"1:	xorl	%eax, %eax\n"
"	xorl	%ecx, %ecx\n"
"	cpuid\n"
"	decl	%r8d\n"
"	jnz	1b\n"
"	movl	$" XSTR(N_OUT) ", %r8d\n"
"2:	movl	%r8d, %eax\n"
"	outl	%eax, $" XSTR(TG_PORT) "\n"
"	decl	%r8d\n"
"	jnz	2b\n"
"	movl	$" XSTR(N_MMIO) ", %r8d\n"
"	movl	$" XSTR(TG_MMIO_GPA) ", %esi\n"
"3:	movl	(%rsi), %eax\n"
"	decl	%r8d\n"
"	jnz	3b\n"
"	.globl tg_counts_hlt\n"
"tg_counts_hlt:\n"
"	hlt\n"
"	jmp	tg_counts_hlt\n"
"	.globl tg_phases\n"
"tg_phases:\n"
"	movl	$" XSTR(PHASE_CPUID) ", %r8d\n"
"1:	xorl	%eax, %eax\n"
"	xorl	%ecx, %ecx\n"
"	cpuid\n"
"	decl	%r8d\n"
"	jnz	1b\n"
"	outl	%eax, $" XSTR(TG_PORT) "\n"
"	jmp	tg_phases\n"
"	.globl tg_spin\n"
"tg_spin:\n"
"	movl	$" XSTR(TG_COUNTER_GPA) ", %edi\n"
"1:	xorl	%eax, %eax\n"
"	xorl	%ecx, %ecx\n"
"	cpuid\n"
"	incq	(%rdi)\n"
"	outl	%eax, $" XSTR(TG_PORT) "\n"
"	jmp	1b\n"
"	.globl tg_end\n"
"tg_end:\n"
"	.popsection\n"
);

extern const unsigned char tg_start[], tg_counts[], tg_counts_hlt[], tg_phases[],
	tg_spin[], tg_end[];

#define GPA_OF(sym)	((uint64_t)TG_CODE_GPA + (uint64_t)((sym) - tg_start))

/* --- axctl ------------------------------------------------------------ */

static const char *axctl_path(void)
{
	static const char *const tries[] = {
		"/opt/axvm/axctl", "../../userland/axctl/axctl", "userland/axctl/axctl",
	};
	const char *env = getenv("AXCTL");
	size_t i;

	if (env && !access(env, X_OK))
		return env;
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if (!access(tries[i], X_OK))
			return tries[i];
	return NULL;
}

#define REQUIRE_AXCTL() do {						\
	AXVM_REQUIRE();							\
	if (!axctl_path())						\
		SKIP(return, "no axctl ($AXCTL, /opt/axvm/axctl)");	\
} while (0)

/* A running `axctl trace NAME -j`: stdout to a file, stderr to a pipe. */
struct tracer {
	pid_t pid;
	int err_fd;
	char out[64];
	char err[1024];		/* what it said on stderr */
	char *json;		/* its output, after tracer_stop() */
};

static int tracer_seq;

/* Read stderr until the "tracing ..." line (attached) or EOF; 0 if attached. */
static int tracer_wait_ready(struct tracer *t)
{
	size_t len = strlen(t->err);
	struct pollfd p = { .fd = t->err_fd, .events = POLLIN };
	ssize_t n;

	while (!strstr(t->err, " with ") || !strchr(strstr(t->err, " with "), '\n')) {
		if (poll(&p, 1, 120000) <= 0)
			return -ETIMEDOUT;
		n = read(t->err_fd, t->err + len, sizeof(t->err) - 1 - len);
		if (n <= 0)
			return -EPIPE;
		len += n;
		t->err[len] = 0;
	}
	return 0;
}

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
		perror("dropping privileges");
		_exit(99);
	}
}

/* Start axctl trace ARGS... (NULL-terminated); unpriv: as uid 65534. */
static int tracer_start_args(struct tracer *t, bool unpriv, const char *const *args)
{
	const char *argv[16];
	int pfd[2], fd, i, n = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->out, sizeof(t->out), "/tmp/trace_test.%d.%d.json", getpid(), tracer_seq++);
	if (pipe(pfd))
		return -errno;
	argv[n++] = axctl_path();
	argv[n++] = "trace";
	for (i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		fd = open(t->out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(pfd[1], 2) < 0)
			_exit(98);
		close(pfd[0]);
		if (unpriv)
			drop_privileges();
		execv(argv[0], (char *const *)argv);
		_exit(97);
	}
	close(pfd[1]);
	t->err_fd = pfd[0];
	return 0;
}

/* Wait for it to end by itself; its exit status (or -1). */
static int tracer_wait(struct tracer *t)
{
	size_t len = strlen(t->err);
	ssize_t n;
	int st;

	while ((n = read(t->err_fd, t->err + len, sizeof(t->err) - 1 - len)) > 0) {
		len += n;
		t->err[len] = 0;
	}
	close(t->err_fd);
	if (waitpid(t->pid, &st, 0) != t->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *m = realloc(buf, cap * 2);

			if (!m)
				break;
			buf = m;
			cap *= 2;
		}
	}
	buf[len] = 0;
	close(fd);
	return buf;
}

/* SIGINT: axctl prints its JSON and exits 0. Returns the exit status. */
static int tracer_stop(struct tracer *t)
{
	int st;

	kill(t->pid, SIGINT);
	st = tracer_wait(t);
	t->json = slurp(t->out);
	unlink(t->out);
	return st;
}

static void tracer_free(struct tracer *t)
{
	free(t->json);
	t->json = NULL;
}

/* The "exits" lines of the JSON: count (and kernel part) of vCPU 0, reason. */
static uint64_t json_exits(const char *json, uint32_t reason, uint64_t *kernel)
{
	const char *p = json;
	unsigned int vm, vcpu, r;
	unsigned long long c, k;

	if (kernel)
		*kernel = 0;
	while (p && (p = strstr(p, "\n  {\"vm\": "))) {
		p++;
		if (sscanf(p, "  {\"vm\": %u, \"vcpu\": %u, \"reason\": %u, \"name\": \"%*[^\"]\", "
			   "\"count\": %llu, \"kernel\": %llu", &vm, &vcpu, &r, &c, &k) == 5 &&
		    vcpu == 0 && r == reason) {
			if (kernel)
				*kernel = k;
			return c;
		}
	}
	return 0;
}

/* The count of one histogram entry: what = "kernel_time"/"service_latency". */
static uint64_t json_hist_count(const char *json, const char *what, uint32_t id)
{
	char key[64];
	const char *p = strstr(json, what), *end;
	unsigned int vm, i;
	unsigned long long c;

	if (!p)
		return 0;
	end = strstr(p, "\n]");	/* the end of this array */
	snprintf(key, sizeof(key), "  {\"vm\": %%u, \"%s\": %%u, \"name\": \"%%*[^\"]\", \"count\": %%llu",
		 !strcmp(what, "kernel_time") ? "reason" : "kind");
	while ((p = strstr(p, "\n  {\"vm\": ")) && (!end || p < end)) {
		p++;
		if (sscanf(p, key, &vm, &i, &c) == 3 && i == id)
			return c;
	}
	return 0;
}

/* VM_STATS through `axctl stats NAME -j`, vCPU 0. */
struct stats {
	uint64_t kernel, user;
	uint64_t reason[80];
};

static int get_stats(const char *name, struct stats *s)
{
	char cmd[256], line[256];
	unsigned long long a, b;
	unsigned int id, r;
	int vcpu = -1;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(cmd, sizeof(cmd), "%s stats %s -j", axctl_path(), name);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "  {\"id\": %u, \"exits_kernel\": %llu, \"exits_user\": %llu",
			   &id, &a, &b) == 3) {
			vcpu = id;
			if (!vcpu) {
				s->kernel = a;
				s->user = b;
			}
		} else if (sscanf(line, "    {\"reason\": %u, \"name\": %*[^,], \"count\": %llu",
				  &r, &a) == 2 && vcpu == 0 && r < 80) {
			s->reason[r] = a;
		}
	}
	return pclose(f) ? -1 : 0;
}

/* --- the VM ------------------------------------------------------------- */

static struct axvm_vm *named_vm(const char *name)
{
	struct axvm_create_vm args;
	struct axvm_vm *vm;
	int dev = axvm_open_dev();

	vm = calloc(1, sizeof(*vm));
	AXVM_CHECK(vm, "calloc");
	AXVM_CHECK(!ioctl(dev, AXVM_GET_CAPS, &vm->caps), "AXVM_GET_CAPS");
	memset(&args, 0, sizeof(args));
	snprintf(args.name, sizeof(args.name), "%s", name);
	vm->fd = ioctl(dev, AXVM_CREATE_VM, &args);
	AXVM_CHECK(vm->fd >= 0, "AXVM_CREATE_VM %s", name);
	close(dev);
	/* Populated: RAM never faults, so EPT violations are MMIO only. */
	axvm_vm_add_region_mem(vm, 0, AXVM_MEM_POPULATE, 0, AXVM_DEFAULT_RAM,
			       axvm_alloc_mem(AXVM_DEFAULT_RAM));
	memcpy(axvm_gpa2hva(vm, TG_CODE_GPA, tg_end - tg_start), tg_start,
	       tg_end - tg_start);
	return vm;
}

/*
 * Run until an exit the test must see, answering the forwarded ones the
 * guest makes (port writes: nothing; MMIO reads: data 0). Counts them.
 */
struct run_counts {
	uint64_t out, mmio;
};

static void sleep_ms(long ms);

static uint32_t run_vcpu(struct axvm_vcpu *v, struct run_counts *rc, volatile int *stop)
{
	struct axvm_run *run = v->run;
	int r;

	run->response = AXVM_RESP_NONE;
	for (;;) {
		r = __axvm_vcpu_run(v);
		if (r < 0 && errno == EINTR) {
			if (stop && *stop)
				return AXVM_EXIT_NOTHING;
			continue;
		}
		AXVM_CHECK(r == 0, "AXVM_RUN returned %d", r);
		run->response = AXVM_RESP_NONE;
		switch (run->exit.kind) {
		case AXVM_EXIT_NOTHING:
		case AXVM_EXIT_EXTERNAL_INTERRUPT:
			continue;
		case AXVM_EXIT_MMIO_READ:
			rc->mmio++;
			run->exit.u.mmio_read.data = 0;
			run->response = AXVM_RESP_DATA;
			continue;
		case AXVM_EXIT_IO_WRITE:
			if (!stop)
				return run->exit.kind;
			/* tg_spin: pace it, and stop between two exits. */
			rc->out++;
			if (*stop)
				return AXVM_EXIT_NOTHING;
			sleep_ms(1);
			continue;
		default:
			return run->exit.kind;
		}
	}
}

/* --- the tests ------------------------------------------------------------ */

static int start_traced(struct __test_metadata *_metadata, struct tracer *t,
			const char *name, bool tracepoint)
{
	const char *args[] = { name, "-j", tracepoint ? "-t" : NULL, NULL };
	int r = tracer_start_args(t, false, args);

	if (!r)
		r = tracer_wait_ready(t);
	if (r) {
		TH_LOG("axctl trace %s did not attach (%s): %s", name, strerror(-r), t->err);
		return r;
	}
	TH_LOG("%s", strtok(t->err, "\n"));
	return 0;
}

TEST(trace_equals_stats)
{
	struct tracer tb, tp;
	struct run_counts rc = { 0 };
	struct axvm_vcpu *v;
	struct axvm_vm *vm;
	struct stats s;
	uint64_t k;
	const struct tracer *both[2] = { &tb, &tp };
	int i;

	REQUIRE_AXCTL();
	vm = named_vm("trace-eq");
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, GPA_OF(tg_counts));

	ASSERT_EQ(0, start_traced(_metadata, &tb, "trace-eq", false));
	ASSERT_EQ(0, start_traced(_metadata, &tp, "trace-eq", true));
	for (;;) {
		uint32_t kind = run_vcpu(v, &rc, NULL);

		if (kind == AXVM_EXIT_HALT)
			break;
		ASSERT_EQ(AXVM_EXIT_IO_WRITE, kind) axvm_dump_exit(stderr, &v->run->exit);
		ASSERT_EQ(TG_PORT, v->run->exit.u.io_write.port);
		rc.out++;
	}
	EXPECT_EQ(N_OUT, rc.out);
	EXPECT_EQ(N_MMIO, rc.mmio);
	ASSERT_EQ(0, tracer_stop(&tb)) TH_LOG("%s", tb.err);
	ASSERT_EQ(0, tracer_stop(&tp)) TH_LOG("%s", tp.err);
	ASSERT_EQ(0, get_stats("trace-eq", &s));
	ASSERT_NE(NULL, tb.json);
	ASSERT_NE(NULL, tp.json);
	EXPECT_NE(NULL, strstr(tb.json, "\"attach\": \"tp_btf\"")) TH_LOG("%s", tb.json);
	EXPECT_NE(NULL, strstr(tp.json, "\"attach\": \"tracepoint\"")) TH_LOG("%s", tp.json);

	TH_LOG("VM_STATS vCPU 0: CPUID %llu, IO_INSTRUCTION %llu, EPT_VIOLATION %llu, HLT %llu; "
	       "%llu in the kernel, %llu forwarded",
	       (unsigned long long)s.reason[R_CPUID], (unsigned long long)s.reason[R_IO],
	       (unsigned long long)s.reason[R_EPT], (unsigned long long)s.reason[R_HLT],
	       (unsigned long long)s.kernel, (unsigned long long)s.user);
	/* VM_STATS against the expected numbers. */
	EXPECT_EQ(N_CPUID, s.reason[R_CPUID]);
	EXPECT_EQ(N_OUT, s.reason[R_IO]);
	EXPECT_EQ(N_MMIO, s.reason[R_EPT]);
	EXPECT_EQ(1, s.reason[R_HLT]);
	/* Each trace against VM_STATS, for every reason VM_STATS knows. */
	for (i = 0; i < 2; i++) {
		const char *j = both[i]->json;
		uint64_t kern = 0, total = 0;
		uint32_t r;

		for (r = 0; r < 80; r++) {
			uint64_t c = json_exits(j, r, &k);

			EXPECT_EQ(s.reason[r], c) TH_LOG("%s: reason %u", i ? "tracepoint" : "tp_btf", r);
			kern += k;
			total += c;
		}
		EXPECT_EQ(N_CPUID, json_exits(j, R_CPUID, &k));
		EXPECT_EQ(N_CPUID, k) TH_LOG("CPUID is served in the kernel");
		EXPECT_EQ(N_OUT, json_exits(j, R_IO, &k));
		EXPECT_EQ(0, k) TH_LOG("port 0x%x is forwarded", TG_PORT);
		EXPECT_EQ(N_MMIO, json_exits(j, R_EPT, &k));
		EXPECT_EQ(0, k) TH_LOG("MMIO reads are forwarded");
		EXPECT_EQ(s.kernel, kern) TH_LOG("in-kernel exits: trace vs VM_STATS");
		EXPECT_EQ(s.user, total - kern) TH_LOG("forwarded exits: trace vs VM_STATS");
		/* Every in-kernel CPUID exit is followed by an entry: all timed. */
		EXPECT_EQ(N_CPUID, json_hist_count(j, "kernel_time", R_CPUID));
		TH_LOG("%s: CPUID %llu, IO_INSTRUCTION %llu, EPT_VIOLATION %llu, HLT %llu; "
		       "%llu in the kernel; CPUID timed %llu; service latency IoWrite %llu, MmioRead %llu",
		       i ? "tracepoint" : "tp_btf",
		       (unsigned long long)json_exits(j, R_CPUID, NULL),
		       (unsigned long long)json_exits(j, R_IO, NULL),
		       (unsigned long long)json_exits(j, R_EPT, NULL),
		       (unsigned long long)json_exits(j, R_HLT, NULL), (unsigned long long)kern,
		       (unsigned long long)json_hist_count(j, "kernel_time", R_CPUID),
		       (unsigned long long)json_hist_count(j, "service_latency", AXVM_EXIT_IO_WRITE),
		       (unsigned long long)json_hist_count(j, "service_latency", AXVM_EXIT_MMIO_READ));
		/* Every forwarded port write and MMIO read was answered once. */
		EXPECT_EQ(N_OUT, json_hist_count(j, "service_latency", AXVM_EXIT_IO_WRITE));
		EXPECT_EQ(N_MMIO, json_hist_count(j, "service_latency", AXVM_EXIT_MMIO_READ));
	}
	if (_metadata->passed == 0 || getenv("TRACE_TEST_VERBOSE"))
		TH_LOG("tp_btf JSON:\n%s", tb.json);
	tracer_free(&tb);
	tracer_free(&tp);
	axvm_vm_free(vm);
}

/* Run one tg_phases phase: PHASE_CPUID CPUIDs, then its report. */
static void phase(struct __test_metadata *_metadata, struct axvm_vcpu *v)
{
	struct run_counts rc = { 0 };

	ASSERT_EQ(AXVM_EXIT_IO_WRITE, run_vcpu(v, &rc, NULL)) axvm_dump_exit(stderr, &v->run->exit);
	ASSERT_EQ(TG_PORT, v->run->exit.u.io_write.port);
}

TEST(attach_detach_phases)
{
	struct tracer a, b;
	struct axvm_vcpu *v;
	struct axvm_vm *vm;
	struct stats s;

	REQUIRE_AXCTL();
	vm = named_vm("trace-ph");
	v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(v, GPA_OF(tg_phases));

	phase(_metadata, v);				/* 1: nobody */
	ASSERT_EQ(0, start_traced(_metadata, &a, "trace-ph", false));
	phase(_metadata, v);				/* 2: a */
	phase(_metadata, v);				/* 3: a */
	ASSERT_EQ(0, start_traced(_metadata, &b, "trace-ph", false));
	phase(_metadata, v);				/* 4: a, b */
	phase(_metadata, v);				/* 5: a, b */
	ASSERT_EQ(0, tracer_stop(&a)) TH_LOG("%s", a.err);
	phase(_metadata, v);				/* 6: b */
	ASSERT_EQ(0, tracer_stop(&b)) TH_LOG("%s", b.err);
	phase(_metadata, v);				/* 7: nobody */
	ASSERT_EQ(0, get_stats("trace-ph", &s));

	TH_LOG("CPUID exits: VM_STATS %llu (7 phases), tracer a %llu (phases 2-5), b %llu (4-6)",
	       (unsigned long long)s.reason[R_CPUID],
	       (unsigned long long)json_exits(a.json, R_CPUID, NULL),
	       (unsigned long long)json_exits(b.json, R_CPUID, NULL));
	EXPECT_EQ(7 * PHASE_CPUID, s.reason[R_CPUID]);
	EXPECT_EQ(7, s.reason[R_IO]);
	EXPECT_EQ(4 * PHASE_CPUID, json_exits(a.json, R_CPUID, NULL)) TH_LOG("%s", a.json);
	EXPECT_EQ(4, json_exits(a.json, R_IO, NULL));
	EXPECT_EQ(3 * PHASE_CPUID, json_exits(b.json, R_CPUID, NULL)) TH_LOG("%s", b.json);
	EXPECT_EQ(3, json_exits(b.json, R_IO, NULL));
	tracer_free(&a);
	tracer_free(&b);
	axvm_vm_free(vm);
}

struct spinner {
	struct axvm_vcpu *v;
	volatile int stop;
	uint32_t last_kind;
	uint64_t outs;
};

static void on_usr1(int sig)
{
	(void)sig;
}

static void *spin_thread(void *arg)
{
	struct spinner *sp = arg;
	struct run_counts rc = { 0 };

	sp->last_kind = run_vcpu(sp->v, &rc, &sp->stop);
	sp->outs = rc.out;
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

TEST(attach_detach_live)
{
	struct spinner sp = { 0 };
	struct tracer a, b;
	struct sigaction sa;
	struct axvm_vm *vm;
	struct stats s;
	pthread_t th;
	uint64_t a_n, b_n[3], b_sum = 0, guest_n;
	int i;

	REQUIRE_AXCTL();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART: AXVM_RUN returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	vm = named_vm("trace-live");
	sp.v = axvm_vcpu_add(vm, 0);
	axvm_vcpu_setup_long(sp.v, GPA_OF(tg_spin));

	ASSERT_EQ(0, start_traced(_metadata, &a, "trace-live", false));
	ASSERT_EQ(0, pthread_create(&th, NULL, spin_thread, &sp));
	sleep_ms(500);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, start_traced(_metadata, &b, "trace-live", i == 1));
		sleep_ms(700);
		ASSERT_EQ(0, tracer_stop(&b)) TH_LOG("%s", b.err);
		b_n[i] = json_exits(b.json, R_CPUID, NULL);
		tracer_free(&b);
		sleep_ms(300);
	}
	sp.stop = 1;
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	TH_LOG("the guest made %llu paced exits to userspace", (unsigned long long)sp.outs);
	ASSERT_EQ(AXVM_EXIT_NOTHING, sp.last_kind) axvm_dump_exit(stderr, &sp.v->run->exit);
	ASSERT_EQ(0, tracer_stop(&a)) TH_LOG("%s", a.err);
	ASSERT_EQ(0, get_stats("trace-live", &s));
	a_n = json_exits(a.json, R_CPUID, NULL);
	guest_n = *(volatile uint64_t *)axvm_gpa2hva(vm, TG_COUNTER_GPA, 8);
	TH_LOG("CPUID exits: tracer a %llu, VM_STATS %llu, guest %llu; windows b %llu %llu %llu",
	       (unsigned long long)a_n, (unsigned long long)s.reason[R_CPUID],
	       (unsigned long long)guest_n, (unsigned long long)b_n[0],
	       (unsigned long long)b_n[1], (unsigned long long)b_n[2]);
	/* Nothing missed or doubled while b came and went. */
	EXPECT_EQ(s.reason[R_CPUID], a_n);
	EXPECT_EQ(s.reason[R_IO], json_exits(a.json, R_IO, NULL));
	/* The guest counts after each CPUID: the last one may be uncounted. */
	EXPECT_TRUE(guest_n == a_n || guest_n + 1 == a_n);
	for (i = 0; i < 3; i++) {
		EXPECT_LT(0, b_n[i]) TH_LOG("window %d saw nothing", i);
		b_sum += b_n[i];
	}
	EXPECT_GE(a_n, b_sum);
	tracer_free(&a);
	axvm_vm_free(vm);
}

/* Run axctl trace ARGS to its end; its status, stderr in t->err. */
static int trace_status(struct tracer *t, bool unpriv, const char *const *args)
{
	if (tracer_start_args(t, unpriv, args))
		return -1;
	return tracer_wait(t);
}

TEST(errors)
{
	const char *unknown[] = { "no-such-vm", NULL };
	const char *named[] = { "trace-err", "--duration", "1", NULL };
	const char *all[] = { "--duration", "1", NULL };
	struct axvm_vm *vm;
	struct tracer t;

	REQUIRE_AXCTL();
	EXPECT_EQ(8, trace_status(&t, false, unknown));
	EXPECT_NE(NULL, strstr(t.err, "no VM named no-such-vm")) TH_LOG("%s", t.err);
	unlink(t.out);

	vm = named_vm("trace-err");
	/* Root's VM is hidden from another user (ownership, netlink.rst). */
	EXPECT_EQ(8, trace_status(&t, true, named));
	EXPECT_NE(NULL, strstr(t.err, "no VM named trace-err")) TH_LOG("%s", t.err);
	unlink(t.out);
	EXPECT_EQ(6, trace_status(&t, true, all));
	EXPECT_NE(NULL, strstr(t.err, "permission denied")) TH_LOG("%s", t.err);
	unlink(t.out);
	/* And as root, the same command works. */
	EXPECT_EQ(0, trace_status(&t, false, named)) TH_LOG("%s", t.err);
	unlink(t.out);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
