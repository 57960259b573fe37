/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AXVM_EXIT_GMEM_H
#define AXVM_EXIT_GMEM_H

#include <linux/types.h>

struct axvm_vm;

int axvm_gmem_rw(struct axvm_vm *vm, u64 gpa, void *buf, size_t len,
		 bool write);

#endif
