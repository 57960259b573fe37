// SPDX-License-Identifier: GPL-2.0
/*
 * axctl: virtio-blk on a raw image (see blk.h; VIRTIO 1.2 section 5.2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/blk.h"

#define BLK_HDR_LEN	16
#define FEAT(bit)	(1ULL << (bit))

/* --- the image ----------------------------------------------------------- */

static int open_fail(struct virtio_blk *b, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "disk %s: %s", b->path, what);
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	return -1;
}

static void make_id(struct virtio_blk *b)
{
	const char *base = strrchr(b->path, '/');

	base = base ? base + 1 : b->path;
	memset(b->id, 0, sizeof(b->id));
	memcpy(b->id, base, strnlen(base, sizeof(b->id)));
}

int virtio_blk_open(struct virtio_blk *b, char *spec, char *err, size_t errlen)
{
	char *opt = strchr(spec, ',');
	struct stat st;
	off_t size;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->path = spec;
	if (opt) {
		*opt++ = '\0';
		if (strcmp(opt, "ro"))
			return open_fail(b, err, errlen, "unknown option (FILE or FILE,ro)");
		b->ro = true;
	}
	if (!*spec)
		return open_fail(b, err, errlen, "no file name");
	b->fd = open(spec, (b->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0)
		return open_fail(b, err, errlen, strerror(errno));
	if (fstat(b->fd, &st) || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
		return open_fail(b, err, errlen, "not a regular file or block device");
	if (flock(b->fd, (b->ro ? LOCK_SH : LOCK_EX) | LOCK_NB))
		return open_fail(b, err, errlen, errno == EWOULDBLOCK ?
				 "in use by another VM (locked)" : strerror(errno));
	size = lseek(b->fd, 0, SEEK_END);
	if (size < 0)
		return open_fail(b, err, errlen, strerror(errno));
	b->sectors = size / VIRTIO_BLK_SECTOR;
	make_id(b);
	return 0;
}

void virtio_blk_close(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	if (b->vm.ops) {		/* virtio_blk_setup() was called */
		pthread_cond_destroy(&b->cond);
		virtio_mmio_destroy(&b->vm);
		b->vm.ops = NULL;
	}
}

/* --- requests ------------------------------------------------------------ */

/* dst = len bytes of src[0..n) from byte skip; the number of entries. */
static unsigned int iov_slice(const struct iovec *src, unsigned int n, uint64_t skip,
			      uint64_t len, struct iovec *dst)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len; i++) {
		uint64_t l = src[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		l -= skip;
		if (l > len)
			l = len;
		dst[k].iov_base = (uint8_t *)src[i].iov_base + skip;
		dst[k++].iov_len = l;
		len -= l;
		skip = 0;
	}
	return k;
}

/* Copy len bytes out of the iovecs from byte 0 (len <= their total). */
static void iov_read(const struct iovec *iov, unsigned int n, void *buf, size_t len)
{
	struct iovec part[VQ_MAX_SIZE];
	unsigned int k = iov_slice(iov, n, 0, len, part), i;
	uint8_t *p = buf;

	for (i = 0; i < k; i++) {
		memcpy(p, part[i].iov_base, part[i].iov_len);
		p += part[i].iov_len;
	}
}

/* preadv/pwritev until done: 0, or -1 on an error or end of file. */
static int rw_all(int fd, struct iovec *iov, unsigned int n, uint64_t off, bool write)
{
	while (n) {
		ssize_t r = write ? pwritev(fd, iov, n, off) : preadv(fd, iov, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += r;
		while (n && (size_t)r >= iov->iov_len) {
			r -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= r;
		}
	}
	return 0;
}

/* The sectors [sector, sector + len / 512) are inside the disk. */
static bool in_range(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	return len % VIRTIO_BLK_SECTOR == 0 && sector <= b->sectors &&
	       len / VIRTIO_BLK_SECTOR <= b->sectors - sector;
}

static uint8_t do_rw(struct virtio_blk *b, const struct vq_chain *c, uint64_t sector,
		     bool write, uint32_t *used)
{
	struct iovec part[VQ_MAX_SIZE];
	uint64_t len = write ? c->out_bytes - BLK_HDR_LEN : c->in_bytes - 1;
	unsigned int n;

	if (write && b->ro)
		return VIRTIO_BLK_S_IOERR;	/* 5.2.6.2: nothing written */
	if (!in_range(b, sector, len))
		return VIRTIO_BLK_S_IOERR;
	if (write)
		n = iov_slice(c->iov, c->nr_out, BLK_HDR_LEN, len, part);
	else
		n = iov_slice(c->iov + c->nr_out, c->nr_in, 0, len, part);
	if (rw_all(b->fd, part, n, sector * VIRTIO_BLK_SECTOR, write))
		return VIRTIO_BLK_S_IOERR;
	if (!write)
		*used += len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct virtio_blk *b, const struct vq_chain *c, uint32_t *used)
{
	struct iovec part[VQ_MAX_SIZE];
	uint64_t len = c->in_bytes - 1;
	unsigned int n, i;
	const char *p = b->id;

	if (len > VIRTIO_BLK_ID_BYTES)
		len = VIRTIO_BLK_ID_BYTES;
	n = iov_slice(c->iov + c->nr_out, c->nr_in, 0, len, part);
	for (i = 0; i < n; i++) {
		memcpy(part[i].iov_base, p, part[i].iov_len);
		p += part[i].iov_len;
	}
	*used += len;
	return VIRTIO_BLK_S_OK;
}

/*
 * Serve one chain; its used length (status byte included), or -1 when it
 * has no device-writable byte for the status (malformed).
 */
static int64_t blk_request(struct virtio_blk *b, const struct vq_chain *c)
{
	const struct iovec *last;
	uint8_t hdr[BLK_HDR_LEN], st;
	uint32_t type, used = 1;
	uint64_t sector;

	if (!c->nr_in)
		return -1;
	if (c->out_bytes < BLK_HDR_LEN) {
		st = VIRTIO_BLK_S_IOERR;
	} else {
		iov_read(c->iov, c->nr_out, hdr, sizeof(hdr));
		memcpy(&type, hdr, 4);
		memcpy(&sector, hdr + 8, 8);
		switch (type) {
		case VIRTIO_BLK_T_IN:
		case VIRTIO_BLK_T_OUT:
			st = do_rw(b, c, sector, type == VIRTIO_BLK_T_OUT, &used);
			break;
		case VIRTIO_BLK_T_FLUSH:
			st = fdatasync(b->fd) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
			break;
		case VIRTIO_BLK_T_GET_ID:
			st = do_get_id(b, c, &used);
			break;
		default:
			st = VIRTIO_BLK_S_UNSUPP;
		}
	}
	last = &c->iov[c->nr_out + c->nr_in - 1];
	*((uint8_t *)last->iov_base + last->iov_len - 1) = st;
	b->reqs++;
	if (st != VIRTIO_BLK_S_OK)
		b->errors++;
	return used;
}

unsigned int virtio_blk_process(struct virtio_blk *b)
{
	struct virtio_mmio *vm = &b->vm;
	unsigned int served = 0, gen;
	int64_t used;
	int r;

	for (;;) {
		pthread_mutex_lock(&vm->lock);
		r = virtio_mmio_queue_live(vm, 0) ? vq_pop(&vm->vq[0], &vm->mem, &b->chain) : 0;
		if (r < 0)
			virtio_mmio_fail(vm);
		gen = vm->generation;
		pthread_mutex_unlock(&vm->lock);
		if (r <= 0)
			return served;
		used = blk_request(b, &b->chain);
		pthread_mutex_lock(&vm->lock);
		if (gen == vm->generation && virtio_mmio_queue_live(vm, 0)) {
			if (used < 0) {
				virtio_mmio_fail(vm);
			} else {
				vq_push(&vm->vq[0], b->chain.head, used);
				virtio_mmio_used(vm, 0);
			}
		}
		pthread_mutex_unlock(&vm->lock);
		served++;
	}
}

/* --- the transport's side ------------------------------------------------- */

static const void *blk_config(struct virtio_mmio *vm)
{
	return ((struct virtio_blk *)vm->dev)->config;
}

static void blk_notify(struct virtio_mmio *vm, unsigned int q)
{
	struct virtio_blk *b = vm->dev;

	(void)q;
	b->kicked = true;
	pthread_cond_signal(&b->cond);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nr_queues = 1,
	.config_len = VIRTIO_BLK_CONFIG_LEN,
	.config = blk_config,
	.notify = blk_notify,
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);		/* x86: little-endian like virtio 1.x */
}

void virtio_blk_setup(struct virtio_blk *b, uint64_t base, const struct guest_mem *mem,
		      void (*set_irq)(void *, bool), void *arg)
{
	uint64_t f = FEAT(VIRTIO_BLK_F_SEG_MAX) | FEAT(VIRTIO_BLK_F_BLK_SIZE) |
		     FEAT(VIRTIO_BLK_F_FLUSH);

	if (b->ro)
		f |= FEAT(VIRTIO_BLK_F_RO);
	memset(b->config, 0, sizeof(b->config));
	memcpy(b->config, &b->sectors, 8);			/* capacity */
	put32(b->config + 12, VQ_MAX_SIZE - 2);			/* seg_max: + header, status */
	put32(b->config + 20, VIRTIO_BLK_SECTOR);		/* blk_size */
	virtio_mmio_init(&b->vm, &blk_ops, b, base, mem, f, set_irq, arg);
	pthread_cond_init(&b->cond, NULL);
}

static void *io_thread(void *arg)
{
	struct virtio_blk *b = arg;

	pthread_mutex_lock(&b->vm.lock);
	while (!b->stop) {
		if (!b->kicked) {
			pthread_cond_wait(&b->cond, &b->vm.lock);
			continue;
		}
		b->kicked = false;
		pthread_mutex_unlock(&b->vm.lock);
		virtio_blk_process(b);
		pthread_mutex_lock(&b->vm.lock);
	}
	pthread_mutex_unlock(&b->vm.lock);
	return NULL;
}

int virtio_blk_start(struct virtio_blk *b)
{
	int r = pthread_create(&b->thread, NULL, io_thread, b);

	b->started = !r;
	return -r;
}

void virtio_blk_stop(struct virtio_blk *b)
{
	if (!b->started)
		return;
	pthread_mutex_lock(&b->vm.lock);
	b->stop = true;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->vm.lock);
	pthread_join(b->thread, NULL);
	b->started = false;
}
