#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# autoload_test: a real install of axvm.ko into /lib/modules (installed as
# bin/autoload_test; busybox sh in the test machine):
#
#  - axvm.ko (AXVM_KO) goes to /lib/modules/$(uname -r)/extra and busybox
#    depmod indexes it: modules.alias has the aliases module/main.c
#    declares for autoload, char-major-10-240 (misc minor AXVM_MINOR),
#    devname:axvm and net-pf-16-proto-16-family-axvm;
#  - `axctl -V` reports the loaded module's MODULE_VERSION and ABI.
# Not tested here: that opening /dev/axvm or resolving the genl family
# loads the module. In the one run tried (rmmod, mknod /dev/axvm c 10 240,
# open) the open failed with ENODEV under busybox modprobe; why is not
# known yet (Documentation/install.rst).
# Afterwards the installed copy and the indexes are removed, so later tests
# of the "module not loaded" paths cannot autoload it. Skips (exit 4)
# without a loaded axvm, axctl, the .ko, or depmod. TAP output; exit 0 if
# all passed.
AXCTL=${AXCTL:-/opt/axvm/axctl}
KO=${AXVM_KO:-/opt/axvm/axvm.ko}
PATH=$PATH:/usr/sbin:/sbin
dir=/lib/modules/$(uname -r)
n=0
failed=0

ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
	return "$1"
}

echo "TAP version 13"
why=""
[ -d /sys/module/axvm ] || why="axvm is not loaded"
[ -x "$AXCTL" ] || why="${why:-needs $AXCTL}"
[ -f "$KO" ] || why="${why:-no $KO}"
command -v depmod >/dev/null 2>&1 || why="${why:-no depmod}"
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 4
fi
trap 'rm -f "$dir/extra/axvm.ko" "$dir"/modules.*' EXIT
echo "1..5"

mkdir -p "$dir/extra" && cp "$KO" "$dir/extra/axvm.ko" && depmod
ok $? "axvm.ko installed into $dir/extra, depmod ran"
# The minor is fixed in module/dev/chardev.h (AXVM_MINOR).
for a in char-major-10-240 devname:axvm net-pf-16-proto-16-family-axvm; do
	grep -q "^alias $a axvm" "$dir/modules.alias"
	ok $? "modules.alias: $a"
done
v=$(cat /sys/module/axvm/version 2>/dev/null)
out=$("$AXCTL" -V)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "^axvm module: $v (axvm API [0-9]*)$"
ok $? "axctl -V reports the loaded module's version ($v) and ABI"
[ "$failed" -eq 0 ]
