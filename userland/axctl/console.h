/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: the guest's console input, from axctl's standard input to the
 * UART's receiver.
 *
 * A reader thread reads stdin in small chunks and pushes them into the
 * receiver with push() under the VMM's lock; what does not fit waits in
 * the thread, which reads nothing more until the guest has taken it
 * (console_room() wakes it): input is never dropped and a fast pipe is
 * held back by the guest's pace. EOF (a pipe or file that ends) only stops
 * the reading; the VM goes on.
 *
 * On a terminal (stdin a tty in the foreground process group) the thread
 * puts it in raw mode for the life of the VM, so every key goes to the
 * guest (Ctrl-C included) and the guest echoes; the saved settings come
 * back on every way out: console_stop(), exit() (atexit, which covers
 * axctl_die()), and the fatal signals (a handler restores and re-raises).
 * Only SIGKILL leaves the terminal raw (`stty sane` mends it).
 *
 * Escape (terminals only): Ctrl-A x ends the VM (quit(), axctl exits with
 * AXCTL_EINTR like SIGINT), Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A h
 * prints this help on stderr; Ctrl-A and any other key send both.
 */
#ifndef AXCTL_CONSOLE_H
#define AXCTL_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_ESCAPE		0x01	/* Ctrl-A */
#define CONSOLE_CHUNK		64

/* The escape state machine (pure). */
struct console_escape {
	bool armed;		/* the last byte was a lone Ctrl-A */
};

enum console_esc_result {
	CONSOLE_ESC_NONE = 0,
	CONSOLE_ESC_QUIT = 1,	/* Ctrl-A x: the rest of the input is dropped */
	CONSOLE_ESC_HELP = 2,	/* Ctrl-A h (or ?): out holds the rest */
};

/*
 * Filter n input bytes into out (room for 2 * n): returns an enum
 * console_esc_result; *out_n the bytes for the guest. A Ctrl-A at the end
 * of in stays armed for the next call.
 */
int console_escape_feed(struct console_escape *e, const uint8_t *in, size_t n,
			uint8_t *out, size_t *out_n);

struct console {
	int fd;			/* stdin */
	bool tty;		/* raw mode and escapes */
	pthread_mutex_t *lock;	/* the VMM's: push() and the state below */
	pthread_cond_t room;	/* the receiver has room again */
	/* Under lock: bytes taken (0: full, wait for console_room()). */
	size_t (*push)(void *arg, const uint8_t *buf, size_t len);
	void (*quit)(void *arg);	/* Ctrl-A x, without the lock */
	void *arg;
	bool stop;
	int wake[2];		/* a pipe that interrupts poll() for the stop */
	pthread_t thread;
	bool started;
	uint64_t bytes_in;	/* read from stdin */
	bool eof;
};

/*
 * Start reading fd (raw mode first if it is a foreground terminal).
 * Returns 0 or -errno; the VM runs without input after an error.
 */
int console_start(struct console *c, int fd, pthread_mutex_t *lock,
		  size_t (*push)(void *, const uint8_t *, size_t), void (*quit)(void *), void *arg);
/* Under lock: the guest took bytes from the receiver. */
void console_room(struct console *c);
/* Stop the thread (without lock held) and restore the terminal. */
void console_stop(struct console *c);
/* Restore the terminal if console_start() changed it (idempotent). */
void console_restore(void);

#endif
