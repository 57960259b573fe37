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
#            latch/read-back, TSC by channel 2 behind port 0x61, CMOS
#            clock and UIP; with the exit ring and without
#  mb_serial COM1 by interrupts (IRQ 4): echoes lines fed through a pipe
#            on axctl's stdin (one longer than the FIFO), output by THRE
#            interrupts; with the exit ring (posted COM1 writes) and without
# and, with the in-kernel local APIC, on a second VM of 4 vCPUs:
#  mb_smp    INIT-SIPI-SIPI brings up APIC IDs 1-3, each exactly once
#  mb_ipi    IPIs: 1000 BSP <-> AP ping-pongs in xAPIC and in x2APIC mode,
#            self-IPI, all/all-but-self shorthands, logical flat/cluster, NMI
# and on the 1-vCPU VM:
#  mb_apic_timer  LAPIC timer one-shot (4 dividers), periodic, TSC-deadline
#            in xAPIC and x2APIC mode against the PIT-calibrated TSC
# These three run under timeout(1) when it exists: a lost interrupt would
# leave the guest in HLT for good.
# A guest passes when axctl exits with (0 << 1) | 1 = 1 and it printed
# what it should. TAP on stdout; exit 0 if all passed, 4 (skip) without
# the guests or axctl.
AXCTL=${AXCTL:-/opt/axvm/axctl}
G=${AXVM_GUESTS:-/opt/axvm/guests}
VM=pc_test
SMP_VM=pc_test_smp
tmp=${TMPDIR:-/tmp}/pc_test.$$
. "${0%/*}/tap.sh"

need -h "make userland" "$AXCTL" "$G/mb_hello" "$G/mb_fwcfg" "$G/mb_pit" "$G/mb_serial" \
	"$G/mb_smp" "$G/mb_ipi" "$G/mb_apic_timer"
need_axvm

mkdir -p "$tmp"
cleanup() {
	"$AXCTL" destroy "$VM" >/dev/null 2>&1
	"$AXCTL" destroy "$SMP_VM" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "TAP version 13"
echo "1..63"

# run NAME WANT_STATUS ARGS...: axctl start on $ON (default $VM), under
# $TMO, stdin from $IN (default /dev/null); output in $tmp/NAME.out
run() {
	name=$1
	want=$2
	shift 2
	rc=0
	$TMO "$AXCTL" start "${ON:-$VM}" "$@" < "${IN:-/dev/null}" > "$tmp/$name.out" 2>&1 || rc=$?
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

has mb_pit "ok - channel 2 behind port 0x61 agrees with channel 0 within 10%"
has mb_pit "ok - RTC: UIP rises and falls within a second"

# COM1 by interrupts, input through a pipe (a FIFO file: run stays in
# this shell). The 300-byte line needs the receiver's back-pressure.
long=$(printf '%0300d' 0 | tr 0 x)
printf 'hello\n%s\nworld\nquit\n' "$long" > "$tmp/serial.in"
inbytes=$(wc -c < "$tmp/serial.in" | tr -d ' ')
mkfifo "$tmp/serial.fifo"
TMO=""
command -v timeout >/dev/null 2>&1 && TMO="timeout 300"
for mode in sync off; do
	name=mb_serial_$mode
	# "hello\n" alone first: 6 bytes, below the trigger level of 8, must
	# come by a character timeout; then the rest at once.
	{ head -n1 "$tmp/serial.in"; sleep 2; tail -n +2 "$tmp/serial.in"; } > "$tmp/serial.fifo" &
	IN=$tmp/serial.fifo run $name 1 --ring $mode --kernel "$G/mb_serial"
	wait
	has $name "mb_serial: 0 failed"
	has $name "mb_serial: 4 lines, longest 300, $inbytes bytes in"
	check "$name: the echoes in order, the long line whole" \
		[ "$(grep '^echo: ' "$tmp/$name.out" | tr '\n' ' ')" = "echo: hello echo: $long echo: world echo: quit " ]
done
has mb_serial_sync "mb_serial: ready"
has mb_serial_sync "ok - FIFO size probes as 16"
has mb_serial_sync "ok - THRE interrupt on ETBEI, and again on ETBEI 0 -> 1"
has mb_serial_sync "ok - output went out through THRE interrupts"
has mb_serial_sync "ok - character timeout interrupts for short lines"
TMO=""

# The local APIC: a guest waiting in HLT for an interrupt that never
# comes would hang; timeout(1) sends SIGTERM (axctl stops the VM).
TMO=""
command -v timeout >/dev/null 2>&1 && TMO="timeout 900"
run mb_apic_timer 1 --kernel "$G/mb_apic_timer"
has mb_apic_timer "ok - xAPIC: one-shot 10 ms at divide-by-16: one interrupt, on time"
has mb_apic_timer "ok - xAPIC: periodic 1 ms: 50 ticks, on time"
has mb_apic_timer "ok - xAPIC: TSC deadline: one interrupt after the deadline, at most 15 ms late"
has mb_apic_timer "ok - x2APIC: periodic 1 ms: 50 ticks, on time"
has mb_apic_timer "ok - x2APIC: 20 chained TSC deadlines, each after its deadline"
has mb_apic_timer "mb_apic_timer: 0 failed"

"$AXCTL" destroy "$SMP_VM" >/dev/null 2>&1
check "axctl create $SMP_VM --memory 64M --vcpus 4" \
	"$AXCTL" create "$SMP_VM" --memory 64M --vcpus 4
ON=$SMP_VM
run mb_smp 1 --kernel "$G/mb_smp"
has mb_smp "fw_cfg NB_CPUS: 4"
for i in 1 2 3; do
	has mb_smp "ok - APIC ID $i: the AP reports ID $i by register and $i by CPUID"
done
has mb_smp "mb_smp: 4 CPUs up"
has mb_smp "ok - every APIC ID 0..3 came up exactly once"
has mb_smp "ok - INIT-SIPI-SIPI to absent APIC ID 4 starts nothing"
has mb_smp "mb_smp: 0 failed"

run mb_ipi 1 --kernel "$G/mb_ipi"
has mb_ipi "mb_ipi: 4 CPUs up"
has mb_ipi "ok - xAPIC: 1000 ping-pong round trips BSP -> APIC ID 1, counted on both sides"
has mb_ipi "ok - xAPIC all-but-self: the 3 CPUs addressed took it once, no other"
has mb_ipi "ok - x2APIC: every AP switched; x2APIC ID and cluster LDR right"
has mb_ipi "ok - x2APIC: 1000 ping-pong round trips APIC ID 1 -> BSP, counted on both sides"
has mb_ipi "mb_ipi: 0 failed"
ON=""
TMO=""

[ "$failed" = 0 ]
