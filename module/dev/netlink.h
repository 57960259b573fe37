/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "axvm" (uapi/linux/axvm_genl.h).
 */
#ifndef AXVM_DEV_NETLINK_H
#define AXVM_DEV_NETLINK_H

#include <linux/types.h>

struct axvm_vm;
struct axvm_vcpu;

int axvm_nl_init(void);
void axvm_nl_exit(void);
void axvm_nl_vm_event(struct axvm_vm *vm, u32 event);
void axvm_nl_vcpu_exit_event(struct axvm_vcpu *vcpu, u32 kind);

#endif
