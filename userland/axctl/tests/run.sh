#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make -C userland/axctl check`: axctl's host tests, no module needed.
#   run.sh UNIT_TEST AXCTL [FAKE_AXVM_SO [PC_UNIT_TEST [PTY_RUN [LINUX_UNIT_TEST [GDB_UNIT_TEST
#          [VIRTIO_UNIT_TEST]]]]]]
# The unit tests (parsers, devices, image loader and boot state), then the
# command line: help, usage errors and their status, image errors, and
# "axvm module not loaded" when there is no /dev/axvm. Also the man page
# and the bash completion. Ends with "N passed, N failed".
unit=$1
axctl=$2
fake=${3:-}
pcunit=${4:-}
ptyrun=${5:-}
linuxunit=${6:-}
gdbunit=${7:-}
virtiounit=${8:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
demo=$top/tests/guests/bin/demo
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
# tally NAME FILE WHAT: add a test program's "NAME: N passed, N failed" line.
tally() {
	tp=$(sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed\$/\1/p" "$2")
	tf=$(sed -n "s/^$1: \([0-9]*\) passed, \([0-9]*\) failed\$/\2/p" "$2")
	if [ -n "$tp" ]; then
		pass=$((pass + tp))
		fail=$((fail + tf))
	else
		notok "$3"
	fi
}

# --- unit tests ---------------------------------------------------------
if [ -f "$demo" ]; then "$unit" "$demo"; else "$unit"; fi > "$tmp/unit" 2>&1
cat "$tmp/unit"
tally unit "$tmp/unit" "unit tests ran to the end"
[ -f "$demo" ] || echo "# tests/guests/bin/demo not built: not loaded by the unit tests"

# The PC devices and the Multiboot loader (pc_unit.c), when built.
if [ -n "$pcunit" ]; then
	mbguest=$top/tests/guests/bin/mb_hello
	if [ -f "$mbguest" ]; then "$pcunit" "$mbguest"; else "$pcunit"; fi > "$tmp/pc" 2>&1
	cat "$tmp/pc"
	tally pc "$tmp/pc" "PC unit tests ran to the end"
	[ -f "$mbguest" ] || echo "# tests/guests/bin/mb_hello not built: not loaded by the PC unit tests"
fi

# Linux booting (linux_unit.c), with the host's newest kernel when readable.
if [ -n "$linuxunit" ]; then
	kimg=$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n 1)
	if [ -n "$kimg" ] && [ -r "$kimg" ]; then "$linuxunit" "$kimg"; else "$linuxunit"; fi \
		> "$tmp/linux" 2>&1
	cat "$tmp/linux"
	tally linux "$tmp/linux" "Linux unit tests ran to the end"
fi

# The gdb stub's packet parser, registers and page walk (gdb_unit.c).
if [ -n "$gdbunit" ]; then
	"$gdbunit" > "$tmp/gdb" 2>&1
	cat "$tmp/gdb"
	tally gdb "$tmp/gdb" "gdb unit tests ran to the end"
fi

# virtio: queue checks, MMIO transport, virtio-blk on a temp file (virtio_unit.c).
if [ -n "$virtiounit" ]; then
	"$virtiounit" > "$tmp/virtio" 2>&1
	cat "$tmp/virtio"
	tally virtio "$tmp/virtio" "virtio unit tests ran to the end"
fi

# --- the command line ---------------------------------------------------
# expect STATUS 'STDERR PATTERN' ARGS...: exit status and a grep -E pattern
# of stderr+stdout ('' for none).
expect() {
	want=$1
	pat=$2
	shift 2
	"$axctl" "$@" > "$tmp/out" 2>&1
	got=$?
	if [ "$got" = "$want" ] && { [ -z "$pat" ] || grep -qE -- "$pat" "$tmp/out"; }; then
		ok "axctl $* -> $want${pat:+, /$pat/}"
	else
		notok "axctl $* -> $want${pat:+, /$pat/} (got $got)"
		sed 's/^/#   /' "$tmp/out"
	fi
}

expect 0 '^axctl [0-9]' --version
v=$(cat "$top/VERSION")
expect 0 "^axctl $v \\(axvm API [0-9]+, generic netlink family \"axvm\" version [0-9]+\\)\$" -V
expect 0 '^axvm module: ' -V
expect 2 "^axctl: help: unknown command 'nonexistent'" help nonexistent
expect 0 '^Usage: axctl \[-v\|-q\] COMMAND' help
expect 0 '^Usage: axctl \[-v\|-q\] COMMAND' --help
expect 2 '^Usage:' 
expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "unknown option '--frob'" --frob
for c in create destroy stop pause resume list stats monitor start run trace; do
	expect 0 "^Usage: axctl $c" "$c" --help
	expect 0 "^Usage: axctl $c" help "$c"
done
expect 0 "^Usage: axctl create" create -h
expect 2 "trace: bad duration 'x'" trace --duration x
expect 2 "trace: bad duration '0'" trace vm0 -d 0
expect 2 "trace: invalid VM name 'bad/name'" trace bad/name
expect 2 "trace: unexpected argument 'two'" trace one two
expect 2 "trace: unknown option '--frob'" trace --frob

expect 2 'create: missing VM name' create
expect 2 "invalid VM name 'bad/name'" create bad/name
expect 2 "invalid VM name" create 01234567890123456789012345678901
expect 2 "unexpected argument 'two'" create one two
expect 2 "bad memory size '64X'" create vm0 --memory 64X
expect 2 'not a multiple of 2M' create vm0 --memory 3M
expect 2 "bad vCPU count '0'" create vm0 --vcpus 0
expect 2 "bad vCPU count '65'" create vm0 --vcpus 65
expect 2 "option '--memory' needs a value" create vm0 --memory
expect 2 "unknown option '--frob'" create vm0 --frob
expect 2 "unknown option '-x'" create vm0 -x
expect 2 'destroy: missing VM name' destroy
expect 2 "unexpected argument 'x'" list x
expect 2 "unknown option '-j'" destroy vm0 -j
expect 2 'missing VM name' stats -j
expect 2 'start: missing VM name' start --kernel /bin/true
expect 2 "start: invalid VM name 'bad/name' \\(1-31 characters of A-Z a-z 0-9 _ \\. -\\)" \
	start bad/name --kernel /bin/true
expect 2 "create: invalid VM name 'bad/name' \\(1-31 characters of A-Z a-z 0-9 _ \\. -\\)" create bad/name
# Above 2^48 no max_vm_mem helps: refused before the kernel is asked, in
# the kernel's words (module/dev/netlink.c).
expect 2 'create: memory size 99999T: memory size must be > 0 and <= 256T' create vm0 --memory 99999T
expect 2 '^\{"error": "create: memory size 99999T: memory size must be > 0 and <= 256T.*", "status": 2\}$' \
	create vm0 --memory 99999T -j
expect 2 '^\{"error": "stats: unexpected argument .two.", "status": 2\}$' stats one two -j
expect 2 'start: --kernel IMAGE is required' start vm0
expect 2 "bad format 'coff'" start vm0 --kernel /bin/true --format coff
expect 2 "start: bad --gdb 'udp:1' \\(tcp:PORT or unix:PATH\\)" start vm0 --kernel /bin/true --gdb udp:1
expect 2 "start: bad --gdb 'tcp:70000'" start vm0 --kernel /bin/true --gdb tcp:70000
expect 2 'start: --gdb-wait needs --gdb' start vm0 --kernel /bin/true --gdb-wait

# Image errors come before the module is needed.
printf 'not an image\n' > "$tmp/text"
: > "$tmp/empty"
printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000' > "$tmp/elf32"
printf '\364' > "$tmp/hlt.bin"
expect 12 'cannot open image /nonexistent/img: No such file' start vm0 --kernel /nonexistent/img
expect 12 'is not a regular file' start vm0 --kernel "$tmp"
expect 12 'image is not ELF64 or flat \(empty file\)' start vm0 --kernel "$tmp/empty"
expect 12 'image is not ELF64 or flat \(no ELF magic\)' start vm0 --kernel "$tmp/text" --format elf
expect 12 'image is not ELF64 or flat \(an ELF file, but not 64-bit\)' start vm0 --kernel "$tmp/elf32"
expect 12 'image is not ELF64 or flat \(ELF64, but not an executable' start vm0 --kernel "$axctl"
expect 12 'no Multiboot header \(magic 0x1badb002' start vm0 --kernel "$tmp/hlt.bin" --format multiboot
expect 2 '--module needs a Multiboot image' start vm0 --kernel "$tmp/hlt.bin" --module "$tmp/hlt.bin"
long=$(head -c 1024 /dev/zero | tr '\0' x)
expect 2 'command line too long \(at most 1023 bytes for a flat image\)' \
	start vm0 --kernel "$tmp/hlt.bin" --append "$long"
expect 2 '--initrd needs a Linux kernel, bzImage or vmlinux' start vm0 --kernel "$tmp/hlt.bin" --initrd "$tmp/hlt.bin"
# --disk: the image's errors come before the module is needed.
expect 12 'disk /nonexistent/disk.img: No such file' start vm0 --kernel "$tmp/hlt.bin" \
	--disk /nonexistent/disk.img
expect 12 "disk $tmp/hlt.bin: unknown option \\(FILE or FILE,ro\\)" start vm0 --kernel "$tmp/hlt.bin" \
	--disk "$tmp/hlt.bin,rw"
expect 12 "disk $tmp: not a regular file or block device" start vm0 --kernel "$tmp/hlt.bin" \
	--disk "$tmp,ro"
expect 2 'start: too many --disk \(at most 8\)' start vm0 --kernel "$tmp/hlt.bin" \
	$(for i in 1 2 3 4 5 6 7 8 9; do printf -- '--disk %s ' "$tmp/hlt.bin"; done)
expect 2 'start: too many --disk \(at most 6\)' start vm0 --kernel "$tmp/hlt.bin" --rng \
	--console virtio $(for i in 1 2 3 4 5 6 7; do printf -- '--disk %s ' "$tmp/hlt.bin"; done)
expect 2 'start: too many virtio devices \(at most 8\)' start vm0 --kernel "$tmp/hlt.bin" \
	$(for i in 1 2 3 4 5 6 7 8; do printf -- '--disk %s ' "$tmp/hlt.bin"; done) --rng
expect 2 "start: bad --console 'hvc' \\(serial or virtio\\)" start vm0 --kernel "$tmp/hlt.bin" \
	--console hvc
# --net: the option's errors, then the tap's (before the module is needed).
expect 2 "start: --net tap=t0,mac=01:00:00:00:00:01: MAC 01:00:00:00:00:01 is multicast" \
	start vm0 --kernel "$tmp/hlt.bin" --net tap=t0,mac=01:00:00:00:00:01
expect 2 "start: --net tap=t0,mac=52:54:00:12:34: bad MAC" start vm0 --kernel "$tmp/hlt.bin" \
	--net tap=t0,mac=52:54:00:12:34
expect 2 'start: --net br0: unknown option' start vm0 --kernel "$tmp/hlt.bin" --net br0
if [ -c /dev/net/tun ]; then
	expect 26 '--net tap=lo: not a tap device' start vm0 --kernel "$tmp/hlt.bin" --net tap=lo
	# Without CAP_NET_ADMIN (as nobody): a clear refusal, status 6.
	if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		hlt=$(mktemp /tmp/axctl-hlt.XXXXXX)
		cp "$tmp/hlt.bin" "$hlt" && chmod 644 "$hlt"
		setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
			"$axctl" start vm0 --kernel "$hlt" --net tap=axvmnp0 > "$tmp/out" 2>&1
		got=$?
		if [ "$got" = 6 ] && grep -q 'not allowed to create or attach to the tap (CAP_NET_ADMIN' "$tmp/out"; then
			ok "axctl start --net as nobody -> 6, not allowed (CAP_NET_ADMIN ...)"
		else
			notok "axctl start --net as nobody -> 6, not allowed (got $got)"
			sed 's/^/#   /' "$tmp/out"
		fi
		rm -f "$hlt"
	else
		echo "# not root or no setpriv: --net without CAP_NET_ADMIN not checked"
	fi
else
	echo "# no /dev/net/tun: --net's tap errors not checked"
fi

# axctl run: its usage and image errors come before any VM is made.
expect 2 'run: --kernel IMAGE is required' run
expect 2 "run: bad memory size 'x'" run --kernel "$tmp/hlt.bin" -m x
expect 2 "run: bad vCPU count '0'" run --kernel "$tmp/hlt.bin" -c 0
expect 2 "run: invalid VM name 'a b'" run --kernel "$tmp/hlt.bin" --name 'a b'
expect 2 "run: bad format 'coff'" run --kernel "$tmp/hlt.bin" --format coff
expect 12 'cannot open image /nonexistent/img' run --kernel /nonexistent/img
expect 12 'image is not ELF64 or flat \(no ELF magic\)' run --kernel "$tmp/text" --format elf
# A real bzImage: the host's kernel when readable.
kimg=$(ls -v /boot/vmlinuz-* 2>/dev/null | tail -n 1)
if [ -n "$kimg" ] && [ -r "$kimg" ]; then
	expect 12 'Linux bzImage, not a flat binary: drop --format flat' \
		start vm0 --kernel "$kimg" --format flat
	expect 12 'drop --format flat' run --kernel "$kimg" --format flat
	expect 12 'cannot open initrd /nonexistent/initrd' run --kernel "$kimg" --initrd /nonexistent/initrd
	expect 2 'command line too long \(.*this kernel takes at most' \
		start vm0 --kernel "$kimg" --append "$(head -c 5000 /dev/zero | tr '\0' x)"
	head -c 600 "$kimg" > "$tmp/bz-cut"
	expect 12 'Linux bzImage truncated' start vm0 --kernel "$tmp/bz-cut"
else
	echo "# no readable /boot/vmlinuz-*: the bzImage command-line checks are skipped"
fi

# Without the module.
if [ ! -e /dev/axvm ]; then
	for c in "list" "create vm0" "destroy vm0" "stop vm0" "pause vm0" "resume vm0" "stats vm0" "monitor" "trace"; do
		# shellcheck disable=SC2086
		expect 4 '^axctl: axvm module not loaded \(no generic netlink family "axvm"\): modprobe axvm$' $c
	done
	# With -j the error is a JSON object (for scripts).
	for c in "list -j" "stats vm0 -j" "monitor --json" "trace vm0 -j --duration 1"; do
		# shellcheck disable=SC2086
		expect 4 '^\{"error": "axvm module not loaded \(no generic netlink family \\"axvm\\"\): modprobe axvm", "status": 4\}$' $c
	done
	expect 4 '^axctl: axvm module not loaded \(no /dev/axvm\): modprobe axvm$' start vm0 --kernel "$tmp/hlt.bin"
	if [ ! -e /sys/module/axvm ]; then
		expect 0 '^axvm module: not loaded \(modprobe axvm\)$' -V
	fi
	if [ -f "$demo" ]; then
		expect 4 'axvm module not loaded' start demo --kernel "$demo" --append "hello"
	fi
else
	echo "# /dev/axvm exists: the 'module not loaded' checks are skipped"
fi

# --- against the fake kernel side (tests/fake_axvm.c, LD_PRELOAD) --------
# fx STATUS 'PATTERN' ARGS...: like expect, with the fake loaded; FAKE_AXVM_*
# variables set by the caller pass through.
fx() {
	want=$1
	pat=$2
	shift 2
	env LD_PRELOAD="$fake" FAKE_AXVM_STATE="$tmp/state" FAKE_AXVM_LOG="$tmp/log" \
		"$axctl" "$@" < "${FX_IN:-/dev/null}" > "$tmp/out" 2>&1
	got=$?
	if [ "$got" = "$want" ] && { [ -z "$pat" ] || grep -qE -- "$pat" "$tmp/out"; }; then
		ok "fake: axctl $* -> $want${pat:+, /$pat/}"
	else
		notok "fake: axctl $* -> $want${pat:+, /$pat/} (got $got)"
		sed 's/^/#   /' "$tmp/out"
	fi
}
# in_log 'PATTERN' NAME: the fake's log has a line matching PATTERN.
in_log() {
	if grep -qE -- "$1" "$tmp/log" 2>/dev/null; then ok "$2"
	else notok "$2"; sed 's/^/#   log: /' "$tmp/log" 2>/dev/null; fi
}
not_in_log() {
	if ! grep -qE -- "$1" "$tmp/log" 2>/dev/null; then ok "$2"
	else notok "$2"; sed 's/^/#   log: /' "$tmp/log"; fi
}

if [ -n "$fake" ] && [ -f "$fake" ] && ldd "$axctl" >/dev/null 2>&1; then
	rm -f "$tmp/state" "$tmp/log"
	fx 0 '^created VM demo \(id 1\): 64M, 1 vCPU$' create demo --memory 64M
	fx 0 '^created VM smp \(id 2\): 128M, 2 vCPUs$' create smp --memory 128M --vcpus 2
	fx 0 '^created VM tiny \(id 3\): 2M, 1 vCPU$' create tiny --memory 2M
	fx 10 '^axctl: VM demo already exists \(kernel: VM name in use\)$' create demo
	FAKE_AXVM_UNCAPPED=1 fx 10 'already exists \(kernel: VM name in use\)$' create demo
	fx 26 '^axctl: create big: Invalid argument \(kernel: memory size above max_vm_mem\)$' \
		create big --memory 2G
	FAKE_AXVM_EPERM=1 fx 6 '^axctl: permission denied \(need read/write access to /dev/axvm, or CAP_NET_ADMIN\)$' create x
	FAKE_AXVM_BUSY=1 fx 14 '^axctl: another hypervisor holds VT-x \(EBUSY\)' create x
	fx 0 '^1 +demo +created +64M +1 +[0-9]+$' list
	: > "$tmp/log"
	FAKE_AXVM_DUMP_INTR=1 fx 0 '^1 +demo +created +64M +1 +[0-9]+$' list
	in_log '^genl dump interrupted$' "an interrupted dump ..."
	if [ "$(grep -c '^genl cmd 3 dump' "$tmp/log")" = 2 ]; then ok "... is asked again"
	else notok "... is asked again"; sed 's/^/#   log: /' "$tmp/log"; fi
	fx 0 '^3 +tiny +created +2M +1 ' list
	fx 0 '"name": "smp", "state": "created", "memory": 134217728, "vcpus": 2' list -j
	if command -v python3 >/dev/null 2>&1; then
		fx 0 '' list -j
		if python3 -m json.tool < "$tmp/out" >/dev/null 2>&1; then ok "list -j is valid JSON"
		else notok "list -j is valid JSON"; fi
		fx 0 '' stats smp -j
		if python3 -m json.tool < "$tmp/out" >/dev/null 2>&1; then ok "stats -j is valid JSON"
		else notok "stats -j is valid JSON"; fi
	fi
	fx 0 '^vCPU 0: 1262 exits: 59 handled in the kernel, 1203 by userspace$' stats demo
	fx 0 '^ +52 +PREEMPTION_TIMER +7$' stats demo
	fx 0 '^ +30 +IO_INSTRUCTION +1200$' stats demo
	fx 0 '^vCPU 1: 0 exits' stats smp
	fx 8 '^axctl: no VM named nosuch \(kernel: no such VM\)$' stats nosuch
	fx 8 '^axctl: no VM named nosuch' destroy nosuch
	fx 8 '^axctl: no VM named nosuch' start nosuch --kernel "$tmp/hlt.bin"

	# start: the demo guest's image, a scripted run.
	if [ -f "$demo" ]; then
		: > "$tmp/log"
		FAKE_AXVM_SCRIPT="o3f8=48,o3f8=69,o3f8=0a,i3fd,i2f8/2,o2e8=1,i3f8/4,of4=0" \
			fx 1 'guest wrote 0x0 to the debug-exit port: exit status 1' \
			-v start demo --kernel "$demo" --append "hello from the command line"
		if grep -qx 'Hi' "$tmp/out"; then ok "COM1 output on stdout"
		else notok "COM1 output on stdout"; sed 's/^/#   /' "$tmp/out"; fi
		in_log '^region slot 0 gpa 0x0 size 0x4000000 hva 2M-aligned$' "64M of RAM at GPA 0, 2M-aligned"
		in_log '^boot vcpu 0: rip 0x100000 rsp 0x3fff000 rdi 0x[0-9a-f]+ rsi 0x4000000 rflags 0x2$' \
			"ELF: RIP = entry, RSP = top - 4K, RSI = RAM size"
		in_log '^boot vcpu 0: cs 0x8 l 1 cr0 0x80010033 cr3 0x[0-9a-f]+ cr4 0x620 efer 0x500$' \
			"ELF: 64-bit long mode"
		in_log '^boot vcpu 0: code at rip fa fc' "the demo's first instructions at RIP (cli; cld)"
		in_log '^boot vcpu 0: cmdline "hello from the command line"$' "command line at RDI"
		in_log '^answer in port 0x3fd width 1: data 0x60 response 1$' "LSR read answered 0x60"
		in_log '^answer in port 0x2f8 width 2: data 0xffff response 1$' "unhandled inw answered 0xffff"
		in_log '^answer in port 0x3f8 width 4: data 0x3010000 response 1$' "inl at COM1: RBR, IER, IIR, LCR"
		if grep -q '1 unhandled port write, 1 unhandled port read: port 0x2f8: 0 out, 1 in, port 0x2e8: 1 out, 0 in' "$tmp/out"
		then ok "-v: unhandled port I/O counted"; else notok "-v: unhandled port I/O counted"; fi
	fi
	FAKE_AXVM_SCRIPT="of4=10/2" fx 33 '' start demo --kernel "$tmp/hlt.bin"
	# The PC's reset ports end the VM with status 28.
	FAKE_AXVM_SCRIPT="o92=1" fx 28 '^axctl: guest reset the machine \(port 0x92\)$' start demo --kernel "$tmp/hlt.bin"
	FAKE_AXVM_SCRIPT="o64=fe" fx 28 'guest reset the machine \(port 0x64\)' start demo --kernel "$tmp/hlt.bin"
	# COM1 input from stdin, a pipe: IRQ 4 through the PIC kicks vCPU 0
	# out of "block"; 3 bytes below the FIFO's trigger level (14) come by
	# the character timeout. The pipe's EOF does not end the VM.
	pic="o20=11,o21=20,o21=4,o21=1,o21=ef"
	: > "$tmp/log"
	mkfifo "$tmp/fifo"
	printf 'hi\n' > "$tmp/fifo" &
	FX_IN=$tmp/fifo FAKE_AXVM_SCRIPT="$pic,o3fa=c1,o3fc=b,o3f9=1,block,i3fa,i3f8,i3f8,i3f8,i3fd,of4=0" \
		fx 1 '' start demo --kernel "$tmp/hlt.bin"
	wait
	in_log '^answer in port 0x3fa width 1: data 0xcc ' "stdin: character timeout interrupt (IIR 0xcc)"
	if [ "$(sed -n 's/^answer in port 0x3f8 width 1: data \(0x[0-9a-f]*\) .*/\1/p' "$tmp/log" | tr '\n' ' ')" = "0x68 0x69 0xa " ]
	then ok "stdin: h, i, newline read from RBR in order"
	else notok "stdin: h, i, newline read from RBR in order"; sed 's/^/#   log: /' "$tmp/log"; fi
	in_log '^answer in port 0x3fd width 1: data 0x60 ' "stdin: FIFO empty after 3 reads; EOF did not end the VM"

	# The terminal: raw while the VM runs, restored on every way out.
	if [ -n "$ptyrun" ] && [ -x "$ptyrun" ]; then
		# pty NAME ACTION SCRIPT WANT: axctl start on a pty; WANT is
		# pty_run's "raw R restored S status N" line.
		pty() {
			env LD_PRELOAD="$fake" FAKE_AXVM_STATE="$tmp/state" FAKE_AXVM_LOG="$tmp/log" \
				FAKE_AXVM_SCRIPT="$3" "$ptyrun" "$2" "$axctl" start demo \
				--kernel "$tmp/hlt.bin" > "$tmp/pty" 2>&1
			if [ "$(head -n1 "$tmp/pty")" = "$4" ]; then ok "terminal: $1: $4"
			else notok "terminal: $1: $4"; sed 's/^/#   /' "$tmp/pty"; fi
		}
		pty "Ctrl-A x" escape block "raw 1 restored 1 status 24"
		if grep -q 'quit (Ctrl-A x)' "$tmp/pty"; then ok "terminal: Ctrl-A x says why"
		else notok "terminal: Ctrl-A x says why"; fi
		pty SIGTERM TERM block "raw 1 restored 1 status 24"
		pty SIGHUP HUP block "raw 1 restored 1 status 129"
		: > "$tmp/log"
		pty "guest reset, after Ctrl-A Ctrl-A reached RBR" "type:$(printf '\001\001')" \
			"$pic,o3fc=b,o3f9=1,block,i3f8,o92=1" "raw 1 restored 1 status 28"
		in_log '^answer in port 0x3f8 width 1: data 0x1 ' "terminal: Ctrl-A Ctrl-A gives the guest one 0x01"
		pty "triple fault" none triple "raw 0 restored 1 status 16"
		pty "guest halted" none hlt "raw 0 restored 1 status 0"
	else
		echo "# pty_run not built: terminal tests skipped"
	fi

	mbguest=$top/tests/guests/bin/mb_hello
	if [ -f "$mbguest" ]; then
		: > "$tmp/log"
		FAKE_AXVM_SCRIPT="of4=0" fx 1 'Multiboot image .* \(protected mode\)' -v start demo \
			--kernel "$mbguest" --append "a b" --module "$tmp/hlt.bin x"
		in_log '^boot vcpu 0: cs 0x8 l 0 cr0 0x11 cr3 0x0 cr4 0x0 efer 0x0$' \
			"Multiboot: 32-bit protected mode, no paging"
		in_log '^boot vcpu 0: rip 0x10000c rsp 0x9f000 ' "Multiboot: entry, ESP"
	fi
	FAKE_AXVM_SCRIPT="of4=7f/4" fx 255 '' start demo --kernel "$tmp/hlt.bin"
	: > "$tmp/log"
	FAKE_AXVM_SCRIPT="o3f8=41,hlt" fx 0 '^axctl: guest halted$' start demo --kernel "$tmp/hlt.bin" --append "x=1"
	if grep -q '^A$' "$tmp/out"; then ok "message after guest output without a newline goes on its own line"
	else notok "message after guest output without a newline goes on its own line"; fi
	in_log '^boot vcpu 0: rip 0x1000 rsp 0x1000 rdi 0x500 rsi 0x0 rflags 0x2$' "flat: IP 0x1000, SP 0x1000, DI 0x500"
	in_log '^boot vcpu 0: cs 0x0 l 0 cr0 0x10 cr3 0x0 cr4 0x0 efer 0x0$' "flat: real mode"
	in_log '^boot vcpu 0: code at rip f4 00 00 00$' "flat: image at 0x1000"
	in_log '^boot vcpu 0: cmdline "x=1"$' "flat: command line at 0x500"
	if [ -f "$top/tests/guests/bin/hello16.bin" ]; then
		: > "$tmp/log"
		FAKE_AXVM_SCRIPT="of4=0" fx 1 '' start demo --kernel "$top/tests/guests/bin/hello16.bin" --append "a b"
		in_log '^boot vcpu 0: code at rip fa fc 31 c0$' "hello16.bin: flat image at 0x1000"
		in_log '^boot vcpu 0: cmdline "a b"$' "hello16.bin: command line at DI"
	fi
	FAKE_AXVM_SCRIPT="hlt" fx 0 '' -q start demo --kernel "$tmp/hlt.bin"
	if [ ! -s "$tmp/out" ]; then ok "-q: nothing printed"; else notok "-q: nothing printed"; fi
	FAKE_AXVM_SCRIPT="" fx 0 'guest halted' start demo --kernel "$tmp/hlt.bin" --format flat
	FAKE_AXVM_SCRIPT="triple" fx 16 '^axctl: guest triple fault \(vCPU 0\)$' start demo --kernel "$tmp/hlt.bin"
	FAKE_AXVM_SCRIPT="triple" fx 16 '^  rip 0000000000001000 rflags 00000002' -v start demo --kernel "$tmp/hlt.bin"
	FAKE_AXVM_SCRIPT="failentry" fx 18 \
		'^axctl: VM entry failed on vCPU 0: reason 33 \(invalid guest state\), qualification 0x0$' \
		start demo --kernel "$tmp/hlt.bin"
	FAKE_AXVM_SCRIPT="internal" fx 20 'internal error: vCPU 0: exit axvm does not handle: reason 9 \(TASK_SWITCH\)' \
		start demo --kernel "$tmp/hlt.bin"
	FAKE_AXVM_SCRIPT="npf" fx 20 'guest wrote guest-physical address 0xfee00000 outside its RAM' \
		start demo --kernel "$tmp/hlt.bin"
	FAKE_AXVM_SCRIPT="bogus" fx 20 'unknown exit kind 99' start demo --kernel "$tmp/hlt.bin"
	FAKE_AXVM_SCRIPT="o3f8=41,shutdown" fx 22 '^axctl: VM stopped$' start demo --kernel "$tmp/hlt.bin"
	: > "$tmp/log"
	FAKE_AXVM_SCRIPT="msr,hypercall,mmior,mmiow,nothing,hlt" fx 0 'guest halted' start demo --kernel "$tmp/hlt.bin"
	in_log '^answer 4: response 2$' "unknown MSR: #GP (AXVM_RESP_INJECT_GP)"
	in_log '^answer 1: response 1$' "unknown hypercall answered"
	in_log '^answer 2: response 1$' "MMIO read answered"
	: > "$tmp/log"
	FAKE_AXVM_SCRIPT="o3f8=41,hlt" fx 0 'guest halted' start smp --kernel "$tmp/hlt.bin"
	in_log '^vcpu 1 created$' "2 vCPUs: vCPU 1 created"
	not_in_log 'only vCPU 0 should' "2 vCPUs: vCPU 1 stays idle"
	in_log '^region slot 0 gpa 0x0 size 0x8000000' "128M VM: 128M of RAM"
	FAKE_AXVM_SCRIPT="hlt" fx 0 'only vCPU 0 runs, the other 1 vCPU stays idle' -v start smp --kernel "$tmp/hlt.bin"
	if [ "$(grep -c 'no in-kernel local APIC' "$tmp/out")" = 1 ]; then ok "no LAPIC, -v: said once"
	else notok "no LAPIC, -v: said once"; sed 's/^/#   /' "$tmp/out"; fi
	FAKE_AXVM_SCRIPT="hlt" fx 0 'guest halted' -v start demo --kernel "$tmp/hlt.bin"
	if ! grep -q 'local APIC' "$tmp/out"; then ok "no LAPIC, one vCPU: nothing to say"
	else notok "no LAPIC, one vCPU: nothing to say"; fi
	# fw_cfg NB_CPUS (selector 0x05) through the port bus: the vCPU count.
	: > "$tmp/log"
	FAKE_AXVM_SCRIPT="o510=5/2,i511,i511" fx 0 'guest halted' start smp --kernel "$tmp/hlt.bin"
	in_log '^answer in port 0x511 width 1: data 0x2 response 1$' "fw_cfg NB_CPUS = 2 for a 2-vCPU VM"

	# With the in-kernel LAPIC: every vCPU runs, APs after their SIPI.
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="o3f8=41,o3f8=0a,sipi1,wait1,o3f8=43,o3f8=0a,of4=0" \
		FAKE_AXVM_SCRIPT1="o3f8=42,o3f8=0a" \
		fx 1 'vCPU 1 halted with interrupts off: parked' -v start smp --kernel "$tmp/hlt.bin"
	if [ "$(grep -E '^[ABC]$' "$tmp/out" | tr -d '\n')" = ABC ]; then
		ok "LAPIC: vCPU 0, then the AP after its SIPI, then vCPU 0 again on COM1"
	else notok "LAPIC: vCPU 0, then the AP after its SIPI, then vCPU 0 again on COM1"
		sed 's/^/#   /' "$tmp/out"; fi
	if grep -q 'guest wrote 0x0 to the debug-exit port' "$tmp/out" && ! grep -q 'guest halted' "$tmp/out"
	then ok "LAPIC: a parked AP does not end the VM"; else notok "LAPIC: a parked AP does not end the VM"; fi
	if grep -q '^axctl: vCPU 1: 3 exits served by axctl, parked$' "$tmp/out"
	then ok "-v: the AP's exits and state"; else notok "-v: the AP's exits and state"; sed 's/^/#   /' "$tmp/out"; fi
	if [ "$(sed -n '/^create lapic/=' "$tmp/log")" -lt "$(sed -n '/^vcpu 0 created/=' "$tmp/log")" ] 2>/dev/null
	then ok "AXVM_CREATE_LAPIC before the first vCPU"; else notok "AXVM_CREATE_LAPIC before the first vCPU"
		sed 's/^/#   log: /' "$tmp/log"; fi
	in_log '^create lapic flags 0: ok$' "AXVM_CREATE_LAPIC with flags 0"
	in_log '^vcpu 1 created with a LAPIC$' "vCPU 1 has a LAPIC"
	in_log '^run: vcpu 1 started by SIPI$' "the AP sat in AXVM_RUN until its SIPI"
	not_in_log 'only vCPU 0 should' "the AP ran only after its SIPI"
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="sipi1,wait1" FAKE_AXVM_SCRIPT1="" \
		fx 0 '^axctl: guest halted$' start smp --kernel "$tmp/hlt.bin"
	in_log '^run: vcpu 0 saw vcpu 1 play its script$' "AP parked, then vCPU 0 halted: the VM ends"
	# Four vCPUs, three APs.
	fx 0 '' create smp4 --memory 16M --vcpus 4
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="sipi1,sipi2,sipi3,wait1,wait2,wait3,of4=0" \
		FAKE_AXVM_SCRIPT1="o3f8=31,o3f8=0a" FAKE_AXVM_SCRIPT2="o3f8=32,o3f8=0a" \
		FAKE_AXVM_SCRIPT3="o3f8=33,o3f8=0a" fx 1 'exit status 1' start smp4 --kernel "$tmp/hlt.bin"
	if [ "$(grep -E '^[123]$' "$tmp/out" | sort | tr -d '\n')" = 123 ]; then ok "4 vCPUs: every AP ran"
	else notok "4 vCPUs: every AP ran"; sed 's/^/#   /' "$tmp/out"; fi
	in_log '^vcpu 3 created with a LAPIC$' "4 vCPUs: vCPU 3 created"
	FAKE_AXVM_MAX_VCPUS=2 fx 26 '^axctl: VM smp4 has 4 vCPUs, more than axvm supports \(max_vcpus 2\)$' \
		start smp4 --kernel "$tmp/hlt.bin"
	fx 0 '' destroy smp4
	# An AP's HLT record with IF=1 (the kernel should have slept): it runs on.
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="sipi1,wait1,of4=0" FAKE_AXVM_SCRIPT1="hltif,o3f8=42" \
		fx 1 '' start smp --kernel "$tmp/hlt.bin"
	if grep -q '^B' "$tmp/out"; then ok "LAPIC: Halt record with IF=1 on an AP: it runs on"
	else notok "LAPIC: Halt record with IF=1 on an AP: it runs on"; sed 's/^/#   /' "$tmp/out"; fi
	# An AP going down parks; an AP's triple fault ends the VM.
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="sipi1,wait1,of4=0" FAKE_AXVM_SCRIPT1="cpudown" \
		fx 1 'guest stopped vCPU 1: parked' -v start smp --kernel "$tmp/hlt.bin"
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="sipi1,block" FAKE_AXVM_SCRIPT1="triple" \
		fx 16 '^axctl: guest triple fault \(vCPU 1\)$' start smp --kernel "$tmp/hlt.bin"
	in_log '^run: kicked$' "AP triple fault: vCPU 0 kicked out of the guest"
	# --disk end to end: a "driver" in the script brings disk 0 (MMIO
	# 0xd0000000, GSI 16) up, reads sector 0 through a 3-descriptor chain
	# at 0x200000, and sees the data, the status, the used index and the
	# level interrupt; then a looping chain: DEVICE_NEEDS_RESET.
	printf 'axvm-disk-marker' > "$tmp/disk.img"
	dd if=/dev/zero bs=512 count=7 >> "$tmp/disk.img" 2>/dev/null
	d=mwd0000
	up="${d}070=0,${d}070=3,${d}024=1,${d}020=1,${d}024=0,${d}020=0,${d}070=b"
	up="$up,${d}030=0,${d}038=8,${d}080=200000,${d}090=201000,${d}0a0=202000,${d}044=1"
	up="$up,${d}070=f,mrd0000070"
	req="poke200000=00302000000000001000000001000100"
	req="$req,poke200010=00402000000000000002000003000200"
	req="$req,poke200020=00502000000000000100000002000000,poke205000=ff"
	req="$req,poke201002=0100,${d}050=0,sleep1000,mrd0000060"
	req="$req,peek204000/16,peek205000/1,peek202002/2,${d}064=1"
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_IOAPIC=1 FAKE_AXVM_SCRIPT="$up,$req,of4=0" \
		fx 1 'disk .*disk.img: 1 requests \(0 not OK\)' -v start demo --kernel "$tmp/hlt.bin" \
		--disk "$tmp/disk.img"
	in_log '^answer mmio 0xd0000070: data 0xf$' "virtio-mmio: status handshake to DRIVER_OK"
	in_log '^irq line gsi 16 level 1 flags 0 source 0$' "virtio-blk: interrupt on GSI 16, level"
	in_log '^answer mmio 0xd0000060: data 0x1$' "virtio-blk: InterruptStatus: used buffer"
	in_log '^peek 0x204000: 6178766d2d6469736b2d6d61726b6572$' "virtio-blk: sector 0 read into guest RAM"
	in_log '^peek 0x205000: 00$' "virtio-blk: status VIRTIO_BLK_S_OK"
	in_log '^peek 0x202002: 0100$' "virtio-blk: used index 1"
	in_log '^irq line gsi 16 level 0 flags 0 source 0$' "virtio-blk: InterruptACK drops the line"
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_IOAPIC=1 FAKE_AXVM_SCRIPT="$up,poke200000=00302000000000001000000001000000,poke201002=0100,${d}050=0,sleep1000,mrd0000070,mrd0000060,of4=0" \
		fx 1 '' start demo --kernel "$tmp/hlt.bin" --disk "$tmp/disk.img"
	in_log '^answer mmio 0xd0000070: data 0x4f$' "virtio-blk: a looping chain sets DEVICE_NEEDS_RESET"
	in_log '^answer mmio 0xd0000060: data 0x2$' "virtio-blk: ... with a configuration interrupt"
	FAKE_AXVM_LAPIC=1 fx 26 'needs the axvm module.s in-kernel I/O APIC' start demo \
		--kernel "$tmp/hlt.bin" --disk "$tmp/disk.img"
	# --rng and --console virtio end to end, in the slots after a disk:
	# the rng (0xd0001000, GSI 17) fills a 16-byte buffer, the console
	# (0xd0002000, GSI 18) sends "hvc!" from its transmit queue to stdout.
	r=mwd0001
	c=mwd0002
	rup="${r}070=0,${r}070=3,${r}024=1,${r}020=1,${r}070=b"
	rup="$rup,${r}030=0,${r}038=8,${r}080=200000,${r}090=201000,${r}0a0=202000,${r}044=1,${r}070=f"
	rreq="poke200000=00402000000000001000000002000000,poke201002=0100,${r}050=0,sleep500"
	rreq="$rreq,peek202002/2,peek202008/4,mrd0001060"
	cup="${c}070=0,${c}070=3,${c}024=1,${c}020=1,${c}070=b"
	cup="$cup,${c}030=1,${c}038=8,${c}080=210000,${c}090=211000,${c}0a0=212000,${c}044=1,${c}070=f"
	creq="poke206000=68766321,poke210000=00602000000000000400000000000000,poke211002=0100"
	creq="$creq,${c}050=1,sleep500,peek212002/2"
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_IOAPIC=1 FAKE_AXVM_SCRIPT="$rup,$rreq,$cup,$creq,of4=0" \
		fx 1 'virtio-rng: 1 buffers, 16 bytes' -v start demo --kernel "$tmp/hlt.bin" \
		--disk "$tmp/disk.img" --rng --console virtio
	in_log '^peek 0x202002: 0100$' "virtio-rng: used index 1"
	in_log '^peek 0x202008: 10000000$' "virtio-rng: used length 16"
	in_log '^irq line gsi 17 level 1 flags 0 source 0$' "virtio-rng: interrupt on GSI 17"
	in_log '^peek 0x212002: 0100$' "virtio-console: the transmit chain returned"
	if grep -q 'hvc!' "$tmp/out"; then ok "virtio-console: the guest's bytes on axctl's stdout"
	else notok "virtio-console: the guest's bytes on axctl's stdout"; sed 's/^/#   /' "$tmp/out"; fi
	# Records only asked for with flags axctl does not set: one note each run.
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="cpuup,ipi,cpuup,of4=0" \
		fx 1 '^axctl: vCPU 0: unexpected CPU_UP record \(axctl does not ask for them\): ignored$' \
		start smp --kernel "$tmp/hlt.bin"
	if [ "$(grep -c 'unexpected' "$tmp/out")" = 1 ]; then ok "CpuUp/SendIPI: one note"
	else notok "CpuUp/SendIPI: one note"; sed 's/^/#   /' "$tmp/out"; fi
	# A stop reaches an AP asleep in the kernel waiting for its SIPI.
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_SCRIPT="o3f8=41,asleep1,shutdown" fx 22 '^axctl: VM stopped$' \
		start smp --kernel "$tmp/hlt.bin"
	in_log '^run: kicked: vcpu 1 waiting for SIPI$' "stop: the AP waiting for SIPI was kicked (EINTR)"
	# AXVM_CREATE_LAPIC: EEXIST (re-attach) is fine, other errors end axctl.
	: > "$tmp/log"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_LAPIC_ERR=EEXIST FAKE_AXVM_SCRIPT="sipi1,wait1,of4=1" \
		fx 3 '' start smp --kernel "$tmp/hlt.bin"
	in_log '^run: vcpu 1 started by SIPI$' "AXVM_CREATE_LAPIC EEXIST: the VM's LAPICs are used"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_LAPIC_ERR=EBUSY \
		fx 14 '^axctl: VM smp already has vCPUs without local APICs' start smp --kernel "$tmp/hlt.bin"
	FAKE_AXVM_LAPIC=1 FAKE_AXVM_LAPIC_ERR=EINVAL \
		fx 26 '^axctl: AXVM_CREATE_LAPIC on VM smp: Invalid argument$' start smp --kernel "$tmp/hlt.bin"
	# A VM made without MEM_BYTES/VCPUS (0 in replies): the VMM's defaults.
	echo "bare 9 0 0 0 0" >> "$tmp/state"
	: > "$tmp/log"
	FAKE_AXVM_SCRIPT="hlt" fx 0 'guest halted' start bare --kernel "$tmp/hlt.bin"
	in_log '^region slot 0 gpa 0x0 size 0x4000000 ' "VM without MEM_BYTES: 64M"
	in_log '^vcpu 0 created$' "VM without VCPUS: one vCPU"
	fx 0 '' destroy bare
	head -c 3145728 /dev/zero > "$tmp/big.bin"
	fx 12 'image does not fit in guest memory' start tiny --kernel "$tmp/big.bin"
	FAKE_AXVM_DEV_EACCES=1 fx 6 '^axctl: permission denied on /dev/axvm$' start demo --kernel "$tmp/hlt.bin"

	# SIGINT while the guest runs: every vCPU kicked, status 24; with the
	# LAPIC (INT) also the AP asleep in AXVM_RUN waiting for its SIPI.
	for sig in INT TERM; do
		: > "$tmp/log"
		lapic=0 script="o3f8=41,block"
		[ $sig = INT ] && lapic=1 script="asleep1,o3f8=41,block"
		env LD_PRELOAD="$fake" FAKE_AXVM_STATE="$tmp/state" FAKE_AXVM_LOG="$tmp/log" \
			FAKE_AXVM_LAPIC=$lapic \
			FAKE_AXVM_SCRIPT="$script" "$axctl" start smp --kernel "$tmp/hlt.bin" \
			> "$tmp/out" 2>&1 &
		pid=$!
		n=0
		while [ $n -lt 50 ] && ! grep -q '^answer 7' "$tmp/log"; do sleep 0.1; n=$((n + 1)); done
		sleep 0.2
		kill -$sig $pid
		wait $pid
		rc=$?
		if [ "$rc" = 24 ] && grep -q "^axctl: interrupted (SIG$sig)" "$tmp/out"; then
			ok "SIG$sig while the guest runs: 'interrupted', status 24"
		else
			notok "SIG$sig while the guest runs: 'interrupted', status 24 (got $rc)"
			sed 's/^/#   /' "$tmp/out"
		fi
		in_log '^run: kicked$' "SIG$sig: the running vCPU was kicked out of AXVM_RUN"
		[ $lapic = 1 ] && in_log '^run: kicked: vcpu 1 waiting for SIPI$' \
			"SIG$sig: the AP asleep waiting for SIPI was kicked out of AXVM_RUN"
	done

	# The gdb stub: a scripted RSP client (rsp_client.py) against start
	# --gdb-wait; the fake's vCPU meets an INT3, a step, a block (^C).
	if command -v python3 >/dev/null 2>&1; then
		: > "$tmp/log"
		env LD_PRELOAD="$fake" FAKE_AXVM_STATE="$tmp/state" FAKE_AXVM_LOG="$tmp/log" \
			FAKE_AXVM_SCRIPT=int3,block,o00f4=0 \
			"$axctl" start demo --kernel "$tmp/hlt.bin" --gdb "unix:$tmp/gdb.sock" \
			--gdb-wait -q > "$tmp/gdbout" 2>&1 &
		pid=$!
		python3 "$here/rsp_client.py" "$tmp/gdb.sock" 1000 > "$tmp/rsp" 2>&1
		cat "$tmp/rsp"
		pass=$((pass + $(grep -c '^ok - ' "$tmp/rsp")))
		fail=$((fail + $(grep -c '^not ok - ' "$tmp/rsp")))
		grep -q '^ok - ' "$tmp/rsp" || notok "gdb stub (fake): the client ran"
		kill $pid 2>/dev/null
		wait $pid
		rc=$?
		if [ "$rc" = 1 ]; then ok "gdb stub (fake): axctl ends with the guest's status 1"
		else notok "gdb stub (fake): axctl ends with the guest's status 1 (got $rc)"
			sed 's/^/#   /' "$tmp/gdbout"; fi
		in_log '^guest debug vcpu 0 control 0x5 ' "gdb stub (fake): INT3 interception on (ENABLE|USE_SW_BP)"
		in_log '^guest debug vcpu 0 control 0x3 ' "gdb stub (fake): the step asks for SINGLESTEP"
		[ -e "$tmp/gdb.sock" ] && notok "gdb stub (fake): the socket is removed at the end" ||
			ok "gdb stub (fake): the socket is removed at the end"
	else
		echo "# python3 not found: the gdb stub's client test skipped"
	fi

	# The same with Debian's gdb, when installed: it must accept target.xml.
	if command -v gdb >/dev/null 2>&1; then
		port=$((20000 + $$ % 20000))
		env LD_PRELOAD="$fake" FAKE_AXVM_STATE="$tmp/state" FAKE_AXVM_LOG="$tmp/log" \
			FAKE_AXVM_SCRIPT=int3=1001,o00f4=0 \
			"$axctl" start demo --kernel "$tmp/hlt.bin" --gdb "tcp:$port" --gdb-wait -q \
			> "$tmp/gdbout" 2>&1 &
		pid=$!
		sleep 1
		timeout 60 gdb -batch -nx -ex 'set architecture i386:x86-64' \
			-ex "target remote 127.0.0.1:$port" -ex 'info registers cr0 fs_base' \
			-ex 'break *0x1001' -ex continue -ex 'info registers rip' -ex stepi \
			-ex 'info registers rip' -ex continue > "$tmp/gdb.log" 2>&1
		wait $pid
		rc=$?
		if [ "$rc" = 1 ] && grep -q '^cr0 ' "$tmp/gdb.log" &&
		   grep -q '^Breakpoint 1, 0x0000000000001001' "$tmp/gdb.log" &&
		   grep -q '^rip  *0x1002 ' "$tmp/gdb.log" &&
		   grep -q 'exited with code 01' "$tmp/gdb.log"; then
			ok "gdb (Debian's) against the stub: target.xml, break, stepi, the end"
		else
			notok "gdb (Debian's) against the stub (axctl status $rc)"
			sed 's/^/#   /' "$tmp/gdb.log" "$tmp/gdbout"
		fi
	else
		echo "# gdb not installed: the test with Debian's gdb skipped"
	fi

	# monitor: five events, then Ctrl-C.
	env LD_PRELOAD="$fake" FAKE_AXVM_STATE="$tmp/state" FAKE_AXVM_EVENTS=1 \
		"$axctl" monitor > "$tmp/mon" 2>&1 &
	pid=$!
	n=0
	# Up to 60 s: a loaded CI host (two Bochs and builds beside this) is slow to start it.
	while [ $n -lt 600 ] && [ "$(grep -c ' vm demo' "$tmp/mon")" -lt 5 ]; do sleep 0.1; n=$((n + 1)); done
	kill -INT $pid
	wait $pid
	rc=$?
	if [ "$rc" = 0 ] && [ "$(grep -c ' vm demo (id 3)' "$tmp/mon")" = 5 ] &&
	   grep -q 'vcpu-exit  vm demo (id 3) vcpu 0 exit SYSTEM_DOWN' "$tmp/mon" &&
	   grep -q 'created    vm demo (id 3) memory 64M vcpus 1 pid 42' "$tmp/mon"; then
		ok "monitor: one line per event, status 0 on SIGINT"
	else
		notok "monitor: one line per event, status 0 on SIGINT (got $rc)"
		sed 's/^/#   /' "$tmp/mon"
	fi
	env LD_PRELOAD="$fake" FAKE_AXVM_STATE="$tmp/state" FAKE_AXVM_EVENTS=1 \
		"$axctl" monitor -j > "$tmp/mon" 2>&1 &
	pid=$!
	sleep 0.5
	kill -TERM $pid
	wait $pid
	if grep -q '"event": "vcpu-exit", "id": 3, "name": "demo", "vcpu": 0, "exit": "SYSTEM_DOWN"' "$tmp/mon"
	then ok "monitor -j: JSON lines"; else notok "monitor -j: JSON lines"; sed 's/^/#   /' "$tmp/mon"; fi

	# The fake's demo never ran: pausing it is EINVAL, as in the kernel.
	fx 26 '^axctl: pause demo: Invalid argument \(kernel: VM has not run yet or was deleted\)$' pause demo
	fx 0 '' stop demo
	fx 0 '^1 +demo +stopped ' list
	# The fake keeps no vCPU threads: a stopped VM it pauses lists as paused.
	fx 0 '' pause demo
	fx 0 '^1 +demo +paused ' list
	fx 26 '^axctl: pause demo: .* \(kernel: VM is paused already\)$' pause demo
	fx 8 '^axctl: no VM named nosuch' pause nosuch
	fx 0 '' resume demo
	fx 26 '^axctl: resume demo: .* \(kernel: VM is not paused\)$' resume demo
	fx 0 '' destroy demo
	fx 0 '' list
	if ! grep -q ' demo ' "$tmp/out"; then ok "destroyed VM gone from the list"
	else notok "destroyed VM gone from the list"; fi
	FAKE_AXVM_NO_MODULE=1 fx 4 'axvm module not loaded \(no generic' list
	# trace resolves the name before it touches BPF.
	fx 8 '^\{"error": "no VM named nosuch( \(kernel: .*\))?", "status": 8\}$' trace nosuch -j
	FAKE_AXVM_NO_MODULE=1 fx 4 'axvm module not loaded \(no generic' trace demo
	FAKE_AXVM_NO_MODULE=1 fx 4 'axvm module not loaded \(no /dev/axvm\)' start smp --kernel "$tmp/hlt.bin"
else
	echo "# fake kernel side not available (or axctl linked statically): skipped"
fi

# --- man page and completion ---------------------------------------------
if command -v groff >/dev/null 2>&1; then
	if LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$here/../axctl.8" > "$tmp/groff" 2>&1 &&
	   [ ! -s "$tmp/groff" ]; then
		ok "axctl.8 formats without groff warnings"
	else
		notok "axctl.8 formats without groff warnings"
		sed 's/^/#   /' "$tmp/groff"
	fi
	for c in create destroy stop pause resume list stats monitor start run trace; do
		if grep -q "^\.SS $c" "$here/../axctl.8"; then ok "axctl.8 documents $c"
		else notok "axctl.8 documents $c"; fi
	done
	for s in 0 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30; do
		if grep -q "^\.B $s\$" "$here/../axctl.8"; then ok "axctl.8 documents exit status $s"
		else notok "axctl.8 documents exit status $s"; fi
	done
else
	echo "# groff not installed: man page not checked"
fi

if command -v bash >/dev/null 2>&1; then
	complete_test() {	# complete_test 'EXPECTED' WORDS... (the last word is completed)
		want=$1
		shift
		got=$(bash -c '
			complete() { :; }
			. "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			axctl() { :; }	# no VMs to list
			_axctl
			echo "${COMPREPLY[*]}"' _ "$here/../axctl.bash-completion" "$@" 2>&1)
		if [ "$got" = "$want" ]; then ok "completion of '$*': $want"
		else notok "completion of '$*': want '$want', got '$got'"; fi
	}
	complete_test "stop stats start" axctl st
	complete_test "--memory" axctl create vm0 --mem
	complete_test "--vcpus" axctl create vm0 --vc
	complete_test "1 2 4 8" axctl create vm0 --vcpus ""
	complete_test "auto flat elf multiboot linux" axctl start vm0 --format ""
	complete_test "serial virtio" axctl run --console ""
	complete_test "--json" axctl -v list --j
	complete_test "create" axctl -q cr
	complete_test "--duration" axctl trace vm0 --dur
	complete_test "-d --duration -j --json -t --tracepoint -h --help" axctl trace -
fi

echo "axctl: $pass passed, $fail failed"
[ "$fail" = 0 ]
