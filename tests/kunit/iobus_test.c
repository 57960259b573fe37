// SPDX-License-Identifier: GPL-2.0
/* KUnit tests for module/lib/iobus.c: the in-kernel device bus. */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/rcupdate.h>

#include "lib/iobus.h"

static int last_write;

static int t_read(struct axvm_io_device *dev, u64 addr, unsigned int width,
		  u64 *val)
{
	*val = (u64)(uintptr_t)dev->priv + (addr - dev->base);
	return 0;
}

static int t_write(struct axvm_io_device *dev, u64 addr, unsigned int width,
		   u64 val)
{
	last_write = val;
	return 0;
}

static const struct axvm_io_ops t_ops = { .read = t_read, .write = t_write };

static void register_lookup_unregister(struct kunit *test)
{
	struct axvm_io_device a = { .base = 0x80, .len = 1, .ops = &t_ops,
				    .priv = (void *)0x100 };
	struct axvm_io_device b = { .base = 0x3f8, .len = 8, .ops = &t_ops,
				    .priv = (void *)0x200 };
	struct axvm_io_device c = { .base = 0x40, .len = 4, .ops = &t_ops,
				    .priv = (void *)0x300 };
	struct axvm_iobus bus;
	u64 v = 0;

	axvm_iobus_init(&bus);
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_PIO, 0x80, 1,
						false, &v), -ENODEV);
	KUNIT_ASSERT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_PIO, &b), 0);
	KUNIT_ASSERT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_PIO, &a), 0);
	KUNIT_ASSERT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_PIO, &c), 0);
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_PIO, 0x3fa, 1,
						false, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0x202ull);
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_PIO, 0x42, 2,
						false, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0x302ull);
	/* Straddling the end of a range: not this device's. */
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_PIO, 0x43, 2,
						false, &v), -ENODEV);
	/* The other bus is separate. */
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_MMIO, 0x80, 1,
						false, &v), -ENODEV);
	v = 0x77;
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_PIO, 0x80, 1,
						true, &v), 0);
	KUNIT_EXPECT_EQ(test, last_write, 0x77);
	axvm_iobus_unregister(&bus, AXVM_BUS_PIO, &a);
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_PIO, 0x80, 1,
						false, &v), -ENODEV);
	KUNIT_EXPECT_EQ(test, axvm_iobus_access(&bus, AXVM_BUS_PIO, 0x3f8, 1,
						false, &v), 0);
	rcu_barrier();
	axvm_iobus_destroy(&bus);
}

static void rejects_overlap_and_bad_ranges(struct kunit *test)
{
	struct axvm_io_device a = { .base = 0x100, .len = 0x10, .ops = &t_ops };
	struct axvm_io_device o = { .base = 0x10f, .len = 2, .ops = &t_ops };
	struct axvm_io_device z = { .base = 0x200, .len = 0, .ops = &t_ops };
	struct axvm_io_device w = { .base = ~0ull, .len = 2, .ops = &t_ops };
	struct axvm_io_device many[AXVM_IOBUS_MAX_DEVS];
	struct axvm_iobus bus;
	int i;

	axvm_iobus_init(&bus);
	KUNIT_ASSERT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_MMIO, &a), 0);
	KUNIT_EXPECT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_MMIO, &o), -EEXIST);
	KUNIT_EXPECT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_MMIO, &z), -EINVAL);
	KUNIT_EXPECT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_MMIO, &w), -EINVAL);
	for (i = 0; i < AXVM_IOBUS_MAX_DEVS - 1; i++) {
		many[i] = (struct axvm_io_device){ .base = 0x1000 + i * 0x10,
						   .len = 0x10, .ops = &t_ops };
		KUNIT_EXPECT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_MMIO,
							  &many[i]), 0);
	}
	many[i] = (struct axvm_io_device){ .base = 0x9000, .len = 1, .ops = &t_ops };
	KUNIT_EXPECT_EQ(test, axvm_iobus_register(&bus, AXVM_BUS_MMIO, &many[i]),
			-ENOSPC);
	rcu_barrier();
	axvm_iobus_destroy(&bus);
}

static struct kunit_case iobus_cases[] = {
	KUNIT_CASE(register_lookup_unregister),
	KUNIT_CASE(rejects_overlap_and_bad_ranges),
	{}
};

static struct kunit_suite iobus_suite = {
	.name = "axvm_iobus",
	.test_cases = iobus_cases,
};
kunit_test_suite(iobus_suite);
