/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the axvm command-line tool and VMM. Shared declarations: exit
 * statuses, messages, small parsers. See axctl.8 for the user's view.
 *
 * Files: main.c (dispatch, help), util.c, reasons.c (names), nl.c +
 * cmd_vm.c (the netlink commands), trace.c + trace_report.c + bpf/
 * (`axctl trace`); `axctl start`, the VMM, is start.c, ram.c, vcpu.c,
 * exits.c, diag.c with its devices on bus.c (devices.c, uart.c, pc/) and
 * the loaders image.c, multiboot.c: vmm.h describes them.
 */
#ifndef AXCTL_H
#define AXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* From the top-level file VERSION (the Makefile), like MODULE_VERSION. */
#ifndef AXCTL_VERSION
#error "AXCTL_VERSION is defined by the Makefile from the file VERSION"
#endif
#define AXVM_DEV_PATH	"/dev/axvm"

/*
 * Exit statuses (axctl.8, EXIT STATUS). Every status axctl chooses itself
 * is even so that `start` can hand the guest the odd ones: a write of v to
 * the debug-exit port ends axctl with (v << 1) | 1, as QEMU's
 * isa-debug-exit does. (3 was the `trace` stub's "not implemented"; it is
 * no longer used.)
 */
enum axctl_status {
	AXCTL_OK = 0,			/* done; `start`: the guest halted */
	AXCTL_EUSAGE = 2,		/* bad command line */
	AXCTL_ENOMODULE = 4,		/* axvm module not loaded */
	AXCTL_EPERM = 6,		/* permission denied */
	AXCTL_ENOVM = 8,		/* no VM of that name */
	AXCTL_EEXIST = 10,		/* VM already exists */
	AXCTL_EIMAGE = 12,		/* image unreadable, bad format, too big */
	AXCTL_EBUSY = 14,		/* another hypervisor holds VT-x / VM busy */
	AXCTL_ETRIPLE = 16,		/* guest triple fault (SYSTEM_DOWN) */
	AXCTL_EENTRY = 18,		/* VM entry failed (FAIL_ENTRY) */
	AXCTL_EINTERNAL = 20,		/* exit axvm or axctl could not handle */
	AXCTL_ESTOPPED = 22,		/* VM stopped by `axctl stop`/`destroy` */
	AXCTL_EINTR = 24,		/* axctl got SIGINT/SIGTERM */
	AXCTL_EFAIL = 26,		/* any other failure (system call, netlink) */
	AXCTL_ERESET = 28,		/* `start`: the guest reset the machine */
	AXCTL_EBPF = 30,		/* `trace`: BPF programs did not load/attach */
};

/* Verbosity: -q gives -1, -v gives 1 (more -v, more detail). */
extern int axctl_verbose;
extern const char *axctl_prog;

void axctl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void axctl_die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
/* Prints "try 'axctl CMD --help'" and exits AXCTL_EUSAGE. */
void axctl_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

/*
 * "64M", "1G", "512k", "2MiB", "1048576": bytes. Suffixes K/M/G/T are
 * powers of 1024 (an optional "iB" or "B" may follow). Returns false on
 * syntax errors, zero or overflow.
 */
bool parse_size(const char *s, uint64_t *out);
/* "64M", "1G", "1536K", "12345": the shortest exact form. */
void format_size(uint64_t bytes, char *buf, size_t len);
/* Decimal unsigned in [min, max]. */
bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A VM name the module accepts: 1..AXVM_NAME_MAX-1 of [A-Za-z0-9_.-]. */
bool vm_name_valid(const char *name);
/* A JSON string literal (quotes included). */
void json_string(FILE *f, const char *s);
/* -j/--json given: errors and warnings go to stderr as JSON objects. */
extern bool axctl_json_errors;
/* Reads /sys/module/axvm/parameters/NAME as a number; false if absent. */
bool axvm_module_param(const char *name, uint64_t *out);

/* reasons.c */
const char *vmx_reason_name(uint32_t reason);	/* NULL if unknown */
const char *exit_kind_name(uint32_t kind);	/* "IO_WRITE", or "KIND_n" */
const char *vm_state_name(uint32_t state);	/* "created", or "state-n" */
const char *genl_event_name(uint32_t ev);	/* "started", or "event-n" */

/* Subcommands: argc/argv start at the subcommand's name. */
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* getopt_long() gave '?' or ':' (optstrings start with ':'): usage error. */
void bad_option(const char *cmd, int c, char **argv) __attribute__((noreturn));

/* Help texts (main.c). */
void usage_cmd(FILE *f, const char *cmd);

#endif
