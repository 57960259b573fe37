/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM registry: every live VM by id (named ones also by name). See
 * dev/registry.c; the lifecycle it reports is vm.c's.
 */
#ifndef AXVM_DEV_REGISTRY_H
#define AXVM_DEV_REGISTRY_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/axvm.h>

struct axvm_vm;
struct axvm_vcpu;
struct file;
struct pid;
struct task_struct;

/**
 * struct axvm_vm_info - a consistent snapshot of a VM for netlink
 * @id: VM id
 * @name: name, "" if anonymous
 * @mem_bytes: VM_NEW memory size, 0 if none
 * @nr_vcpus: VM_NEW vCPU count, 0 if none
 * @state: enum axvm_vm_state
 * @owner: owner's pid in the caller's pid namespace (0: none or invisible)
 * @owner_uid: the owning user's uid in the caller's user namespace
 */
struct axvm_vm_info {
	u32 id;
	char name[AXVM_NAME_MAX];
	u64 mem_bytes;
	u32 nr_vcpus;
	u32 state;
	u32 owner;
	u32 owner_uid;
};

/* Serialises the registry; nests outside vm->lock. */
extern struct mutex axvm_reg_lock;

int axvm_registry_add(struct axvm_vm *vm, bool held);
bool axvm_registry_name_taken(const char *name);
bool axvm_registry_put_last(struct axvm_vm *vm);
void axvm_registry_vm_free(struct axvm_vm *vm);
int axvm_registry_attach(const char *name, const struct file *f,
			 struct axvm_vm **out);
struct axvm_vm *axvm_registry_find(u32 id, const char *name);
struct axvm_vm *axvm_registry_next(unsigned long *id);
unsigned int axvm_registry_gen(void);
void axvm_registry_info(struct axvm_vm *vm, struct axvm_vm_info *info);
int axvm_registry_del(struct axvm_vm *vm);
void axvm_registry_exit(void);

/* vm.c's lifecycle hooks, registered by main.c at module load */
extern const struct axvm_vm_hooks axvm_registry_hooks;

#endif
