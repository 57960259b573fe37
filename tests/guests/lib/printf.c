// SPDX-License-Identifier: GPL-2.0
/*
 * A printf subset (see guest.h) over one formatter with an output callback.
 */
#include <stdbool.h>

#include "guest.h"

typedef void (*out_fn)(char c, void *arg);

static int emit_str(out_fn out, void *arg, const char *s, int len, int width,
		    bool left, char pad)
{
	int n = 0;

	for (; !left && width > len; width--, n++)
		out(pad, arg);
	for (int i = 0; i < len; i++, n++)
		out(s[i], arg);
	for (; left && width > len; width--, n++)
		out(' ', arg);
	return n;
}

static int format(out_fn out, void *arg, const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		char buf[24], *p, pad = ' ';
		bool left = false, neg = false, upper = false;
		unsigned long long v;
		unsigned int base;
		int width = 0, lng = 0;

		if (*fmt != '%') {
			out(*fmt, arg);
			n++;
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case '\0':
			return n;
		case '%':
			out('%', arg);
			n++;
			continue;
		case 'c':
			buf[0] = (char)va_arg(ap, int);
			n += emit_str(out, arg, buf, 1, width, left, ' ');
			continue;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			n += emit_str(out, arg, s, (int)strlen(s), width, left, ' ');
			continue;
		}
		case 'd':
		case 'i': {
			long long sv = lng >= 2 ? va_arg(ap, long long) :
				       lng ? va_arg(ap, long) : va_arg(ap, int);

			neg = sv < 0;
			v = neg ? 0ULL - (unsigned long long)sv : (unsigned long long)sv;
			base = 10;
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = lng >= 2 ? va_arg(ap, unsigned long long) :
			    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			base = *fmt == 'u' ? 10 : 16;
			upper = *fmt == 'X';
			break;
		case 'p':
			v = (unsigned long long)(uintptr_t)va_arg(ap, void *);
			base = 16;
			out('0', arg);
			out('x', arg);
			n += 2;
			break;
		default:	/* unknown: print it as it was */
			out('%', arg);
			out(*fmt, arg);
			n += 2;
			continue;
		}
		p = buf + sizeof(buf);
		do {
			unsigned int d = v % base;

			*--p = (char)(d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
			v /= base;
		} while (v);
		if (neg) {
			if (pad == '0') {	/* the sign goes before the zeros */
				out('-', arg);
				n++;
				if (width)
					width--;
			} else {
				*--p = '-';
			}
		}
		n += emit_str(out, arg, p, (int)(buf + sizeof(buf) - p), width, left,
			      left ? ' ' : pad);
	}
	return n;
}

struct sbuf {
	char *buf;
	size_t size, len;
};

static void out_buf(char c, void *arg)
{
	struct sbuf *b = arg;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sbuf b = { buf, size, 0 };
	int n = format(out_buf, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void out_uart(char c, void *arg)
{
	(void)arg;
	com1_putc(c);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = format(out_uart, NULL, fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	int n = 0;

	for (; *s; s++, n++)
		com1_putc(*s);
	com1_putc('\n');
	return n + 1;
}
