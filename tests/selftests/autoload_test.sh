#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# autoload_test: a real install of axvm.ko into /lib/modules and the two
# autoload paths of module/main.c's aliases (installed as bin/autoload_test;
# busybox sh in the test machine):
#
#  - axvm.ko (AXVM_KO) goes to /lib/modules/$(uname -r)/extra, busybox
#    depmod indexes it: modules.alias has char-major-10-240, devname:axvm
#    and net-pf-16-proto-16-family-axvm;
#  - rmmod axvm; /dev/axvm is made with mknod c 10 240 (busybox has no
#    `kmod static-nodes`, which would make it from modules.devname ahead of
#    time); opening it makes misc_open() request char-major-10-240: the
#    module is loaded, and `axctl -V` reports its MODULE_VERSION and ABI;
#  - rmmod again; `axctl list` asks for the "axvm" generic netlink family:
#    genl requests net-pf-16-proto-16-family-axvm, the module is loaded and
#    the list succeeds.
# The kernel runs /proc/sys/kernel/modprobe (/sbin/modprobe): the machine's
# busybox is installed into /bin, so the test links /sbin/modprobe to it
# when missing. Afterwards the installed copy and the indexes are removed
# (later tests check "module not loaded" paths) and the module is left
# loaded, as the job script expects. Skips (exit 4) without a loaded axvm,
# axctl, the .ko, or rmmod/depmod. TAP output; exit 0 if all passed.
AXCTL=${AXCTL:-/opt/axvm/axctl}
KO=${AXVM_KO:-/opt/axvm/axvm.ko}
PATH=$PATH:/usr/sbin:/sbin
kv=$(uname -r)
dir=/lib/modules/$kv
n=0
failed=0

ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
	return "$1"
}
loaded() { [ -d /sys/module/axvm ]; }
# The minor is fixed in module/dev/chardev.h (AXVM_MINOR).
minor=240

echo "TAP version 13"
why=""
loaded || why="axvm is not loaded"
[ -x "$AXCTL" ] || why="${why:-needs $AXCTL}"
[ -f "$KO" ] || why="${why:-no $KO}"
for c in rmmod insmod depmod modprobe mknod; do
	command -v $c >/dev/null 2>&1 || why="${why:-no $c}"
done
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 4
fi
made_modprobe=0
if [ ! -e /sbin/modprobe ]; then
	mkdir -p /sbin
	ln -s "$(command -v modprobe)" /sbin/modprobe && made_modprobe=1
fi
cleanup() {
	rm -f "$dir/extra/axvm.ko" "$dir"/modules.*
	[ "$made_modprobe" = 1 ] && rm -f /sbin/modprobe
	# Our mknod'ed node outlives the module (devtmpfs removes only the
	# nodes it made): reload so that devtmpfs owns /dev/axvm again.
	loaded && rmmod axvm
	rm -f /dev/axvm
	insmod "$KO"
}
trap cleanup EXIT
echo "1..9"

mkdir -p "$dir/extra" && cp "$KO" "$dir/extra/axvm.ko" && depmod
ok $? "axvm.ko installed into $dir/extra, depmod ran"
for a in char-major-10-$minor devname:axvm net-pf-16-proto-16-family-axvm; do
	grep -q "^alias $a axvm" "$dir/modules.alias"
	ok $? "modules.alias: $a"
done

rmmod axvm && ! loaded
ok $? "rmmod axvm"
[ -e /dev/axvm ] || mknod -m 660 /dev/axvm c 10 $minor
: <> /dev/axvm
loaded
ok $? "opening /dev/axvm (char 10:$minor) loaded the module"
v=$(cat /sys/module/axvm/version 2>/dev/null)
out=$("$AXCTL" -V)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "^axvm module: $v (axvm API [0-9]*)$"
ok $? "axctl -V reports the loaded module's version ($v) and ABI"

rmmod axvm && ! loaded
ok $? "rmmod axvm again"
"$AXCTL" list >/dev/null && loaded
ok $? "axctl list (genl family lookup) loaded the module"
[ "$failed" -eq 0 ]
