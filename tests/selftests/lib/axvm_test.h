/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every axvm selftest includes: the kselftest harness, the axvm
 * library, the guest symbol addresses, and harness-level helpers (SKIP
 * when axvm is absent, assertions on exit records). Include it from the
 * test's single C file only: kselftest_harness.h defines functions.
 */
#ifndef AXVM_SELFTEST_TEST_H
#define AXVM_SELFTEST_TEST_H

#include "kselftest_harness.h"

#include "axvm_util.h"
#include "guest_syms.h"

/* SKIP the test (with the reason) unless /dev/axvm can be opened. */
#define AXVM_REQUIRE() do {						\
	const char *__why = axvm_unavailable();				\
	if (__why)							\
		SKIP(return, "%s", __why);				\
} while (0)

/* AXVM_REQUIRE(), and SKIP unless caps.flags has all bits of _cap. */
#define AXVM_REQUIRE_CAP(_cap) do {					\
	struct axvm_caps __caps;					\
	AXVM_REQUIRE();							\
	axvm_get_caps(&__caps);						\
	if ((__caps.flags & (_cap)) != (_cap))				\
		SKIP(return, "axvm lacks %s (caps.flags 0x%x)", #_cap,	\
		     __caps.flags);					\
} while (0)

/* The last exit of vcpu is of kind _kind (else dump it and fail). */
#define ASSERT_EXIT_KIND(vcpu, _kind) do {				\
	const struct axvm_exit *__ek = &(vcpu)->run->exit;		\
	ASSERT_EQ((uint32_t)(_kind), __ek->kind) {			\
		TH_LOG("expected exit %s, got %s",			\
		       axvm_exit_name(_kind), axvm_exit_name(__ek->kind)); \
		axvm_dump_exit(stderr, __ek);				\
	}								\
} while (0)

/* The last exit is an IO_WRITE of _data, _width bytes wide, to _port. */
#define ASSERT_IO_WRITE(vcpu, _port, _width, _data) do {		\
	const struct axvm_exit *__io = &(vcpu)->run->exit;		\
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_IO_WRITE);			\
	ASSERT_EQ((uint16_t)(_port), __io->u.io_write.port)		\
		axvm_dump_exit(stderr, __io);				\
	ASSERT_EQ((uint8_t)(_width), __io->u.io_write.width)		\
		axvm_dump_exit(stderr, __io);				\
	ASSERT_EQ((uint64_t)(_data), (uint64_t)__io->u.io_write.data)	\
		axvm_dump_exit(stderr, __io);				\
} while (0)

/* Run, and the exit must be the given IO_WRITE / report / done / HLT. */
#define ASSERT_RUN_IO_WRITE(vcpu, _port, _width, _data) do {		\
	axvm_vcpu_run(vcpu);						\
	ASSERT_IO_WRITE(vcpu, _port, _width, _data);			\
} while (0)
#define ASSERT_RUN_REPORT(vcpu, _value)					\
	ASSERT_RUN_IO_WRITE(vcpu, UCALL_PORT_REPORT, AXVM_WIDTH_DWORD,	\
			    (uint32_t)(_value))
#define ASSERT_RUN_DONE(vcpu)						\
	ASSERT_RUN_IO_WRITE(vcpu, UCALL_PORT_DONE, AXVM_WIDTH_DWORD, 0)
#define ASSERT_RUN_HALT(vcpu) do {					\
	axvm_vcpu_run(vcpu);						\
	ASSERT_EXIT_KIND(vcpu, AXVM_EXIT_HALT);				\
} while (0)

/*
 * For ASSERT_ERRNO/EXPECT_ERRNO: r is what a syscall returned; the errno it
 * failed with, 0 if it succeeded, -1 if it returned another negative value.
 */
static inline int __axvm_errno_of(struct __test_metadata *_metadata,
				  const char *expr, int r)
{
	int err = errno;

	if (r == -1)
		return err;
	TH_LOG("%s returned %d instead of failing", expr, r);
	return r >= 0 ? 0 : -1;
}

/*
 * The syscall expression _expr fails (-1) with errno _err. Like the other
 * harness checks, a block or statement may follow as a failure handler:
 *	EXPECT_ERRNO(EINVAL, ioctl(fd, AXVM_SET_SREGS, &s)) TH_LOG("pad");
 * (brace the body of a for/if that holds one: the macro is two statements).
 */
#define ASSERT_ERRNO(_err, _expr)					\
	__EXPECT((_err), #_err,						\
		 __axvm_errno_of(_metadata, #_expr, (errno = 0, (_expr))), \
		 #_expr, ==, 1)
#define EXPECT_ERRNO(_err, _expr)					\
	__EXPECT((_err), #_err,						\
		 __axvm_errno_of(_metadata, #_expr, (errno = 0, (_expr))), \
		 #_expr, ==, 0)

/* As __axvm_errno_of(), for either of two errnos: 1 if r == -1 with e1 or e2. */
static inline int __axvm_errno_in(struct __test_metadata *_metadata,
				  const char *expr, int r, int e1, int e2)
{
	int err = errno;

	if (r == -1 && (err == e1 || err == e2))
		return 1;
	if (r == -1)
		TH_LOG("%s failed with errno %d (%s)", expr, err, strerror(err));
	else
		TH_LOG("%s returned %d instead of failing", expr, r);
	return 0;
}

/*
 * _expr fails with errno _e1 or _e2: for errors whose errno the ABI
 * documentation does not pin down, where the generic EINVAL and a more
 * specific errno are both reasonable (see ioctl_test).
 */
#define EXPECT_ERRNO_EITHER(_e1, _e2, _expr)				\
	__EXPECT(1, "errno " #_e1 " or " #_e2,				\
		 __axvm_errno_in(_metadata, #_expr, (errno = 0, (_expr)), \
				 (_e1), (_e2)),				\
		 #_expr, ==, 0)

#endif
