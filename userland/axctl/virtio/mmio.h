/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the virtio-mmio transport, version 2 (VIRTIO 1.2 section 4.2
 * "Virtio Over MMIO"), modern only. One struct virtio_mmio per device: the
 * register file of 4.2.2 at @base (VIRTIO_MMIO_SIZE bytes, the device's
 * configuration space from 0x100), the device status handshake of 3.1.1,
 * feature negotiation (VIRTIO_F_VERSION_1 required, 6.1 and 6.2), the queues
 * (virtqueue.h) and the interrupt: a level on one I/O APIC line held while
 * InterruptStatus is not zero (4.2.3.4), dropped by InterruptACK.
 *
 * The device (blk.c) supplies a struct virtio_dev_ops. Locking: @lock
 * guards everything here and the queues; the register handlers take it
 * (they run under the VMM's device lock, which therefore comes first), a
 * device's I/O thread takes it alone to pop and push. set_irq is called
 * with @lock held and must not take the device lock (AXVM_IRQ_LINE).
 *
 * A malformed queue or chain puts the device in DEVICE_NEEDS_RESET with
 * a configuration-change interrupt (2.1.2); only a reset (status 0) brings
 * it back, and the queues are not touched in between.
 */
#ifndef AXCTL_VIRTIO_MMIO_H
#define AXCTL_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "virtio/virtqueue.h"

#define VIRTIO_MMIO_SIZE	0x200
#define VIRTIO_MMIO_MAX_QUEUES	2
#define VIRTIO_MMIO_MAGIC	0x74726976	/* "virt" */
#define VIRTIO_MMIO_VERSION	2
#define VIRTIO_MMIO_VENDOR	0x4d565841	/* "AXVM" */

/* Registers (4.2.2, Table "MMIO Device Register Layout"). */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION_REG		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW	0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH	0x0a4
#define VIRTIO_MMIO_SHM_SEL		0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW		0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH	0x0b4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

/* Device status (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* InterruptStatus bits (4.2.2). */
#define VIRTIO_MMIO_INT_VRING		1
#define VIRTIO_MMIO_INT_CONFIG		2

struct virtio_mmio;

/**
 * struct virtio_dev_ops - what a device tells the transport
 * @name: for messages
 * @device_id: 5 "Device Types" (2 for block)
 * @nr_queues: at most VIRTIO_MMIO_MAX_QUEUES
 * @config_len: bytes of configuration space
 * @config: its bytes (read-only to the driver here)
 * @notify: the driver wrote queue @q to QueueNotify (under @lock)
 * @reset: the driver wrote status 0 (under @lock)
 * @features_ok: the driver's features were accepted (FEATURES_OK, under
 *               @lock); NULL: nothing to do
 */
struct virtio_dev_ops {
	const char *name;
	uint32_t device_id;
	unsigned int nr_queues;
	unsigned int config_len;
	const void *(*config)(struct virtio_mmio *vm);
	void (*notify)(struct virtio_mmio *vm, unsigned int q);
	void (*reset)(struct virtio_mmio *vm);
	void (*features_ok)(struct virtio_mmio *vm);
};

/**
 * struct virtio_mmio - one virtio-mmio device's transport state
 * @host_features: offered, VIRTIO_F_VERSION_1 and the queue bits included
 * @driver_features: what the driver wrote (accepted with FEATURES_OK)
 * @generation: bumped by every reset; a request popped before one is
 *              not pushed after it
 * @irq_level: what set_irq was last told
 * @notifies, @irqs: counters
 */
struct virtio_mmio {
	pthread_mutex_t lock;
	const struct virtio_dev_ops *ops;
	void *dev;
	uint64_t base;
	struct guest_mem mem;
	uint64_t host_features, driver_features;
	uint32_t status, dev_feat_sel, drv_feat_sel, queue_sel, int_status;
	struct virtq vq[VIRTIO_MMIO_MAX_QUEUES];
	unsigned int generation;
	void (*set_irq)(void *arg, bool level);
	void *irq_arg;
	bool irq_level;
	uint64_t notifies, irqs;
};

/*
 * Set up a device at base offering features (device bits; the transport
 * adds VERSION_1, EVENT_IDX and INDIRECT_DESC), in reset state.
 */
void virtio_mmio_init(struct virtio_mmio *vm, const struct virtio_dev_ops *ops, void *dev,
		      uint64_t base, const struct guest_mem *mem, uint64_t features,
		      void (*set_irq)(void *, bool), void *irq_arg);
void virtio_mmio_destroy(struct virtio_mmio *vm);
/* Put its registers on the MMIO bus: 0, or -1 if the range is taken. */
int virtio_mmio_register(struct virtio_mmio *vm, struct bus *mmio);
/* The bus handlers (take @lock): offset from base. */
uint64_t virtio_mmio_read(void *dev, uint64_t addr, unsigned int width);
int virtio_mmio_write(void *dev, uint64_t addr, unsigned int width, uint64_t val);

/* Under @lock: queue q can be used now (DRIVER_OK, ready, not NEEDS_RESET). */
bool virtio_mmio_queue_live(const struct virtio_mmio *vm, unsigned int q);
/* Under @lock: the device found the driver broke the rules (2.1.2). */
void virtio_mmio_fail(struct virtio_mmio *vm);
/* Under @lock: after pushes to queue q: interrupt if the driver wants one. */
void virtio_mmio_used(struct virtio_mmio *vm, unsigned int q);
/* Under @lock: feature bit negotiated. */
bool virtio_mmio_has(const struct virtio_mmio *vm, unsigned int bit);

#endif
