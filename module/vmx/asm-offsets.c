// SPDX-License-Identifier: GPL-2.0
/*
 * Constants vmenter.S needs, generated from the C definitions (like KVM's
 * kvm-asm-offsets.c and bhyve's vmx_genassym.c): Kbuild compiles this to
 * assembly and turns the markers into vmx/vmx-asm-offsets.h. Never linked.
 */
#define COMPILE_OFFSETS
#include <linux/kbuild.h>
#include <asm/vmx.h>
#include "vmx/vmx.h"

static void __used axvm_vmx_asm_offsets(void)
{
	/* Slots of struct axvm_vmx_vcpu.gprs, by enum axvm_gpr. */
	BLANK();
	DEFINE(G_RAX, AXVM_REG_RAX * sizeof(unsigned long));
	DEFINE(G_RCX, AXVM_REG_RCX * sizeof(unsigned long));
	DEFINE(G_RDX, AXVM_REG_RDX * sizeof(unsigned long));
	DEFINE(G_RBX, AXVM_REG_RBX * sizeof(unsigned long));
	DEFINE(G_RBP, AXVM_REG_RBP * sizeof(unsigned long));
	DEFINE(G_RSI, AXVM_REG_RSI * sizeof(unsigned long));
	DEFINE(G_RDI, AXVM_REG_RDI * sizeof(unsigned long));
	DEFINE(G_R8, AXVM_REG_R8 * sizeof(unsigned long));
	DEFINE(G_R9, AXVM_REG_R9 * sizeof(unsigned long));
	DEFINE(G_R10, AXVM_REG_R10 * sizeof(unsigned long));
	DEFINE(G_R11, AXVM_REG_R11 * sizeof(unsigned long));
	DEFINE(G_R12, AXVM_REG_R12 * sizeof(unsigned long));
	DEFINE(G_R13, AXVM_REG_R13 * sizeof(unsigned long));
	DEFINE(G_R14, AXVM_REG_R14 * sizeof(unsigned long));
	DEFINE(G_R15, AXVM_REG_R15 * sizeof(unsigned long));
	BLANK();
	/* VMCS field encoding of HOST_RSP (SDM Vol. 3D, Appendix B.4.4). */
	DEFINE(VMCS_HOST_RSP, HOST_RSP);
}
