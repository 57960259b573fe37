#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# net_test: Debian's kernel, with its stock virtio-mmio and virtio-net
# drivers, talks to the test machine over an axctl virtio-net device on a
# tap (issue 15, Documentation/virtio.rst). The tap is made by axctl
# (`--net tap=axvmtap0,mac=...`; the machine's tun module is insmod'ed
# first); this side gives it 10.0.2.2/24, the guest (virtio.sh phase 3)
# 10.0.2.15/24 on its interface. Checked: the guest's interface has the
# MAC given; the host pings the guest and the guest the host; a file of
# random bytes goes each way over TCP (busybox nc, 3 MiB) and arrives
# with the sender's SHA-256; the guest powers off and axctl exits 0;
# axctl -v counts frames both ways. One boot.
# TAP on stdout; exit 0 if all passed, 4 (skip) without the kernel, the
# initramfs, axctl, /dev/axvm, or tun.
AXCTL=${AXCTL:-/opt/axvm/axctl}
L=${AXVM_LINUX:-/opt/axvm/linux}
VM=net_test
TAP=axvmtap0
MAC=02:00:0a:00:02:0f
tmo=${AXVM_VIRTIO_TIMEOUT:-900}
tmp=${TMPDIR:-/tmp}/net_test.$$
PATH=$PATH:/usr/sbin:/sbin
. "${0%/*}/tap.sh"
need "$AXCTL" "$L/vmlinux" "$L/initramfs-virtio.cpio.gz"
need_axvm
[ -c /dev/net/tun ] || insmod /opt/axvm/net/tun.ko 2>/dev/null
i=0
while [ ! -c /dev/net/tun ] && [ "$i" -lt 5 ]; do sleep 1; i=$((i + 1)); done
if [ ! -c /dev/net/tun ]; then
	echo "1..0 # SKIP no /dev/net/tun (no tun module)"
	exit 4
fi
mkdir -p "$tmp"
pid=
lpid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	"$AXCTL" destroy "$VM" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

out=$tmp/boot
said() { tr -d '\r' < "$out" | sed -n "s/.*virtio: $1 \([0-9a-f]*\).*/\1/p" | tail -n 1; }

dd if=/dev/urandom of="$tmp/h2g" bs=64k count=48 2>/dev/null
hsum=$(sha256sum "$tmp/h2g" | cut -d' ' -f1)
: > "$out"
"$AXCTL" -v run --name "$VM" --no-reboot -m 256 --kernel "$L/vmlinux" \
	--initrd "$L/initramfs-virtio.cpio.gz" \
	--append "console=ttyS0 quiet panic=-1 mitigations=off axvm.virtio=3" \
	--net "tap=$TAP,mac=$MAC" < /dev/null > "$out" 2>&1 &
pid=$!
i=0
while ! ip link show "$TAP" >/dev/null 2>&1 && kill -0 "$pid" 2>/dev/null && [ "$i" -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
check "axctl made tap $TAP" ip link show "$TAP"
ip addr add 10.0.2.2/24 dev "$TAP" 2>/dev/null
ip link set "$TAP" up
if guest_wait 'virtio: net listening' "$out"; then
	ping -c 1 -W 30 10.0.2.15 > "$tmp/ping" 2>&1
	st=$?
	check "the host pings the guest (10.0.2.15)" [ "$st" = 0 ]
	[ "$st" = 0 ] || sed 's/^/# /' "$tmp/ping"
	# The guest's file comes to port 5002 after the host's has gone.
	mkfifo "$tmp/hold"
	sh -c 'exec 4<>"$1"; exec nc -l -p 5002 <&4 > "$2"' _ "$tmp/hold" "$tmp/g2h" &
	lpid=$!
	timeout 600 nc 10.0.2.15 5001 < "$tmp/h2g"
	st=$?
	check "the host sends 3 MiB to the guest over TCP (nc, status $st)" [ "$st" = 0 ]
else
	notok "the guest did not report \"net listening\""
fi
guest_wait 'virtio: done' "$out"
guest_end
tr -d '\r' < "$out" | grep -E 'virtio|eth|axctl:' | sed 's/^/# /'
check "axctl exits 0 when the guest powers off (got $st)" [ "$st" = 0 ]
check "the guest's interface has MAC $MAC" guest_said "net dev [a-z0-9]* mac $MAC" "$out"
check "the guest's interface is up with 10.0.2.15/24" guest_said 'net up' "$out"
g=$(said 'net sum rx')
check "the guest received the host's file: SHA-256 ${g:-none}, 3145728 bytes" \
	sh -c "[ '$g' = '$hsum' ] && tr -d '\r' < '$out' | grep -q 'net sum rx $hsum 3145728'"
check "the guest pings the host (10.0.2.2)" guest_said 'net ping host ok' "$out"
g=$(said 'net sum tx')
h=$(sha256sum "$tmp/g2h" 2>/dev/null | cut -d' ' -f1)
check "the host received the guest's file with its SHA-256 (${g:-none}, $(wc -c < "$tmp/g2h" 2>/dev/null) bytes)" \
	[ -n "$g" -a "$g" = "$h" ]
check "axctl -v counts frames both ways on $TAP" \
	sh -c "grep -qE 'net $TAP: [1-9][0-9]* frames out .* [1-9][0-9]* in ' '$out'"
check "no virtio or net error in the guest" \
	sh -c "! tr -d '\r' < '$out' | grep -v '^axctl: ' | grep -qiE 'virtio.*(fail|error)|NETDEV WATCHDOG'"
"$AXCTL" list 2>/dev/null | grep -q " $VM " && "$AXCTL" destroy "$VM" >/dev/null 2>&1

echo "1..$n"
[ "$failed" = 0 ]
