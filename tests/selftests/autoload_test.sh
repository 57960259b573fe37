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
#  - `axctl -V` reports the loaded module's MODULE_VERSION and ABI;
#  - autoload: with axvm unloaded, the first open of /dev/axvm (a static
#    node, as kmod's static-nodes makes from modules.devname at boot) loads
#    it through the kernel's request_module("char-major-10-240"), and so
#    does the first netlink request to the genl family "axvm"
#    (net-pf-16-proto-16-family-axvm). busybox modprobe resolves both from
#    modules.alias. (An earlier try failed with ENODEV because the test
#    machine had no /sbin/modprobe, the kernel's modprobe path.)
# Afterwards the installed copy and the indexes are removed, so later tests
# of the "module not loaded" paths cannot autoload it; the module stays
# loaded and /dev/axvm gets its group and mode back. Skips (exit 4)
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
echo "1..8"

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

# Autoload. The node's group and mode are what check-job.sh set (udev's
# rule on a real host); they are restored on the node the module makes.
grp=$(stat -c %g /dev/axvm)
mode=$(stat -c %a /dev/axvm)
restore_node() {
	chgrp "$grp" /dev/axvm 2>/dev/null
	chmod "$mode" /dev/axvm 2>/dev/null
}
rmmod axvm
ok $? "rmmod axvm before the autoload checks"
[ -c /dev/axvm ] || mknod /dev/axvm c 10 240
# An open of the node, nothing else (axctl -V never opens it unloaded).
( : < /dev/axvm ) 2>/dev/null
out=$("$AXCTL" -V 2>&1)
echo "$out" | sed 's/^/# /'
[ -d /sys/module/axvm ] && echo "$out" | grep -q "^axvm module: $v "
ok $? "opening /dev/axvm loads axvm (request_module char-major-10-240)"
restore_node
if rmmod axvm; then
	out=$("$AXCTL" list 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ "$rc" = 0 ] && [ -d /sys/module/axvm ]
	ok $? "a netlink request to family axvm loads axvm (axctl list: status $rc)"
else
	ok 1 "rmmod axvm again for the netlink autoload check"
fi
# Whatever happened above, the rest of the suite needs the module.
# Leave the machine as found: axvm loaded by insmod, /dev/axvm the node
# devtmpfs made for it. A node made by mknod is not devtmpfs's own and
# outlives rmmod (devtmpfs removes only the nodes it created), which
# unload_test would report as a module that did not go away.
rmmod axvm 2>/dev/null
rm -f /dev/axvm
insmod "$KO"
[ -c /dev/axvm ] || mknod /dev/axvm c 10 240
restore_node
[ "$failed" -eq 0 ]
