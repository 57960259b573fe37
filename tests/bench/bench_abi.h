/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark guest (guest.S) and the host program (axvm_bench.c)
 * agree on. #defines only: included by assembly and by C.
 *
 * The guest runs in 32-bit protected mode, flat segments, no paging,
 * loaded at BENCH_LOAD_GPA and entered there with interrupts off. The host
 * writes the parameter block at BENCH_RES_GPA before the run; the guest
 * runs one case (a warm-up loop, then RES_REPS times an empty loop and the
 * measured loop, each timed with LFENCE; RDTSC; LFENCE), stores four time
 * stamps per repetition next to the parameters, writes BENCH_DONE_MAGIC
 * and does OUT to BENCH_DONE_PORT.
 */
#ifndef AXVM_BENCH_ABI_H
#define AXVM_BENCH_ABI_H

#define BENCH_LOAD_GPA		0x1000
#define BENCH_STACK_TOP		0x8000
#define BENCH_RES_GPA		0x800

/* Parameter/result block at BENCH_RES_GPA: byte offsets. */
#define RES_MAGIC		0x00	/* u32, guest: BENCH_DONE_MAGIC at the end */
#define RES_BODY		0x04	/* u32, host: BODY_* */
#define RES_ITERS		0x08	/* u32, host: measured iterations */
#define RES_WARM		0x0c	/* u32, host: warm-up iterations */
#define RES_PARAM_WARM		0x10	/* u32, host: EDI for the warm-up loop */
#define RES_PARAM		0x14	/* u32, host: EDI for the first empty and measured loops */
#define RES_REPS		0x18	/* u32, host: repetitions, 1..BENCH_MAX_REPS */
#define RES_STAMPS		0x20	/* guest: RES_REP_SIZE bytes per repetition */
#define RES_SIZE		(RES_STAMPS + BENCH_MAX_REPS * RES_REP_SIZE)

/*
 * One repetition's time stamps (u64, guest TSC), at RES_STAMPS + rep *
 * RES_REP_SIZE. After each measured loop the guest stores its final EDI
 * back into RES_PARAM, so the first-touch case gets fresh pages in every
 * repetition.
 */
#define BENCH_MAX_REPS		8
#define RES_REP_SIZE		0x20
#define RES_E0			0x00	/* before the empty loop */
#define RES_E1			0x08	/* after it */
#define RES_T0			0x10	/* before the measured loop */
#define RES_T1			0x18	/* after it */

#define BENCH_DONE_PORT		0x11
#define BENCH_DONE_MAGIC	0x0be4c0de

/*
 * Loop bodies. EDI is the parameter; the setup part runs in the empty
 * loop too, the exiting instruction only in the measured one:
 *  CPUID:      EAX = ECX = 0; CPUID
 *  VMCALL:     EAX = EDI (nr), EBX = 0x2000, ECX = 1, EDX = 0; VMCALL
 *  PIO_READ:   DX = EDI; IN AL, DX
 *  PIO_WRITE:  DX = EDI; OUT DX, AL
 *  MMIO_READ:  MOV EAX, [EDI]
 *  MMIO_WRITE: MOV [EDI], EAX
 *  RDMSR:      ECX = EDI; RDMSR
 *  TOUCH:      EDI += 4096; MOV BYTE [EDI], 1 (a new page each time)
 */
#define BODY_CPUID		0
#define BODY_VMCALL		1
#define BODY_PIO_READ		2
#define BODY_PIO_WRITE		3
#define BODY_MMIO_READ		4
#define BODY_MMIO_WRITE		5
#define BODY_RDMSR		6
#define BODY_TOUCH		7
#define BODY_NR			8

#endif
