/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvm's arch-neutral objects: a VM and its vCPUs.
 */
#ifndef AXVM_CORE_H
#define AXVM_CORE_H

#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/axvm.h>
#include "ept/ept.h"
#include "ept/memslot.h"
#include "exit/cpuid.h"
#include "dev/registry.h"
#include "exit/decode.h"
#include "exit/iobus.h"
#include "exit/ring.h"
#include "exit/posted.h"
#include "io/post.h"
#include "io/lapic.h"
#include "vmx/vmx.h"

/**
 * struct axvm_vcpu_stats - counters of a vCPU whose fd was closed
 * @exits_kernel: exits handled in the kernel
 * @exits_user: exits forwarded to userspace
 * @reasons: exits by VMX basic reason
 *
 * Kept per vCPU id, so statistics survive the VMM that ran the vCPU and a
 * later VMM's vCPU of the same id continues counting from them.
 */
struct axvm_vcpu_stats {
	u64 exits_kernel, exits_user;
	u64 reasons[AXVM_VMX_NR_REASONS];
};

/**
 * struct axvm_vm - one virtual machine
 * @refs: every VM fd, every vCPU and (VM_NEW) the registry hold one
 *	reference
 * @lock: serialises memory-slot changes and vCPU creation
 * @ept: the guest-physical address space
 * @slots: memory regions registered by userspace
 * @vcpus: vCPUs by id (written under @lock; read under RCU by IPIs)
 * @cpuid: the CPUID table the guest sees (RCU)
 * @retired: counters of closed vCPUs, by id (under @lock)
 * @iobus: in-kernel port and MMIO devices
 * @post: the POST-code port 0x80
 * @posted: ranges whose writes are posted on the exit ring (RCU)
 * @has_lapic: vCPUs get a local APIC (AXVM_CREATE_LAPIC; set once)
 * @lapic_flags: AXVM_LAPIC_F_*
 * @id: unique id (for tracing and netlink)
 * @name: name, or "" for an anonymous VM
 * @reg: registry entry and lifecycle (dev/registry.h)
 */
struct axvm_vm {
	refcount_t refs;
	struct mutex lock;
	struct axvm_ept ept;
	struct axvm_memslots slots;
	struct axvm_vcpu *vcpus[AXVM_MAX_VCPUS];
	struct axvm_cpuid_table __rcu *cpuid;
	struct axvm_vcpu_stats *retired[AXVM_MAX_VCPUS];
	struct axvm_iobus iobus;
	struct axvm_post post;
	struct axvm_posted_table __rcu *posted;
	bool has_lapic;
	u32 lapic_flags;
	u32 id;
	char name[AXVM_NAME_MAX];
	struct axvm_vm_reg reg;
};

/**
 * struct axvm_vcpu - one virtual CPU
 * @vm: its VM (holds a reference)
 * @id: vCPU id
 * @mutex: one ioctl at a time on a vCPU
 * @run: the page shared with userspace
 * @exits_kernel: exits handled without leaving the kernel
 * @exits_user: exits forwarded to userspace
 * @reasons: exits by VMX basic reason (the choke point in exit/run.c)
 * @forwarded_ns: when the pending record left for userspace (latency)
 * @ring: the shared exit ring, or NULL (exit/ring.h)
 * @pending_exit: kind of the exit userspace must answer, or NOTHING
 * @pending_record: the kernel's copy of that exit
 * @mmio_insn: the decoded instruction of a pending MMIO exit
 * @mmio_ram_gpa: where MOVS from MMIO stores the element it read
 * @lapic: the local APIC, or NULL (io/lapic.h)
 * @vmx: hardware state
 * @reg: stop requests answered, thread in AXVM_RUN (dev/registry.h)
 */
struct axvm_vcpu {
	struct axvm_vm *vm;
	u32 id;
	struct mutex mutex;
	struct axvm_run *run;
	u64 exits_kernel, exits_user;
	u64 reasons[AXVM_VMX_NR_REASONS];
	u64 forwarded_ns;
	struct axvm_ring *ring;
	u32 pending_exit;
	struct axvm_exit pending_record;
	struct axvm_insn mmio_insn;
	u64 mmio_ram_gpa;
	struct axvm_lapic *lapic;
	struct axvm_vmx_vcpu vmx;
	struct axvm_vcpu_reg reg;
};

/* module parameters: guest memory bytes one VM may register, live VMs */
extern u64 axvm_max_vm_mem;
extern unsigned int axvm_max_vms;

/* vm.c */
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

/* exit/run.c */
int axvm_vcpu_run(struct axvm_vcpu *vcpu);

/* dev/chardev.c */
int axvm_chardev_init(void);
void axvm_chardev_exit(void);

#endif
