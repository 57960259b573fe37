// SPDX-License-Identifier: GPL-2.0
/*
 * The VMCS of a vCPU: allocation, the CPU it is active on, and its initial
 * contents (controls, host state, architectural reset state of the guest).
 *
 * A VMCS is made active on one CPU by VMPTRLD and must be VMCLEARed there
 * before it may be loaded on another (SDM Vol. 3C, 25.11.1 "Software Use of
 * Virtual-Machine Control Structures", 25.11.3 "Initializing a VMCS"). The
 * vCPU thread may migrate between any two VM entries, so a preempt notifier
 * reloads it when the thread is scheduled in on a new CPU, and restores the
 * host state the guest borrowed when it is scheduled out.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/idr.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include "vmx/caps.h"
#include "vmx/insn.h"
#include "vmx/vmx.h"

static DEFINE_IDA(vpid_ida);
static DEFINE_PER_CPU(void *, current_vmcs);
/* Id of the VM whose VMCS this CPU loaded last (VM ids start at 1). */
static DEFINE_PER_CPU(u32, last_vm_id);

/* Record the first failed VMWRITE: setup reports it instead of going on. */
static void vmw(struct axvm_vmx_vcpu *vmx, unsigned long field, u64 value)
{
	if (axvm_vmwrite(field, value) && !vmx->vmcs_error)
		vmx->vmcs_error = field;
}

/*
 * The VMCS is active on this CPU: make it inactive and write it back.
 * IRQs are off: the per-CPU list of active VMCSs is edited from IPIs
 * (clear_ipi) and CPU-offline callbacks, never with IRQs on (KVM's
 * __loaded_vmcs_clear() keeps the same rule).
 */
void axvm_vmx_clear_on_this_cpu(struct axvm_vmx_vcpu *vmx)
{
	lockdep_assert_irqs_disabled();
	if (axvm_vmclear(vmx->vmcs_pa))
		pr_err_ratelimited("axvm: VMCLEAR of %#llx failed\n", vmx->vmcs_pa);
	if (this_cpu_read(current_vmcs) == vmx->vmcs)
		this_cpu_write(current_vmcs, NULL);
	list_del(&vmx->loaded_link);
	/* Pairs with smp_rmb() in vmcs_load_cpu(): list_del before cpu. */
	smp_wmb();
	WRITE_ONCE(vmx->cpu, -1);
	vmx->launched = false;
}

static void clear_ipi(void *arg)
{
	struct axvm_vmx_vcpu *vmx = arg;

	if (READ_ONCE(vmx->cpu) == smp_processor_id())
		axvm_vmx_clear_on_this_cpu(vmx);
}

/*
 * VMCLEAR on the CPU the VMCS is active on, through an IPI even when that
 * is this CPU: smp_call_function_single() then runs clear_ipi() here with
 * IRQs off, so the list edit cannot race with another clear_ipi() or the
 * CPU-offline callback. An offline CPU cleared its VMCSs when it went.
 */
static void vmcs_clear_remote(struct axvm_vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, clear_ipi, vmx, 1);
}

/*
 * Per-CPU host state: TSS, GDT, per-CPU GS base, SYSENTER stack (25.5
 * "Host-State Area").
 */
static void write_host_percpu_state(struct axvm_vmx_vcpu *vmx, int cpu)
{
	struct desc_ptr gdt;
	u64 gs_base;

	native_store_gdt(&gdt);
	rdmsrl(MSR_GS_BASE, gs_base);
	vmw(vmx, HOST_TR_BASE, (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	vmw(vmx, HOST_GDTR_BASE, gdt.address);
	vmw(vmx, HOST_GS_BASE, gs_base);
	vmw(vmx, HOST_IA32_SYSENTER_ESP,
	    (unsigned long)(cpu_entry_stack(cpu) + 1));
}

/* Make the VMCS current on this CPU; preemption is off. */
static void vmcs_load_cpu(struct axvm_vcpu *vcpu, int cpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	unsigned long flags;
	bool moved = vmx->cpu != cpu;

	if (moved) {
		vmcs_clear_remote(vmx);
		/* Pairs with smp_wmb() in axvm_vmx_clear_on_this_cpu(). */
		smp_rmb();
		local_irq_save(flags);
		list_add(&vmx->loaded_link, axvm_vmx_loaded_list());
		local_irq_restore(flags);
	}
	if (this_cpu_read(current_vmcs) != vmx->vmcs) {
		if (axvm_vmptrld(vmx->vmcs_pa))
			pr_err_ratelimited("axvm: VMPTRLD of %#llx failed\n", vmx->vmcs_pa);
		this_cpu_write(current_vmcs, vmx->vmcs);
		/*
		 * Another VM's guest may have trained the indirect branch
		 * predictors of this CPU: IBPB before this guest runs, when
		 * the host's Spectre v2 mitigation uses IBPB (the
		 * alternative is patched out otherwise), as KVM does.
		 */
		if (this_cpu_read(last_vm_id) != vmx->vm_id) {
			indirect_branch_prediction_barrier();
			this_cpu_write(last_vm_id, vmx->vm_id);
		}
	}
	if (moved) {
		write_host_percpu_state(vmx, cpu);
		/*
		 * This CPU may hold translations of this EPT/VPID from an
		 * earlier stay: drop them (29.4.3 "Invalidating Cached
		 * Translation Information").
		 */
		axvm_vmx_flush_ept(to_vmx(vcpu)->eptp);
		WRITE_ONCE(vmx->cpu, cpu);
	}
}

/* Undo what the guest borrowed from the host (KERNEL_GS_BASE, segments). */
static void switch_to_host(struct axvm_vmx_vcpu *vmx)
{
	struct axvm_vmx_host *h = &vmx->host;

	if (!vmx->guest_state_loaded)
		return;
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->guest_kernel_gs_base);
	axvm_vmx_msrs_to_host(vmx);
	/*
	 * A VM exit loads null LDTR and limits GDTR/TR (28.5.2 "Loading Host
	 * Segment and Descriptor-Table Registers"): restore.
	 */
	if (h->ldt_sel)
		asm volatile("lldt %0" : : "rm" (h->ldt_sel));
	if (h->gs_sel & 7)
		load_gs_index(h->gs_sel);
	if (h->fs_sel & 7)
		loadsegment(fs, h->fs_sel);
	if (h->ds_sel | h->es_sel) {
		loadsegment(ds, h->ds_sel);
		loadsegment(es, h->es_sel);
	}
	invalidate_tss_limit();
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	load_fixmap_gdt(raw_smp_processor_id());
	vmx->guest_state_loaded = false;
}

/**
 * axvm_vmx_switch_to_guest() - lend the host state the guest may change
 * @vmx: the vCPU, loaded, preemption off
 *
 * Saves the host selectors, bases and IA32_DEBUGCTL a VM exit does not
 * restore and loads the guest's IA32_KERNEL_GS_BASE. Undone when the thread is scheduled
 * out or the vCPU is put.
 */
void axvm_vmx_switch_to_guest(struct axvm_vmx_vcpu *vmx)
{
	struct axvm_vmx_host *h = &vmx->host;

	if (vmx->guest_state_loaded)
		return;
	savesegment(ds, h->ds_sel);
	savesegment(es, h->es_sel);
	savesegment(fs, h->fs_sel);
	savesegment(gs, h->gs_sel);
	asm volatile("sldt %0" : "=g" (h->ldt_sel));
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	/*
	 * The thread's DEBUGCTL (BTF for ptrace block-stepping) changes across
	 * a context switch, which ends the lending (sched_out): one read per
	 * lending, not one per entry (KVM reads it once per vcpu_load).
	 */
	h->debugctl = get_debugctlmsr();
	/*
	 * Host selectors must have RPL=TI=0 (27.2.3 "Checks on Host Segment and
	 * Descriptor-Table Registers"); fixed up in switch_to_host.
	 */
	vmw(vmx, HOST_FS_SELECTOR, h->fs_sel & 7 ? 0 : h->fs_sel);
	vmw(vmx, HOST_GS_SELECTOR, h->gs_sel & 7 ? 0 : h->gs_sel);
	vmw(vmx, HOST_FS_BASE, h->fs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->guest_kernel_gs_base);
	axvm_vmx_msrs_to_guest(vmx);
	vmx->guest_state_loaded = true;
}

static void sched_in(struct preempt_notifier *pn, int cpu)
{
	struct axvm_vcpu *vcpu =
		vmx_to_vcpu(container_of(pn, struct axvm_vmx_vcpu, pn));

	vmcs_load_cpu(vcpu, cpu);
}

static void sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	struct axvm_vcpu *vcpu =
		vmx_to_vcpu(container_of(pn, struct axvm_vmx_vcpu, pn));

	switch_to_host(to_vmx(vcpu));
}

static struct preempt_ops axvm_preempt_ops = {
	.sched_in = sched_in,
	.sched_out = sched_out,
};

/**
 * axvm_vmx_vcpu_load() - make the vCPU's VMCS current for this thread
 * @vcpu: the vCPU; its mutex is held
 *
 * Until axvm_vmx_vcpu_put(), the VMCS follows the thread to whatever CPU
 * it runs on.
 */
void axvm_vmx_vcpu_load(struct axvm_vcpu *vcpu)
{
	int cpu = get_cpu();

	preempt_notifier_register(&to_vmx(vcpu)->pn);
	vmcs_load_cpu(vcpu, cpu);
	to_vmx(vcpu)->loaded = true;
	put_cpu();
}

/**
 * axvm_vmx_vcpu_put() - end of a load section: restore the host state
 * @vcpu: the vCPU
 */
void axvm_vmx_vcpu_put(struct axvm_vcpu *vcpu)
{
	preempt_disable();
	switch_to_host(to_vmx(vcpu));
	preempt_notifier_unregister(&to_vmx(vcpu)->pn);
	to_vmx(vcpu)->loaded = false;
	preempt_enable();
}

static void setup_controls(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	u32 proc2 = axvm_vmx.proc2;

	vmw(vmx, PIN_BASED_VM_EXEC_CONTROL, axvm_vmx.pin);
	vmw(vmx, CPU_BASED_VM_EXEC_CONTROL, axvm_vmx.proc);
	if (!vmx->vpid)
		proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	vmw(vmx, SECONDARY_VM_EXEC_CONTROL, proc2);
	vmw(vmx, VM_EXIT_CONTROLS, axvm_vmx.exit);
	vmw(vmx, VM_ENTRY_CONTROLS, axvm_vmx.entry);
	if (vmx->vpid)
		vmw(vmx, VIRTUAL_PROCESSOR_ID, vmx->vpid);
	vmw(vmx, EPT_POINTER, to_vmx(vcpu)->eptp);
	vmw(vmx, IO_BITMAP_A, __pa(vmx->io_bitmap));
	vmw(vmx, IO_BITMAP_B, __pa(vmx->io_bitmap) + PAGE_SIZE);
	vmw(vmx, MSR_BITMAP, __pa(vmx->msr_bitmap));
	/*
	 * #DB and #AC always exit (a guest could otherwise loop the CPU in
	 * their delivery, CVE-2015-8104/5307), #MC goes to the host's handler
	 * (vmx/debug.c). Nothing else: the guest handles its own exceptions.
	 */
	vmw(vmx, EXCEPTION_BITMAP,
	    BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC));
	vmw(vmx, PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmw(vmx, PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmw(vmx, CR3_TARGET_COUNT, 0);
	vmw(vmx, VM_EXIT_MSR_STORE_COUNT, 0);
	vmw(vmx, VM_EXIT_MSR_LOAD_COUNT, 0);
	vmw(vmx, VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmw(vmx, VM_ENTRY_INTR_INFO_FIELD, 0);
	vmw(vmx, VMCS_LINK_POINTER, -1ull);
	/*
	 * The host owns CR0.NE and CR4.VMXE (forced by the fixed bits) and
	 * CR4.OSXSAVE (it decides when XCR0 is switched) and CR4.PKE (PKRU
	 * is not switched, so protection keys are refused); the
	 * guest reads its own values from the shadows (25.6.6 "Guest/Host Masks
	 * and Read Shadows for CR0 and CR4").
	 */
	vmw(vmx, CR0_GUEST_HOST_MASK, X86_CR0_NE);
	vmw(vmx, CR4_GUEST_HOST_MASK,
	    X86_CR4_VMXE | X86_CR4_OSXSAVE | X86_CR4_PKE);
}

static void setup_host_state(struct axvm_vmx_vcpu *vmx)
{
	struct desc_ptr idt;
	u64 v;

	vmx->host.cr3 = __read_cr3();
	vmx->host.cr4 = cr4_read_shadow();
	vmw(vmx, HOST_CR0, read_cr0());
	vmw(vmx, HOST_CR3, vmx->host.cr3);
	vmw(vmx, HOST_CR4, vmx->host.cr4);
	vmw(vmx, HOST_CS_SELECTOR, __KERNEL_CS);
	vmw(vmx, HOST_SS_SELECTOR, __KERNEL_DS);
	vmw(vmx, HOST_DS_SELECTOR, 0);
	vmw(vmx, HOST_ES_SELECTOR, 0);
	vmw(vmx, HOST_FS_SELECTOR, 0);
	vmw(vmx, HOST_GS_SELECTOR, 0);
	vmw(vmx, HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmw(vmx, HOST_IDTR_BASE, idt.address);
	vmw(vmx, HOST_RIP, (unsigned long)axvm_vmx_vmexit);
	rdmsrl(MSR_IA32_SYSENTER_CS, v);
	vmw(vmx, HOST_IA32_SYSENTER_CS, v);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmw(vmx, HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_IA32_CR_PAT, v);
	vmw(vmx, HOST_IA32_PAT, v);
	rdmsrl(MSR_EFER, v);
	vmw(vmx, HOST_IA32_EFER, v);
}

/*
 * x86 power-on state (SDM Vol. 3A, 10.1.1 "Processor State After Reset",
 * Table 10-1); userspace overrides.
 */
static void setup_guest_state(struct axvm_vmx_vcpu *vmx)
{
	static const struct { unsigned long sel, base, limit, ar; } segs[] = {
		{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
		{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
		{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
		{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
		{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(segs); i++) {
		vmw(vmx, segs[i].sel, 0);
		vmw(vmx, segs[i].base, 0);
		vmw(vmx, segs[i].limit, 0xffff);
		vmw(vmx, segs[i].ar, 0x93);
	}
	vmw(vmx, GUEST_CS_SELECTOR, 0xf000);
	vmw(vmx, GUEST_CS_BASE, 0xffff0000);
	vmw(vmx, GUEST_CS_LIMIT, 0xffff);
	vmw(vmx, GUEST_CS_AR_BYTES, 0x9b);
	vmw(vmx, GUEST_TR_SELECTOR, 0);
	vmw(vmx, GUEST_TR_BASE, 0);
	vmw(vmx, GUEST_TR_LIMIT, 0xffff);
	vmw(vmx, GUEST_TR_AR_BYTES, 0x8b);
	vmw(vmx, GUEST_LDTR_SELECTOR, 0);
	vmw(vmx, GUEST_LDTR_BASE, 0);
	vmw(vmx, GUEST_LDTR_LIMIT, 0xffff);
	vmw(vmx, GUEST_LDTR_AR_BYTES, 0x82);
	vmw(vmx, GUEST_GDTR_BASE, 0);
	vmw(vmx, GUEST_GDTR_LIMIT, 0xffff);
	vmw(vmx, GUEST_IDTR_BASE, 0);
	vmw(vmx, GUEST_IDTR_LIMIT, 0xffff);
	vmx->cr0_shadow = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	vmw(vmx, GUEST_CR0, vmx->cr0_shadow | X86_CR0_NE);
	vmw(vmx, CR0_READ_SHADOW, vmx->cr0_shadow);
	vmx->cr4_shadow = 0;
	vmw(vmx, GUEST_CR4, X86_CR4_VMXE);
	vmw(vmx, CR4_READ_SHADOW, 0);
	vmw(vmx, GUEST_CR3, 0);
	vmw(vmx, GUEST_DR7, 0x400);	/* DR7 reset value */
	vmw(vmx, GUEST_RSP, 0);
	vmw(vmx, GUEST_RIP, 0xfff0);
	vmw(vmx, GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmw(vmx, GUEST_IA32_EFER, 0);
	vmw(vmx, GUEST_IA32_PAT, 0x0007040600070406ull);
	vmw(vmx, GUEST_SYSENTER_CS, 0);
	vmw(vmx, GUEST_SYSENTER_ESP, 0);
	vmw(vmx, GUEST_SYSENTER_EIP, 0);
	vmw(vmx, GUEST_IA32_DEBUGCTL, 0);
	vmw(vmx, GUEST_INTERRUPTIBILITY_INFO, 0);
	vmw(vmx, GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmw(vmx, GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/*
	 * Without "save VMX-preemption timer value" every entry restarts the
	 * timer from this field (26.5.1 "VMX-Preemption Timer"): written once,
	 * it bounds each trip into the guest to about one host tick.
	 */
	vmw(vmx, VMX_PREEMPTION_TIMER_VALUE, axvm_vmx_preempt_ticks());
	if (axvm_vmx.proc & CPU_BASED_USE_TSC_OFFSETTING)
		vmw(vmx, TSC_OFFSET, 0);
	vmx->tsc_adjust = 0;		/* the TSC starts over with it */
	vmx->misc_enable = MSR_IA32_MISC_ENABLE_FAST_STRING |
			   MSR_IA32_MISC_ENABLE_BTS_UNAVAIL |
			   MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
	axvm_vmx_dr_reset(vmx);
	vmx->gprs[AXVM_REG_RDX] = 0x600;	/* family 6 reset signature */
}

/**
 * axvm_vmx_vcpu_reset() - INIT: the vCPU's power-on state (Table 10-1)
 * @vcpu: the loaded vCPU, in its own thread
 *
 * Table 10-1 as in setup_guest_state() (SDM Vol. 3A, 10.1.1). Events in flight
 * are dropped (the caller forgets a pending userspace exit: io/lapic.c).
 */
void axvm_vmx_vcpu_reset(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);

	memset(vmx->gprs, 0, sizeof(vmx->gprs));
	setup_guest_state(vmx);
	vmw(vmx, VM_ENTRY_CONTROLS,
	    axvm_vmcs_read(VM_ENTRY_CONTROLS) & ~(u64)VM_ENTRY_IA32E_MODE);
	vmw(vmx, VM_ENTRY_INTR_INFO_FIELD, 0);
	vmx->exception.pending = false;
	vmx->nmi.pending = false;
	vmx->irq.pending = false;
	vmx->held_irq = 0;
	vmx->exit.idt_vectoring = 0;
	vmx->string_io.active = false;
	vmx->cr2 = 0;
	vmx->cr8 = 0;
}

/**
 * axvm_vmx_vcpu_sipi() - start a vCPU waiting for SIPI
 * @vcpu: the loaded vCPU, after axvm_vmx_vcpu_reset()
 * @vector: the SIPI vector: real mode at @vector:0000 (CS = vector << 8)
 *
 * As SDM Vol. 3A, 9.4.4.1 "Typical BSP Initialization Sequence" has it.
 */
void axvm_vmx_vcpu_sipi(struct axvm_vcpu *vcpu, u8 vector)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);

	vmw(vmx, GUEST_CS_SELECTOR, (u32)vector << 8);
	vmw(vmx, GUEST_CS_BASE, (u64)vector << 12);
	vmw(vmx, GUEST_RIP, 0);
}

static int alloc_vmx_pages(struct axvm_vmx_vcpu *vmx)
{
	unsigned int fpu_size = cpuid_ecx(0xd);
	struct page *io;

	vmx->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vmx->msr_bitmap = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
	io = alloc_pages(GFP_KERNEL_ACCOUNT, 1);
	vmx->io_bitmap = io ? page_address(io) : NULL;
	/* XSAVE area for every component the CPU has (CPUID.(0DH,0):ECX). */
	vmx->fpu = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					    get_order(max(fpu_size, 4096u)));
	if (!vmx->vmcs || !vmx->msr_bitmap || !vmx->io_bitmap || !vmx->fpu)
		return -ENOMEM;
	/*
	 * Default deny: every MSR and every port exits (25.6.4 "I/O-Bitmap
	 * Addresses", 25.6.9 "MSR-Bitmap Address").
	 */
	memset(vmx->msr_bitmap, 0xff, PAGE_SIZE);
	memset(vmx->io_bitmap, 0xff, 2 * PAGE_SIZE);
	/* x87 FCW and MXCSR reset values in the legacy area (FXSAVE layout). */
	*(u16 *)vmx->fpu = 0x37f;
	*(u32 *)(vmx->fpu + 24) = 0x1f80;
	*(u32 *)vmx->vmcs = axvm_vmx.revision;
	vmx->vmcs_pa = __pa(vmx->vmcs);
	return 0;
}

static void free_vmx_pages(struct axvm_vmx_vcpu *vmx)
{
	unsigned int fpu_size = cpuid_ecx(0xd);

	free_page((unsigned long)vmx->vmcs);
	free_page((unsigned long)vmx->msr_bitmap);
	if (vmx->io_bitmap)
		free_pages((unsigned long)vmx->io_bitmap, 1);
	if (vmx->fpu)
		free_pages((unsigned long)vmx->fpu,
			   get_order(max(fpu_size, 4096u)));
}

/**
 * axvm_vmx_vcpu_create() - allocate and initialise a vCPU's VMCS
 * @vcpu: the vCPU, zeroed (its backend state is to_vmx(@vcpu))
 * @info: what the backend keeps of its VM and owner
 *
 * Return: 0, -ENOMEM, or -EIO if the CPU refused a VMCS field.
 */
int axvm_vmx_vcpu_create(struct axvm_vcpu *vcpu,
			 const struct axvm_vmx_vcpu_info *info)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	int ret, vpid;

	vmx->vm_id = info->vm_id;
	vmx->vcpu_id = info->vcpu_id;
	vmx->eptp = info->eptp;
	vmx->apic_in_kernel = info->apic_in_kernel;
	vmx->cpuid = info->cpuid;
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	preempt_notifier_init(&vmx->pn, &axvm_preempt_ops);
	vmx->guest_xcr0 = XFEATURE_MASK_FP;
	vmx->apic_base = 0xfee00000ull | BIT(11) | (vmx->vcpu_id ? 0 : BIT(8));
	ret = alloc_vmx_pages(vmx);
	if (ret)
		goto fail;
	if (axvm_vmx.has_vpid) {
		vpid = ida_alloc_range(&vpid_ida, 1, 0xffff, GFP_KERNEL);
		vmx->vpid = vpid > 0 ? vpid : 0;	/* none left: run without */
	}
	ret = axvm_vmclear(vmx->vmcs_pa);
	if (ret)
		goto fail;

	axvm_vmx_vcpu_load(vcpu);
	setup_controls(vcpu);
	setup_host_state(vmx);
	setup_guest_state(vmx);
	axvm_vmx_vcpu_put(vcpu);
	if (vmx->vmcs_error) {
		pr_err_ratelimited("axvm: VMWRITE to VMCS field %#lx refused\n", vmx->vmcs_error);
		ret = -EIO;
		goto fail;
	}
	return 0;
fail:
	axvm_vmx_vcpu_destroy(vcpu);
	return ret;
}

/*
 * Single-context INVVPID, or all-context where only that exists (29.4.3.3
 * "Guidelines for Use of the INVVPID Instruction").
 */
static void flush_vpid_ipi(void *vpid)
{
	int ret;

	if (!axvm_vmx_cpu_is_on())
		return;
	if (axvm_vmx.ept_vpid & AXVM_VPID_CAP_SINGLE)
		ret = axvm_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, *(u16 *)vpid, 0);
	else
		ret = axvm_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0);
	if (ret && !axvm_vmx_rebooting())
		WARN_ONCE(1, "axvm: INVVPID of VPID %u failed\n", *(u16 *)vpid);
}

/**
 * axvm_vmx_vcpu_destroy() - VMCLEAR and free a vCPU's VMX state
 * @vcpu: the vCPU; no thread uses it any more
 */
void axvm_vmx_vcpu_destroy(struct axvm_vcpu *vcpu)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx->vmcs)
		vmcs_clear_remote(vmx);
	if (vmx->vpid) {
		/* A recycled VPID must not find this vCPU's translations. */
		on_each_cpu(flush_vpid_ipi, &vmx->vpid, 1);
		ida_free(&vpid_ida, vmx->vpid);
		vmx->vpid = 0;
	}
	free_vmx_pages(vmx);
	vmx->vmcs = NULL;
	vmx->msr_bitmap = NULL;
	vmx->io_bitmap = NULL;
	vmx->fpu = NULL;
}
