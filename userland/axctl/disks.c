// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start/run: the VM's virtio disks (see disks.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/axvm.h>

#include "axctl.h"
#include "disks.h"

bool disks_add(struct vmm_disks *d, char *spec)
{
	if (d->nr == DISK_MAX)
		return false;
	d->specs[d->nr++] = spec;
	return true;
}

void disks_open(struct vmm_disks *d)
{
	char err[512];
	unsigned int i;

	if (!d->nr)
		return;
	d->blk = calloc(d->nr, sizeof(*d->blk));
	if (!d->blk)
		axctl_die(AXCTL_EFAIL, "out of memory for %u disks", d->nr);
	for (i = 0; i < d->nr; i++) {
		/* A copy: virtio_blk_open() cuts ",ro" off, run may start again. */
		char *spec = strdup(d->specs[i]);

		if (!spec)
			axctl_die(AXCTL_EFAIL, "out of memory");
		if (virtio_blk_open(&d->blk[i], spec, err, sizeof(err)))
			axctl_die(AXCTL_EIMAGE, "%s", err);
		d->acpi[i] = (struct acpi_virtio){
			.base = DISK_MMIO_BASE + i * DISK_MMIO_STRIDE,
			.size = VIRTIO_MMIO_SIZE,
			.gsi = DISK_GSI_BASE + i,
		};
	}
}

void disks_acpi(struct vmm_disks *d, struct acpi_config *ac)
{
	ac->virtio = d->acpi;
	ac->nr_virtio = d->nr;
}

/* The transport's interrupt output: one source on the disk's own pin. */
static void disk_set_irq(void *arg, bool level)
{
	struct disk_irq *irq = arg;
	struct axvm_irq_line l = { .gsi = irq->gsi, .level = level };

	if (ioctl(irq->vm_fd, AXVM_IRQ_LINE, &l) && !irq->err)
		irq->err = -errno;
}

void disks_attach(struct vmm_disks *d, struct bus *mmio, const struct guest_mem *mem, int vm_fd)
{
	unsigned int i;

	for (i = 0; i < d->nr; i++) {
		d->irq[i] = (struct disk_irq){ .vm_fd = vm_fd, .gsi = d->acpi[i].gsi };
		virtio_blk_setup(&d->blk[i], d->acpi[i].base, mem, disk_set_irq, &d->irq[i]);
		if (virtio_mmio_register(&d->blk[i].vm, mmio))
			axctl_die(AXCTL_EFAIL, "disk %u: MMIO range 0x%llx taken", i,
				  (unsigned long long)d->acpi[i].base);
	}
}

void disks_start(struct vmm_disks *d)
{
	unsigned int i;
	int r;

	for (i = 0; i < d->nr; i++) {
		r = virtio_blk_start(&d->blk[i]);
		if (r)
			axctl_die(AXCTL_EFAIL, "disk %u: cannot start its I/O thread: %s", i,
				  strerror(-r));
	}
}

void disks_stop(struct vmm_disks *d)
{
	unsigned int i;

	for (i = 0; i < d->nr && d->blk; i++) {
		struct virtio_blk *b = &d->blk[i];

		virtio_blk_stop(b);
		if (d->irq[i].err)
			fprintf(stderr, "%s: disk %s: AXVM_IRQ_LINE on GSI %u failed: %s\n",
				axctl_prog, b->path, d->irq[i].gsi, strerror(-d->irq[i].err));
		if (axctl_verbose > 0)
			fprintf(stderr, "%s: disk %s: %llu requests (%llu not OK), %llu notifies, %llu interrupts\n",
				axctl_prog, b->path, (unsigned long long)b->reqs,
				(unsigned long long)b->errors, (unsigned long long)b->vm.notifies,
				(unsigned long long)b->vm.irqs);
		virtio_blk_close(b);
		free((char *)b->path);
	}
	free(d->blk);
	d->blk = NULL;
}
