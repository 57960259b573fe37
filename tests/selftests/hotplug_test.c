// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug with a VM alive: axvm keeps VMX on every online CPU, so a
 * CPU that goes offline must VMCLEAR the VMCSs active on it and leave VMX
 * operation, and one that comes back must re-enter it. The vCPU runs on
 * CPU 1, CPU 1 goes offline (the VMCS moves to CPU 0), comes back, and the
 * vCPU runs there again; every run must report the guest's magic value.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include "axvm_test.h"

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static int set_online(int on)
{
	int fd = open(CPU1_ONLINE, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void run_magic(struct __test_metadata *_metadata, struct axvm_vcpu *v)
{
	axvm_vcpu_setup_long(v, G64_MAGIC);
	ASSERT_RUN_REPORT(v, GUEST_MAGIC);
	ASSERT_RUN_DONE(v);
	ASSERT_RUN_HALT(v);
}

TEST(offline_online_with_vm)
{
	struct axvm_vm *vm;
	struct axvm_vcpu *v;

	AXVM_REQUIRE();
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || access(CPU1_ONLINE, W_OK))
		SKIP(return, "needs a hot-pluggable CPU 1 (2 CPUs online)");
	vm = axvm_vm_create(AXVM_DEFAULT_RAM);
	axvm_load_image(vm, &axvm_guest64);
	v = axvm_vcpu_add(vm, 0);

	ASSERT_EQ(0, pin(1));
	run_magic(_metadata, v);		/* VMCS now active on CPU 1 */
	ASSERT_EQ(0, pin(0));
	ASSERT_EQ(0, set_online(0)) TH_LOG("offlining CPU 1 failed");
	run_magic(_metadata, v);		/* cleared by CPU 1's offline */
	ASSERT_EQ(0, set_online(1)) TH_LOG("onlining CPU 1 failed");
	ASSERT_EQ(0, pin(1)) TH_LOG("CPU 1 did not come back");
	run_magic(_metadata, v);		/* VMX on again on CPU 1 */
	pin(0);
	axvm_vm_free(vm);
}

TEST_HARNESS_MAIN
