// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: command-line tool and VMM for axvm.
 *
 *   axctl [-v|-q] COMMAND [ARGS]   (axctl --help, axctl COMMAND --help)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/axvm.h>
#include <linux/axvm_genl.h>

#include "axctl.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *desc;
	const char *options;	/* NULL: only --help */
	const char *notes;	/* after the options, or NULL */
};

static const struct command commands[] = {
	{ "create", cmd_create, "create NAME [--memory SIZE] [--vcpus N]",
	  "Create a named VM (generic netlink VM_NEW). It gets no memory and runs\n"
	  "nothing until 'axctl start' attaches to it. The VM is the caller's user's:\n"
	  "only that user (and root) sees it and can start, stop or destroy it.\n",
	  "  -m, --memory SIZE   guest RAM the VMM provides: bytes, or with K, M, G, T\n"
	  "                      (powers of 1024); a multiple of 2M (default 64M)\n"
	  "  -c, --vcpus N       vCPUs, 1-64 (default 1); 'start' runs them all\n"
	  "                      when the module has in-kernel local APICs\n",
	  "NAME: 1-31 characters of A-Z a-z 0-9 _ . -\n" },
	{ "destroy", cmd_destroy, "destroy NAME",
	  "Destroy a named VM (VM_DEL). A VMM running it sees its vCPUs stop.\n",
	  NULL, NULL },
	{ "stop", cmd_stop, "stop NAME",
	  "Stop a running VM (VM_STOP): its vCPUs return ESHUTDOWN, and\n"
	  "'axctl start' prints \"VM stopped\" and exits. The VM stays defined.\n",
	  NULL, NULL },
	{ "pause", cmd_pause, "pause NAME",
	  "Pause a VM that has run (VM_PAUSE): its vCPUs leave the guest and wait\n"
	  "in the kernel; the VMM keeps running. The guest's TSC keeps counting.\n",
	  NULL, NULL },
	{ "resume", cmd_resume, "resume NAME",
	  "Resume a paused VM (VM_RESUME): its vCPUs enter the guest again.\n",
	  NULL, NULL },
	{ "list", cmd_list, "list [-j]",
	  "List the VMs: ID NAME STATE MEMORY VCPUS OWNER (the pid that created or\n"
	  "attached last).\n",
	  "  -j, --json          JSON output: an array of objects\n", NULL },
	{ "stats", cmd_stats, "stats NAME [-j]",
	  "Per-vCPU exit statistics of a VM (VM_STATS): exits handled in the kernel\n"
	  "and forwarded to userspace, and the count per VMX basic exit reason.\n",
	  "  -j, --json          JSON output\n", NULL },
	{ "monitor", cmd_monitor, "monitor [-j]",
	  "Print one line per axvm event (VM created, started, stopped, destroyed,\n"
	  "paused, resumed, terminal vCPU exits) until Ctrl-C: every VM's with\n"
	  "CAP_NET_ADMIN, else the caller's own VMs'.\n",
	  "  -j, --json          one JSON object per line\n", NULL },
	{ "start", cmd_start,
	  "start NAME --kernel IMAGE [--append STR] [--initrd FILE]\n"
	  "      [--format auto|flat|elf|multiboot|linux] [--module FILE[ ARGS]]...\n"
	  "      [--disk FILE[,ro]]... [--rng] [--console serial|virtio]\n"
	  "      [--net tap=NAME[,mac=MAC]]... [--ring sync|off]\n"
	  "      [--gdb tcp:PORT|unix:PATH [--gdb-wait]] [-v|-q]",
	  "Run a VM created with 'axctl create': attach to it, give it its RAM, load\n"
	  "IMAGE and run it in the foreground. The guest's COM1 goes to stdout.\n",
	  "  -k, --kernel IMAGE  Linux bzImage (x86 boot protocol 2.12+, 64-bit entry,\n"
	  "                      ACPI tables) or uncompressed vmlinux (the same, no\n"
	  "                      decompressor: faster), Multiboot kernel (entered in 32-bit protected mode,\n"
	  "                      EBX = Multiboot info), ELF64 x86-64 executable\n"
	  "                      (entered in long mode at its entry point) or flat\n"
	  "                      binary (loaded at 0x1000, real mode at 0000:1000)\n"
	  "  -a, --append STR    command line for the guest (RDI/DI points to it;\n"
	  "                      Multiboot: \"IMAGE STR\" in the info structure)\n"
	  "  -i, --initrd FILE   Linux initramfs, at the top of RAM below the kernel's\n"
	  "                      initrd_addr_max\n"
	  "  -f, --format FMT    auto (default: a Multiboot header means multiboot,\n"
	  "                      else a Linux setup header means linux, else ELF\n"
	  "                      magic means elf, else flat), flat, elf, multiboot\n"
	  "                      or linux\n"
	  "  -M, --module FILE[ ARGS]  Multiboot module, loaded after the kernel\n"
	  "                      (repeatable; the kernel sees the whole string)\n"
	  "  -d, --disk FILE[,ro]  virtio-blk disk on a raw image (repeatable, at most\n"
	  "                      8; ro: read-only); virtio-mmio in the ACPI DSDT,\n"
	  "                      needs the in-kernel I/O APIC\n"
	  "      --rng           virtio-rng: guest entropy from the host's getrandom(2)\n"
	  "      --console MODE  serial (default): stdin to COM1; virtio: a virtio\n"
	  "                      console (the guest's hvc0) out to stdout, and stdin\n"
	  "                      to it instead of COM1 (console=hvc0 for the guest)\n"
	  "      --net tap=NAME[,mac=MAC]  virtio-net on tap device NAME (made if\n"
	  "                      missing: CAP_NET_ADMIN), MAC default\n"
	  "                      52:54:00:12:34:56 (repeatable)\n"
	  "                      Virtio devices: at most 8 in all\n"
	  "  -r, --ring MODE     sync (default): exits through the shared exit ring,\n"
	  "                      COM1 writes posted; off: one AXVM_RUN per exit\n"
	  "      --gdb WHERE     a gdb stub on tcp:PORT (127.0.0.1) or unix:PATH:\n"
	  "                      gdb's 'target remote' debugs the guest (vCPUs are\n"
	  "                      threads; breakpoints, watchpoints, stepping)\n"
	  "      --gdb-wait      no guest instruction runs before the debugger attaches\n"
	  "  -v, --verbose       more detail (register dumps on failures, counts of\n"
	  "                      unhandled port I/O at exit)\n"
	  "  -q, --quiet         no messages from axctl, only the guest's output\n",
	  "Exit status: 0 when the guest halts or powers off (ACPI S5); (v << 1) | 1\n"
	  "when it writes v to the\n"
	  "debug-exit port 0xf4; 16 triple fault, 18 VM entry failed, 20 internal\n"
	  "error, 22 VM stopped, 24 interrupted, 28 guest reset the machine; see\n"
	  "axctl(8) for all of them.\n" },
	{ "run", cmd_run,
	  "run --kernel IMAGE [--initrd FILE] [--append STR] [-m SIZE] [-c N]\n"
	  "      [--disk FILE[,ro]]... [--rng] [--console serial|virtio]\n"
	  "      [--net tap=NAME[,mac=MAC]]... [--name NAME] [--no-reboot] [--format FMT]\n"
	  "      [--ring sync|off] [--gdb tcp:PORT|unix:PATH [--gdb-wait]] [-v|-q]",
	  "Create a VM, run IMAGE in it as 'start' does, destroy it when axctl ends\n"
	  "(also on errors and signals). A guest reset restarts the guest from its\n"
	  "images, as QEMU does.\n",
	  "  -k, --kernel IMAGE  as for 'start' (Linux bzImage or vmlinux, Multiboot, ELF64, flat)\n"
	  "  -i, --initrd FILE   Linux initramfs\n"
	  "  -a, --append STR    the guest's command line\n"
	  "  -d, --disk FILE[,ro]  as for 'start' (repeatable)\n"
	  "      --rng, --console MODE, --net tap=NAME[,mac=MAC]  as for 'start'\n"
	  "  -m, --memory SIZE   guest RAM: a plain number is MiB (QEMU, kvmtool),\n"
	  "                      or a size with K, M, G; a multiple of 2M (default 256)\n"
	  "  -c, --vcpus N       vCPUs, 1-64 (default 1)\n"
	  "  -n, --name NAME     the VM's name (default run-PID), for stats/list/stop\n"
	  "      --no-reboot     a guest reset ends axctl with status 28 (QEMU's name)\n"
	  "  -f, --format FMT    as for 'start'\n"
	  "  -r, --ring MODE     as for 'start'\n"
	  "      --gdb WHERE     as for 'start'\n"
	  "      --gdb-wait      as for 'start'\n"
	  "  -v, --verbose       more detail\n"
	  "  -q, --quiet         only the guest's output\n",
	  "Exit status: as 'start': 0 the guest powered off or halted, 28 it reset the\n"
	  "machine (with --no-reboot), 16 triple fault; see axctl(8).\n" },
	{ "trace", cmd_trace, "trace [NAME] [--duration S] [-j] [--tracepoint]",
	  "Trace the exits of a VM (or of every VM without NAME) with BPF programs on\n"
	  "axvm's tracepoints: exits per VMX reason and vCPU (handled in the kernel or\n"
	  "forwarded), in-kernel handling time and userspace service latency\n"
	  "histograms (log2 ns). A table refreshed every second, or JSON at the end.\n"
	  "Needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN).\n",
	  "  -d, --duration S    stop after S seconds (default: at Ctrl-C/SIGTERM)\n"
	  "  -j, --json          no table: one JSON object when tracing stops\n"
	  "  -t, --tracepoint    use the tracepoint/axvm/ programs, not tp_btf/ (which\n"
	  "                      need the module's BTF; they are the fallback anyway)\n",
	  "Exit status: 0; 4 axvm not loaded, 8 no such VM, 6 no privilege to load BPF,\n"
	  "30 the BPF programs did not load or attach; see axctl(8).\n" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void usage_cmd(FILE *f, const char *cmd)
{
	const struct command *c = find_command(cmd);

	if (!c)
		return;
	fprintf(f, "Usage: %s %s\n\n%s\nOptions:\n%s  -h, --help          this text\n",
		axctl_prog, c->synopsis, c->desc, c->options ? c->options : "");
	if (c->notes)
		fprintf(f, "\n%s", c->notes);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-v|-q] COMMAND [ARGS]\n\n"
		"Manage and run axvm virtual machines.\n\nCommands:\n", axctl_prog);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].synopsis);
	fprintf(f, "\nOptions:\n"
		"  -v, --verbose   more messages (repeat for more)\n"
		"  -q, --quiet     no messages except errors\n"
		"  -h, --help      this text ('%s COMMAND --help' for a command)\n"
		"  -V, --version   axctl's version and ABI, and the loaded module's\n"
		"\nSee axctl(8).\n", axctl_prog);
}

/*
 * -V: axctl's own version and ABI, then the loaded module's: its
 * MODULE_VERSION from sysfs and the ABI it answers AXVM_GET_API_VERSION
 * with. /dev/axvm is opened only when the module is loaded, so that -V
 * never autoloads it.
 */
static void print_version(void)
{
	char ver[64] = "";
	FILE *f;
	int fd, api;

	printf("axctl %s (axvm API %d, generic netlink family \"%s\" version %d)\n",
	       AXCTL_VERSION, AXVM_API_VERSION, AXVM_GENL_NAME, AXVM_GENL_VERSION);
	if (access("/sys/module/axvm", F_OK)) {
		printf("axvm module: not loaded (modprobe axvm)\n");
		return;
	}
	f = fopen("/sys/module/axvm/version", "re");
	if (f) {
		if (fgets(ver, sizeof(ver), f))
			ver[strcspn(ver, "\n")] = '\0';
		fclose(f);
	}
	printf("axvm module: %s", *ver ? ver : "(no version)");
	fd = open(AXVM_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf(" (API unknown: %s: %s)\n", AXVM_DEV_PATH, strerror(errno));
		return;
	}
	api = ioctl(fd, AXVM_GET_API_VERSION, 0);
	close(fd);
	if (api < 0)
		printf(" (API unknown: AXVM_GET_API_VERSION: %s)\n", strerror(errno));
	else
		printf(" (axvm API %d%s)\n", api,
		       api == AXVM_API_VERSION ? "" : ", not axctl's");
}

/* -j/--json anywhere in the command's arguments (before "--"). */
static bool wants_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd;
	int c;

	axctl_json_errors = wants_json(argc, argv);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			axctl_verbose = axctl_verbose < 0 ? 1 : axctl_verbose + 1;
			break;
		case 'q':
			axctl_verbose = -1;
			break;
		case 'h':
			usage(stdout);
			return AXCTL_OK;
		case 'V':
			print_version();
			return AXCTL_OK;
		default:
			axctl_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return AXCTL_EUSAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return AXCTL_OK;
		}
		if (!find_command(argv[optind + 1]))
			axctl_usage_error(NULL, "help: unknown command '%s'", argv[optind + 1]);
		usage_cmd(stdout, argv[optind + 1]);
		return AXCTL_OK;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		axctl_usage_error(NULL, "unknown command '%s'", argv[optind]);
	return cmd->fn(argc - optind, argv + optind);
}
