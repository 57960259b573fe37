// SPDX-License-Identifier: GPL-2.0
/*
 * gdb_test: `axctl start --gdb unix:PATH --gdb-wait` driven by a small
 * scripted client of the GDB remote serial protocol, as gdb would drive
 * it, over a Multiboot guest (tests/guests/mb/mb_gdb.c) that calls
 * gdb_target(1), (2), (3). The client finds gdb_target, gdb_counter and
 * gdb_magic in the guest's ELF32 symbol table, then:
 *
 *   - qSupported, target.xml, '?': stopped before the first instruction,
 *     RIP at the ELF entry point;
 *   - Z0 (INT3) at gdb_target, c: stopped there with swbreak, the
 *     argument on the stack is 1 (m through the guest's memory), gdb_magic
 *     reads 0x600d600d;
 *   - z0, s: one instruction later (the monitor trap flag), RIP is past
 *     the 5-byte first instruction of gdb_target;
 *   - Z1 at gdb_target, c: the hardware breakpoint in DR0 stops the
 *     second call (argument 2), hwbreak;
 *   - z1, Z2 (write watchpoint) on gdb_counter, c: stops after the second
 *     call's store, counter 3, "watch:ADDR";
 *   - z2, P of RAX, p reads it back;
 *   - c: the guest runs to its end, the stub says W01 (axctl's status 1:
 *     the guest passed), axctl exits 1.
 *
 * axctl and the guest come from $AXCTL / $AXVM_GUESTS, else /opt/axvm
 * (the test machine); without them the test SKIPs.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lib/axvm_test.h"

#define VM_NAME		"gdbtest"
#define SOCK_PATH	"/tmp/axvm-gdb-test.sock"
#define REPLY_MS	120000	/* Bochs: a continue may take a while */
#define AXCTL_LOG	"/tmp/axvm-gdb-test.axctl.log"


struct syms {
	uint32_t entry, target, counter, magic;
};

static const char *path_of(const char *env, const char *dflt)
{
	const char *e = getenv(env);

	return e && *e ? e : dflt;
}

/* The symbols of an ELF32 image: false if one is missing. */
static bool elf_syms(const char *path, struct syms *s)
{
	const Elf32_Ehdr *eh;
	const Elf32_Shdr *sh;
	struct stat st;
	unsigned int i, j, found = 0;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return false;
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return false;
	eh = (const void *)p;
	sh = (const void *)(p + eh->e_shoff);
	s->entry = eh->e_entry;
	for (i = 0; i < eh->e_shnum; i++) {
		const Elf32_Sym *sym = (const void *)(p + sh[i].sh_offset);
		const char *str = (const char *)p + sh[sh[i].sh_link].sh_offset;

		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		for (j = 0; j < sh[i].sh_size / sizeof(*sym); j++) {
			const char *n = str + sym[j].st_name;

			if (!strcmp(n, "gdb_target") && ++found)
				s->target = sym[j].st_value;
			else if (!strcmp(n, "gdb_counter") && ++found)
				s->counter = sym[j].st_value;
			else if (!strcmp(n, "gdb_magic") && ++found)
				s->magic = sym[j].st_value;
		}
	}
	munmap(p, st.st_size);
	return found == 3;
}

/* --- the RSP client ---------------------------------------------------- */

static int sock = -1;
static char reply[8192];

static void send_pkt(const char *data)
{
	char buf[1024];
	unsigned int sum = 0;
	size_t i, n;

	for (i = 0; data[i]; i++)
		sum += (uint8_t)data[i];
	n = snprintf(buf, sizeof(buf), "$%s#%02x", data, sum & 0xff);
	if (write(sock, buf, n) != (ssize_t)n)
		fprintf(stderr, "# write: %s\n", strerror(errno));
}

/* The next packet into reply[] (acks skipped, ours sent): false on timeout. */
static bool recv_pkt(int ms)
{
	size_t len = 0;
	bool in = false;
	int hash = -1;
	char c;

	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };

		if (poll(&p, 1, ms) <= 0 || read(sock, &c, 1) != 1)
			return false;
		if (!in) {
			in = c == '$';
			continue;
		}
		if (hash >= 0) {
			if (++hash == 2)
				break;
			continue;
		}
		if (c == '#') {
			hash = 0;
			continue;
		}
		if (len < sizeof(reply) - 1)
			reply[len++] = c;
	}
	reply[len] = '\0';
	/* The ack: the stub may have hung up after its last packet (W). */
	return write(sock, "+", 1) == 1 || errno == EPIPE || errno == ECONNRESET;
}

/* One request, its reply in reply[]. */
static const char *ask(const char *req)
{
	send_pkt(req);
	if (!recv_pkt(REPLY_MS))
		snprintf(reply, sizeof(reply), "<no reply>");
	return reply;
}

static const char *askf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *askf(const char *fmt, ...)
{
	char req[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	return ask(req);
}

static uint64_t le_hex(const char *h, int bytes)
{
	uint64_t v = 0;
	char b[3] = { 0 };
	int i;

	for (i = bytes - 1; i >= 0; i--) {
		b[0] = h[2 * i];
		b[1] = h[2 * i + 1];
		v = v << 8 | strtoul(b, NULL, 16);
	}
	return v;
}

/* The stopped vCPU's ESP (from a g packet) + 4: the argument of gdb_target. */
static uint64_t stack_arg(void)
{
	ask("g");
	return strlen(reply) >= 8 * 16 ? le_hex(reply + 7 * 16, 8) + 4 : 0;
}

/* RIP from the g packet: register 16, after sixteen 8-byte GPRs. */
static uint64_t rip_now(void)
{
	ask("g");
	return strlen(reply) >= 17 * 16 ? le_hex(reply + 16 * 16, 8) : ~0ull;
}

static uint64_t read_u32(uint64_t addr)
{
	char req[64];

	snprintf(req, sizeof(req), "m%llx,4", (unsigned long long)addr);
	ask(req);
	return strlen(reply) == 8 ? le_hex(reply, 4) : ~0ull;
}

/*
 * Z<type> at gdb_target, c: the stop names @why, RIP is gdb_target, its
 * argument is @call and the counter holds what the calls before added;
 * then z<type>. False (after logging) if any of it is wrong.
 */
static bool break_at(struct __test_metadata *_metadata, const struct syms *s,
		     int type, const char *why, uint32_t call)
{
	char want[64];
	bool ok = true;

	snprintf(want, sizeof(want), "T05thread:1;%s:;", why);
	ok &= !strcmp("OK", askf("Z%d,%x,1", type, s->target));
	ok &= !strcmp(want, ask("c"));
	TH_LOG("Z%d, c -> %s", type, reply);
	ok &= rip_now() == s->target;
	ok &= read_u32(stack_arg()) == call;
	ok &= read_u32(s->counter) == call * (call - 1) / 2;
	ok &= !strcmp("OK", askf("z%d,%x,1", type, s->target));
	return ok;
}

static pid_t start_axctl(const char *axctl, const char *guest)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		int log = open(AXCTL_LOG, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(null, STDOUT_FILENO);	/* the guest's COM1 */
		dup2(log, STDERR_FILENO);	/* shown when the test fails */
		execl(axctl, axctl, "start", VM_NAME, "--kernel", guest, "--gdb",
		      "unix:" SOCK_PATH, "--gdb-wait", "-v", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool connect_stub(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = SOCK_PATH };
	int i;

	for (i = 0; i < 600; i++) {	/* 60 s: axctl sets up RAM first */
		sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (!connect(sock, (struct sockaddr *)&a, sizeof(a)))
			return true;
		close(sock);
		sock = -1;
		usleep(100000);
	}
	return false;
}

static int wait_status(pid_t pid, int secs)
{
	int st, i;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

FIXTURE(gdb) {
	pid_t pid;
};

FIXTURE_SETUP(gdb)
{
	self->pid = -1;
	/* A stub that hangs up is a failed check, not a dead test. */
	signal(SIGPIPE, SIG_IGN);
}

/* A failed check leaves axctl stopped at the gate: end it and its VM. */
FIXTURE_TEARDOWN(gdb)
{
	char cmd[512];

	if (!_metadata->passed) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/# axctl: /' %s >&2", AXCTL_LOG);
		sh(cmd);
	}
	if (sock >= 0)
		close(sock);
	if (self->pid > 0) {
		kill(self->pid, SIGKILL);
		waitpid(self->pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "%s destroy %s 2>/dev/null",
		 path_of("AXCTL", "/opt/axvm/axctl"), VM_NAME);
	sh(cmd);
}

/* Bochs: each continue runs the guest on, a few seconds to minutes. */
TEST_F_TIMEOUT(gdb, breakpoint_step_continue, 1500)
{
	const char *axctl = path_of("AXCTL", "/opt/axvm/axctl");
	char guest[256], cmd[512], want[64];
	struct syms s = { 0 };
	uint64_t rip;
	pid_t pid;

	AXVM_REQUIRE();
	snprintf(guest, sizeof(guest), "%s/mb_gdb", path_of("AXVM_GUESTS", "/opt/axvm/guests"));
	if (access(axctl, X_OK) || access(guest, R_OK))
		SKIP(return, "no %s or %s", axctl, guest);
	ASSERT_TRUE(elf_syms(guest, &s));
	snprintf(cmd, sizeof(cmd), "%s destroy %s 2>/dev/null; %s -q create %s --memory 16M",
		 axctl, VM_NAME, axctl, VM_NAME);
	ASSERT_EQ(0, sh(cmd));
	pid = self->pid = start_axctl(axctl, guest);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(connect_stub());

	/* Handshake, as gdb does it. */
	ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
	EXPECT_NE(NULL, strstr(reply, "swbreak+"));
	EXPECT_NE(NULL, strstr(reply, "qXfer:features:read+"));
	ask("qXfer:features:read:target.xml:0,ffb");
	EXPECT_NE(NULL, strstr(reply, "i386:x86-64"));
	EXPECT_STREQ("m1", ask("qfThreadInfo"));
	EXPECT_EQ(0, strncmp(ask("?"), "T05thread:1;", 12)) TH_LOG("? -> %s", reply);
	/* --gdb-wait: nothing ran yet. */
	EXPECT_EQ(s.entry, rip_now()) TH_LOG("g -> %.300s", reply);
	EXPECT_EQ(0x600d600d, read_u32(s.magic)) TH_LOG("m gdb_magic -> %s", reply);

	/* Software breakpoint: the first call. */
	EXPECT_TRUE(break_at(_metadata, &s, 0, "swbreak", 1));
	/* The original byte is back (0xa1: mov moffs32, %eax). */
	EXPECT_STREQ("a1", askf("m%x,1", s.target));

	/* One step: the 5-byte load. */
	ask("s");
	EXPECT_EQ(0, strncmp(reply, "T05thread:1;", 12)) TH_LOG("s -> %s", reply);
	rip = rip_now();
	EXPECT_EQ(s.target + 5, rip);

	/* Hardware breakpoint: the second call. */
	EXPECT_TRUE(break_at(_metadata, &s, 1, "hwbreak", 2));

	/* Write watchpoint: the second call's store. */
	ASSERT_STREQ("OK", askf("Z2,%x,4", s.counter));
	ask("c");
	snprintf(want, sizeof(want), "T05thread:1;watch:%x;", s.counter);
	EXPECT_STREQ(want, reply);
	EXPECT_EQ(3, read_u32(s.counter));
	ASSERT_STREQ("OK", askf("z2,%x,4", s.counter));

	/* P/p: RAX. */
	ASSERT_STREQ("OK", ask("P0=efbeadde00000000"));
	EXPECT_STREQ("efbeadde00000000", ask("p0"));

	/* To the end: the guest checks the counter (6) and passes. */
	ask("c");
	EXPECT_STREQ("W01", reply);
	close(sock);
	sock = -1;
	EXPECT_EQ(1, wait_status(pid, 120));
	self->pid = -1;
	snprintf(cmd, sizeof(cmd), "%s destroy %s", axctl, VM_NAME);
	EXPECT_EQ(0, sh(cmd));
}

TEST_HARNESS_MAIN
