// SPDX-License-Identifier: GPL-2.0
/*
 * POST-code port 0x80, in the kernel. PC firmware and Linux guests write
 * it constantly (Linux uses it as an I/O delay, arch/x86/boot/io.h), and a
 * round trip to userspace per write would be pure overhead. Writes latch
 * the byte, reads return the last byte written (like a POST card), and
 * nothing reaches the host's port 0x80.
 */
#include <linux/slab.h>
#include "core.h"
#include "io/post.h"

static int post_read(struct axvm_io_device *dev, u64 addr, unsigned int width,
		     u64 *val)
{
	struct axvm_post *p = dev->priv;

	*val = READ_ONCE(p->last);
	return 0;
}

static int post_write(struct axvm_io_device *dev, u64 addr, unsigned int width,
		      u64 val)
{
	struct axvm_post *p = dev->priv;

	WRITE_ONCE(p->last, (u8)val);
	return 0;
}

static const struct axvm_io_ops post_ops = {
	.read = post_read,
	.write = post_write,
};

/**
 * axvm_post_init() - put the POST-code port on a VM's I/O bus
 * @vm: the VM
 *
 * Return: 0, -ENOMEM or the bus's error.
 */
int axvm_post_init(struct axvm_vm *vm)
{
	struct axvm_post *p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	int ret;

	if (!p)
		return -ENOMEM;
	p->dev.base = AXVM_POST_PORT;
	p->dev.len = 1;
	p->dev.ops = &post_ops;
	p->dev.priv = p;
	ret = axvm_iobus_register(&vm->iobus, AXVM_BUS_PIO, &p->dev);
	if (ret) {
		kfree(p);
		return ret;
	}
	vm->post = p;
	return 0;
}

/**
 * axvm_post_destroy() - free the POST port
 * @vm: the VM, its device bus already destroyed (no access can reach it)
 */
void axvm_post_destroy(struct axvm_vm *vm)
{
	kfree(vm->post);
	vm->post = NULL;
}
