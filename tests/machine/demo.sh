#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The README's main job, inside the test machine: load axvm and run the
# demo guest (until `axctl start` lands: the selftest guests in every mode).
set -e
echo "== insmod axvm.ko"
insmod /opt/axvm/axvm.ko
dmesg | grep 'axvm:' | sed 's/^/   /'
ls -l /dev/axvm
if [ -x /opt/axvm/axctl ] && [ -x /opt/axvm/guests/demo ]; then
	/opt/axvm/axctl create demo
	/opt/axvm/axctl start demo --kernel /opt/axvm/guests/demo
else
	echo "== guests in real, protected and long mode (tests/selftests/modes_test)"
	/opt/axvm/tests/modes_test
fi
rmmod axvm
echo "== done"
