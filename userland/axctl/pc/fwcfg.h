/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: QEMU's fw_cfg, legacy I/O interface only (QEMU's
 * docs/specs/fw_cfg.rst): a 16-bit write to 0x510 selects an item and
 * rewinds it; byte reads of 0x511 return its bytes in turn, then 0 past
 * the end. Writes to 0x511 are ignored (QEMU 2.4+ drops them too); the
 * DMA interface is not offered (ID bit 1 clear).
 *
 * Items: 0x0000 signature "QEMU", 0x0001 ID (1: traditional interface),
 * 0x0003 RAM_SIZE (64-bit LE), 0x0005 NB_CPUS (16-bit LE), 0x0019 the
 * file directory (32-bit big-endian count, then per file 32-bit BE size,
 * 16-bit BE selector, 16 bits reserved, a 56-byte NUL-padded name), the
 * files from selector 0x0020 on.
 */
#ifndef AXCTL_PC_FWCFG_H
#define AXCTL_PC_FWCFG_H

#include <stddef.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511

#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_ID		0x0001
#define FW_CFG_RAM_SIZE		0x0003
#define FW_CFG_NB_CPUS		0x0005
#define FW_CFG_FILE_DIR		0x0019
#define FW_CFG_FILE_FIRST	0x0020

#define FW_CFG_MAX_ITEMS	16
#define FW_CFG_NAME_LEN		56

struct fwcfg_item {
	uint16_t key;
	char name[FW_CFG_NAME_LEN];	/* files only; "" for the fixed keys */
	uint8_t *data;
	uint32_t len;
};

struct fwcfg {
	struct fwcfg_item items[FW_CFG_MAX_ITEMS];
	unsigned int nr_items, nr_files;
	uint8_t *dir;			/* the 0x0019 item, rebuilt on each add */
	uint16_t selector;
	uint32_t offset;
	int cur;			/* index into items, -1: none */
};

void fwcfg_init(struct fwcfg *f, uint64_t ram_size, unsigned int nr_cpus);
/* A file (data copied): its selector, or -1 (table full, bad name, no memory). */
int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, size_t len);
void fwcfg_free(struct fwcfg *f);
uint8_t fwcfg_read(struct fwcfg *f);
void fwcfg_select(struct fwcfg *f, uint16_t key);

#endif
