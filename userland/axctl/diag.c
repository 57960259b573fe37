// SPDX-License-Identifier: GPL-2.0
/*
 * axctl start: diagnostics. Messages that keep to their own line after
 * guest output, register dumps (-v), internal errors and the counts of
 * what nobody handled (-v, at exit).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "axctl.h"
#include "vmm.h"

/* --- messages -------------------------------------------------------------- */

/* Under dev_lock: keep a message on a line of its own after guest output. */
static void newline_after_guest(struct vmm *v)
{
	if (v->io.com1.tx_bytes && v->io.com1.last_tx != '\n') {
		fputc('\n', stderr);
		v->io.com1.last_tx = '\n';
	}
}

/* "axctl: message": dev_lock orders it after the guest's COM1 output. */
void vmm_vnote(struct vmm *v, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&v->dev_lock);
	newline_after_guest(v);
	fprintf(stderr, "%s: ", axctl_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&v->dev_lock);
}

/* A message at verbosity >= level; not under dev_lock. */
void vmm_note(struct vmm *v, int level, const char *fmt, ...)
{
	va_list ap;

	if (axctl_verbose < level)
		return;
	va_start(ap, fmt);
	vmm_vnote(v, fmt, ap);
	va_end(ap);
}

/* --- registers and internal errors ----------------------------------------- */

static void dump_segment(const char *name, const struct axvm_segment *s)
{
	fprintf(stderr, "  %-3s %04x base %016llx limit %08x type %x s %u dpl %u p %u l %u db %u g %u%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->s, s->dpl, s->present, s->l, s->db, s->g,
		s->unusable ? " unusable" : "");
}

/* With -v: the vCPU's registers, for the failures worth a look. */
void dump_vcpu(struct vcpu *c)
{
	struct axvm_sregs sr;
	struct axvm_regs r;

	if (axctl_verbose < 1)
		return;
	if (ioctl(c->fd, AXVM_GET_REGS, &r) == 0) {
		fprintf(stderr, "  rip %016llx rflags %08llx rsp %016llx rbp %016llx\n",
			(unsigned long long)r.rip, (unsigned long long)r.rflags,
			(unsigned long long)r.rsp, (unsigned long long)r.rbp);
		fprintf(stderr, "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n",
			(unsigned long long)r.rax, (unsigned long long)r.rbx,
			(unsigned long long)r.rcx, (unsigned long long)r.rdx);
		fprintf(stderr, "  rsi %016llx rdi %016llx r8  %016llx r9  %016llx\n",
			(unsigned long long)r.rsi, (unsigned long long)r.rdi,
			(unsigned long long)r.r8, (unsigned long long)r.r9);
	}
	if (ioctl(c->fd, AXVM_GET_SREGS, &sr) == 0) {
		dump_segment("cs", &sr.cs);
		dump_segment("ss", &sr.ss);
		dump_segment("ds", &sr.ds);
		dump_segment("tr", &sr.tr);
		fprintf(stderr, "  gdt %llx/%x idt %llx/%x cr0 %llx cr3 %llx cr4 %llx efer %llx\n",
			(unsigned long long)sr.gdt.base, sr.gdt.limit,
			(unsigned long long)sr.idt.base, sr.idt.limit,
			(unsigned long long)sr.cr0, (unsigned long long)sr.cr3,
			(unsigned long long)sr.cr4, (unsigned long long)sr.efer);
	}
}

const char *entry_failure_name(uint64_t reason)
{
	switch (reason) {
	case 33:
		return "invalid guest state";
	case 34:
		return "MSR loading";
	case 41:
		return "machine-check event";
	}
	return "unknown";
}

static void inst_bytes(const struct axvm_exit *e, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < e->inst_bytes_len && i < sizeof(e->inst_bytes); i++)
		off += snprintf(buf + off, len - off, "%s%02x", i ? " " : ", bytes ",
				e->inst_bytes[i]);
}

void report_internal_error(struct vcpu *c, const struct axvm_exit *e)
{
	const __u64 *d = e->u.internal.data;
	char bytes[80];

	inst_bytes(e, bytes, sizeof(bytes));
	switch (e->u.internal.suberror) {
	case AXVM_INTERNAL_UNKNOWN_EXIT: {
		const char *n = vmx_reason_name(d[0]);

		vmm_finish(c->vmm, AXCTL_EINTERNAL,
			   "internal error: vCPU %u: exit axvm does not handle: reason %llu (%s) at RIP 0x%llx, qualification 0x%llx",
			   c->id, (unsigned long long)d[0], n ? n : "?",
			   (unsigned long long)e->guest_rip, (unsigned long long)e->qualification);
		break;
	}
	case AXVM_INTERNAL_VMX_INSN:
		vmm_finish(c->vmm, AXCTL_EINTERNAL,
			   "internal error: vCPU %u: a VMX instruction failed (VM-instruction error %llu)",
			   c->id, (unsigned long long)d[0]);
		break;
	case AXVM_INTERNAL_EMULATION:
		vmm_finish(c->vmm, AXCTL_EINTERNAL,
			   "internal error: vCPU %u: cannot emulate the instruction at RIP 0x%llx (qualification 0x%llx%s)",
			   c->id, (unsigned long long)e->guest_rip, (unsigned long long)d[0], bytes);
		break;
	default:
		vmm_finish(c->vmm, AXCTL_EINTERNAL,
			   "internal error: vCPU %u: suberror %u, data 0x%llx 0x%llx 0x%llx 0x%llx",
			   c->id, e->u.internal.suberror, (unsigned long long)d[0],
			   (unsigned long long)d[1], (unsigned long long)d[2],
			   (unsigned long long)d[3]);
		break;
	}
	dump_vcpu(c);
}

/* --- counts at exit (-v) --------------------------------------------------- */

static void print_counts(struct vmm *v)
{
	uint64_t mr = v->io.mmio.unhandled_reads, mw = v->io.mmio.unhandled_writes;
	uint64_t msr = atomic_load(&v->msr_faults), hc = atomic_load(&v->hypercalls);

	if (mr || mw || msr || hc)
		fprintf(stderr, "%s: %llu MMIO reads, %llu MMIO writes, %llu MSR #GPs, %llu hypercalls\n",
			axctl_prog, (unsigned long long)mr, (unsigned long long)mw,
			(unsigned long long)msr, (unsigned long long)hc);
}

/* After the threads ended: what nobody handled, and per-vCPU exit counts. */
void print_unhandled(struct vmm *v)
{
	unsigned int i;

	if (axctl_verbose < 1)
		return;
	newline_after_guest(v);
	fprintf(stderr, "%s: %llu unhandled port write%s, %llu unhandled port read%s",
		axctl_prog, (unsigned long long)v->io.pio.unhandled_writes,
		v->io.pio.unhandled_writes == 1 ? "" : "s",
		(unsigned long long)v->io.pio.unhandled_reads,
		v->io.pio.unhandled_reads == 1 ? "" : "s");
	for (i = 0; i < v->io.pio.nr_addrs; i++)
		fprintf(stderr, "%s port 0x%x: %llu out, %llu in", i ? "," : ":",
			(unsigned int)v->io.pio.addrs[i].addr,
			(unsigned long long)v->io.pio.addrs[i].writes,
			(unsigned long long)v->io.pio.addrs[i].reads);
	fputc('\n', stderr);
	print_counts(v);
	if (v->pc.pit_irqs || v->pc.pic.delivered[0])
		fprintf(stderr, "%s: PIT: %llu IRQ0 edges; PIC: %llu IRQ0 interrupts delivered\n",
			axctl_prog, (unsigned long long)v->pc.pit_irqs,
			(unsigned long long)v->pc.pic.delivered[0]);
	for (i = 0; i < v->nr_vcpus; i++) {
		if (v->states[i] == VCPU_IDLE)
			continue;
		if (i == 0)
			fprintf(stderr, "%s: vCPU 0: %llu exits served by axctl, %llu bytes on COM1\n",
				axctl_prog, (unsigned long long)v->vcpus[0].exits,
				(unsigned long long)v->io.com1.tx_bytes);
		else
			fprintf(stderr, "%s: vCPU %u: %llu exits served by axctl, %s\n", axctl_prog,
				i, (unsigned long long)v->vcpus[i].exits,
				vcpu_state_name(v->states[i]));
	}
}
