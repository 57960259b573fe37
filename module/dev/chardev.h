/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/axvm and the VM and vCPU file descriptors (dev/chardev.c).
 */
#ifndef AXVM_DEV_CHARDEV_H
#define AXVM_DEV_CHARDEV_H

int axvm_chardev_init(void);
void axvm_chardev_exit(void);

#endif
