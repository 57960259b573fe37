#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# genl_test: the "axvm" generic netlink family as iproute2's genl(8) sees
# it (installed as bin/genl_test; runs under busybox sh in the test
# machine), and named VMs created, listed and destroyed through axctl,
# with genl's view checked around them:
#  - `genl ctrl get name axvm`: name, version 1, the five commands, the
#    "events" group;
#  - `genl ctrl policy name axvm`: a doit for every command, a dumpit for
#    VM_GET only, and the attribute policies (name length, vCPU range,
#    flags 0, id >= 1);
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

# The five commands are listed. genl(8) prints a command's capabilities
# (admin permission, doit, dumpit) only for a family of version >= 2: it
# takes the family's version for the controller's. axvm is version 1, so
# do/dump are read from the policy table below, and admin permission is
# netlink_test's job (no_cap_net_admin).
for id in 1 2 3 4 5; do
	check "command ID-0x$id listed" grep -q "ID-0x$id " "$tmp/get"
done
if grep -q "ID-0x6 " "$tmp/get"; then not_ok "EVENT (6) is not a command"; else ok "EVENT (6) is not a command"; fi
check "multicast group events" grep -q "name: events" "$tmp/get"

# --- genl ctrl list / policy ---------------------------------------------
genl ctrl list > "$tmp/list" 2>&1
listed_with_id() { grep -A1 "Name: axvm" "$tmp/list" | grep -q "ID: $famid "; }
check "genl ctrl list shows axvm, id $famid" listed_with_id
if genl ctrl policy name axvm > "$tmp/pol" 2>&1; then
	ok "genl ctrl policy name axvm"
else
	not_ok "genl ctrl policy name axvm"
fi
sed 's/^/# /' "$tmp/pol" | head -n 40
# Which commands have a doit and a dumpit: VM_GET alone dumps.
has_ops() {	# has_ops CMD REGEX: the "op CMD policies:" line matches REGEX
	grep -Eq "op $1 policies: $2 *\$" "$tmp/pol"
}
check "VM_NEW (1): doit only" has_ops 1 "do=[0-9]+"
check "VM_DEL (2): doit only" has_ops 2 "do=[0-9]+"
check "VM_GET (3): doit and dumpit" has_ops 3 "do=[0-9]+ dump=[0-9]+"
check "VM_STATS (4): doit only" has_ops 4 "do=[0-9]+"
check "VM_STOP (5): doit only" has_ops 5 "do=[0-9]+"
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
