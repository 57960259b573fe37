// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: the command (see vmm.h for the VMM's files). Reads the
 * options and the image, checks the module and the VM, sets up RAM, the
 * devices and the vCPUs, starts the threads and waits for the end in the
 * main thread, then tears everything down. The order matters to the
 * user: image errors need no module, option errors come first of all.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axctl.h"
#include "vdevs.h"
#include "linux_vmm.h"
#include "multiboot.h"
#include "nl.h"
#include "tsc.h"
#include "vmm.h"

#define IMAGE_MAX	(1ULL << 32)	/* larger files are not images */
#define VMM_DEFAULT_MEM	(64ULL << 20)	/* for a VM made without MEM_BYTES */

struct start_opts {
	const char *name;
	const char *kernel, *cmdline, *initrd;
	enum image_format fmt;
	struct mb_module mods[MB_MAX_MODULES];
	unsigned int nr_mods;
	bool use_ring;
	const char *gdb;	/* --gdb tcp:PORT | unix:PATH */
	bool gdb_wait;
	struct vmm_vdevs vdevs;
};

/* Long-only options. */
enum { OPT_GDB = 0x100, OPT_GDB_WAIT, OPT_RNG, OPT_CONSOLE, OPT_NET };

/* --- options --------------------------------------------------------------- */

static void parse_options(int argc, char **argv, struct start_opts *o)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "append", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "module", required_argument, NULL, 'M' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "disk", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "ring", required_argument, NULL, 'r' },
		{ "gdb", required_argument, NULL, OPT_GDB },
		{ "gdb-wait", no_argument, NULL, OPT_GDB_WAIT },
		{ "rng", no_argument, NULL, OPT_RNG },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "net", required_argument, NULL, OPT_NET },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rsp_listen l;
	char err[256];
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:a:f:M:i:d:vqr:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'a':
			o->cmdline = optarg;
			break;
		case 'f':
			if (!image_format_parse(optarg, &o->fmt))
				axctl_usage_error("start", "start: bad format '%s' (auto, flat, elf or multiboot)", optarg);
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'd':
			if (!vdevs_add_disk(&o->vdevs, optarg))
				axctl_usage_error("start", "start: too many --disk (at most %d)",
						  DISK_MAX - (vdevs_wanted(&o->vdevs) - o->vdevs.nr_disks));
			break;
		case 'M':
			if (o->nr_mods == MB_MAX_MODULES)
				axctl_usage_error("start", "start: too many --module (at most %d)",
						  MB_MAX_MODULES);
			o->mods[o->nr_mods++].string = optarg;
			break;
		case 'v':
			axctl_verbose = axctl_verbose < 0 ? 1 : axctl_verbose + 1;
			break;
		case 'q':
			axctl_verbose = -1;
			break;
		case 'r':
			if (strcmp(optarg, "sync") && strcmp(optarg, "off"))
				axctl_usage_error("start", "start: bad --ring '%s' (sync or off)", optarg);
			o->use_ring = !strcmp(optarg, "sync");
			break;
		case OPT_GDB:
			if (!rsp_parse_listen(optarg, &l))
				axctl_usage_error("start", "start: bad --gdb '%s' (tcp:PORT or unix:PATH)",
						  optarg);
			o->gdb = optarg;
			break;
		case OPT_GDB_WAIT:
			o->gdb_wait = true;
			break;
		case OPT_RNG:
			if (!vdevs_add_rng(&o->vdevs))
				axctl_usage_error("start", "start: too many virtio devices (at most %d)",
						  VDEV_MAX);
			break;
		case OPT_NET:
			r = vdevs_add_net(&o->vdevs, optarg, err, sizeof(err));
			if (r == -1)
				axctl_usage_error("start", "start: %s", err);
			if (r)
				axctl_usage_error("start", "start: too many virtio devices (at most %d)",
						  VDEV_MAX);
			break;
		case OPT_CONSOLE:
			if (strcmp(optarg, "serial") && strcmp(optarg, "virtio"))
				axctl_usage_error("start", "start: bad --console '%s' (serial or virtio)",
						  optarg);
			if (!strcmp(optarg, "virtio") && !vdevs_add_console(&o->vdevs, STDOUT_FILENO))
				axctl_usage_error("start", "start: too many virtio devices (at most %d)",
						  VDEV_MAX);
			break;
		case 'h':
			usage_cmd(stdout, "start");
			exit(AXCTL_OK);
		default:
			bad_option("start", c, argv);
		}
	}
}

static void check_args(int argc, char **argv, struct start_opts *o)
{
	if (optind >= argc)
		axctl_usage_error("start", "start: missing VM name");
	if (optind + 1 < argc)
		axctl_usage_error("start", "start: unexpected argument '%s'", argv[optind + 1]);
	o->name = argv[optind];
	if (!vm_name_valid(o->name))
		axctl_usage_error("start", "start: invalid VM name '%s' (1-%d characters of A-Z a-z 0-9 _ . -)",
				  o->name, AXVM_NAME_MAX - 1);
	if (!o->kernel)
		axctl_usage_error("start", "start: --kernel IMAGE is required");
	if (o->gdb_wait && !o->gdb)
		axctl_usage_error("start", "start: --gdb-wait needs --gdb");
}

/* --- the image ------------------------------------------------------------- */

static void *read_image(const char *path, size_t *len)
{
	struct stat st;
	size_t off = 0;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		axctl_die(AXCTL_EIMAGE, "cannot open image %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		axctl_die(AXCTL_EIMAGE, "cannot read image %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		axctl_die(AXCTL_EIMAGE, "image %s is not a regular file", path);
	if ((uint64_t)st.st_size > IMAGE_MAX)
		axctl_die(AXCTL_EIMAGE, "image does not fit in guest memory (%s: %lld bytes)",
			  path, (long long)st.st_size);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		axctl_die(AXCTL_EFAIL, "out of memory for image %s", path);
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, (char *)buf + off, st.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			axctl_die(AXCTL_EIMAGE, "cannot read image %s: %s", path, strerror(errno));
		if (r == 0)
			break;
		off += r;
	}
	close(fd);
	*len = off;
	return buf;
}

/* --module "FILE [ARGS]": the kernel sees the whole string, axctl reads FILE. */
static void read_modules(struct mb_module *mods, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t flen = strcspn(mods[i].string, " ");
		char *path = strndup(mods[i].string, flen);

		if (!path)
			axctl_die(AXCTL_EFAIL, "out of memory");
		mods[i].data = read_image(path, &mods[i].len);
		free(path);
	}
}

/* Read and probe the image (o->fmt becomes its format), check --append/--module. */
static void *prepare_image(struct start_opts *o, size_t *len)
{
	char err[256];
	void *img;
	int r;

	img = read_image(o->kernel, len);
	r = image_probe(img, *len, o->fmt, err, sizeof(err));
	if (r < 0)
		axctl_die(AXCTL_EIMAGE, "%s: %s", o->kernel, err);
	o->fmt = r;
	if (o->nr_mods && o->fmt != IMAGE_MULTIBOOT)
		axctl_usage_error("start", "start: --module needs a Multiboot image (%s is %s)",
				  o->kernel, image_format_name(o->fmt));
	if (o->initrd && o->fmt != IMAGE_LINUX)
		axctl_usage_error("start", "start: --initrd needs a Linux kernel, bzImage or vmlinux (%s is %s)",
				  o->kernel, image_format_name(o->fmt));
	if (o->fmt == IMAGE_LINUX) {
		if (!linux_cmdline_ok(img, *len, o->cmdline, err, sizeof(err)))
			axctl_usage_error("start", "start: --append: %s", err);
	} else if (o->fmt == IMAGE_MULTIBOOT) {
		if (strlen(o->kernel) + 1 + (o->cmdline ? strlen(o->cmdline) : 0) > MB_CMDLINE_MAX)
			axctl_usage_error("start", "start: --append: command line too long (at most %d bytes with the image name)",
					  MB_CMDLINE_MAX);
		read_modules(o->mods, o->nr_mods);
	} else if (o->cmdline &&
		   strlen(o->cmdline) > (o->fmt == IMAGE_FLAT ? FLAT_CMDLINE_MAX : ELF_CMDLINE_MAX)) {
		axctl_usage_error("start", "start: --append: command line too long (at most %d bytes for a%s image)",
				  o->fmt == IMAGE_FLAT ? FLAT_CMDLINE_MAX : ELF_CMDLINE_MAX,
				  o->fmt == IMAGE_FLAT ? " flat" : "n ELF");
	}
	return img;
}

/* Into guest RAM; bs gets the boot state. Frees img. */
static void load_image(struct vmm *v, const struct start_opts *o, void *img, size_t len,
		       struct boot_state *bs)
{
	struct acpi_config ac = { .nr_cpus = v->nr_vcpus, .ioapic = v->has_ioapic };
	char err[256];
	int r;

	vdevs_acpi(v->vdevs, &ac);
	if (o->fmt == IMAGE_LINUX)
		r = linux_vmm_load(img, len, o->initrd, o->cmdline, v->ram, v->ram_low,
				   v->ram_size - v->ram_low, &ac, bs, err, sizeof(err));
	else if (o->fmt == IMAGE_MULTIBOOT)
		r = mb_load(img, len, o->kernel, o->cmdline, o->mods, o->nr_mods, v->ram,
			    v->ram_low, v->ram_size - v->ram_low, bs, err, sizeof(err));
	else
		r = image_load(img, len, o->fmt, v->ram, v->ram_size, o->cmdline, bs, err,
			       sizeof(err));
	if (r == IMAGE_ECMDLINE)
		axctl_usage_error("start", "start: %s", err);
	if (r)
		axctl_die(AXCTL_EIMAGE, "%s: %s", o->kernel, err);
	free(img);
}

static void print_banner(const struct vmm *v, const struct start_opts *o,
			 const struct boot_state *bs)
{
	char sz[32];

	if (axctl_verbose <= 0)
		return;
	format_size(v->ram_size, sz, sizeof(sz));
	fprintf(stderr, "%s: VM %s: %s, %u vCPU%s; %s image %s at 0x%llx-0x%llx, entry 0x%llx%s\n",
		axctl_prog, v->name, sz, v->nr_vcpus, v->nr_vcpus == 1 ? "" : "s",
		image_format_name(bs->format), o->kernel, (unsigned long long)bs->load_lo,
		(unsigned long long)bs->load_hi, (unsigned long long)bs->entry,
		bs->format == IMAGE_FLAT ? " (real mode)" :
		bs->format == IMAGE_MULTIBOOT ? " (protected mode)" : " (long mode)");
}

/* --- the module and the VM ------------------------------------------------- */

static int open_dev(void)
{
	int fd = open(AXVM_DEV_PATH, O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			axctl_die(AXCTL_ENOMODULE, "axvm module not loaded (no %s): modprobe axvm",
				  AXVM_DEV_PATH);
		if (errno == EACCES || errno == EPERM)
			axctl_die(AXCTL_EPERM, "permission denied on %s", AXVM_DEV_PATH);
		axctl_die(AXCTL_EFAIL, "cannot open %s: %s", AXVM_DEV_PATH, strerror(errno));
	}
	version = ioctl(fd, AXVM_GET_API_VERSION, 0);
	if (version != AXVM_API_VERSION)
		axctl_die(AXCTL_EFAIL, "%s speaks API version %d, axctl %d", AXVM_DEV_PATH,
			  version, AXVM_API_VERSION);
	return fd;
}

static int attach(int dev_fd, const char *name)
{
	struct axvm_attach_vm a;
	int fd;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	fd = ioctl(dev_fd, AXVM_ATTACH_VM, &a);
	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ESRCH:
		axctl_die(AXCTL_ENOVM, "no VM named %s", name);
	case EPERM:
	case EACCES:
		axctl_die(AXCTL_EPERM, "permission denied attaching to VM %s", name);
	case EBUSY:
		axctl_die(AXCTL_EBUSY, "VM %s is busy (another VMM is attached, or another hypervisor holds VT-x)",
			  name);
	case ENOTTY:
		axctl_die(AXCTL_EFAIL, "this axvm module cannot attach to named VMs (no AXVM_ATTACH_VM)");
	}
	axctl_die(AXCTL_EFAIL, "attaching to VM %s: %s", name, strerror(errno));
}

/* The module's capabilities; the run page must hold struct axvm_run. */
static void get_caps(int dev_fd, struct axvm_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	if (ioctl(dev_fd, AXVM_GET_CAPS, caps) < 0)
		axctl_die(AXCTL_EFAIL, "AXVM_GET_CAPS: %s", strerror(errno));
	if (caps->run_size < sizeof(struct axvm_run))
		axctl_die(AXCTL_EFAIL, "run page of %u bytes is too small", caps->run_size);
}

/* The VM's size and vCPUs from netlink (defaults when not given at VM_NEW). */
static void get_vm_shape(struct vmm *v, const struct axvm_caps *caps, enum image_format fmt)
{
	struct vm_info info;
	struct axnl nl;
	char sz[32];
	int r;

	axnl_open_or_die(&nl);
	r = axnl_vm_get(&nl, v->name, &info);
	if (r)
		axnl_die(&nl, r, "start", v->name);
	axnl_close(&nl);
	/* 0 (or absent): not given at VM_NEW; the VMM's defaults then. */
	if (!info.has_mem || !info.mem_bytes)
		info.mem_bytes = VMM_DEFAULT_MEM;
	if (!info.has_vcpus || !info.vcpus)
		info.vcpus = 1;
	if (info.has_state && info.state == AXVM_VM_RUNNING)
		axctl_die(AXCTL_EBUSY, "VM %s is already running (pid %u)", v->name, info.owner_pid);
	if (info.vcpus > AXVM_MAX_VCPUS || (caps->max_vcpus && info.vcpus > caps->max_vcpus))
		axctl_die(AXCTL_EFAIL, "VM %s has %u vCPUs, more than axvm supports (max_vcpus %u)",
			  v->name, info.vcpus, caps->max_vcpus ? caps->max_vcpus : AXVM_MAX_VCPUS);
	v->ram_size = info.mem_bytes;
	v->ram_low = v->ram_size;
	if ((fmt == IMAGE_MULTIBOOT || fmt == IMAGE_LINUX) && v->ram_low > PC_LOW_MEM_MAX)
		v->ram_low = PC_LOW_MEM_MAX;	/* the rest above 4 GiB, past the PCI hole */
	v->nr_vcpus = info.vcpus;
	format_size(v->ram_size, sz, sizeof(sz));
	if (v->ram_size % 4096)
		axctl_die(AXCTL_EFAIL, "VM %s has %llu bytes of memory: not page aligned", v->name,
			  (unsigned long long)v->ram_size);
	if (caps->max_mem_bytes && v->ram_size > caps->max_mem_bytes)
		axctl_die(AXCTL_EFAIL, "guest memory of %s is more than the module allows (max_vm_mem = %llu)",
			  sz, (unsigned long long)caps->max_mem_bytes);
}

/* --- vCPUs and devices ----------------------------------------------------- */

/*
 * Virtio devices: the interrupts need the in-kernel I/O APIC, which comes
 * with the LAPICs (vmm_ioapic_create), and the registers must not be RAM.
 * The messages name the option of the first device (--disk first).
 */
static void check_vdevs(const struct vmm *v, const struct axvm_caps *caps,
			const struct vmm_vdevs *d)
{
	const char *opt;

	if (!d->nr)
		return;
	opt = d->dev[0].ops->option;
	if (!v->has_ioapic || !(caps->flags & AXVM_CAP_LAPIC))
		axctl_die(AXCTL_EFAIL, "%s needs the axvm module's in-kernel I/O APIC (AXVM_CAP_IOAPIC) for its interrupts",
			  opt);
	if (v->ram_low > VDEV_MMIO_BASE)
		axctl_die(AXCTL_EFAIL, "%s: guest RAM below 4 GiB (%llu MiB) covers the %s registers at 0x%llx",
			  opt, (unsigned long long)v->ram_low >> 20,
			  d->nr_disks == d->nr ? "disks'" : "virtio devices'", VDEV_MMIO_BASE);
}

/* SET_POSTED on a COM1 range; errors but ok_err end axctl. */
static void posted(struct vmm *v, uint16_t len, uint32_t flags, int ok_err)
{
	struct axvm_posted_range r = { .bus = AXVM_POSTED_PIO, .base = COM1_BASE,
				       .len = len, .flags = flags };

	if (ioctl(v->vm_fd, AXVM_SET_POSTED, &r) < 0 && errno != ok_err)
		axctl_die(AXCTL_EFAIL, "AXVM_SET_POSTED%s for COM1: %s",
			  flags ? " (remove)" : "", strerror(errno));
}

/*
 * THR writes need no answer: post them (port 0x3f8 only), the guest goes
 * on. Not COM1's other registers: an IER write that turns the THRE
 * interrupt on must reach the UART before the guest halts to wait for
 * that interrupt (a HLT sleeps in the kernel, and posted writes wait in
 * the ring until the vCPU's next exit to axctl); THR bytes are flushed by
 * the next register read (an IIR or LSR read, which every driver does).
 * Not with several vCPUs running: each vCPU's posted bytes wait in its own
 * ring, so the output of different vCPUs would come out of order. An
 * earlier VMM's ranges (older axctl posted all 8 ports) are removed first
 * (ENOENT: there was none).
 */
static void set_com1_posting(struct vmm *v)
{
	posted(v, COM1_SIZE, AXVM_POSTED_F_REMOVE, ENOENT);
	if (!v->lapic || v->nr_vcpus == 1)
		posted(v, 1, 0, EEXIST);
	else
		posted(v, 1, AXVM_POSTED_F_REMOVE, ENOENT);
}

/*
 * Tell the guest its TSC rate (CPUID 0x15/0x16, tsc.h). A module without
 * the CPUID ioctls (ENOTTY) leaves the guest to calibrate on the PIT.
 */
static void set_tsc_cpuid(struct vmm *v)
{
	uint32_t khz = tsc_host_khz();
	int r = khz ? tsc_set_cpuid(v->vm_fd, khz) : -EINVAL;

	if (r && r != -ENOTTY)
		fprintf(stderr, "%s: cannot give the guest its TSC frequency in CPUID: %s\n",
			axctl_prog, khz ? strerror(-r) : "no TSC rate measured");
	else if (!r && axctl_verbose > 0)
		fprintf(stderr, "%s: guest TSC %u kHz (CPUID 0x15/0x16)\n", axctl_prog, khz);
}

static void setup_vcpus(struct vmm *v, const struct axvm_caps *caps, bool use_ring,
			const struct boot_state *bs)
{
	unsigned int i;

	v->vcpus = calloc(v->nr_vcpus, sizeof(*v->vcpus));
	v->states = calloc(v->nr_vcpus, sizeof(*v->states));
	if (!v->vcpus || !v->states)
		axctl_die(AXCTL_EFAIL, "out of memory");
	set_tsc_cpuid(v);
	v->lapic = vmm_lapic_create(v, caps);
	for (i = 0; i < v->nr_vcpus; i++) {
		vcpu_create(v, &v->vcpus[i], i, caps->run_size);
		v->states[i] = smp_initial_state(v->lapic, i);
	}
	if (use_ring && (caps->flags & AXVM_CAP_EXIT_RING)) {
		set_com1_posting(v);
		for (i = 0; i < v->nr_vcpus; i++)
			vcpu_setup_ring(&v->vcpus[i]);
	}
	vcpu_set_boot_state(&v->vcpus[0], bs);
}

static void console_room_hook(void *arg);

/* The bus with COM1 (to stdout) and the PC board, the locks, the I/O APIC. */
static void setup_devices(struct vmm *v, const struct axvm_caps *caps)
{
	io_bus_init(&v->io, STDOUT_FILENO);
	pthread_mutex_init(&v->dev_lock, NULL);
	pthread_mutex_init(&v->state_lock, NULL);
	pthread_cond_init(&v->irq_cond, NULL);
	pthread_cond_init(&v->end_cond, NULL);
	if (pc_init(&v->pc, &v->io, v->ram_low, v->ram_size - v->ram_low, v->nr_vcpus,
		    &v->dev_lock, vmm_irq_notify, v))
		axctl_die(AXCTL_EFAIL, "cannot set up the PC devices");
	if (power_init(&v->power, &v->io, pc_monotonic_ns) || linux_vmm_devices(&v->io))
		axctl_die(AXCTL_EFAIL, "cannot set up the ACPI power ports");
	vmm_ioapic_create(v, caps);
	if (v->vdevs->nr) {
		struct guest_mem mem = {
			.ram = v->ram, .low = v->ram_low, .high = v->ram_size - v->ram_low,
		};

		vdevs_attach(v->vdevs, &v->io.mmio, &mem, v->vm_fd);
		if (v->vdevs->cons) {
			/* A no-op until start_console() has started the reader. */
			v->vdevs->cons->room = console_room_hook;
			v->vdevs->cons->room_arg = &v->console;
		}
	}
}

/* --- console input ----------------------------------------------------------- */

/* Under dev_lock (console.c): into COM1's receiver, or hvc0's (--console virtio). */
static size_t console_push(void *arg, const uint8_t *buf, size_t len)
{
	struct vmm *v = arg;

	if (v->vdevs->cons)
		return virtio_console_rx_push(v->vdevs->cons, buf, len);
	return uart_rx_push(&v->io.com1, buf, len);
}

static void console_quit(void *arg)
{
	vmm_finish(arg, AXCTL_EINTR, "quit (Ctrl-A x)");
}

static void console_room_hook(void *arg)
{
	console_room(arg);
}

/* Standard input to COM1 or hvc0 (console.h), after the threads are up. */
static void start_console(struct vmm *v)
{
	const char *to = v->vdevs->cons ? "the virtio console" : "COM1";
	int r = console_start(&v->console, STDIN_FILENO, &v->dev_lock, console_push,
			      console_quit, v);

	if (r == -ENOTTY) {
		vmm_note(v, 1, "standard input is a terminal in the background: no input to %s", to);
		return;
	}
	if (r) {
		fprintf(stderr, "%s: no input to %s: %s\n", axctl_prog, to, strerror(-r));
		return;
	}
	if (v->vdevs->cons)
		return;		/* its receive buffers call console_room() */
	pthread_mutex_lock(&v->dev_lock);
	pc_set_input_room(&v->pc, console_room_hook, &v->console);
	pthread_mutex_unlock(&v->dev_lock);
}

/* --- running and the end --------------------------------------------------- */

/* Threads, the PIT, then the main thread waits (sigwaitinfo) for the end. */
static void run_vm(struct vmm *v)
{
	sigset_t set;
	int r;

	v->main_thread = pthread_self();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	vdevs_start(v->vdevs);
	vcpus_start(v);
	gdb_start(v);
	r = pc_start(&v->pc);
	if (r)
		axctl_die(AXCTL_EFAIL, "cannot start the PIT timer thread: %s", strerror(-r));
	start_console(v);
	sigdelset(&set, SIGUSR1);
	for (;;) {
		int sig = sigwaitinfo(&set, NULL);

		if (sig == SIGINT || sig == SIGTERM) {
			atomic_store(&v->stop, 1);
			vmm_finish(v, AXCTL_EINTR, "interrupted (%s)",
				   sig == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		if (sig == SIGUSR2 && atomic_load(&v->done))
			break;
	}
	/* Signals stay blocked: a SIGUSR2 may still be pending. */
}

static void teardown(struct vmm *v)
{
	unsigned int i;

	vcpus_join(v);
	vdevs_stop(v->vdevs);
	gdb_end(v);
	console_stop(&v->console);	/* the terminal as it was */
	pc_stop(&v->pc);
	print_unhandled(v);
	if (v->pc.gsi_err)
		fprintf(stderr, "%s: AXVM_IRQ_LINE failed, ISA IRQs reached the PIC only: %s\n",
			axctl_prog, strerror(-v->pc.gsi_err));
	linux_vmm_report();
	pc_free(&v->pc);
	for (i = 0; i < v->nr_vcpus; i++)
		vcpu_destroy(&v->vcpus[i]);
	close(v->vm_fd);
	close(v->dev_fd);
	ram_free(v);
	free(v->vcpus);
	free(v->states);
}

/* --- axctl start ----------------------------------------------------------- */

int cmd_start(int argc, char **argv)
{
	static struct start_opts o;
	struct axvm_caps caps;
	struct boot_state bs;
	struct vmm vmm;
	size_t img_len;
	void *img;

	memset(&o, 0, sizeof(o));
	o.fmt = IMAGE_AUTO;
	o.use_ring = true;
	parse_options(argc, argv, &o);
	memset(&vmm, 0, sizeof(vmm));
	check_args(argc, argv, &o);
	vmm.name = o.name;

	/* The image first: its errors need no module. */
	img = prepare_image(&o, &img_len);
	vdevs_open(&o.vdevs);
	vmm.vdevs = &o.vdevs;
	vmm.dev_fd = open_dev();
	get_caps(vmm.dev_fd, &caps);
	vmm.has_ioapic = linux_vmm_ioapic(&caps);
	get_vm_shape(&vmm, &caps, o.fmt);
	check_vdevs(&vmm, &caps, &o.vdevs);

	vmm.vm_fd = attach(vmm.dev_fd, vmm.name);
	ram_alloc(&vmm);
	load_image(&vmm, &o, img, img_len, &bs);
	ram_add(&vmm);
	print_banner(&vmm, &o, &bs);
	linux_vmm_note_entry(&bs);

	setup_vcpus(&vmm, &caps, o.use_ring, &bs);
	setup_devices(&vmm, &caps);
	if (o.gdb)
		gdb_setup(&vmm, o.gdb, o.gdb_wait, caps.flags);
	run_vm(&vmm);
	teardown(&vmm);
	return vmm.status;
}
