// SPDX-License-Identifier: GPL-2.0
/*
 * INS/OUTS, with and without REP (AxVM turns these into Halt; axvm
 * emulates them). Each exit moves one element: OUTS reads it from guest
 * memory into an IoWrite record, INS asks for an IoRead and stores the
 * answer. Completion steps RSI/RDI by the width (backwards with
 * RFLAGS.DF) and, with REP, decrements RCX and leaves RIP on the
 * instruction until RCX reaches 0, so the CPU re-executes it: REP string
 * instructions are restartable by design (SDM Vol. 2B,
 * "REP/REPE/REPZ/REPNE/REPNZ-Repeat String Operation Prefix").
 * The VMCS gives the linear address of the memory operand and the address size
 * (instruction information): SDM Vol. 3C, 28.2.5 "Information for VM Exits
 * Due to Instruction Execution", Table 28-8.
 */
#include <linux/mm.h>
#include <asm/vmx.h>
#include "lib/gwalk.h"
#include "vmx/insn.h"
#include "vmx/upcall.h"
#include "vmx/vmx.h"

static u64 asize_mask(unsigned int asize)
{
	return asize == 2 ? ~0ull : asize == 1 ? 0xffffffffull : 0xffffull;
}

/**
 * axvm_vmx_string_io() - decode an INS/OUTS exit into one element
 * @vcpu: the vCPU
 * @exit: the record (kind IO_READ or IO_WRITE, port and width set)
 *
 * The exit comes before the memory operand is accessed, with only its
 * linear address: the guest's paging has not judged the access. It is
 * translated here with the instruction's privilege, and a #PF it raises
 * goes to the guest, so a CPL-3 OUTS cannot read nor INS write a
 * supervisor page.
 *
 * Return: AXVM_USER with the element, AXVM_RESUME for REP with RCX = 0 or
 * with a fault queued for the guest, or AXVM_USER with an emulation error
 * if the operand is not RAM.
 */
int axvm_vmx_string_io(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_vmx_string_io *s = &to_vmx(vcpu)->string_io;
	u64 q = to_vmx(vcpu)->exit.qualification;
	u64 info = axvm_vmcs_read(VMX_INSTRUCTION_INFO);
	u64 la = axvm_vmcs_read(GUEST_LINEAR_ADDRESS);
	int ret;

	s->in = q & BIT(3);
	s->rep = q & BIT(5);
	s->width = (q & 7) + 1;
	s->asize = (info >> 7) & 7;
	if (s->rep && !(to_vmx(vcpu)->gprs[AXVM_REG_RCX] & asize_mask(s->asize))) {
		axvm_vmx_skip_instruction(vcpu);
		return AXVM_RESUME;
	}
	ret = axvm_vmx_up(gmem_translate)(vcpu, la, s->in ? AXVM_GWALK_WRITE :
					  AXVM_GWALK_READ, &s->gpa);
	if (ret > 0) {
		s->active = false;
		return AXVM_RESUME;	/* the guest's #PF is queued */
	}
	if (ret || offset_in_page(s->gpa) + s->width > PAGE_SIZE)
		goto fault;
	s->active = true;
	if (s->in)
		return AXVM_USER;	/* IoRead: the answer is stored at s->gpa */
	exit->u.io_write.data = 0;
	if (axvm_vmx_up(gmem_rw)(vcpu, s->gpa, &exit->u.io_write.data,
				    s->width, false))
		goto fault;
	return AXVM_USER;
fault:
	s->active = false;
	return axvm_exit_internal_record(exit, AXVM_INTERNAL_EMULATION, q, la);
}

/**
 * axvm_vmx_string_io_complete() - finish one element, step the registers
 * @vcpu: the vCPU
 * @data: for INS, the value read from the port
 *
 * Return: true if the instruction is done (skip it), false if REP goes on.
 */
bool axvm_vmx_string_io_complete(struct axvm_vcpu *vcpu, u64 data)
{
	struct axvm_vmx_string_io *s = &to_vmx(vcpu)->string_io;
	unsigned long *g = to_vmx(vcpu)->gprs;
	u64 mask = asize_mask(s->asize);
	int reg = s->in ? AXVM_REG_RDI : AXVM_REG_RSI;
	s64 step = (axvm_vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF) ?
		   -(s64)s->width : s->width;

	s->active = false;
	if (s->in)
		axvm_vmx_up(gmem_rw)(vcpu, s->gpa, &data, s->width, true);
	g[reg] = (g[reg] & ~mask) | ((g[reg] + step) & mask);
	if (!s->rep)
		return true;
	g[AXVM_REG_RCX] = (g[AXVM_REG_RCX] & ~mask) | ((g[AXVM_REG_RCX] - 1) & mask);
	return !(g[AXVM_REG_RCX] & mask);
}
