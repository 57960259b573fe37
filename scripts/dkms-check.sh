#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: dkms-check.sh LOGDIR KREL...: `make check`'s proof that dkms builds
# axvm.ko from dkms.conf, as a user would (Documentation/install.rst), for
# each installed kernel release KREL, without touching the system's DKMS
# tree, /usr/src or /lib/modules.
#
# The tree (without build/ and .git) is copied to a private sourcetree as
# axvm-VERSION, like the README's `cp -r . /usr/src/axvm-VERSION`. Each KREL
# gets its own --dkmstree (dkms builds every kernel in the one directory
# DKMSTREE/axvm/VERSION/build, so two builds in one tree would collide) and
# --installtree, and the kernels build in parallel. `dkms install` checks for
# uid 0 whatever the trees, so it and the `dkms remove` after it run only as
# root, both with --no-depmod (depmod would index the real
# /lib/modules/KREL whatever the installtree). The signing
# key dkms makes goes to the private tree too (it defaults to
# /var/lib/dkms/mok.key). Prints TAP lines and "dkms: N passed, N failed,
# N skipped in Ss"; make.log of each kernel goes to LOGDIR.
set -uo pipefail
logdir=$(realpath "$1")
shift
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(cat "$top/VERSION")
work=$top/build/dkms-check
t0=$(date +%s)

one() {	# one KREL: add, build (install, remove) in KREL's own trees
	local k=$1 d=$work/$1 ko log btf
	local -a opt=(--dkmstree "$d/tree" --sourcetree "$work/src" --installtree "$d/lib")
	mkdir -p "$d/tree" "$d/lib/$k"
	export mok_signing_key=$d/mok.key mok_certificate=$d/mok.pub
	# Debian's kernel Makefiles put ccache before gcc-12 when this is set.
	command -v ccache >/dev/null && export DEBIAN_KERNEL_USE_CCACHE=1
	say() { if [ "$1" = 0 ]; then echo "ok - $k: $2"; else echo "not ok - $k: $2"; fi; }
	dkms add "axvm/$ver" "${opt[@]}" >"$d/add.log" 2>&1
	say $? "dkms add axvm/$ver (private --dkmstree, --sourcetree)" || cat "$d/add.log"
	dkms build "axvm/$ver" -k "$k" "${opt[@]}" >"$d/build.log" 2>&1
	say $? "dkms build -k $k" || tail -n 20 "$d/build.log"
	log=$d/tree/axvm/$ver/$k/x86_64/log/make.log
	cp "$log" "$logdir/dkms-$k-make.log" 2>/dev/null
	# axvm.ko.xz where the kernel's own modules are compressed (6.12).
	ko=$(ls "$d/tree/axvm/$ver/$k/x86_64/module/axvm.ko"* 2>/dev/null | head -n1)
	[ -n "$ko" ]; say $? "axvm.ko built (DKMSTREE/axvm/$ver/$k/x86_64/module/${ko##*/})"
	[ -n "$ko" ] || return
	case $ko in
	*.xz) xz -dc "$ko" ;; *.zst) zstd -qdc "$ko" ;; *.gz) gzip -dc "$ko" ;; *) cat "$ko" ;;
	esac > "$d/plain.ko"
	! grep -E "warning:|error:" "$log"; say $? "no compiler warnings in make.log"
	[ "$(modinfo -F version "$ko")" = "$ver" ]
	say $? "modinfo version is VERSION ($ver)" || modinfo -F version "$ko"
	case "$(modinfo -F vermagic "$ko")" in
	"$k "*) say 0 "modinfo vermagic starts with $k" ;;
	*) say 1 "modinfo vermagic starts with $k"; modinfo -F vermagic "$ko" ;;
	esac
	if [ ! -r "/boot/vmlinuz-$k" ] || ! command -v pahole >/dev/null; then
		echo "ok - $k: axvm.ko has BTF # SKIP no /boot/vmlinuz-$k or no pahole"
	else
		readelf -S "$d/plain.ko" | grep -q '\.BTF'; btf=$?
		say $btf "axvm.ko has BTF (dkms.conf's make module ran scripts/module-btf.sh)"
		[ $btf = 0 ] || grep module-btf "$log"
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "ok - $k: dkms install/remove # SKIP dkms install needs uid 0 even with --installtree"
		return
	fi
	dkms install "axvm/$ver" -k "$k" --no-depmod "${opt[@]}" >"$d/install.log" 2>&1
	say $? "dkms install --no-depmod" || tail -n 20 "$d/install.log"
	cmp -s "$ko" "$d/lib/$k/updates/dkms/${ko##*/}"
	say $? "installed INSTALLTREE/$k/updates/dkms/${ko##*/} is the built module"
	dkms remove "axvm/$ver" --all --no-depmod "${opt[@]}" >"$d/remove.log" 2>&1
	say $? "dkms remove --all --no-depmod" || tail -n 20 "$d/remove.log"
	[ ! -e "$d/lib/$k/updates/dkms/${ko##*/}" ] && [ ! -e "$d/tree/axvm/$ver" ]
	say $? "dkms remove took the module out of INSTALLTREE and DKMSTREE"
}

rm -rf "$work"
mkdir -p "$work/src/axvm-$ver"
touch "$work/start"
# As the README's cp -r, without what is not source.
tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$work/src/axvm-$ver" -xf -
for k in "$@"; do
	one "$k" >"$work/$k.out" 2>&1 &
done
wait
for k in "$@"; do
	cat "$work/$k.out"
done > "$work/all.out"
# /var/lib/dkms/mok.key, a module in /lib/modules/KREL or a depmod run
# would each change a file or directory below one of these.
changed=$(find /var/lib/dkms /usr/src -maxdepth 2 -newer "$work/start" 2>/dev/null
	for k in "$@"; do find "/lib/modules/$k" -newer "$work/start"; done)
if [ -z "$changed" ]; then
	echo "ok - nothing changed in /var/lib/dkms, /usr/src, /lib/modules/{$*}"
else
	echo "not ok - nothing changed in /var/lib/dkms, /usr/src, /lib/modules/{$*}"
	echo "$changed" | head -20
fi >> "$work/all.out"
cat "$work/all.out"
p=$(grep -c '^ok - ' "$work/all.out")
s=$(grep -c '^ok - .*# SKIP' "$work/all.out")
f=$(grep -c '^not ok - ' "$work/all.out")
rm -rf "$work"
echo "dkms: $((p - s)) passed, $f failed, $s skipped in $(( $(date +%s) - t0 ))s"
[ "$f" = 0 ]
