#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Test-machine job for the perf one-liners of Documentation/tracing.rst:
#   AXVM_MACHINE_TOOLS=perf tests/machine/machine.sh --name tools \
#	--job tests/machine/tracing-tools.sh
# The demo guest runs under `perf stat -e 'axvm:*'`, `perf record` and
# `perf trace`; the axvm_exit counts they see must equal VM_STATS' total
# for that run. TAP.
A=/opt/axvm/axctl
G=/opt/axvm/guests/demo
rc=0
t() {	# t NAME CMD...
	name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; rc=1; fi
}
# VM_STATS total exits of VM $1 (vCPU lines: "vCPU n: N exits: ...").
stats_total() {
	$A stats "$1" | awk '/^vCPU [0-9]+: [0-9]+ exits/ { n += $3 } END { print n + 0 }'
}
echo "TAP version 13"
command -v perf >/dev/null || { echo "1..0 # SKIP perf not packed (AXVM_MACHINE_TOOLS=perf)"; exit 0; }
t "insmod axvm.ko" insmod /opt/axvm/axvm.ko || exit 1

$A create pstat >/dev/null
perf stat -e 'axvm:*' -a -x, -o /tmp/perf-stat.csv -- $A -q start pstat --kernel $G --append perf >/dev/null
sed 's/^/# /' /tmp/perf-stat.csv
want=$(stats_total pstat)
got=$(awk -F, '$3 == "axvm:axvm_exit" { print $1 }' /tmp/perf-stat.csv)
echo "# perf stat axvm:axvm_exit $got, VM_STATS $want"
t "perf stat -e 'axvm:*': axvm_exit count equals VM_STATS ($want)" [ "$got" = "$want" ] 
t "perf stat -e 'axvm:*': axvm_entry counted" [ "$(awk -F, '$3 == "axvm:axvm_entry" { print $1 }' /tmp/perf-stat.csv)" -gt 0 ]
$A destroy pstat

$A create prec >/dev/null
perf record -q -e axvm:axvm_exit -a -o /tmp/perf.data -- $A -q start prec --kernel $G >/dev/null 2>/tmp/perf-rec.err
perf script -i /tmp/perf.data > /tmp/perf-script.txt 2>/dev/null
head -n 3 /tmp/perf-script.txt | sed 's/^/# /'
want=$(stats_total prec)
got=$(grep -c 'axvm:axvm_exit' /tmp/perf-script.txt)
echo "# perf record/script: $got axvm_exit records, VM_STATS $want"
t "perf record + perf script: one record per exit ($want)" [ "$got" = "$want" ]
t "perf script prints symbolic reasons" grep -q 'reason IO_INSTRUCTION kind IoWrite' /tmp/perf-script.txt
$A destroy prec

$A create ptrace >/dev/null
perf trace -e 'axvm:axvm_exit' -o /tmp/perf-trace.txt -- $A -q start ptrace --kernel $G >/dev/null 2>/tmp/perf-trace.err
head -n 2 /tmp/perf-trace.txt | sed 's/^/# /'
want=$(stats_total ptrace)
got=$(grep -c 'axvm:axvm_exit' /tmp/perf-trace.txt)
echo "# perf trace: $got axvm_exit lines, VM_STATS $want"
t "perf trace -e axvm:axvm_exit: one line per exit ($want)" [ "$got" = "$want" ]
$A destroy ptrace
t "rmmod axvm" rmmod axvm
exit $rc
