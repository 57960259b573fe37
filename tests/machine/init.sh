#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the axvm test machine: mount the usual file systems, run the
# job (/opt/axvm/job.sh), check the kernel log for splats, power off.
/bin/busybox --install -s /bin
# The kernel runs /sbin/modprobe (/proc/sys/kernel/modprobe) to load a
# module on demand, as for the first open of /dev/axvm: where Debian has it.
ln -s /bin/busybox /sbin/modprobe
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/opt/axvm:/opt/axvm/tests
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tracefs none /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
echo 4 > /proc/sys/kernel/printk
echo "AXVM-MACHINE: init reached at $(cut -d' ' -f1 /proc/uptime)s uptime, kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s)"
# Splats before the job (Bochs firmware quirks) are the machine's, not
# axvm's: only what the job adds is judged.
dmesg > /tmp/dmesg.boot
taint0=$(cat /proc/sys/kernel/tainted)
if [ "$taint0" != 0 ]; then
	echo "AXVM-MACHINE: boot-time taint $taint0:"
	grep -E -A3 "WARNING:|cut here" /tmp/dmesg.boot | head -20
fi
cd /opt/axvm
sh /opt/axvm/job.sh
rc=$?
dmesg | tail -n +$(($(wc -l < /tmp/dmesg.boot) + 1)) > /tmp/dmesg.txt
if grep -E "WARNING:|BUG:|Oops|general protection fault|Call Trace:|UBSAN|KASAN|refcount_t:|list_add corruption|list_del corruption|stack-protector|double fault|soft lockup|hung_task|rcu_.*stall|Kernel panic" /tmp/dmesg.txt; then
	echo "AXVM-SPLAT: the kernel log above has a splat"
	rc=1
fi
taint=$(cat /proc/sys/kernel/tainted)
# Out-of-tree (O, 4096) and unsigned (E, 8192) are expected for axvm.ko.
if [ $((taint & ~(taint0 | 4096 | 8192))) -ne 0 ]; then
	echo "AXVM-SPLAT: kernel tainted $taint"
	rc=1
fi
echo "AXVM-MACHINE-DONE rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)s"
sync
poweroff -f
sleep 30
