#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# unload_test: rmmod axvm while VMs made by netlink VM_NEW still exist and
# no file is open (installed as bin/unload_test; busybox sh in the test
# machine). The registry holds those VMs, not the module: module exit must
# free them, with the guest memory their VMMs left pinned, and take the
# "axvm" generic netlink family with it. Then insmod again: a fresh
# registry, and VMs work as before.
#
#  - four VMs through `axctl create` (netlink): two get their RAM and run
#    the demo guest once through `axctl start` (the VMM exits, its fds
#    close, the pinned RAM stays with the VM), two never run;
#  - rmmod gives back at least 24 of the 32 MiB the two run VMs keep
#    pinned (MemFree with the VMs vs. after rmmod: memory that earlier
#    tests free lazily can only make the drop while they exist look
#    smaller, which made a "MemFree fell by 24 MiB" check flaky);
#  - rmmod succeeds; /dev/axvm, /sys/module/axvm and the genl family are
#    gone; MemFree is back within 2 MiB, SUnreclaim within 256 kB of the
#    values before the VMs;
#  - insmod of the same axvm.ko (AXVM_KO, default /opt/axvm/axvm.ko):
#    /dev/axvm and the family are back, no VM is listed, a new VM runs the
#    demo guest and is destroyed.
# The module is left loaded, as the job script expects. Skips (exit 4)
# without a loaded axvm, axctl, the demo guest, the .ko, or rmmod/insmod.
# TAP output; exit 0 if all passed, 1 if not.
AXCTL=${AXCTL:-/opt/axvm/axctl}
GUEST=${GUEST:-/opt/axvm/guests/demo}
KO=${AXVM_KO:-/opt/axvm/axvm.ko}
PATH=$PATH:/usr/sbin:/sbin
tmp=${TMPDIR:-/tmp}/unload_test.$$
n=0
failed=0

ok() {	# ok STATUS DESCRIPTION: "ok" when STATUS is 0; returns STATUS
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
	return "$1"
}
kb() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }
settle() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; }
family() { genl ctrl get name axvm >/dev/null 2>&1; }

echo "TAP version 13"
why=""
[ -c /dev/axvm ] && [ -d /sys/module/axvm ] || why="axvm is not loaded"
[ -x "$AXCTL" ] && [ -x "$GUEST" ] || why="${why:-needs $AXCTL and $GUEST}"
[ -f "$KO" ] || why="${why:-no $KO to load again (set AXVM_KO)}"
command -v rmmod >/dev/null && command -v insmod >/dev/null || why="${why:-no rmmod/insmod}"
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 4
fi
mkdir -p "$tmp"
names="unl-run1 unl-run2 unl-idle1 unl-idle2"
trap 'for v in $names unl-again; do "$AXCTL" destroy $v >/dev/null 2>&1; done; rm -rf "$tmp"' EXIT
have_genl=0
command -v genl >/dev/null 2>&1 && have_genl=1
echo "1..18"

settle
free0=$(kb MemFree)
slab0=$(kb SUnreclaim)

rc=0
for v in $names; do
	"$AXCTL" create $v --memory 16M --vcpus 2 >"$tmp/create" 2>&1 || rc=1
done
ok $rc "axctl create: four VMs through netlink" || sed 's/^/# /' "$tmp/create"
for v in unl-run1 unl-run2; do
	rc=0
	"$AXCTL" start $v --kernel "$GUEST" --append unload >"$tmp/out.$v" 2>&1 || rc=$?
	[ "$rc" = 1 ] && grep -q '^Hello from the axvm demo guest!$' "$tmp/out.$v"
	ok $? "axctl start $v: the demo ran, its VMM exited (status $rc)" ||
		sed 's/^/# /' "$tmp/out.$v"
done
"$AXCTL" list >"$tmp/list" 2>&1
sed 's/^/# /' "$tmp/list"
cnt=$(grep -c " unl-" "$tmp/list")
[ "$cnt" = 4 ]
ok $? "axctl list shows the four VMs ($cnt)"
refs=$(cat /sys/module/axvm/refcnt 2>/dev/null)
[ "$refs" = 0 ]
ok $? "no open file holds the module (refcnt $refs)"
settle
free1=$(kb MemFree)
echo "# MemFree $free0 kB before the VMs, $free1 kB with them"

rmmod axvm 2>"$tmp/rmmod"
ok $? "rmmod axvm with four netlink VMs left" || sed 's/^/# /' "$tmp/rmmod"
[ ! -e /dev/axvm ] && [ ! -d /sys/module/axvm ]
ok $? "/dev/axvm and /sys/module/axvm are gone" ||
	ls -ld /dev/axvm /sys/module/axvm 2>&1 | sed 's/^/# left: /'
if [ $have_genl = 1 ]; then
	if family; then ok 1 "the axvm genl family is gone"; else ok 0 "the axvm genl family is gone"; fi
else
	ok 0 "the axvm genl family is gone # SKIP no genl"
fi
settle
free2=$(kb MemFree)
slab2=$(kb SUnreclaim)
[ $((free2 - free1)) -ge $((24 * 1024)) ]
ok $? "rmmod gave the VMs' pinned guest RAM back: MemFree rose by $((free2 - free1)) kB (>= 24576)"
echo "# after rmmod: MemFree $free2 kB, SUnreclaim $slab0 -> $slab2 kB"
[ $((free0 - free2)) -le 2048 ]
ok $? "guest RAM and VM pages freed: MemFree within 2048 kB of before (fell $((free0 - free2)) kB)"
[ $((slab2 - slab0)) -le 256 ]
ok $? "VM structures freed: SUnreclaim within 256 kB of before (grew $((slab2 - slab0)) kB)"

insmod "$KO" 2>"$tmp/insmod"
ok $? "insmod $KO again" || { sed 's/^/# /' "$tmp/insmod"; exit 1; }
i=0
while [ ! -c /dev/axvm ] && [ $i -lt 50 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i + 1)); done
[ -c /dev/axvm ]
ok $? "/dev/axvm is back"
if [ $have_genl = 1 ]; then
	family
	ok $? "the axvm genl family is back"
else
	ok 0 "the axvm genl family is back # SKIP no genl"
fi
"$AXCTL" list >"$tmp/list" 2>&1
if grep -q " unl-" "$tmp/list"; then ok 1 "no VM survived the reload"; else ok 0 "no VM survived the reload"; fi
"$AXCTL" create unl-again --memory 16M >"$tmp/create" 2>&1
ok $? "axctl create after the reload" || sed 's/^/# /' "$tmp/create"
rc=0
"$AXCTL" start unl-again --kernel "$GUEST" >"$tmp/out.again" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q '^self-checks: [0-9]* passed, 0 failed$' "$tmp/out.again"
ok $? "the demo guest runs after the reload (status $rc)" || sed 's/^/# /' "$tmp/out.again"
"$AXCTL" destroy unl-again >/dev/null 2>&1
ok $? "axctl destroy after the reload"
echo "# unload_test: $((n - failed)) of $n passed"
[ $failed -eq 0 ]
