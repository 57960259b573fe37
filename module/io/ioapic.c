// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel I/O APIC device: the IOREGSEL/IOWIN/EOI registers on the VM's
 * MMIO bus at 0xfec00000 (any vCPU), AXVM_IRQ_LINE from any thread, and
 * the EOI broadcast of the local APICs. Register logic: ioapic_regs.c.
 *
 * One spinlock serialises the state and the messages it sends, so a
 * re-delivery after EOI and a line change cannot both set remote IRR.
 * Messages go to the local APICs (atomic IRR bits, then a kick), which
 * never call back into the I/O APIC from that path.
 */
#include <linux/slab.h>
#include "core.h"
#include "io/ioapic.h"
#include "io/lapic.h"

/* Send @pin's message (lock held); remote IRR if a LAPIC accepted it. */
static void service(struct axvm_ioapic *io, unsigned int pin)
{
	struct axvm_apic_msg m;

	axvm_ioapic_msg(&io->s, pin, &m);
	/*
	 * ExtINT means "ask the 8259 for the vector": the 8259 is the VMM's
	 * (it injects through AXVM_INJECT), so there is nothing to send.
	 * SMI is not modelled.
	 */
	if (m.mode == IOAPIC_DM_EXTINT || m.mode == IOAPIC_DM_SMI)
		return;
	if (axvm_lapic_deliver_msg(io->vm, &m) > 0)
		axvm_ioapic_accepted(&io->s, pin);
}

static void service_mask(struct axvm_ioapic *io, u32 pins)
{
	while (pins) {
		unsigned int pin = __ffs(pins);

		pins &= pins - 1;
		service(io, pin);
	}
}

static int ioapic_read(struct axvm_io_device *dev, u64 addr, unsigned int width,
		       u64 *val)
{
	struct axvm_ioapic *io = dev->priv;
	u32 off = addr - dev->base;

	*val = 0;
	if (width != 4)
		return 0;	/* 32-bit accesses only (datasheet 3.0) */
	spin_lock(&io->lock);
	if (off == IOAPIC_REGSEL)
		*val = io->s.ioregsel;
	else if (off == IOAPIC_WIN)
		*val = axvm_ioapic_read(&io->s, io->s.ioregsel);
	spin_unlock(&io->lock);
	return 0;
}

static int ioapic_write(struct axvm_io_device *dev, u64 addr, unsigned int width,
			u64 val)
{
	struct axvm_ioapic *io = dev->priv;
	u32 off = addr - dev->base;

	if (width != 4)
		return 0;
	spin_lock(&io->lock);
	if (off == IOAPIC_REGSEL)
		io->s.ioregsel = val & 0xff;
	else if (off == IOAPIC_WIN)
		service_mask(io, axvm_ioapic_write(&io->s, io->s.ioregsel, val));
	else if (off == IOAPIC_EOI)
		service_mask(io, axvm_ioapic_eoi_vector(&io->s, val & 0xff));
	spin_unlock(&io->lock);
	return 0;
}

static const struct axvm_io_ops ioapic_ops = {
	.read = ioapic_read,
	.write = ioapic_write,
};

/**
 * axvm_vm_create_ioapic() - AXVM_CREATE_IOAPIC
 * @vm: the VM
 * @arg: the ioctl argument, must be 0
 *
 * Return: 0, -EINVAL for a non-zero @arg, -ENXIO if the VM has no local
 * APICs (AXVM_CREATE_LAPIC first), -EEXIST if it has an I/O APIC, -ENOMEM,
 * or the bus's error.
 */
int axvm_vm_create_ioapic(struct axvm_vm *vm, unsigned long arg)
{
	struct axvm_ioapic *io;
	int ret;

	if (arg)
		return -EINVAL;
	mutex_lock(&vm->lock);
	ret = -ENXIO;
	if (!vm->has_lapic)
		goto out;
	ret = -EEXIST;
	if (vm->ioapic)
		goto out;
	ret = -ENOMEM;
	io = kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	if (!io)
		goto out;
	spin_lock_init(&io->lock);
	io->vm = vm;
	axvm_ioapic_reset(&io->s);
	io->dev.base = AXVM_IOAPIC_ADDR;
	io->dev.len = IOAPIC_MMIO_LEN;
	io->dev.ops = &ioapic_ops;
	io->dev.priv = io;
	ret = axvm_iobus_register(&vm->iobus, AXVM_BUS_MMIO, &io->dev);
	if (ret) {
		kfree(io);
		goto out;
	}
	/* Published whole: AXVM_IRQ_LINE and EOIs read it without the lock. */
	smp_store_release(&vm->ioapic, io);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * axvm_ioapic_irq_line() - AXVM_IRQ_LINE: a source drives a GSI
 * @vm: the VM
 * @line: the request (copied from userspace once)
 *
 * Return: 0, -EINVAL for a bad GSI, source, level, flag or padding, -ENXIO
 * if the VM has no I/O APIC.
 */
int axvm_ioapic_irq_line(struct axvm_vm *vm, const struct axvm_irq_line *line)
{
	struct axvm_ioapic *io;
	bool pulse = line->flags & AXVM_IRQ_LINE_F_PULSE;
	int i;

	for (i = 0; i < ARRAY_SIZE(line->pad); i++)
		if (line->pad[i])
			return -EINVAL;
	if (line->gsi >= AXVM_IOAPIC_PINS || line->source >= AXVM_IRQ_SOURCES ||
	    (line->flags & ~AXVM_IRQ_LINE_F_PULSE) || line->level > 1 ||
	    (pulse && !line->level))
		return -EINVAL;
	/* Pairs with the release in axvm_vm_create_ioapic(): seen whole. */
	io = smp_load_acquire(&vm->ioapic);
	if (!io)
		return -ENXIO;
	spin_lock(&io->lock);
	if (axvm_ioapic_set_line(&io->s, line->gsi, line->source, line->level))
		service(io, line->gsi);
	if (pulse)
		axvm_ioapic_set_line(&io->s, line->gsi, line->source, false);
	spin_unlock(&io->lock);
	return 0;
}

/**
 * axvm_ioapic_eoi() - a local APIC's EOI of a level-triggered vector
 * @vm: the VM (with or without an I/O APIC)
 * @vector: the vector
 *
 * The broadcast EOI message of SDM Vol. 3A, 11.8.5 "Signaling Interrupt
 * Servicing Completion": remote IRR of the pins with @vector is cleared and
 * a line still asserted sends again.
 * Called from the vCPU thread that wrote EOI.
 */
void axvm_ioapic_eoi(struct axvm_vm *vm, u8 vector)
{
	/* Pairs with the release in axvm_vm_create_ioapic(). */
	struct axvm_ioapic *io = smp_load_acquire(&vm->ioapic);

	if (!io)
		return;
	spin_lock(&io->lock);
	service_mask(io, axvm_ioapic_eoi_vector(&io->s, vector));
	spin_unlock(&io->lock);
}

/**
 * axvm_ioapic_free() - free the VM's I/O APIC
 * @vm: the VM, unreachable (no vCPU, no fd), its bus already destroyed
 */
void axvm_ioapic_free(struct axvm_vm *vm)
{
	kfree(vm->ioapic);
	vm->ioapic = NULL;
}
