// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel device bus. Lookups run on every I/O exit, so the device
 * sets are read under RCU and replaced whole on (rare) registration.
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include "lib/iobus.h"

/**
 * axvm_iobus_init() - empty buses
 * @b: the VM's buses
 */
void axvm_iobus_init(struct axvm_iobus *b)
{
	int i;

	mutex_init(&b->lock);
	for (i = 0; i < AXVM_NR_BUSES; i++)
		RCU_INIT_POINTER(b->bus[i], NULL);
}

/**
 * axvm_iobus_destroy() - free the sets (not the devices: their owners do)
 * @b: the VM's buses; no vCPU runs any more
 */
void axvm_iobus_destroy(struct axvm_iobus *b)
{
	int i;

	for (i = 0; i < AXVM_NR_BUSES; i++)
		kfree(rcu_access_pointer(b->bus[i]));
}

static bool overlaps(const struct axvm_io_device *a,
		     const struct axvm_io_device *b)
{
	return a->base < b->base + b->len && b->base < a->base + a->len;
}

/**
 * axvm_iobus_register() - put a device on a bus
 * @b: the VM's buses
 * @bus: which bus
 * @dev: the device (must stay valid until unregistered)
 *
 * Return: 0, -EINVAL (empty or wrapping range), -EEXIST (overlap),
 * -ENOSPC (bus full), -ENOMEM.
 */
int axvm_iobus_register(struct axvm_iobus *b, enum axvm_bus bus,
			struct axvm_io_device *dev)
{
	struct axvm_iobus_set *old, *set;
	unsigned int i, j;
	int ret = 0;

	if (!dev->len || dev->base + dev->len < dev->base || bus >= AXVM_NR_BUSES)
		return -EINVAL;
	mutex_lock(&b->lock);
	old = rcu_dereference_protected(b->bus[bus], lockdep_is_held(&b->lock));
	if (old && old->n >= AXVM_IOBUS_MAX_DEVS) {
		ret = -ENOSPC;
		goto out;
	}
	for (i = 0; old && i < old->n; i++) {
		if (overlaps(old->devs[i], dev)) {
			ret = -EEXIST;
			goto out;
		}
	}
	set = kzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT);
	if (!set) {
		ret = -ENOMEM;
		goto out;
	}
	/* Insert sorted by base. */
	for (i = 0, j = 0; old && i < old->n; i++) {
		if (j == i && old->devs[i]->base > dev->base)
			set->devs[j++] = dev;
		set->devs[j++] = old->devs[i];
	}
	if (j == (old ? old->n : 0))
		set->devs[j++] = dev;
	set->n = j;
	rcu_assign_pointer(b->bus[bus], set);
	if (old)
		kfree_rcu(old, rcu);
out:
	mutex_unlock(&b->lock);
	return ret;
}

/**
 * axvm_iobus_unregister() - take a device off a bus
 * @b: the VM's buses
 * @bus: which bus
 * @dev: the device
 *
 * On return no new access reaches @dev; one in flight may still finish
 * (callers free @dev after synchronize_rcu() or with the VM).
 */
void axvm_iobus_unregister(struct axvm_iobus *b, enum axvm_bus bus,
			   struct axvm_io_device *dev)
{
	struct axvm_iobus_set *old, *set;
	unsigned int i, j;

	mutex_lock(&b->lock);
	old = rcu_dereference_protected(b->bus[bus], lockdep_is_held(&b->lock));
	set = old ? kzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL) : NULL;
	for (i = 0, j = 0; old && i < old->n; i++)
		if (old->devs[i] != dev)
			set->devs[j++] = old->devs[i];
	if (set)
		set->n = j;
	rcu_assign_pointer(b->bus[bus], set);
	if (old)
		kfree_rcu(old, rcu);
	mutex_unlock(&b->lock);
}

/**
 * axvm_iobus_access() - offer an access to the devices of a bus
 * @b: the VM's buses
 * @bus: which bus
 * @addr: port or guest-physical address
 * @width: bytes
 * @write: a write of *@val, else a read into *@val
 * @val: the value
 *
 * Return: 0 if a device handled it, -ENODEV if none covers the whole
 * access (userspace gets it), or the device's error.
 */
int axvm_iobus_access(struct axvm_iobus *b, enum axvm_bus bus, u64 addr,
		      unsigned int width, bool write, u64 *val)
{
	const struct axvm_iobus_set *set;
	struct axvm_io_device *dev = NULL;
	unsigned int lo, hi;
	int ret = -ENODEV;

	rcu_read_lock();
	set = rcu_dereference(b->bus[bus]);
	/* Binary search over the sorted, non-overlapping ranges. */
	for (lo = 0, hi = set ? set->n : 0; lo < hi;) {
		unsigned int mid = (lo + hi) / 2;
		struct axvm_io_device *d = set->devs[mid];

		if (addr < d->base) {
			hi = mid;
		} else if (addr >= d->base + d->len) {
			lo = mid + 1;
		} else {
			if (addr + width <= d->base + d->len)
				dev = d;
			break;
		}
	}
	if (dev)
		ret = write ? dev->ops->write(dev, addr, width, *val) :
			      dev->ops->read(dev, addr, width, val);
	rcu_read_unlock();
	return ret;
}
