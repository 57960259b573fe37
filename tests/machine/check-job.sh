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
t "module BTF in /sys/kernel/btf/axvm" test -e /sys/kernel/btf/axvm
dmesg | grep 'axvm:' | sed 's/^/# /'
sh /opt/axvm/tests/run.sh || rc=1
t "rmmod axvm (no VM or fd left behind)" rmmod axvm
# axctl trace without the module: status 4, before any BPF is loaded.
t "axctl trace without axvm: status 4" sh -c '/opt/axvm/axctl trace -j >/dev/null 2>&1; [ $? = 4 ]'
exit $rc
