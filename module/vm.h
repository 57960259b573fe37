/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM and vCPU lifetime (vm.c): creation, memory, CPUID, the lifecycle
 * state machine, teardown. Used by the control plane (module/dev/) and the
 * run loop (exit/run.c); the objects themselves are in core.h.
 */
#ifndef AXVM_VM_H
#define AXVM_VM_H

#include <linux/types.h>
#include <linux/axvm.h>

struct axvm_vm;
struct axvm_vcpu;

/* module parameters: guest memory bytes one VM may register, live VMs */
extern u64 axvm_max_vm_mem;
extern unsigned int axvm_max_vms;

/**
 * struct axvm_vm_hooks - what the control plane does at lifecycle events
 * @name_taken: is @name registered? (checked before a VM is built)
 * @put_last: drop a reference; true if it was the last one (the VM is
 *	then unlinked from the registry and the caller frees it)
 * @freed: the VM's resources are released; it is freed right after
 * @vm_event: AXVM_EV_STARTED, _STOPPED, _PAUSED or _RESUMED happened
 * @vcpu_exit: AXVM_RUN returned a terminal exit of kind @kind
 *
 * The lower layer calls up only through this (dev/registry.c registers
 * it at module load): VM lifecycle code never names netlink or the
 * registry. None of these is on the per-exit path.
 */
struct axvm_vm_hooks {
	bool (*name_taken)(const char *name);
	bool (*put_last)(struct axvm_vm *vm);
	void (*freed)(struct axvm_vm *vm);
	void (*vm_event)(struct axvm_vm *vm, u32 ev);
	void (*vcpu_exit)(struct axvm_vcpu *vcpu, u32 kind);
};

void axvm_vm_register_hooks(const struct axvm_vm_hooks *h);

bool axvm_vm_name_valid(const char *name);
int axvm_vm_create(const struct axvm_create_vm *args, struct axvm_vm **out);
void axvm_vm_put(struct axvm_vm *vm);
int axvm_vm_set_memory_region(struct axvm_vm *vm,
			      const struct axvm_memory_region *r);
int axvm_vm_set_cpuid(struct axvm_vm *vm, struct axvm_cpuid __user *u);
int axvm_vm_get_cpuid(struct axvm_vm *vm, struct axvm_cpuid __user *u);
int axvm_vcpu_create(struct axvm_vm *vm, unsigned long id,
		     struct axvm_vcpu **out);
void axvm_vcpu_destroy(struct axvm_vcpu *vcpu);

/* The lifecycle: stop and pause requests, AXVM_RUN accounting. */
void axvm_vm_stop(struct axvm_vm *vm);
int axvm_vm_pause(struct axvm_vm *vm);
int axvm_vm_resume(struct axvm_vm *vm);
u32 axvm_vm_state(struct axvm_vm *vm);
void axvm_vcpu_run_begin(struct axvm_vcpu *vcpu);
void axvm_vcpu_run_end(struct axvm_vcpu *vcpu, int ret);

#endif
