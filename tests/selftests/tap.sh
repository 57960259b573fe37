# SPDX-License-Identifier: GPL-2.0
# The shell selftests' TAP helpers, sourced (". ${0%/*}/tap.sh": next to
# the test in bin/ and in the test machine's /opt/axvm/tests/). Counts in
# n and failed; the test prints the plan "1..$n" at its end.
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {	# check DESCRIPTION CMD...: ok when CMD succeeds
	d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
# need [-h HINT] FILE...: skip the whole test (exit 4) if one is missing.
need() {
	hint=
	if [ "$1" = -h ]; then
		hint=" ($2)"
		shift 2
	fi
	for f in "$@"; do
		if [ ! -e "$f" ]; then
			echo "1..0 # SKIP $f missing$hint"
			exit 4
		fi
	done
}
# need_axvm: skip the whole test without /dev/axvm.
need_axvm() {
	if [ ! -c /dev/axvm ]; then
		echo "1..0 # SKIP no /dev/axvm (insmod axvm.ko first)"
		exit 4
	fi
}
# guest_wait PATTERN FILE: until a line of FILE (a guest's console, CRs
# dropped) matches PATTERN, or the VMM $pid has ended, or $tmo seconds.
guest_wait() {
	i=0
	while ! tr -d '\r' < "$2" | grep -q "$1" && kill -0 "$pid" 2>/dev/null &&
	      [ "$i" -lt $((tmo * 5)) ]; do
		sleep 0.2	# a machine second is half a minute of wall time
		i=$((i + 1))
	done
	tr -d '\r' < "$2" | grep -q "$1"
}
# guest_said WHAT FILE: the guest's virtio.sh reported "virtio: WHAT".
guest_said() { tr -d '\r' < "$2" | grep -q "virtio: $1"; }
# guest_end: give the VMM $pid 120 s to end by itself (the guest's power-
# off), then SIGKILL; its exit status in $st, $pid cleared.
guest_end() {
	i=0
	while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 600 ]; do sleep 0.2; i=$((i + 1)); done
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	st=$?
	pid=
}
