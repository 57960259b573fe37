/* SPDX-License-Identifier: GPL-2.0 */
/*
 * axctl host unit tests of the PC: what the files of pc_unit_test share.
 */
#ifndef AXCTL_TESTS_PC_UNIT_H
#define AXCTL_TESTS_PC_UNIT_H

#include <stdint.h>

/* One TAP-like line; counts the result. */
void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The fake monotonic clock of the PIT and UART tests (ns). */
extern uint64_t fake_ns;
uint64_t fake_clock(void);

/* tests/pc_serial.c: the 16550A, PIT channel 2 with port 0x61, the RTC's UIP. */
void test_serial(void);
void test_port_b(void);
void test_rtc_uip(void);
void test_tsc_cpuid(void);

#endif
