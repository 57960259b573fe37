/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The GDB remote serial protocol's framing, without sockets or a VM: the
 * packet parser fed byte by byte ($data#cs, acks, the ^C interrupt byte,
 * '}' escapes), the packet writer, hex, and the --gdb address. gdb.c
 * serves the packets; tests/gdb_unit.c checks this file on the host.
 * Reference: the GDB manual, appendix E "GDB Remote Serial Protocol".
 */
#ifndef AXCTL_RSP_H
#define AXCTL_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RSP_MAX		4096	/* PacketSize we announce; larger packets are refused */

enum rsp_event {
	RSP_NONE,		/* more bytes needed */
	RSP_PACKET,		/* a packet with a good checksum: p->buf, p->len */
	RSP_BAD_CSUM,		/* a packet with a bad checksum (answer '-') */
	RSP_TOO_LONG,		/* a packet longer than RSP_MAX (answer '-') */
	RSP_INTERRUPT,		/* the ^C byte (0x03) outside a packet */
	RSP_ACK,		/* '+' */
	RSP_NAK,		/* '-': send the last packet again */
};

struct rsp_parser {
	int state;
	bool escape, overflow;
	uint8_t sum;
	int csum_hi;
	size_t len;
	char buf[RSP_MAX + 1];	/* the payload, NUL-terminated */
};

void rsp_init(struct rsp_parser *p);
enum rsp_event rsp_feed(struct rsp_parser *p, uint8_t byte);

/*
 * "$" data "#" checksum into out (cap bytes); '#', '$', '}' and '*' are
 * escaped. Returns the length, 0 if it does not fit.
 */
size_t rsp_frame(char *out, size_t cap, const char *data, size_t len);

int rsp_hexval(char c);		/* -1 if not a hex digit */
void rsp_hex_encode(char *out, const void *in, size_t n);	/* 2n chars + NUL */
bool rsp_hex_decode(void *out, const char *in, size_t n);	/* n bytes from 2n chars */
/* A hex number at *s (at most 16 digits); *s moves past it. */
bool rsp_hex_u64(const char **s, uint64_t *v);

/* --gdb tcp:PORT | unix:PATH */
struct rsp_listen {
	bool unix_socket;
	unsigned int port;
	const char *path;
};

bool rsp_parse_listen(const char *spec, struct rsp_listen *l);

#endif
