#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh OUT [KVER]: the Linux guest's initramfs, a gzip'd newc
# cpio with busybox-static, /init, /dialogue.sh and /virtio.sh (about 1 MB).
# With KVER, also the virtio-mmio and virtio-blk modules of that kernel
# (/lib/modules/KVER, uncompressed) in /lib/virtio/ for axvm.virtio (see
# init). Used by tests/machine/machine.sh for
# /opt/axvm/linux/initramfs.cpio.gz.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
kver=${2:-}
bb=$(command -v busybox || echo /bin/busybox)
file "$bb" 2>/dev/null | grep -q 'statically linked' || {
	echo "mkinitramfs: $bb is not statically linked (busybox-static)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/tmp"
cp "$bb" "$tmp/bin/busybox"
install -m 755 "$here/init" "$tmp/init"
install -m 644 "$here/dialogue.sh" "$tmp/dialogue.sh"
install -m 644 "$here/virtio.sh" "$tmp/virtio.sh"
mods=/lib/modules/$kver/kernel
if [ -n "$kver" ] && [ -d "$mods" ]; then
	mkdir -p "$tmp/lib/virtio"
	for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio \
		 drivers/block/virtio_blk; do
		b=$(basename "$m")
		if [ -f "$mods/$m.ko" ]; then cp "$mods/$m.ko" "$tmp/lib/virtio/$b.ko"
		elif [ -f "$mods/$m.ko.xz" ]; then xz -dc "$mods/$m.ko.xz" > "$tmp/lib/virtio/$b.ko"
		elif [ -f "$mods/$m.ko.zst" ]; then zstd -qdc "$mods/$m.ko.zst" > "$tmp/lib/virtio/$b.ko"
		fi
	done
fi
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -9 > "$out"
