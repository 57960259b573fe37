// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation per host CPU.
 *
 * VMX is turned on (CR4.VMXE + VMXON, SDM Vol. 3C, 24.7 "Enabling and
 * entering VMX operation") on every online CPU when the first VM is
 * created and off when the last one goes, so kvm_intel and axvm can take
 * turns owning VMX on one host. A CPU that goes offline, a reboot or a
 * module unload VMCLEARs every VMCS active on the CPU first (25.11.1 "Software
 * Use of Virtual-Machine Control Structures": a VMCS must be cleared before
 * VMXOFF so its data reaches memory).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>
#include "vmx/caps.h"
#include "vmx/ctls.h"
#include "vmx/insn.h"
#include "vmx/vmx.h"

struct axvm_vmx_cpu {
	void *vmxon_region;
	bool on;
	/* VMCSs active on this CPU; touched only on this CPU, IRQs off. */
	struct list_head loaded;
};

static DEFINE_PER_CPU(struct axvm_vmx_cpu, vmx_cpu);
static DEFINE_MUTEX(users_lock);
static unsigned int users;
static int hp_state = -1;
static bool rebooting;

/*
 * Whether VMX may be turned on here: IA32_FEATURE_CONTROL locked with VMX
 * outside SMX (SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation"),
 * CR0 and CR4 with VMXE within the fixed bits (24.8 "Restrictions on VMX
 * Operation"). IRQs are off: CR4 cannot change under us.
 */
static int vmx_cpu_check(unsigned int cpu, unsigned long cr4)
{
	u64 feat;

	if (cr4 & X86_CR4_VMXE) {
		pr_warn("axvm: CPU %u: VMX is already in use by another hypervisor (kvm_intel?)\n",
			cpu);
		return -EBUSY;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat) ||
	    !(feat & FEAT_CTL_LOCKED) ||
	    !(feat & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("axvm: CPU %u: IA32_FEATURE_CONTROL forbids VMX\n", cpu);
		return -EIO;
	}
	if (!axvm_vmx_cr_valid(read_cr0(), axvm_vmx.cr0_fixed0,
			       axvm_vmx.cr0_fixed1) ||
	    !axvm_vmx_cr_valid(cr4 | X86_CR4_VMXE, axvm_vmx.cr4_fixed0,
			       axvm_vmx.cr4_fixed1)) {
		pr_err("axvm: CPU %u: CR0/CR4 violate the VMX fixed bits\n", cpu);
		return -EIO;
	}
	return 0;
}

/*
 * Runs on @cpu itself (CPUHP_AP_ONLINE_DYN callbacks do), preemptible.
 * The check of CR4.VMXE, setting it and VMXON happen with IRQs off:
 * kvm_intel enables VMX from an IPI (hardware_enable_all), which could
 * otherwise land between our check and our VMXON and make us clear the
 * VMXE of a CPU that kvm_intel has in VMX operation (#GP). A VMXE this
 * function did not set is never cleared.
 */
static int vmx_cpu_on(unsigned int cpu)
{
	struct axvm_vmx_cpu *c = this_cpu_ptr(&vmx_cpu);
	unsigned long flags;
	int ret;

	local_irq_save(flags);
	if (c->on) {
		local_irq_restore(flags);
		return 0;
	}
	ret = vmx_cpu_check(cpu, cr4_read_shadow());
	if (ret)
		goto out;
	*(u32 *)c->vmxon_region = axvm_vmx.revision;
	cr4_set_bits_irqsoff(X86_CR4_VMXE);
	if (axvm_vmxon(__pa(c->vmxon_region))) {
		/* Our own VMXE, set above: nobody else is in VMX operation. */
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		pr_warn("axvm: CPU %u: VMXON failed: VMX is in use by another hypervisor\n",
			cpu);
		ret = -EBUSY;
		goto out;
	}
	/*
	 * Nothing from an earlier owner of VMX may survive in the TLBs. A
	 * CPU without all-context INVEPT relies on the single-context flush
	 * of every EPT when a VMCS is first loaded on a CPU (vmcs.c).
	 */
	if (axvm_vmx.ept_vpid & AXVM_EPT_CAP_INVEPT_ALL)
		WARN_ON_ONCE(axvm_invept(VMX_EPT_EXTENT_GLOBAL, 0));
	c->on = true;
out:
	local_irq_restore(flags);
	return ret;
}

static void vmx_clear_all_loaded(struct axvm_vmx_cpu *c)
{
	struct axvm_vmx_vcpu *vmx, *tmp;

	list_for_each_entry_safe(vmx, tmp, &c->loaded, loaded_link)
		axvm_vmx_clear_on_this_cpu(vmx);
}

static int vmx_cpu_off(unsigned int cpu)
{
	struct axvm_vmx_cpu *c = this_cpu_ptr(&vmx_cpu);
	unsigned long flags;

	local_irq_save(flags);
	if (c->on) {
		vmx_clear_all_loaded(c);
		axvm_vmxoff();
		cr4_clear_bits_irqsoff(X86_CR4_VMXE);
		c->on = false;
	}
	local_irq_restore(flags);
	return 0;
}

static void vmx_cpu_off_ipi(void *unused)
{
	vmx_cpu_off(smp_processor_id());
}

/**
 * axvm_vmx_get() - take a reference on VMX operation (first VM creation)
 *
 * Return: 0, -EBUSY if another hypervisor holds VMX on some CPU, -ENOMEM.
 */
int axvm_vmx_get(void)
{
	int ret = 0;

	mutex_lock(&users_lock);
	if (rebooting) {
		ret = -EBUSY;
		goto out;
	}
	if (users++ == 0) {
		/* Calls vmx_cpu_on() on every online CPU; undoes on failure. */
		ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "axvm:online",
					vmx_cpu_on, vmx_cpu_off);
		if (ret < 0) {
			users = 0;
			goto out;
		}
		hp_state = ret;
		ret = 0;
	}
out:
	mutex_unlock(&users_lock);
	return ret;
}

/**
 * axvm_vmx_put() - drop a reference; the last one leaves VMX on every CPU
 */
void axvm_vmx_put(void)
{
	mutex_lock(&users_lock);
	if (!WARN_ON(!users) && --users == 0 && hp_state >= 0) {
		cpuhp_remove_state(hp_state);
		hp_state = -1;
	}
	mutex_unlock(&users_lock);
}

/**
 * axvm_vmx_cpu_is_on() - this CPU is in VMX operation for axvm
 *
 * Return: true between VMXON and VMXOFF; call with preemption off.
 */
bool axvm_vmx_cpu_is_on(void)
{
	return this_cpu_ptr(&vmx_cpu)->on;
}

/**
 * axvm_vmx_flush_ept() - drop this CPU's translations of an EPT
 * @eptp: the EPT pointer
 *
 * Single-context INVEPT when the CPU has it, else all-context (SDM Vol.
 * 3C, 29.4.3.1 "Operations that Invalidate Cached Mappings"; the probe
 * accepts either). A failure is never ignored: single-context falls back
 * to all-context, and if that fails too the CPU may keep stale
 * translations, which is reported loudly.
 */
void axvm_vmx_flush_ept(u64 eptp)
{
	if ((axvm_vmx.ept_vpid & AXVM_EPT_CAP_INVEPT_SINGLE) &&
	    !axvm_invept(VMX_EPT_EXTENT_CONTEXT, eptp))
		return;
	if ((axvm_vmx.ept_vpid & AXVM_EPT_CAP_INVEPT_ALL) &&
	    !axvm_invept(VMX_EPT_EXTENT_GLOBAL, 0))
		return;
	if (!axvm_vmx_rebooting())
		WARN_ONCE(1, "axvm: INVEPT of EPTP %#llx failed on CPU %d\n",
			  eptp, smp_processor_id());
}

static void invept_ipi(void *eptp)
{
	if (this_cpu_ptr(&vmx_cpu)->on)
		axvm_vmx_flush_ept(*(u64 *)eptp);
}

/**
 * axvm_vmx_flush_ept_all_cpus() - drop cached translations of an EPT
 * @eptp: the EPT pointer
 *
 * INVEPT only acts on the CPU that executes it (SDM Vol. 3C, 29.4.3.1
 * "Operations that Invalidate Cached Mappings"), so after an unmapping every
 * CPU in VMX operation executes it.
 */
void axvm_vmx_flush_ept_all_cpus(u64 eptp)
{
	on_each_cpu(invept_ipi, &eptp, 1);
}

static int vmx_reboot(struct notifier_block *nb, unsigned long code, void *p)
{
	mutex_lock(&users_lock);
	rebooting = true;
	if (users)
		on_each_cpu(vmx_cpu_off_ipi, NULL, 1);
	mutex_unlock(&users_lock);
	return NOTIFY_OK;
}

static struct notifier_block reboot_nb = {
	.notifier_call = vmx_reboot,
	.priority = 0,
};

/**
 * axvm_vmx_global_init() - allocate VMXON regions, hook reboot
 *
 * Return: 0 or -ENOMEM.
 */
int axvm_vmx_global_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct axvm_vmx_cpu *c = per_cpu_ptr(&vmx_cpu, cpu);
		struct page *pg = alloc_pages_node(cpu_to_node(cpu),
						   GFP_KERNEL | __GFP_ZERO, 0);

		INIT_LIST_HEAD(&c->loaded);
		if (!pg) {
			axvm_vmx_global_exit();
			return -ENOMEM;
		}
		c->vmxon_region = page_address(pg);
	}
	register_reboot_notifier(&reboot_nb);
	return 0;
}

/**
 * axvm_vmx_global_exit() - free what axvm_vmx_global_init() set up
 *
 * Every VM is gone by now (each holds a module reference), so VMX is off.
 */
void axvm_vmx_global_exit(void)
{
	int cpu;

	unregister_reboot_notifier(&reboot_nb);
	for_each_possible_cpu(cpu) {
		struct axvm_vmx_cpu *c = per_cpu_ptr(&vmx_cpu, cpu);

		if (c->vmxon_region)
			free_page((unsigned long)c->vmxon_region);
		c->vmxon_region = NULL;
	}
}

/**
 * axvm_vmx_loaded_list() - this CPU's list of active VMCSs
 *
 * Return: the list head; use with IRQs off.
 */
struct list_head *axvm_vmx_loaded_list(void)
{
	return &this_cpu_ptr(&vmx_cpu)->loaded;
}

/**
 * axvm_vmx_rebooting() - VMX is being shut down for a reboot
 *
 * Return: true once the reboot notifier ran; no entry may start then.
 */
bool axvm_vmx_rebooting(void)
{
	return READ_ONCE(rebooting);
}

/**
 * axvm_vmx_insn_failed() - report a VMREAD/VMWRITE that failed
 * @insn: which instruction
 * @field: the VMCS field encoding
 */
void axvm_vmx_insn_failed(const char *insn, unsigned long field)
{
	u64 err = 0;

	/* VMX was turned off for a reboot: the fixup in insn.h ran. */
	if (axvm_vmx_rebooting())
		return;
	axvm_vmread(VM_INSTRUCTION_ERROR, &err);
	pr_err_ratelimited("axvm: %s of VMCS field %#lx failed (VM-instruction error %llu)\n",
			   insn, field, err);
}
