#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make -C tests/guests check`: what can be checked of the demo guest
# without VT-x. Usage: check.sh GUEST_ELF HOST_BUILD EXPECTED_OUTPUT
# Prints "ok - ..."/"not ok - ..." lines and "N passed, N failed".
elf=$1
host=$2
expected=$3
flat=${4:-}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
t() {	# t NAME CMD...
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$name"; else notok "$name"; sed 's/^/#   /' "$tmp/out"; fi
}

readelf -hlsW "$elf" > "$tmp/elf" 2>&1 || { notok "readelf $elf"; exit 1; }
t "$elf is ELF64" grep -q 'Class: *ELF64' "$tmp/elf"
t "$elf is an executable (ET_EXEC)" grep -q 'Type: *EXEC' "$tmp/elf"
t "$elf is for x86-64" grep -q 'Machine: *Advanced Micro Devices X86-64' "$tmp/elf"
t "$elf has no interpreter and no dynamic section" \
	sh -c "! grep -qE '^ *(INTERP|DYNAMIC) ' '$tmp/elf'"
entry=$(sed -n 's/.*Entry point address: *0x0*\([0-9a-f]*\).*/\1/p' "$tmp/elf")
start=$(awk '$8 == "_start" { sub(/^0*/, "", $2); print $2 }' "$tmp/elf")
t "entry point is _start (0x$entry)" test -n "$entry" -a "$entry" = "$start"
segments_ok() {	# every LOAD: p_paddr == p_vaddr, ends below 64 MiB
	n=0
	while read -r type off vaddr paddr filesz memsz rest; do
		[ "$type" = LOAD ] || continue
		n=$((n + 1))
		[ "$((vaddr))" = "$((paddr))" ] || { echo "segment at $vaddr loads at $paddr"; return 1; }
		[ $((paddr + memsz)) -le $((64 << 20)) ] || { echo "segment at $paddr too high"; return 1; }
	done < "$tmp/elf"
	[ "$n" -gt 0 ]
}
t "PT_LOAD segments: physical = virtual address, below 64 MiB" segments_ok
objdump -d --no-show-raw-insn "$elf" > "$tmp/dis"
t "guest code uses no SSE/AVX registers" sh -c "! grep -qE '%[xyz]mm[0-9]' '$tmp/dis'"

"$host" "hello from the command line" > "$tmp/run1" 2>&1
rc=$?
t "host build: debug-exit status 1 ((0 << 1) | 1: all self-checks passed)" test "$rc" = 1
if diff -u "$expected" "$tmp/run1" > "$tmp/diff"; then
	ok "host build: output matches $expected"
else
	notok "host build: output matches $expected"
	sed 's/^/#   /' "$tmp/diff"
fi
"$host" > "$tmp/run2" 2>&1
rc=$?
t "host build without a command line: status 1" test "$rc" = 1
t "host build without a command line: says so" grep -q '^no command line' "$tmp/run2"
t "host build: greeting first" sh -c "head -n1 '$tmp/run1' | grep -qx 'Hello from the axvm demo guest!'"

if [ -n "$flat" ]; then
	size=$(wc -c < "$flat")
	t "$flat: a flat image of at most 4 KiB ($size bytes)" test "$size" -gt 0 -a "$size" -le 4096
	t "$flat: starts with cli; cld (fa fc)" sh -c "od -An -tx1 -N2 '$flat' | grep -q 'fa fc'"
	t "$flat: not ELF (axctl --format auto takes it as flat)" sh -c "! head -c4 '$flat' | grep -q ELF"
	t "$flat: carries its greeting" grep -q 'Hello from real mode' "$flat"
fi

echo "guests: $pass passed, $fail failed"
[ "$fail" = 0 ]
