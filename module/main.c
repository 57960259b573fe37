// SPDX-License-Identifier: GPL-2.0
/*
 * axvm: a VT-x hypervisor as a loadable module. Module entry and exit.
 *
 * Loading only probes VMX, connects the layers' upcalls (Documentation/
 * architecture.rst) and registers the netlink family and /dev/axvm;
 * VMX operation starts with the first VM. Open axvm files pin the module;
 * VMs made by netlink VM_NEW do not: unloading frees them (netlink first,
 * so no request runs, then the VMs, then VMX).
 */
#include <linux/axvm_genl.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <net/genetlink.h>
#include "dev/chardev.h"
#include "dev/netlink.h"
#include "dev/registry.h"
#include "exit/exit.h"
#include "vm.h"
#include "vmx/caps.h"
#include "vmx/vmx.h"

static int __init axvm_init(void)
{
	int ret;

	ret = axvm_vmx_probe();
	if (ret)
		return ret;
	ret = axvm_vmx_global_init();
	if (ret)
		return ret;
	preempt_notifier_inc();
	/* Each layer's upcalls, before anything can call them. */
	axvm_exit_register();
	axvm_vm_register_hooks(&axvm_registry_hooks);
	ret = axvm_nl_init();
	if (ret)
		goto err_nl;
	ret = axvm_chardev_init();
	if (ret)
		goto err_chardev;
	axvm_vmx_report();
	return 0;
err_chardev:
	axvm_nl_exit();
	axvm_registry_exit();
err_nl:
	preempt_notifier_dec();
	axvm_vmx_global_exit();
	return ret;
}

static void __exit axvm_exit(void)
{
	axvm_nl_exit();
	axvm_chardev_exit();
	axvm_registry_exit();
	preempt_notifier_dec();
	axvm_vmx_global_exit();
}

module_init(axvm_init);
module_exit(axvm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("axvm: VT-x hypervisor");
MODULE_VERSION(AXVM_VERSION);
/*
 * Autoload, as kvm does: opening the char node 10:AXVM_MINOR asks for
 * char-major-10-AXVM_MINOR; the devname alias lets kmod's static-nodes
 * create /dev/axvm before the module is loaded; the first netlink request
 * to the "axvm" family asks for net-pf-16-proto-16-family-axvm.
 */
MODULE_ALIAS_MISCDEV(AXVM_MINOR);
MODULE_ALIAS("devname:axvm");
MODULE_ALIAS_GENL_FAMILY(AXVM_GENL_NAME);
