#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Profile axvm's in-kernel exit path in the test machine (Bochs): boots it
# with tests/bench/profile-job.sh and writes build/bench/profile.md.
#   tests/bench/profile.sh [--kver V]   (after make machine-module userland)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=""
[ "${1:-}" = --kver ] && kver=$2
[ -n "$kver" ] || kver=$("$top/scripts/kver.sh" "${AXVM_KSERIES:-6.1}") || exit 1
mkdir -p "$top/build/bench"
"$top/tests/machine/machine.sh" --kver "$kver" --name bench-profile --quiet \
	--job "$here/profile-job.sh"
rc=$?
python3 "$here/profile.py" "$top/build/machine/bench-profile/serial.log" \
	"$top/build/bench/profile.md" || exit 1
exit $rc
