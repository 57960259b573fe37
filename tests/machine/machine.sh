#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's distro kernel in Bochs (VMX, EPT, VPID, unrestricted guest),
# with a busybox initramfs that carries axvm.ko, axctl, the selftests,
# bpftool, genl and kvm_intel, run one job inside, and report.
#
#   machine.sh [--kver V] [--cpus N] [--megs M] [--timeout S] [--name N]
#              [--guest-kernel KVER] [--quiet] (--job FILE | --cmd 'shell command')
#
# --guest-kernel: linux_test's guest is /boot/vmlinuz-KVER instead of the
# machine's own kernel.
#
# AXVM_MACHINE_TOOLS="perf ...": also pack these host programs (from PATH)
# and their libraries into /usr/bin (tests/machine/tracing-tools.sh).
#
# Exit status: the job's status, or 1 when the boot, the job or the kernel
# log went wrong (never reached init, no result line, splat, timeout).
# Logs: build/machine/<name>/{serial.log,bochs.log}.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=${AXVM_KVER:-}
cpus=1
megs=768
tmo=${AXVM_MACHINE_TIMEOUT:-1500}
name=""
job=""
cmd=""
guest_kver=""
quiet=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) kver=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--megs) megs=$2; shift 2 ;;
	--timeout) tmo=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--job) job=$2; shift 2 ;;
	--guest-kernel) guest_kver=$2; shift 2 ;;
	--cmd) cmd=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	*) echo "machine: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$kver" ] || kver=$("$top/scripts/kver.sh" "${AXVM_KSERIES:-6.1}") || exit 1
[ -n "$name" ] || name="run-$kver-$cpus"
out="$top/build/machine/$name"
mkdir -p "$top/build/machine"
exec 9>"$top/build/machine/.$name.lock"
flock -n 9 || { echo "machine: another run named '$name' is in progress" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
root="$out/root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,lib64,usr/lib,usr/sbin,usr/bin,opt/axvm/kvm,opt/axvm/tests}

die() { echo "machine: $*" >&2; exit 1; }

# --- initramfs ---------------------------------------------------------
cp /bin/busybox "$root/bin/busybox" || die "busybox-static missing (run scripts/setup.sh)"
install -m 755 "$here/init.sh" "$root/init"
install -m 755 "$here/load-kvm.sh" "$root/opt/axvm/load-kvm"
install -m 755 "$here/load-fs.sh" "$root/opt/axvm/load-fs"

ko="$top/build/kmod/$kver/axvm-btf.ko"
[ -f "$ko" ] || die "$ko missing: run 'make module KVER=$kver'"
cp "$ko" "$root/opt/axvm/axvm.ko"

mods=/lib/modules/$kver/kernel
for m in virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-intel; do
	b=$(basename $m)
	if [ -f "$mods/$m.ko" ]; then cp "$mods/$m.ko" "$root/opt/axvm/kvm/$b.ko"
	elif [ -f "$mods/$m.ko.xz" ]; then xz -dc "$mods/$m.ko.xz" > "$root/opt/axvm/kvm/$b.ko"
	elif [ -f "$mods/$m.ko.zst" ]; then zstd -qdc "$mods/$m.ko.zst" > "$root/opt/axvm/kvm/$b.ko"
	else die "no $m.ko for $kver"
	fi
done
# tun, for net_test's tap (insmod'ed by the test: the machine loads nothing itself).
mkdir -p "$root/opt/axvm/net"
for ext in "" .xz .zst; do
	m=$mods/drivers/net/tun.ko$ext
	[ -f "$m" ] || continue
	case $ext in
	.xz) xz -dc "$m" > "$root/opt/axvm/net/tun.ko" ;;
	.zst) zstd -qdc "$m" > "$root/opt/axvm/net/tun.ko" ;;
	*) cp "$m" "$root/opt/axvm/net/tun.ko" ;;
	esac
done
if /sbin/modinfo -p "$root/opt/axvm/kvm/kvm.ko" | grep -q '^enable_virt_at_load:'; then
	echo enable_virt_at_load=0 > "$root/opt/axvm/kvm/kvm.params"
else
	: > "$root/opt/axvm/kvm/kvm.params"
fi

# loop and ext4 (with crc32c, a softdep) for memory_test's file on a file
# system with writeback (/opt/axvm/load-fs loads them; without them that
# test skips).
sh "$here/copy-kmods.sh" "$kver" "$root/opt/axvm/fs" loop crc32c_generic ext4 ||
	echo "machine: no loop/ext4 modules for $kver: memory_test will skip file_backed_memory" >&2

# Userland programs and the shared libraries they need.
copy_prog() {
	local src=$1 dst=$2 lib
	cp "$src" "$root/$dst"
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
[ -x "$top/userland/axctl/axctl" ] && copy_prog "$top/userland/axctl/axctl" opt/axvm/axctl
for t in "$top"/tests/selftests/bin/*; do
	[ -x "$t" ] && copy_prog "$t" "opt/axvm/tests/$(basename "$t")"
done
cp "$top"/tests/selftests/*.sh "$root/opt/axvm/tests/" 2>/dev/null
# bench_test's regression gate reads its baseline next to itself.
cp "$top/tests/bench/baseline.json" "$root/opt/axvm/tests/bench_baseline.json" ||
	die "tests/bench/baseline.json missing"
[ -d "$top/tests/guests/bin" ] && cp -r "$top/tests/guests/bin" "$root/opt/axvm/guests"
# The Linux guest of linux_test: this machine's own kernel (already
# compressed, ~8 MB), or another installed Debian kernel with
# --guest-kernel KVER, and a ~1 MB busybox initramfs (tests/guests/linux/).
# linux/version says which, for the test's `uname -r` check.
# Also that kernel decompressed (vmlinux: the guest skips its own
# decompressor, most of a boot's instructions; virtio_test boots it) and
# a second initramfs with the kernel's virtio and ext4 modules and
# Debian's mke2fs, for virtio_test.
mkdir -p "$root/opt/axvm/linux"
gk=${guest_kver:-$kver}
cp "/boot/vmlinuz-$gk" "$root/opt/axvm/linux/vmlinuz" || die "/boot/vmlinuz-$gk missing"
python3 "$top/scripts/extract-vmlinux.py" "/boot/vmlinuz-$gk" "$root/opt/axvm/linux/vmlinux" ||
	die "cannot extract vmlinux from /boot/vmlinuz-$gk"
echo "$gk" > "$root/opt/axvm/linux/version"
sh "$top/tests/guests/linux/mkinitramfs.sh" "$root/opt/axvm/linux/initramfs.cpio.gz" ||
	die "cannot build the Linux guest's initramfs"
sh "$top/tests/guests/linux/mkinitramfs.sh" "$root/opt/axvm/linux/initramfs-virtio.cpio.gz" "$gk" ||
	die "cannot build the Linux guest's virtio initramfs"
# e2fsprogs for virtio_test's checks of the guest's ext4 image.
for p in e2fsck debugfs; do
	src=$(command -v $p || ls /sbin/$p /usr/sbin/$p 2>/dev/null | head -n 1)
	[ -n "$src" ] && copy_prog "$src" "usr/sbin/$p"
done
bpftool=$(command -v bpftool || ls /usr/sbin/bpftool 2>/dev/null)
[ -n "$bpftool" ] && copy_prog "$bpftool" usr/sbin/bpftool
# iproute2's genl, for genl_test (`genl ctrl get name axvm`).
genl=$(command -v genl || ls /usr/sbin/genl /sbin/genl 2>/dev/null | head -n 1)
[ -n "$genl" ] && copy_prog "$genl" usr/sbin/genl
# Big tools only for the jobs that ask (AXVM_MACHINE_TOOLS="perf": about
# 35 MB with its libraries, more than the rest of the initramfs).
for tool in ${AXVM_MACHINE_TOOLS:-}; do
	src=$(command -v "$tool") || die "AXVM_MACHINE_TOOLS: $tool is not installed"
	copy_prog "$src" "usr/bin/$tool"
done

if [ -n "$job" ]; then cp "$job" "$root/opt/axvm/job.sh"
else printf '%s\n' "$cmd" > "$root/opt/axvm/job.sh"
fi

(cd "$root" && find . | cpio -o -H newc --quiet) > "$out/initrd.cpio" || die "cpio failed"

# --- ISO ---------------------------------------------------------------
iso="$out/iso"
mkdir -p "$iso/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
cp "/boot/vmlinuz-$kver" "$iso/vmlinuz"
mv "$out/initrd.cpio" "$iso/initrd"
# Boot-time trims: no mitigations, no RTC/TSC calibration waits, no PCI
# probing beyond what is present, quiet console (splats still print).
cmdline="console=ttyS0,115200 mitigations=off tsc=reliable no_timer_check lpj=4000000 \
quiet loglevel=4 nokaslr random.trust_cpu=on i8042.noaux i8042.nokbd \
rdinit=/init panic=-1 ${AXVM_CMDLINE:-}"
cat > "$iso/isolinux/isolinux.cfg" <<CFG
DEFAULT axvm
PROMPT 0
TIMEOUT 0
LABEL axvm
  KERNEL /vmlinuz
  APPEND initrd=/initrd $cmdline
CFG
xorriso -as mkisofs -quiet -o "$out/machine.iso" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
	"$iso" 2>"$out/xorriso.log" || die "xorriso failed: $(tail -3 "$out/xorriso.log")"
rm -rf "$iso"

# --- Bochs -------------------------------------------------------------
serial="$out/serial.log"
: > "$serial"
sed -e "s|@MEGS@|$megs|" -e "s|@CPUS@|$cpus|" -e "s|@IPS@|${AXVM_IPS:-50000000}|" \
    -e "s|@ISO@|$out/machine.iso|" -e "s|@SERIAL@|$serial|" \
    -e "s|@BXLOG@|$out/bochs.log|" "$here/bochsrc.in" > "$out/bochsrc"

start=$(date +%s)
# At most two Bochs runs on this host at once (two cores), across every
# checkout and worktree: take one of two slot locks, wait for one if both
# are held. The lock fd is inherited by Bochs and released when it exits.
slots=/tmp/axvm-bochs-slots
mkdir -p "$slots"
while :; do
	for s in 0 1; do
		exec 8>"$slots/$s"
		flock -n 8 && break 2
	done
	sleep 3
done
(cd "$out" && exec timeout -k 10 "$tmo" bochs -q -f "$out/bochsrc" -rc "$here/bochs.rc" \
	>"$out/bochs.out" 2>&1) &
bpid=$!

# Follow the serial log: live job output unless --quiet; stop at the end
# marker (then kill Bochs: ACPI power-off is not relied on).
shown=0
reached=""
# Wall time per selftest executable, read off the host's clock (the
# machine's own clock is emulated time): "SECONDS NAME" at each start.
nstarted=0
: > "$out/wall.txt"
stamp_starts() {
	local n
	n=$(grep -ac '^# selftests: axvm: ' "$serial")
	[ "$n" -gt "$nstarted" ] || return 0
	grep -a '^# selftests: axvm: ' "$serial" | sed -n "$((nstarted + 1)),${n}p" |
		sed "s/^# selftests: axvm: /$(( $(date +%s) - start )) /" >> "$out/wall.txt"
	nstarted=$n
}
while :; do
	stamp_starts
	if [ "$quiet" = 0 ]; then
		total=$(wc -l < "$serial")
		if [ "$total" -gt "$shown" ]; then
			sed -n "$((shown + 1)),${total}p" "$serial"
			shown=$total
		fi
	fi
	if [ -z "$reached" ] && grep -q "^AXVM-MACHINE: init reached" "$serial"; then
		reached=$(( $(date +%s) - start ))
	fi
	if grep -q "^AXVM-MACHINE-DONE" "$serial"; then
		sleep 1
		break
	fi
	# A dead kernel never prints the result line: stop early.
	if grep -aqE "Kernel panic - not syncing|Fixing recursive fault|end trace [0-9a-f]+ \]---" "$serial"; then
		sleep 3
		echo "machine: kernel oops/panic in the guest log: stopping"
		break
	fi
	kill -0 $bpid 2>/dev/null || break
	sleep 2
done
[ "$quiet" = 0 ] && sed -n "$((shown + 1)),\$p" "$serial"
kill $bpid 2>/dev/null
pkill -f -- "-f $out/bochsrc" 2>/dev/null
wait $bpid 2>/dev/null
elapsed=$(( $(date +%s) - start ))
# wall.txt becomes "NAME SECONDS" per executable (the last one ends at the end).
awk -v end="$elapsed" 'NR > 1 { print name, $1 - t } { t = $1; name = $2 }
	END { if (NR) print name, end - t }' "$out/wall.txt" > "$out/wall-per-test.txt"

tail_log() { echo "---- last 60 lines of $serial ----"; tail -n 60 "$serial"; echo "---- bochs ----"; tail -n 5 "$out/bochs.out"; }
if [ -z "$reached" ]; then
	echo "machine: FAIL: never reached init in ${elapsed}s (kernel $kver)"
	tail_log
	exit 1
fi
echo "machine: kernel $kver, $cpus cpu(s): init reached after ${reached}s wall, finished after ${elapsed}s" \
	| tee "$out/timing.txt"
line=$(grep -a "^AXVM-MACHINE-DONE" "$serial" | tail -n1)
if [ -z "$line" ]; then
	echo "machine: FAIL: no result line (timeout ${tmo}s or crash)"
	tail_log
	exit 1
fi
if grep -aq "^AXVM-SPLAT" "$serial"; then
	echo "machine: FAIL: kernel log splat or taint"
	[ "$quiet" = 1 ] && tail_log
	exit 1
fi
rc=${line#*rc=}
rc=${rc%% *}
[ "$rc" = 0 ] || { [ "$quiet" = 1 ] && tail_log; }
exit "$rc"
