#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# axctl end to end in the test machine (busybox sh): a VM created by one
# process (`axctl create`) and run by another (`axctl start`), the demo
# guest's output and exit status through both exit paths (the shared exit
# ring with posted COM1 writes, and the run page), statistics that
# survive the VMM, stop and destroy. TAP output; exit 0 if all passed.
AXCTL=${AXCTL:-/opt/axvm/axctl}
GUEST=${GUEST:-/opt/axvm/guests/demo}
tmp=${TMPDIR:-/tmp}/axctl_test.$$
n=0
failed=0

ok() {	# ok COND-STATUS DESCRIPTION; returns COND-STATUS
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
	return "$1"
}

if [ ! -x "$AXCTL" ] || [ ! -x "$GUEST" ] || [ ! -c /dev/axvm ]; then
	echo "1..0 # SKIP needs $AXCTL, $GUEST and /dev/axvm"
	exit 4
fi
mkdir -p "$tmp"
trap '"$AXCTL" destroy axt >/dev/null 2>&1; rm -rf "$tmp"' EXIT
echo "TAP version 13"
echo "1..18"

"$AXCTL" create axt --memory 16M >"$tmp/create" 2>&1
ok $? "axctl create axt"

for mode in sync off; do
	rc=0
	"$AXCTL" start axt --kernel "$GUEST" --append "ring $mode" --ring $mode \
		>"$tmp/out.$mode" 2>&1 || rc=$?
	[ "$rc" = 1 ]
	ok $? "start --ring $mode: exit status 1 = debug-exit 0 (got $rc)"
	grep -q '^Hello from the axvm demo guest!$' "$tmp/out.$mode"
	ok $? "start --ring $mode: greeting on COM1"
	grep -q "^command line: \"ring $mode\"\$" "$tmp/out.$mode"
	ok $? "start --ring $mode: command line reached the guest"
	grep -q '^self-checks: [0-9]* passed, 0 failed$' "$tmp/out.$mode"
	ok $? "start --ring $mode: the guest's self-checks passed" ||
		sed 's/^/# /' "$tmp/out.$mode"
done

# The two runs printed the same bytes (posting changes timing, not output).
sed 's/ring sync/ring X/' "$tmp/out.sync" | grep -v '^axctl:' >"$tmp/a"
sed 's/ring off/ring X/' "$tmp/out.off" | grep -v '^axctl:' >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b"
ok $? "ring and run-page runs print the same output"

"$AXCTL" stats -j axt >"$tmp/stats" 2>&1
ok $? "axctl stats after both VMMs exited" || sed 's/^/# /' "$tmp/stats"
grep -q '"IO_INSTRUCTION"' "$tmp/stats"
ok $? "statistics kept the port I/O exits of the VMMs"

rc=0
"$AXCTL" start axt --kernel "$GUEST" --ring bogus >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] && grep -q "bad --ring" "$tmp/err"
ok $? "start --ring bogus: usage error, status 2 (got $rc)"

# A VMM killed with SIGKILL while its guest spins on port reads (each an
# exit answered by axctl): the VM stays, the next VMM attaches and runs.
# Killed as soon as vCPU 0's count of exits served by userspace grows, not
# after a fixed sleep and not on seeing the state "running" (on one CPU the
# poller rarely runs while the vCPU thread is inside AXVM_RUN): every
# emulated second of that spin costs the test machine minutes of wall time.
user_exits() {
	"$AXCTL" stats axt 2>/dev/null | sed -n 's/^vCPU 0: .* \([0-9]*\) by userspace$/\1/p'
}
base=$(user_exits)
printf '\344\140\353\374' >"$tmp/spin.bin"	# in al,0x60; jmp $-2
"$AXCTL" start axt --kernel "$tmp/spin.bin" --format flat >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ] && [ "$(user_exits)" = "$base" ]; do
	sleep 0.05 2>/dev/null || sleep 1
	i=$((i + 1))
done
echo "# vCPU 0 served exits in userspace after $i polls (was ${base:-none}, now $(user_exits))"
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
st=$?
[ "$st" = 137 ] && [ $i -lt 600 ]
ok $? "VMM killed with SIGKILL mid-run (status $st)"
rc=0
"$AXCTL" start axt --kernel "$GUEST" >"$tmp/out.again" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q '^Hello from the axvm demo guest!$' "$tmp/out.again"
ok $? "the VM is attached again and runs the demo (status $rc)" ||
	sed 's/^/# /' "$tmp/out.again"
"$AXCTL" list >"$tmp/list" 2>&1
grep -q axt "$tmp/list"
ok $? "axctl list still shows the VM"

"$AXCTL" destroy axt
ok $? "axctl destroy axt"
rc=0
"$AXCTL" stats axt >/dev/null 2>"$tmp/err" || rc=$?
grep -q "no VM named axt" "$tmp/err"
ok $? "the destroyed VM is gone (status $rc: $(cat "$tmp/err"))"
[ $failed -eq 0 ]
