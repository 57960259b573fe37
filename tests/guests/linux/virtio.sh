# SPDX-License-Identifier: GPL-2.0
# The Linux guest's virtio check (axvm.virtio=PHASE on the kernel command
# line; tests/selftests/virtio_test.sh runs it): load the modules listed
# in /lib/virtio/order (virtio-mmio finds axctl's devices in the ACPI
# DSDT), then report, one "virtio:" line each, through the kernel log at
# level 2 (printed even with `quiet`):
#  - every disk's size, read-only flag and serial (GET_ID);
#  - phase 1: the entropy device: the hwrng core's current source and
#    that 64 bytes came from /dev/hwrng; the console: a line written to
#    /dev/hvc0 (the host finds it in axctl's output), "hvc ready", and the
#    line the host then sends to axctl's standard input, read from hvc0
#    (guest time runs slowly under Bochs: timeouts are short); then the
#    marker the
#    host wrote at the start of the read-only
#    vdb, a write to vdb (must be refused), an ext4 file system made on
#    vda, two files of random bytes written to it with their SHA-256,
#    unmounted; then init powers off;
#  - phase 3 (no disk, virtio-net on a tap; tests/selftests/net_test.sh):
#    the interface's MAC, 10.0.2.15/24 on it, "net listening" once a TCP
#    listener on port 5001 waits for the host's file (its SHA-256 then),
#    a ping of the host (10.0.2.2), and a file of random bytes sent to
#    the host's port 5002 (its SHA-256 first);
#  - phase 2 (the same image, a new boot): the two files' SHA-256 read
#    back, a third file written, `sync`, "synced", and then nothing: the
#    host kills axctl with SIGKILL and checks the third file is in the
#    image.
say() { echo "<2>virtio: $*" > /dev/kmsg; }
for m in $(cat /lib/virtio/order); do
	insmod /lib/virtio/$m.ko || say "insmod $m failed"
done
phase=$(sed -n 's/.*axvm\.virtio=\([0-9]\).*/\1/p' /proc/cmdline)
i=0
while [ "$phase" != 3 ] && [ ! -b /dev/vda ] && [ $i -lt 150 ]; do
	sleep 0.2	# short: the test machine's seconds are long
	i=$((i + 1))
done
for d in /sys/block/vd*; do
	d=${d##*/}
	say "$d size $(cat /sys/block/$d/size) ro $(cat /sys/block/$d/ro) serial $(cat /sys/block/$d/serial 2>/dev/null)"
done
sums() {	# sums FILE...: one "sum NAME HASH" line each
	for f in "$@"; do
		say "sum ${f##*/} $(sha256sum "$f" | cut -d' ' -f1)"
	done
}
mkdir -p /mnt
case $phase in
1)
	say "rng current $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
	say "rng read $(head -c 64 /dev/hwrng 2>/dev/null | wc -c) bytes"
	i=0
	while [ ! -c /dev/hvc0 ] && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	# Open first, then "hvc ready": the host sends its line only then
	# (Linux drops console input that comes while it still probes the port).
	if exec 3<>/dev/hvc0; then
		stty -echo <&3 2>/dev/null
		echo "axvm-hvc-output" >&3
		say "hvc ready"
		if read -t 20 line <&3; then
			say "hvc read $line"
		else
			say "hvc read nothing"
		fi
		exec 3>&-
	fi
	say "marker $(dd if=/dev/vdb bs=512 count=1 2>/dev/null | head -c 16)"
	if printf 'x' | dd of=/dev/vdb bs=512 seek=1 conv=fsync 2>/dev/null; then
		say "ro write succeeded"
	else
		say "ro write refused"
	fi
	# Inode tables and journal written now: no ext4lazyinit thread
	# zeroing them in the background of the next boot.
	/usr/local/sbin/mke2fs -q -F -t ext4 -L axvm -E lazy_itable_init=0,lazy_journal_init=0 /dev/vda && say "mkfs done"
	mount -t ext4 /dev/vda /mnt && say "mounted"
	dd if=/dev/urandom of=/mnt/f1 bs=64k count=16 2>/dev/null
	dd if=/dev/urandom of=/mnt/f2 bs=64k count=48 2>/dev/null
	sums /mnt/f1 /mnt/f2
	umount /mnt && say "unmounted"
	;;
2)
	mount -t ext4 /dev/vda /mnt && say "mounted"
	sums /mnt/f1 /mnt/f2
	dd if=/dev/urandom of=/mnt/f3 bs=64k count=32 2>/dev/null
	sums /mnt/f3
	sync && say "synced"
	sleep 3600
	;;
3)
	dev=
	for d in /sys/class/net/*; do
		[ "${d##*/}" = lo ] || { dev=${d##*/}; break; }
	done
	say "net dev $dev mac $(cat /sys/class/net/$dev/address 2>/dev/null)"
	ip link set lo up
	ip addr add 10.0.2.15/24 dev "$dev" && ip link set "$dev" up && say "net up"
	dd if=/dev/urandom of=/tmp/tx bs=64k count=48 2>/dev/null
	say "net sum tx $(sha256sum /tmp/tx | cut -d' ' -f1)"
	# nc quits when its standard input ends: a FIFO held open never does.
	mkfifo /tmp/hold
	exec 4<>/tmp/hold
	say "net listening"
	nc -l -p 5001 <&4 > /tmp/rx
	say "net sum rx $(sha256sum /tmp/rx | cut -d' ' -f1) $(wc -c < /tmp/rx)"
	if ping -c 1 -W 20 10.0.2.2 > /tmp/ping 2>&1; then
		say "net ping host ok"
	else
		say "net ping host failed: $(tail -n 2 /tmp/ping | tr '\n' ' ')"
	fi
	nc -w 30 10.0.2.2 5002 < /tmp/tx && say "net sent"
	cat /sys/class/net/$dev/statistics/rx_packets /sys/class/net/$dev/statistics/tx_packets |
		tr '\n' ' ' | while read -r rx tx; do say "net packets rx $rx tx $tx"; done
	;;
esac
grep -i virtio /proc/interrupts | while read -r l; do say "irq $l"; done
say "done"
