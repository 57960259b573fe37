#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Idempotent set-up: installs what axvm's build, test machine and tests need.
set -euo pipefail
PKGS="bochs bochsbios vgabios linux-image-amd64 linux-headers-amd64 busybox-static
isolinux syslinux-common xorriso cpio dwarves libnl-3-dev libnl-genl-3-dev libbpf-dev
bpftool clang llvm linux-source-6.1 flex bison libelf-dev libssl-dev ccache bc make gcc
python3 iproute2 kmod xz-utils zstd linux-perf gnuplot-nox pkg-config g++"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	if [ "$(id -u)" != 0 ]; then echo "setup: need root to apt-get install" >&2; exit 1; fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
fi
getent group kvm >/dev/null || groupadd -r kvm || true
echo "setup: ok"
