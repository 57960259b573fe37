#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit stage of `make check` (`make kunit`): builds a UML kernel from
# Debian's linux-source-6.1 with axvm's sources overlaid as
# drivers/axvm_kunit/ and runs the suites through kunit.py.
#
#   build/linux-source-6.1/   extracted once from /usr/src (stamp file)
#   build/kunit-um/           kunit.py build dir (O=); test.log = raw console
#   build/kunit.log           kunit.py output (config, build errors, results)
#   build/kunit.json          parsed results; the counts come from here
#   build/ccache/             compiler cache (unless CCACHE_DIR is set)
#
# Which repository files are compiled: tests/kunit/sources.
# The last line printed is always "kunit: N passed, N failed, N skipped";
# the exit status is non-zero if a test failed or anything else went wrong.
#
# Environment: AXVM_KUNIT_JOBS (default 2), AXVM_KUNIT_TIMEOUT (seconds the
# UML kernel may run, default 300), AXVM_KUNIT_TARBALL, CCACHE_DIR.
set -Eeuo pipefail

SRCNAME=linux-source-6.1
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
BUILD=$REPO/build
TARBALL=${AXVM_KUNIT_TARBALL:-/usr/src/$SRCNAME.tar.xz}
KSRC=$BUILD/$SRCNAME
STAMP=$KSRC/.axvm-extracted
OVERLAY_REL=drivers/axvm_kunit
OVERLAY=$KSRC/$OVERLAY_REL
KOUT=$BUILD/kunit-um
JSON=$BUILD/kunit.json
LOG=$BUILD/kunit.log
KUNITCONFIG=$REPO/tests/kunit/.kunitconfig
MANIFEST=$REPO/tests/kunit/sources
JOBS=${AXVM_KUNIT_JOBS:-2}
TIMEOUT=${AXVM_KUNIT_TIMEOUT:-300}
# Directories whose headers the overlaid sources may include.
HDR_DIRS="module uapi tests/kunit"
# Console lines that mean the UML kernel itself went wrong.
CRASH_RE='Kernel panic|Oops:|BUG: |Segfault with|general protection fault'

msg() { echo "kunit: $*"; }

# Print the count line last, whatever happened, and exit with $1.
COUNTS="0 0 0"
finish() {
	local p f s

	trap - ERR
	read -r p f s <<<"$COUNTS"
	echo "kunit: $p passed, $f failed, $s skipped"
	exit "$1"
}

# Infrastructure failure: say why and fail.
die() {
	msg "ERROR: $*" >&2
	finish 1
}

# set -e safety net: an unexpected failure still ends with the count line.
# shellcheck disable=SC2317 # invoked by the trap
on_err() {
	# Not in subshells (their caller sees the status) or under set +e.
	[ "$BASH_SUBSHELL" -eq 0 ] && [[ $- == *e* ]] || return 0
	die "run.sh failed at line $1 (exit status $2)"
}
trap 'on_err $LINENO $?' ERR

tail_logs() {
	local f

	for f in "$LOG" "$KOUT/test.log"; do
		[ -s "$f" ] || continue
		echo "---- last lines of ${f#"$REPO"/} ----"
		tail -n 40 "$f"
		[ -z "$(tail -c 1 "$f")" ] || echo
	done
	echo "----"
}

check_tools() {
	local t missing=""

	for t in python3 make gcc ccache tar xz flex bison bc flock; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	[ -z "$missing" ] || die "missing tools:$missing (run 'make setup')"
	[ -r "$TARBALL" ] || die "$TARBALL not found (run 'make setup')"
	[ -r "$MANIFEST" ] || die "manifest $MANIFEST not found"
	[ -r "$KUNITCONFIG" ] || die "kunitconfig $KUNITCONFIG not found"
}

# Extract the kernel source once. The stamp records which tarball it came
# from; a different tarball means a fresh tree and a fresh build directory
# (extracted files keep the tarball's old mtimes, so make would not notice).
extract_source() {
	local id tmp=$BUILD/.$SRCNAME.tmp

	id=$(stat -c '%s %Y' "$TARBALL")
	if [ -d "$KSRC" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$id" ]; then
		return 0
	fi
	msg "extracting $TARBALL into ${KSRC#"$REPO"/} (once)"
	rm -rf "$tmp" "$KSRC" "$KOUT"
	mkdir -p "$tmp"
	tar -xf "$TARBALL" -C "$tmp" || die "could not extract $TARBALL"
	[ -f "$tmp/$SRCNAME/tools/testing/kunit/kunit.py" ] ||
		die "$TARBALL has no $SRCNAME/tools/testing/kunit/kunit.py"
	mv "$tmp/$SRCNAME" "$KSRC"
	rm -rf "$tmp"
	echo "$id" >"$STAMP"
}

# Replace file $1 by stdin only if the content differs (keeps mtimes).
write_if_changed() {
	local tmp

	tmp=$(mktemp "$1.XXXXXX")
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
	else
		chmod 644 "$tmp"
		mv -f "$tmp" "$1"
	fi
}

# SRCS: the manifest's entries, checked. HDRS: every header in $HDR_DIRS.
read_lists() {
	local line d n=0

	SRCS=()
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%%#*}
		line=${line#"${line%%[![:space:]]*}"}
		line=${line%"${line##*[![:space:]]}"}
		[ -n "$line" ] || continue
		case "$line" in
		/* | *..* | *[[:space:]]*)
			die "$MANIFEST:$n: '$line': want one repository-relative path";;
		*.c) ;;
		*)	die "$MANIFEST:$n: '$line': not a .c file";;
		esac
		[ -f "$REPO/$line" ] || die "$MANIFEST:$n: $line does not exist"
		SRCS+=("$line")
	done <"$MANIFEST"
	[ ${#SRCS[@]} -gt 0 ] || die "$MANIFEST lists no sources"

	HDRS=()
	for d in $HDR_DIRS; do
		[ -d "$REPO/$d" ] || continue
		while IFS= read -r line; do
			HDRS+=("$line")
		done < <(cd "$REPO" && find "$d" -name '*.h' -type f | sort)
	done
}

# drivers/axvm_kunit/: symlinks to the live repository files (the manifest's
# sources, every header) plus a generated Kconfig and Makefile. Only .c/.h
# files appear there: with O= builds make's VPATH would otherwise pick up
# stale objects of an in-place `make module` build.
make_overlay() {
	local f n objs want

	read_lists
	mkdir -p "$OVERLAY"
	for f in "${SRCS[@]}" "${HDRS[@]}"; do
		mkdir -p "$OVERLAY/$(dirname "$f")"
		if [ "$(readlink "$OVERLAY/$f" || true)" != "$REPO/$f" ]; then
			rm -rf "${OVERLAY:?}/$f"
			ln -s "$REPO/$f" "$OVERLAY/$f"
		fi
	done
	# Drop links to files no longer listed or gone, then empty directories.
	want=$(printf '%s\n' "${SRCS[@]}" "${HDRS[@]}")
	while IFS= read -r f; do
		grep -qxF -- "$f" <<<"$want" || rm -f "${OVERLAY:?}/$f"
	done < <(cd "$OVERLAY" && find . -type l -printf '%P\n')
	find "$OVERLAY" -mindepth 1 -type d -empty -delete

	write_if_changed "$OVERLAY/Kconfig" <<'KCONFIG'
# SPDX-License-Identifier: GPL-2.0
# Generated by axvm's tests/kunit/run.sh.
config AXVM_KUNIT_TEST
	tristate "axvm KUnit tests"
	depends on KUNIT
	default KUNIT_ALL_TESTS
	help
	  KUnit tests for the hardware-independent parts of axvm.
KCONFIG
	objs=$(printf '%s\n' "${SRCS[@]}" | sed 's/\.c$/.o/' | tr '\n' ' ')
	write_if_changed "$OVERLAY/Makefile" <<MAKEFILE
# SPDX-License-Identifier: GPL-2.0
# Generated by axvm's tests/kunit/run.sh from tests/kunit/sources.
ccflags-y += -I\$(srctree)/\$(src)/module -I\$(srctree)/\$(src)/uapi
obj-\$(CONFIG_AXVM_KUNIT_TEST) += axvm_kunit_test.o
axvm_kunit_test-y := ${objs% }
MAKEFILE

	f=$KSRC/drivers/Kconfig
	if ! grep -qxF "source \"$OVERLAY_REL/Kconfig\"" "$f"; then
		n=$(grep -n '^endmenu' "$f" | tail -n 1 | cut -d: -f1)
		[ -n "$n" ] || die "no endmenu in ${f#"$REPO"/}"
		sed -i "${n}i source \"$OVERLAY_REL/Kconfig\"" "$f"
	fi
	f=$KSRC/drivers/Makefile
	if ! grep -qxF "obj-\$(CONFIG_AXVM_KUNIT_TEST) += axvm_kunit/" "$f"; then
		echo "obj-\$(CONFIG_AXVM_KUNIT_TEST) += axvm_kunit/" >>"$f"
	fi
}

# Count the JSON's test cases, sub-groups included: "passed failed skipped
# crashed". Any status other than PASS, SKIP or ERROR (crashed) is a failure.
count_json() {
	python3 - "$JSON" <<'PYTHON'
import json, sys

counts = {"PASS": 0, "FAIL": 0, "SKIP": 0, "ERROR": 0}

def walk(group):
    for case in group.get("test_cases", []):
        status = case.get("status")
        counts[status if status in counts else "FAIL"] += 1
    for sub in group.get("sub_groups", []):
        walk(sub)

try:
    with open(sys.argv[1]) as f:
        walk(json.load(f))
except (OSError, ValueError, AttributeError, TypeError) as e:
    print("kunit: cannot read %s: %s" % (sys.argv[1], e), file=sys.stderr)
    sys.exit(1)
print(counts["PASS"], counts["FAIL"], counts["SKIP"], counts["ERROR"])
PYTHON
}

main() {
	local rc res sums passed failed skipped crashed bad=""

	check_tools
	mkdir -p "$BUILD"
	# One run at a time per work tree (make check and make kunit share it).
	exec 9>"$BUILD/.kunit.lock"
	if ! flock -n 9; then
		msg "waiting for another tests/kunit/run.sh in this tree"
		flock 9
	fi
	extract_source
	make_overlay

	# make goes by mtimes; a file restored with an old mtime (cp -p, rsync,
	# tar) would leave a stale object. Rebuild the overlay's objects
	# whenever the content of what it links to changes.
	sums=$(cd "$REPO" && sha256sum "${SRCS[@]}" "${HDRS[@]}")
	sums+=$'\n'$(sha256sum "$OVERLAY/Makefile")
	if [ "$sums" != "$(cat "$KOUT/.axvm-overlay.sums" 2>/dev/null || true)" ]; then
		rm -rf "${KOUT:?}/$OVERLAY_REL"
		mkdir -p "$KOUT"
		echo "$sums" >"$KOUT/.axvm-overlay.sums"
	fi

	export CCACHE_DIR=${CCACHE_DIR:-$BUILD/ccache}
	export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$REPO}
	rm -f "$JSON" "$KOUT/test.log"
	msg "kunit.py run --arch=um, ${#SRCS[@]} source(s) (log: ${LOG#"$REPO"/})"
	set +e
	(cd "$KSRC" && exec python3 tools/testing/kunit/kunit.py run \
		--arch=um --kunitconfig="$KUNITCONFIG" --build_dir="$KOUT" \
		--json="$JSON" --jobs="$JOBS" --timeout="$TIMEOUT" \
		--make_options="CC=ccache gcc" \
		--make_options="HOSTCC=ccache gcc") </dev/null 2>&1 | tee "$LOG"
	rc=${PIPESTATUS[0]}
	set -e

	if [ ! -s "$JSON" ]; then
		tail_logs
		die "kunit.py exited $rc and wrote no ${JSON#"$REPO"/} (configuration or build failure?)"
	fi
	if ! res=$(count_json); then
		tail_logs
		die "cannot parse ${JSON#"$REPO"/}"
	fi
	read -r passed failed skipped crashed <<<"$res"
	COUNTS="$passed $((failed + crashed)) $skipped"

	# The JSON alone can look fine after a crash (it has no suite status),
	# and kunit.py's exit status alone can be 0 on a crashed log.
	[ $((passed + failed + skipped + crashed)) -gt 0 ] ||
		bad="no test case ran"
	[ "$crashed" -eq 0 ] || bad="$crashed test case(s) crashed"
	if grep -qE "$CRASH_RE" "$KOUT/test.log" 2>/dev/null; then
		bad="the UML kernel crashed: $(grep -m1 -E "$CRASH_RE" "$KOUT/test.log")"
	fi
	grep -q 'reboot: System halted' "$KOUT/test.log" 2>/dev/null ||
		bad="${bad:+$bad; }the UML kernel did not halt normally (timeout or crash)"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && [ -z "$bad" ]; then
		bad="kunit.py exited $rc but no test case failed (parse errors, missing results?)"
	fi

	if [ -n "$bad" ]; then
		tail_logs
		die "$bad"
	fi
	if [ "$failed" -gt 0 ]; then
		msg "FAILED: see ${LOG#"$REPO"/} and ${KOUT#"$REPO"/}/test.log" >&2
		finish 1
	fi
	finish 0
}

main "$@"
