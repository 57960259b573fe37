// SPDX-License-Identifier: GPL-2.0
/*
 * pty_run: run a command on a fresh pseudo-terminal (its controlling
 * terminal, in the foreground) and report what it did to the terminal
 * settings. For axctl's console tests (tests/run.sh).
 *
 *   pty_run ACTION CMD [ARGS...]
 *     ACTION  none        just wait for CMD to end
 *             escape      once the terminal is raw, type Ctrl-A x
 *             type:TEXT   once raw, type TEXT (C escapes not interpreted)
 *             SIGNAME     once raw, send that signal (TERM, INT, HUP)
 *
 * Prints "raw R restored S status N" (R: the terminal went raw while CMD
 * ran; S: after CMD ended the settings are the ones it started with; N:
 * its exit status, or 128 + signal) and CMD's output on the terminal
 * after a line "output:". Exits 0 if it could run the test, 2 if not.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char out[65536];
static size_t out_len;

static void drain(int master, int ms)
{
	struct pollfd p = { .fd = master, .events = POLLIN };

	while (poll(&p, 1, ms) > 0) {
		ssize_t r = read(master, out + out_len, sizeof(out) - 1 - out_len);

		if (r <= 0)
			break;
		out_len += r;
		ms = 0;
	}
}

static bool same(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag &&
	       a->c_cflag == b->c_cflag && a->c_lflag == b->c_lflag &&
	       !memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc));
}

static int sig_of(const char *name)
{
	if (!strcmp(name, "TERM"))
		return SIGTERM;
	if (!strcmp(name, "INT"))
		return SIGINT;
	if (!strcmp(name, "HUP"))
		return SIGHUP;
	return 0;
}

int main(int argc, char **argv)
{
	struct termios start, now;
	int master, slave, st, raw = 0, i;
	const char *act;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: pty_run ACTION CMD [ARGS...]\n");
		return 2;
	}
	act = argv[1];
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		return 2;
	}
	tcgetattr(slave, &start);	/* a pty starts cooked: ICANON, ECHO, ISIG */
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		close(master);
		close(slave);
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	/* Wait (10 s at most) for the terminal to go raw. */
	for (i = 0; i < 1000 && strcmp(act, "none"); i++) {
		if (tcgetattr(slave, &now) == 0 && !(now.c_lflag & ICANON)) {
			raw = 1;
			break;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto ended;
		drain(master, 10);
	}
	if (raw && !strncmp(act, "type:", 5)) {
		if (write(master, act + 5, strlen(act + 5)) < 0)
			perror("write");
	} else if (raw && !strcmp(act, "escape")) {
		if (write(master, "\001x", 2) < 0)
			perror("write");
	} else if (raw && sig_of(act)) {
		kill(pid, sig_of(act));
	}
	for (i = 0; i < 3000; i++) {	/* 30 s */
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto ended;
		drain(master, 10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
ended:
	drain(master, 50);
	tcgetattr(slave, &now);
	printf("raw %d restored %d status %d\noutput:\n", raw, same(&start, &now),
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fwrite(out, 1, out_len, stdout);
	printf("\n");
	return 0;
}
