/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel device bus: port I/O and MMIO ranges served without leaving
 * the kernel. Devices register here; the run loop offers every I/O and
 * MMIO exit to the bus before forwarding it to userspace, so devices are
 * added without touching dispatch.
 */
#ifndef AXVM_LIB_IOBUS_H
#define AXVM_LIB_IOBUS_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

enum axvm_bus { AXVM_BUS_PIO, AXVM_BUS_MMIO, AXVM_NR_BUSES };

#define AXVM_IOBUS_MAX_DEVS	16

struct axvm_io_device;

/**
 * struct axvm_io_ops - what a device does with an access
 * @read: fill *@val (width 1/2/4/8 bytes); return 0
 * @write: consume @val; return 0
 *
 * Called from the vCPU thread, preemptible; must not sleep for long.
 */
struct axvm_io_ops {
	int (*read)(struct axvm_io_device *dev, u64 addr, unsigned int width,
		    u64 *val);
	int (*write)(struct axvm_io_device *dev, u64 addr, unsigned int width,
		     u64 val);
};

/**
 * struct axvm_io_device - one range on a bus
 * @base: first port or guest-physical address
 * @len: bytes
 * @ops: handlers
 * @priv: the device's state
 */
struct axvm_io_device {
	u64 base, len;
	const struct axvm_io_ops *ops;
	void *priv;
};

/**
 * struct axvm_iobus_set - the devices on one bus (RCU; updates: @lock)
 * @rcu: for kfree_rcu()
 * @n: devices
 * @devs: sorted by base, non-overlapping
 */
struct axvm_iobus_set {
	struct rcu_head rcu;
	unsigned int n;
	struct axvm_io_device *devs[AXVM_IOBUS_MAX_DEVS];
};

/**
 * struct axvm_iobus - a VM's buses
 * @lock: serialises registration
 * @bus: the device sets
 */
struct axvm_iobus {
	struct mutex lock;
	struct axvm_iobus_set __rcu *bus[AXVM_NR_BUSES];
};

void axvm_iobus_init(struct axvm_iobus *b);
void axvm_iobus_destroy(struct axvm_iobus *b);
int axvm_iobus_register(struct axvm_iobus *b, enum axvm_bus bus,
			struct axvm_io_device *dev);
void axvm_iobus_unregister(struct axvm_iobus *b, enum axvm_bus bus,
			   struct axvm_io_device *dev);
int axvm_iobus_access(struct axvm_iobus *b, enum axvm_bus bus, u64 addr,
		      unsigned int width, bool write, u64 *val);

#endif
