// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's cases: what the guest loops over and how each
 * hypervisor serves it. Where the two cannot do the same thing, the KVM
 * column uses its nearest equivalent and says so (note), or the case is
 * absent on one side with the reason.
 */
#include <linux/axvm.h>
#include "bench.h"

#define MSR_IA32_CR_PAT		0x277
#define KVM_HC_VAPIC_POLL_IRQ	1	/* answered by kvm_emulate_hypercall() */
#define KVM_HC_MAP_GPA_RANGE	12	/* exits with KVM_CAP_EXIT_HYPERCALL */
#define PORT_POST		0x80	/* axvm: module/io/post.c */
#define PORT_PIT_SPEAKER	0x61	/* KVM: i8254.c speaker port */

const struct bench_case bench_cases[] = {
	{ "cpuid", "CPUID (in kernel)", BODY_CPUID, W_KERNEL,
	  { .param = 0 }, { .param = 0 } },
	{ "vmcall_kernel", "VMCALL answered in the kernel", BODY_VMCALL, W_KERNEL,
	  { .param = AXVM_HC_NOP, .note = "AXVM_HC_NOP" },
	  { .param = KVM_HC_VAPIC_POLL_IRQ, .note = "KVM_HC_VAPIC_POLL_IRQ" } },
	{ "vmcall_user", "VMCALL answered in userspace", BODY_VMCALL, W_USER,
	  { .param = 0x1234 },
	  { .param = KVM_HC_MAP_GPA_RANGE, .flags = HV_KVM_HC_EXIT,
	    .note = "KVM_HC_MAP_GPA_RANGE with KVM_CAP_EXIT_HYPERCALL" } },
	{ "pio_read_kernel", "port read, in-kernel device", BODY_PIO_READ, W_KERNEL,
	  { .param = PORT_POST, .note = "POST port 0x80" },
	  { .param = PORT_PIT_SPEAKER, .flags = HV_KVM_PIT,
	    .note = "PIT speaker port 0x61 (irqchip + PIT2)" } },
	{ "pio_read_user", "port read answered in userspace (run page)", BODY_PIO_READ, W_USER,
	  { .param = BENCH_PORT_USER_READ }, { .param = BENCH_PORT_USER_READ } },
	{ "pio_read_user_sync", "port read answered in userspace (ring, sync)", BODY_PIO_READ, W_USER,
	  { .param = BENCH_PORT_USER_READ, .flags = HV_RING_SYNC },
	  { .param = BENCH_PORT_USER_READ, .note = "KVM has no ring: KVM_EXIT_IO" } },
	{ "pio_read_user_async", "port read answered in userspace (ring, async)", BODY_PIO_READ, W_USER,
	  { .param = BENCH_PORT_USER_READ, .flags = HV_RING_ASYNC,
	    .note = "served by a second thread" },
	  { .param = BENCH_PORT_USER_READ, .note = "KVM has no ring: KVM_EXIT_IO" } },
	{ "pio_read_user_async_nospin", "port read answered in userspace (ring, async, no spin)",
	  BODY_PIO_READ, W_USER,
	  { .param = BENCH_PORT_USER_READ, .flags = HV_RING_ASYNC | HV_RING_NOSPIN,
	    .note = "ring_poll_ns=0: the vCPU sleeps at once" },
	  { .param = BENCH_PORT_USER_READ, .note = "KVM has no ring: KVM_EXIT_IO" } },
	{ "pio_write_user", "port write answered in userspace", BODY_PIO_WRITE, W_USER,
	  { .param = BENCH_PORT_USER_WRITE }, { .param = BENCH_PORT_USER_WRITE } },
	{ "mmio_read_user", "MMIO read answered in userspace", BODY_MMIO_READ, W_USER,
	  { .param = BENCH_MMIO_READ_GPA }, { .param = BENCH_MMIO_READ_GPA } },
	{ "posted_pio_write", "posted port write", BODY_PIO_WRITE, W_POSTED,
	  { .param = BENCH_PORT_POSTED, .flags = HV_RING_SYNC | HV_POSTED_PIO },
	  { .param = BENCH_PORT_POSTED, .flags = HV_POSTED_PIO,
	    .note = "nearest equivalent: coalesced PIO (KVM_CAP_COALESCED_PIO)" } },
	{ "posted_mmio_write", "posted MMIO write", BODY_MMIO_WRITE, W_POSTED,
	  { .param = BENCH_MMIO_POST_GPA, .flags = HV_RING_SYNC | HV_POSTED_MMIO },
	  { .param = BENCH_MMIO_POST_GPA, .flags = HV_POSTED_MMIO,
	    .note = "nearest equivalent: coalesced MMIO (KVM_REGISTER_COALESCED_MMIO)" } },
	{ "rdmsr_pat", "RDMSR IA32_PAT (in kernel)", BODY_RDMSR, W_KERNEL,
	  { .param = MSR_IA32_CR_PAT }, { .param = MSR_IA32_CR_PAT } },
	{ "ept_touch", "first touch of a 4 KiB page (EPT fault)", BODY_TOUCH, W_KERNEL,
	  { .param = BENCH_TOUCH_GPA }, { .param = BENCH_TOUCH_GPA } },
	{ "vm_create_destroy", "create + destroy a VM (host)", 0, W_HOST,
	  { .flags = HV_HOST_VM }, { .flags = HV_HOST_VM } },
	{ "vcpu_create", "create a vCPU (host)", 0, W_HOST,
	  { .flags = HV_HOST_VCPU }, { .flags = HV_HOST_VCPU } },
};

const size_t bench_nr_cases = sizeof(bench_cases) / sizeof(bench_cases[0]);
