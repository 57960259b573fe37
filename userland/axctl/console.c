// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: console input (see console.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"

/* The terminal as it was, for the atexit and signal paths. */
static struct termios saved_tio;
static volatile sig_atomic_t raw_fd = -1;
static bool atexit_done;

static const int fatal_signals[] = {
	SIGHUP, SIGQUIT, SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGALRM,
	SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGSYS,
};

int console_escape_feed(struct console_escape *e, const uint8_t *in, size_t n,
			uint8_t *out, size_t *out_n)
{
	int res = CONSOLE_ESC_NONE;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		uint8_t b = in[i];

		if (!e->armed) {
			if (b == CONSOLE_ESCAPE)
				e->armed = true;
			else
				out[o++] = b;
			continue;
		}
		e->armed = false;
		if (b == 'x' || b == 'X') {
			*out_n = o;
			return CONSOLE_ESC_QUIT;
		}
		if (b == 'h' || b == 'H' || b == '?') {
			res = CONSOLE_ESC_HELP;
			continue;
		}
		out[o++] = CONSOLE_ESCAPE;	/* Ctrl-A Ctrl-A: one of them */
		if (b != CONSOLE_ESCAPE)
			out[o++] = b;		/* any other key: both */
	}
	*out_n = o;
	return res;
}

void console_restore(void)
{
	int fd = raw_fd;

	if (fd < 0)
		return;
	tcsetattr(fd, TCSAFLUSH, &saved_tio);	/* async-signal-safe */
	raw_fd = -1;
}

static void on_fatal(int sig)
{
	int saved = errno;

	console_restore();
	signal(sig, SIG_DFL);
	raise(sig);		/* delivered with the default action on return */
	errno = saved;
}

/*
 * Raw input, as cfmakeraw() but keeping output processing (OPOST, ONLCR),
 * as QEMU's stdio does: guests that print a bare "\n" stay readable, and
 * so do axctl's own messages.
 */
static int make_raw(int fd)
{
	struct termios t;
	struct sigaction sa;
	unsigned int i;

	if (tcgetattr(fd, &saved_tio) < 0)
		return -errno;
	t = saved_tio;
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		sigaction(fatal_signals[i], &sa, NULL);
	raw_fd = fd;	/* before the change: a signal in between restores */
	if (tcsetattr(fd, TCSAFLUSH, &t) < 0) {
		raw_fd = -1;
		return -errno;
	}
	return 0;
}

static void help(void)
{
	static const char msg[] =
		"\naxctl console escapes:\n"
		"  Ctrl-A x       end the VM\n"
		"  Ctrl-A Ctrl-A  send Ctrl-A to the guest\n"
		"  Ctrl-A h       this help\n";
	ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)r;
}

/*
 * Read one chunk into out: its length, 0 at the end of input or a stop.
 * *quit: Ctrl-A x came after the bytes returned.
 */
static size_t read_chunk(struct console *c, struct console_escape *esc, uint8_t *out,
			 bool *quit)
{
	uint8_t in[CONSOLE_CHUNK];
	struct pollfd p[2] = {
		{ .fd = c->fd, .events = POLLIN },
		{ .fd = c->wake[0], .events = POLLIN },
	};
	size_t n;
	ssize_t r;
	int res;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (p[1].revents)
			return 0;		/* console_stop() */
		r = read(c->fd, in, sizeof(in));
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			c->eof = true;		/* the VM goes on without input */
			return 0;
		}
		c->bytes_in += r;
		if (!c->tty) {
			memcpy(out, in, r);
			return r;
		}
		res = console_escape_feed(esc, in, r, out, &n);
		if (res == CONSOLE_ESC_QUIT) {
			*quit = true;
			return n;
		}
		if (res == CONSOLE_ESC_HELP)
			help();
		if (n)
			return n;
	}
}

static void *console_main(void *arg)
{
	struct console *c = arg;
	struct console_escape esc = { false };
	uint8_t buf[2 * CONSOLE_CHUNK];
	sigset_t all;
	bool stop = false;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);	/* signals are the VMM's */
	while (!stop) {
		bool quit = false;
		size_t n = read_chunk(c, &esc, buf, &quit), off = 0;

		if (quit && !n) {
			c->quit(c->arg);
			break;
		}
		if (!n)
			break;
		pthread_mutex_lock(c->lock);
		/* Back-pressure: nothing more is read until all of buf is in. */
		while (off < n && !c->stop) {
			size_t k = c->push(c->arg, buf + off, n - off);

			off += k;
			if (!k)
				pthread_cond_wait(&c->room, c->lock);
		}
		stop = c->stop;
		pthread_mutex_unlock(c->lock);
		if (quit && !stop) {
			c->quit(c->arg);	/* after what came before it */
			break;
		}
	}
	return NULL;
}

int console_start(struct console *c, int fd, pthread_mutex_t *lock,
		  size_t (*push)(void *, const uint8_t *, size_t), void (*quit)(void *), void *arg)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->lock = lock;
	c->push = push;
	c->quit = quit;
	c->arg = arg;
	c->wake[0] = c->wake[1] = -1;
	pthread_cond_init(&c->room, NULL);
	if (isatty(fd)) {
		/* In the background a read would stop us (SIGTTIN): no input then. */
		if (tcgetpgrp(fd) != getpgrp())
			return -ENOTTY;
		r = make_raw(fd);
		if (r)
			return r;
		c->tty = true;
		if (!atexit_done) {
			atexit(console_restore);	/* exit(), axctl_die() */
			atexit_done = true;
		}
	}
	if (pipe2(c->wake, O_CLOEXEC) < 0) {
		r = -errno;
		console_restore();
		return r;
	}
	r = pthread_create(&c->thread, NULL, console_main, c);
	if (r) {
		console_restore();
		return -r;
	}
	c->started = true;
	return 0;
}

void console_room(struct console *c)
{
	if (c->started)
		pthread_cond_signal(&c->room);
}

void console_stop(struct console *c)
{
	ssize_t r;

	if (c->started) {
		pthread_mutex_lock(c->lock);
		c->stop = true;
		pthread_cond_signal(&c->room);
		pthread_mutex_unlock(c->lock);
		r = write(c->wake[1], "", 1);
		(void)r;
		pthread_join(c->thread, NULL);
		c->started = false;
	}
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
		c->wake[0] = c->wake[1] = -1;
	}
	console_restore();
}
