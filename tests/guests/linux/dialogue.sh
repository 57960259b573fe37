# SPDX-License-Identifier: GPL-2.0
# The commands of the Linux guest test (tests/selftests/linux_test.sh) as
# a script, for axvm.auto: each output is framed so that the test can
# check it the same way as the interactive dialogue's. Its output goes to
# the kernel log, which is the console: the test reads the guest's dmesg
# from there.
echo "@@uname $(uname -r)"
echo "@@nproc $(nproc)"
# One line per write: /dev/kmsg takes a record of at most 1 KiB per write.
echo "@@interrupts-begin"; while IFS= read -r l; do echo "$l"; done < /proc/interrupts
echo "@@interrupts-end"
dd if=/dev/urandom of=/tmp/f bs=1024 count=256 2>/dev/null
gzip -c /tmp/f > /tmp/f.gz
a=$(md5sum < /tmp/f); b=$(gunzip -c /tmp/f.gz | md5sum)
[ "$a" = "$b" ] && echo "@@workload ok ${a%% *}" || echo "@@workload BAD"
