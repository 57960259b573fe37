/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl start: the VMM. `axctl start` attaches to a named VM (made by
 * `axctl create`), gives it guest RAM, loads the image, runs one thread
 * per vCPU and serves the exits that reach userspace with the devices on
 * the bus. One file per job, like kvmtool:
 *
 *   start.c   `axctl start`: options, image, module and VM checks, the
 *             posting policy, signals, the main thread's wait, teardown
 *   ram.c     guest memory: allocation, RLIMIT_MEMLOCK, memory slots
 *   vcpu.c    vCPUs: creation, run page and exit ring, boot registers,
 *             threads, the run loop, PIC injection, kicks, ending the VM
 *   exits.c   exit dispatch: one handler per exit kind
 *   diag.c    messages, register dumps, internal errors, the -v counts
 *   bus.c     the bus: port and MMIO ranges (bus.h)
 *   vdevs.c   virtio devices over virtio-mmio: slots, DSDT, interrupt lines,
 *             threads (--disk; virtio/, vdevs.h)
 *   devices.c COM1, debug exit, POST on the bus; uart.c COM1's 16550A
 *             (pc/serial.c); console.c stdin to it; tsc.c CPUID 0x15/0x16
 *   pc/       the PC board (PIC, PIT, CMOS, fw_cfg, reset ports)
 *   image.c, multiboot.c  the loaders; smp.c the vCPU state rules
 *   gdb.c, gdb_cmd.c  --gdb: the gdb stub (gdb.h; rsp.c, gdb_regs.c, gdb_mem.c)
 *
 * vCPUs (smp.h): when the module has in-kernel local APICs
 * (AXVM_CAP_LAPIC), AXVM_CREATE_LAPIC comes before the first vCPU and
 * every vCPU's thread runs AXVM_RUN: vCPU 0 runs the image, the others
 * (APs) sleep in the kernel until the guest sends them INIT and SIPI. A
 * HLT with IF=1 then sleeps in the kernel, so a Halt record means IF=0:
 * on vCPU 0 it ends the VM, on an AP it parks that thread (only INIT,
 * which axctl does not send, could wake it) and the VM goes on; when no
 * vCPU is left running, the VM ends. Without the LAPIC only vCPU 0 runs
 * and the other threads wait idle for the end of the VM.
 *
 * Threads and signals: every thread blocks SIGINT, SIGTERM and SIGUSR2;
 * the main thread waits for them with sigwaitinfo(). SIGINT/SIGTERM set
 * the stop flag and kick every vCPU (run->immediate_exit = 1, then
 * SIGUSR1, whose empty handler makes AXVM_RUN return EINTR, also for an AP
 * asleep in the kernel waiting for SIPI or in HLT); a vCPU thread that
 * ends the VM does the same and wakes the main thread with SIGUSR2.
 * Parked and idle threads wait on end_cond for the end.
 *
 * Interrupts (pc/pc.h): vCPU 0 takes the PIC's output (ExtINT, also with
 * the LAPIC). Before each AXVM_RUN it clears immediate_exit and, if the
 * guest has IF=1, hands a deliverable vector to the kernel with
 * AXVM_INJECT; when the PIT's timer thread or another thread makes one
 * deliverable, it kicks vCPU 0 like a stop does. Without the LAPIC, a HLT
 * with IF=1 waits in axctl (irq_cond) for the next PIC interrupt instead
 * of ending the VM.
 *
 * Locks, by what they guard; when both are held, state_lock comes first:
 *   dev_lock    the bus and every device on it (COM1, the PC board, whose
 *               timer thread takes it too: pc->lock), with irq_cond; also
 *               orders the messages on stderr after guest output
 *   state_lock  the end state (done, status) and the vCPU states, with
 *               end_cond; done is also read without it (atomic)
 * The diagnostic counters are atomics; c->exits belongs to its thread.
 */
#ifndef AXCTL_VMM_H
#define AXCTL_VMM_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/axvm.h>

#include "console.h"
#include "devices.h"
#include "vdevs.h"
#include "gdb.h"
#include "image.h"
#include "pc/pc.h"
#include "power.h"
#include "smp.h"

#define SZ_4G		(1ULL << 32)
#define PC_LOW_MEM_MAX	(3ULL << 30)	/* Multiboot: RAM above this goes above 4 GiB */
#define RFLAGS_IF	(1ULL << 9)
#define RING_ENTRIES	64		/* exit ring slots per vCPU */

struct vmm;

struct vcpu {
	struct vmm *vmm;
	unsigned int id;
	int fd;
	struct axvm_run *run;
	size_t run_size;
	pthread_t thread;
	atomic_bool thread_started;
	uint64_t exits;		/* exits that reached axctl; this thread's */
	struct axvm_ring_hdr *ring;	/* sync-mode exit ring, or NULL */
	struct axvm_ring_entry *slots;
	size_t ring_size;
};

struct vmm {
	const char *name;
	int dev_fd, vm_fd;
	void *ram;
	uint64_t ram_size;
	uint64_t ram_low;	/* at GPA 0; the rest (slot 1) at 4 GiB */
	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	pthread_t main_thread;
	bool lapic;		/* in-kernel local APICs: every vCPU runs */
	bool has_ioapic;	/* the module has an I/O APIC: the MADT lists it */

	pthread_mutex_t dev_lock;	/* io, pc */
	pthread_cond_t irq_cond;	/* a halted vCPU 0 waits for the PIC */
	struct io_bus io;
	struct pc pc;
	struct console console;		/* stdin to COM1 (dev_lock) */
	struct power power;	/* ACPI PM ports, 0xcf9 (power.h) */
	struct vmm_vdevs *vdevs;	/* virtio devices (vdevs.h) */

	pthread_mutex_t state_lock;	/* status, states; writes of done */
	pthread_cond_t end_cond;	/* idle and parked vCPUs wait for done */
	atomic_bool done;
	int status;
	enum vcpu_state *states;	/* one per vCPU (smp.h) */
	atomic_int stop;		/* SIGINT/SIGTERM seen */

	atomic_uint_fast64_t msr_faults, hypercalls;
	atomic_bool warned_records;
	struct gdb *gdb;	/* --gdb (gdb.h), or NULL */
};

/* ram.c */
void ram_alloc(struct vmm *v);		/* v->ram of v->ram_size bytes */
void ram_add(struct vmm *v);		/* slots 0 and 1: the module pins it */
void ram_free(struct vmm *v);

/* vcpu.c */
bool vmm_lapic_create(struct vmm *v, const struct axvm_caps *caps);
void vmm_ioapic_create(struct vmm *v, const struct axvm_caps *caps);
void vcpu_create(struct vmm *v, struct vcpu *c, unsigned int id, size_t run_size);
void vcpu_setup_ring(struct vcpu *c);
void vcpu_set_boot_state(struct vcpu *c, const struct boot_state *bs);
void vcpus_start(struct vmm *v);
void vcpus_join(struct vmm *v);
void vcpu_destroy(struct vcpu *c);	/* unmaps the run page and ring, closes */
void vcpu_kick(struct vcpu *c);		/* out of AXVM_RUN (immediate_exit, SIGUSR1) */
void vmm_irq_notify(void *arg);		/* pc's notify, under dev_lock */
/* End the VM with status; the message (NULL: none) prints unless -q. */
void vmm_finish(struct vmm *v, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Under state_lock: vCPU c is parked or halted; the VM ends if nothing runs. */
void vcpu_stopped_locked(struct vcpu *c, enum vcpu_state st, const char *why);

/* exits.c: serve one record; false when this vCPU's thread is done. */
bool handle_exit(struct vcpu *c, struct axvm_exit *e, uint32_t *resp);

/* diag.c */
void vmm_note(struct vmm *v, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vmm_vnote(struct vmm *v, const char *fmt, va_list ap);
void dump_vcpu(struct vcpu *c);
void report_internal_error(struct vcpu *c, const struct axvm_exit *e);
const char *entry_failure_name(uint64_t reason);
void print_unhandled(struct vmm *v);

#endif
