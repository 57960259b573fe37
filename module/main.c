// SPDX-License-Identifier: GPL-2.0
/*
 * axvm: a VT-x hypervisor as a loadable module. Module entry and exit.
 */
#include <linux/module.h>
#include "vmx/caps.h"

static int __init axvm_init(void)
{
	int ret;

	ret = axvm_vmx_probe();
	if (ret)
		return ret;
	axvm_vmx_report();
	return 0;
}

static void __exit axvm_exit(void)
{
}

module_init(axvm_init);
module_exit(axvm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("axvm: VT-x hypervisor");
