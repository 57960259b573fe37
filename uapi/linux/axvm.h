/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * axvm userspace ABI: /dev/axvm ioctls, the per-vCPU shared run page and
 * the exit record (the C form of axvcpu's AxVCpuExitReason).
 *
 * Rules: fixed-size types only, explicit padding, every struct size pinned
 * below. New fields go into padding or reserved space; AXVM_API_VERSION
 * changes only if an existing layout ever has to change.
 * See Documentation/ioctl-abi.rst.
 */
#ifndef _UAPI_LINUX_AXVM_H
#define _UAPI_LINUX_AXVM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define AXVM_API_VERSION	1

/* 0xAE belongs to KVM; 0xAF 0x20-0x7F is unused in ioctl-number.rst. */
#define AXVMIO			0xAF

#define AXVM_NAME_MAX		32	/* including the NUL */
#define AXVM_MAX_VCPUS		64
#define AXVM_MAX_MEM_SLOTS	32

/* --- /dev/axvm ------------------------------------------------------- */

/* Capability bits reported in struct axvm_caps.flags. */
#define AXVM_CAP_UNRESTRICTED_GUEST	(1U << 0)
#define AXVM_CAP_EPT_2M			(1U << 1)
#define AXVM_CAP_EPT_AD			(1U << 2)
#define AXVM_CAP_VPID			(1U << 3)
#define AXVM_CAP_PREEMPTION_TIMER	(1U << 4)
#define AXVM_CAP_READONLY_MEM		(1U << 5)
#define AXVM_CAP_EXIT_RING		(1U << 6)	/* AXVM_SET_RING, AXVM_SET_POSTED */
#define AXVM_CAP_LAPIC			(1U << 7)	/* AXVM_CREATE_LAPIC, AXVM_IRQ */
#define AXVM_CAP_IOAPIC			(1U << 8)	/* AXVM_CREATE_IOAPIC, AXVM_IRQ_LINE */
#define AXVM_CAP_GUEST_DEBUG		(1U << 9)	/* AXVM_SET_GUEST_DEBUG */
#define AXVM_CAP_GUEST_DEBUG_STEP	(1U << 10)	/* AXVM_GUESTDBG_SINGLESTEP works */

/**
 * struct axvm_caps - what this host's axvm supports (AXVM_GET_CAPS)
 * @api_version: AXVM_API_VERSION
 * @flags: AXVM_CAP_*
 * @max_vcpus: vCPUs per VM
 * @max_mem_slots: memory regions per VM
 * @run_size: bytes to mmap from a vCPU fd (the run page)
 * @vmx_revision: VMCS revision identifier of the CPU
 * @max_mem_bytes: guest memory a VM may register
 */
struct axvm_caps {
	__u32 api_version;
	__u32 flags;
	__u32 max_vcpus;
	__u32 max_mem_slots;
	__u32 run_size;
	__u32 vmx_revision;
	__u64 max_mem_bytes;
	__u64 reserved[4];
};

/**
 * struct axvm_create_vm - AXVM_CREATE_VM argument
 * @flags: must be 0
 * @pad: must be 0
 * @name: NUL-terminated name ([A-Za-z0-9_.-]); empty for an anonymous VM
 */
struct axvm_create_vm {
	__u32 flags;
	__u32 pad;
	char name[AXVM_NAME_MAX];
};

/**
 * struct axvm_attach_vm - AXVM_ATTACH_VM argument
 * @name: NUL-terminated name of an existing named VM
 * @flags: must be 0
 * @pad: must be 0
 */
struct axvm_attach_vm {
	char name[AXVM_NAME_MAX];
	__u32 flags;
	__u32 pad;
};

#define AXVM_GET_API_VERSION	_IO(AXVMIO, 0x20)
#define AXVM_GET_CAPS		_IOR(AXVMIO, 0x21, struct axvm_caps)
#define AXVM_CREATE_VM		_IOW(AXVMIO, 0x22, struct axvm_create_vm)
/* Returns a VM fd for a named VM (created by netlink or another process). */
#define AXVM_ATTACH_VM		_IOW(AXVMIO, 0x23, struct axvm_attach_vm)

/* --- VM fd ----------------------------------------------------------- */

#define AXVM_MEM_READONLY	(1U << 0)
#define AXVM_MEM_POPULATE	(1U << 1)	/* map into the EPT now, not on first touch */

/**
 * struct axvm_memory_region - AXVM_SET_MEMORY_REGION argument
 * @slot: 0..AXVM_MAX_MEM_SLOTS-1
 * @flags: AXVM_MEM_*
 * @gpa: guest-physical base, page aligned
 * @size: bytes, page aligned; 0 deletes the slot
 * @hva: page-aligned address of the backing memory in the caller
 */
struct axvm_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 gpa;
	__u64 size;
	__u64 hva;
};

/* CPUID entry flag: @index selects a subleaf. */
#define AXVM_CPUID_F_INDEX	(1U << 0)
#define AXVM_MAX_CPUID_ENTRIES	256

/**
 * struct axvm_cpuid_entry - what CPUID returns for one leaf/subleaf
 * @function: EAX input
 * @index: ECX input (if AXVM_CPUID_F_INDEX)
 * @flags: AXVM_CPUID_F_*
 * @eax: output
 * @ebx: output
 * @ecx: output
 * @edx: output
 * @pad: must be 0
 */
struct axvm_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax, ebx, ecx, edx;
	__u32 pad;
};

/**
 * struct axvm_cpuid - AXVM_SET_CPUID / AXVM_GET_CPUID argument
 * @nent: number of entries (GET: in, the room; out, the count)
 * @pad: must be 0
 * @entries: the table
 */
struct axvm_cpuid {
	__u32 nent;
	__u32 pad;
	struct axvm_cpuid_entry entries[];
};

#define AXVM_SET_MEMORY_REGION	_IOW(AXVMIO, 0x30, struct axvm_memory_region)
#define AXVM_SET_CPUID		_IOW(AXVMIO, 0x32, struct axvm_cpuid)
#define AXVM_GET_CPUID		_IOWR(AXVMIO, 0x33, struct axvm_cpuid)
/* Argument: the vCPU id (0..max_vcpus-1). Returns a vCPU fd. */
#define AXVM_CREATE_VCPU	_IO(AXVMIO, 0x31)

/* --- vCPU fd --------------------------------------------------------- */

/**
 * struct axvm_regs - general-purpose registers, RIP and RFLAGS
 */
struct axvm_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/**
 * struct axvm_segment - a segment register, unpacked
 * @base: segment base
 * @limit: byte-granular limit (as the VMCS holds it)
 * @selector: selector
 * @type: type field (4 bits)
 * @s: 1 for code/data, 0 for system
 * @dpl: descriptor privilege level
 * @present: P bit
 * @avl: available bit
 * @l: 64-bit code segment
 * @db: default operation size
 * @g: granularity
 * @unusable: VMX "segment unusable" (a null selector in protected mode)
 * @pad: must be 0
 */
struct axvm_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type, s, dpl, present, avl, l, db, g, unusable;
	__u8 pad;
};

/**
 * struct axvm_dtable - GDTR or IDTR
 */
struct axvm_dtable {
	__u64 base;
	__u16 limit;
	__u16 pad[3];
};

/**
 * struct axvm_sregs - segments, descriptor tables, control registers
 */
struct axvm_sregs {
	struct axvm_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct axvm_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, cr8;
	__u64 efer;
	__u64 apic_base;
	__u64 reserved[4];
};

/* AccessWidth. */
enum axvm_width {
	AXVM_WIDTH_BYTE = 1,
	AXVM_WIDTH_WORD = 2,
	AXVM_WIDTH_DWORD = 4,
	AXVM_WIDTH_QWORD = 8,
};

/* AxVCpuExitReason: the kind of an exit record. */
enum axvm_exit_kind {
	AXVM_EXIT_NOTHING = 0,
	AXVM_EXIT_HYPERCALL = 1,
	AXVM_EXIT_MMIO_READ = 2,
	AXVM_EXIT_MMIO_WRITE = 3,
	AXVM_EXIT_SYSREG_READ = 4,
	AXVM_EXIT_SYSREG_WRITE = 5,
	AXVM_EXIT_IO_READ = 6,
	AXVM_EXIT_IO_WRITE = 7,
	AXVM_EXIT_EXTERNAL_INTERRUPT = 8,
	AXVM_EXIT_NESTED_PAGE_FAULT = 9,
	AXVM_EXIT_HALT = 10,
	AXVM_EXIT_CPU_UP = 11,
	AXVM_EXIT_CPU_DOWN = 12,
	AXVM_EXIT_SYSTEM_DOWN = 13,
	AXVM_EXIT_SEND_IPI = 14,
	AXVM_EXIT_FAIL_ENTRY = 15,
	/* Not in AxVCpuExitReason: an exit axvm could not handle. */
	AXVM_EXIT_INTERNAL_ERROR = 16,
	/* Not in AxVCpuExitReason: a debugger's event (AXVM_SET_GUEST_DEBUG). */
	AXVM_EXIT_DEBUG = 17,
	AXVM_EXIT_NR
};

/* NestedPageFault access_flags. */
#define AXVM_ACCESS_READ	(1U << 0)
#define AXVM_ACCESS_WRITE	(1U << 1)
#define AXVM_ACCESS_EXEC	(1U << 2)

/* General-purpose register numbers (MmioRead.reg, SysRegRead.reg). */
enum axvm_gpr {
	AXVM_REG_RAX, AXVM_REG_RCX, AXVM_REG_RDX, AXVM_REG_RBX,
	AXVM_REG_RSP, AXVM_REG_RBP, AXVM_REG_RSI, AXVM_REG_RDI,
	AXVM_REG_R8, AXVM_REG_R9, AXVM_REG_R10, AXVM_REG_R11,
	AXVM_REG_R12, AXVM_REG_R13, AXVM_REG_R14, AXVM_REG_R15,
};

/* INTERNAL_ERROR suberrors. */
#define AXVM_INTERNAL_UNKNOWN_EXIT	1	/* data[0]: basic exit reason */
#define AXVM_INTERNAL_VMX_INSN		2	/* data[0]: VM-instruction error */
#define AXVM_INTERNAL_EMULATION		3	/* instruction not decodable */

/* axvm_exit.flags */
#define AXVM_EXIT_F_POSTED	(1U << 0)	/* posted write: no answer wanted */

/**
 * struct axvm_exit - one exit record, the C form of AxVCpuExitReason
 * @kind: enum axvm_exit_kind; selects the member of @u
 * @basic_reason: VMX basic exit reason (SDM Vol. 3D, Appendix C "VMX Basic
 *	Exit Reasons")
 * @qualification: exit qualification
 * @guest_rip: RIP of the exiting instruction
 * @guest_phys: guest-physical address (EPT exits), else 0
 * @vcpu_id: the vCPU that exited
 * @flags: AXVM_EXIT_F_*
 * @inst_len: length of the exiting instruction, 0 if not reported
 * @inst_bytes_len: valid bytes in @inst_bytes
 * @pad: 0
 * @inst_bytes: the instruction bytes (MMIO and emulation errors)
 * @u: the variant's fields
 *
 * Read variants carry a @data field that userspace fills before the next
 * AXVM_RUN; the kernel writes it back honouring the widths.
 */
struct axvm_exit {
	__u32 kind;
	__u32 basic_reason;
	__u64 qualification;
	__u64 guest_rip;
	__u64 guest_phys;
	__u32 vcpu_id;
	__u32 flags;
	__u8 inst_len;
	__u8 inst_bytes_len;
	__u8 pad[6];
	__u8 inst_bytes[16];
	union {
		struct {
			__u64 nr;
			__u64 args[6];
			__u64 ret;	/* in: written to RAX */
		} hypercall;
		struct {
			__u64 addr;
			__u8 width;	/* enum axvm_width */
			__u8 reg;	/* enum axvm_gpr */
			__u8 reg_width;	/* enum axvm_width */
			__u8 signed_ext;
			__u32 pad;
			__u64 data;	/* in */
		} mmio_read;
		struct {
			__u64 addr;
			__u64 data;
			__u8 width;
			__u8 pad[7];
		} mmio_write;
		struct {
			__u64 addr;	/* MSR index */
			__u8 reg;	/* AXVM_REG_RAX: EDX:EAX */
			__u8 pad[7];
			__u64 data;	/* in */
		} sysreg_read;
		struct {
			__u64 addr;
			__u64 value;
		} sysreg_write;
		struct {
			__u16 port;
			__u8 width;
			__u8 pad[5];
			__u64 data;	/* in */
		} io_read;
		struct {
			__u16 port;
			__u8 width;
			__u8 pad[5];
			__u64 data;
		} io_write;
		struct {
			__u64 vector;
		} external_interrupt;
		struct {
			__u64 addr;
			__u64 access_flags;	/* AXVM_ACCESS_* */
		} nested_page_fault;
		struct {
			__u64 target_cpu;
			__u64 entry_point;
			__u64 arg;
		} cpu_up;
		struct {
			__u64 state;
		} cpu_down;
		struct {
			__u64 target_cpu;
			__u64 target_cpu_aux;
			__u8 send_to_all;
			__u8 send_to_self;
			__u8 pad[6];
			__u64 vector;
		} send_ipi;
		struct {
			__u64 hardware_entry_failure_reason;
			__u64 qualification;
		} fail_entry;
		struct {
			__u32 suberror;
			__u32 pad;
			__u64 data[4];
		} internal;
		struct {
			__u32 exception;	/* 1: #DB or a step, 3: #BP */
			__u32 pad;
			__u64 pc;	/* RIP: of the INT3, of the next insn */
			__u64 dr6;	/* B0-B3 of a breakpoint, BS of a step */
			__u64 dr7;	/* the debugger's DR7 */
		} debug;
		__u64 raw[8];
	} u;
};

/*
 * Hypercalls (VMCALL with the number in RAX) in this range are axvm's own
 * and answered in the kernel; every other number is a Hypercall exit.
 */
#define AXVM_HC_BASE		0x41585600ULL	/* "AXV" */
#define AXVM_HC_NOP		(AXVM_HC_BASE + 0)	/* RAX = 0 */
#define AXVM_HC_LAST		(AXVM_HC_BASE + 0xff)

/* What userspace asks for when it answers an exit (axvm_run.response). */
#define AXVM_RESP_NONE		0	/* nothing to complete */
#define AXVM_RESP_DATA		1	/* read variant: @data is valid */
#define AXVM_RESP_INJECT_GP	2	/* inject #GP(0) instead of completing */

/**
 * struct axvm_run - the page shared by a vCPU fd (mmap offset 0)
 * @immediate_exit: set by userspace: the next AXVM_RUN returns -EINTR
 *	without entering the guest (kick without signal races)
 * @ready_for_interrupt: set by the kernel whenever AXVM_RUN returns: 1
 *	if the guest could take an external interrupt right now (RFLAGS.IF=1,
 *	no STI/MOV-SS shadow, none queued by AXVM_INJECT), so a VMM's PIC
 *	can acknowledge a vector and AXVM_INJECT it without AXVM_GET_REGS
 * @pad: 0
 * @response: AXVM_RESP_*, consumed by the next AXVM_RUN
 * @exit: the record of the last exit that returned to userspace
 */
struct axvm_run {
	__u8 immediate_exit;
	__u8 ready_for_interrupt;
	__u8 pad[2];
	__u32 response;
	struct axvm_exit exit;
};

#define AXVM_GET_REGS		_IOR(AXVMIO, 0x40, struct axvm_regs)
#define AXVM_SET_REGS		_IOW(AXVMIO, 0x41, struct axvm_regs)
#define AXVM_GET_SREGS		_IOR(AXVMIO, 0x42, struct axvm_sregs)
#define AXVM_SET_SREGS		_IOW(AXVMIO, 0x43, struct axvm_sregs)
#define AXVM_RUN		_IO(AXVMIO, 0x44)

/* axvm_event.type */
#define AXVM_EVENT_EXTINT	0	/* external interrupt, when IF=1 */
#define AXVM_EVENT_NMI		2
#define AXVM_EVENT_EXCEPTION	3	/* hardware exception */

/**
 * struct axvm_event - AXVM_INJECT argument: an event for the guest
 * @type: AXVM_EVENT_*
 * @vector: vector (ignored for NMI)
 * @has_error_code: exception pushes @error_code
 * @pad: must be 0
 * @error_code: the error code
 *
 * External interrupts wait for an interrupt window (the vCPU exits for it
 * by itself); one event of each type can be pending.
 */
struct axvm_event {
	__u8 type;
	__u8 vector;
	__u8 has_error_code;
	__u8 pad;
	__u32 error_code;
};

#define AXVM_INJECT		_IOW(AXVMIO, 0x45, struct axvm_event)

/*
 * Guest debugging for a debugger in the VMM (gdb stub), as KVM's
 * KVM_SET_GUEST_DEBUG (see Documentation/debugging.rst). Debug records
 * (AXVM_EXIT_DEBUG) need no answer.
 */
#define AXVM_GUESTDBG_ENABLE		(1U << 0)	/* the others need it */
#define AXVM_GUESTDBG_SINGLESTEP	(1U << 1)	/* one insn, then a record */
#define AXVM_GUESTDBG_USE_SW_BP		(1U << 2)	/* INT3 (#BP) gives a record */
#define AXVM_GUESTDBG_USE_HW_BP		(1U << 3)	/* @dr/@dr7 in the CPU */
#define AXVM_GUESTDBG_VALID		0xfU

/**
 * struct axvm_guest_debug - AXVM_SET_GUEST_DEBUG argument (vCPU fd)
 * @control: AXVM_GUESTDBG_*; unknown bits, or any bit without
 *	AXVM_GUESTDBG_ENABLE, are refused (-EINVAL). SINGLESTEP uses the
 *	monitor trap flag, or RFLAGS.TF on CPUs without it (hidden from
 *	AXVM_GET_REGS, not from the guest's PUSHF)
 * @pad: must be 0
 * @dr: breakpoint addresses (guest-linear, canonical) for USE_HW_BP
 * @dr7: the DR7 of USE_HW_BP: bits 63:32, 15:14, 13 (GD), 12:11 must be 0;
 *	bit 10 reads as 1; 0 without USE_HW_BP
 * @reserved: must be 0
 *
 * While USE_HW_BP is on, the guest's own debug registers are kept aside:
 * its MOV DR reads and writes them there, the CPU runs on @dr and @dr7.
 */
struct axvm_guest_debug {
	__u32 control;
	__u32 pad;
	__u64 dr[4];
	__u64 dr7;
	__u64 reserved[2];
};

#define AXVM_SET_GUEST_DEBUG	_IOW(AXVMIO, 0x48, struct axvm_guest_debug)

/*
 * The shared exit ring (see Documentation/ring.rst).
 *
 * Per vCPU, mmap'd from the vCPU fd at AXVM_RING_MMAP_OFFSET: one page of
 * struct axvm_ring_hdr, then @nr_entries slots of struct axvm_ring_entry.
 * The kernel produces records (exits that need userspace), userspace
 * consumes them in order. Indices are free-running __u32; slot = index &
 * (nr_entries - 1). Ordering: the kernel fills a slot, then publishes
 * @prod with a store-release; userspace reads @prod with a load-acquire,
 * reads the slot, writes the answer into it (@response, the read variant's
 * data), then publishes @cons with a store-release; the kernel reads
 * @cons with a load-acquire before it takes the answer. At most one record
 * in the ring waits for an answer (the vCPU stands still on it); every
 * other record is a posted write (AXVM_EXIT_F_POSTED), for which the
 * guest did not wait.
 */
#define AXVM_RING_MMAP_OFFSET	4096ULL	/* vCPU fd: the run page is at 0 */
#define AXVM_RING_MIN_ENTRIES	16
#define AXVM_RING_MAX_ENTRIES	4096

/* axvm_ring_config.mode */
#define AXVM_RING_OFF		0	/* every exit through the run page */
#define AXVM_RING_SYNC		1	/* AXVM_RUN returns to service the ring */
#define AXVM_RING_ASYNC		2	/* AXVM_RUN sleeps; any thread serves */

/* axvm_ring_hdr.flags (written by the kernel) */
#define AXVM_RING_NEED_WAKEUP	(1U << 0)	/* vCPU sleeps: AXVM_RING_KICK */

/**
 * struct axvm_ring_hdr - first page of the ring mapping
 * @nr_entries: slots (power of two)
 * @entry_size: sizeof(struct axvm_ring_entry)
 * @mode: AXVM_RING_*
 * @version: AXVM_RING_VERSION
 * @prod: kernel: records published (store-release)
 * @pad0: keeps @prod and @cons on separate cache lines
 * @cons: userspace: records finished (store-release)
 * @pad1: cache line
 * @flags: kernel: AXVM_RING_NEED_WAKEUP
 * @pad2: 0
 * @posted: kernel: posted writes published so far
 * @full_waits: kernel: times the vCPU waited for a free slot
 * @reserved: 0
 */
struct axvm_ring_hdr {
	__u32 nr_entries;
	__u32 entry_size;
	__u32 mode;
	__u32 version;
	__u32 prod;
	__u32 pad0[11];
	__u32 cons;
	__u32 pad1[15];
	__u32 flags;
	__u32 pad2;
	__u64 posted;
	__u64 full_waits;
	__u64 reserved[5];
};

#define AXVM_RING_VERSION	1

/**
 * struct axvm_ring_entry - one slot
 * @exit: the record, as in struct axvm_run; read variants take their
 *	answer in their data field
 * @response: userspace: AXVM_RESP_* for a record that waits for an answer
 * @seq: kernel: the record's free-running index (prod at publication)
 * @reserved: 0
 */
struct axvm_ring_entry {
	struct axvm_exit exit;
	__u32 response;
	__u32 seq;
	__u64 reserved[15];
};

/**
 * struct axvm_ring_config - AXVM_SET_RING argument (vCPU fd, once)
 * @mode: AXVM_RING_SYNC or AXVM_RING_ASYNC
 * @nr_entries: power of two, AXVM_RING_MIN_ENTRIES..AXVM_RING_MAX_ENTRIES
 * @flags: 0
 * @pad: 0
 * @reserved: 0
 */
struct axvm_ring_config {
	__u32 mode;
	__u32 nr_entries;
	__u32 flags;
	__u32 pad;
	__u64 reserved[2];
};

/* axvm_posted_range.bus */
#define AXVM_POSTED_PIO		0
#define AXVM_POSTED_MMIO	1
#define AXVM_MAX_POSTED_RANGES	16

/**
 * struct axvm_posted_range - AXVM_SET_POSTED argument (VM fd)
 * @bus: AXVM_POSTED_PIO or AXVM_POSTED_MMIO
 * @pad: 0
 * @flags: 0 to add the range, AXVM_POSTED_F_REMOVE to remove it
 * @base: first port or guest-physical address
 * @len: bytes (ports) in the range, > 0
 *
 * Writes into a posted range by a vCPU with a ring become records with
 * AXVM_EXIT_F_POSTED and the guest goes on at once. Reads are never
 * posted; a read of any device is delivered after every write before it.
 */
struct axvm_posted_range {
	__u8 bus;
	__u8 pad[3];
	__u32 flags;
	__u64 base;
	__u64 len;
};

#define AXVM_POSTED_F_REMOVE	(1U << 0)

#define AXVM_SET_RING		_IOW(AXVMIO, 0x46, struct axvm_ring_config)
#define AXVM_RING_KICK		_IO(AXVMIO, 0x47)
#define AXVM_SET_POSTED		_IOW(AXVMIO, 0x34, struct axvm_posted_range)

/*
 * In-kernel local APICs (see Documentation/lapic.rst). AXVM_CREATE_LAPIC on
 * the VM fd, before the first vCPU is created, gives every vCPU created
 * afterwards a local APIC (xAPIC page at IA32_APIC_BASE, x2APIC MSRs
 * 0x800-0x8ff, timer, IPIs). With it, HLT with IF=1 sleeps in the kernel
 * until an interrupt can be taken, and every vCPU but 0 starts in
 * wait-for-SIPI: its AXVM_RUN sleeps until another vCPU sends INIT and
 * SIPI, then the vCPU starts in real mode at the SIPI vector.
 */

/* axvm_lapic_config.flags */
#define AXVM_LAPIC_F_CPU_UP_EXIT	(1U << 0)	/* SIPI sender gets a CpuUp record */
#define AXVM_LAPIC_F_IPI_EXIT		(1U << 1)	/* fixed IPIs: SendIPI records */

/**
 * struct axvm_lapic_config - AXVM_CREATE_LAPIC argument
 * @flags: AXVM_LAPIC_F_*; unknown bits are refused
 * @pad: must be 0
 *
 * AXVM_LAPIC_F_CPU_UP_EXIT: after the kernel started an AP, the vCPU that
 * sent the SIPI returns a CpuUp record (target_cpu = APIC ID, entry_point
 * = vector << 12); no answer is needed. AXVM_LAPIC_F_IPI_EXIT: ICR writes
 * with fixed delivery are not delivered by the kernel but returned as
 * SendIPI records, which userspace delivers (AXVM_IRQ) or drops.
 */
struct axvm_lapic_config {
	__u32 flags;
	__u32 pad;
};

/* axvm_irq.mode: the delivery modes of an interrupt message */
#define AXVM_IRQ_FIXED		0
#define AXVM_IRQ_NMI		4
#define AXVM_IRQ_INIT		5

#define AXVM_IRQ_BROADCAST	0xffffffffU	/* every LAPIC */

/**
 * struct axvm_irq - AXVM_IRQ argument: an interrupt message to LAPICs
 * @dest: physical APIC ID (the vCPU id), or AXVM_IRQ_BROADCAST
 * @mode: AXVM_IRQ_*
 * @vector: vector for AXVM_IRQ_FIXED (16-255)
 * @pad: must be 0
 *
 * Any thread may send one at any time (like an MSI from a device model);
 * a sleeping or running target is woken.
 */
struct axvm_irq {
	__u32 dest;
	__u8 mode;
	__u8 vector;
	__u8 pad[2];
};

#define AXVM_CREATE_LAPIC	_IOW(AXVMIO, 0x35, struct axvm_lapic_config)
#define AXVM_IRQ		_IOW(AXVMIO, 0x36, struct axvm_irq)

/*
 * In-kernel I/O APIC (see Documentation/ioapic.rst): an 82093AA with 24
 * pins (GSI 0-23) and the EOI register of version 0x20, its registers at
 * guest-physical 0xfec00000. AXVM_CREATE_IOAPIC (VM fd, argument 0) after
 * AXVM_CREATE_LAPIC; AXVM_IRQ_LINE drives a pin from any thread.
 */
#define AXVM_IOAPIC_PINS	24
#define AXVM_IOAPIC_ADDR	0xfec00000ULL
#define AXVM_IRQ_SOURCES	32	/* sources per line (axvm_irq_line.source) */

/* axvm_irq_line.flags */
#define AXVM_IRQ_LINE_F_PULSE	(1U << 0)	/* assert, then de-assert (edge) */

/**
 * struct axvm_irq_line - AXVM_IRQ_LINE argument: drive one GSI
 * @gsi: the I/O APIC pin (0 to AXVM_IOAPIC_PINS - 1)
 * @flags: AXVM_IRQ_LINE_F_*; unknown bits are refused
 * @level: 1 asserts, 0 de-asserts this source's output (1 with PULSE)
 * @source: which device drives it (0 to AXVM_IRQ_SOURCES - 1)
 * @pad: must be 0
 *
 * A line is asserted while any of its sources asserts it (wired-OR, like
 * KVM's irq_source_id): two devices sharing a level-triggered line each
 * use their own @source, and the line drops when the last one lets go.
 * Edge-triggered pins deliver on the line's rising edge only. Any thread
 * may call it at any time; no vCPU is stopped.
 */
struct axvm_irq_line {
	__u32 gsi;
	__u32 flags;
	__u8 level;
	__u8 source;
	__u8 pad[6];
};

#define AXVM_CREATE_IOAPIC	_IO(AXVMIO, 0x37)
#define AXVM_IRQ_LINE		_IOW(AXVMIO, 0x38, struct axvm_irq_line)

#ifdef __cplusplus
#define AXVM_ASSERT_SIZE(t, n) static_assert(sizeof(t) == (n), #t)
#else
#define AXVM_ASSERT_SIZE(t, n) _Static_assert(sizeof(t) == (n), #t)
#endif
AXVM_ASSERT_SIZE(struct axvm_caps, 64);
AXVM_ASSERT_SIZE(struct axvm_create_vm, 40);
AXVM_ASSERT_SIZE(struct axvm_attach_vm, 40);
AXVM_ASSERT_SIZE(struct axvm_cpuid_entry, 32);
AXVM_ASSERT_SIZE(struct axvm_cpuid, 8);
AXVM_ASSERT_SIZE(struct axvm_event, 8);
AXVM_ASSERT_SIZE(struct axvm_memory_region, 32);
AXVM_ASSERT_SIZE(struct axvm_regs, 144);
AXVM_ASSERT_SIZE(struct axvm_segment, 24);
AXVM_ASSERT_SIZE(struct axvm_dtable, 16);
AXVM_ASSERT_SIZE(struct axvm_sregs, 312);
AXVM_ASSERT_SIZE(struct axvm_exit, 128);
AXVM_ASSERT_SIZE(struct axvm_run, 136);
AXVM_ASSERT_SIZE(struct axvm_ring_hdr, 192);
AXVM_ASSERT_SIZE(struct axvm_ring_entry, 256);
AXVM_ASSERT_SIZE(struct axvm_ring_config, 32);
AXVM_ASSERT_SIZE(struct axvm_posted_range, 24);
AXVM_ASSERT_SIZE(struct axvm_lapic_config, 8);
AXVM_ASSERT_SIZE(struct axvm_irq, 8);
AXVM_ASSERT_SIZE(struct axvm_irq_line, 16);
AXVM_ASSERT_SIZE(struct axvm_guest_debug, 64);

#endif /* _UAPI_LINUX_AXVM_H */
