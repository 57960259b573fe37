#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Idempotent set-up: installs what axvm's build, test machine and tests need.
set -euo pipefail
PKGS="bochs bochsbios vgabios linux-image-amd64 linux-headers-amd64 busybox-static
isolinux syslinux-common xorriso cpio dwarves libnl-3-dev libnl-genl-3-dev libbpf-dev
bpftool clang llvm linux-source-6.1 flex bison libelf-dev libssl-dev ccache bc make gcc
python3 iproute2 kmod xz-utils zstd linux-perf gnuplot-nox pkg-config g++ dkms"
# Debian 12 also carries the 6.12 kernel (bookworm-security): the module
# must build without warnings against it too, and `make check-all` boots it.
newest_612() {
	apt-cache search --names-only '^linux-image-6[.]12[.][0-9]+[+]deb12-amd64$' 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n1
}
missing_of() {
	local p out=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || out="$out $p"
	done
	echo "$out"
}
have_612=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | head -n1 || true)
missing=$(missing_of $PKGS)
if [ -n "$missing" ] || [ -z "$have_612" ]; then
	if [ "$(id -u)" != 0 ]; then echo "setup: need root to apt-get install:$missing" >&2; exit 1; fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	if [ -z "$have_612" ]; then
		k612=$(newest_612)
		[ -n "$k612" ] && missing="$missing $k612 ${k612/image/headers}"
	fi
	echo "setup: installing:$missing"
	apt-get install -y -qq --no-install-recommends $missing
fi
getent group kvm >/dev/null || groupadd -r kvm || true
echo "setup: ok"
