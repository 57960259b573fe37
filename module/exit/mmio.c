// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: an EPT violation outside guest RAM (or a write to read-only RAM)
 * by a data access of the instruction is decoded in the kernel into a
 * MmioRead or MmioWrite record. The instruction is fetched through the
 * guest's own page tables (every paging mode), decoded (exit/decode.c),
 * and completed when userspace answers: a read is written back honouring
 * width, reg_width and signed_ext (AxVM ignores the last two), and RIP
 * advances by the decoded length.
 */
#include <linux/string.h>
#include "core.h"
#include "exit/decode.h"
#include "exit/exit.h"
#include "exit/gmem.h"
#include "exit/gwalk.h"
#include "vmx/qual.h"

static int read_pte(void *opaque, u64 gpa, unsigned int size, u64 *val)
{
	*val = 0;
	return axvm_gmem_rw(opaque, gpa, val, size, false);
}

/* Fetch up to 15 bytes at CS:RIP through the guest's paging (may span pages). */
static int fetch(struct axvm_vcpu *vcpu, const struct axvm_guest_mode *m,
		 u8 *buf, unsigned int *len)
{
	struct axvm_gwalk_ctx ctx = {
		.cr0 = m->cr0, .cr3 = m->cr3, .cr4 = m->cr4, .efer = m->efer,
		.read = read_pte, .opaque = vcpu->vm,
	};
	u64 la = m->cs_base + m->rip;
	unsigned int got = 0, n;
	struct axvm_gwalk_result r;

	if (!(m->efer & EFER_LMA))
		la = (u32)la;
	while (got < 15) {
		if (axvm_gwalk(&ctx, la + got, AXVM_GWALK_FETCH, &r))
			break;
		n = min_t(unsigned int, 15 - got, PAGE_SIZE - ((la + got) & ~PAGE_MASK));
		if (axvm_gmem_rw(vcpu->vm, r.gpa, buf + got, n, false))
			break;
		got += n;
	}
	*len = got;
	return got ? 0 : -EFAULT;
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
	exit->kind = AXVM_EXIT_INTERNAL_ERROR;
	exit->u.internal.suberror = AXVM_INTERNAL_EMULATION;
	exit->u.internal.data[0] = exit->guest_phys;
	exit->u.internal.data[1] = (u64)err;
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
 * instruction cannot be fetched or decoded.
 *
 * Return: AXVM_USER.
 */
int axvm_exit_mmio(struct axvm_vcpu *vcpu, struct axvm_exit *exit)
{
	struct axvm_insn *insn = &vcpu->mmio_insn;
	u64 q = exit->qualification;
	struct axvm_guest_mode m;
	unsigned int len;
	u8 bytes[16];
	int ret;

	/* Bits 7/8: a linear address was translated for the data access. */
	if ((exit->u.nested_page_fault.access_flags & AXVM_ACCESS_EXEC) ||
	    !axvm_ept_qual_data_access(q))
		return AXVM_USER;
	axvm_vmx_read_mode(vcpu, &m);
	if (fetch(vcpu, &m, bytes, &len))
		return emulation_error(exit, -EFAULT);
	memcpy(exit->inst_bytes, bytes, len);
	exit->inst_bytes_len = len;
	ret = axvm_insn_decode(insn, bytes, len, insn_mode(&m));
	if (ret)
		return emulation_error(exit, ret);
	exit->inst_len = insn->len;
	axvm_vmx_set_inst_len(vcpu, insn->len);

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
	default:
		return emulation_error(exit, -EOPNOTSUPP);
	}
}

/**
 * axvm_exit_mmio_complete() - finish a MmioRead with userspace's data
 * @vcpu: the vCPU (loaded)
 * @data: the value read
 */
void axvm_exit_mmio_complete(struct axvm_vcpu *vcpu, u64 data)
{
	const struct axvm_insn *insn = &vcpu->mmio_insn;
	u64 old = axvm_vmx_get_gpr(vcpu, insn->reg);

	axvm_vmx_set_gpr(vcpu, insn->reg, axvm_insn_load_value(insn, old, data));
}
