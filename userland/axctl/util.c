// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: messages and small parsers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <linux/axvm.h>

#include "axctl.h"

int axctl_verbose;
const char *axctl_prog = "axctl";
bool axctl_json_errors;

/*
 * One message on stderr: "axctl: TEXT", or with -j one JSON object per
 * line, {"error": "TEXT", "status": N} (status < 0: a warning, no status
 * key), so that scripts parsing -j output can parse failures too.
 */
static void vmsg(int status, const char *fmt, va_list ap)
{
	char buf[1024];

	fflush(stdout);
	if (!axctl_json_errors) {
		fprintf(stderr, "%s: ", axctl_prog);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		return;
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fputs(status < 0 ? "{\"warning\": " : "{\"error\": ", stderr);
	json_string(stderr, buf);
	if (status >= 0)
		fprintf(stderr, ", \"status\": %d", status);
	fputs("}\n", stderr);
}

void axctl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(-1, fmt, ap);
	va_end(ap);
}

void axctl_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(status, fmt, ap);
	va_end(ap);
	exit(status);
}

void axctl_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(AXCTL_EUSAGE, fmt, ap);
	va_end(ap);
	if (axctl_json_errors)
		exit(AXCTL_EUSAGE);
	if (cmd)
		fprintf(stderr, "Try '%s %s --help'.\n", axctl_prog, cmd);
	else
		fprintf(stderr, "Try '%s --help'.\n", axctl_prog);
	exit(AXCTL_EUSAGE);
}

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	case 'B':
		if (end[1])
			return false;
		end++;
		break;
	default:
		return false;
	}
	if (shift) {
		end++;
		if ((end[0] == 'i' || end[0] == 'I') && (end[1] == 'B' || end[1] == 'b'))
			end += 2;
		else if (end[0] == 'B' || end[0] == 'b')
			end++;
	}
	if (*end || v == 0)
		return false;
	if (shift && v > (~0ULL >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	unsigned int i;
	int best = -1;

	for (i = 0; i < 4; i++)
		if (bytes && !(bytes & ((1ULL << (10 * (i + 1))) - 1)))
			best = i;
	if (best < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%c",
			 (unsigned long long)(bytes >> (10 * (best + 1))), units[best]);
}

bool vm_name_valid(const char *name)
{
	size_t n = strlen(name);
	size_t i;

	if (n == 0 || n >= AXVM_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = name[i];

		if (!(c < 0x80 && (isalnum(c) || c == '_' || c == '-' || c == '.')))
			return false;
	}
	return true;
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

bool axvm_module_param(const char *name, uint64_t *out)
{
	char path[128], buf[32];
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/axvm/parameters/%s", name);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ok = parse_uint(buf, 0, UINT64_MAX, out);
	}
	fclose(f);
	return ok;
}
