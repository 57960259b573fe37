#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The test machine's part of `make check`: load axvm, run the selftests,
# unload (which fails if anything still holds the module). TAP on stdout.
rc=0
t() {	# t NAME CMD...: one TAP line for one command
	name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; rc=1; fi
}
echo "TAP version 13"
t "insmod axvm.ko" insmod /opt/axvm/axvm.ko || exit 1
t "/dev/axvm is a character device" test -c /dev/axvm
# What scripts/99-axvm.rules does on a real host (no udev here): group kvm,
# mode 0660, for the selftests that run as ordinary users of that group.
grep -q '^kvm:' /etc/group 2>/dev/null || echo 'kvm:x:36:' >> /etc/group
t "/dev/axvm: group kvm, mode 0660" sh -c 'chgrp 36 /dev/axvm && chmod 0660 /dev/axvm'
t "module BTF in /sys/kernel/btf/axvm" test -e /sys/kernel/btf/axvm
dmesg | grep 'axvm:' | sed 's/^/# /'
# Which suites run where (README.md, "What the tests cover"). Bochs is one
# host thread whatever the CPU count, so a second emulated CPU makes the
# same work 2-4 times as slow: the 2-CPU stage runs what is about SMP or
# concurrency (threads really in parallel, vCPUs on different CPUs,
# migration, IPIs, guests with several vCPUs), the 1-CPU stage everything
# else and, where one CPU proves something of its own, those suites too.
# Every suite runs in at least one stage.
# virtio_test, net_test: the devices' I/O threads really beside the vCPU
# (and the 1-CPU stage is the longer one).
smp_only="fuzz_test hotplug_test mmio_test preempt_test ring_test virtio_test net_test"
both="kvm_turns_test lapic_test lifetime_test runpage_test"
cpus=$(grep -c '^processor' /proc/cpuinfo)
# The randomised suites start from a seed that changes every day (printed,
# so a failure reproduces with the same variable): each CI run tries new
# call sequences and new random-code guests.
day=$(( $(date +%s) / 86400 ))
export AXVM_FUZZ_SEED=${AXVM_FUZZ_SEED:-$day}
export AXVM_HOSTILE_SEED=${AXVM_HOSTILE_SEED:-$(( (day % 1000) * 8 + 1 ))}
if [ "$cpus" -gt 1 ]; then
	export AXVM_FUZZ_CALLS=${AXVM_FUZZ_CALLS:-25000}
	export AXVM_LEAK_CYCLES=${AXVM_LEAK_CYCLES:-200}
	tests="$smp_only $both"
else
	export AXVM_HOSTILE_SEEDS=${AXVM_HOSTILE_SEEDS:-8}
	# One Linux boot, with 2 vCPUs: the SMP bring-up and IPIs of a real
	# kernel, on the stage where it is affordable (326 s; on the 2-CPU
	# machine it has not been seen to finish within 10 min).
	export AXVM_LINUX_VCPUS=${AXVM_LINUX_VCPUS:-2}
	export AXVM_LEAK_CYCLES=${AXVM_LEAK_CYCLES:-500}
	tests=""
	for t in /opt/axvm/tests/*_test; do
		[ -x "$t" ] || continue
		n=${t##*/}
		case " $smp_only " in *" $n "*) continue ;; esac
		tests="$tests $n"
	done
fi
echo "# $cpus CPU(s): AXVM_FUZZ_SEED=$AXVM_FUZZ_SEED AXVM_FUZZ_CALLS=${AXVM_FUZZ_CALLS:-default} AXVM_HOSTILE_SEED=$AXVM_HOSTILE_SEED AXVM_HOSTILE_SEEDS=${AXVM_HOSTILE_SEEDS:-default} AXVM_LEAK_CYCLES=${AXVM_LEAK_CYCLES:-default}"
echo "# suites:$tests"
sh /opt/axvm/tests/run.sh $tests || rc=1
t "rmmod axvm (no VM or fd left behind)" rmmod axvm
# axctl trace without the module: status 4, before any BPF is loaded.
t "axctl trace without axvm: status 4" sh -c '/opt/axvm/axctl trace -j >/dev/null 2>&1; [ $? = 4 ]'
exit $rc
