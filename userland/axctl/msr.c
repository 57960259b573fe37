// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: MSRs answered in userspace (msr.h).
 */
#include "msr.h"

bool msr_emulate(struct axvm_exit *e, uint32_t *resp)
{
	if (e->kind == AXVM_EXIT_SYSREG_READ && e->u.sysreg_read.addr == MSR_IA32_BIOS_SIGN_ID) {
		e->u.sysreg_read.data = MSR_UCODE_REV_VALUE;
		*resp = AXVM_RESP_DATA;
		return true;
	}
	if (e->kind == AXVM_EXIT_SYSREG_WRITE && e->u.sysreg_write.addr == MSR_IA32_BIOS_SIGN_ID) {
		*resp = AXVM_RESP_NONE;
		return true;
	}
	return false;
}
