#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the newest installed Debian kernel version of a series (default 6.1)
# that has an image, modules and headers: what the test machine boots.
series=${1:-6.1}
best=""
for img in /boot/vmlinuz-"$series".*-amd64; do
	[ -e "$img" ] || continue
	v=${img#/boot/vmlinuz-}
	[ -d "/lib/modules/$v/kernel" ] && [ -d "/usr/src/linux-headers-$v" ] || continue
	best=$(printf '%s\n%s\n' "$best" "$v" | sed '/^$/d' | sort -V | tail -n1)
done
[ -n "$best" ] || { echo "kver: no complete linux-image+headers for $series installed" >&2; exit 1; }
echo "$best"
