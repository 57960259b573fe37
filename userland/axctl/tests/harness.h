/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness of axctl's host tests (unit_test.c, pc_unit.c, linux_unit.c): one TAP-like
 * line per check ("ok - what", "not ok - what"), the counts at the end in
 * the form tests/run.sh reads ("NAME: N passed, N failed"). One copy per
 * test program: include it from the file with main() only.
 */
#ifndef AXCTL_TESTS_HARNESS_H
#define AXCTL_TESTS_HARNESS_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;

/*
 * A program whose tests span several files (pc_unit_test: pc_unit.c and
 * pc_serial.c) defines HARNESS_SHARED_CHECK in the file with main() so the
 * others can call check() through their own extern declaration.
 */
#ifdef HARNESS_SHARED_CHECK
#define HARNESS_CHECK_LINKAGE
#else
#define HARNESS_CHECK_LINKAGE static
#endif

HARNESS_CHECK_LINKAGE void check(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

HARNESS_CHECK_LINKAGE void check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		passed++;
	else
		failed++;
	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A whole file (a guest image) in malloc'ed memory, or NULL after a failed check. */
static __attribute__((unused)) void *load_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		check(0, "open %s", path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf || read(fd, buf, st.st_size) != st.st_size) {
		check(0, "read %s", path);
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = st.st_size;
	return buf;
}

/* "name: N passed, N failed"; the exit status: 0 when nothing failed. */
static inline int check_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, passed, failed);
	return failed != 0;
}

#endif
