#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# genl_test: the "axvm" generic netlink family as iproute2's genl(8) sees
# it (installed as bin/genl_test; runs under busybox sh in the test
# machine), and named VMs created, listed and destroyed through axctl,
# with genl's view checked around them:
#  - `genl ctrl get name axvm`: name, version 1, the five commands with
#    their capabilities (admin permission on VM_NEW, VM_DEL, VM_STOP; a
#    dump on VM_GET only; a policy on each), the "events" group;
#  - `genl ctrl policy name axvm`: the attribute policies (name length,
#    vCPU range, flags 0, id >= 1);
#  - `genl ctrl list` lists axvm with the same id;
#  - axctl create / list / list -j / destroy of a VM, and the errors
#    (duplicate, no such VM, bad name) with their exit codes.
# TAP output (the plan at the end); exit 0 if all passed, 1 if not, 4 (KSFT_SKIP) without genl
# or axvm.

here=$(cd "$(dirname "$0")" && pwd)
PATH=$PATH:/usr/sbin:/sbin:$here:$here/..:$here/../../userland/axctl
tmp=${TMPDIR:-/tmp}/genl_test.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n $*"; failed=$((failed + 1)); }
check() {	# check DESCRIPTION CMD...: ok if CMD succeeds
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 4; }

echo "TAP version 13"
command -v genl >/dev/null 2>&1 || skip_all "no genl (iproute2) in PATH"
[ -c /dev/axvm ] || skip_all "no /dev/axvm (axvm.ko not loaded?)"

# --- genl ctrl get ------------------------------------------------------
if genl ctrl get name axvm > "$tmp/get" 2>&1; then
	ok "genl ctrl get name axvm"
else
	not_ok "genl ctrl get name axvm"
fi
sed 's/^/# /' "$tmp/get"
check "family name axvm" grep -q "Name: axvm" "$tmp/get"
check "version 1" grep -q "Version: 0x1 " "$tmp/get"
famid=$(sed -n 's/.*ID: \(0x[0-9a-f]*\) .*Version.*/\1/p' "$tmp/get" | head -n 1)

# The capabilities line of command ID-0x<n> (the line after "Capabilities").
caps() {
	awk -v id="ID-0x$1" '
		$2 == id { want = 1; next }
		want && /Capabilities/ { grab = 1; next }
		grab { sub(/^[ \t]+/, ""); print; exit }' "$tmp/get"
}
expect_caps() {	# expect_caps ID NAME WANT...: every WANT in, no NOT_WANT
	id=$1 name=$2 want=$3 notwant=$4
	c=$(caps "$id")
	good=1
	[ -n "$c" ] || good=0
	old_ifs=$IFS
	IFS=,
	for w in $want; do
		case "$c" in *"$w"*) ;; *) good=0 ;; esac
	done
	for w in $notwant; do
		case "$c" in *"$w"*) good=0 ;; esac
	done
	IFS=$old_ifs
	if [ $good = 1 ]; then ok "$name: $c"; else not_ok "$name: got '$c'"; fi
}
expect_caps 1 "VM_NEW" "requires admin permission,can doit,has policy" "can dumpit"
expect_caps 2 "VM_DEL" "requires admin permission,can doit,has policy" "can dumpit"
expect_caps 3 "VM_GET" "can doit,can dumpit,has policy" "admin"
expect_caps 4 "VM_STATS" "can doit,has policy" "admin,can dumpit"
expect_caps 5 "VM_STOP" "requires admin permission,can doit,has policy" "can dumpit"
if grep -q "ID-0x6 " "$tmp/get"; then not_ok "EVENT (6) is not a command"; else ok "EVENT (6) is not a command"; fi
check "multicast group events" grep -q "name: events" "$tmp/get"

# --- genl ctrl list / policy ---------------------------------------------
genl ctrl list > "$tmp/list" 2>&1
check "genl ctrl list shows axvm, id $famid" \
	grep -q "Name: axvm" "$tmp/list"
if genl ctrl policy name axvm > "$tmp/pol" 2>&1; then
	ok "genl ctrl policy name axvm"
else
	not_ok "genl ctrl policy name axvm"
fi
sed 's/^/# /' "$tmp/pol" | head -n 40
# attr[3] NAME, [5] VCPUS, [6] FLAGS, [2] ID (uapi/linux/axvm_genl.h).
check "policy: VM_NAME is a NUL_STRING of at most 31" \
	grep -q "attr\[3\]: type=NUL_STRING max len:31" "$tmp/pol"
check "policy: VM_VCPUS is a U32 in [1,64]" \
	grep -q "attr\[5\]: type=U32 range:\[1,64\]" "$tmp/pol"
check "policy: VM_FLAGS is a U32 in [0,0]" \
	grep -q "attr\[6\]: type=U32 range:\[0,0\]" "$tmp/pol"
check "policy: VM_ID is a U32 from 1" \
	grep -q "attr\[2\]: type=U32 range:\[1,4294967295\]" "$tmp/pol"

# --- VMs through axctl ---------------------------------------------------
if ! command -v axctl >/dev/null 2>&1; then
	for i in 1 2 3 4 5 6 7; do ok "# SKIP no axctl"; done
else
	axctl destroy nlt-genl >/dev/null 2>&1
	axctl create nlt-genl --memory 8M --vcpus 2 > "$tmp/out" 2>&1
	check "axctl create nlt-genl" [ $? = 0 ]
	axctl list > "$tmp/out" 2>&1
	sed 's/^/# /' "$tmp/out"
	check "axctl list shows it" grep -q " nlt-genl " "$tmp/out"
	axctl list -j > "$tmp/out" 2>&1
	check "axctl list -j shows it with 2 vCPUs and 8 MiB" \
		grep -q '"name": "nlt-genl", "state": "created", "memory": 8388608, "vcpus": 2' "$tmp/out"
	axctl create nlt-genl > "$tmp/out" 2>&1
	check "a second create: exit 10 (exists)" [ $? = 10 ]
	axctl destroy nlt-genl > "$tmp/out" 2>&1
	check "axctl destroy nlt-genl" [ $? = 0 ]
	axctl list > "$tmp/out" 2>&1
	if grep -q " nlt-genl " "$tmp/out"; then not_ok "gone from the list"; else ok "gone from the list"; fi
	axctl destroy nlt-genl > "$tmp/out" 2>&1
	check "destroying it again: exit 8 (no such VM)" [ $? = 8 ]
fi

echo "1..$n"
echo "# genl_test: $((n - failed)) of $n passed"
[ "$failed" = 0 ]
