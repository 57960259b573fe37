#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtio_test: Debian's kernel, with its stock virtio-mmio, virtio-blk and
# ext4 drivers, keeps files on an axctl virtio disk (issue 15,
# Documentation/virtio.rst). The guest is the machine's kernel as vmlinux
# (axctl's vmlinux loading: no in-guest decompressor) with
# initramfs-virtio.cpio.gz, whose virtio.sh reports through the kernel log
# (tests/guests/linux/virtio.sh). Two boots on the same image:
#  1. with --rng and --console virtio: the guest's hwrng is virtio_rng and
#     gives 64 bytes; a line the guest writes to hvc0 is in axctl's
#     output, and the line given to axctl's stdin is what the guest reads
#     from hvc0. Disks:
#     vda (64 MiB, empty) and vdb (1 MiB, read-only, a marker at sector 0):
#     the disks' sizes, ro flags and serials are as given; the guest reads
#     vdb's marker and its write to vdb is refused; it makes ext4 on vda,
#     writes two files of random bytes, prints their SHA-256, unmounts and
#     powers off: axctl exits 0; on the host, `e2fsck -fn` finds the image
#     clean and the files `debugfs` reads out of it have the same sums.
#  2. the guest mounts vda, its sums of the two files are the first boot's,
#     it writes a third file, prints its sum and "synced" once `sync`
#     returned; axctl is then killed with SIGKILL (no flush, no clean
#     shutdown): after e2fsck replays the journal the image is clean and
#     the third file has the guest's sum (nothing acknowledged was lost).
# TAP on stdout; exit 0 if all passed, 4 (skip) without the kernel, the
# initramfs, axctl, e2fsprogs or /dev/axvm.
AXCTL=${AXCTL:-/opt/axvm/axctl}
L=${AXVM_LINUX:-/opt/axvm/linux}
VM=virtio_test
tmo=${AXVM_VIRTIO_TIMEOUT:-600}
tmp=${TMPDIR:-/tmp}/virtio_test.$$
PATH=$PATH:/usr/sbin:/sbin
. "${0%/*}/tap.sh"

need "$AXCTL" "$L/vmlinux" "$L/initramfs-virtio.cpio.gz"
for p in e2fsck debugfs; do
	if ! command -v $p >/dev/null 2>&1; then
		echo "1..0 # SKIP no $p (e2fsprogs) to check the guest's file system"
		exit 4
	fi
done
need_axvm
mkdir -p "$tmp"
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	"$AXCTL" destroy "$VM" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

vda=$tmp/vda.img
vdb=$tmp/vdb.img
dd if=/dev/zero of="$vda" bs=1M count=0 seek=64 2>/dev/null
dd if=/dev/zero of="$vdb" bs=1M count=1 2>/dev/null
printf 'axvm-marker-0001' | dd of="$vdb" conv=notrunc 2>/dev/null

# boot PHASE OUT [OPTION...]: start the guest in the background ($pid),
# standard input from $IN (default /dev/null).
boot() {
	p=$1
	o=$2
	shift 2
	: > "$o"	# before guest_wait reads it
	"$AXCTL" -v run --name "$VM" --no-reboot -m 256 --kernel "$L/vmlinux" \
		--initrd "$L/initramfs-virtio.cpio.gz" \
		--append "console=ttyS0 quiet panic=-1 mitigations=off axvm.virtio=$p" \
		--disk "$vda" --disk "$vdb,ro" "$@" < "${IN:-/dev/null}" > "$o" 2>&1 &
	pid=$!
}
# sum_of NAME OUT: the guest's SHA-256 of NAME in OUT.
sum_of() { tr -d '\r' < "$2" | sed -n "s/.*virtio: sum $1 \([0-9a-f]*\).*/\1/p" | tail -n 1; }
# host_sum NAME: SHA-256 of /NAME read out of vda by debugfs.
host_sum() { debugfs -R "cat /$1" "$vda" 2>/dev/null | sha256sum | cut -d' ' -f1; }
same() { [ -n "$1" ] && [ "$1" = "$2" ]; }

# --- boot 1 ------------------------------------------------------------------
out1=$tmp/boot1
# axctl's standard input: a FIFO held open here, written once the guest
# has hvc0 open ("hvc ready").
mkfifo "$tmp/in"
exec 5<>"$tmp/in"
IN=$tmp/in
boot 1 "$out1" --rng --console virtio
IN=
guest_wait 'virtio: hvc ready' "$out1" && echo "axvm-hvc-input" >&5
guest_wait 'virtio: done' "$out1"
guest_end
tr -d '\r' < "$out1" | grep -E 'virtio|vd[ab]|axctl:|hvc' | sed 's/^/# /'
exec 5>&-
check "boot 1: axctl exits 0 when the guest powers off (got $st)" [ "$st" = 0 ]
check "virtio-rng is the guest's current hwrng" guest_said 'rng current virtio_rng' "$out1"
check "64 bytes read from the guest's /dev/hwrng" guest_said 'rng read 64 bytes' "$out1"
check "a line the guest wrote to hvc0 is in axctl's output" \
	sh -c "tr -d '\r' < '$out1' | grep -qx 'axvm-hvc-output'"
check "the guest read axctl's standard input from hvc0" guest_said 'hvc read axvm-hvc-input' "$out1"
check "axctl -v counts the rng's and console's bytes" \
	sh -c "grep -q 'virtio-rng: [1-9][0-9]* buffers' '$out1' &&
	       grep -q 'virtio-console: [1-9][0-9]* bytes out' '$out1'"
check "vda: 131072 sectors, read-write, serial vda.img" guest_said 'vda size 131072 ro 0 serial vda.img' "$out1"
check "vdb: 2048 sectors, read-only, serial vdb.img" guest_said 'vdb size 2048 ro 1 serial vdb.img' "$out1"
check "the guest reads the host's marker on vdb" guest_said 'marker axvm-marker-0001' "$out1"
check "the guest's write to the read-only vdb is refused" guest_said 'ro write refused' "$out1"
check "mke2fs -t ext4, mount and umount in the guest" \
	sh -c "tr -d '\r' < '$out1' | grep -q 'virtio: mkfs done' &&
	       tr -d '\r' < '$out1' | grep -q 'virtio: unmounted'"
e2fsck -fn "$vda" > "$tmp/fsck1" 2>&1
st=$?
check "e2fsck -fn: the image is clean after the guest's power-off (status $st)" [ "$st" = 0 ]
[ "$st" = 0 ] || sed 's/^/# /' "$tmp/fsck1"
for f in f1 f2; do
	g=$(sum_of $f "$out1")
	h=$(host_sum $f)
	check "$f: the guest's SHA-256 (${g:-none}) is the one in the image" same "$g" "$h"
done
# (the guest's lines only: axctl's -v counts say "0 ... failures")
check "no I/O error, virtio or ext4 error in the guest" \
	sh -c "! tr -d '\r' < '$out1' | grep -v '^axctl: ' | grep -qiE 'I/O error|EXT4-fs error|virtio.*(fail|error)'"

# --- boot 2: the same image, then SIGKILL after sync ----------------------------
out2=$tmp/boot2
boot 2 "$out2"
if guest_wait 'virtio: synced' "$out2"; then
	kill -9 "$pid"
	ok "boot 2: the guest synced its third file; axctl killed with SIGKILL"
else
	notok "boot 2: the guest did not report \"synced\""
	kill -9 "$pid" 2>/dev/null
fi
wait "$pid" 2>/dev/null
pid=
tr -d '\r' < "$out2" | grep -E 'virtio|vd[ab]|axctl:' | sed 's/^/# /'
for f in f1 f2; do
	g=$(sum_of $f "$out2")
	check "$f read back after a new boot: the same SHA-256" same "$g" "$(sum_of $f "$out1")"
done
e2fsck -fy "$vda" > "$tmp/fsck2" 2>&1
st=$?
e2fsck -fn "$vda" > "$tmp/fsck3" 2>&1
st2=$?
check "after SIGKILL: e2fsck replays the journal (status $st), then finds the image clean (status $st2)" \
	[ "$st" -le 1 -a "$st2" = 0 ]
[ "$st2" = 0 ] || sed 's/^/# /' "$tmp/fsck2" "$tmp/fsck3"
g=$(sum_of f3 "$out2")
h=$(host_sum f3)
check "f3, synced before the SIGKILL, is in the image with the guest's SHA-256 (${g:-none})" \
	same "$g" "$h"
"$AXCTL" list 2>/dev/null | grep -q " $VM " && "$AXCTL" destroy "$VM" >/dev/null 2>&1

echo "1..$n"
[ "$failed" = 0 ]
