// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: QEMU fw_cfg, legacy I/O interface (see fwcfg.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pc/fwcfg.h"

#define DIR_ENTRY	64	/* size, select, reserved, name */

static int add(struct fwcfg *f, uint16_t key, const char *name, const void *data, size_t len)
{
	struct fwcfg_item *it;

	if (f->nr_items == FW_CFG_MAX_ITEMS || len > UINT32_MAX)
		return -1;
	it = &f->items[f->nr_items];
	memset(it, 0, sizeof(*it));
	it->data = malloc(len ? len : 1);
	if (!it->data)
		return -1;
	memcpy(it->data, data, len);
	it->len = len;
	it->key = key;
	if (name)
		strncpy(it->name, name, FW_CFG_NAME_LEN - 1);
	f->nr_items++;
	return 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* The directory item, from the files: the last item of its key wins. */
static int rebuild_dir(struct fwcfg *f)
{
	size_t len = 4 + (size_t)f->nr_files * DIR_ENTRY;
	uint8_t *d = calloc(1, len);
	unsigned int i, n = 0;

	if (!d)
		return -1;
	put_be32(d, f->nr_files);
	for (i = 0; i < f->nr_items; i++) {
		const struct fwcfg_item *it = &f->items[i];
		uint8_t *e;

		if (it->key < FW_CFG_FILE_FIRST)
			continue;
		e = d + 4 + n++ * DIR_ENTRY;
		put_be32(e, it->len);
		e[4] = it->key >> 8;
		e[5] = it->key & 0xff;
		memcpy(e + 8, it->name, FW_CFG_NAME_LEN);
	}
	for (i = 0; i < f->nr_items; i++) {
		if (f->items[i].key == FW_CFG_FILE_DIR) {
			free(f->items[i].data);
			f->items[i].data = d;
			f->items[i].len = len;
			return 0;
		}
	}
	free(d);
	return -1;
}

void fwcfg_init(struct fwcfg *f, uint64_t ram_size, unsigned int nr_cpus)
{
	uint8_t ram[8], cpus[2], id[4] = { 1, 0, 0, 0 }, count[4] = { 0 };
	unsigned int i;

	memset(f, 0, sizeof(*f));
	f->cur = -1;
	for (i = 0; i < 8; i++)
		ram[i] = ram_size >> (8 * i);
	cpus[0] = nr_cpus & 0xff;
	cpus[1] = nr_cpus >> 8;
	add(f, FW_CFG_SIGNATURE, NULL, "QEMU", 4);
	add(f, FW_CFG_ID, NULL, id, sizeof(id));
	add(f, FW_CFG_RAM_SIZE, NULL, ram, sizeof(ram));
	add(f, FW_CFG_NB_CPUS, NULL, cpus, sizeof(cpus));
	add(f, FW_CFG_FILE_DIR, NULL, count, sizeof(count));
}

int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, size_t len)
{
	uint16_t key = FW_CFG_FILE_FIRST + f->nr_files;

	if (!name[0] || strlen(name) >= FW_CFG_NAME_LEN)
		return -1;
	if (add(f, key, name, data, len))
		return -1;
	f->nr_files++;
	if (rebuild_dir(f)) {
		f->nr_items--;
		f->nr_files--;
		free(f->items[f->nr_items].data);
		return -1;
	}
	return key;
}

void fwcfg_free(struct fwcfg *f)
{
	unsigned int i;

	for (i = 0; i < f->nr_items; i++)
		free(f->items[i].data);
	f->nr_items = 0;
}

void fwcfg_select(struct fwcfg *f, uint16_t key)
{
	unsigned int i;

	f->selector = key;
	f->offset = 0;
	f->cur = -1;
	/* Bit 14 is the write flag, bit 15 the architecture-specific range. */
	for (i = 0; i < f->nr_items; i++)
		if (f->items[i].key == (key & 0x3fff) && !(key & 0x8000))
			f->cur = i;
}

uint8_t fwcfg_read(struct fwcfg *f)
{
	const struct fwcfg_item *it;

	if (f->cur < 0)
		return 0;
	it = &f->items[f->cur];
	if (f->offset >= it->len)
		return 0;
	return it->data[f->offset++];
}
