// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/axvm: a misc device (mode 0660; udev gives it group kvm). Its
 * ioctls create VMs; a VM fd creates vCPUs and sets memory; a vCPU fd runs.
 * Every argument is copied in once and validated; unknown ioctls get
 * -ENOTTY. See Documentation/ioctl-abi.rst.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include "core.h"
#include "dev/chardev.h"
#include "dev/registry.h"
#include "exit/exit.h"
#include "exit/posted.h"
#include "exit/ring.h"
#include "io/ioapic.h"
#include "io/lapic.h"
#include "vm.h"
#include "vmx/caps.h"

static int vcpu_release(struct inode *inode, struct file *f)
{
	axvm_vcpu_destroy(f->private_data);
	return 0;
}

static long vcpu_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct axvm_vcpu *vcpu = f->private_data;
	void __user *uarg = (void __user *)arg;
	union {
		struct axvm_regs regs;
		struct axvm_sregs sregs;
		struct axvm_event event;
		struct axvm_ring_config ring;
		struct axvm_guest_debug dbg;
	} u;
	long ret;

	switch (cmd) {
	case AXVM_RING_KICK:
		/* Without the mutex: the vCPU's own thread holds it, asleep. */
		if (arg)
			return -EINVAL;
		axvm_ring_kick(vcpu);
		return 0;
	case AXVM_SET_RING:
	case AXVM_RUN:
	case AXVM_GET_REGS:
	case AXVM_SET_REGS:
	case AXVM_GET_SREGS:
	case AXVM_SET_SREGS:
	case AXVM_INJECT:
	case AXVM_SET_GUEST_DEBUG:
		break;
	default:
		return -ENOTTY;
	}
	if (cmd == AXVM_INJECT && copy_from_user(&u.event, uarg, sizeof(u.event)))
		return -EFAULT;
	if (cmd == AXVM_SET_REGS && copy_from_user(&u.regs, uarg, sizeof(u.regs)))
		return -EFAULT;
	if (cmd == AXVM_SET_SREGS && copy_from_user(&u.sregs, uarg, sizeof(u.sregs)))
		return -EFAULT;
	if (cmd == AXVM_SET_RING && copy_from_user(&u.ring, uarg, sizeof(u.ring)))
		return -EFAULT;
	if (cmd == AXVM_SET_GUEST_DEBUG &&
	    copy_from_user(&u.dbg, uarg, sizeof(u.dbg)))
		return -EFAULT;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	if (cmd == AXVM_RUN) {
		if (arg) {
			ret = -EINVAL;
		} else {
			axvm_vcpu_run_begin(vcpu);
			ret = axvm_vcpu_run(vcpu);
			axvm_vcpu_run_end(vcpu, ret);
		}
		mutex_unlock(&vcpu->mutex);
		return ret;
	}
	if (cmd == AXVM_SET_RING) {
		ret = axvm_ring_create(vcpu, &u.ring);
		mutex_unlock(&vcpu->mutex);
		return ret;
	}
	ret = 0;
	axvm_vmx_vcpu_load(vcpu);
	switch (cmd) {
	case AXVM_GET_REGS:
		axvm_vmx_get_regs(vcpu, &u.regs);
		break;
	case AXVM_SET_REGS:
		axvm_vmx_set_regs(vcpu, &u.regs);
		break;
	case AXVM_GET_SREGS:
		axvm_vmx_get_sregs(vcpu, &u.sregs);
		break;
	case AXVM_SET_SREGS:
		ret = axvm_vmx_set_sregs(vcpu, &u.sregs);
		break;
	case AXVM_INJECT:
		ret = axvm_vmx_queue_event(vcpu, &u.event);
		break;
	case AXVM_SET_GUEST_DEBUG:
		ret = axvm_vmx_set_guest_debug(vcpu, &u.dbg);
		break;
	}
	axvm_vmx_vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
	if (ret)
		return ret;
	if (cmd == AXVM_GET_REGS && copy_to_user(uarg, &u.regs, sizeof(u.regs)))
		return -EFAULT;
	if (cmd == AXVM_GET_SREGS && copy_to_user(uarg, &u.sregs, sizeof(u.sregs)))
		return -EFAULT;
	return 0;
}

static __poll_t vcpu_poll(struct file *f, struct poll_table_struct *pt)
{
	return axvm_ring_poll(f->private_data, f, pt);
}

static int vcpu_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct axvm_vcpu *vcpu = f->private_data;

	if (vma->vm_pgoff == AXVM_RING_MMAP_OFFSET >> PAGE_SHIFT)
		return axvm_ring_mmap(vcpu, vma);
	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/* The page gets a reference of its own: it outlives a closed fd. */
	return vm_insert_page(vma, vma->vm_start, virt_to_page(vcpu->run));
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vcpu_release,
	.unlocked_ioctl = vcpu_ioctl,
	.mmap = vcpu_mmap,
	.poll = vcpu_poll,
	.llseek = noop_llseek,
};

static long vm_ioctl_create_vcpu(struct axvm_vm *vm, unsigned long id)
{
	struct axvm_vcpu *vcpu;
	char name[32];
	int ret;

	ret = axvm_vcpu_create(vm, id, &vcpu);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "axvm-vcpu:%u", vcpu->id);
	ret = anon_inode_getfd(name, &vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		axvm_vcpu_destroy(vcpu);
	return ret;
}

static long vm_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct axvm_vm *vm = f->private_data;
	struct axvm_memory_region r;
	struct axvm_posted_range pr;
	struct axvm_lapic_config lc;
	struct axvm_irq irq;
	struct axvm_irq_line line;

	switch (cmd) {
	case AXVM_CREATE_IOAPIC:
		return axvm_vm_create_ioapic(vm, arg);
	case AXVM_IRQ_LINE:
		if (copy_from_user(&line, (void __user *)arg, sizeof(line)))
			return -EFAULT;
		return axvm_ioapic_irq_line(vm, &line);
	case AXVM_CREATE_LAPIC:
		if (copy_from_user(&lc, (void __user *)arg, sizeof(lc)))
			return -EFAULT;
		return axvm_vm_create_lapic(vm, &lc);
	case AXVM_IRQ:
		if (copy_from_user(&irq, (void __user *)arg, sizeof(irq)))
			return -EFAULT;
		return axvm_lapic_send_irq(vm, &irq);
	case AXVM_SET_POSTED:
		if (copy_from_user(&pr, (void __user *)arg, sizeof(pr)))
			return -EFAULT;
		return axvm_posted_set(&vm->posted, &vm->lock, &pr);
	case AXVM_SET_MEMORY_REGION:
		if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
			return -EFAULT;
		return axvm_vm_set_memory_region(vm, &r);
	case AXVM_CREATE_VCPU:
		return vm_ioctl_create_vcpu(vm, arg);
	case AXVM_SET_CPUID:
		return axvm_vm_set_cpuid(vm, (void __user *)arg);
	case AXVM_GET_CPUID:
		return axvm_vm_get_cpuid(vm, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int vm_release(struct inode *inode, struct file *f)
{
	axvm_vm_put(f->private_data);
	return 0;
}

static const struct file_operations vm_fops = {
	.owner = THIS_MODULE,
	.release = vm_release,
	.unlocked_ioctl = vm_ioctl,
	.llseek = noop_llseek,
};

static void fill_caps(struct axvm_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->api_version = AXVM_API_VERSION;
	c->flags = AXVM_CAP_UNRESTRICTED_GUEST | AXVM_CAP_READONLY_MEM |
		   AXVM_CAP_EXIT_RING | AXVM_CAP_LAPIC |
		   AXVM_CAP_IOAPIC | AXVM_CAP_GUEST_DEBUG;
	if (axvm_vmx.has_ept_2m)
		c->flags |= AXVM_CAP_EPT_2M;
	if (axvm_vmx.has_ept_ad)
		c->flags |= AXVM_CAP_EPT_AD;
	if (axvm_vmx.has_vpid)
		c->flags |= AXVM_CAP_VPID;
	if (axvm_vmx.has_preempt_timer)
		c->flags |= AXVM_CAP_PREEMPTION_TIMER;
	/* The monitor trap flag, else RFLAGS.TF (vmx/guest_debug.c). */
	c->flags |= AXVM_CAP_GUEST_DEBUG_STEP;
	c->max_vcpus = AXVM_MAX_VCPUS;
	c->max_mem_slots = AXVM_MAX_MEM_SLOTS;
	c->run_size = PAGE_SIZE;
	c->vmx_revision = axvm_vmx.revision;
	c->max_mem_bytes = axvm_max_vm_mem;
}

static long dev_ioctl_create_vm(void __user *uarg)
{
	struct axvm_create_vm args;
	struct axvm_vm *vm;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	ret = axvm_vm_create(&args, &vm);
	if (ret)
		return ret;
	ret = axvm_registry_add(vm, false);
	if (!ret)
		ret = anon_inode_getfd("axvm-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		axvm_vm_put(vm);
	return ret;
}

static long dev_ioctl_attach_vm(struct file *f, void __user *uarg)
{
	struct axvm_attach_vm args;
	struct axvm_vm *vm;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags || args.pad || !args.name[0] ||
	    !axvm_vm_name_valid(args.name))
		return -EINVAL;
	ret = axvm_registry_attach(args.name, f, &vm);
	if (ret)
		return ret;
	ret = anon_inode_getfd("axvm-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (ret < 0)
		axvm_vm_put(vm);
	return ret;
}

static long dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct axvm_caps caps;

	switch (cmd) {
	case AXVM_GET_API_VERSION:
		return arg ? -EINVAL : AXVM_API_VERSION;
	case AXVM_GET_CAPS:
		fill_caps(&caps);
		return copy_to_user((void __user *)arg, &caps, sizeof(caps)) ?
		       -EFAULT : 0;
	case AXVM_CREATE_VM:
		return dev_ioctl_create_vm((void __user *)arg);
	case AXVM_ATTACH_VM:
		return dev_ioctl_attach_vm(f, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice axvm_misc = {
	.minor = AXVM_MINOR,
	.name = "axvm",
	.fops = &dev_fops,
	.mode = 0660,
};

/**
 * axvm_chardev_is_dev() - is @f an open /dev/axvm?
 * @f: a file
 *
 * Return: true if @f is the axvm device itself (not a VM or vCPU fd).
 */
bool axvm_chardev_is_dev(const struct file *f)
{
	return f->f_op == &dev_fops;
}

/**
 * axvm_chardev_init() - register /dev/axvm
 *
 * Return: 0 or the misc_register() error.
 */
int axvm_chardev_init(void)
{
	return misc_register(&axvm_misc);
}

/**
 * axvm_chardev_exit() - unregister /dev/axvm
 */
void axvm_chardev_exit(void)
{
	misc_deregister(&axvm_misc);
}
