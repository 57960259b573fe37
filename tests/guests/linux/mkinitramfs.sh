#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mkinitramfs.sh OUT [KVER]: the Linux guest's initramfs, a gzip'd newc
# cpio with busybox-static, /init, /dialogue.sh and /virtio.sh (about 1 MB).
# With KVER, also what virtio.sh needs (axvm.virtio, see init): that
# kernel's virtio-mmio, virtio device and ext4 modules (from
# /lib/modules/KVER, uncompressed) in /lib/virtio/, and Debian's mke2fs
# with its libraries (busybox's makes no ext4). Used by
# tests/machine/machine.sh for /opt/axvm/linux/initramfs{,-virtio}.cpio.gz.
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
# The guest's drivers for axctl's virtio devices and ext4, with what they
# depend on (modules.dep), deps first: /lib/virtio/order lists them in
# the order the guest's scripts insmod them (no modprobe, no depmod in
# the guest). crc32c is ext4's and jbd2's checksum (a softdep, not in
# modules.dep).
want="virtio_mmio virtio_blk virtio_net virtio-rng virtio_console crc32c_generic ext4"
moddir=/lib/modules/$kver
if [ -n "$kver" ] && [ -f "$moddir/modules.dep" ]; then
	sh "$here/../../machine/copy-kmods.sh" "$kver" "$tmp/lib/virtio" $want
	# mke2fs (mkfs.ext4) and the shared libraries it loads.
	mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
	# (not /sbin: busybox --install would find its own applet's name taken)
	mkdir -p "$tmp/usr/local/sbin"
	cp "$mke2fs" "$tmp/usr/local/sbin/mke2fs"
	for lib in $(ldd "$mke2fs" | grep -o '/[^ ]*'); do
		mkdir -p "$tmp$(dirname "$lib")"
		cp -L "$lib" "$tmp$lib"
	done
fi
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -9 > "$out"
