// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start/run: the VM's virtio devices (see vdevs.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/axvm.h>

#include "axctl.h"
#include "vdevs.h"
#include "virtio/blk.h"
#include "virtio/net.h"
#include "virtio/rng.h"

unsigned int vdevs_wanted(const struct vmm_vdevs *d)
{
	return d->nr_disks + d->nr_nets + d->rng + d->console;
}

int vdevs_add_net(struct vmm_vdevs *d, char *spec, char *err, size_t errlen)
{
	struct virtio_net n;

	if (virtio_net_parse(&n, spec, err, errlen))
		return -1;
	if (vdevs_wanted(d) == VDEV_MAX)
		return -2;
	d->nets[d->nr_nets++] = spec;
	return 0;
}

bool vdevs_add_rng(struct vmm_vdevs *d)
{
	if (!d->rng && vdevs_wanted(d) == VDEV_MAX)
		return false;
	d->rng = true;
	return true;
}

bool vdevs_add_console(struct vmm_vdevs *d, int out_fd)
{
	if (!d->console && vdevs_wanted(d) == VDEV_MAX)
		return false;
	d->console = true;
	d->console_fd = out_fd;
	return true;
}

bool vdevs_add_disk(struct vmm_vdevs *d, char *spec)
{
	if (vdevs_wanted(d) == VDEV_MAX)
		return false;
	d->disks[d->nr_disks++] = spec;
	return true;
}

void vdevs_put(struct vmm_vdevs *d, const struct vdev_ops *ops, void *dev, const char *label)
{
	unsigned int i = d->nr++;

	d->dev[i] = (struct vdev){ .ops = ops, .dev = dev, .label = strdup(label) };
	if (!d->dev[i].label)
		axctl_die(AXCTL_EFAIL, "out of memory");
	d->acpi[i] = (struct acpi_virtio){
		.base = VDEV_MMIO_BASE + i * VDEV_MMIO_STRIDE,
		.size = VIRTIO_MMIO_SIZE,
		.gsi = VDEV_GSI_BASE + i,
	};
}

/* --- disks (virtio/blk.h) -------------------------------------------------- */

static struct virtio_mmio *blk_setup(void *dev, uint64_t base, const struct guest_mem *mem,
				     void (*set_irq)(void *, bool), void *arg)
{
	struct virtio_blk *b = dev;

	virtio_blk_setup(b, base, mem, set_irq, arg);
	return &b->vm;
}

static int blk_start(void *dev)
{
	return virtio_blk_start(dev);
}

static void blk_stop(void *dev)
{
	virtio_blk_stop(dev);
}

static void blk_report(void *dev, const char *label)
{
	struct virtio_blk *b = dev;

	fprintf(stderr, "%s: disk %s: %llu requests (%llu not OK), %llu notifies, %llu interrupts\n",
		axctl_prog, label, (unsigned long long)b->reqs, (unsigned long long)b->errors,
		(unsigned long long)b->vm.notifies, (unsigned long long)b->vm.irqs);
}

static void blk_close(void *dev)
{
	struct virtio_blk *b = dev;

	virtio_blk_close(b);
	free((char *)b->path);
	free(b);
}

static const struct vdev_ops blk_vdev = {
	.kind = "disk", .option = "--disk", .setup = blk_setup, .start = blk_start,
	.stop = blk_stop, .report = blk_report, .close = blk_close,
};

static void open_disk(struct vmm_vdevs *d, const char *spec_in)
{
	struct virtio_blk *b = calloc(1, sizeof(*b));
	/* A copy: virtio_blk_open() cuts ",ro" off, run may start again. */
	char *spec = strdup(spec_in);
	char err[512];

	if (!b || !spec)
		axctl_die(AXCTL_EFAIL, "out of memory");
	if (virtio_blk_open(b, spec, err, sizeof(err)))
		axctl_die(AXCTL_EIMAGE, "%s", err);
	vdevs_put(d, &blk_vdev, b, b->path);
}

/* --- the entropy device (virtio/rng.h) ----------------------------------------- */

static struct virtio_mmio *rng_setup(void *dev, uint64_t base, const struct guest_mem *mem,
				     void (*set_irq)(void *, bool), void *arg)
{
	struct virtio_rng *r = dev;

	virtio_rng_setup(r, base, mem, set_irq, arg);
	return &r->vm;
}

static void rng_report(void *dev, const char *label)
{
	struct virtio_rng *r = dev;

	fprintf(stderr, "%s: %s: %llu buffers, %llu bytes (%llu getrandom failures), %llu notifies, %llu interrupts\n",
		axctl_prog, label, (unsigned long long)r->reqs, (unsigned long long)r->bytes,
		(unsigned long long)r->errors, (unsigned long long)r->vm.notifies,
		(unsigned long long)r->vm.irqs);
}

static void rng_close(void *dev)
{
	virtio_rng_close(dev);
	free(dev);
}

static const struct vdev_ops rng_vdev = {
	.kind = "rng", .option = "--rng", .setup = rng_setup, .report = rng_report,
	.close = rng_close,
};

/* --- the console (virtio/console.h) ------------------------------------------- */

static struct virtio_mmio *cons_setup(void *dev, uint64_t base, const struct guest_mem *mem,
				      void (*set_irq)(void *, bool), void *arg)
{
	struct virtio_console *c = dev;

	virtio_console_setup(c, base, mem, c->out_fd, set_irq, arg);
	return &c->vm;
}

static void cons_report(void *dev, const char *label)
{
	struct virtio_console *c = dev;

	fprintf(stderr, "%s: %s: %llu bytes out (%llu write failures), %llu bytes in, %llu notifies, %llu interrupts\n",
		axctl_prog, label, (unsigned long long)c->tx_bytes,
		(unsigned long long)c->tx_errors, (unsigned long long)c->rx_bytes,
		(unsigned long long)c->vm.notifies, (unsigned long long)c->vm.irqs);
}

static void cons_close(void *dev)
{
	virtio_console_close(dev);
	free(dev);
}

static const struct vdev_ops cons_vdev = {
	.kind = "console", .option = "--console virtio", .setup = cons_setup,
	.report = cons_report, .close = cons_close,
};

/* --- network devices (virtio/net.h) --------------------------------------------- */

static struct virtio_mmio *net_setup(void *dev, uint64_t base, const struct guest_mem *mem,
				     void (*set_irq)(void *, bool), void *arg)
{
	struct virtio_net *n = dev;

	virtio_net_setup(n, base, mem, set_irq, arg);
	return &n->vm;
}

static int net_start(void *dev)
{
	return virtio_net_start(dev);
}

static void net_stop(void *dev)
{
	virtio_net_stop(dev);
}

static void net_report(void *dev, const char *label)
{
	struct virtio_net *n = dev;

	fprintf(stderr, "%s: net %s: %llu frames out (%llu bytes, %llu dropped), %llu in (%llu bytes, %llu errors), offloads used 0x%x, %llu notifies, %llu interrupts\n",
		axctl_prog, label, (unsigned long long)n->tx_frames,
		(unsigned long long)n->tx_bytes, (unsigned long long)n->tx_dropped,
		(unsigned long long)n->rx_frames, (unsigned long long)n->rx_bytes,
		(unsigned long long)n->rx_errors, n->offload_seen,
		(unsigned long long)n->vm.notifies, (unsigned long long)n->vm.irqs);
	if (n->offload_err)
		fprintf(stderr, "%s: net %s: TUNSETOFFLOAD failed: %s\n", axctl_prog, label,
			strerror(-n->offload_err));
}

static void net_close(void *dev)
{
	virtio_net_close(dev);
	free(dev);
}

static const struct vdev_ops net_vdev = {
	.kind = "net", .option = "--net", .setup = net_setup, .start = net_start,
	.stop = net_stop, .report = net_report, .close = net_close,
};

static void open_net(struct vmm_vdevs *d, const char *spec)
{
	struct virtio_net *n = calloc(1, sizeof(*n));
	char err[512];
	int r;

	if (!n)
		axctl_die(AXCTL_EFAIL, "out of memory");
	if (virtio_net_parse(n, spec, err, sizeof(err)))
		axctl_die(AXCTL_EUSAGE, "%s", err);	/* checked at the option already */
	r = virtio_net_open_tap(n, err, sizeof(err));
	if (r)
		axctl_die(r == -EPERM ? AXCTL_EPERM : AXCTL_EFAIL, "%s", err);
	vdevs_put(d, &net_vdev, n, n->ifname);
}

static void *zalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		axctl_die(AXCTL_EFAIL, "out of memory");
	return p;
}

/* --- all of them ------------------------------------------------------------ */

void vdevs_open(struct vmm_vdevs *d)
{
	unsigned int i;

	for (i = 0; i < d->nr_disks; i++)
		open_disk(d, d->disks[i]);
	if (d->rng)
		vdevs_put(d, &rng_vdev, zalloc(sizeof(struct virtio_rng)), "virtio-rng");
	if (d->console) {
		d->cons = zalloc(sizeof(*d->cons));
		d->cons->out_fd = d->console_fd;
		vdevs_put(d, &cons_vdev, d->cons, "virtio-console");
	}
	for (i = 0; i < d->nr_nets; i++)
		open_net(d, d->nets[i]);
}

void vdevs_acpi(struct vmm_vdevs *d, struct acpi_config *ac)
{
	ac->virtio = d->acpi;
	ac->nr_virtio = d->nr;
}

/* The transport's interrupt output: one source on the device's own pin. */
static void vdev_set_irq(void *arg, bool level)
{
	struct vdev_irq *irq = arg;
	struct axvm_irq_line l = { .gsi = irq->gsi, .level = level };

	if (ioctl(irq->vm_fd, AXVM_IRQ_LINE, &l) && !irq->err)
		irq->err = -errno;
}

void vdevs_attach(struct vmm_vdevs *d, struct bus *mmio, const struct guest_mem *mem, int vm_fd)
{
	unsigned int i;

	for (i = 0; i < d->nr; i++) {
		struct vdev *v = &d->dev[i];

		v->irq = (struct vdev_irq){ .vm_fd = vm_fd, .gsi = d->acpi[i].gsi };
		v->vm = v->ops->setup(v->dev, d->acpi[i].base, mem, vdev_set_irq, &v->irq);
		if (virtio_mmio_register(v->vm, mmio))
			axctl_die(AXCTL_EFAIL, "%s %u: MMIO range 0x%llx taken", v->ops->kind, i,
				  (unsigned long long)d->acpi[i].base);
	}
}

void vdevs_start(struct vmm_vdevs *d)
{
	unsigned int i;
	int r;

	for (i = 0; i < d->nr; i++) {
		struct vdev *v = &d->dev[i];

		if (!v->ops->start)
			continue;
		r = v->ops->start(v->dev);
		if (r)
			axctl_die(AXCTL_EFAIL, "%s %u: cannot start its I/O thread: %s", v->ops->kind,
				  i, strerror(-r));
		v->started = true;
	}
}

void vdevs_stop(struct vmm_vdevs *d)
{
	unsigned int i;

	for (i = 0; i < d->nr; i++) {
		struct vdev *v = &d->dev[i];

		if (v->started && v->ops->stop)
			v->ops->stop(v->dev);
		v->started = false;
		if (v->irq.err)
			fprintf(stderr, "%s: %s %s: AXVM_IRQ_LINE on GSI %u failed: %s\n",
				axctl_prog, v->ops->kind, v->label, v->irq.gsi,
				strerror(-v->irq.err));
		if (axctl_verbose > 0)
			v->ops->report(v->dev, v->label);
		v->ops->close(v->dev);
		free(v->label);
	}
	d->nr = 0;
	d->cons = NULL;
}
