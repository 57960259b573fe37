// SPDX-License-Identifier: GPL-2.0
/*
 * Guest register state between the uapi structs and the VMCS guest-state
 * area (SDM Vol. 3C, 25.4 "Guest-State Area"). Whatever hardware would reject
 * is left to the VM-entry checks (27.3.1 "Checks on the Guest State Area"),
 * which report it as a FailEntry exit.
 */
#include <linux/string.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "vmx/caps.h"
#include "vmx/ctls.h"
#include "lib/decode.h"
#include "vmx/access.h"
#include "vmx/insn.h"
#include "vmx/vmx.h"

struct seg_fields {
	unsigned long sel, base, limit, ar;
};

#define SEG(s) { GUEST_##s##_SELECTOR, GUEST_##s##_BASE, GUEST_##s##_LIMIT, \
		 GUEST_##s##_AR_BYTES }
enum { S_CS, S_DS, S_ES, S_FS, S_GS, S_SS, S_TR, S_LDTR, S_NR };
static const struct seg_fields seg_fields[S_NR] = {
	[S_CS] = SEG(CS), [S_DS] = SEG(DS), [S_ES] = SEG(ES), [S_FS] = SEG(FS),
	[S_GS] = SEG(GS), [S_SS] = SEG(SS), [S_TR] = SEG(TR),
	[S_LDTR] = SEG(LDTR),
};

/* VMCS access-rights layout: 25.4.1 "Guest Register State", Table 25-2. */
static u32 seg_to_ar(const struct axvm_segment *s)
{
	return (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
	       (s->present & 1) << 7 | (s->avl & 1) << 12 | (s->l & 1) << 13 |
	       (s->db & 1) << 14 | (s->g & 1) << 15 | (s->unusable & 1) << 16;
}

static void get_seg(int i, struct axvm_segment *s)
{
	const struct seg_fields *f = &seg_fields[i];
	u32 ar = axvm_vmcs_read(f->ar);

	memset(s, 0, sizeof(*s));
	s->selector = axvm_vmcs_read(f->sel);
	s->base = axvm_vmcs_read(f->base);
	s->limit = axvm_vmcs_read(f->limit);
	s->type = ar & 0xf;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = (ar >> 16) & 1;
}

static void set_seg(int i, const struct axvm_segment *s)
{
	const struct seg_fields *f = &seg_fields[i];

	axvm_vmcs_write(f->sel, s->selector);
	axvm_vmcs_write(f->base, s->base);
	axvm_vmcs_write(f->limit, s->limit);
	axvm_vmcs_write(f->ar, seg_to_ar(s));
}

/**
 * axvm_vmx_get_regs() - read the guest's GPRs, RIP and RFLAGS
 * @vcpu: a loaded vCPU
 * @r: out
 */
void axvm_vmx_get_regs(struct axvm_vcpu *vcpu, struct axvm_regs *r)
{
	const unsigned long *g = to_vmx(vcpu)->gprs;

	r->rax = g[AXVM_REG_RAX];
	r->rbx = g[AXVM_REG_RBX];
	r->rcx = g[AXVM_REG_RCX];
	r->rdx = g[AXVM_REG_RDX];
	r->rsi = g[AXVM_REG_RSI];
	r->rdi = g[AXVM_REG_RDI];
	r->rbp = g[AXVM_REG_RBP];
	r->r8 = g[AXVM_REG_R8];
	r->r9 = g[AXVM_REG_R9];
	r->r10 = g[AXVM_REG_R10];
	r->r11 = g[AXVM_REG_R11];
	r->r12 = g[AXVM_REG_R12];
	r->r13 = g[AXVM_REG_R13];
	r->r14 = g[AXVM_REG_R14];
	r->r15 = g[AXVM_REG_R15];
	r->rsp = axvm_vmcs_read(GUEST_RSP);
	r->rip = axvm_vmcs_read(GUEST_RIP);
	r->rflags = axvm_vmx_debug_hide_tf(to_vmx(vcpu), axvm_vmcs_read(GUEST_RFLAGS), true);
}

/**
 * axvm_vmx_set_regs() - write the guest's GPRs, RIP and RFLAGS
 * @vcpu: a loaded vCPU
 * @r: the values; RFLAGS bit 1 is forced to 1
 */
void axvm_vmx_set_regs(struct axvm_vcpu *vcpu, const struct axvm_regs *r)
{
	unsigned long *g = to_vmx(vcpu)->gprs;

	g[AXVM_REG_RAX] = r->rax;
	g[AXVM_REG_RBX] = r->rbx;
	g[AXVM_REG_RCX] = r->rcx;
	g[AXVM_REG_RDX] = r->rdx;
	g[AXVM_REG_RSI] = r->rsi;
	g[AXVM_REG_RDI] = r->rdi;
	g[AXVM_REG_RBP] = r->rbp;
	g[AXVM_REG_R8] = r->r8;
	g[AXVM_REG_R9] = r->r9;
	g[AXVM_REG_R10] = r->r10;
	g[AXVM_REG_R11] = r->r11;
	g[AXVM_REG_R12] = r->r12;
	g[AXVM_REG_R13] = r->r13;
	g[AXVM_REG_R14] = r->r14;
	g[AXVM_REG_R15] = r->r15;
	axvm_vmcs_write(GUEST_RSP, r->rsp);
	axvm_vmcs_write(GUEST_RIP, r->rip);
	axvm_vmcs_write(GUEST_RFLAGS, axvm_vmx_debug_hide_tf(to_vmx(vcpu), r->rflags, false) |
			X86_EFLAGS_FIXED);
}

/**
 * axvm_vmx_get_sregs() - read segments, descriptor tables, CRs and EFER
 * @vcpu: a loaded vCPU
 * @s: out; CR0/CR4 as the guest sees them (read shadows)
 */
void axvm_vmx_get_sregs(struct axvm_vcpu *vcpu, struct axvm_sregs *s)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);

	memset(s, 0, sizeof(*s));
	get_seg(S_CS, &s->cs);
	get_seg(S_DS, &s->ds);
	get_seg(S_ES, &s->es);
	get_seg(S_FS, &s->fs);
	get_seg(S_GS, &s->gs);
	get_seg(S_SS, &s->ss);
	get_seg(S_TR, &s->tr);
	get_seg(S_LDTR, &s->ldt);
	s->gdt.base = axvm_vmcs_read(GUEST_GDTR_BASE);
	s->gdt.limit = axvm_vmcs_read(GUEST_GDTR_LIMIT);
	s->idt.base = axvm_vmcs_read(GUEST_IDTR_BASE);
	s->idt.limit = axvm_vmcs_read(GUEST_IDTR_LIMIT);
	/* Bits the host owns read as the shadow, the rest as the guest set them. */
	s->cr0 = (axvm_vmcs_read(GUEST_CR0) & ~X86_CR0_NE) |
		 (vmx->cr0_shadow & X86_CR0_NE);
	s->cr4 = axvm_vmcs_read(GUEST_CR4) & ~X86_CR4_VMXE;
	s->cr3 = axvm_vmcs_read(GUEST_CR3);
	s->cr2 = vmx->cr2;
	s->efer = axvm_vmcs_read(GUEST_IA32_EFER);
}

static bool seg_pad_ok(const struct axvm_segment *s)
{
	return !s->pad;
}

/**
 * axvm_vmx_set_sregs() - write segments, descriptor tables, CRs and EFER
 * @vcpu: a loaded vCPU
 * @s: the values
 *
 * Return: 0, or -EINVAL for nonzero padding/reserved fields, CR4.VMXE
 * (a guest gets no VMX), CR4.PKE (PKRU is not switched) or CR4.OSXSAVE
 * on a host without XSAVE.
 */
int axvm_vmx_set_sregs(struct axvm_vcpu *vcpu, const struct axvm_sregs *s)
{
	struct axvm_vmx_vcpu *vmx = to_vmx(vcpu);
	const struct axvm_segment *segs[S_NR] = {
		[S_CS] = &s->cs, [S_DS] = &s->ds, [S_ES] = &s->es,
		[S_FS] = &s->fs, [S_GS] = &s->gs, [S_SS] = &s->ss,
		[S_TR] = &s->tr, [S_LDTR] = &s->ldt,
	};
	u64 entry;
	int i;

	for (i = 0; i < S_NR; i++)
		if (!seg_pad_ok(segs[i]))
			return -EINVAL;
	if (s->gdt.pad[0] | s->gdt.pad[1] | s->gdt.pad[2] |
	    s->idt.pad[0] | s->idt.pad[1] | s->idt.pad[2] |
	    s->reserved[0] | s->reserved[1] | s->reserved[2] | s->reserved[3])
		return -EINVAL;
	if ((s->cr4 & (X86_CR4_VMXE | X86_CR4_PKE)) || s->cr0 >> 32 ||
	    s->cr4 >> 32 ||
	    ((s->cr4 & X86_CR4_OSXSAVE) && !axvm_vmx.host_xsave))
		return -EINVAL;

	for (i = 0; i < S_NR; i++)
		set_seg(i, segs[i]);
	axvm_vmcs_write(GUEST_GDTR_BASE, s->gdt.base);
	axvm_vmcs_write(GUEST_GDTR_LIMIT, s->gdt.limit);
	axvm_vmcs_write(GUEST_IDTR_BASE, s->idt.base);
	axvm_vmcs_write(GUEST_IDTR_LIMIT, s->idt.limit);

	vmx->cr0_shadow = s->cr0;
	axvm_vmcs_write(CR0_READ_SHADOW, s->cr0);
	axvm_vmcs_write(GUEST_CR0, s->cr0 | X86_CR0_NE);
	vmx->cr4_shadow = s->cr4;
	axvm_vmcs_write(CR4_READ_SHADOW, s->cr4);
	axvm_vmcs_write(GUEST_CR4, s->cr4 | X86_CR4_VMXE);
	axvm_vmcs_write(GUEST_CR3, s->cr3);
	vmx->cr2 = s->cr2;
	axvm_vmcs_write(GUEST_IA32_EFER, s->efer);

	/*
	 * The "IA-32e mode guest" entry control must equal EFER.LMA (27.3.1.1
	 * "Checks on Guest Control Registers, Debug Registers, and MSRs").
	 */
	entry = axvm_vmcs_read(VM_ENTRY_CONTROLS);
	if (s->efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	else
		entry &= ~(u64)VM_ENTRY_IA32E_MODE;
	axvm_vmcs_write(VM_ENTRY_CONTROLS, entry);
	return 0;
}

/**
 * axvm_vmx_read_mode() - what fetching and decoding an instruction needs
 * @vcpu: a loaded vCPU
 * @m: out; CR0/CR4 as the hardware holds them (paging bits are the guest's)
 */
void axvm_vmx_read_mode(struct axvm_vcpu *vcpu, struct axvm_guest_mode *m)
{
	m->cr0 = axvm_vmcs_read(GUEST_CR0);
	m->cr3 = axvm_vmcs_read(GUEST_CR3);
	m->cr4 = axvm_vmcs_read(GUEST_CR4);
	m->efer = axvm_vmcs_read(GUEST_IA32_EFER);
	m->cs_base = axvm_vmcs_read(GUEST_CS_BASE);
	m->cs_ar = axvm_vmcs_read(GUEST_CS_AR_BYTES);
	m->rip = to_vmx(vcpu)->exit.rip;
	m->rflags = axvm_vmcs_read(GUEST_RFLAGS);
	m->cpl = axvm_vmx_guest_cpl(vcpu);
}

/**
 * axvm_vmx_guest_cpl() - the guest's current privilege level
 * @vcpu: a loaded vCPU
 *
 * CPL is SS.DPL (SDM Vol. 3C, 25.4.1 "Guest Register State"): VM entry
 * checks it against CS.DPL, and that it is 0 in real mode and 3 in
 * virtual-8086 mode (27.3.1.2 "Checks on Guest Segment Registers").
 *
 * Return: 0..3.
 */
unsigned int axvm_vmx_guest_cpl(struct axvm_vcpu *vcpu)
{
	return (axvm_vmcs_read(GUEST_SS_AR_BYTES) >> 5) & 3;
}

/**
 * axvm_vmx_get_rflags() - the guest's RFLAGS
 * @vcpu: a loaded vCPU
 *
 * Return: RFLAGS.
 */
u64 axvm_vmx_get_rflags(struct axvm_vcpu *vcpu)
{
	return axvm_vmcs_read(GUEST_RFLAGS);
}

/**
 * axvm_vmx_set_rflags() - set the guest's RFLAGS (emulated instructions)
 * @vcpu: a loaded vCPU
 * @rflags: the new value; the reserved bit 1 is forced to 1
 */
void axvm_vmx_set_rflags(struct axvm_vcpu *vcpu, u64 rflags)
{
	axvm_vmcs_write(GUEST_RFLAGS, rflags | X86_EFLAGS_FIXED);
}

/**
 * axvm_vmx_seg_base() - a guest segment base by enum axvm_insn_seg
 * @vcpu: a loaded vCPU
 * @seg: ES, CS, SS, DS, FS or GS (the VMCS field order, Appendix B.4.3)
 *
 * Return: the base.
 */
u64 axvm_vmx_seg_base(struct axvm_vcpu *vcpu, unsigned int seg)
{
	if (seg > AXVM_INSN_SEG_GS)
		return 0;
	return axvm_vmcs_read(GUEST_ES_BASE + 2 * seg);
}

/**
 * axvm_vmx_guest_linear() - guest-linear address of the last exit
 * @vcpu: a loaded vCPU
 *
 * Valid for EPT violations whose qualification has bit 7 set (28.2.1 "Basic
 * VM-Exit Information").
 *
 * Return: the address.
 */
u64 axvm_vmx_guest_linear(struct axvm_vcpu *vcpu)
{
	return axvm_vmcs_read(GUEST_LINEAR_ADDRESS);
}

/**
 * axvm_vmx_get_gpr() - a guest GPR by enum axvm_gpr number
 * @vcpu: a loaded vCPU
 * @reg: 0..15 (RSP comes from the VMCS)
 *
 * Return: the value.
 */
u64 axvm_vmx_get_gpr(struct axvm_vcpu *vcpu, unsigned int reg)
{
	reg &= 15;
	return reg == AXVM_REG_RSP ? axvm_vmcs_read(GUEST_RSP) : to_vmx(vcpu)->gprs[reg];
}

/**
 * axvm_vmx_set_gpr() - set a guest GPR by enum axvm_gpr number
 * @vcpu: a loaded vCPU
 * @reg: 0..15
 * @val: the value
 */
void axvm_vmx_set_gpr(struct axvm_vcpu *vcpu, unsigned int reg, u64 val)
{
	reg &= 15;
	if (reg == AXVM_REG_RSP)
		axvm_vmcs_write(GUEST_RSP, val);
	else
		to_vmx(vcpu)->gprs[reg] = val;
}

/**
 * axvm_vmx_set_inst_len() - length of the exiting instruction, as decoded
 * @vcpu: the vCPU
 * @len: bytes
 *
 * EPT violations do not report an instruction length (28.2.5 "Information
 * for VM Exits Due to Instruction Execution"): emulation
 * supplies it so completion can skip the instruction.
 */
void axvm_vmx_set_inst_len(struct axvm_vcpu *vcpu, unsigned int len)
{
	to_vmx(vcpu)->exit.inst_len = len;
}
