# SPDX-License-Identifier: GPL-2.0
# The Linux guest's virtio disk check (axvm.virtio on the kernel command
# line; tests/machine/virtio-smoke.sh runs it): load virtio-mmio and
# virtio-blk, which find axctl's disks in the ACPI DSDT, then report, one
# "virtio:" line each: the disks' size, read-only flag and serial (GET_ID),
# the marker the host wrote at the start of vda, a write to vda's sector 8
# with fsync (the host reads it back from the image), a write to the
# read-only vdb (must be refused).
for m in virtio_ring virtio virtio_mmio virtio_blk; do
	insmod /lib/virtio/$m.ko || echo "virtio: insmod $m failed"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 30 ]; do
	sleep 1
	i=$((i + 1))
done
for d in vda vdb; do
	echo "virtio: $d size $(cat /sys/block/$d/size 2>/dev/null) ro $(cat /sys/block/$d/ro 2>/dev/null) serial $(cat /sys/block/$d/serial 2>/dev/null)"
done
echo "virtio: marker $(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 16)"
if printf 'axvm-virtio-written' | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null; then
	echo "virtio: write done"
else
	echo "virtio: write failed"
fi
sync
if printf 'x' | dd of=/dev/vdb bs=512 seek=1 conv=fsync 2>/dev/null; then
	echo "virtio: ro write succeeded"
else
	echo "virtio: ro write refused"
fi
grep -i virtio /proc/interrupts | sed 's/^/virtio: irq /'
echo "virtio: done"
