/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the few MSRs the kernel forwards that axctl answers instead of
 * injecting #GP, because guests access them without rdmsr_safe():
 *
 *  0x8b  IA32_BIOS_SIGN_ID (microcode revision; SDM Vol. 4, Table 2-2, and
 *        Vol. 3A 10.11.7.1): Linux's early_init_intel() writes 0, runs
 *        CPUID and reads the revision back with plain WRMSR/RDMSR, so a #GP
 *        is an "unchecked MSR access error" with a call trace at every
 *        boot. Writes are ignored, reads give revision 1 in EDX (KVM's
 *        default is the same 0x100000000).
 */
#ifndef AXCTL_MSR_H
#define AXCTL_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/axvm.h>

#define MSR_IA32_BIOS_SIGN_ID	0x8b
#define MSR_UCODE_REV_VALUE	0x100000000ULL

/*
 * A SYSREG_READ/SYSREG_WRITE record: true if axctl answers it (a read's
 * value in e->u.sysreg_read.data, *resp set), false for #GP.
 */
bool msr_emulate(struct axvm_exit *e, uint32_t *resp);

#endif
