#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh OUT: the Linux guest's initramfs, a gzip'd newc cpio with
# busybox-static, /init and /dialogue.sh (about 1 MB). Used by
# tests/machine/machine.sh for /opt/axvm/linux/initramfs.cpio.gz.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
bb=$(command -v busybox || echo /bin/busybox)
file "$bb" 2>/dev/null | grep -q 'statically linked' || {
	echo "mkinitramfs: $bb is not statically linked (busybox-static)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/tmp"
cp "$bb" "$tmp/bin/busybox"
install -m 755 "$here/init" "$tmp/init"
install -m 644 "$here/dialogue.sh" "$tmp/dialogue.sh"
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -9 > "$out"
