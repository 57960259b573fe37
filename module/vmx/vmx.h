/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX side of a vCPU: the VMCS, its host CPU, guest registers the VMCS does
 * not hold, and the host state switched around guest execution.
 */
#ifndef AXVM_VMX_VMX_H
#define AXVM_VMX_VMX_H

#include <linux/list.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <linux/axvm.h>

struct axvm_vcpu;
struct axvm_cpuid_table;

#include "vmx/exit_table.h"	/* AXVM_VMX_NR_REASONS, the handlers */

/* Guest GPR slots used by vmenter.S; the order is enum axvm_gpr. */
#define AXVM_NR_GPRS	16

/* Machine-check banks IA32_MCG_CAP reports (msr.c). */
#define AXVM_MCE_BANKS	4

/* Pending debug exceptions field: BS, a single-step trap (Table 25-4). */
#define AXVM_PENDING_DBG_BS	BIT(14)

/**
 * struct axvm_vmx_exit_info - hardware facts read right after a VM exit
 * @reason: full exit reason field (bit 31: entry failure)
 * @qualification: exit qualification
 * @guest_phys: guest-physical address (EPT violation/misconfig)
 * @guest_linear: guest-linear address
 * @intr_info: VM-exit interruption information
 * @intr_error: VM-exit interruption error code
 * @idt_vectoring: IDT-vectoring information
 * @idt_error: IDT-vectoring error code
 * @inst_len: VM-exit instruction length
 * @inst_info: VM-exit instruction information
 * @rip: guest RIP
 */
struct axvm_vmx_exit_info {
	u32 reason;
	u64 qualification;
	u64 guest_phys;
	u64 guest_linear;
	u32 intr_info;
	u32 intr_error;
	u32 idt_vectoring;
	u32 idt_error;
	u32 inst_len;
	u32 inst_info;
	u64 rip;
};

/**
 * struct axvm_vmx_event - one event waiting to be injected
 * @pending: valid
 * @vector: vector
 * @has_error: an error code is pushed
 * @error: the error code
 */
struct axvm_vmx_event {
	bool pending;
	u8 vector;
	bool has_error;
	u32 error;
};

/* Guest MSRs switched by hand around guest execution (SYSCALL, TSC_AUX). */
enum axvm_vmx_swapped_msr {
	AXVM_MSR_STAR, AXVM_MSR_LSTAR, AXVM_MSR_CSTAR, AXVM_MSR_SFMASK,
	AXVM_NR_SWAPPED_MSRS
};

/**
 * struct axvm_vmx_string_io - the INS/OUTS element in flight
 * @active: an element waits for userspace
 * @in: INS
 * @rep: REP prefix
 * @width: bytes per element
 * @asize: address size (0: 16, 1: 32, 2: 64 bits)
 * @gpa: guest-physical address of the element
 */
struct axvm_vmx_string_io {
	bool active, in, rep;
	u8 width, asize;
	u64 gpa;
};

/**
 * struct axvm_vmx_gdb - what a debugger in the VMM asked for
 * @control: AXVM_GUESTDBG_* (AXVM_SET_GUEST_DEBUG), 0 when off
 * @step_done: a single step ended in an instruction the kernel or the VMM
 *	emulated: report it before the next entry (no MTF exit comes)
 * @tf_step: stepping with RFLAGS.TF, the CPU has no monitor trap flag
 * @tf_added: the guest's RFLAGS.TF was clear: the debugger's, hidden
 * @dr: the debugger's DR0-DR3 (USE_HW_BP)
 * @dr7: the debugger's DR7 (USE_HW_BP), in GUEST_DR7 while on
 * @guest_dr7: the guest's own DR7 while the debugger's is in the VMCS
 */
struct axvm_vmx_gdb {
	u32 control;
	bool step_done, tf_step, tf_added;
	unsigned long dr[4];
	u64 dr7;
	u64 guest_dr7;
};

/**
 * struct axvm_vmx_host - host state restored when the vCPU is put
 * @fs_sel: FS selector
 * @gs_sel: GS selector
 * @ldt_sel: LDTR selector
 * @ds_sel: DS selector
 * @es_sel: ES selector
 * @fs_base: user FS base of the vCPU thread
 * @kernel_gs_base: IA32_KERNEL_GS_BASE (user GS base while in the kernel)
 * @msrs: host values of the swapped MSRs
 * @cr3: HOST_CR3 last written
 * @cr4: HOST_CR4 last written
 * @debugctl: IA32_DEBUGCTL of the thread, restored after each VM exit
 */
struct axvm_vmx_host {
	u16 fs_sel, gs_sel, ldt_sel, ds_sel, es_sel;
	unsigned long fs_base, kernel_gs_base;
	u64 msrs[AXVM_NR_SWAPPED_MSRS];
	unsigned long cr3, cr4;
	u64 debugctl;
};

/**
 * struct axvm_vmx_vcpu - per-vCPU VMX state
 * @gprs: guest GPRs, index enum axvm_gpr (RSP lives in the VMCS)
 * @vmcs: the VMCS region
 * @vmcs_pa: its physical address
 * @cpu: host CPU on which the VMCS is active, or -1 (cleared)
 * @launched: VMLAUNCH done since the last VMCLEAR
 * @loaded_link: entry in that CPU's list of active VMCSs
 * @vpid: VPID, 0 when VPIDs are not used
 * @pn: preempt notifier: reloads the VMCS after migration
 * @loaded: between axvm_vmx_vcpu_load() and axvm_vmx_vcpu_put()
 * @guest_state_loaded: guest KERNEL_GS_BASE/syscall MSRs are in hardware
 * @host: host state to restore
 * @guest_kernel_gs_base: guest IA32_KERNEL_GS_BASE
 * @guest_msrs: guest values of the swapped MSRs
 * @guest_msrs_set: bit i: the guest wrote swapped MSR i (only those swap)
 * @guest_xcr0: guest XCR0
 * @tsc_aux: guest IA32_TSC_AUX (stored only: RDTSCP is not enabled)
 * @misc_enable: guest IA32_MISC_ENABLE
 * @apic_base: guest IA32_APIC_BASE
 * @mtrr_def_type: guest IA32_MTRR_DEF_TYPE
 * @tsc_adjust: guest IA32_TSC_ADJUST (SDM Vol. 3B, 18.17.3 "Time-Stamp
 *	Counter Adjustment")
 * @mcg_status: guest IA32_MCG_STATUS
 * @mce_banks: guest IA32_MCi_CTL, _STATUS, _ADDR, _MISC of each bank
 * @dr: guest DR0-DR3, DR6 (DR7 is in the VMCS)
 * @dr_switch: AXVM_DR_*: the guest's DR0-3/DR6 go into hardware at entry
 * @gdb: guest debugging by the VMM (vmx/guest_debug.c)
 * @cr8: guest TPR as CR8
 * @exception: exception to inject
 * @held_irq: interruption info of an external interrupt whose delivery an
 *	intercepted exception interrupted; delivered after that exception
 * @nmi: NMI to inject
 * @irq: external interrupt to inject
 * @windows_open: an NMI- or interrupt-window exit was requested
 * @string_io: INS/OUTS element in flight
 * @fpu: guest XSAVE area
 * @io_bitmap: I/O bitmaps A and B (all ones: every port exits)
 * @msr_bitmap: MSR bitmap (all ones: every MSR exits)
 * @cr2: guest CR2 (not in the VMCS: switched by hand around entry)
 * @cr0_shadow: CR0 as the guest wrote it
 * @cr4_shadow: CR4 as the guest wrote it
 * @exit: facts of the last exit
 * @vmcs_error: first VMWRITE failure during setup (field, or 0)
 * @vm_id: the VM's id (for tracing)
 * @vcpu_id: the vCPU's id (initial APIC ID, tracing, exit records)
 * @eptp: the VM's EPT pointer
 * @apic_in_kernel: the layers above emulate the local APIC (upcalls)
 * @hold_events: no NMI or interrupt while RIP is @hold_rip (the write
 *	half of an MMIO read-modify-write is due, exit/mmio.c)
 * @hold_rip: the instruction that must run again first
 * @cpuid: the VM's CPUID table (RCU), which outlives the vCPU
 */
struct axvm_vmx_vcpu {
	unsigned long gprs[AXVM_NR_GPRS];
	void *vmcs;
	u64 vmcs_pa;
	int cpu;
	bool launched;
	struct list_head loaded_link;
	u16 vpid;
	struct preempt_notifier pn;
	bool loaded;
	bool guest_state_loaded;
	struct axvm_vmx_host host;
	u64 guest_kernel_gs_base;
	u64 guest_msrs[AXVM_NR_SWAPPED_MSRS];
	u8 guest_msrs_set;
	u64 guest_xcr0;
	u64 tsc_aux, misc_enable, apic_base, mtrr_def_type;
	u64 tsc_adjust, mcg_status;
	u64 mce_banks[AXVM_MCE_BANKS][4];
	unsigned long dr[5];
	u8 dr_switch;
	struct axvm_vmx_gdb gdb;
	u64 cr8;
	struct axvm_vmx_event exception, nmi, irq;
	u32 held_irq;
	bool windows_open;
	struct axvm_vmx_string_io string_io;
	void *fpu;
	void *io_bitmap;
	void *msr_bitmap;
	unsigned long cr2;
	u64 cr0_shadow, cr4_shadow;
	struct axvm_vmx_exit_info exit;
	unsigned long vmcs_error;
	u32 vm_id, vcpu_id;
	u64 eptp;
	bool apic_in_kernel;
	bool hold_events;
	u64 hold_rip;
	struct axvm_cpuid_table __rcu **cpuid;
};

/**
 * struct axvm_vmx_vcpu_info - what the backend keeps of the vCPU's owner
 * @vm_id: the VM's id
 * @vcpu_id: the vCPU's id
 * @eptp: the VM's EPT pointer (fixed for the VM's life)
 * @apic_in_kernel: the vCPU has an in-kernel local APIC
 * @cpuid: where the VM keeps its CPUID table (lib/cpuid.h; RCU)
 */
struct axvm_vmx_vcpu_info {
	u32 vm_id, vcpu_id;
	u64 eptp;
	bool apic_in_kernel;
	struct axvm_cpuid_table __rcu **cpuid;
};

/*
 * The backend never sees struct axvm_vcpu (core.h): it is a handle whose
 * first member is the backend's struct axvm_vmx_vcpu (core.h asserts the
 * offset), as KVM's to_vmx() finds struct vcpu_vmx from a struct kvm_vcpu,
 * without the backend depending on the layers above it.
 */
static __always_inline struct axvm_vmx_vcpu *to_vmx(struct axvm_vcpu *vcpu)
{
	return (struct axvm_vmx_vcpu *)vcpu;
}

static __always_inline struct axvm_vcpu *vmx_to_vcpu(struct axvm_vmx_vcpu *vmx)
{
	return (struct axvm_vcpu *)vmx;
}

/**
 * enum axvm_exit_action - what a handler decided; the one return contract
 * @AXVM_RESUME: handled, re-enter the guest
 * @AXVM_USER: the exit record is filled: return to userspace
 *
 * A negative errno instead ends AXVM_RUN with that error (host-side
 * failure, e.g. -ENOMEM); guest misbehaviour is never an errno but a
 * record (SystemDown, InternalError, ...).
 */
enum axvm_exit_action {
	AXVM_RESUME = 0,
	AXVM_USER = 1,
};

/**
 * axvm_exit_internal_record() - make @e an InternalError record
 * @e: the exit record
 * @suberror: AXVM_INTERNAL_*
 * @d0: data[0]
 * @d1: data[1]
 *
 * The one way every layer reports what it could not handle.
 *
 * Return: AXVM_USER.
 */
static inline int axvm_exit_internal_record(struct axvm_exit *e, u32 suberror,
					    u64 d0, u64 d1)
{
	e->kind = AXVM_EXIT_INTERNAL_ERROR;
	e->u.internal.suberror = suberror;
	e->u.internal.data[0] = d0;
	e->u.internal.data[1] = d1;
	return AXVM_USER;
}

/*
 * vmx_vcpu.dr_switch: guest DR7 enables a breakpoint; MOV DR does not exit;
 * the debugger's DR0-DR3 and DR7 are in use (the guest's are kept aside).
 */
#define AXVM_DR_BP_ENABLED	BIT(0)
#define AXVM_DR_WONT_EXIT	BIT(1)
#define AXVM_DR_GDB		BIT(2)

/* debug.c: debug registers, #DB, #AC, #MC */
void axvm_vmx_dr_reset(struct axvm_vmx_vcpu *vmx);
void axvm_vmx_dr_load_guest(struct axvm_vmx_vcpu *vmx);
void axvm_vmx_dr_after_exit(struct axvm_vmx_vcpu *vmx);
void axvm_vmx_reflect_db(struct axvm_vcpu *vcpu, unsigned long payload);
void axvm_vmx_machine_check(void);

/* guest_debug.c: a debugger in the VMM (AXVM_SET_GUEST_DEBUG) */
int axvm_vmx_set_guest_debug(struct axvm_vcpu *vcpu,
			     const struct axvm_guest_debug *dbg);
int axvm_vmx_debug_bp(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
bool axvm_vmx_debug_db(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
bool axvm_vmx_debug_mov_dr(struct axvm_vcpu *vcpu);
u64 axvm_vmx_debug_hide_tf(struct axvm_vmx_vcpu *vmx, u64 rflags, bool to_user);

/* percpu.c: VMX operation on every online CPU while any VM exists. */
int axvm_vmx_get(void);
void axvm_vmx_put(void);
int axvm_vmx_global_init(void);
void axvm_vmx_global_exit(void);
void axvm_vmx_flush_ept_all_cpus(u64 eptp);
void axvm_vmx_flush_ept(u64 eptp);
bool axvm_vmx_cpu_is_on(void);
struct list_head *axvm_vmx_loaded_list(void);
bool axvm_vmx_rebooting(void);

/* vmcs.c */
int axvm_vmx_vcpu_create(struct axvm_vcpu *vcpu,
			 const struct axvm_vmx_vcpu_info *info);
void axvm_vmx_vcpu_destroy(struct axvm_vcpu *vcpu);
void axvm_vmx_vcpu_load(struct axvm_vcpu *vcpu);
void axvm_vmx_vcpu_put(struct axvm_vcpu *vcpu);
void axvm_vmx_clear_on_this_cpu(struct axvm_vmx_vcpu *vmx);
void axvm_vmx_vcpu_reset(struct axvm_vcpu *vcpu);
void axvm_vmx_vcpu_sipi(struct axvm_vcpu *vcpu, u8 vector);
void axvm_vmx_switch_to_guest(struct axvm_vmx_vcpu *vmx);
u32 axvm_vmx_preempt_ticks(void);

/* state.c: guest registers <-> VMCS; the vCPU must be loaded. */
void axvm_vmx_get_regs(struct axvm_vcpu *vcpu, struct axvm_regs *regs);
void axvm_vmx_set_regs(struct axvm_vcpu *vcpu, const struct axvm_regs *regs);
void axvm_vmx_get_sregs(struct axvm_vcpu *vcpu, struct axvm_sregs *sregs);
int axvm_vmx_set_sregs(struct axvm_vcpu *vcpu, const struct axvm_sregs *sregs);
unsigned int axvm_vmx_guest_cpl(struct axvm_vcpu *vcpu);

/* inject.c */
void axvm_vmx_queue_exception(struct axvm_vcpu *vcpu, u8 vector,
			      bool has_error, u32 error);
void axvm_vmx_queue_page_fault(struct axvm_vcpu *vcpu, u64 la, u32 error);
int axvm_vmx_queue_event(struct axvm_vcpu *vcpu, const struct axvm_event *e);
void axvm_vmx_inject_pending(struct axvm_vcpu *vcpu);
bool axvm_vmx_event_pending(struct axvm_vcpu *vcpu);
bool axvm_vmx_ready_for_interrupt(struct axvm_vcpu *vcpu);
bool axvm_vmx_vector_has_error(u8 vector);
void axvm_vmx_requeue_vectoring(struct axvm_vcpu *vcpu);

/* msr.c, cr.c: emulation (the exit handlers are in exit_table.h) */
void axvm_vmx_msrs_to_guest(struct axvm_vmx_vcpu *vmx);
void axvm_vmx_msrs_to_host(struct axvm_vmx_vcpu *vmx);
u64 axvm_vmx_supported_xcr0(void);

/* string_io.c */
int axvm_vmx_string_io(struct axvm_vcpu *vcpu, struct axvm_exit *exit);
bool axvm_vmx_string_io_complete(struct axvm_vcpu *vcpu, u64 data);

/* exits.c: decode the last VM exit; table indexed by basic reason. */
int axvm_vmx_handle_exit(struct axvm_vcpu *vcpu, struct axvm_exit *exit);

/* vcpu_run.c */
int axvm_vmx_enter(struct axvm_vcpu *vcpu);
void axvm_vmx_skip_instruction(struct axvm_vcpu *vcpu);

/* vmenter.S: 0 after a VM exit, 1 on VMfail. */
int axvm_vmx_vmenter(unsigned long *gprs, bool launched);
void axvm_vmx_vmexit(void);

#endif
