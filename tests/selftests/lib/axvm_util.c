// SPDX-License-Identifier: GPL-2.0
/*
 * axvm selftest library: see axvm_util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/axvm_names.h>

#include "axvm_util.h"

void __axvm_fatal(const char *file, int line, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# ==== axvm selftest failure ====\n# %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n#   (errno %d: %s)\n", err, strerror(err));
	fflush(stderr);
	abort();
}

/* --- /dev/axvm ------------------------------------------------------ */

int __axvm_open_dev(void)
{
	int fd = open(AXVM_DEV_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

const char *axvm_unavailable(void)
{
	static char why[192];
	int fd = __axvm_open_dev();

	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	snprintf(why, sizeof(why), "cannot open %s: %s (axvm.ko not loaded?)",
		 AXVM_DEV_PATH, strerror(-fd));
	return why;
}

int axvm_open_dev(void)
{
	int fd = __axvm_open_dev();
	int version;

	if (fd < 0) {
		errno = -fd;
		axvm_fatal("open(%s)", AXVM_DEV_PATH);
	}
	version = ioctl(fd, AXVM_GET_API_VERSION, 0);
	AXVM_CHECK(version == AXVM_API_VERSION,
		   "AXVM_GET_API_VERSION returned %d, the tests speak %d",
		   version, AXVM_API_VERSION);
	return fd;
}

void axvm_get_caps(struct axvm_caps *caps)
{
	int fd = axvm_open_dev();
	int r;

	memset(caps, 0, sizeof(*caps));
	r = ioctl(fd, AXVM_GET_CAPS, caps);
	AXVM_CHECK(r == 0, "AXVM_GET_CAPS returned %d", r);
	close(fd);
}

/* --- memory ----------------------------------------------------------- */

void *axvm_alloc_mem(uint64_t size)
{
	uint64_t total = size + SZ_2M;
	uintptr_t raw, aligned;
	void *p;

	AXVM_CHECK(size && !(size & (SZ_4K - 1)), "size 0x%llx", (unsigned long long)size);
	p = mmap(NULL, total, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		axvm_fatal("mmap of %llu bytes of guest memory", (unsigned long long)total);
	raw = (uintptr_t)p;
	aligned = (raw + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1);
	if (aligned > raw)
		munmap(p, aligned - raw);
	if (raw + total > aligned + size)
		munmap((void *)(aligned + size), raw + total - (aligned + size));
	return (void *)aligned;
}

void axvm_free_mem(void *hva, uint64_t size)
{
	if (hva)
		munmap(hva, size);
}

int __axvm_set_region(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		      uint64_t size, const void *hva)
{
	struct axvm_memory_region r = {
		.slot = slot,
		.flags = flags,
		.gpa = gpa,
		.size = size,
		.hva = (uintptr_t)hva,
	};

	return ioctl(vm_fd, AXVM_SET_MEMORY_REGION, &r);
}

void axvm_vm_add_region_mem(struct axvm_vm *vm, uint32_t slot, uint32_t flags,
			    uint64_t gpa, uint64_t size, void *hva)
{
	struct axvm_slot *s;
	int r;

	AXVM_CHECK(slot < AXVM_MAX_MEM_SLOTS && !vm->slots[slot].used, "slot %u", slot);
	r = __axvm_set_region(vm->fd, slot, flags, gpa, size, hva);
	AXVM_CHECK(r == 0, "AXVM_SET_MEMORY_REGION slot %u flags 0x%x gpa 0x%llx size 0x%llx: %d",
		   slot, flags, (unsigned long long)gpa, (unsigned long long)size, r);
	s = &vm->slots[slot];
	s->used = true;
	s->owned = true;
	s->flags = flags;
	s->gpa = gpa;
	s->size = size;
	s->hva = hva;
}

void *axvm_vm_add_region(struct axvm_vm *vm, uint32_t slot, uint64_t gpa,
			 uint64_t size)
{
	void *hva = axvm_alloc_mem(size);

	axvm_vm_add_region_mem(vm, slot, 0, gpa, size, hva);
	return hva;
}

void axvm_vm_delete_region(struct axvm_vm *vm, uint32_t slot)
{
	struct axvm_slot *s;
	int r;

	AXVM_CHECK(slot < AXVM_MAX_MEM_SLOTS && vm->slots[slot].used, "slot %u", slot);
	s = &vm->slots[slot];
	r = __axvm_set_region(vm->fd, slot, s->flags, s->gpa, 0, s->hva);
	AXVM_CHECK(r == 0, "deleting slot %u: %d", slot, r);
	if (s->owned)
		axvm_free_mem(s->hva, s->size);
	memset(s, 0, sizeof(*s));
}

void *axvm_gpa2hva(struct axvm_vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < AXVM_MAX_MEM_SLOTS; i++) {
		struct axvm_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size &&
		    len <= s->size - (gpa - s->gpa))
			return (char *)s->hva + (gpa - s->gpa);
	}
	axvm_fatal("GPA 0x%llx (+0x%llx) is not in a memory slot of this VM",
		   (unsigned long long)gpa, (unsigned long long)len);
}

void axvm_load_image(struct axvm_vm *vm, const struct axvm_image *img)
{
	uint64_t len = img->end - img->start;

	AXVM_CHECK(len > 0, "empty guest image %s", img->name);
	memcpy(axvm_gpa2hva(vm, img->gpa, len), img->start, len);
}

/* --- VMs -------------------------------------------------------------- */

struct axvm_vm *axvm_vm_create_from(int dev_fd, uint64_t ram_size)
{
	struct axvm_create_vm args;
	struct axvm_vm *vm;
	int r;

	vm = calloc(1, sizeof(*vm));
	AXVM_CHECK(vm, "calloc");
	r = ioctl(dev_fd, AXVM_GET_CAPS, &vm->caps);
	AXVM_CHECK(r == 0, "AXVM_GET_CAPS returned %d", r);
	memset(&args, 0, sizeof(args));
	vm->fd = ioctl(dev_fd, AXVM_CREATE_VM, &args);
	AXVM_CHECK(vm->fd >= 0, "AXVM_CREATE_VM returned %d", vm->fd);
	if (ram_size)
		axvm_vm_add_region(vm, 0, 0, ram_size);
	return vm;
}

int __axvm_attach_vm(int dev_fd, const char *name)
{
	struct axvm_attach_vm args;

	memset(&args, 0, sizeof(args));
	strncpy(args.name, name, sizeof(args.name) - 1);
	return ioctl(dev_fd, AXVM_ATTACH_VM, &args);
}

struct axvm_vm *axvm_vm_attach(const char *name, uint64_t ram_size)
{
	int dev = axvm_open_dev();
	struct axvm_vm *vm;
	int r;

	vm = calloc(1, sizeof(*vm));
	AXVM_CHECK(vm, "calloc");
	r = ioctl(dev, AXVM_GET_CAPS, &vm->caps);
	AXVM_CHECK(r == 0, "AXVM_GET_CAPS returned %d", r);
	vm->fd = __axvm_attach_vm(dev, name);
	AXVM_CHECK(vm->fd >= 0, "AXVM_ATTACH_VM \"%s\" returned %d", name, vm->fd);
	close(dev);
	if (ram_size)
		axvm_vm_add_region(vm, 0, 0, ram_size);
	return vm;
}

struct axvm_vm *axvm_vm_create(uint64_t ram_size)
{
	int dev = axvm_open_dev();
	struct axvm_vm *vm = axvm_vm_create_from(dev, ram_size);

	close(dev);
	return vm;
}

void axvm_vm_free(struct axvm_vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < AXVM_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			axvm_vcpu_free(vm->vcpus[i]);
	if (vm->fd >= 0)
		close(vm->fd);
	for (i = 0; i < AXVM_MAX_MEM_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].owned)
			axvm_free_mem(vm->slots[i].hva, vm->slots[i].size);
	free(vm);
}

/* --- vCPUs ------------------------------------------------------------ */

struct axvm_vcpu *axvm_vcpu_add(struct axvm_vm *vm, uint32_t id)
{
	struct axvm_vcpu *vcpu;
	void *run;

	AXVM_CHECK(id < AXVM_MAX_VCPUS && !vm->vcpus[id], "vCPU id %u", id);
	vcpu = calloc(1, sizeof(*vcpu));
	AXVM_CHECK(vcpu, "calloc");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, AXVM_CREATE_VCPU, (unsigned long)id);
	AXVM_CHECK(vcpu->fd >= 0, "AXVM_CREATE_VCPU %u returned %d", id, vcpu->fd);
	vcpu->run_size = vm->caps.run_size;
	AXVM_CHECK(vcpu->run_size >= sizeof(struct axvm_run),
		   "caps.run_size %zu < sizeof(struct axvm_run) %zu",
		   vcpu->run_size, sizeof(struct axvm_run));
	run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED)
		axvm_fatal("mmap of the run page of vCPU %u (%zu bytes)", id, vcpu->run_size);
	vcpu->run = run;
	vm->vcpus[id] = vcpu;
	return vcpu;
}

void axvm_vcpu_free(struct axvm_vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	if (vcpu->vm && vcpu->vm->vcpus[vcpu->id] == vcpu)
		vcpu->vm->vcpus[vcpu->id] = NULL;
	free(vcpu);
}

void axvm_vcpu_get_regs(struct axvm_vcpu *vcpu, struct axvm_regs *regs)
{
	int r = ioctl(vcpu->fd, AXVM_GET_REGS, regs);

	AXVM_CHECK(r == 0, "AXVM_GET_REGS returned %d", r);
}

void axvm_vcpu_set_regs(struct axvm_vcpu *vcpu, const struct axvm_regs *regs)
{
	int r = ioctl(vcpu->fd, AXVM_SET_REGS, regs);

	AXVM_CHECK(r == 0, "AXVM_SET_REGS returned %d", r);
}

void axvm_vcpu_get_sregs(struct axvm_vcpu *vcpu, struct axvm_sregs *sregs)
{
	int r = ioctl(vcpu->fd, AXVM_GET_SREGS, sregs);

	AXVM_CHECK(r == 0, "AXVM_GET_SREGS returned %d", r);
}

void axvm_vcpu_set_sregs(struct axvm_vcpu *vcpu, const struct axvm_sregs *sregs)
{
	int r = ioctl(vcpu->fd, AXVM_SET_SREGS, sregs);

	if (r) {
		axvm_dump_sregs(stderr, sregs);
		axvm_fatal("AXVM_SET_SREGS returned %d", r);
	}
}

/* --- modes ------------------------------------------------------------ */

#define TSS_LIMIT	X86_TSS_LIMIT
#define GDT_ENTRIES	6	/* null, code32, data, code64, tss (2 slots) */

/* Start from zero but keep what the modes do not define. */
static void sregs_reset(struct axvm_sregs *sregs)
{
	uint64_t apic_base = sregs->apic_base, cr2 = sregs->cr2, cr8 = sregs->cr8;

	memset(sregs, 0, sizeof(*sregs));
	sregs->apic_base = apic_base;
	sregs->cr2 = cr2;
	sregs->cr8 = cr8;
}

void axvm_sregs_real(struct axvm_sregs *sregs, uint16_t cs_sel)
{
	sregs_reset(sregs);
	x86_sregs_real(sregs, cs_sel);
}

static void sregs_protected(struct axvm_sregs *sregs, bool code64)
{
	sregs_reset(sregs);
	x86_sregs_flat(sregs, code64 ? SEL_CODE64 : SEL_CODE32, code64, SEL_DATA, SEL_TSS,
		       GPA_TSS);
	sregs->gdt.base = GPA_GDT;
	sregs->gdt.limit = GDT_ENTRIES * 8 - 1;
}

void axvm_sregs_pm32(struct axvm_sregs *sregs)
{
	sregs_protected(sregs, false);
}

void axvm_sregs_long(struct axvm_sregs *sregs)
{
	sregs_protected(sregs, true);
	x86_sregs_long(sregs, GPA_PML4);
}

void axvm_vm_write_gdt(struct axvm_vm *vm)
{
	uint64_t *gdt = axvm_gpa2hva(vm, GPA_GDT, GDT_ENTRIES * 8);
	struct axvm_segment s;

	memset(gdt, 0, GDT_ENTRIES * 8);
	x86_seg_flat(&s, SEL_CODE32, X86_SEG_CODE, false);
	gdt[SEL_CODE32 / 8] = x86_seg_descriptor(&s);
	x86_seg_flat(&s, SEL_DATA, X86_SEG_DATA, false);
	gdt[SEL_DATA / 8] = x86_seg_descriptor(&s);
	x86_seg_flat(&s, SEL_CODE64, X86_SEG_CODE, true);
	gdt[SEL_CODE64 / 8] = x86_seg_descriptor(&s);
	x86_seg_tss(&s, SEL_TSS, GPA_TSS, TSS_LIMIT);
	gdt[SEL_TSS / 8] = x86_seg_descriptor(&s);
	gdt[SEL_TSS / 8 + 1] = (uint64_t)GPA_TSS >> 32;
	memset(axvm_gpa2hva(vm, GPA_TSS, TSS_LIMIT + 1), 0, TSS_LIMIT + 1);
}

void axvm_vm_write_page_tables(struct axvm_vm *vm)
{
	x86_identity_map(axvm_gpa2hva(vm, GPA_PML4, x86_identity_map_bytes(SZ_1G)), GPA_PML4,
			 SZ_1G);
}

static void setup_regs(struct axvm_vcpu *vcpu, uint64_t rip, uint64_t rsp)
{
	struct axvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rsp = rsp;
	regs.rflags = X86_RFLAGS_FIXED;
	axvm_vcpu_set_regs(vcpu, &regs);
}

void axvm_vcpu_setup_real(struct axvm_vcpu *vcpu, uint16_t cs_sel, uint16_t ip)
{
	struct axvm_sregs sregs;

	axvm_vcpu_get_sregs(vcpu, &sregs);
	axvm_sregs_real(&sregs, cs_sel);
	axvm_vcpu_set_sregs(vcpu, &sregs);
	setup_regs(vcpu, ip, GPA_STACK16_TOP);
}

void axvm_vcpu_setup_pm32(struct axvm_vcpu *vcpu, uint32_t entry)
{
	struct axvm_sregs sregs;

	axvm_vm_write_gdt(vcpu->vm);
	axvm_vcpu_get_sregs(vcpu, &sregs);
	axvm_sregs_pm32(&sregs);
	axvm_vcpu_set_sregs(vcpu, &sregs);
	setup_regs(vcpu, entry, GPA_STACK_TOP);
}

void axvm_vcpu_setup_long(struct axvm_vcpu *vcpu, uint64_t entry)
{
	struct axvm_sregs sregs;

	axvm_vm_write_gdt(vcpu->vm);
	axvm_vm_write_page_tables(vcpu->vm);
	axvm_vcpu_get_sregs(vcpu, &sregs);
	axvm_sregs_long(&sregs);
	axvm_vcpu_set_sregs(vcpu, &sregs);
	setup_regs(vcpu, entry, GPA_STACK_TOP);
}

void axvm_vcpu_set_rip(struct axvm_vcpu *vcpu, uint64_t rip)
{
	struct axvm_regs regs;

	axvm_vcpu_get_regs(vcpu, &regs);
	regs.rip = rip;
	regs.rflags = X86_RFLAGS_FIXED;
	axvm_vcpu_set_regs(vcpu, &regs);
}

/* --- running ---------------------------------------------------------- */

int __axvm_vcpu_run(struct axvm_vcpu *vcpu)
{
	vcpu->nr_runs++;
	return ioctl(vcpu->fd, AXVM_RUN, 0);
}

uint32_t axvm_vcpu_run(struct axvm_vcpu *vcpu)
{
	struct axvm_run *run = vcpu->run;
	int r;

	AXVM_CHECK(!run->immediate_exit, "run->immediate_exit is set");
	for (;;) {
		run->response = AXVM_RESP_NONE;
		r = __axvm_vcpu_run(vcpu);
		if (r < 0 && errno == EINTR) {
			vcpu->nr_eintr++;
			continue;
		}
		AXVM_CHECK(r == 0, "AXVM_RUN on vCPU %u returned %d", vcpu->id, r);
		if (run->exit.kind == AXVM_EXIT_NOTHING ||
		    run->exit.kind == AXVM_EXIT_EXTERNAL_INTERRUPT) {
			vcpu->nr_benign++;
			continue;
		}
		return run->exit.kind;
	}
}

/* --- diagnostics ------------------------------------------------------ */

#define EXIT_NAME(k, name, rec) [k] = name,
static const char *const exit_names[AXVM_EXIT_NR] = {
	AXVM_EXIT_KIND_NAMES(EXIT_NAME)
};

const char *axvm_exit_name(uint32_t kind)
{
	if (kind < AXVM_EXIT_NR && exit_names[kind])
		return exit_names[kind];
	return "(unknown kind)";
}

void axvm_dump_exit(FILE *f, const struct axvm_exit *e)
{
	unsigned int i;

	fprintf(f, "# exit: kind %u (%s) basic_reason %u qualification 0x%llx\n",
		e->kind, axvm_exit_name(e->kind), e->basic_reason,
		(unsigned long long)e->qualification);
	fprintf(f, "#   guest_rip 0x%llx guest_phys 0x%llx vcpu_id %u flags 0x%x inst_len %u",
		(unsigned long long)e->guest_rip, (unsigned long long)e->guest_phys,
		e->vcpu_id, e->flags, e->inst_len);
	if (e->inst_bytes_len) {
		fprintf(f, " inst_bytes");
		for (i = 0; i < e->inst_bytes_len && i < sizeof(e->inst_bytes); i++)
			fprintf(f, " %02x", e->inst_bytes[i]);
	}
	fprintf(f, "\n");
	switch (e->kind) {
	case AXVM_EXIT_IO_WRITE:
		fprintf(f, "#   io_write port 0x%x width %u data 0x%llx\n", e->u.io_write.port,
			e->u.io_write.width, (unsigned long long)e->u.io_write.data);
		break;
	case AXVM_EXIT_IO_READ:
		fprintf(f, "#   io_read port 0x%x width %u\n", e->u.io_read.port,
			e->u.io_read.width);
		break;
	case AXVM_EXIT_MMIO_WRITE:
		fprintf(f, "#   mmio_write addr 0x%llx width %u data 0x%llx\n",
			(unsigned long long)e->u.mmio_write.addr, e->u.mmio_write.width,
			(unsigned long long)e->u.mmio_write.data);
		break;
	case AXVM_EXIT_MMIO_READ:
		fprintf(f, "#   mmio_read addr 0x%llx width %u reg %u\n",
			(unsigned long long)e->u.mmio_read.addr, e->u.mmio_read.width,
			e->u.mmio_read.reg);
		break;
	case AXVM_EXIT_NESTED_PAGE_FAULT:
		fprintf(f, "#   nested_page_fault addr 0x%llx access 0x%llx\n",
			(unsigned long long)e->u.nested_page_fault.addr,
			(unsigned long long)e->u.nested_page_fault.access_flags);
		break;
	case AXVM_EXIT_FAIL_ENTRY:
		fprintf(f, "#   fail_entry reason %llu qualification 0x%llx\n",
			(unsigned long long)e->u.fail_entry.hardware_entry_failure_reason,
			(unsigned long long)e->u.fail_entry.qualification);
		break;
	case AXVM_EXIT_INTERNAL_ERROR:
		fprintf(f, "#   internal suberror %u data 0x%llx 0x%llx 0x%llx 0x%llx\n",
			e->u.internal.suberror,
			(unsigned long long)e->u.internal.data[0],
			(unsigned long long)e->u.internal.data[1],
			(unsigned long long)e->u.internal.data[2],
			(unsigned long long)e->u.internal.data[3]);
		break;
	default:
		fprintf(f, "#   raw");
		for (i = 0; i < 8; i++)
			fprintf(f, " 0x%llx", (unsigned long long)e->u.raw[i]);
		fprintf(f, "\n");
		break;
	}
}

void axvm_dump_regs(FILE *f, const struct axvm_regs *r)
{
	fprintf(f, "# rax 0x%llx rbx 0x%llx rcx 0x%llx rdx 0x%llx\n",
		(unsigned long long)r->rax, (unsigned long long)r->rbx,
		(unsigned long long)r->rcx, (unsigned long long)r->rdx);
	fprintf(f, "# rsi 0x%llx rdi 0x%llx rsp 0x%llx rbp 0x%llx\n",
		(unsigned long long)r->rsi, (unsigned long long)r->rdi,
		(unsigned long long)r->rsp, (unsigned long long)r->rbp);
	fprintf(f, "# r8 0x%llx r9 0x%llx r10 0x%llx r11 0x%llx\n",
		(unsigned long long)r->r8, (unsigned long long)r->r9,
		(unsigned long long)r->r10, (unsigned long long)r->r11);
	fprintf(f, "# r12 0x%llx r13 0x%llx r14 0x%llx r15 0x%llx\n",
		(unsigned long long)r->r12, (unsigned long long)r->r13,
		(unsigned long long)r->r14, (unsigned long long)r->r15);
	fprintf(f, "# rip 0x%llx rflags 0x%llx\n",
		(unsigned long long)r->rip, (unsigned long long)r->rflags);
}

void axvm_dump_segment(FILE *f, const char *name, const struct axvm_segment *s)
{
	fprintf(f, "# %-3s sel 0x%04x base 0x%llx limit 0x%x type 0x%x s %u dpl %u p %u avl %u l %u db %u g %u unusable %u pad %u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->s, s->dpl, s->present, s->avl, s->l, s->db, s->g, s->unusable, s->pad);
}

void axvm_dump_sregs(FILE *f, const struct axvm_sregs *sr)
{
	axvm_dump_segment(f, "cs", &sr->cs);
	axvm_dump_segment(f, "ds", &sr->ds);
	axvm_dump_segment(f, "es", &sr->es);
	axvm_dump_segment(f, "fs", &sr->fs);
	axvm_dump_segment(f, "gs", &sr->gs);
	axvm_dump_segment(f, "ss", &sr->ss);
	axvm_dump_segment(f, "tr", &sr->tr);
	axvm_dump_segment(f, "ldt", &sr->ldt);
	fprintf(f, "# gdt 0x%llx/0x%x idt 0x%llx/0x%x\n",
		(unsigned long long)sr->gdt.base, sr->gdt.limit,
		(unsigned long long)sr->idt.base, sr->idt.limit);
	fprintf(f, "# cr0 0x%llx cr2 0x%llx cr3 0x%llx cr4 0x%llx cr8 0x%llx efer 0x%llx apic_base 0x%llx\n",
		(unsigned long long)sr->cr0, (unsigned long long)sr->cr2,
		(unsigned long long)sr->cr3, (unsigned long long)sr->cr4,
		(unsigned long long)sr->cr8, (unsigned long long)sr->efer,
		(unsigned long long)sr->apic_base);
}
