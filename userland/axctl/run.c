// SPDX-License-Identifier: GPL-2.0
/*
 * axctl run: the one-shot command (lkvm run, qemu -kernel): create a VM,
 * run it with `start`, destroy it when axctl ends, on every path.
 *
 * The VM is named (--name, or "run-PID") so that `axctl stats`/`list`/
 * `stop` work on it while it runs. A guest reset (keyboard controller,
 * port 0x92, port 0xcf9, the ACPI reset register) restarts the guest, as
 * QEMU does: the VM is destroyed and made again with the same name, the
 * images are read and loaded again, every vCPU and device starts from
 * its reset state. --no-reboot ends axctl with status 28 instead.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axctl.h"
#include "image.h"
#include "nl.h"

#define RUN_DEFAULT_MEM		"256M"
#define RUN_MAX_ARGS		64	/* room for 8 virtio devices and the rest */

static char run_name[AXVM_NAME_MAX];
static bool run_created;

/* Destroy the VM, quietly: from atexit() too, so never exit() here. */
static void run_destroy(void)
{
	struct nl_msg *msg;
	struct axnl nl;

	if (!run_created)
		return;
	run_created = false;
	if (axnl_open(&nl))
		return;
	msg = axnl_msg(&nl, AXVM_CMD_VM_DEL, 0);
	if (msg && nla_put_string(msg, AXVM_A_VM_NAME, run_name) >= 0)
		axnl_call(&nl, msg, NULL, NULL);
	axnl_close(&nl);
}

/* -v: the VM's exit statistics (`axctl stats`) on stderr before it goes. */
static void run_stats(void)
{
	char *argv[] = { "stats", run_name, NULL };
	int out = dup(STDOUT_FILENO);

	fflush(stdout);
	if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return;
	cmd_stats(2, argv);
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(out);
}

static void run_create(const char *mem, const char *vcpus)
{
	char *argv[] = { "create", "-m", (char *)mem, "-c", (char *)vcpus, run_name, NULL };
	int verbose = axctl_verbose;

	axctl_verbose = verbose > 0 ? verbose : -1;	/* no "created VM" line */
	cmd_create(6, argv);
	axctl_verbose = verbose;
	run_created = true;
}

/*
 * The image's errors before any VM exists: they need no module, and a
 * bad image should not leave a VM behind for an instant.
 */
static void run_probe(const char *kernel, const char *format, const char *initrd)
{
	enum image_format fmt = IMAGE_AUTO;
	char err[256];
	struct stat st;
	ssize_t got;
	char *buf;
	int fd;

	if (format && !image_format_parse(format, &fmt))
		axctl_usage_error("run", "run: bad format '%s' (auto, flat, elf, multiboot or linux)",
				  format);
	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		axctl_die(AXCTL_EIMAGE, "cannot open image %s: %s", kernel, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		axctl_die(AXCTL_EIMAGE, "image %s is not a regular file", kernel);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		axctl_die(AXCTL_EFAIL, "out of memory for image %s", kernel);
	got = read(fd, buf, st.st_size);
	close(fd);
	if (got < 0)
		axctl_die(AXCTL_EIMAGE, "cannot read image %s: %s", kernel, strerror(errno));
	if (image_probe(buf, got, fmt, err, sizeof(err)) < 0)
		axctl_die(AXCTL_EIMAGE, "%s: %s", kernel, err);
	free(buf);
	if (initrd && access(initrd, R_OK))
		axctl_die(AXCTL_EIMAGE, "cannot open initrd %s: %s", initrd, strerror(errno));
}

/* -m: a plain number means MiB (QEMU, kvmtool); else a size with a unit. */
static void run_mem(const char *arg, char *out, size_t len)
{
	const char *p = arg;
	uint64_t bytes;

	while (isdigit((unsigned char)*p))
		p++;
	if (*arg && !*p) {
		if (!parse_uint(arg, 1, 1ULL << 24, &bytes))
			axctl_usage_error("run", "run: bad memory size '%s'", arg);
		snprintf(out, len, "%sM", arg);
		return;
	}
	if (!parse_size(arg, &bytes))
		axctl_usage_error("run", "run: bad memory size '%s' (e.g. 512, 512M, 1G)", arg);
	snprintf(out, len, "%s", arg);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "disk", required_argument, NULL, 'd' },
		{ "append", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "no-reboot", no_argument, NULL, 'R' },
		{ "ring", required_argument, NULL, 'r' },
		{ "gdb", required_argument, NULL, 'G' },
		{ "gdb-wait", no_argument, NULL, 'W' },
		{ "rng", no_argument, NULL, 'E' },
		{ "console", required_argument, NULL, 'C' },
		{ "net", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *sargv[RUN_MAX_ARGS];
	char mem[48] = RUN_DEFAULT_MEM, vcpus[16] = "1";
	const char *name = NULL, *kernel = NULL, *format = NULL, *initrd = NULL;
	bool no_reboot = false;
	uint64_t n;
	sigset_t set;
	int sargc = 0, c, st;

	sargv[sargc++] = "start";
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:i:d:a:f:m:c:n:r:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': case 'i': case 'a': case 'f': case 'r': case 'd':
			if (sargc + 2 >= RUN_MAX_ARGS - 2)
				axctl_usage_error("run", "run: too many options");
			sargv[sargc++] = c == 'k' ? "--kernel" : c == 'i' ? "--initrd" :
					 c == 'a' ? "--append" : c == 'f' ? "--format" :
					 c == 'd' ? "--disk" : "--ring";
			sargv[sargc++] = optarg;
			if (c == 'k')
				kernel = optarg;
			else if (c == 'f')
				format = optarg;
			else if (c == 'i')
				initrd = optarg;
			break;
		case 'm':
			run_mem(optarg, mem, sizeof(mem));
			break;
		case 'c':
			if (!parse_uint(optarg, 1, AXVM_MAX_VCPUS, &n))
				axctl_usage_error("run", "run: bad vCPU count '%s' (1-%d)", optarg,
						  AXVM_MAX_VCPUS);
			snprintf(vcpus, sizeof(vcpus), "%llu", (unsigned long long)n);
			break;
		case 'n':
			if (!vm_name_valid(optarg))
				axctl_usage_error("run", "run: invalid VM name '%s'", optarg);
			name = optarg;
			break;
		case 'R':
			no_reboot = true;
			break;
		case 'G':
		case 'W':
		case 'E':
		case 'C':
		case 'N':
			/* Passed on to start, which checks them. */
			if (sargc + 2 >= RUN_MAX_ARGS - 2)
				axctl_usage_error("run", "run: too many options");
			sargv[sargc++] = c == 'G' ? "--gdb" : c == 'W' ? "--gdb-wait" :
					 c == 'E' ? "--rng" : c == 'C' ? "--console" : "--net";
			if (c != 'W' && c != 'E')
				sargv[sargc++] = optarg;
			break;
		case 'v':
			axctl_verbose = axctl_verbose < 0 ? 1 : axctl_verbose + 1;
			break;
		case 'q':
			axctl_verbose = -1;
			break;
		case 'h':
			usage_cmd(stdout, "run");
			exit(AXCTL_OK);
		default:
			bad_option("run", c, argv);
		}
	}
	if (optind < argc)
		axctl_usage_error("run", "run: unexpected argument '%s'", argv[optind]);
	if (!kernel)
		axctl_usage_error("run", "run: --kernel IMAGE is required");
	run_probe(kernel, format, initrd);
	if (name)
		snprintf(run_name, sizeof(run_name), "%s", name);
	else
		snprintf(run_name, sizeof(run_name), "run-%ld", (long)getpid());
	sargv[sargc++] = run_name;
	sargv[sargc] = NULL;

	/*
	 * SIGINT/SIGTERM wait blocked until start's sigwaitinfo() takes them:
	 * one that comes while the VM is being made or remade must not kill
	 * axctl before atexit() can destroy the VM.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	atexit(run_destroy);
	for (;;) {
		run_create(mem, vcpus);
		st = cmd_start(sargc, sargv);
		if (axctl_verbose > 0)
			run_stats();
		run_destroy();
		if (st != AXCTL_ERESET || no_reboot)
			break;
		if (axctl_verbose >= 0)
			fprintf(stderr, "%s: restarting the guest\n", axctl_prog);
	}
	return st;
}
