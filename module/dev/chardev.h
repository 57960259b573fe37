/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/axvm and the VM and vCPU file descriptors (dev/chardev.c).
 */
#ifndef AXVM_DEV_CHARDEV_H
#define AXVM_DEV_CHARDEV_H

/*
 * A fixed misc minor, from the range Documentation/admin-guide/devices.txt
 * reserves for local use (240-254): autoload by opening the node
 * (char-major-10-N) and the devname alias need one known in advance.
 */
#define AXVM_MINOR	240

struct file;

bool axvm_chardev_is_dev(const struct file *f);
int axvm_chardev_init(void);
void axvm_chardev_exit(void);

#endif
