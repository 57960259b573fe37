#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# linux_test: boot the test machine's own Debian kernel (/opt/axvm/linux/
# vmlinuz) with a busybox initramfs (tests/guests/linux/) under `axctl run`
# and hold a shell dialogue with it through axctl's stdin: uname -r, nproc,
# /proc/interrupts, a compress + checksum workload, the guest's dmesg,
# poweroff. One boot; the guest has as many vCPUs as the machine has CPUs
# (at most 2; AXVM_LINUX_VCPUS overrides). Checks: axctl exits 0 on the
# guest's ACPI power-off, every answer, and the guest's dmesg is free of
# WARN/BUG/oops and of timer/TSC/clocksource complaints. Also the bad
# inputs that need no boot: bzImage as --format flat, too little RAM, a
# missing initrd, a corrupted setup header.
#
# AXVM_LINUX_AUTO=1: the guest runs the dialogue's commands itself
# (axvm.auto, tests/guests/linux/dialogue.sh) with stdin from /dev/null,
# for consoles without input. AXVM_LINUX_TIMEOUT: seconds for the boot to
# reach the shell (default 900) and for the rest. AXVM_LINUX_KERNEL=vmlinux
# boots the same kernel uncompressed (/opt/axvm/linux/vmlinux, axctl's
# vmlinux loading) instead of the bzImage.
#
# Prints the boot's figures as TAP comments: TSC ticks from entry to the
# shell (the guest's /init writes axctl's milestone port 0x60c just before it), and
# `axctl stats` at the prompt and at the end. TAP on stdout; exit 0 if all
# passed, 4 (skip) without the kernel, the initramfs, axctl or /dev/axvm.
AXCTL=${AXCTL:-/opt/axvm/axctl}
L=${AXVM_LINUX:-/opt/axvm/linux}
VM=linux_test
tmo=${AXVM_LINUX_TIMEOUT:-900}
tmp=${TMPDIR:-/tmp}/linux_test.$$
. "${0%/*}/tap.sh"

kernel=$L/${AXVM_LINUX_KERNEL:-vmlinuz}
need "$AXCTL" "$L/vmlinuz" "$kernel" "$L/initramfs.cpio.gz"
need_axvm
cpus=${AXVM_LINUX_VCPUS:-$(grep -c ^processor /proc/cpuinfo)}
[ "$cpus" -gt 2 ] && cpus=2
mkdir -p "$tmp"
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	"$AXCTL" destroy "$VM" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- bad input: refused before the guest runs ------------------------------
bad() {	# bad DESCRIPTION PATTERN ARGS...: status 12, PATTERN in stderr, no VM left
	d=$1
	pat=$2
	shift 2
	"$AXCTL" run --name "$VM" "$@" > "$tmp/bad" 2>&1
	st=$?
	if [ "$st" = 12 ] && grep -q "$pat" "$tmp/bad" &&
	   ! "$AXCTL" list 2>/dev/null | grep -q " $VM "; then
		ok "$d"
	else
		notok "$d (status $st: $(head -c 300 "$tmp/bad"))"
	fi
}
bad "bzImage as --format flat is refused with advice" "drop --format flat" \
	--kernel "$L/vmlinuz" --format flat
bad "too little RAM for kernel + initrd" "too little RAM" \
	--kernel "$L/vmlinuz" --initrd "$L/initramfs.cpio.gz" -m 64
bad "missing initrd" "cannot open initrd" --kernel "$L/vmlinuz" --initrd "$tmp/none"
dd if="$L/vmlinuz" of="$tmp/corrupt" bs=4096 count=64 2>/dev/null
printf 'HdrX' | dd of="$tmp/corrupt" bs=1 seek=514 conv=notrunc 2>/dev/null
bad "corrupted setup header (--format linux)" "HdrS" --kernel "$tmp/corrupt" --format linux
dd if="$L/vmlinuz" of="$tmp/trunc" bs=4096 count=64 2>/dev/null
bad "truncated bzImage" "truncated" --kernel "$tmp/trunc"

# --- reset: run restarts the guest, --no-reboot ends with 28 ------------------
# With a Multiboot test guest that resets at once (pc_test's mb_fwcfg).
G=${AXVM_GUESTS:-/opt/axvm/guests}
if [ -e "$G/mb_fwcfg" ]; then
	"$AXCTL" run --no-reboot --name "$VM" -m 32 --kernel "$G/mb_fwcfg" --append reset92 \
		> "$tmp/rst" 2>&1
	st=$?
	check "run --no-reboot: a reset ends axctl with status 28 (got $st)" \
		sh -c "[ $st = 28 ] && grep -q 'guest reset the machine' '$tmp/rst'"
	"$AXCTL" run --name "$VM" -m 32 --kernel "$G/mb_fwcfg" --append reset64 \
		> "$tmp/rst" 2>&1 &
	rpid=$!
	i=0
	while [ "$(grep -c 'restarting the guest' "$tmp/rst")" -lt 2 ] && [ "$i" -lt 120 ] &&
	      kill -0 "$rpid" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
	kill -INT "$rpid" 2>/dev/null
	wait "$rpid"
	st=$?
	check "run: a reset restarts the guest ($(grep -c 'restarting the guest' "$tmp/rst") restarts seen)" \
		[ "$(grep -c 'restarting the guest' "$tmp/rst")" -ge 2 ]
	check "run: SIGINT ends it with 24 and destroys the VM (got $st)" \
		sh -c "[ $st = 24 ] && ! '$AXCTL' list 2>/dev/null | grep -q ' $VM '"
else
	echo "# $G/mb_fwcfg missing: the reset checks are skipped"
fi

# --- the boot and the dialogue --------------------------------------------
# What the guest's dmesg must not say, and the lines worth keeping anyway.
complaints="WARNING: CPU|BUG:|unchecked MSR access|Oops|Call Trace:|Kernel panic|timer doesn.t work|TSC unstable|Marking TSC unstable|clocksource.*(watchdog|skew|unstable)|IO-APIC.*(broken|not connected)"
keylines="Linux version|Command line|clocksource|tsc:|ACPI: (FADT|MADT|PM-Timer|IOAPIC)|smpboot|APIC|Calibrat|8250|ttyS0|Freeing unused|Run /init"
out=$tmp/out
clean=$tmp/clean
# mitigations=off: the guest is the machine's own kernel on an emulated
# CPU; its RETBleed line says "WARNING:" and mitigations cost boot time.
append="console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 mitigations=off"
[ "${AXVM_LINUX_AUTO:-0}" = 1 ] && append="$append axvm.auto printk.devkmsg=on"
mkfifo "$tmp/in"
t0=$(date +%s)
"$AXCTL" -v run --no-reboot --name "$VM" -m "${AXVM_LINUX_MEM:-192}" -c "$cpus" \
	--kernel "$kernel" --initrd "$L/initramfs.cpio.gz" --append "$append" \
	< "$tmp/in" > "$out" 2> "$tmp/err" &
pid=$!
exec 3> "$tmp/in"
[ "${AXVM_LINUX_AUTO:-0}" = 1 ] && exec 3>&-

# The console without CRs and, for axvm.auto (output through the kernel
# log), without printk's time stamps.
cleanup_out() {
	tr -d '\r' < "$out" | sed 's/^\[ *[0-9]*\.[0-9]*\] //' > "$clean"
}

# wait_for PATTERN SECONDS: the guest printed a line matching PATTERN.
# Polled every 0.2 s: in Bochs a second of the machine's clock is half a
# minute of wall time, and each answer would otherwise wait out a whole one.
wait_for() {
	i=0
	while [ "$i" -lt $(($2 * 5)) ]; do
		cleanup_out
		grep -q "$1" "$clean" && return 0
		kill -0 "$pid" 2>/dev/null || { cleanup_out; grep -q "$1" "$clean"; return; }
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
say() { printf '%s\n' "$1" >&3; }

if wait_for '^axvm-guest: userland up' "$tmo"; then
	ok "Linux (${kernel##*/}) boots to userland with $cpus vCPU(s) in $(( $(date +%s) - t0 ))s (machine clock)"
	"$AXCTL" stats "$VM" > "$tmp/stats.boot" 2>&1
else
	notok "Linux (${kernel##*/}) boots to userland with $cpus vCPU(s) (last output: $(tail -c 600 "$out"))"
fi
if [ "${AXVM_LINUX_AUTO:-0}" != 1 ] && wait_for 'guest# ' 60; then
	say 'echo "@@uname $(uname -r)"'
	wait_for '^@@uname ' 120
	say 'echo "@@nproc $(nproc)"'
	wait_for '^@@nproc ' 120
	say 'echo @@interrupts-begin; cat /proc/interrupts; echo @@interrupts-end'
	wait_for '^@@interrupts-end' 120
	say 'dd if=/dev/urandom of=/tmp/f bs=1024 count=256 2>/dev/null; gzip -c /tmp/f > /tmp/f.gz; a=$(md5sum < /tmp/f); b=$(gunzip -c /tmp/f.gz | md5sum); [ "$a" = "$b" ] && echo "@@workload ok ${a%% *}" || echo "@@workload BAD"'
	wait_for '^@@workload ' 600
	# The whole log only when it complains (every byte is a UART exit).
	say "dmesg > /tmp/d; if grep -E -q '$complaints' /tmp/d; then echo @@dmesg-begin; cat /tmp/d; else echo @@dmesg-begin; grep -E '$keylines' /tmp/d; fi; echo @@dmesg-end"
	wait_for '^@@dmesg-end' 300
	say 'poweroff -f'
fi
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt $((tmo * 5)) ]; do
	sleep 0.2
	i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	"$AXCTL" stats "$VM" > "$tmp/stats.end" 2>&1
	kill "$pid"
fi
wait "$pid"
st=$?
pid=
exec 3>&- 2>/dev/null
cleanup_out

check "axctl exits 0 when the guest powers off (status $st)" [ "$st" = 0 ]
check "axctl says the guest powered off through ACPI S5" grep -q "powered off (ACPI S5)" "$tmp/err"
# The guest kernel is the machine's own unless machine.sh --guest-kernel
# put another one there (linux/version).
want=$(cat "$L/version" 2>/dev/null || uname -r)
check "uname -r in the guest is $want" grep -q "^@@uname $want" "$clean"
check "nproc in the guest is $cpus" grep -q "^@@nproc $cpus\$" "$clean"
sed -n '/^@@interrupts-begin/,/^@@interrupts-end/p' "$clean" > "$tmp/irq"
# Every CPU column of LOC (local timer) counts.
check "local APIC timer interrupts count on every vCPU" awk -v n="$cpus" '
	$1 == "LOC:" { for (i = 2; i <= n + 1; i++) if ($i + 0 == 0) bad = 1; seen = 1 }
	END { exit !(seen && !bad) }' "$tmp/irq"
check "ttyS0 interrupts count" awk -v n="$cpus" '
	/ttyS0/ { for (i = 2; i <= n + 1; i++) s += $i } END { exit !(s > 0) }' "$tmp/irq"
check "the compress + checksum workload gives the same sums" grep -q '^@@workload ok' "$clean"
if [ "${AXVM_LINUX_AUTO:-0}" = 1 ]; then
	cp "$clean" "$tmp/dmesg"	# the console is the kernel log
else
	sed -n '/^@@dmesg-begin/,/^@@dmesg-end/p' "$clean" > "$tmp/dmesg"
fi
check "the guest's dmesg was captured" grep -q 'Linux version' "$tmp/dmesg"
if grep -E "$complaints" "$tmp/dmesg" > "$tmp/bad-dmesg"; then
	notok "the guest's dmesg has no WARN/BUG/oops or timer complaints: $(head -c 600 "$tmp/bad-dmesg")"
else
	ok "the guest's dmesg has no WARN/BUG/oops or timer complaints"
fi

# The figures, for Documentation/linux-guests.rst.
echo "# linux_test: $cpus vCPU(s), $(( $(date +%s) - t0 ))s wall (machine clock) for the whole boot and dialogue"
sed -n 's/^axctl: Linux: /# /p' "$tmp/err"
grep -E "MSR|unhandled|exits served|PIT:|MMIO" "$tmp/err" | sed 's/^/# /' | head -40
[ -f "$tmp/stats.boot" ] && sed 's/^/# at the prompt: /' "$tmp/stats.boot"
[ -f "$tmp/stats.end" ] && sed 's/^/# at the end: /' "$tmp/stats.end"
# axctl -v run prints the VM's statistics at its end.
sed -n '/^VM /,/^axctl: /p' "$tmp/err" | grep -v '^axctl: ' | sed 's/^/# at power-off: /'
if [ "$failed" != 0 ]; then
	echo "# the guest's console (tail):"
	tail -n 60 "$clean" | sed 's/^/#   /'
	echo "# axctl's messages:"
	tail -n 30 "$tmp/err" | sed 's/^/#   /'
fi
echo "1..$n"
[ "$failed" = 0 ]
