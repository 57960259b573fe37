/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The generic netlink family "axvm": named VMs (create, list, destroy,
 * stop, pause, resume), per-vCPU exit statistics and an "events"
 * multicast group. A VM is its creator's: see "Ownership" in
 * Documentation/netlink.rst.
 */
#ifndef _UAPI_LINUX_AXVM_GENL_H
#define _UAPI_LINUX_AXVM_GENL_H

#define AXVM_GENL_NAME		"axvm"
#define AXVM_GENL_VERSION	1
#define AXVM_GENL_MCGRP_EVENTS	"events"

enum axvm_genl_cmd {
	AXVM_CMD_UNSPEC,
	AXVM_CMD_VM_NEW,	/* NAME, [MEM_BYTES], [VCPUS], [FLAGS] -> VM */
	AXVM_CMD_VM_DEL,	/* NAME or ID */
	AXVM_CMD_VM_GET,	/* NAME or ID (doit); all VMs (dumpit) */
	AXVM_CMD_VM_STATS,	/* NAME or ID -> VM with VCPU nests */
	AXVM_CMD_VM_STOP,	/* NAME or ID: running vCPUs return -ESHUTDOWN */
	AXVM_CMD_EVENT,		/* multicast, or unicast to subscribers */
	AXVM_CMD_EVENT_SUBSCRIBE, /* own VMs' events unicast to this socket */
	AXVM_CMD_VM_PAUSE,	/* NAME or ID: vCPUs sleep in the kernel */
	AXVM_CMD_VM_RESUME,	/* NAME or ID: paused vCPUs run again */
	__AXVM_CMD_MAX,
};
#define AXVM_CMD_MAX (__AXVM_CMD_MAX - 1)

enum axvm_genl_attr {
	AXVM_A_UNSPEC,
	AXVM_A_PAD,
	AXVM_A_VM_ID,		/* u32 */
	AXVM_A_VM_NAME,		/* string, < AXVM_NAME_MAX, [A-Za-z0-9_.-] */
	AXVM_A_VM_MEM_BYTES,	/* u64: guest RAM the VMM should provide */
	AXVM_A_VM_VCPUS,	/* u32: 1..AXVM_MAX_VCPUS */
	AXVM_A_VM_FLAGS,	/* u32: must be 0 */
	AXVM_A_VM_STATE,	/* u32: enum axvm_vm_state */
	AXVM_A_VM_OWNER_PID,	/* u32: process that created/attached last */
	AXVM_A_VM_VCPU,		/* nest, repeated: AXVM_A_VCPU_* */
	AXVM_A_VCPU_ID,		/* u32 */
	AXVM_A_VCPU_EXITS_KERNEL, /* u64: exits handled in the kernel */
	AXVM_A_VCPU_EXITS_USER,	/* u64: exits forwarded to userspace */
	AXVM_A_VCPU_REASON,	/* nest, repeated: REASON_ID, REASON_COUNT */
	AXVM_A_REASON_ID,	/* u32: VMX basic exit reason */
	AXVM_A_REASON_COUNT,	/* u64 */
	AXVM_A_EVENT,		/* u32: enum axvm_genl_event */
	AXVM_A_EXIT_KIND,	/* u32: enum axvm_exit_kind (EVENT_VCPU_EXIT) */
	AXVM_A_VM_DEV_FD,	/* u32: VM_NEW: fd of /dev/axvm, O_RDWR */
	AXVM_A_VM_OWNER_UID,	/* u32: owner's uid in the reader's userns */
	__AXVM_A_MAX,
};
#define AXVM_A_MAX (__AXVM_A_MAX - 1)

enum axvm_vm_state {
	AXVM_VM_CREATED,	/* no vCPU has run yet */
	AXVM_VM_RUNNING,	/* a vCPU is in AXVM_RUN */
	AXVM_VM_STOPPED,	/* has run; no vCPU in AXVM_RUN now */
	AXVM_VM_PAUSED,		/* VM_PAUSE: vCPUs in AXVM_RUN sleep */
};

enum axvm_genl_event {
	AXVM_EV_CREATED,
	AXVM_EV_STARTED,
	AXVM_EV_STOPPED,
	AXVM_EV_DESTROYED,
	AXVM_EV_VCPU_EXIT,	/* terminal exit: SystemDown, FailEntry, ... */
	AXVM_EV_PAUSED,
	AXVM_EV_RESUMED,
};

#endif /* _UAPI_LINUX_AXVM_GENL_H */
