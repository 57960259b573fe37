#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the axvm selftests inside the test machine (busybox sh; installed as
# /opt/axvm/tests/run.sh next to the test executables):
#
#   run.sh [TEST...]    TEST: an executable's name (modes_test) or path;
#                       default: every *_test next to this script (or, in
#                       the source tree, in bin/ below it).
#
# Loads nothing: the job script has already insmod'ed axvm.ko. Prints one
# TAP stream like the kselftest runner does: a plan over the executables,
# each executable's own TAP output nested (prefixed with "# "), and an
# "ok"/"not ok" line per executable. An executable passes when it exits 0
# (its skipped tests count as passed) or 4 (KSFT_SKIP).
# AXVM_TEST_TIMEOUT: seconds allowed per executable (default 1200), when a
# `timeout` command is available.
#
# Exit status: 0 if every executable passed, 1 otherwise.

here=$(cd "$(dirname "$0")" && pwd)
bindir=$here
for t in "$here"/*_test; do
	[ -x "$t" ] || bindir=$here/bin
	break
done
tmo=${AXVM_TEST_TIMEOUT:-1200}
tmp=${TMPDIR:-/tmp}

if [ $# -eq 0 ]; then
	for t in "$bindir"/*_test; do
		[ -x "$t" ] && set -- "$@" "${t##*/}"
	done
	if [ $# -eq 0 ]; then
		echo "run.sh: no *_test executables in $bindir" >&2
		exit 1
	fi
fi

run_one() {
	if command -v timeout >/dev/null 2>&1; then
		timeout "$tmo" "$1"
	else
		"$1"
	fi
}

echo "TAP version 13"
echo "1..$#"
i=0
failed=0
for t in "$@"; do
	i=$((i + 1))
	case "$t" in
	*/*) prog=$t ;;
	*) prog=$bindir/$t ;;
	esac
	name=${t##*/}
	if [ ! -x "$prog" ]; then
		echo "not ok $i selftests: axvm: $name # no such executable: $prog"
		failed=$((failed + 1))
		continue
	fi
	echo "# selftests: axvm: $name"
	t0=$(date +%s)
	rcfile=$tmp/axvm-selftest.$$.$i.rc
	echo 1 > "$rcfile"
	{
		run_one "$prog"
		echo $? > "$rcfile"
	} 2>&1 | while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
	done
	rc=$(cat "$rcfile")
	rm -f "$rcfile"
	# Emulated seconds (the machine's clock); machine.sh records wall time.
	echo "# $name took $(( $(date +%s) - t0 ))s"
	case "$rc" in
	0) echo "ok $i selftests: axvm: $name" ;;
	4) echo "ok $i selftests: axvm: $name # SKIP" ;;
	124 | 143)
		echo "not ok $i selftests: axvm: $name # TIMEOUT ${tmo}s"
		failed=$((failed + 1)) ;;
	*)
		echo "not ok $i selftests: axvm: $name # exit=$rc"
		failed=$((failed + 1)) ;;
	esac
done
echo "# axvm selftests: $(($# - failed)) of $# executables passed"
[ "$failed" -eq 0 ]
