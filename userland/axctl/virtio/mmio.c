// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: the virtio-mmio transport (see mmio.h; VIRTIO 1.2 section 4.2).
 */
#include <stdio.h>
#include <string.h>

#include "axctl.h"
#include "virtio/mmio.h"

#define FEAT(bit)	(1ULL << (bit))
#define TRANSPORT_FEATURES	(FEAT(VIRTIO_F_VERSION_1) | FEAT(VIRTIO_RING_F_EVENT_IDX) | \
				 FEAT(VIRTIO_RING_F_INDIRECT_DESC))

void virtio_mmio_init(struct virtio_mmio *vm, const struct virtio_dev_ops *ops, void *dev,
		      uint64_t base, const struct guest_mem *mem, uint64_t features,
		      void (*set_irq)(void *, bool), void *irq_arg)
{
	memset(vm, 0, sizeof(*vm));
	pthread_mutex_init(&vm->lock, NULL);
	vm->ops = ops;
	vm->dev = dev;
	vm->base = base;
	vm->mem = *mem;
	vm->host_features = features | TRANSPORT_FEATURES;
	vm->set_irq = set_irq;
	vm->irq_arg = irq_arg;
}

void virtio_mmio_destroy(struct virtio_mmio *vm)
{
	pthread_mutex_destroy(&vm->lock);
}

int virtio_mmio_register(struct virtio_mmio *vm, struct bus *mmio)
{
	const struct io_handler h = {
		vm->base, VIRTIO_MMIO_SIZE, 0, vm->ops->name,
		virtio_mmio_read, virtio_mmio_write, vm,
	};

	return bus_register(mmio, &h);
}

bool virtio_mmio_has(const struct virtio_mmio *vm, unsigned int bit)
{
	return vm->driver_features & FEAT(bit);
}

static void update_irq(struct virtio_mmio *vm)
{
	bool level = vm->int_status != 0;

	if (level == vm->irq_level)
		return;
	vm->irq_level = level;
	if (level)
		vm->irqs++;
	if (vm->set_irq)
		vm->set_irq(vm->irq_arg, level);
}

void virtio_mmio_fail(struct virtio_mmio *vm)
{
	unsigned int i;

	if (vm->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	/* Once per failure: a guest whose I/O stops says why here. */
	fprintf(stderr, "%s: %s at 0x%llx: malformed request from the guest, device needs reset\n",
		axctl_prog, vm->ops->name, (unsigned long long)vm->base);
	/* Stop using the queues: the guest may have pointed them anywhere. */
	for (i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		vm->vq[i].ready = false;
	vm->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* 2.1.2: with DRIVER_OK, a configuration change notification. */
	if (vm->status & VIRTIO_STATUS_DRIVER_OK) {
		vm->int_status |= VIRTIO_MMIO_INT_CONFIG;
		update_irq(vm);
	}
}

bool virtio_mmio_queue_live(const struct virtio_mmio *vm, unsigned int q)
{
	return q < vm->ops->nr_queues && vm->vq[q].ready &&
	       (vm->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vm->status & VIRTIO_STATUS_NEEDS_RESET);
}

void virtio_mmio_used(struct virtio_mmio *vm, unsigned int q)
{
	if (q < vm->ops->nr_queues && vq_should_notify(&vm->vq[q])) {
		vm->int_status |= VIRTIO_MMIO_INT_VRING;
		update_irq(vm);
	}
}

static void device_reset(struct virtio_mmio *vm)
{
	unsigned int i;

	if (vm->ops->reset)
		vm->ops->reset(vm);
	for (i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		vq_reset(&vm->vq[i]);
	vm->status = 0;
	vm->driver_features = 0;
	vm->dev_feat_sel = vm->drv_feat_sel = vm->queue_sel = 0;
	vm->int_status = 0;
	vm->generation++;
	update_irq(vm);
}

/* 3.1.1 step 5: FEATURES_OK only for a subset of ours that includes VERSION_1. */
static bool features_ok(const struct virtio_mmio *vm)
{
	return !(vm->driver_features & ~vm->host_features) &&
	       virtio_mmio_has(vm, VIRTIO_F_VERSION_1);
}

static void write_status(struct virtio_mmio *vm, uint32_t val)
{
	if (!val) {
		device_reset(vm);
		return;
	}
	/* The driver only adds bits; NEEDS_RESET is the device's. */
	val &= 0xff & ~VIRTIO_STATUS_NEEDS_RESET;
	val |= vm->status;
	if ((val & VIRTIO_STATUS_FEATURES_OK) && !(vm->status & VIRTIO_STATUS_FEATURES_OK)) {
		if (!features_ok(vm))
			val &= ~VIRTIO_STATUS_FEATURES_OK;
		else if (vm->ops->features_ok)
			vm->ops->features_ok(vm);
	}
	vm->status = val;
}

static struct virtq *cur_queue(struct virtio_mmio *vm)
{
	return vm->queue_sel < vm->ops->nr_queues ? &vm->vq[vm->queue_sel] : NULL;
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffULL) | val;
}

static void write_queue_ready(struct virtio_mmio *vm, struct virtq *q, uint32_t val)
{
	if (!val) {
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	/* The ring layout depends on the features: they must be settled. */
	if (!(vm->status & VIRTIO_STATUS_FEATURES_OK) ||
	    vq_enable(q, &vm->mem, virtio_mmio_has(vm, VIRTIO_RING_F_EVENT_IDX),
		      virtio_mmio_has(vm, VIRTIO_RING_F_INDIRECT_DESC)))
		virtio_mmio_fail(vm);
}

/* The queue registers: ignored while the queue is live (4.2.3.2 Virtqueue Configuration). */
static void write_queue_reg(struct virtio_mmio *vm, uint64_t off, uint32_t val)
{
	struct virtq *q = cur_queue(vm);

	if (!q || (vm->status & VIRTIO_STATUS_NEEDS_RESET))
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		write_queue_ready(vm, q, val);
		return;
	}
	if (q->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = val;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&q->avail_gpa, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, val);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&q->used_gpa, off == VIRTIO_MMIO_QUEUE_USED_HIGH, val);
		break;
	}
}

static void write_reg(struct virtio_mmio *vm, uint64_t off, uint32_t val)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vm->dev_feat_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vm->drv_feat_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (vm->drv_feat_sel < 2 && !(vm->status & VIRTIO_STATUS_FEATURES_OK))
			set_half(&vm->driver_features, vm->drv_feat_sel, val);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vm->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		vm->notifies++;
		if (virtio_mmio_queue_live(vm, val) && vm->ops->notify)
			vm->ops->notify(vm, val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vm->int_status &= ~val;
		update_irq(vm);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(vm, val);
		break;
	default:
		write_queue_reg(vm, off, val);
	}
}

static uint32_t read_queue_reg(struct virtio_mmio *vm, uint64_t off)
{
	struct virtq *q = cur_queue(vm);

	if (!q)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return VQ_MAX_SIZE;
	case VIRTIO_MMIO_QUEUE_READY:
		return q->ready;
	}
	return 0;
}

static uint32_t read_reg(struct virtio_mmio *vm, uint64_t off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION_REG:
		return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return vm->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return vm->dev_feat_sel < 2 ? vm->host_features >> (32 * vm->dev_feat_sel) : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return vm->int_status;
	case VIRTIO_MMIO_STATUS:
		return vm->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffff;	/* no shared memory regions (4.2.2) */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;		/* the configuration never changes */
	}
	return read_queue_reg(vm, off);
}

/* Configuration space: any width, inside config_len; else reads 0. */
static uint64_t read_config(struct virtio_mmio *vm, uint64_t off, unsigned int width)
{
	const uint8_t *cfg;
	uint64_t v = 0;

	if (!vm->ops->config || off > vm->ops->config_len ||
	    width > vm->ops->config_len - off)
		return 0;
	cfg = vm->ops->config(vm);
	memcpy(&v, cfg + off, width);
	return v;
}

uint64_t virtio_mmio_read(void *dev, uint64_t addr, unsigned int width)
{
	struct virtio_mmio *vm = dev;
	uint64_t off = addr - vm->base, v = 0;

	pthread_mutex_lock(&vm->lock);
	if (off >= VIRTIO_MMIO_CONFIG)
		v = read_config(vm, off - VIRTIO_MMIO_CONFIG, width);
	else if (width == 4 && !(off & 3))	/* 4.2.2.2: 32-bit aligned only */
		v = read_reg(vm, off);
	pthread_mutex_unlock(&vm->lock);
	return v;
}

int virtio_mmio_write(void *dev, uint64_t addr, unsigned int width, uint64_t val)
{
	struct virtio_mmio *vm = dev;
	uint64_t off = addr - vm->base;

	pthread_mutex_lock(&vm->lock);
	/* The configuration space is read-only for the devices we have. */
	if (off < VIRTIO_MMIO_CONFIG && width == 4 && !(off & 3))
		write_reg(vm, off, val);
	pthread_mutex_unlock(&vm->lock);
	return IO_CONTINUE;
}
