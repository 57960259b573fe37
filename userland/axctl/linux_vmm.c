// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start/run: read the initrd, build the ACPI tables, load Linux;
 * the boot milestones in TSC ticks (linux_vmm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <x86intrin.h>

#include "acpi.h"
#include "axctl.h"
#include "linux.h"
#include "linux_vmm.h"

#ifndef AXVM_CAP_IOAPIC
#define AXVM_CAP_IOAPIC		(1U << 8)
#endif
#define INITRD_MAX		(1ULL << 32)

static struct {
	bool is_linux;
	uint64_t entry_tsc, post_tsc;
	uint8_t post_val;
	bool posted;
} boot;

bool linux_vmm_ioapic(const struct axvm_caps *caps)
{
	return caps->flags & AXVM_CAP_IOAPIC;
}

bool linux_cmdline_ok(const void *img, size_t len, const char *cmdline, char *err,
		      size_t errlen)
{
	struct linux_image li;

	if (linux_probe(img, len, &li, err, errlen))
		return true;	/* the loader reports it */
	if (cmdline && strlen(cmdline) > li.cmdline_max) {
		snprintf(err, errlen, "command line too long (%zu bytes; this kernel takes at most %u)",
			 strlen(cmdline), li.cmdline_max);
		return false;
	}
	return true;
}

static void *read_initrd(const char *path, size_t *len)
{
	struct stat st;
	size_t off = 0;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		axctl_die(AXCTL_EIMAGE, "cannot open initrd %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		axctl_die(AXCTL_EIMAGE, "initrd %s is not a regular file", path);
	if ((uint64_t)st.st_size >= INITRD_MAX)
		axctl_die(AXCTL_EIMAGE, "initrd %s: %lld bytes, more than 4 GiB", path,
			  (long long)st.st_size);
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		axctl_die(AXCTL_EFAIL, "out of memory for initrd %s", path);
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + off, st.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			axctl_die(AXCTL_EIMAGE, "cannot read initrd %s: %s", path,
				  r ? strerror(errno) : "file shrank");
		off += r;
	}
	close(fd);
	*len = off;
	return buf;
}

int linux_vmm_load(const void *img, size_t len, const char *initrd, const char *cmdline,
		   void *ram, uint64_t low_ram, uint64_t high_ram, const struct acpi_config *ac,
		   struct boot_state *bs, char *err, size_t errlen)
{
	struct linux_boot lb = {
		.cmdline = cmdline, .low_ram = low_ram, .high_ram = high_ram,
	};
	void *rd = NULL;
	int r;

	if (low_ram < ACPI_TABLES_END) {
		snprintf(err, errlen, "guest RAM of %llu bytes: Linux needs more than 1 MiB",
			 (unsigned long long)low_ram);
		return IMAGE_EFIT;
	}
	lb.rsdp = acpi_build(ram, ac);
	if (!lb.rsdp) {
		snprintf(err, errlen, "ACPI tables for %u vCPUs do not fit below 1 MiB", ac->nr_cpus);
		return IMAGE_EFIT;
	}
	if (initrd) {
		rd = read_initrd(initrd, &lb.initrd_len);
		lb.initrd = rd;
	}
	r = linux_load(img, len, ram, &lb, bs, err, errlen);
	free(rd);
	return r;
}

void linux_vmm_note_entry(const struct boot_state *bs)
{
	boot.is_linux = bs->format == IMAGE_LINUX;
	boot.posted = false;
	boot.entry_tsc = __rdtsc();
}

/* The first write to the milestone port: its TSC and value. */
static int mark_write(void *dev, uint64_t port, unsigned int width, uint64_t val)
{
	(void)dev;
	(void)port;
	(void)width;
	if (boot.is_linux && !boot.posted) {
		boot.post_tsc = __rdtsc();
		boot.post_val = val;
		boot.posted = true;
	}
	return IO_CONTINUE;
}

static uint64_t mark_read(void *dev, uint64_t port, unsigned int width)
{
	(void)dev;
	(void)port;
	(void)width;
	return boot.post_val;
}

int linux_vmm_devices(struct io_bus *bus)
{
	const struct io_handler h = {
		LINUX_MARK_PORT, 1, IO_BYTEWISE, "boot milestone", mark_read, mark_write, NULL,
	};

	return bus_register(&bus->pio, &h);
}

void linux_vmm_report(void)
{
	if (!boot.is_linux || axctl_verbose < 1)
		return;
	if (boot.posted)
		fprintf(stderr, "%s: Linux: first milestone 0x%02x %llu TSC ticks after entry\n",
			axctl_prog, boot.post_val,
			(unsigned long long)(boot.post_tsc - boot.entry_tsc));
	else
		fprintf(stderr, "%s: Linux: no milestone written (ran %llu TSC ticks)\n",
			axctl_prog, (unsigned long long)(__rdtsc() - boot.entry_tsc));
}
