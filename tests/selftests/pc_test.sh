#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# pc_test: the Multiboot loader and the PC devices of `axctl start`, with
# the Multiboot test kernels of tests/guests/mb (installed as pc_test in
# the selftests' bin/; run inside the test machine with axvm loaded).
#
#  mb_hello  the info structure: cmdline "<image> <--append>", mem_upper,
#            the memory map, a --module (page aligned, its size)
#  mb_fwcfg  fw_cfg signature, NB_CPUS, RAM_SIZE, file directory; 16550
#            registers; reset through port 0x92 and 0x64 (status 28)
#  mb_pit    PIC + PIT IRQ0 with HLT between ticks, one-shot mode,
#            latch/read-back, CMOS clock; with the exit ring and without
# A guest passes when axctl exits with (0 << 1) | 1 = 1 and it printed
# what it should. TAP on stdout; exit 0 if all passed, 4 (skip) without
# the guests or axctl.
AXCTL=${AXCTL:-/opt/axvm/axctl}
G=${AXVM_GUESTS:-/opt/axvm/guests}
VM=pc_test
tmp=${TMPDIR:-/tmp}/pc_test.$$
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {	# check DESCRIPTION CMD...
	d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}

for f in "$AXCTL" "$G/mb_hello" "$G/mb_fwcfg" "$G/mb_pit"; do
	if [ ! -e "$f" ]; then
		echo "1..0 # SKIP $f missing (make userland)"
		exit 4
	fi
done
if [ ! -c /dev/axvm ]; then
	echo "1..0 # SKIP no /dev/axvm (insmod axvm.ko first)"
	exit 4
fi

mkdir -p "$tmp"
cleanup() {
	"$AXCTL" destroy "$VM" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "TAP version 13"
echo "1..24"

# run NAME WANT_STATUS ARGS...: axctl start; output in $tmp/NAME.out
run() {
	name=$1
	want=$2
	shift 2
	rc=0
	"$AXCTL" start "$VM" "$@" > "$tmp/$name.out" 2>&1 || rc=$?
	sed 's/^/# /' "$tmp/$name.out"
	check "$name: axctl start exits with $want (got $rc)" [ "$rc" = "$want" ]
}
has() {	# has NAME TEXT: a line of $tmp/NAME.out is exactly TEXT
	check "$1: prints '$2'" grep -qxF -- "$2" "$tmp/$1.out"
}

"$AXCTL" destroy "$VM" >/dev/null 2>&1
check "axctl create $VM --memory 64M" "$AXCTL" create "$VM" --memory 64M

mod=$G/hello16.bin
modsize=$(wc -c < "$mod" | tr -d ' ')
run mb_hello 1 --kernel "$G/mb_hello" --append "hello args" --module "$mod modarg"
has mb_hello "Hello from the axvm Multiboot guest!"
has mb_hello "cmdline: \"$G/mb_hello hello args\""
has mb_hello "mem_lower: 640 KiB, mem_upper: 64512 KiB"
check "mb_hello: module \"$mod modarg\" of $modsize bytes" \
	grep -q "^module 0: \"$mod modarg\" at 0x[0-9a-f]*000, $modsize bytes" "$tmp/mb_hello.out"
has mb_hello "mb_hello: 0 failed"

run mb_fwcfg 1 --kernel "$G/mb_fwcfg"
has mb_fwcfg "fw_cfg signature: QEMU"
has mb_fwcfg "fw_cfg NB_CPUS: 1"
has mb_fwcfg "fw_cfg RAM_SIZE: 64 MiB"
check "mb_fwcfg: etc/axvm/version" grep -q "^etc/axvm/version: axctl [0-9]" "$tmp/mb_fwcfg.out"
has mb_fwcfg "mb_fwcfg: 0 failed"

run mb_fwcfg_reset92 28 --kernel "$G/mb_fwcfg" --append reset92
check "reset92: axctl reports the reset" grep -q "guest reset the machine (port 0x92)" \
	"$tmp/mb_fwcfg_reset92.out"
run mb_fwcfg_reset64 28 --kernel "$G/mb_fwcfg" --append reset64

t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
run mb_pit 1 -v --kernel "$G/mb_pit"
t1=$(cut -d' ' -f1 /proc/uptime | tr -d .)
has mb_pit "ok - 101 IRQ0s counted"
has mb_pit "ok - one-shot mode 0 gives exactly one IRQ0"
has mb_pit "mb_pit: 0 failed"
d=$(sed -n 's/.*PIC: \([0-9]*\) IRQ0 interrupts delivered$/\1/p' "$tmp/mb_pit.out")
check "mb_pit: axctl -v counts at least 102 IRQ0s delivered (${d:-none})" [ "${d:-0}" -ge 102 ]
# 100 ticks at 1 kHz plus a 10 ms one-shot cannot take less than 0.11 s.
check "mb_pit: took at least 0.11 s ($((t1 - t0))0 ms)" [ $((t1 - t0)) -ge 11 ]
# Again with every exit through the run page (no exit ring).
run mb_pit_ringoff 1 -v --ring off --kernel "$G/mb_pit"
has mb_pit_ringoff "mb_pit: 0 failed"

[ "$failed" = 0 ]
