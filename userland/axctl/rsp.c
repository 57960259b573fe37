// SPDX-License-Identifier: GPL-2.0
/*
 * The GDB remote serial protocol's framing (rsp.h). A packet is
 * "$" payload "#" two hex digits, the checksum being the payload's bytes
 * summed modulo 256 as sent, escapes included; '}' escapes the next byte
 * (XOR 0x20). Outside a packet '+' and '-' acknowledge and 0x03 is the
 * interrupt request. Run-length encoding is only sent by stubs, never by
 * gdb, so it is not decoded here and never produced.
 */
#include <stdlib.h>
#include <string.h>

#include "axctl.h"
#include "rsp.h"

enum { OUTSIDE, DATA, CSUM1, CSUM2 };

void rsp_init(struct rsp_parser *p)
{
	memset(p, 0, sizeof(*p));
}

int rsp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static enum rsp_event outside(struct rsp_parser *p, uint8_t byte)
{
	switch (byte) {
	case '$':
		p->state = DATA;
		p->len = 0;
		p->sum = 0;
		p->escape = false;
		p->overflow = false;
		return RSP_NONE;
	case 0x03:
		return RSP_INTERRUPT;
	case '+':
		return RSP_ACK;
	case '-':
		return RSP_NAK;
	default:
		return RSP_NONE;	/* noise between packets */
	}
}

static void data_byte(struct rsp_parser *p, uint8_t byte)
{
	p->sum += byte;
	if (p->escape) {
		byte ^= 0x20;
		p->escape = false;
	} else if (byte == '}') {
		p->escape = true;
		return;
	}
	if (p->len == RSP_MAX) {
		p->overflow = true;
		return;
	}
	p->buf[p->len++] = byte;
}

enum rsp_event rsp_feed(struct rsp_parser *p, uint8_t byte)
{
	int v;

	switch (p->state) {
	case OUTSIDE:
		return outside(p, byte);
	case DATA:
		if (byte == '#' && !p->escape)
			p->state = CSUM1;
		else if (byte == '$' && !p->escape)
			return outside(p, byte);	/* a new packet restarts */
		else
			data_byte(p, byte);
		return RSP_NONE;
	case CSUM1:
		p->csum_hi = rsp_hexval(byte);
		p->state = CSUM2;
		return RSP_NONE;
	default:
		p->state = OUTSIDE;
		p->buf[p->len] = '\0';
		v = rsp_hexval(byte);
		if (p->overflow)
			return RSP_TOO_LONG;
		if (p->csum_hi < 0 || v < 0 || (p->csum_hi << 4 | v) != p->sum)
			return RSP_BAD_CSUM;
		return RSP_PACKET;
	}
}

size_t rsp_frame(char *out, size_t cap, const char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t sum = 0;
	size_t o = 0, i;

	if (cap < 4)
		return 0;
	out[o++] = '$';
	for (i = 0; i < len; i++) {
		uint8_t c = data[i];

		if (c == '#' || c == '$' || c == '}' || c == '*') {
			if (o + 2 > cap - 3)
				return 0;
			out[o++] = '}';
			sum += '}';
			c ^= 0x20;
		} else if (o + 1 > cap - 3) {
			return 0;
		}
		out[o++] = c;
		sum += c;
	}
	out[o++] = '#';
	out[o++] = hex[sum >> 4];
	out[o++] = hex[sum & 15];
	return o;
}

void rsp_hex_encode(char *out, const void *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = in;
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

bool rsp_hex_decode(void *out, const char *in, size_t n)
{
	uint8_t *b = out;
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = rsp_hexval(in[2 * i]), lo = hi < 0 ? -1 : rsp_hexval(in[2 * i + 1]);

		if (lo < 0)
			return false;
		b[i] = hi << 4 | lo;
	}
	return true;
}

bool rsp_hex_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	int d, n = 0;

	while ((d = rsp_hexval(*p)) >= 0) {
		if (++n > 16)
			return false;
		x = x << 4 | d;
		p++;
	}
	if (!n)
		return false;
	*s = p;
	*v = x;
	return true;
}

bool rsp_parse_listen(const char *spec, struct rsp_listen *l)
{
	uint64_t port;

	memset(l, 0, sizeof(*l));
	if (!strncmp(spec, "tcp:", 4)) {
		if (!parse_uint(spec + 4, 1, 65535, &port))
			return false;
		l->port = port;
		return true;
	}
	if (!strncmp(spec, "unix:", 5)) {
		/* sun_path: 108 bytes with the NUL */
		if (!spec[5] || strlen(spec + 5) > 107)
			return false;
		l->unix_socket = true;
		l->path = spec + 5;
		return true;
	}
	return false;
}
