#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A job for machine.sh --job (not part of `make check`): boot the Linux
# guest with two virtio disks, a 4 MiB image with a marker in sector 0 and
# a 1 MiB read-only one, and let the guest's virtio.sh (axvm.virtio)
# report on them. Checks: the guest saw both disks with the right sizes,
# ro flag and serial, read the marker, its write to sector 8 is in the
# image after axctl exits, its write to the read-only disk was refused,
# and axctl exited 0 (ACPI power-off). TAP on stdout.
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
insmod /opt/axvm/axvm.ko || { echo "not ok - insmod"; exit 1; }
t=/tmp/virtio
mkdir -p $t
dd if=/dev/zero of=$t/vda.img bs=1M count=4 2>/dev/null
printf 'axvm-marker-0001' | dd of=$t/vda.img conv=notrunc 2>/dev/null
dd if=/dev/zero of=$t/vdb.img bs=1M count=1 2>/dev/null
/opt/axvm/axctl -v run --no-reboot -m 192 --kernel /opt/axvm/linux/vmlinuz \
	--initrd /opt/axvm/linux/initramfs.cpio.gz \
	--append "console=ttyS0 panic=-1 mitigations=off axvm.virtio printk.devkmsg=on" \
	--disk $t/vda.img --disk $t/vdb.img,ro < /dev/null > $t/out 2>&1
st=$?
tr -d '\r' < $t/out | grep -E 'virtio|vda|vdb|axctl:|LNRO' | sed 's/^/# /'
out=$t/out
check "axctl exited 0 (got $st)" [ "$st" = 0 ]
check "vda: 8192 sectors, rw, serial vda.img" grep -q 'virtio: vda size 8192 ro 0 serial vda.img' $out
check "vdb: 2048 sectors, read-only" grep -q 'virtio: vdb size 2048 ro 1' $out
check "the guest read the host's marker" grep -q 'virtio: marker axvm-marker-0001' $out
check "the guest's write finished" grep -q 'virtio: write done' $out
check "the guest's write to the read-only disk was refused" grep -q 'virtio: ro write refused' $out
got=$(dd if=$t/vda.img bs=1 skip=4096 count=19 2>/dev/null)
check "the image holds the guest's write at sector 8 ($got)" [ "$got" = axvm-virtio-written ]
# (vdb may log the refused write: only vda's I/O errors count.)
check "no virtio failure or vda I/O error in the guest log" \
	sh -c "! grep -qiE 'virtio.*(error|fail|reset)|I/O error,? (on )?dev vda' $out"
echo "1..$n"
[ "$fail" = 0 ]
