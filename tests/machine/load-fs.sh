#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load the machine kernel's loop and ext4 modules (with their dependencies,
# packed by machine.sh into /opt/axvm/fs in insmod order), for tests that
# need a file system with writeback: the machine's root is a tmpfs.
# Exit status 0 when all are loaded (also if they already were).
d=/opt/axvm/fs
[ -f $d/order ] || { echo "load-fs: no $d/order" >&2; exit 1; }
while read -r m; do
	grep -q "^$(echo "$m" | tr - _) " /proc/modules && continue
	insmod "$d/$m.ko" || exit 1
done < $d/order
