/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl: virtio-blk (VIRTIO 1.2 section 5.2 "Block Device") over
 * virtio-mmio, backed by a raw image file (`--disk FILE[,ro]`).
 *
 * One request queue. Requests (5.2.6): a 16-byte device-readable header
 * {type, reserved, sector}, the data, a device-writable status byte at
 * the very end. Served: VIRTIO_BLK_T_IN (preadv straight into guest RAM),
 * T_OUT (pwritev from it), T_FLUSH (fdatasync: what the guest was told is
 * written is on the disk before the status says OK), T_GET_ID (20 bytes,
 * the image's base name). Anything else gets VIRTIO_BLK_S_UNSUPP. A
 * transfer that is not a whole number of 512-byte sectors or reaches past
 * the end of the image, or a failed host call, gets VIRTIO_BLK_S_IOERR.
 * A read-only disk offers VIRTIO_BLK_F_RO and answers T_OUT with
 * VIRTIO_BLK_S_IOERR without writing (5.2.6.2). A chain without room for
 * the status byte is malformed: DEVICE_NEEDS_RESET (mmio.h).
 *
 * The image is opened O_RDWR (O_RDONLY with ro) and locked with flock()
 * (shared with ro, exclusive otherwise) so that two VMs cannot write one
 * image. Capacity: the file's size in sectors, rounded down.
 *
 * Threads: a QueueNotify from a vCPU (an MMIO exit) only wakes the disk's
 * I/O thread; the thread pops a chain under the transport lock, does the
 * host I/O without it, and pushes the result and raises the interrupt
 * under it again. virtio_blk_process() is that work, callable directly
 * (the host tests do).
 */
#ifndef AXCTL_VIRTIO_BLK_H
#define AXCTL_VIRTIO_BLK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/mmio.h"

#define VIRTIO_ID_BLOCK		2
#define VIRTIO_BLK_SECTOR	512
#define VIRTIO_BLK_ID_BYTES	20
#define VIRTIO_BLK_CONFIG_LEN	36	/* to num_queues (5.2.4) */

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

/* Request types and status (5.2.6). */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

/**
 * struct virtio_blk - one disk
 * @vm: its transport
 * @path: the image, @fd open on it, @ro read-only
 * @sectors: capacity in 512-byte sectors
 * @id: GET_ID's answer (NUL-padded)
 * @config: the configuration space (5.2.4)
 * @chain: the request being served (the I/O thread's)
 * @kicked, @stop: for the I/O thread, under vm.lock, with @cond
 * @reqs, @errors: requests served, and of them not VIRTIO_BLK_S_OK
 */
struct virtio_blk {
	struct virtio_mmio vm;
	const char *path;
	int fd;
	bool ro;
	uint64_t sectors;
	char id[VIRTIO_BLK_ID_BYTES];
	uint8_t config[VIRTIO_BLK_CONFIG_LEN];
	struct vq_chain chain;
	pthread_t thread;
	pthread_cond_t cond;
	bool kicked, stop, started;
	uint64_t reqs, errors;
};

/*
 * Parse "FILE[,ro]" and open the image: 0, or -1 with err filled (cannot
 * open, not a regular file or block device, in use, bad option).
 */
int virtio_blk_open(struct virtio_blk *b, char *spec, char *err, size_t errlen);
/* The transport at base over guest RAM mem, interrupt through set_irq(arg, level). */
void virtio_blk_setup(struct virtio_blk *b, uint64_t base, const struct guest_mem *mem,
		      void (*set_irq)(void *, bool), void *arg);
/* Start/stop the I/O thread (0 or -errno). */
int virtio_blk_start(struct virtio_blk *b);
void virtio_blk_stop(struct virtio_blk *b);
/* After stop: close the image, free the transport's lock. */
void virtio_blk_close(struct virtio_blk *b);
/* Serve every request the driver has made available; returns how many. */
unsigned int virtio_blk_process(struct virtio_blk *b);

#endif
