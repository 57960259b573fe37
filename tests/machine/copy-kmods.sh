#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# copy-kmods.sh KVER DIR NAME...: kernel KVER's modules NAME... and what
# they depend on (modules.dep of /lib/modules/KVER), uncompressed, as
# DIR/<module>.ko, with DIR/order listing them deps first: the order to
# insmod them in where there is no modprobe or depmod (the test machine,
# the Linux guest). Softdeps are not followed: name them (crc32c_generic
# for ext4 and jbd2). A module built into KVER is skipped; one that is
# neither built in nor in modules.dep is an error.
set -eu
kver=$1
dir=$2
shift 2
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || { echo "copy-kmods: no $moddir/modules.dep" >&2; exit 1; }
# deps_of NAME: the module's path and its dependencies' paths, deps first.
deps_of() {
	local line path d
	line=$(grep -E "(^|/)$1\.ko(\.xz|\.zst)?:" "$moddir/modules.dep" | head -n 1)
	if [ -z "$line" ]; then
		grep -qE "(^|/)$1\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
		echo "copy-kmods: no module $1 for $kver" >&2
		return 1
	fi
	path=${line%%:*}
	for d in ${line#*:}; do
		deps_of "$(basename "${d%%.ko*}")"
	done
	echo "$path"
}
mkdir -p "$dir"
paths=$(for n in "$@"; do deps_of "$n" || echo "!missing"; done | awk '!seen[$0]++')
case "$paths" in *'!missing'*) exit 1 ;; esac
for m in $paths; do
	b=$(basename "${m%%.ko*}")
	case "$m" in
	*.ko.xz) xz -dc "$moddir/$m" > "$dir/$b.ko" ;;
	*.ko.zst) zstd -qdc "$moddir/$m" > "$dir/$b.ko" ;;
	*) cp "$moddir/$m" "$dir/$b.ko" ;;
	esac
	echo "$b" >> "$dir/order"
done
