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
# The heavy hardening loops run in full on the 1-CPU stage. With 2 CPUs the
# same work costs Bochs 3-4 times the wall time, so that stage runs fewer
# iterations of what is not about SMP (random-code guests, leak cycles) and
# fewer fuzz calls (still 4 threads racing on 2 CPUs). Values the caller
# sets win. See README.md, "What the tests cover".
cpus=$(grep -c '^processor' /proc/cpuinfo)
if [ "$cpus" -gt 1 ]; then
	export AXVM_FUZZ_CALLS=${AXVM_FUZZ_CALLS:-40000}
	export AXVM_HOSTILE_SEEDS=${AXVM_HOSTILE_SEEDS:-6}
	export AXVM_LEAK_CYCLES=${AXVM_LEAK_CYCLES:-300}
fi
echo "# $cpus CPU(s): AXVM_FUZZ_CALLS=${AXVM_FUZZ_CALLS:-default} AXVM_HOSTILE_SEEDS=${AXVM_HOSTILE_SEEDS:-default} AXVM_LEAK_CYCLES=${AXVM_LEAK_CYCLES:-default}"
sh /opt/axvm/tests/run.sh || rc=1
t "rmmod axvm (no VM or fd left behind)" rmmod axvm
# axctl trace without the module: status 4, before any BPF is loaded.
t "axctl trace without axvm: status 4" sh -c '/opt/axvm/axctl trace -j >/dev/null 2>&1; [ $? = 4 ]'
exit $rc
