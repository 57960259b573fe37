// SPDX-License-Identifier: GPL-2.0
/*
 * axvm: a VT-x hypervisor as a loadable module. Module entry and exit.
 *
 * Loading only probes VMX and registers the netlink family and /dev/axvm;
 * VMX operation starts with the first VM. Open axvm files pin the module;
 * VMs made by netlink VM_NEW do not: unloading frees them (netlink first,
 * so no request runs, then the VMs, then VMX).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include "core.h"
#include "dev/netlink.h"
#include "vmx/caps.h"

u64 axvm_max_vm_mem = 4ull << 30;
module_param_named(max_vm_mem, axvm_max_vm_mem, ullong, 0644);
MODULE_PARM_DESC(max_vm_mem, "Guest memory bytes one VM may register (default 4 GiB)");

unsigned int axvm_max_vms = 128;
module_param_named(max_vms, axvm_max_vms, uint, 0644);
MODULE_PARM_DESC(max_vms, "VMs that may exist at once (default 128)");

unsigned int axvm_max_vms_per_user = 32;
module_param_named(max_vms_per_user, axvm_max_vms_per_user, uint, 0644);
MODULE_PARM_DESC(max_vms_per_user,
		 "VMs one user (uid) may have at once; CAP_SYS_ADMIN is not counted (default 32)");

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
