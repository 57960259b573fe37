/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axvm selftest library, in the spirit of KVM selftests' kvm_util: open
 * /dev/axvm, create VMs with guest RAM, create vCPUs with their run page,
 * put a vCPU into real, 32-bit protected or 64-bit long mode, run it.
 *
 * Helpers without a leading "__" treat any unexpected failure as fatal:
 * they print what failed and abort(), which the kselftest harness reports
 * as a failed test. "__" helpers return the raw result (-1 and errno) for
 * tests that check error paths. Harness-level macros (SKIP, exit-record
 * assertions) live in axvm_test.h.
 */
#ifndef AXVM_SELFTEST_UTIL_H
#define AXVM_SELFTEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/axvm.h>

#include "guest_abi.h"
#include "x86_boot.h"

#define AXVM_DEV_PATH		"/dev/axvm"

#define SZ_4K			0x1000ULL
#define SZ_2M			0x200000ULL
#define SZ_1G			0x40000000ULL

/* RAM of the standard test VM: slot 0, GPA 0, this many bytes. */
#define AXVM_DEFAULT_RAM	(2 * SZ_2M)

/* VMX basic exit reasons (SDM Vol. 3D, Appendix C) the tests look for. */
#define VMX_EXIT_HLT			12U
#define VMX_EXIT_IO_INSTRUCTION		30U
#define VMX_EXIT_INVALID_GUEST_STATE	33U

/* Fatal error: print location, message and errno text, then abort(). */
void __attribute__((noreturn, format(printf, 3, 4)))
__axvm_fatal(const char *file, int line, const char *fmt, ...);
#define axvm_fatal(fmt, ...) __axvm_fatal(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define AXVM_CHECK(cond, fmt, ...) do {					\
	if (!(cond))							\
		__axvm_fatal(__FILE__, __LINE__, "check '%s' failed: " fmt, \
			     #cond, ##__VA_ARGS__);			\
} while (0)

/* --- /dev/axvm ------------------------------------------------------ */

/* NULL if /dev/axvm can be opened, else why not (for a SKIP message). */
const char *axvm_unavailable(void);
/* open(/dev/axvm): the fd, or -errno. */
int __axvm_open_dev(void);
/* open(/dev/axvm) and check AXVM_GET_API_VERSION; fatal on failure. */
int axvm_open_dev(void);
/* AXVM_GET_CAPS through a fresh /dev/axvm fd; fatal on failure. */
void axvm_get_caps(struct axvm_caps *caps);

/* --- VMs -------------------------------------------------------------- */

struct axvm_slot {
	bool used;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	bool owned;		/* allocated by the library: unmapped on free */
};

struct axvm_vcpu;

struct axvm_vm {
	int fd;
	struct axvm_caps caps;
	struct axvm_slot slots[AXVM_MAX_MEM_SLOTS];
	struct axvm_vcpu *vcpus[AXVM_MAX_VCPUS];
};

/*
 * A VM with RAM: ram_size bytes (multiple of 2 MiB) of anonymous memory in
 * slot 0 at GPA 0. ram_size 0 gives a VM without memory. The /dev/axvm fd
 * it was created through is closed again.
 */
struct axvm_vm *axvm_vm_create(uint64_t ram_size);
/* The same through an open /dev/axvm fd, which stays open. */
struct axvm_vm *axvm_vm_create_from(int dev_fd, uint64_t ram_size);
/* AXVM_ATTACH_VM of a named VM through dev_fd: the VM fd, or -1 and errno. */
int __axvm_attach_vm(int dev_fd, const char *name);
/*
 * Attach to the named VM (created by netlink or another process) and give
 * it RAM like axvm_vm_create(); fatal on failure.
 */
struct axvm_vm *axvm_vm_attach(const char *name, uint64_t ram_size);
/*
 * Close the vCPUs and the VM, unmap their run pages and guest memory. An
 * fd the test already closed is marked -1 and skipped.
 */
void axvm_vm_free(struct axvm_vm *vm);

/* 2 MiB-aligned anonymous MAP_PRIVATE|MAP_NORESERVE memory; fatal on failure. */
void *axvm_alloc_mem(uint64_t size);
void axvm_free_mem(void *hva, uint64_t size);

/* AXVM_SET_MEMORY_REGION on fd: the ioctl's result (-1 and errno). */
int __axvm_set_region(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		      uint64_t size, const void *hva);
/* Allocate size bytes, register them as slot at gpa; returns the hva. */
void *axvm_vm_add_region(struct axvm_vm *vm, uint32_t slot, uint64_t gpa,
			 uint64_t size);
/* Register memory from axvm_alloc_mem() (the VM then owns it) as slot. */
void axvm_vm_add_region_mem(struct axvm_vm *vm, uint32_t slot, uint32_t flags,
			    uint64_t gpa, uint64_t size, void *hva);
/* Delete slot (size 0), then free its memory if the VM owns it. */
void axvm_vm_delete_region(struct axvm_vm *vm, uint32_t slot);
/* Host address of guest-physical gpa (len bytes must be in one slot). */
void *axvm_gpa2hva(struct axvm_vm *vm, uint64_t gpa, uint64_t len);

/* A guest image: flat bytes to copy to gpa. */
struct axvm_image {
	const char *name;
	const unsigned char *start, *end;
	uint64_t gpa;
};
extern const struct axvm_image axvm_guest16, axvm_guest32, axvm_guest64;
void axvm_load_image(struct axvm_vm *vm, const struct axvm_image *img);

/* --- vCPUs ------------------------------------------------------------ */

struct axvm_vcpu {
	struct axvm_vm *vm;
	uint32_t id;
	int fd;
	struct axvm_run *run;
	size_t run_size;
	/* Statistics of axvm_vcpu_run(). */
	uint64_t nr_runs;	/* AXVM_RUN calls */
	uint64_t nr_eintr;	/* ... that returned EINTR */
	uint64_t nr_benign;	/* exits re-entered (NOTHING, EXTERNAL_INTERRUPT) */
};

/* AXVM_CREATE_VCPU + mmap of the run page; fatal on failure. */
struct axvm_vcpu *axvm_vcpu_add(struct axvm_vm *vm, uint32_t id);
/* Unmap the run page and close the vCPU fd unless -1 (axvm_vm_free does it too). */
void axvm_vcpu_free(struct axvm_vcpu *vcpu);

void axvm_vcpu_get_regs(struct axvm_vcpu *vcpu, struct axvm_regs *regs);
void axvm_vcpu_set_regs(struct axvm_vcpu *vcpu, const struct axvm_regs *regs);
void axvm_vcpu_get_sregs(struct axvm_vcpu *vcpu, struct axvm_sregs *sregs);
void axvm_vcpu_set_sregs(struct axvm_vcpu *vcpu, const struct axvm_sregs *sregs);

/*
 * Fill sregs for a mode (only the fields the mode defines; apic_base, cr2
 * and cr8 are left as they are, pads and reserved are zeroed):
 *  real: CS = cs_sel (base cs_sel << 4), data segments 0, limits 0xffff,
 *        CR0 = ET, TR busy 32-bit TSS, LDTR unusable.
 *  pm32: flat 4 GiB CS = SEL_CODE32, data = SEL_DATA, CR0 = PE|ET|NE.
 *  long: CS = SEL_CODE64 (L=1), data = SEL_DATA, CR0 = PE|ET|NE|PG,
 *        CR3 = GPA_PML4, CR4 = PAE, EFER = LME|LMA.
 * They do not touch guest memory; the axvm_vcpu_setup_* helpers do.
 */
void axvm_sregs_real(struct axvm_sregs *sregs, uint16_t cs_sel);
void axvm_sregs_pm32(struct axvm_sregs *sregs);
void axvm_sregs_long(struct axvm_sregs *sregs);

/* Write the GDT (and zeroed TSS) at GPA_GDT/GPA_TSS, matching the sregs above. */
void axvm_vm_write_gdt(struct axvm_vm *vm);
/* Identity-map the first GiB with 2 MiB pages: PML4 at GPA_PML4. */
void axvm_vm_write_page_tables(struct axvm_vm *vm);

/*
 * Put the vCPU in a mode and at an entry point: SET_SREGS, and SET_REGS
 * with all GPRs 0, RFLAGS = 0x2, RIP = entry, RSP = the mode's stack top.
 * pm32/long also write the GDT (and long the page tables) into guest RAM.
 */
void axvm_vcpu_setup_real(struct axvm_vcpu *vcpu, uint16_t cs_sel, uint16_t ip);
void axvm_vcpu_setup_pm32(struct axvm_vcpu *vcpu, uint32_t entry);
void axvm_vcpu_setup_long(struct axvm_vcpu *vcpu, uint64_t entry);
/* Only RIP (and RFLAGS = 0x2), keeping the other registers. */
void axvm_vcpu_set_rip(struct axvm_vcpu *vcpu, uint64_t rip);

/* One AXVM_RUN: the ioctl's result (-1 and errno). */
int __axvm_vcpu_run(struct axvm_vcpu *vcpu);
/*
 * Run until an exit that userspace has to look at: re-enters on EINTR and
 * on AXVM_EXIT_NOTHING / AXVM_EXIT_EXTERNAL_INTERRUPT (counted in the
 * vCPU's statistics), fatal on any other ioctl error. Sets
 * run->response = AXVM_RESP_NONE before each entry (the guests only do
 * writes). Returns run->exit.kind.
 */
uint32_t axvm_vcpu_run(struct axvm_vcpu *vcpu);

/* --- Diagnostics ------------------------------------------------------ */

const char *axvm_exit_name(uint32_t kind);
void axvm_dump_exit(FILE *f, const struct axvm_exit *exit);
void axvm_dump_regs(FILE *f, const struct axvm_regs *regs);
void axvm_dump_segment(FILE *f, const char *name, const struct axvm_segment *s);
void axvm_dump_sregs(FILE *f, const struct axvm_sregs *sregs);

#endif
