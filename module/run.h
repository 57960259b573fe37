/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vCPU run loop (run.c), called by AXVM_RUN (dev/chardev.c).
 */
#ifndef AXVM_RUN_H
#define AXVM_RUN_H

struct axvm_vcpu;

int axvm_vcpu_run(struct axvm_vcpu *vcpu);

#endif
