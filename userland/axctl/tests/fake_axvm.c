// SPDX-License-Identifier: GPL-2.0
/*
 * A fake axvm kernel side for axctl's host tests, loaded with LD_PRELOAD:
 * no module, no VT-x. It stands in for
 *  - the generic netlink family "axvm", at the libnl API (nl_send_auto()
 *    queues a request, nl_recvmsgs() answers it through the callbacks
 *    axctl installed, including NLMSG_ERROR with an extended ACK);
 *  - /dev/axvm and its VM and vCPU fds (open, ioctl, mmap of the run
 *    page), with AXVM_RUN playing a script of exits.
 *
 * It checks axctl's side of the protocol, not the module's: the module's
 * replies are what uapi/linux/axvm_genl.h and axvm.h describe.
 *
 * Environment:
 *   FAKE_AXVM_STATE   file holding the VMs across axctl runs (required)
 *   FAKE_AXVM_LOG     what axctl did: regions, vCPUs, registers, answers
 *   FAKE_AXVM_SCRIPT  exits of vCPU 0, comma-separated:
 *                       oPORT=VAL[/W]  IO_WRITE (hex port and value, width W=1)
 *                       iPORT[/W]      IO_READ (the answer goes to the log)
 *                       hlt triple failentry internal npf msr hypercall
 *                       mmior mmiow nothing
 *                       mwADDR=VAL     MMIO_WRITE of 4 bytes (hex)
 *                       mrADDR         MMIO_READ of 4 bytes (the answer goes
 *                                      to the log)
 *                       pokeGPA=HEX    write bytes into guest RAM; a NOTHING
 *                       peekGPA/N      log N bytes of guest RAM; a NOTHING
 *                       sleepMS        wait MS ms (device threads run); a
 *                                      NOTHING exit
 *                       hltif          HALT with RFLAGS.IF set
 *                       cpuup ipi cpudown   CPU_UP, SEND_IPI, CPU_DOWN records
 *                       shutdown       AXVM_RUN fails with ESHUTDOWN
 *                       block          stay "in the guest" until kicked
 *                       int3[=ADDR]    a DEBUG record for an INT3 at RIP
 *                                      (first moved to hex ADDR)
 *                     with AXVM_GUESTDBG_SINGLESTEP set, AXVM_RUN returns a
 *                     DEBUG step record (RIP + 1) without playing the script
 *                       sipiN          (LAPIC) start vCPU N; a NOTHING exit
 *                       asleepN        wait until vCPU N sleeps in AXVM_RUN
 *                                      waiting for SIPI; a NOTHING exit
 *                       waitN          wait until vCPU N played its script:
 *                                      got its final HALT or a cpudown (or
 *                                      a kick); a NOTHING exit
 *                                      (asleepN, waitN: after 10 s an
 *                                      unknown exit kind 99 instead)
 *                     when the script ends: HALT (IF as the registers say)
 *   FAKE_AXVM_SCRIPTn the same for vCPU n >= 1 (LAPIC: after its SIPI)
 *   FAKE_AXVM_LAPIC=1       AXVM_CAP_LAPIC: AXVM_CREATE_LAPIC works (before
 *                           the first vCPU), every vCPU but 0 sleeps in
 *                           AXVM_RUN until a sipiN, or a kick (EINTR)
 *   FAKE_AXVM_LAPIC_ERR=E   AXVM_CREATE_LAPIC fails with EEXIST, EBUSY or
 *                           EINVAL
 *   FAKE_AXVM_IOAPIC=1      AXVM_CAP_IOAPIC: AXVM_CREATE_IOAPIC works,
 *                           AXVM_IRQ_LINE calls go to the log
 *   FAKE_AXVM_MAX_VCPUS=N   AXVM_GET_CAPS reports max_vcpus N
 *   FAKE_AXVM_NO_MODULE=1   no netlink family, no /dev/axvm
 *   FAKE_AXVM_DEV_EACCES=1  open(/dev/axvm) fails with EACCES
 *   FAKE_AXVM_EPERM=1       mutating netlink commands fail with EPERM
 *   FAKE_AXVM_BUSY=1        VM_NEW fails with EBUSY
 *   FAKE_AXVM_UNCAPPED=1    error ACKs carry the request (no NLM_F_CAPPED)
 *   FAKE_AXVM_EVENTS=1      `monitor` gets five events, then nothing
 *   FAKE_AXVM_DUMP_INTR=1   the first dump ends with -NLE_DUMP_INTR
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include <linux/axvm.h>
#include <linux/axvm_genl.h>

#define FAMILY_ID	0x30
#define EVENTS_GRP	7
#define MAX_VMS		32
#define MAX_FDS		256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logf_(const char *fmt, ...)
{
	const char *path = getenv("FAKE_AXVM_LOG");
	va_list ap;
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static bool env(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

/* --- the VMs, in FAKE_AXVM_STATE ------------------------------------------ */

struct fvm {
	char name[AXVM_NAME_MAX];
	unsigned int id, vcpus, state, owner;
	unsigned long long mem;
};

static int load_vms(struct fvm *v)
{
	const char *path = getenv("FAKE_AXVM_STATE");
	FILE *f = path ? fopen(path, "r") : NULL;
	int n = 0;

	if (!f)
		return 0;
	while (n < MAX_VMS && fscanf(f, "%31s %u %llu %u %u %u", v[n].name, &v[n].id,
				     &v[n].mem, &v[n].vcpus, &v[n].state, &v[n].owner) == 6)
		n++;
	fclose(f);
	return n;
}

static void save_vms(const struct fvm *v, int n)
{
	const char *path = getenv("FAKE_AXVM_STATE");
	FILE *f = path ? fopen(path, "w") : NULL;
	int i;

	if (!f)
		return;
	for (i = 0; i < n; i++)
		fprintf(f, "%s %u %llu %u %u %u\n", v[i].name, v[i].id, v[i].mem, v[i].vcpus,
			v[i].state, v[i].owner);
	fclose(f);
}

static int find_vm(struct fvm *v, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return i;
	return -1;
}

/* --- netlink at the libnl API ---------------------------------------------- */

struct cb_slot {
	struct nl_cb *cb;
	nl_recvmsg_msg_cb_t fn[NL_CB_TYPE_MAX + 1];
	void *arg[NL_CB_TYPE_MAX + 1];
	nl_recvmsg_err_cb_t err;
	void *err_arg;
};

static struct cb_slot cbs[16];

static struct cb_slot *slot_for(struct nl_cb *cb)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		if (cbs[i].cb == cb)
			return &cbs[i];
	for (i = 0; i < 16; i++)
		if (!cbs[i].cb) {
			memset(&cbs[i], 0, sizeof(cbs[i]));
			cbs[i].cb = cb;
			return &cbs[i];
		}
	abort();
}

int nl_cb_set(struct nl_cb *cb, enum nl_cb_type type, enum nl_cb_kind kind,
	      nl_recvmsg_msg_cb_t fn, void *arg)
{
	int (*real)(struct nl_cb *, enum nl_cb_type, enum nl_cb_kind,
		    nl_recvmsg_msg_cb_t, void *) = dlsym(RTLD_NEXT, "nl_cb_set");
	struct cb_slot *s = slot_for(cb);

	s->fn[type] = fn;
	s->arg[type] = arg;
	return real(cb, type, kind, fn, arg);
}

int nl_cb_err(struct nl_cb *cb, enum nl_cb_kind kind, nl_recvmsg_err_cb_t fn, void *arg)
{
	int (*real)(struct nl_cb *, enum nl_cb_kind, nl_recvmsg_err_cb_t, void *) =
		dlsym(RTLD_NEXT, "nl_cb_err");
	struct cb_slot *s = slot_for(cb);

	s->err = fn;
	s->err_arg = arg;
	return real(cb, kind, fn, arg);
}

int genl_ctrl_resolve(struct nl_sock *sk, const char *name)
{
	(void)sk;
	if (env("FAKE_AXVM_NO_MODULE") || strcmp(name, AXVM_GENL_NAME))
		return -NLE_OBJ_NOTFOUND;
	return FAMILY_ID;
}

int genl_ctrl_resolve_grp(struct nl_sock *sk, const char *family, const char *grp)
{
	(void)sk;
	if (strcmp(family, AXVM_GENL_NAME) || strcmp(grp, AXVM_GENL_MCGRP_EVENTS))
		return -NLE_OBJ_NOTFOUND;
	return EVENTS_GRP;
}

static int monitor_fd = -1;
static int events_left;

int nl_socket_add_membership(struct nl_sock *sk, int group)
{
	if (group != EVENTS_GRP)
		return -NLE_INVAL;
	monitor_fd = nl_socket_get_fd(sk);
	events_left = env("FAKE_AXVM_EVENTS") ? 5 : 0;
	return 0;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	int (*real)(struct pollfd *, nfds_t, int) = dlsym(RTLD_NEXT, "poll");

	if (n == 1 && fds[0].fd == monitor_fd && monitor_fd >= 0 && events_left > 0) {
		fds[0].revents = POLLIN;
		return 1;
	}
	return real(fds, n, timeout);
}

/* The pending answer to the last request. */
static struct {
	bool valid, dump;
	int error;			/* -errno */
	char ext[128];
	struct nlmsghdr req;		/* for the uncapped error ACK */
	struct nl_msg *replies[MAX_VMS + 1];
	int nr;
} pend;

static struct nl_msg *reply_msg(uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY_ID, 0, flags, cmd, AXVM_GENL_VERSION);
	return m;
}

static void put_vm(struct nl_msg *m, const struct fvm *v)
{
	nla_put_u32(m, AXVM_A_VM_ID, v->id);
	nla_put_string(m, AXVM_A_VM_NAME, v->name);
	nla_put_u64(m, AXVM_A_VM_MEM_BYTES, v->mem);
	nla_put_u32(m, AXVM_A_VM_VCPUS, v->vcpus);
	nla_put_u32(m, AXVM_A_VM_STATE, v->state);
	nla_put_u32(m, AXVM_A_VM_OWNER_PID, v->owner);
}

static void put_stats(struct nl_msg *m, const struct fvm *v)
{
	static const struct { uint32_t id; uint64_t n; } reasons[] = {
		{ 30, 1200 }, { 10, 12 }, { 12, 1 }, { 48, 40 }, { 52, 7 }, { 71, 2 },
	};
	unsigned int c, i;

	put_vm(m, v);
	for (c = 0; c < v->vcpus; c++) {
		struct nlattr *vc = nla_nest_start(m, AXVM_A_VM_VCPU);

		nla_put_u32(m, AXVM_A_VCPU_ID, c);
		nla_put_u64(m, AXVM_A_VCPU_EXITS_KERNEL, c ? 0 : 59);
		nla_put_u64(m, AXVM_A_VCPU_EXITS_USER, c ? 0 : 1203);
		for (i = 0; !c && i < sizeof(reasons) / sizeof(reasons[0]); i++) {
			struct nlattr *r = nla_nest_start(m, AXVM_A_VCPU_REASON);

			nla_put_u32(m, AXVM_A_REASON_ID, reasons[i].id);
			nla_put_u64(m, AXVM_A_REASON_COUNT, reasons[i].n);
			nla_nest_end(m, r);
		}
		nla_nest_end(m, vc);
	}
}

static void fail_req(int err, const char *ext)
{
	pend.error = -err;
	snprintf(pend.ext, sizeof(pend.ext), "%s", ext ? ext : "");
}

int nl_send_auto(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(h);
	struct nlattr *tb[AXVM_A_MAX + 1];
	struct fvm vms[MAX_VMS];
	const char *name = NULL;
	int n, i, idx;

	(void)sk;
	pthread_mutex_lock(&lock);
	memset(&pend, 0, sizeof(pend));
	pend.valid = true;
	pend.req = *h;
	pend.dump = h->nlmsg_flags & NLM_F_DUMP;
	if (genlmsg_parse(h, 0, tb, AXVM_A_MAX, NULL) < 0) {
		fail_req(EINVAL, "bad attributes");
		goto out;
	}
	if (tb[AXVM_A_VM_NAME])
		name = nla_get_string(tb[AXVM_A_VM_NAME]);
	n = load_vms(vms);
	logf_("genl cmd %u%s name %s", g->cmd, pend.dump ? " dump" : "", name ? name : "-");
	if (env("FAKE_AXVM_EPERM") && g->cmd != AXVM_CMD_VM_GET && g->cmd != AXVM_CMD_VM_STATS) {
		fail_req(EPERM, NULL);
		goto out;
	}
	switch (g->cmd) {
	case AXVM_CMD_VM_NEW: {
		struct fvm v = { .vcpus = 1, .mem = 64ULL << 20, .owner = getpid() };

		if (!name) {
			fail_req(EINVAL, "missing name");
			break;
		}
		if (env("FAKE_AXVM_BUSY")) {
			fail_req(EBUSY, "VMX is in use by another hypervisor");
			break;
		}
		if (find_vm(vms, n, name) >= 0) {
			fail_req(EEXIST, "VM name in use");
			break;
		}
		if (tb[AXVM_A_VM_MEM_BYTES])
			v.mem = nla_get_u64(tb[AXVM_A_VM_MEM_BYTES]);
		if (tb[AXVM_A_VM_VCPUS])
			v.vcpus = nla_get_u32(tb[AXVM_A_VM_VCPUS]);
		if (v.mem > (1ULL << 30)) {
			fail_req(EINVAL, "memory size above max_vm_mem");
			break;
		}
		snprintf(v.name, sizeof(v.name), "%s", name);
		v.id = 1;
		for (i = 0; i < n; i++)
			if (vms[i].id >= v.id)
				v.id = vms[i].id + 1;
		vms[n++] = v;
		save_vms(vms, n);
		pend.replies[pend.nr] = reply_msg(AXVM_CMD_VM_NEW, 0);
		put_vm(pend.replies[pend.nr++], &v);
		break;
	}
	case AXVM_CMD_VM_DEL:
	case AXVM_CMD_VM_STOP:
	case AXVM_CMD_VM_PAUSE:
	case AXVM_CMD_VM_RESUME:
	case AXVM_CMD_VM_STATS:
	case AXVM_CMD_VM_GET:
		if (g->cmd == AXVM_CMD_VM_GET && pend.dump) {
			for (i = n - 1; i >= 0; i--) {	/* backwards: axctl sorts */
				pend.replies[pend.nr] = reply_msg(AXVM_CMD_VM_GET, NLM_F_MULTI);
				put_vm(pend.replies[pend.nr++], &vms[i]);
			}
			break;
		}
		idx = name ? find_vm(vms, n, name) : -1;
		if (idx < 0) {
			fail_req(ENOENT, "no such VM");
			break;
		}
		if (g->cmd == AXVM_CMD_VM_DEL) {
			vms[idx] = vms[--n];
			save_vms(vms, n);
		} else if (g->cmd == AXVM_CMD_VM_STOP) {
			vms[idx].state = AXVM_VM_STOPPED;
			save_vms(vms, n);
		} else if (g->cmd == AXVM_CMD_VM_PAUSE) {
			if (vms[idx].state == AXVM_VM_PAUSED) {
				fail_req(EALREADY, "VM is paused already");
				break;
			}
			if (vms[idx].state == AXVM_VM_CREATED) {
				fail_req(EINVAL, "VM has not run yet or was deleted");
				break;
			}
			vms[idx].state = AXVM_VM_PAUSED;
			save_vms(vms, n);
		} else if (g->cmd == AXVM_CMD_VM_RESUME) {
			if (vms[idx].state != AXVM_VM_PAUSED) {
				fail_req(EALREADY, "VM is not paused");
				break;
			}
			vms[idx].state = AXVM_VM_STOPPED;	/* no thread runs it */
			save_vms(vms, n);
		} else {
			pend.replies[pend.nr] = reply_msg(g->cmd, 0);
			if (g->cmd == AXVM_CMD_VM_GET)
				put_vm(pend.replies[pend.nr++], &vms[idx]);
			else
				put_stats(pend.replies[pend.nr++], &vms[idx]);
		}
		break;
	default:
		fail_req(EOPNOTSUPP, "unknown command");
	}
out:
	pthread_mutex_unlock(&lock);
	return (int)h->nlmsg_len;
}

static void call_err(struct cb_slot *s)
{
	unsigned char buf[1024] __attribute__((aligned(8)));
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = (struct nlmsgerr *)(buf + NLMSG_HDRLEN);
	struct sockaddr_nl nla = { .nl_family = AF_NETLINK };
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	bool capped = !env("FAKE_AXVM_UNCAPPED");
	struct nlattr *a;

	memset(buf, 0, sizeof(buf));
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	e->error = pend.error;
	e->msg = pend.req;
	if (!capped) {
		/* The request's payload follows; junk of its length will do. */
		e->msg.nlmsg_len = NLMSG_HDRLEN + 20;
		memset(buf + off, 0xee, 20);
		off += NLMSG_ALIGN(20);
	}
	if (pend.ext[0]) {
		h->nlmsg_flags |= NLM_F_ACK_TLVS;
		a = (struct nlattr *)(buf + off);
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = NLA_HDRLEN + strlen(pend.ext) + 1;
		memcpy(buf + off + NLA_HDRLEN, pend.ext, strlen(pend.ext) + 1);
		off += NLA_ALIGN(a->nla_len);
	}
	h->nlmsg_len = off;
	if (s && s->err)
		s->err(&nla, e, s->err_arg);
}

static int deliver_event(struct cb_slot *s)
{
	static const struct { uint32_t ev, kind; } evs[] = {
		{ AXVM_EV_CREATED, 0 }, { AXVM_EV_STARTED, 0 },
		{ AXVM_EV_VCPU_EXIT, AXVM_EXIT_SYSTEM_DOWN }, { AXVM_EV_STOPPED, 0 },
		{ AXVM_EV_DESTROYED, 0 },
	};
	struct fvm v = { .name = "demo", .id = 3, .mem = 64ULL << 20, .vcpus = 1, .owner = 42 };
	int k = 5 - events_left--;
	struct nl_msg *m = reply_msg(AXVM_CMD_EVENT, 0);

	nla_put_u32(m, AXVM_A_EVENT, evs[k].ev);
	put_vm(m, &v);
	if (evs[k].ev == AXVM_EV_VCPU_EXIT) {
		nla_put_u32(m, AXVM_A_VCPU_ID, 0);
		nla_put_u32(m, AXVM_A_EXIT_KIND, evs[k].kind);
	}
	if (s && s->fn[NL_CB_VALID])
		s->fn[NL_CB_VALID](m, s->arg[NL_CB_VALID]);
	nlmsg_free(m);
	return 1;
}

static bool dump_intr_done;

int nl_recvmsgs(struct nl_sock *sk, struct nl_cb *cb)
{
	struct cb_slot *s = slot_for(cb);
	int i, r = 0;

	if (nl_socket_get_fd(sk) == monitor_fd)
		return events_left > 0 ? deliver_event(s) : -NLE_AGAIN;
	pthread_mutex_lock(&lock);
	if (!pend.valid) {
		pthread_mutex_unlock(&lock);
		return -NLE_AGAIN;
	}
	pend.valid = false;
	if (pend.error) {
		call_err(s);
		r = -NLE_FAILURE;
		goto out;
	}
	for (i = 0; i < pend.nr; i++) {
		if (s->fn[NL_CB_VALID])
			s->fn[NL_CB_VALID](pend.replies[i], s->arg[NL_CB_VALID]);
		nlmsg_free(pend.replies[i]);
	}
	if (pend.dump) {
		struct nl_msg *done = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
		int zero = 0;

		nlmsg_append(done, &zero, sizeof(zero), NLMSG_ALIGNTO);
		if (s->fn[NL_CB_FINISH])
			s->fn[NL_CB_FINISH](done, s->arg[NL_CB_FINISH]);
		nlmsg_free(done);
	} else {
		struct nl_msg *ack = nlmsg_alloc_simple(NLMSG_ERROR, 0);
		struct nlmsgerr e = { .error = 0, .msg = pend.req };

		nlmsg_append(ack, &e, sizeof(e), NLMSG_ALIGNTO);
		if (s->fn[NL_CB_ACK])
			s->fn[NL_CB_ACK](ack, s->arg[NL_CB_ACK]);
		nlmsg_free(ack);
	}
	r = pend.nr + 1;
	/* The first dump "changed while it ran", as NLM_F_DUMP_INTR reports. */
	if (pend.dump && env("FAKE_AXVM_DUMP_INTR") && !dump_intr_done) {
		dump_intr_done = true;
		logf_("genl dump interrupted");
		r = -NLE_DUMP_INTR;
	}
out:
	pthread_mutex_unlock(&lock);
	return r;
}

/* --- /dev/axvm ---------------------------------------------------------------- */

enum fkind { F_NONE, F_DEV, F_VM, F_VCPU };

static struct {
	enum fkind kind;
	unsigned int vcpu;
} fds[MAX_FDS];

static struct {
	char name[AXVM_NAME_MAX];
	void *hva;
	unsigned long long size;
	struct axvm_run *run[AXVM_MAX_VCPUS];
	struct axvm_regs regs[AXVM_MAX_VCPUS];
	struct axvm_sregs sregs[AXVM_MAX_VCPUS];
	bool lapic;
	unsigned int nr_vcpus;
	struct {
		char *script;
		char *next;
		uint32_t last_kind;
		uint16_t last_port;
		uint64_t last_addr;	/* of an mrADDR */
		unsigned int last_width;
		bool if_once;	/* hltif: IF set for that one record */
		int sipi;	/* atomic: started by a sipiN */
		int asleep;	/* atomic: has slept waiting for SIPI */
		bool started;
		int played;	/* atomic: returned the HALT at its end */
		uint32_t dbg;	/* AXVM_SET_GUEST_DEBUG control */
	} c[AXVM_MAX_VCPUS];
} vm;

static int new_fd(enum fkind kind, unsigned int vcpu)
{
	int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	int fd = real_open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0 && fd < MAX_FDS) {
		fds[fd].kind = kind;
		fds[fd].vcpu = vcpu;
	}
	return fd;
}

static int open_common(const char *path, int flags, mode_t mode)
{
	int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");

	if (strcmp(path, "/dev/axvm"))
		return real_open(path, flags, mode);
	if (env("FAKE_AXVM_NO_MODULE")) {
		errno = ENOENT;
		return -1;
	}
	if (env("FAKE_AXVM_DEV_EACCES")) {
		errno = EACCES;
		return -1;
	}
	return new_fd(F_DEV, 0);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return open_common(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return open_common(path, flags, mode);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *(*real)(void *, size_t, int, int, int, off_t) = dlsym(RTLD_NEXT, "mmap");

	if (fd >= 0 && fd < MAX_FDS && fds[fd].kind == F_VCPU)
		return vm.run[fds[fd].vcpu];
	return real(addr, len, prot, flags, fd, off);
}

static void log_answer(unsigned int id, struct axvm_run *run)
{
	if (vm.c[id].last_kind == AXVM_EXIT_IO_READ)
		logf_("answer in port 0x%x width %u: data 0x%llx response %u", vm.c[id].last_port,
		      vm.c[id].last_width, (unsigned long long)run->exit.u.io_read.data,
		      run->response);
	else if (vm.c[id].last_kind == AXVM_EXIT_MMIO_READ && vm.c[id].last_addr)
		logf_("answer mmio 0x%llx: data 0x%llx", (unsigned long long)vm.c[id].last_addr,
		      (unsigned long long)run->exit.u.mmio_read.data);
	else if (vm.c[id].last_kind)
		logf_("answer %u: response %u", vm.c[id].last_kind, run->response);
	vm.c[id].last_kind = 0;
	vm.c[id].last_addr = 0;
}

/* Guest RAM at gpa for len bytes (the last region), or NULL. */
static uint8_t *guest_ram(uint64_t gpa, size_t len)
{
	if (!vm.hva || gpa > vm.size || len > vm.size - gpa)
		return NULL;
	return (uint8_t *)vm.hva + gpa;
}

/* pokeGPA=HEX, peekGPA/N: false when tok is neither. */
static bool poke_peek(unsigned int id, const char *tok, struct axvm_exit *e)
{
	unsigned long long gpa;
	unsigned int n = 0, i, b;
	char line[160];
	uint8_t *p;

	if (sscanf(tok, "poke%llx=%n", &gpa, &n) == 1 && n) {
		const char *hex = tok + n;

		p = guest_ram(gpa, strlen(hex) / 2);
		for (i = 0; p && hex[2 * i] && sscanf(hex + 2 * i, "%2x", &b) == 1; i++)
			p[i] = b;
		logf_("run: vcpu %u poke 0x%llx: %u bytes%s", id, gpa, i, p ? "" : " (outside RAM)");
	} else if (sscanf(tok, "peek%llx/%u", &gpa, &n) == 2 && n <= 64) {
		p = guest_ram(gpa, n);
		line[0] = 0;
		for (i = 0; p && i < n; i++)
			snprintf(line + 2 * i, sizeof(line) - 2 * i, "%02x", p[i]);
		logf_("peek 0x%llx: %s", gpa, p ? line : "outside RAM");
	} else {
		return false;
	}
	e->kind = AXVM_EXIT_NOTHING;
	return true;
}

/*
 * Sleep until kicked (immediate_exit or a signal: nanosleep's EINTR), or
 * until *until becomes nonzero (0 returned then).
 */
static int block_until_kicked_or(struct axvm_run *run, const int *until, const char *what,
				 unsigned int timeout_ms)
{
	unsigned int waited = 0;

	for (;;) {
		struct timespec ts = { 0, 5 * 1000 * 1000 };

		if (until && __atomic_load_n(until, __ATOMIC_SEQ_CST))
			return 0;
		waited += 5;
		if (timeout_ms && waited > timeout_ms)
			return 1;
		if (__atomic_load_n(&run->immediate_exit, __ATOMIC_SEQ_CST) ||
		    nanosleep(&ts, NULL) < 0) {
			logf_("run: kicked%s", what);
			errno = EINTR;
			return -1;
		}
	}
}

static int block_until_kicked(struct axvm_run *run)
{
	return block_until_kicked_or(run, NULL, "", 0);
}

static int fake_run_script(unsigned int id)
{
	struct axvm_run *run = vm.run[id];
	struct axvm_exit *e = &run->exit;
	char tok[128], what[48];
	unsigned int n;
	size_t len;

	if (id != 0 && !vm.lapic) {
		logf_("run: vcpu %u ran, but only vCPU 0 should", id);
		return block_until_kicked(run);
	}
	log_answer(id, run);
	if (vm.c[id].if_once) {
		vm.regs[id].rflags &= ~(1ULL << 9);
		vm.c[id].if_once = false;
	}
	if (__atomic_load_n(&run->immediate_exit, __ATOMIC_SEQ_CST)) {
		errno = EINTR;
		return -1;
	}
	if (id != 0 && !vm.c[id].started) {
		/* Wait-for-SIPI: asleep in the kernel. */
		if (!__atomic_load_n(&vm.c[id].sipi, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&vm.c[id].asleep, 1, __ATOMIC_SEQ_CST);
			snprintf(what, sizeof(what), ": vcpu %u waiting for SIPI", id);
			if (block_until_kicked_or(run, &vm.c[id].sipi, what, 0))
				return -1;
		}
		vm.c[id].started = true;
		logf_("run: vcpu %u started by SIPI", id);
	}
	if (!vm.c[id].script) {
		char name[32];
		const char *s;

		snprintf(name, sizeof(name), id ? "FAKE_AXVM_SCRIPT%u" : "FAKE_AXVM_SCRIPT", id);
		s = getenv(name);
		vm.c[id].script = strdup(s ? s : "");
		vm.c[id].next = vm.c[id].script;
	}
	memset(e, 0, sizeof(*e));
	e->vcpu_id = id;
	e->guest_rip = vm.regs[id].rip;
	if (vm.c[id].dbg & AXVM_GUESTDBG_SINGLESTEP) {
		/* One instruction of one byte: a step record at the next. */
		e->kind = AXVM_EXIT_DEBUG;
		e->basic_reason = 37;
		e->u.debug.exception = 1;
		e->u.debug.pc = ++vm.regs[id].rip;
		e->u.debug.dr6 = 0xffff4ff0;
		logf_("run: vcpu %u stepped to 0x%llx", id, (unsigned long long)vm.regs[id].rip);
		return 0;
	}
	if (!*vm.c[id].next) {
		e->kind = AXVM_EXIT_HALT;
		e->basic_reason = 12;
		__atomic_store_n(&vm.c[id].played, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	len = strcspn(vm.c[id].next, ",");
	snprintf(tok, sizeof(tok), "%.*s", (int)len, vm.c[id].next);
	vm.c[id].next += len + (vm.c[id].next[len] == ',');
	if ((tok[0] == 'o' || tok[0] == 'i') && isxdigit((unsigned char)tok[1])) {
		unsigned int port, w = 1;
		unsigned long long val = 0;

		if (tok[0] == 'o')
			sscanf(tok + 1, "%x=%llx/%u", &port, &val, &w);
		else
			sscanf(tok + 1, "%x/%u", &port, &w);
		e->basic_reason = 30;
		e->kind = tok[0] == 'o' ? AXVM_EXIT_IO_WRITE : AXVM_EXIT_IO_READ;
		e->u.io_write.port = port;
		e->u.io_write.width = w;
		e->u.io_write.data = val;
		vm.c[id].last_kind = e->kind;
		vm.c[id].last_port = port;
		vm.c[id].last_width = w;
	} else if (!strcmp(tok, "hlt")) {
		e->kind = AXVM_EXIT_HALT;
	} else if (!strcmp(tok, "hltif")) {
		vm.regs[id].rflags |= 1ULL << 9;
		vm.c[id].if_once = true;
		e->kind = AXVM_EXIT_HALT;
	} else if (!strcmp(tok, "cpuup")) {
		e->kind = AXVM_EXIT_CPU_UP;
		e->u.cpu_up.target_cpu = 1;
		e->u.cpu_up.entry_point = 0x8000;
	} else if (!strcmp(tok, "ipi")) {
		e->kind = AXVM_EXIT_SEND_IPI;
		e->u.send_ipi.target_cpu = 1;
		e->u.send_ipi.vector = 0x40;
	} else if (!strcmp(tok, "cpudown")) {
		e->kind = AXVM_EXIT_CPU_DOWN;
		/* No HALT after it: the vCPU is gone. */
		__atomic_store_n(&vm.c[id].played, 1, __ATOMIC_SEQ_CST);
	} else if (sscanf(tok, "sipi%u", &n) == 1 && n < AXVM_MAX_VCPUS) {
		logf_("run: vcpu %u sends SIPI to vcpu %u", id, n);
		__atomic_store_n(&vm.c[n].sipi, 1, __ATOMIC_SEQ_CST);
		e->kind = AXVM_EXIT_NOTHING;
	} else if ((sscanf(tok, "asleep%u", &n) == 1 || sscanf(tok, "wait%u", &n) == 1) &&
		   n < AXVM_MAX_VCPUS) {
		/* At most 10 s: then an exit axctl does not know (status 20). */
		int w = block_until_kicked_or(run, tok[0] == 'a' ? &vm.c[n].asleep :
					      &vm.c[n].played, "", 10000);

		if (w < 0)
			return -1;
		if (w) {
			logf_("run: vcpu %u: %s timed out", id, tok);
			e->kind = 99;
		} else {
			if (tok[0] == 'w')
				logf_("run: vcpu %u saw vcpu %u play its script", id, n);
			e->kind = AXVM_EXIT_NOTHING;
		}
	} else if (!strcmp(tok, "triple")) {
		e->kind = AXVM_EXIT_SYSTEM_DOWN;
		e->basic_reason = 2;
	} else if (!strcmp(tok, "failentry")) {
		e->kind = AXVM_EXIT_FAIL_ENTRY;
		e->basic_reason = 33;
		e->u.fail_entry.hardware_entry_failure_reason = 33;
		e->u.fail_entry.qualification = 0;
	} else if (!strcmp(tok, "internal")) {
		e->kind = AXVM_EXIT_INTERNAL_ERROR;
		e->u.internal.suberror = AXVM_INTERNAL_UNKNOWN_EXIT;
		e->u.internal.data[0] = 9;
	} else if (!strcmp(tok, "npf")) {
		e->kind = AXVM_EXIT_NESTED_PAGE_FAULT;
		e->basic_reason = 48;
		e->u.nested_page_fault.addr = 0xfee00000;
		e->u.nested_page_fault.access_flags = AXVM_ACCESS_WRITE;
	} else if (!strcmp(tok, "msr")) {
		e->kind = AXVM_EXIT_SYSREG_READ;
		e->basic_reason = 31;
		e->u.sysreg_read.addr = 0xc0011234;
		vm.c[id].last_kind = e->kind;
	} else if (!strcmp(tok, "hypercall")) {
		e->kind = AXVM_EXIT_HYPERCALL;
		e->basic_reason = 18;
		e->u.hypercall.nr = 77;
		vm.c[id].last_kind = e->kind;
	} else if (tok[0] == 'm' && (tok[1] == 'w' || tok[1] == 'r') &&
		   isxdigit((unsigned char)tok[2])) {
		unsigned long long addr = 0, val = 0;

		sscanf(tok + 2, tok[1] == 'w' ? "%llx=%llx" : "%llx", &addr, &val);
		e->kind = tok[1] == 'w' ? AXVM_EXIT_MMIO_WRITE : AXVM_EXIT_MMIO_READ;
		if (tok[1] == 'w') {
			e->u.mmio_write.addr = addr;
			e->u.mmio_write.width = 4;
			e->u.mmio_write.data = val;
		} else {
			e->u.mmio_read.addr = addr;
			e->u.mmio_read.width = 4;
			vm.c[id].last_kind = e->kind;
			vm.c[id].last_addr = addr;
		}
	} else if (poke_peek(id, tok, e)) {
		/* done */
	} else if (sscanf(tok, "sleep%u", &n) == 1) {
		struct timespec ts = { n / 1000, (n % 1000) * 1000000L };

		nanosleep(&ts, NULL);
		e->kind = AXVM_EXIT_NOTHING;
	} else if (!strcmp(tok, "mmior")) {
		e->kind = AXVM_EXIT_MMIO_READ;
		e->u.mmio_read.addr = 0xfed00000;
		e->u.mmio_read.width = 4;
		vm.c[id].last_kind = e->kind;
	} else if (!strcmp(tok, "mmiow")) {
		e->kind = AXVM_EXIT_MMIO_WRITE;
		e->u.mmio_write.addr = 0xfed00000;
		e->u.mmio_write.width = 4;
	} else if (!strcmp(tok, "nothing")) {
		e->kind = AXVM_EXIT_NOTHING;
	} else if (!strcmp(tok, "shutdown")) {
		errno = ESHUTDOWN;
		return -1;
	} else if (!strcmp(tok, "block")) {
		return block_until_kicked(run);
	} else if (!strncmp(tok, "int3", 4)) {
		unsigned long long at;

		if (sscanf(tok, "int3=%llx", &at) == 1)
			vm.regs[id].rip = e->guest_rip = at;
		e->kind = AXVM_EXIT_DEBUG;
		e->u.debug.exception = 3;
		e->u.debug.pc = vm.regs[id].rip;
	} else {
		logf_("run: bad script token '%s'", tok);
		e->kind = 99;
	}
	return 0;
}

/* As the kernel does: whether the guest could take an interrupt now. */
static int fake_run(unsigned int id)
{
	int r = fake_run_script(id);

	vm.run[id]->ready_for_interrupt = !!(vm.regs[id].rflags & (1ULL << 9));
	return r;
}

static void log_boot(unsigned int id)
{
	const struct axvm_regs *r = &vm.regs[id];
	const struct axvm_sregs *s = &vm.sregs[id];
	const unsigned char *ram = vm.hva;

	logf_("boot vcpu %u: rip 0x%llx rsp 0x%llx rdi 0x%llx rsi 0x%llx rflags 0x%llx", id,
	      (unsigned long long)r->rip, (unsigned long long)r->rsp,
	      (unsigned long long)r->rdi, (unsigned long long)r->rsi,
	      (unsigned long long)r->rflags);
	logf_("boot vcpu %u: cs 0x%x l %u cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx", id,
	      s->cs.selector, s->cs.l, (unsigned long long)s->cr0, (unsigned long long)s->cr3,
	      (unsigned long long)s->cr4, (unsigned long long)s->efer);
	if (ram && r->rip + 4 <= vm.size)
		logf_("boot vcpu %u: code at rip %02x %02x %02x %02x", id, ram[r->rip],
		      ram[r->rip + 1], ram[r->rip + 2], ram[r->rip + 3]);
	if (ram && r->rdi && r->rdi < vm.size)
		logf_("boot vcpu %u: cmdline \"%s\"", id, (const char *)ram + r->rdi);
}

int ioctl(int fd, unsigned long req, ...)
{
	int (*real)(int, unsigned long, ...) = dlsym(RTLD_NEXT, "ioctl");
	struct fvm vms[MAX_VMS];
	unsigned long arg;
	va_list ap;
	int r = 0;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (fd < 0 || fd >= MAX_FDS || fds[fd].kind == F_NONE)
		return real(fd, req, arg);

	pthread_mutex_lock(&lock);
	switch (req) {
	case AXVM_GET_API_VERSION:
		r = AXVM_API_VERSION;
		break;
	case AXVM_GET_CAPS: {
		struct axvm_caps *c = (void *)arg;

		memset(c, 0, sizeof(*c));
		c->api_version = AXVM_API_VERSION;
		c->max_vcpus = AXVM_MAX_VCPUS;
		c->max_mem_slots = AXVM_MAX_MEM_SLOTS;
		c->run_size = 4096;
		c->max_mem_bytes = 4ULL << 30;
		if (env("FAKE_AXVM_LAPIC"))
			c->flags |= AXVM_CAP_LAPIC;
		if (env("FAKE_AXVM_IOAPIC"))
			c->flags |= AXVM_CAP_IOAPIC;
		c->flags |= AXVM_CAP_GUEST_DEBUG | AXVM_CAP_GUEST_DEBUG_STEP;
		if (getenv("FAKE_AXVM_MAX_VCPUS"))
			c->max_vcpus = atoi(getenv("FAKE_AXVM_MAX_VCPUS"));
		break;
	}
	case AXVM_CREATE_LAPIC: {
		const struct axvm_lapic_config *lc = (const void *)arg;
		const char *err = getenv("FAKE_AXVM_LAPIC_ERR");

		if (!env("FAKE_AXVM_LAPIC")) {
			errno = ENOTTY;
			r = -1;
		} else if (err && *err) {
			errno = !strcmp(err, "EEXIST") ? EEXIST :
				!strcmp(err, "EBUSY") ? EBUSY : EINVAL;
			r = -1;
			/* EEXIST: the VM has LAPICs from an earlier VMM. */
			vm.lapic = errno == EEXIST;
		} else if (vm.nr_vcpus || lc->flags || lc->pad) {
			errno = vm.nr_vcpus ? EBUSY : EINVAL;
			r = -1;
		} else {
			vm.lapic = true;
		}
		logf_("create lapic flags %u: %s", lc->flags, r ? strerror(errno) : "ok");
		break;
	}
	case AXVM_CREATE_IOAPIC:
		if (!env("FAKE_AXVM_IOAPIC")) {
			errno = ENOTTY;
			r = -1;
		}
		logf_("create ioapic: %s", r ? strerror(errno) : "ok");
		break;
	case AXVM_IRQ_LINE: {
		const struct axvm_irq_line *l = (const void *)arg;

		logf_("irq line gsi %u level %u flags %u source %u", l->gsi, l->level, l->flags,
		      l->source);
		break;
	}
	case AXVM_ATTACH_VM: {
		const struct axvm_attach_vm *a = (const void *)arg;
		int n = load_vms(vms);

		if (find_vm(vms, n, a->name) < 0) {
			errno = ENOENT;
			r = -1;
			break;
		}
		snprintf(vm.name, sizeof(vm.name), "%s", a->name);
		logf_("attach %s", a->name);
		r = new_fd(F_VM, 0);
		break;
	}
	case AXVM_SET_MEMORY_REGION: {
		const struct axvm_memory_region *m = (const void *)arg;

		logf_("region slot %u gpa 0x%llx size 0x%llx hva %s", m->slot,
		      (unsigned long long)m->gpa, (unsigned long long)m->size,
		      m->hva % (2 << 20) ? "unaligned" : "2M-aligned");
		vm.hva = (void *)(uintptr_t)m->hva;
		vm.size = m->size;
		break;
	}
	case AXVM_CREATE_VCPU:
		if (arg >= AXVM_MAX_VCPUS || vm.run[arg]) {
			errno = arg >= AXVM_MAX_VCPUS ? EINVAL : EEXIST;
			r = -1;
			break;
		}
		vm.run[arg] = ((void *(*)(void *, size_t, int, int, int, off_t))
			       dlsym(RTLD_NEXT, "mmap"))(NULL, 4096, PROT_READ | PROT_WRITE,
							 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		logf_("vcpu %lu created%s", arg, vm.lapic ? " with a LAPIC" : "");
		vm.nr_vcpus++;
		r = new_fd(F_VCPU, arg);
		break;
	case AXVM_GET_REGS:
		*(struct axvm_regs *)arg = vm.regs[fds[fd].vcpu];
		break;
	case AXVM_SET_REGS:
		vm.regs[fds[fd].vcpu] = *(struct axvm_regs *)arg;
		log_boot(fds[fd].vcpu);
		break;
	case AXVM_GET_SREGS:
		*(struct axvm_sregs *)arg = vm.sregs[fds[fd].vcpu];
		break;
	case AXVM_SET_SREGS:
		vm.sregs[fds[fd].vcpu] = *(struct axvm_sregs *)arg;
		break;
	case AXVM_SET_GUEST_DEBUG: {
		const struct axvm_guest_debug *d = (const void *)arg;

		/* The kernel's checks that concern axctl: valid bits, ENABLE. */
		if ((d->control & ~AXVM_GUESTDBG_VALID) ||
		    (d->control && !(d->control & AXVM_GUESTDBG_ENABLE))) {
			errno = EINVAL;
			r = -1;
			break;
		}
		vm.c[fds[fd].vcpu].dbg = d->control;
		logf_("guest debug vcpu %u control 0x%x dr0 0x%llx dr7 0x%llx", fds[fd].vcpu,
		      d->control, (unsigned long long)d->dr[0], (unsigned long long)d->dr7);
		break;
	}
	case AXVM_RUN:
		pthread_mutex_unlock(&lock);
		return fake_run(fds[fd].vcpu);
	default:
		errno = ENOTTY;
		r = -1;
	}
	pthread_mutex_unlock(&lock);
	return r;
}
