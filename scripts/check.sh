#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test stage, summed into one closing line
# "N passed, N failed, N skipped". Stages: host checks (build with W=1 on
# every installed Debian kernel series, uapi, style, axctl's host tests,
# make install into a DESTDIR, dkms in private trees),
# KUnit (UML), and the test machine (Bochs: selftests running real guests)
# with 1 and with 2 emulated CPUs.
#
# The stages run concurrently: each Bochs is one host thread, KUnit's UML
# build and the host checks fill the rest of the two cores. What the
# machines need (axvm.ko for the machine's kernel, axctl, selftests,
# guests) is built first, and both machines start as soon as it is there.
# Each stage writes build/check/<stage>.out and a result file; the report
# prints them in a fixed order with each stage's wall time.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log=build/check
rm -rf "$log"
mkdir -p "$log"
start=$(date +%s)

# Per-stage counters live in the stage's own shell (stages are subshells);
# stage_end writes them to $log/<stage>.res as "passed failed skipped secs".
passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
notok() { failed=$((failed + 1)); echo "not ok - $*"; }
skip() { skipped=$((skipped + 1)); echo "ok - $* # SKIP"; }
check() {	# check NAME CMD...: run, log to build/check/NAME.log
	local name=$1 f
	shift
	f="$log/$(echo "$name" | tr -c 'A-Za-z0-9.\n-' '_').log"
	if "$@" >"$f" 2>&1; then ok "$name"; else notok "$name"; tail -n 30 "$f"; fi
}
stage_begin() {	# every stage counts from zero in its own subshell
	passed=0; failed=0; skipped=0
}
stage_end() {	# stage_end NAME T0
	echo "$passed $failed $skipped $(( $(date +%s) - $2 ))" > "$log/$1.res"
}
add_counts() {	# add_counts P F S: a sub-report's counts
	passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3))
}

kv61=$(scripts/kver.sh 6.1 2>/dev/null)

# axvm.ko for one series, with W=1: no warning allowed. The 6.1 build is
# also the module the test machine loads.
module_build() {	# module_build SERIES
	local s=$1 kv f
	kv=$(scripts/kver.sh "$s" 2>/dev/null) || {
		if [ "$s" = 6.1 ]; then notok "Debian $s kernel installed"
		else skip "build against $s: linux-headers-$s not installed"; fi
		return 1
	}
	f="$log/build-$kv.log"
	if make --no-print-directory machine-module KVER="$kv" W=1 >"$f" 2>&1 && \
	   ! grep -E "warning:|error:" "$f" >/dev/null; then
		ok "axvm.ko builds against $kv with W=1 and no warnings"
	else
		notok "axvm.ko builds against $kv with W=1 and no warnings"
		grep -E "warning:|error:" "$f" | head -20
		return 1
	fi
}

stage_prep() {	# what the test machines need
	local t0
	stage_begin
	t0=$(date +%s)
	module_build 6.1
	check "selftests build" make --no-print-directory selftests
	check "axctl builds" make --no-print-directory axctl
	check "guest images build" make --no-print-directory guests
	stage_end prep "$t0"
}

uapi_c() {
	printf '#include <linux/axvm.h>\nint main(void) { return sizeof(struct axvm_run) == 0; }\n' > build/uapi-test.c
	gcc -std=c11 -Wall -Wextra -Werror -Iuapi -c build/uapi-test.c -o build/uapi-test.o &&
	g++ -std=c++17 -Wall -Wextra -Werror -Iuapi -x c++ -c build/uapi-test.c -o build/uapi-test.o
}

style() {
	local cp=build/linux-source-6.1/scripts/checkpatch.pl
	[ -x "$cp" ] || { echo "checkpatch.pl missing: the KUnit stage extracts linux-source-6.1"; return 1; }
	local out
	local ign=FILE_PATH_CHANGES,SPDX_LICENSE_TAG,LINUX_VERSION_CODE
	# Trace headers: the __print_symbolic tables are brace lists by
	# design (as in every kernel trace header); checkpatch flags them, and
	# the X-macro name lists of uapi/linux/axvm_names.h (like VMX_EXIT_REASONS
	# in Linux's uapi asm/vmx.h) the same way; expanding a list into one
	# TRACE_DEFINE_ENUM() per entry needs the semicolon in the macro (as in
	# include/trace/events/rxrpc.h).
	out=$("$cp" --no-tree --quiet --show-types --ignore $ign \
	      -f $(find module uapi -name '*.[ch]' ! -name axvm_trace.h \
		   ! -name axvm_names.h) 2>&1;
	      "$cp" --no-tree --quiet --show-types \
	      --ignore $ign,COMPLEX_MACRO,TRAILING_SEMICOLON \
	      -f module/axvm_trace.h uapi/linux/axvm_names.h 2>&1)
	echo "$out"
	! echo "$out" | grep -q '^ERROR'
}

# make install into a DESTDIR (PREFIX=/usr, the staged 6.1 module) puts
# exactly scripts/install-files.txt there; make uninstall removes them all.
# dkms.conf's PACKAGE_VERSION is the file VERSION, as MODULE_VERSION is.
install_destdir() {
	local d=build/install-test want
	rm -rf "$d"
	want=$(sed "s/@KVER@/$kv61/" scripts/install-files.txt)
	make --no-print-directory install DESTDIR="$top/$d" PREFIX=/usr KVER="$kv61" || return 1
	diff -u <(echo "$want") <(cd "$d" && find . -type f | sed 's/^\.//' | sort) || return 1
	[ "$(stat -c %a "$d/usr/sbin/axctl")" = 755 ] || return 1
	make --no-print-directory uninstall DESTDIR="$top/$d" PREFIX=/usr KVER="$kv61" || return 1
	[ -z "$(find "$d" -type f)" ] || { find "$d" -type f; return 1; }
	grep -qx "PACKAGE_VERSION=\"$(cat VERSION)\"" dkms.conf || { echo "dkms.conf: PACKAGE_VERSION is not $(cat VERSION)"; return 1; }
	rm -rf "$d"
}

# dkms add/build/install/remove from dkms.conf, in private trees
# (scripts/dkms-check.sh), for the test machine's kernel series; the
# 6.12 build is proven by the W=1 build above, and AXVM_DKMS_SERIES="6.1
# 6.12" runs dkms for it too (its modules are .ko.xz): every dkms build is
# a whole module build more in a host stage that shares two cores with
# the two test machines.
dkms_check() {
	local s k kvs="" line p f sk
	command -v dkms >/dev/null || {
		skip "dkms builds axvm.ko from dkms.conf: no dkms (make setup installs it, as root)"
		return
	}
	for s in ${AXVM_DKMS_SERIES:-6.1}; do
		k=$(scripts/kver.sh "$s" 2>/dev/null) && kvs="$kvs $k" ||
			skip "dkms build for $s: linux-headers-$s not installed"
	done
	[ -n "$kvs" ] || return
	echo "-- DKMS"
	scripts/dkms-check.sh "$log" $kvs > "$log/dkms.log" 2>&1
	line=$(grep -E '^dkms: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log/dkms.log" | tail -n1)
	if [ -n "$line" ]; then
		read -r p f sk < <(echo "$line" | sed -E 's/dkms: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped.*/\1 \2 \3/')
		add_counts "$p" "$f" "$sk"
		echo "$line"
		grep -E '^not ok|# SKIP' "$log/dkms.log"
		[ "$f" = 0 ] || tail -n 30 "$log/dkms.log"
	else
		notok "scripts/dkms-check.sh reported results"; tail -n 30 "$log/dkms.log"
	fi
}

host_unit() {	# host_unit DIR: a directory's "make check" report line
	local t=$1 f line p fl
	f="$log/$(basename "$t")-check.log"
	make --no-print-directory -C "$t" check >"$f" 2>&1
	line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$f" | tail -n1)
	if [ -n "$line" ]; then
		p=${line#*: }; p=${p%% *}
		fl=${line#*passed, }; fl=${fl%% *}
		add_counts "$p" "$fl" 0
		echo "$line"
		[ "$fl" = 0 ] || tail -n 30 "$f"
	else
		notok "$t: make check reported results"; tail -n 30 "$f"
	fi
}

stage_host() {	# host checks and KUnit, on the core the machines leave
	local t0 s line p f sk
	# The test machines are the critical path (each Bochs is one thread
	# and runs for most of the budget); this stage's builds (KUnit's UML
	# kernel above all) only fill what they leave, and finish once the
	# first machine is done, well before the other.
	renice -n 10 -p "$BASHPID" >/dev/null 2>&1
	stage_begin
	t0=$(date +%s)
	for s in 6.12; do
		module_build "$s"
	done
	host_unit userland/axctl
	host_unit tests/guests
	check "uapi header is self-contained C and C++ (size asserts hold)" uapi_c
	if [ -n "$kv61" ] && [ -f "build/kmod/$kv61/axvm.ko" ]; then
		check "make install/uninstall DESTDIR= PREFIX=/usr: the file list, then nothing" install_destdir
	else
		skip "make install into a DESTDIR: no staged axvm.ko for Debian 6.1"
	fi
	dkms_check
	echo "-- KUnit"
	tests/kunit/run.sh > "$log/kunit.log" 2>&1
	line=$(grep -E '^kunit: [0-9]+ passed, [0-9]+ failed' "$log/kunit.log" | tail -n1)
	if [ -n "$line" ]; then
		read -r p f sk < <(echo "$line" |
			sed -E 's/kunit: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')
		add_counts "$p" "$f" "${sk:-0}"
		echo "$line"
		[ "$f" = 0 ] || tail -n 40 "$log/kunit.log"
	else
		notok "KUnit ran and reported results"
		tail -n 40 "$log/kunit.log"
	fi
	check "checkpatch: no errors in module/ and uapi/" style
	stage_end host "$t0"
}

stage_machine() {	# stage_machine SERIES CPUS
	local s=$1 cpus=$2 kv serial p f sk rc t0 name
	stage_begin
	t0=$(date +%s)
	name="check-$s-$cpus"
	kv=$(scripts/kver.sh "$s" 2>/dev/null) || { notok "test machine $s: kernel not installed"; stage_end "$name" "$t0"; return; }
	echo "-- test machine: Debian $kv, $cpus CPU(s)"
	if [ "$s" != 6.1 ]; then
		make --no-print-directory machine-module KVER="$kv" >/dev/null 2>&1 ||
			{ notok "machine-module $kv"; stage_end "$name" "$t0"; return; }
	fi
	# Each stage's selftests take 20-25 min of wall time with two Bochs
	# at once (build/machine/*/wall-per-test.txt): allow an hour.
	tests/machine/machine.sh --kver "$kv" --cpus "$cpus" --name "check-$kv-$cpus" \
		--timeout "${AXVM_CHECK_MACHINE_TIMEOUT:-3600}" --quiet \
		--job tests/machine/check-job.sh > "$log/$name.machine.log" 2>&1
	rc=$?
	serial="build/machine/check-$kv-$cpus/serial.log"
	read -r p f sk < <(LC_ALL=C awk -f tests/machine/tap-count.awk "$serial" 2>/dev/null)
	add_counts "${p:-0}" "${f:-0}" "${sk:-0}"
	echo "test machine $kv ($cpus CPU): ${p:-0} passed, ${f:-0} failed, ${sk:-0} skipped"
	grep -aE '^(not ok|# not ok)' "$serial" 2>/dev/null | head -40
	# Wall seconds per executable (host clock; machine.sh), slowest first.
	echo "   wall s per test: $(sort -k2 -rn "build/machine/check-$kv-$cpus/wall-per-test.txt" 2>/dev/null |
		awk '{ printf "%s %s; ", $1, $2 }')"
	cat "$log/$name.machine.log"
	if [ "$rc" != 0 ] && [ "${f:-0}" = 0 ]; then
		notok "test machine $kv ($cpus CPU): boot, kernel log or job failed (rc=$rc)"
	fi
	stage_end "$name" "$t0"
}

# Runs a stage in the background with its output in $log/NAME.out.
launch() {	# launch NAME FUNC ARGS...
	local name=$1
	shift
	( "$@" ) > "$log/$name.out" 2>&1 &
}

echo "== building what the test machines need"
( stage_prep ) > "$log/prep.out" 2>&1
cat "$log/prep.out"

stages="host"
launch host stage_host
machines=""
if [ -n "$kv61" ] && [ -f "build/kmod/$kv61/axvm-btf.ko" ]; then
	[ "${AXVM_SMP:-1}" = 1 ] && machines="check-6.1-2"
	machines="$machines check-6.1-1"
	for s in ${AXVM_KSERIES_ALL:-}; do
		[ "$s" = 6.1 ] || machines="$machines check-$s-1"
	done
	for m in $machines; do
		set -- ${m//-/ }
		launch "$m" stage_machine "$2" "$3"
	done
	stages="$stages $machines"
else
	echo "not ok - test machine: axvm.ko for the machine's kernel did not build"
	failed=$((failed + 1))
fi
wait

read -r p f sk secs < "$log/prep.res"
add_counts "$p" "$f" "$sk"
echo "== prep took ${secs}s"
for st in $stages; do
	echo "== $st"
	cat "$log/$st.out"
	if [ -f "$log/$st.res" ]; then
		read -r p f sk secs < "$log/$st.res"
		add_counts "$p" "$f" "$sk"
		echo "== $st took ${secs}s"
	else
		notok "stage $st reported results"
	fi
done

echo "== make check took $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
