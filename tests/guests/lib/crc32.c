// SPDX-License-Identifier: GPL-2.0
/*
 * CRC-32 (reflected, polynomial 0xedb88320), bit by bit: small, no table.
 */
#include "guest.h"

uint32_t crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}
