// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: an EPT violation outside guest RAM (or a write to read-only RAM)
 * by a data access of the instruction is decoded in the kernel into a
 * MmioRead or MmioWrite record. The instruction is fetched through the
 * guest's own page tables (every paging mode), decoded (lib/decode.c),
 * and completed when userspace answers: a read is written back honouring
 * width, reg_width and signed_ext (AxVM ignores the last two), and RIP
 * advances by the decoded length.
 *
 * ALU, XCHG and bit-test instructions on MMIO (OR, AND, XOR, ADD, ADC,
 * SUB, SBB, CMP, TEST, XCHG, BT, BTS, BTR, BTC) are a MmioRead; those that
 * store (all but CMP, TEST, BT and the register-destination forms) then
 * a MmioWrite of the result, each answered as usual. Between the two the
 * guest re-executes the instruction, which faults again at the same
 * address: that fault becomes the write without reading again (struct
 * axvm_mmio_rmw); no interrupt or NMI is delivered in between. RFLAGS and
 * the register change when the instruction completes, after the write.
 */
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include "core.h"
#include "lib/decode.h"
#include "exit/exit.h"
#include "exit/gmem.h"
#include "lib/gwalk.h"
#include "vmx/access.h"

/* A fault on the page after the one RIP is on, raised if the bytes are needed. */
struct fetch_tail {
	u64 la;
	int walk;
	struct axvm_gwalk_result res;
};

/*
 * Fetch up to 15 bytes at CS:RIP through the guest's paging, as the
 * instruction's own fetch at its CPL. A fault on RIP's page is queued for
 * the guest (positive return). The rest may lie on the next page: a fault
 * there is kept in @tail, as the CPU faults only if the instruction does
 * extend into that page.
 */
static int fetch(struct axvm_vcpu *vcpu, const struct axvm_guest_mode *m,
		 u8 *buf, unsigned int *len, struct fetch_tail *tail)
{
	u64 la = m->cs_base + m->rip, gpa;
	unsigned int n;
	int ret;

	if (!(m->efer & EFER_LMA))
		la = (u32)la;
	tail->walk = 0;
	ret = axvm_gmem_translate(vcpu, la, AXVM_GWALK_FETCH, &gpa);
	if (ret)
		return ret;
	n = min_t(unsigned int, 15, PAGE_SIZE - offset_in_page(la));
	if (axvm_gmem_rw(vcpu->vm, gpa, buf, n, false))
		return -EFAULT;
	*len = n;
	if (n == 15)
		return 0;
	tail->la = m->efer & EFER_LMA ? la + n : (u32)(la + n);
	ret = axvm_gmem_walk(vcpu, tail->la, AXVM_GWALK_FETCH, &tail->res);
	if (ret > 0)
		tail->walk = ret;
	if (!ret && !axvm_gmem_rw(vcpu->vm, tail->res.gpa, buf + n, 15 - n, false))
		*len = 15;
	return 0;
}

static enum axvm_insn_mode insn_mode(const struct axvm_guest_mode *m)
{
	if (!(m->cr0 & X86_CR0_PE))
		return AXVM_INSN_MODE_16;
	if ((m->efer & EFER_LMA) && (m->cs_ar & BIT(13)))
		return AXVM_INSN_MODE_64;
	return m->cs_ar & BIT(14) ? AXVM_INSN_MODE_32 : AXVM_INSN_MODE_16;
}

static int emulation_error(struct axvm_exit *exit, int err)
{
	return axvm_exit_internal_record(exit, AXVM_INTERNAL_EMULATION,
					 exit->guest_phys, (u64)err);
}

/*
 * Is the decoded instruction the one that faulted? Another vCPU may have
 * rewritten the bytes between the fault and our fetch; the record would
 * then mix two instructions (the hardware's address, the new register
 * and width). The hardware's own facts decide: the access direction
 * (qualification bit 1) and the guest-linear address (valid: bit 7 was
 * checked) must fall within the decoded operand. A mismatch re-runs the
 * instruction, whatever it is now, as if it had not faulted.
 */
static bool insn_made_fault(struct axvm_vcpu *vcpu, const struct axvm_insn *insn,
			    const struct axvm_guest_mode *m, bool write)
{
	bool long64 = (m->efer & EFER_LMA) && (m->cs_ar & BIT(13));
	u64 gprs[AXVM_NR_GPRS], la;
	unsigned int i, seg = insn->mem.seg;

	if (insn->op != AXVM_INSN_OP_ALU &&
	    write != (insn->op != AXVM_INSN_OP_READ))
		return false;
	for (i = 0; i < AXVM_NR_GPRS; i++)
		gprs[i] = axvm_vmx_get_gpr(vcpu, i);
	la = axvm_insn_mem_offset(insn, gprs, m->rip);
	/*
	 * 64-bit mode: only FS and GS have bases (SDM Vol. 1, 3.7.4.1
	 * "Segmentation in 64-Bit Mode").
	 */
	if (!long64 || seg == AXVM_INSN_SEG_FS || seg == AXVM_INSN_SEG_GS)
		la += axvm_vmx_seg_base(vcpu, seg);
	if (!long64)
		la = (u32)la;
	return axvm_vmx_guest_linear(vcpu) - la < insn->width;
}

static u64 addr_mask(const struct axvm_insn *insn)
{
	return insn->addr_size == 8 ? ~0ull :
	       insn->addr_size == 4 ? 0xffffffffull : 0xffffull;
}

/*
 * Linear address of seg:[reg] for the RAM side of MOVS (SDM Vol. 1, 3.3.7
 * "Address Calculations in 64-Bit Mode", 3.4.2.1 "Segment Registers in
 * 64-Bit Mode").
 */
static u64 string_linear(struct axvm_vcpu *vcpu, const struct axvm_guest_mode *m,
			 unsigned int seg, unsigned int reg,
			 const struct axvm_insn *insn)
{
	u64 la = axvm_vmx_get_gpr(vcpu, reg) & addr_mask(insn);

	/* 64-bit mode: only FS and GS have bases (3.4.2.1 above). */
	if (!(m->efer & EFER_LMA) || seg == AXVM_INSN_SEG_FS ||
	    seg == AXVM_INSN_SEG_GS)
		la += axvm_vmx_seg_base(vcpu, seg);
	return (m->efer & EFER_LMA) && (m->cs_ar & BIT(13)) ? la : (u32)la;
}

/*
 * STOS or MOVS with one operand in MMIO: one element per exit, as the CPU
 * itself executes REP string instructions one iteration at a time (SDM Vol. 2B,
 * "REP/REPE/REPZ/REPNE/REPNZ-Repeat String Operation Prefix"): completion steps
 * rSI/rDI and rCX and leaves RIP on the instruction until rCX reaches 0, so the
 * next element faults again. The RAM side of MOVS is read (RAM to MMIO) or
 * written at completion (MMIO to RAM) here. MMIO to MMIO is not emulated.
 *
 * The CPU checked only the MMIO side's rights before the EPT violation;
 * the RAM side is translated with the instruction's privilege, so a CPL-3
 * MOVS neither reads nor writes supervisor pages: the guest gets the #PF
 * (CVE-2010-0298 was this hole in KVM's emulator).
 */
static int mmio_string(struct axvm_vcpu *vcpu, struct axvm_exit *exit,
		       const struct axvm_insn *insn,
		       const struct axvm_guest_mode *m, bool write)
{
	u64 la, gpa;
	int ret;

	if (insn->rep && !(axvm_vmx_get_gpr(vcpu, AXVM_REG_RCX) & addr_mask(insn)))
		return emulation_error(exit, -EINVAL);	/* cannot fault */
	if (insn->op == AXVM_INSN_OP_STOS) {
		if (!write)
			return emulation_error(exit, -EINVAL);
		exit->kind = AXVM_EXIT_MMIO_WRITE;
		exit->u.mmio_write.addr = exit->guest_phys;
		exit->u.mmio_write.width = insn->width;
		exit->u.mmio_write.data = axvm_insn_store_value(insn,
				axvm_vmx_get_gpr(vcpu, AXVM_REG_RAX));
		return AXVM_USER;
	}
	if (write) {
		/* RAM (DS:rSI, overridable) to MMIO (ES:rDI). */
		la = string_linear(vcpu, m, insn->mem.seg, AXVM_REG_RSI, insn);
		ret = axvm_gmem_translate(vcpu, la, AXVM_GWALK_READ, &gpa);
		if (ret > 0)
			return AXVM_RESUME;	/* the guest's fault */
		exit->u.mmio_write.data = 0;
		if (ret || offset_in_page(gpa) + insn->width > PAGE_SIZE ||
		    axvm_gmem_rw(vcpu->vm, gpa, &exit->u.mmio_write.data,
				 insn->width, false))
			return emulation_error(exit, -EFAULT);
		exit->kind = AXVM_EXIT_MMIO_WRITE;
		exit->u.mmio_write.addr = exit->guest_phys;
		exit->u.mmio_write.width = insn->width;
		return AXVM_USER;
	}
	/* MMIO (DS:rSI) to RAM (ES:rDI): the answer is stored at completion. */
	la = string_linear(vcpu, m, AXVM_INSN_SEG_ES, AXVM_REG_RDI, insn);
	ret = axvm_gmem_translate(vcpu, la, AXVM_GWALK_WRITE, &gpa);
	if (ret > 0)
		return AXVM_RESUME;
	if (ret || offset_in_page(gpa) + insn->width > PAGE_SIZE)
		return emulation_error(exit, -EFAULT);
	vcpu->mmio_ram_gpa = gpa;
	exit->kind = AXVM_EXIT_MMIO_READ;
	exit->u.mmio_read.addr = exit->guest_phys;
	exit->u.mmio_read.width = insn->width;
	exit->u.mmio_read.reg = AXVM_INSN_NO_REG;
	exit->u.mmio_read.reg_width = insn->width;
	exit->u.mmio_read.data = 0;
	return AXVM_USER;
}

/* Which decoded accesses insn_made_fault() can check. */
static bool fault_checkable(const struct axvm_insn *insn)
{
	if (insn->op == AXVM_INSN_OP_ALU)
		/* BT with a register offset may access beyond the operand. */
		return insn->src_imm || insn->alu < AXVM_INSN_ALU_BT;
	return insn->op == AXVM_INSN_OP_READ || insn->op == AXVM_INSN_OP_WRITE ||
	       insn->op == AXVM_INSN_OP_WRITE_IMM;
}

/*
 * An ALU instruction on MMIO: the read, or, when its answer armed the
 * write half and this is the same instruction faulting again, the write.
 */
static int mmio_alu(struct axvm_vcpu *vcpu, struct axvm_exit *exit,
		    const struct axvm_insn *insn)
{
	struct axvm_mmio_rmw *rmw = &vcpu->mmio_rmw;

	if (rmw->armed && axvm_vmx_events_held(vcpu) && rmw->rip == exit->guest_rip &&
	    rmw->gpa == exit->guest_phys && rmw->len == insn->len) {
		rmw->armed = false;
		axvm_vmx_hold_events(vcpu, false);
		rmw->writing = true;
		exit->kind = AXVM_EXIT_MMIO_WRITE;
		exit->u.mmio_write.addr = exit->guest_phys;
		exit->u.mmio_write.width = insn->width;
		exit->u.mmio_write.data = rmw->res.mem;
		return AXVM_USER;
	}
	/* Anything else: the instruction starts over with its read. */
	rmw->armed = false;
	axvm_vmx_hold_events(vcpu, false);
	rmw->writing = false;
	rmw->rip = exit->guest_rip;
	rmw->gpa = exit->guest_phys;
	rmw->len = insn->len;
	exit->kind = AXVM_EXIT_MMIO_READ;
	exit->u.mmio_read.addr = exit->guest_phys;
	exit->u.mmio_read.width = insn->width;
	exit->u.mmio_read.reg = AXVM_INSN_NO_REG;
	exit->u.mmio_read.reg_width = insn->width;
	exit->u.mmio_read.data = 0;
	return AXVM_USER;
}

/**
 * axvm_exit_mmio() - turn an MMIO EPT violation into MmioRead/MmioWrite
 * @vcpu: the vCPU (loaded)
 * @exit: a NestedPageFault record for a non-RAM address
 *
 * Keeps the NestedPageFault record when the access is not the
 * instruction's own data access (instruction fetch, guest page-table walk,
 * event delivery); reports an emulation error with the bytes when the
 * instruction cannot be fetched or decoded. A fault the guest's paging
 * raises on an access made here (the fetch, the RAM side of MOVS) is
 * queued for the guest instead.
 *
 * Return: AXVM_USER, or AXVM_RESUME when the guest re-runs the instruction
 * or takes a fault.
 */
int axvm_exit_mmio(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_insn *insn = &vcpu->mmio_insn;
	struct axvm_guest_mode m;
	struct fetch_tail tail;
	unsigned int len;
	u8 bytes[16];
	int ret;

	/* Bits 7/8: a linear address was translated for the data access. */
	if ((exit->u.nested_page_fault.access_flags & AXVM_ACCESS_EXEC) ||
	    !axvm_vmx_npf_data_access(vcpu))
		return AXVM_USER;
	axvm_vmx_read_mode(vcpu, &m);
	ret = fetch(vcpu, &m, bytes, &len, &tail);
	if (ret > 0)
		return AXVM_RESUME;
	if (ret)
		return emulation_error(exit, -EFAULT);
	memcpy(exit->inst_bytes, bytes, len);
	exit->inst_bytes_len = len;
	ret = axvm_insn_decode(insn, bytes, len, insn_mode(&m));
	if (ret == -ENOSPC && tail.walk) {
		axvm_gmem_raise(vcpu, tail.la, tail.walk, &tail.res);
		return AXVM_RESUME;
	}
	if (ret)
		return emulation_error(exit, ret);
	exit->inst_len = insn->len;
	axvm_vmx_set_inst_len(vcpu, insn->len);
	if (fault_checkable(insn) &&
	    !insn_made_fault(vcpu, insn, &m,
			     exit->u.nested_page_fault.access_flags & AXVM_ACCESS_WRITE))
		return AXVM_RESUME;

	switch (insn->op) {
	case AXVM_INSN_OP_READ:
		exit->kind = AXVM_EXIT_MMIO_READ;
		exit->u.mmio_read.addr = exit->guest_phys;
		exit->u.mmio_read.width = insn->width;
		exit->u.mmio_read.reg = insn->reg;
		exit->u.mmio_read.reg_width = insn->reg_width;
		exit->u.mmio_read.signed_ext = insn->signed_ext;
		exit->u.mmio_read.data = 0;
		return AXVM_USER;
	case AXVM_INSN_OP_WRITE:
	case AXVM_INSN_OP_WRITE_IMM:
		exit->kind = AXVM_EXIT_MMIO_WRITE;
		exit->u.mmio_write.addr = exit->guest_phys;
		exit->u.mmio_write.width = insn->width;
		exit->u.mmio_write.data =
			axvm_insn_store_value(insn, axvm_vmx_get_gpr(vcpu, insn->reg));
		return AXVM_USER;
	case AXVM_INSN_OP_STOS:
	case AXVM_INSN_OP_MOVS:
		return mmio_string(vcpu, exit, insn, &m,
				   exit->u.nested_page_fault.access_flags &
				   AXVM_ACCESS_WRITE);
	case AXVM_INSN_OP_ALU:
		return mmio_alu(vcpu, exit, insn);
	default:
		return emulation_error(exit, -EOPNOTSUPP);
	}
}

/* Add @delta to the low addr_size bytes of @reg (string registers wrap). */
static void step_reg(struct axvm_vcpu *vcpu, const struct axvm_insn *insn,
		     unsigned int reg, s64 delta)
{
	u64 mask = addr_mask(insn), v = axvm_vmx_get_gpr(vcpu, reg);

	axvm_vmx_set_gpr(vcpu, reg, (v & ~mask) | ((v + delta) & mask));
}

/* The instruction completes: its register and RFLAGS results. */
static void alu_apply(struct axvm_vcpu *vcpu, const struct axvm_insn *insn,
		      const struct axvm_insn_alu_result *res)
{
	if (res->write_reg)
		axvm_vmx_set_gpr(vcpu, insn->reg, res->reg);
	axvm_vmx_set_rflags(vcpu, res->rflags);
}

/*
 * The answer to an ALU instruction's read: done if it stores nothing,
 * else arm the write half and re-run the instruction (RIP stays).
 */
static bool alu_complete(struct axvm_vcpu *vcpu, const struct axvm_insn *insn,
			 bool read, u64 data)
{
	struct axvm_mmio_rmw *rmw = &vcpu->mmio_rmw;
	u64 reg = 0;

	if (!read) {
		if (rmw->writing)
			alu_apply(vcpu, insn, &rmw->res);
		rmw->writing = false;
		return true;
	}
	if (insn->reg != AXVM_INSN_NO_REG)
		reg = axvm_vmx_get_gpr(vcpu, insn->reg);
	if (axvm_insn_alu(insn, data, reg, axvm_vmx_get_rflags(vcpu),
			  &rmw->res))
		return true;
	if (!rmw->res.write_mem) {
		alu_apply(vcpu, insn, &rmw->res);
		return true;
	}
	rmw->armed = true;
	axvm_vmx_hold_events(vcpu, true);
	axvm_vmx_restart_instruction(vcpu);
	return false;
}

/**
 * axvm_exit_mmio_complete() - finish a MmioRead/MmioWrite
 * @vcpu: the vCPU (loaded)
 * @read: the exit was a MmioRead
 * @data: the value read
 *
 * Return: true if the instruction is done (skip it); false if a REP
 * string instruction goes on with its next element, or the write of a
 * read-modify-write instruction follows.
 */
bool axvm_exit_mmio_complete(struct axvm_vcpu *vcpu, bool read, u64 data)
{
	const struct axvm_insn *insn = &vcpu->mmio_insn;
	s64 step = insn->width;
	u64 old;

	if (insn->op == AXVM_INSN_OP_ALU)
		return alu_complete(vcpu, insn, read, data);
	if (insn->op != AXVM_INSN_OP_MOVS && insn->op != AXVM_INSN_OP_STOS) {
		if (read) {
			old = axvm_vmx_get_gpr(vcpu, insn->reg);
			axvm_vmx_set_gpr(vcpu, insn->reg,
					 axvm_insn_load_value(insn, old, data));
		}
		return true;
	}
	/* Checked at the exit: in RAM, within one page. */
	if (read)
		axvm_gmem_rw(vcpu->vm, vcpu->mmio_ram_gpa, &data, insn->width,
			     true);
	if (axvm_vmx_get_rflags(vcpu) & X86_EFLAGS_DF)
		step = -step;
	step_reg(vcpu, insn, AXVM_REG_RDI, step);
	if (insn->op == AXVM_INSN_OP_MOVS)
		step_reg(vcpu, insn, AXVM_REG_RSI, step);
	if (!insn->rep)
		return true;
	step_reg(vcpu, insn, AXVM_REG_RCX, -1);
	return !(axvm_vmx_get_gpr(vcpu, AXVM_REG_RCX) & addr_mask(insn));
}
