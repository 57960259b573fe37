/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM registry and VM lifecycle: every live VM by id (named ones also
 * by name), stop requests, vCPU run accounting. See dev/registry.c.
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

/* Bits of struct axvm_vm_reg.flags. */
enum {
	AXVM_VMF_HELD,		/* the registry holds a reference (VM_NEW) */
	AXVM_VMF_ANNOUNCED,	/* EV_CREATED was sent, so EV_DESTROYED will be */
	AXVM_VMF_STARTED,	/* some vCPU has entered AXVM_RUN */
	AXVM_VMF_DEAD,		/* VM_DEL: every AXVM_RUN fails with -ESHUTDOWN */
	AXVM_VMF_STOP_PENDING,	/* EV_STOPPED is due when no vCPU runs */
};

/**
 * struct axvm_vm_reg - a VM's registry entry and lifecycle state
 * @registered: in the registry (listed; attachable if named); reg lock
 * @flags: AXVM_VMF_* bits (atomic bitops)
 * @running: vCPUs inside AXVM_RUN
 * @stop_seq: stop requests (VM_STOP, VM_DEL) so far
 * @owner: process that created the VM or attached to it last; reg lock
 * @mem_bytes: guest RAM asked for by VM_NEW, 0 if not given
 * @nr_vcpus: vCPUs asked for by VM_NEW, 0 if not given
 */
struct axvm_vm_reg {
	bool registered;
	unsigned long flags;
	atomic_t running;
	atomic_t stop_seq;
	struct pid *owner;
	u64 mem_bytes;
	u32 nr_vcpus;
};

/**
 * struct axvm_vcpu_reg - a vCPU's part of its VM's lifecycle
 * @stop_seen: the VM's stop_seq this vCPU has answered (vCPU mutex)
 * @task: the thread inside AXVM_RUN, or NULL; RCU, read to kick it
 */
struct axvm_vcpu_reg {
	int stop_seen;
	struct task_struct __rcu *task;
};

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

void axvm_vm_stop(struct axvm_vm *vm);
u32 axvm_vm_state(struct axvm_vm *vm);

void axvm_vcpu_reg_init(struct axvm_vcpu *vcpu);
void axvm_vcpu_run_begin(struct axvm_vcpu *vcpu);
void axvm_vcpu_kick(struct axvm_vcpu *vcpu);
bool axvm_vcpu_stop_requested(struct axvm_vcpu *vcpu);
bool axvm_vcpu_stop_pending(struct axvm_vcpu *vcpu);
void axvm_vcpu_run_end(struct axvm_vcpu *vcpu, int ret);

#endif
