/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: tell the guest its TSC frequency through CPUID leaves 0x15 (TSC
 * / crystal ratio and crystal frequency) and 0x16 (base and maximum
 * frequency), SDM Vol. 2A, CPUID, "Time Stamp Counter and Nominal Core
 * Crystal Clock Information Leaf" and "Processor Frequency Information
 * Leaf".
 *
 * The guest's TSC is the host's (axvm sets TSC_OFFSET 0 and no scaling),
 * so its frequency is the host's TSC rate in the host's own time, the
 * time the PIT and RTC models run on. axctl measures it against
 * CLOCK_MONOTONIC_RAW instead of passing the host CPU's leaves through:
 * those describe the part, not the clock (inside Bochs, the host CPU's
 * leaves name a Skylake's GHz while its TSC counts about one tick per
 * emulated instruction, 50 MHz at the test machine's ips), and Linux
 * believes 0x15 without checking (X86_FEATURE_TSC_KNOWN_FREQ).
 *
 * 0x15 reads EAX 1, EBX 1, ECX the TSC in Hz (a "crystal" at the TSC
 * rate; above 4.29 GHz EBX = 2 and ECX half of it), 0x16 EAX and EBX the
 * MHz, ECX 100 (bus). Leaf 0's maximum goes up to 0x16 if it was lower.
 */
#ifndef AXCTL_TSC_H
#define AXCTL_TSC_H

#include <stdint.h>

#include <linux/axvm.h>

/* The host's TSC rate in kHz, measured over about 20 ms; 0 if unusable. */
uint32_t tsc_host_khz(void);
/*
 * Put the leaves for khz into table t of room entries (updates existing
 * ones, appends the others). Returns 0, or -1 without room.
 */
int tsc_cpuid_leaves(struct axvm_cpuid *t, unsigned int room, uint32_t khz);
/*
 * AXVM_GET_CPUID, tsc_cpuid_leaves(), AXVM_SET_CPUID on vm_fd. Returns 0
 * or -errno (-ENOTTY: a module without the CPUID ioctls).
 */
int tsc_set_cpuid(int vm_fd, uint32_t khz);

#endif
