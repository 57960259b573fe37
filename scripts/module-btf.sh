#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: module-btf.sh KDIR IN.ko [OUT.ko]. Without OUT, IN gets the BTF in
# place (once); with OUT, OUT is a copy with BTF and without DWARF.
# Add BTF to axvm.ko against the matching kernel's vmlinux BTF (Debian's
# headers ship no vmlinux, so kbuild skips this step): extract vmlinux from
# /boot/vmlinuz-<release> and run pahole -J --btf_base.
# In place (make module, DKMS) BTF is optional: without a vmlinux, pahole or
# python3 the module stays as Kbuild made it (axctl trace then uses the
# tracepoint programs) and a DKMS build does not fail for it. The staged
# copy for the test machine must have it.
set -euo pipefail
kdir=$1 ko=$2 out=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
nobtf() {	# nobtf WHY: fatal for OUT, a warning in place
	echo "module-btf: $1: $ko has no BTF (tp_btf programs will not attach)" >&2
	[ -z "$out" ]
	exit
}
rel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null || true)
base=""
if [ -n "$rel" ] && [ "$rel" = "$(uname -r)" ] && [ -r /sys/kernel/btf/vmlinux ]; then
	base=/sys/kernel/btf/vmlinux
elif [ -n "$rel" ] && [ -r "/boot/vmlinuz-$rel" ]; then
	base="$top/build/vmlinux-$rel"
	[ -s "$base" ] || { mkdir -p "$top/build" &&
		python3 "$top/tests/machine/extract-vmlinux.py" "/boot/vmlinuz-$rel" "$base"; } ||
		{ rm -f "$base"; nobtf "extracting vmlinux from /boot/vmlinuz-$rel failed"; }
fi
[ -n "$base" ] || { echo "module-btf: no vmlinux for '$rel': axvm.ko has no BTF (tp_btf programs will not attach)" >&2; exit 0; }
command -v pahole >/dev/null || nobtf "pahole missing (apt-get install dwarves)"
if [ -z "$out" ]; then
	readelf -S "$ko" | grep -q '\.BTF' || pahole -J --btf_base "$base" "$ko"
	exit 0
fi
cp "$ko" "$out.tmp"
pahole -J --btf_base "$base" "$out.tmp"
# Drop DWARF (keeps .BTF) so the test machine's initramfs stays small.
objcopy --strip-debug "$out.tmp" "$out"
rm -f "$out.tmp"
readelf -S "$out" | grep -q '\.BTF' || { echo "module-btf: no .BTF section in $out" >&2; exit 1; }
