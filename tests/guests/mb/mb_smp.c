// SPDX-License-Identifier: GPL-2.0
/*
 * mb_smp: brings up every AP with INIT-SIPI-SIPI through the xAPIC ICR.
 *
 * The BSP reads NB_CPUS from fw_cfg, checks its own APIC (IA32_APIC_BASE
 * with the BSP bit, xAPIC ID 0, the version register), then starts APIC
 * IDs 1..N-1 one at a time: INIT, 10 ms, SIPI (vector 0x08: the real-mode
 * trampoline at 0x8000), 200 us, SIPI again. Each AP enters 32-bit
 * protected mode on its own stack, prints its APIC ID (xAPIC register and
 * CPUID.1 EBX[31:24]) under the COM1 lock, marks its ID in a shared
 * array and idles in HLT. The BSP waits
 * for each (bounded by the TSC, calibrated against the PIT), checks the AP
 * is the one it addressed, and at the end that every ID 0..N-1 came up
 * exactly once: no AP restarted by the second SIPI, none from an
 * INIT-SIPI-SIPI to the absent APIC ID N. Every AP must then run a
 * function handed to it with a fixed IPI that wakes it from HLT.
 *
 * Exits through the debug-exit port with the number of failed checks.
 * Run with `axctl create --vcpus N`; with one vCPU there is no AP.
 */
#include "apic.h"

#define AP_TIMEOUT_MS	2000

int mb_main(uint32_t magic, const struct mb_info *mbi);

/* smp_call: an AP answers with its APIC ID as CPUID reports it now. */
static void ask_id(struct cpu *c, uint32_t arg)
{
	uint32_t a, b, cx, d;

	cpuid(1, 0, &a, &b, &cx, &d);
	c->scratch[0] = (b >> 24) + arg;
}

int mb_main(uint32_t magic, const struct mb_info *mbi)
{
	uint32_t a, b, c, d, ver, n, i, ids, before, bad = 0;
	struct cpu *bsp = &cpus[0];
	int slot;

	bsp_init();
	cprintf("mb_smp: APs by INIT-SIPI-SIPI\n");
	ccheck(magic == MB_BOOT_MAGIC, "EAX holds the Multiboot magic");
	cprintf("TSC: %llu per ms by the PIT counter\n", (unsigned long long)tsc_calibrate());
	ccheck(tsc_ms > 0, "the PIT counter counts down");
	n = fwcfg_nb_cpus(mbi);
	cprintf("fw_cfg NB_CPUS: %u\n", n);
	ccheck(n >= 1 && n <= MAX_CPUS, "NB_CPUS between 1 and %d", MAX_CPUS);
	if (n < 1 || n > MAX_CPUS)
		return mb_failed;

	cpuid(1, 0, &a, &b, &c, &d);
	ccheck(d & CPUID1_EDX_APIC, "CPUID.1:EDX shows an APIC");
	cprintf("BSP: IA32_APIC_BASE 0x%x, APIC ID %u, CPUID.1 EBX[31:24] %u\n",
		bsp->apic_base, bsp->apic_id, b >> 24);
	ccheck((bsp->apic_base & ~0xfffU) == APIC_BASE_ADDR &&
	       (bsp->apic_base & (APIC_BASE_BSP | APIC_BASE_ENABLE | APIC_BASE_X2APIC)) ==
	       (APIC_BASE_BSP | APIC_BASE_ENABLE),
	       "BSP: IA32_APIC_BASE 0xfee00000, enabled, BSP, xAPIC mode");
	ccheck(bsp->apic_id == 0 && b >> 24 == 0, "BSP: APIC ID 0 by register and CPUID");
	ver = apic_read(APIC_VERSION);
	cprintf("APIC version register 0x%08x\n", ver);
	ccheck((ver & 0xff) >= 0x10 && (ver & 0xff) <= 0x15 && (ver >> 16 & 0xff) >= 4,
	       "version: an integrated APIC with at least 5 LVT entries");
	ccheck(apic_read(APIC_SPIV) == (0x100 | SPURIOUS_VEC), "SPIV reads back 0x1ff");
	apic_id_seen[bsp->apic_id & 0xff]++;

	for (i = 1; i < n; i++) {
		before = ap_arrivals;
		slot = smp_start_ap(i, AP_TIMEOUT_MS);
		if (slot < 0) {
			ccheck(0, "APIC ID %u came up within %d ms", i, AP_TIMEOUT_MS);
			continue;
		}
		ccheck(ap_arrivals == before + 1, "APIC ID %u: one AP came up", i);
		c = cpus[slot].apic_id;
		ccheck(c == i && cpus[slot].cpuid_id == i,
		       "APIC ID %u: the AP reports ID %u by register and %u by CPUID", i, c,
		       cpus[slot].cpuid_id);
		ccheck((cpus[slot].apic_base & (APIC_BASE_BSP | APIC_BASE_ENABLE |
						APIC_BASE_X2APIC)) == APIC_BASE_ENABLE &&
		       (cpus[slot].apic_base & ~0xfffU) == APIC_BASE_ADDR,
		       "APIC ID %u: IA32_APIC_BASE 0xfee00000, enabled, not BSP, xAPIC", i);
	}
	ccheck(apic_icr_stuck == 0, "ICR delivery status always cleared (%u stuck)",
	       apic_icr_stuck);

	/* No AP may start twice (the second SIPI) or late. */
	tsc_delay_us(50000);
	cprintf("mb_smp: %u CPUs up\n", ap_arrivals + 1);
	ccheck(ap_arrivals == n - 1, "%u APs arrived, NB_CPUS - 1 = %u", ap_arrivals, n - 1);
	for (i = 0, ids = 0; i < 256; i++) {
		if (apic_id_seen[i] && i < n)
			ids++;
		if ((i < n && apic_id_seen[i] != 1) || (i >= n && apic_id_seen[i])) {
			cprintf("APIC ID %u came up %u times\n", i, apic_id_seen[i]);
			bad++;
		}
	}
	ccheck(ids == n && !bad, "every APIC ID 0..%u came up exactly once", n - 1);

	/* The absent APIC ID n: nothing may start. */
	if (n < 255) {
		before = ap_arrivals;
		smp_start_ap(n, 50);
		ccheck(ap_arrivals == before, "INIT-SIPI-SIPI to absent APIC ID %u starts nothing", n);
	}

	/* Every AP idles in HLT; a fixed IPI wakes it to run a function. */
	for (i = 1, bad = 0; i < MAX_CPUS && i < ap_arrivals + 1; i++) {
		if (smp_call(&cpus[i], ask_id, 1000, AP_TIMEOUT_MS) ||
		    cpus[i].scratch[0] != cpus[i].apic_id + 1000) {
			cprintf("AP slot %u (APIC ID %u) did not answer\n", i, cpus[i].apic_id);
			bad++;
		}
	}
	ccheck(!bad, "every AP woke from HLT by IPI and answered");
	for (i = 0, bad = 0; i < 256; i++)
		if (i != WAKE_VEC && i != SPURIOUS_VEC)
			for (slot = 0; slot < (int)n && slot < MAX_CPUS; slot++)
				bad += cpus[slot].hits[i];
	ccheck(!bad, "no unexpected interrupt vectors (%u)", bad);
	cprintf("mb_smp: %d failed\n", mb_failed);
	return mb_failed;
}
