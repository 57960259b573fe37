// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the management subcommands, all over generic netlink: create,
 * destroy, stop, pause, resume, list, stats, monitor (trace is in trace.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>

#include "axctl.h"
#include "nl.h"

#define DEFAULT_MEM	(64ULL << 20)
#define MEM_ALIGN	(2ULL << 20)

/* -h/--help and -j/--json are common; each command adds its own. */
static void help_and_exit(const char *cmd)
{
	usage_cmd(stdout, cmd);
	exit(AXCTL_OK);
}

static const char *one_name(int argc, char **argv, const char *cmd)
{
	if (optind >= argc)
		axctl_usage_error(cmd, "%s: missing VM name", cmd);
	if (optind + 1 < argc)
		axctl_usage_error(cmd, "%s: unexpected argument '%s'", cmd, argv[optind + 1]);
	if (!vm_name_valid(argv[optind]))
		axctl_usage_error(cmd, "%s: invalid VM name '%s' (1-%d characters of A-Z a-z 0-9 _ . -)",
				  cmd, argv[optind], AXVM_NAME_MAX - 1);
	return argv[optind];
}

/*
 * The kernel's VM_NEW limit, checked here first with its wording: the
 * max_vm_mem module parameter when the module is loaded, and always 2^48
 * (256T), the reach of a 4-level EPT (module/ept/memslot.c), which no
 * max_vm_mem value lifts.
 */
static void check_mem_limit(uint64_t mem, const char *arg)
{
	const uint64_t ept_max = 1ULL << 48;
	uint64_t max;
	char sz[32];

	if (axvm_module_param("max_vm_mem", &max) && mem > max) {
		format_size(max, sz, sizeof(sz));
		axctl_usage_error("create", "create: memory size %s: memory size must be > 0 and <= the max_vm_mem module parameter (%s)",
				  arg, sz);
	}
	if (mem > ept_max)
		axctl_usage_error("create", "create: memory size %s: memory size must be > 0 and <= 256T (the reach of a 4-level EPT; the max_vm_mem module parameter may be lower)",
				  arg);
}

/* getopt_long() returned '?' or ':' (the optstring starts with ':'). */
void bad_option(const char *cmd, int c, char **argv)
{
	char opt[3] = { '-', (char)optopt, 0 };
	const char *last = optind > 0 ? argv[optind - 1] : "";
	const char *o = !strncmp(last, "--", 2) || !optopt ? last : opt;

	if (c == ':')
		axctl_usage_error(cmd, "%s: option '%s' needs a value", cmd, o);
	axctl_usage_error(cmd, "%s: unknown option '%s'", cmd, o);
}

static void no_args(int argc, char **argv, const char *cmd)
{
	if (optind < argc)
		axctl_usage_error(cmd, "%s: unexpected argument '%s'", cmd, argv[optind]);
}

/* The common loop: only -h and the json flag. */
static void parse_simple(int argc, char **argv, const char *cmd, bool *json)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, json ? ":hj" : ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help_and_exit(cmd);
			break;
		case 'j':
			if (!json)
				goto bad;
			*json = true;
			break;
		default:
			bad_option(cmd, c, argv);
		}
	}
	return;
bad:
	axctl_usage_error(cmd, "%s: unknown option '-j'", cmd);
}

static int reply_vm_info(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	(void)head;
	(void)len;
	vm_info_parse(tb, arg);
	return 0;
}

/* --- create ------------------------------------------------------------ */

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t mem = DEFAULT_MEM, vcpus = 1;
	struct vm_info vm;
	struct nl_msg *msg;
	struct axnl nl;
	const char *name;
	char sz[32];
	int c, r, dev;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!parse_size(optarg, &mem))
				axctl_usage_error("create", "create: bad memory size '%s' (e.g. 64M, 1G)", optarg);
			if (mem % MEM_ALIGN)
				axctl_usage_error("create", "create: memory size %s is not a multiple of 2M", optarg);
			check_mem_limit(mem, optarg);
			break;
		case 'c':
			if (!parse_uint(optarg, 1, AXVM_MAX_VCPUS, &vcpus))
				axctl_usage_error("create", "create: bad vCPU count '%s' (1-%d)",
						  optarg, AXVM_MAX_VCPUS);
			break;
		case 'h':
			help_and_exit("create");
			break;
		default:
			bad_option("create", c, argv);
		}
	}
	name = one_name(argc, argv, "create");

	axnl_open_or_die(&nl);
	/*
	 * Without CAP_NET_ADMIN, VM_NEW wants to see an fd of /dev/axvm: who
	 * may open the device (group kvm) may make VMs. Not openable: let the
	 * kernel decide (CAP_NET_ADMIN is enough).
	 */
	dev = open(AXVM_DEV_PATH, O_RDWR | O_CLOEXEC);
	msg = axnl_msg(&nl, AXVM_CMD_VM_NEW, 0);
	if (!msg || nla_put_string(msg, AXVM_A_VM_NAME, name) < 0 ||
	    nla_put_u64(msg, AXVM_A_VM_MEM_BYTES, mem) < 0 ||
	    nla_put_u32(msg, AXVM_A_VM_VCPUS, vcpus) < 0 ||
	    (dev >= 0 && nla_put_u32(msg, AXVM_A_VM_DEV_FD, dev) < 0))
		axctl_die(AXCTL_EFAIL, "out of memory");
	memset(&vm, 0, sizeof(vm));
	r = axnl_call(&nl, msg, reply_vm_info, &vm);
	if (dev >= 0)
		close(dev);
	if (r)
		axnl_die(&nl, r, "create", name);
	axnl_close(&nl);
	if (axctl_verbose >= 0) {
		format_size(vm.has_mem ? vm.mem_bytes : mem, sz, sizeof(sz));
		if (vm.has_id)
			printf("created VM %s (id %u): %s, %u vCPU%s\n", name, vm.id, sz,
			       vm.has_vcpus ? vm.vcpus : (unsigned int)vcpus,
			       (vm.has_vcpus ? vm.vcpus : vcpus) == 1 ? "" : "s");
		else
			printf("created VM %s: %s, %u vCPU%s\n", name, sz,
			       (unsigned int)vcpus, vcpus == 1 ? "" : "s");
	}
	return AXCTL_OK;
}

/* --- destroy, stop, pause, resume ------------------------------------- */

static int simple_vm_cmd(int argc, char **argv, const char *cmd, uint8_t nlcmd)
{
	struct nl_msg *msg;
	struct axnl nl;
	const char *name;
	int r;

	parse_simple(argc, argv, cmd, NULL);
	name = one_name(argc, argv, cmd);
	axnl_open_or_die(&nl);
	msg = axnl_msg(&nl, nlcmd, 0);
	if (!msg || nla_put_string(msg, AXVM_A_VM_NAME, name) < 0)
		axctl_die(AXCTL_EFAIL, "out of memory");
	r = axnl_call(&nl, msg, NULL, NULL);
	if (r)
		axnl_die(&nl, r, cmd, name);
	axnl_close(&nl);
	if (axctl_verbose > 0)
		printf("%s: %s done\n", name, cmd);
	return AXCTL_OK;
}

int cmd_destroy(int argc, char **argv)
{
	return simple_vm_cmd(argc, argv, "destroy", AXVM_CMD_VM_DEL);
}

int cmd_stop(int argc, char **argv)
{
	return simple_vm_cmd(argc, argv, "stop", AXVM_CMD_VM_STOP);
}

int cmd_pause(int argc, char **argv)
{
	return simple_vm_cmd(argc, argv, "pause", AXVM_CMD_VM_PAUSE);
}

int cmd_resume(int argc, char **argv)
{
	return simple_vm_cmd(argc, argv, "resume", AXVM_CMD_VM_RESUME);
}

/* --- list ----------------------------------------------------------------- */

struct vm_list {
	struct vm_info *v;
	size_t n, cap;
};

static int list_reply(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct vm_list *l = arg;

	(void)head;
	(void)len;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct vm_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	vm_info_parse(tb, &l->v[l->n++]);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct vm_info *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void print_list_json(const struct vm_list *l)
{
	size_t i;

	printf("[");
	for (i = 0; i < l->n; i++) {
		const struct vm_info *v = &l->v[i];

		printf("%s\n  {\"id\": %u, \"name\": ", i ? "," : "", v->id);
		json_string(stdout, v->name);
		printf(", \"state\": \"%s\", \"memory\": %llu, \"vcpus\": %u, \"owner\": %u}",
		       v->has_state ? vm_state_name(v->state) : "unknown",
		       (unsigned long long)v->mem_bytes, v->vcpus, v->owner_pid);
	}
	printf("%s]\n", l->n ? "\n" : "");
}

static void print_list_table(const struct vm_list *l)
{
	int wname = 4, wstate = 5;
	char mem[32], owner[24];
	size_t i;

	for (i = 0; i < l->n; i++) {
		int n = strlen(l->v[i].name[0] ? l->v[i].name : "-");
		int s = strlen(l->v[i].has_state ? vm_state_name(l->v[i].state) : "-");

		if (n > wname)
			wname = n;
		if (s > wstate)
			wstate = s;
	}
	printf("%-4s  %-*s  %-*s  %7s  %5s  %s\n", "ID", wname, "NAME", wstate,
	       "STATE", "MEMORY", "VCPUS", "OWNER");
	for (i = 0; i < l->n; i++) {
		const struct vm_info *v = &l->v[i];

		if (v->has_mem)
			format_size(v->mem_bytes, mem, sizeof(mem));
		else
			snprintf(mem, sizeof(mem), "-");
		if (v->owner_pid)
			snprintf(owner, sizeof(owner), "%u", v->owner_pid);
		else
			snprintf(owner, sizeof(owner), "-");
		printf("%-4u  %-*s  %-*s  %7s  %5u  %s\n", v->id, wname,
		       v->name[0] ? v->name : "-", wstate,
		       v->has_state ? vm_state_name(v->state) : "-", mem, v->vcpus, owner);
	}
}

int cmd_list(int argc, char **argv)
{
	struct vm_list l = { 0 };
	bool json = false;
	struct nl_msg *msg;
	struct axnl nl;
	int r = 0, tries;

	parse_simple(argc, argv, "list", &json);
	no_args(argc, argv, "list");
	axnl_open_or_die(&nl);
	/* A dump interrupted by VMs coming and going (EAGAIN) is asked again. */
	for (tries = 0; tries < 5; tries++) {
		l.n = 0;
		msg = axnl_msg(&nl, AXVM_CMD_VM_GET, NLM_F_DUMP);
		if (!msg)
			axctl_die(AXCTL_EFAIL, "out of memory");
		r = axnl_call(&nl, msg, list_reply, &l);
		if (r != -EAGAIN)
			break;
	}
	if (r)
		axnl_die(&nl, r, "list", "VMs");
	axnl_close(&nl);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_id);
	if (json)
		print_list_json(&l);
	else
		print_list_table(&l);
	free(l.v);
	return AXCTL_OK;
}

/* --- stats ---------------------------------------------------------------- */

struct reason_count {
	uint32_t id;
	uint64_t count;
};

struct vcpu_stats {
	uint32_t id;
	uint64_t exits_kernel, exits_user;
	struct reason_count *reasons;
	size_t nr;
};

struct vm_stats {
	struct vm_info vm;
	struct vcpu_stats *vcpus;
	size_t nr;
};

static int parse_vcpu(struct nlattr *nest, struct vcpu_stats *vs)
{
	struct nlattr *a, *r;
	int rem, rem2;
	uint64_t v;

	memset(vs, 0, sizeof(*vs));
	nla_for_each_nested(a, nest, rem) {
		switch (nla_type(a)) {
		case AXVM_A_VCPU_ID:
			if (nla_get_uint(a, &v))
				vs->id = v;
			break;
		case AXVM_A_VCPU_EXITS_KERNEL:
			nla_get_uint(a, &vs->exits_kernel);
			break;
		case AXVM_A_VCPU_EXITS_USER:
			nla_get_uint(a, &vs->exits_user);
			break;
		case AXVM_A_VCPU_REASON: {
			struct reason_count rc = { 0 };
			struct reason_count *n;

			nla_for_each_nested(r, a, rem2) {
				if (nla_type(r) == AXVM_A_REASON_ID && nla_get_uint(r, &v))
					rc.id = v;
				else if (nla_type(r) == AXVM_A_REASON_COUNT)
					nla_get_uint(r, &rc.count);
			}
			n = realloc(vs->reasons, (vs->nr + 1) * sizeof(*n));
			if (!n)
				return -ENOMEM;
			vs->reasons = n;
			vs->reasons[vs->nr++] = rc;
			break;
		}
		}
	}
	return 0;
}

static int stats_reply(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct vm_stats *s = arg;
	struct nlattr *a;
	int rem, r;

	vm_info_parse(tb, &s->vm);
	nla_for_each_attr(a, head, len, rem) {
		struct vcpu_stats *n;

		if (nla_type(a) != AXVM_A_VM_VCPU)
			continue;
		n = realloc(s->vcpus, (s->nr + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->vcpus = n;
		r = parse_vcpu(a, &s->vcpus[s->nr]);
		if (r)
			return r;
		s->nr++;
	}
	return 0;
}

static int reason_cmp(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int vcpu_cmp(const void *a, const void *b)
{
	const struct vcpu_stats *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void print_stats_json(const struct vm_stats *s)
{
	size_t i, j;

	printf("{\"id\": %u, \"name\": ", s->vm.id);
	json_string(stdout, s->vm.name);
	printf(", \"vcpus\": [");
	for (i = 0; i < s->nr; i++) {
		const struct vcpu_stats *v = &s->vcpus[i];

		printf("%s\n  {\"id\": %u, \"exits_kernel\": %llu, \"exits_user\": %llu, \"reasons\": [",
		       i ? "," : "", v->id, (unsigned long long)v->exits_kernel,
		       (unsigned long long)v->exits_user);
		for (j = 0; j < v->nr; j++) {
			const char *n = vmx_reason_name(v->reasons[j].id);

			printf("%s\n    {\"reason\": %u, \"name\": ", j ? "," : "",
			       v->reasons[j].id);
			if (n)
				json_string(stdout, n);
			else
				printf("null");
			printf(", \"count\": %llu}", (unsigned long long)v->reasons[j].count);
		}
		printf("%s]}", v->nr ? "\n  " : "");
	}
	printf("%s]}\n", s->nr ? "\n" : "");
}

static void print_stats_table(const struct vm_stats *s)
{
	size_t i, j;

	printf("VM %s (id %u), %zu vCPU%s\n", s->vm.name[0] ? s->vm.name : "-",
	       s->vm.id, s->nr, s->nr == 1 ? "" : "s");
	for (i = 0; i < s->nr; i++) {
		const struct vcpu_stats *v = &s->vcpus[i];

		printf("vCPU %u: %llu exits: %llu handled in the kernel, %llu by userspace\n",
		       v->id, (unsigned long long)(v->exits_kernel + v->exits_user),
		       (unsigned long long)v->exits_kernel,
		       (unsigned long long)v->exits_user);
		if (!v->nr)
			continue;
		printf("  %6s  %-22s %12s\n", "REASON", "NAME", "COUNT");
		for (j = 0; j < v->nr; j++) {
			const char *n = vmx_reason_name(v->reasons[j].id);

			printf("  %6u  %-22s %12llu\n", v->reasons[j].id, n ? n : "-",
			       (unsigned long long)v->reasons[j].count);
		}
	}
}

int cmd_stats(int argc, char **argv)
{
	struct vm_stats s;
	bool json = false;
	struct nl_msg *msg;
	struct axnl nl;
	const char *name;
	size_t i;
	int r;

	parse_simple(argc, argv, "stats", &json);
	name = one_name(argc, argv, "stats");
	axnl_open_or_die(&nl);
	msg = axnl_msg(&nl, AXVM_CMD_VM_STATS, 0);
	if (!msg || nla_put_string(msg, AXVM_A_VM_NAME, name) < 0)
		axctl_die(AXCTL_EFAIL, "out of memory");
	memset(&s, 0, sizeof(s));
	r = axnl_call(&nl, msg, stats_reply, &s);
	if (r)
		axnl_die(&nl, r, "stats", name);
	axnl_close(&nl);
	if (!s.vm.name[0])
		snprintf(s.vm.name, sizeof(s.vm.name), "%s", name);
	if (s.nr)
		qsort(s.vcpus, s.nr, sizeof(*s.vcpus), vcpu_cmp);
	for (i = 0; i < s.nr; i++)
		if (s.vcpus[i].nr)
			qsort(s.vcpus[i].reasons, s.vcpus[i].nr,
			      sizeof(*s.vcpus[i].reasons), reason_cmp);
	if (json)
		print_stats_json(&s);
	else
		print_stats_table(&s);
	for (i = 0; i < s.nr; i++)
		free(s.vcpus[i].reasons);
	free(s.vcpus);
	return AXCTL_OK;
}

/* --- monitor -------------------------------------------------------------- */

static volatile sig_atomic_t monitor_stop;

static void on_monitor_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

struct monitor_ctx {
	bool json;
};

static int monitor_event(struct nl_msg *msg, void *arg)
{
	struct monitor_ctx *m = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[AXVM_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(h);
	uint64_t ev = 0, vcpu = 0, kind = 0;
	bool has_ev, has_vcpu, has_kind;
	struct vm_info vm;
	struct timespec ts;
	char when[64];
	struct tm tm;

	if (!genlmsg_valid_hdr(h, 0) || genlmsg_parse(h, 0, tb, AXVM_A_MAX, NULL) < 0)
		return NL_SKIP;
	if (g->cmd != AXVM_CMD_EVENT)
		return NL_SKIP;
	vm_info_parse(tb, &vm);
	has_ev = nla_get_uint(tb[AXVM_A_EVENT], &ev);
	has_vcpu = nla_get_uint(tb[AXVM_A_VCPU_ID], &vcpu);
	has_kind = nla_get_uint(tb[AXVM_A_EXIT_KIND], &kind);
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);

	if (m->json) {
		printf("{\"time\": %lld.%03ld, \"event\": \"%s\"",
		       (long long)ts.tv_sec, ts.tv_nsec / 1000000,
		       has_ev ? genl_event_name(ev) : "unknown");
		if (vm.has_id)
			printf(", \"id\": %u", vm.id);
		printf(", \"name\": ");
		json_string(stdout, vm.name);
		if (has_vcpu)
			printf(", \"vcpu\": %llu", (unsigned long long)vcpu);
		if (has_kind)
			printf(", \"exit\": \"%s\"", exit_kind_name(kind));
		if (vm.has_state)
			printf(", \"state\": \"%s\"", vm_state_name(vm.state));
		if (vm.has_owner)
			printf(", \"owner\": %u", vm.owner_pid);
		printf("}\n");
	} else {
		printf("%s.%03ld %-10s vm %s", when, ts.tv_nsec / 1000000,
		       has_ev ? genl_event_name(ev) : "unknown",
		       vm.name[0] ? vm.name : "-");
		if (vm.has_id)
			printf(" (id %u)", vm.id);
		if (has_vcpu)
			printf(" vcpu %llu", (unsigned long long)vcpu);
		if (has_kind)
			printf(" exit %s", exit_kind_name(kind));
		if (vm.has_mem && ev == AXVM_EV_CREATED) {
			char sz[32];

			format_size(vm.mem_bytes, sz, sizeof(sz));
			printf(" memory %s", sz);
		}
		if (vm.has_vcpus && ev == AXVM_EV_CREATED)
			printf(" vcpus %u", vm.vcpus);
		if (vm.has_owner && vm.owner_pid)
			printf(" pid %u", vm.owner_pid);
		printf("\n");
	}
	fflush(stdout);
	return NL_OK;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor_ctx m = { 0 };
	struct sigaction sa;
	struct pollfd pfd;
	struct nl_cb *cb;
	struct axnl nl;
	int grp, r;

	parse_simple(argc, argv, "monitor", &m.json);
	no_args(argc, argv, "monitor");
	/* Ctrl-C ends it with status 0 from here on, also while it subscribes. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_monitor_signal;	/* no SA_RESTART: poll() returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	axnl_open_or_die(&nl);
	grp = genl_ctrl_resolve_grp(nl.sk, AXVM_GENL_NAME, AXVM_GENL_MCGRP_EVENTS);
	if (grp < 0)
		axctl_die(AXCTL_EFAIL, "the axvm netlink family has no \"%s\" group: %s",
			  AXVM_GENL_MCGRP_EVENTS, nl_geterror(grp));
	r = nl_socket_add_membership(nl.sk, grp);
	if (r == -NLE_PERM) {
		/*
		 * The group is for CAP_NET_ADMIN; anyone else subscribes to
		 * their own VMs' events, unicast to this socket.
		 */
		struct nl_msg *msg = axnl_msg(&nl, AXVM_CMD_EVENT_SUBSCRIBE, 0);

		if (!msg)
			axctl_die(AXCTL_EFAIL, "out of memory");
		r = axnl_call(&nl, msg, NULL, NULL);
		if (r)
			axctl_die(r == -EPERM ? AXCTL_EPERM : AXCTL_EFAIL,
				  "cannot subscribe to events: %s", strerror(-r));
	} else if (r < 0) {
		axctl_die(AXCTL_EFAIL, "cannot join the \"%s\" group: %s",
			  AXVM_GENL_MCGRP_EVENTS, nl_geterror(r));
	}
	nl_socket_disable_seq_check(nl.sk);
	nl_socket_set_nonblocking(nl.sk);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		axctl_die(AXCTL_EFAIL, "out of memory");
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, monitor_event, &m);

	if (axctl_verbose >= 0)
		fprintf(stderr, "%s: listening for axvm events (Ctrl-C to stop)\n", axctl_prog);

	pfd.fd = nl_socket_get_fd(nl.sk);
	pfd.events = POLLIN;
	while (!monitor_stop) {
		r = poll(&pfd, 1, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			axctl_die(AXCTL_EFAIL, "poll: %s", strerror(errno));
		}
		r = nl_recvmsgs(nl.sk, cb);
		if (r < 0 && r != -NLE_AGAIN && r != -NLE_INTR) {
			/* ENOBUFS: events were lost; say so and go on. */
			if (r == -NLE_NOMEM)
				axctl_warn("events lost (receive buffer overrun)");
			else
				axctl_die(AXCTL_EFAIL, "receiving events: %s", nl_geterror(r));
		}
	}
	nl_cb_put(cb);
	axnl_close(&nl);
	return AXCTL_OK;
}
