/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit: load the guest GPRs, VMLAUNCH/VMRESUME, and on VM exit
 * (HOST_RIP = axvm_vmx_vmexit, HOST_RSP = the stack pointer written here)
 * save them back. SDM Vol. 3C, 27 "VM Entries", 28 "VM Exits"; RSP, RIP
 * and RFLAGS of the guest live in the VMCS.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

/*
 * VMCS_HOST_RSP and G_* (offsets into the gprs array, enum axvm_gpr
 * order), generated from C by Kbuild (vmx/asm-offsets.c).
 */
#include "vmx-asm-offsets.h"

.text

/*
 * int axvm_vmx_vmenter(unsigned long *gprs, bool launched)
 * Returns 0 after a VM exit, 1 when VMLAUNCH/VMRESUME (or the HOST_RSP
 * VMWRITE) failed; the caller reads the VM-instruction error.
 */
SYM_FUNC_START(axvm_vmx_vmenter)
	push %rbp
	mov %rsp, %rbp
	push %r15
	push %r14
	push %r13
	push %r12
	push %rbx
	/* @gprs stays at 0(%rsp) for the exit path. */
	push %rdi

	mov $VMCS_HOST_RSP, %rax
.Lvmwrite_rsp:
	vmwrite %rsp, %rax
	jbe .Lvmfail

	mov %rdi, %rax
	/* ZF survives the MOVs below: set means VMLAUNCH. */
	cmpb $0, %sil

	mov G_RCX(%rax), %rcx
	mov G_RDX(%rax), %rdx
	mov G_RBX(%rax), %rbx
	mov G_RBP(%rax), %rbp
	mov G_RSI(%rax), %rsi
	mov G_RDI(%rax), %rdi
	mov G_R8(%rax), %r8
	mov G_R9(%rax), %r9
	mov G_R10(%rax), %r10
	mov G_R11(%rax), %r11
	mov G_R12(%rax), %r12
	mov G_R13(%rax), %r13
	mov G_R14(%rax), %r14
	mov G_R15(%rax), %r15
	mov G_RAX(%rax), %rax

	je .Lvmlaunch

	/* A successful entry "returns" at axvm_vmx_vmexit below. */
	UNWIND_HINT_SAVE
.Lvmresume:
	vmresume
	jmp .Lvmfail_guest_regs
.Lvmlaunch:
	vmlaunch
	jmp .Lvmfail_guest_regs

SYM_INNER_LABEL(axvm_vmx_vmexit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push %rax
	mov 8(%rsp), %rax
	pop G_RAX(%rax)
	mov %rcx, G_RCX(%rax)
	mov %rdx, G_RDX(%rax)
	mov %rbx, G_RBX(%rax)
	mov %rbp, G_RBP(%rax)
	mov %rsi, G_RSI(%rax)
	mov %rdi, G_RDI(%rax)
	mov %r8, G_R8(%rax)
	mov %r9, G_R9(%rax)
	mov %r10, G_R10(%rax)
	mov %r11, G_R11(%rax)
	mov %r12, G_R12(%rax)
	mov %r13, G_R13(%rax)
	mov %r14, G_R14(%rax)
	mov %r15, G_R15(%rax)
	xor %ebx, %ebx

.Lout:
	pop %rax
	/* No guest value may steer speculation in the host. */
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	xor %esi, %esi
	xor %edi, %edi
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
#ifdef X86_FEATURE_RSB_VMEXIT
	/* The guest may have filled the RSB: refill before the first RET. */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
#endif
	mov %rbx, %rax
	pop %rbx
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	pop %rbp
	RET

.Lvmfail_guest_regs:
.Lvmfail:
	mov $1, %ebx
	jmp .Lout

	/*
	 * VMX was turned off under us (reboot notifier, emergency VMXOFF):
	 * the instruction raised #UD (SDM Vol. 3C, 31.3). Report a failed
	 * entry; the caller sees VMX is going away and stops.
	 */
	_ASM_EXTABLE(.Lvmwrite_rsp, .Lvmfail)
	_ASM_EXTABLE(.Lvmresume, .Lvmfail_guest_regs)
	_ASM_EXTABLE(.Lvmlaunch, .Lvmfail_guest_regs)
SYM_FUNC_END(axvm_vmx_vmenter)
