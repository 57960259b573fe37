/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AXVM_IO_POST_H
#define AXVM_IO_POST_H

#include "lib/iobus.h"

#define AXVM_POST_PORT	0x80

/**
 * struct axvm_post - the POST-code port of a VM
 * @dev: its bus device
 * @last: the last byte written
 */
struct axvm_post {
	struct axvm_io_device dev;
	u8 last;
};

struct axvm_vm;
int axvm_post_init(struct axvm_vm *vm);
void axvm_post_destroy(struct axvm_vm *vm);

#endif
