#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Test-machine job for tests/bench/profile.sh: where does an in-kernel
# exit spend its instructions? For a few cases it runs the benchmark guest
# three times: untraced (the reference cost), with the axvm_entry/axvm_exit
# tracepoints, and with the function tracer on every axvm.ko function and
# the kernel helpers the run loop calls, all stamped with trace_clock
# x86-tsc (in Bochs: the instruction counter). The tail of each trace goes
# to the console between PROF-BEGIN/PROF-END markers.
T=/sys/kernel/tracing
B=/opt/axvm/tests/axvm_bench
N=${PROF_ITERS:-30}
grep -q "^axvm " /proc/modules || insmod /opt/axvm/axvm.ko || exit 1
[ -d $T/events/axvm ] || { echo "PROF: no axvm trace events"; exit 1; }
echo 0 > $T/tracing_on
echo x86-tsc > $T/trace_clock
echo 8192 > $T/buffer_size_kb
dump() {	# dump NAME: the trace of one run
	echo "PROF-BEGIN $1"
	grep -v '^#' $T/trace | tail -n 600
	echo "PROF-END $1"
	echo > $T/trace
}
for c in ${PROF_CASES:-cpuid rdmsr_pat pio_read_kernel pio_write_user}; do
	$B --hv axvm --case $c --iters $N --warm 4 | sed 's/^BENCH /PROF-REF /'
	echo 1 > $T/events/axvm/axvm_entry/enable
	echo 1 > $T/events/axvm/axvm_exit/enable
	echo 1 > $T/tracing_on
	$B --hv axvm --case $c --iters $N --warm 4 > /dev/null
	echo 0 > $T/tracing_on
	echo 0 > $T/events/enable
	dump "events $c"
	# Named functions (not :mod:axvm, which traced nothing on Debian
	# 6.1 in this machine): the run loop's stages and the kernel
	# helpers it calls once per exit.
	echo > $T/set_ftrace_filter
	for f in axvm_vmx_enter axvm_vmx_inject_pending axvm_vmx_switch_to_guest \
		 axvm_vmx_handle_exit handle_cpuid axvm_cpuid_lookup handle_io \
		 axvm_vmx_handle_rdmsr axvm_vmx_skip_instruction axvm_iobus_access \
		 post_read axvm_vmx_finish_exit axvm_vcpu_stop_requested \
		 kernel_fpu_begin_mask kernel_fpu_end __cond_resched \
		 __x64_sys_ioctl syscall_exit_to_user_mode \
		 exit_to_user_mode_prepare switch_fpu_return; do
		echo $f >> $T/set_ftrace_filter || echo "PROF: cannot trace $f"
	done
	echo "PROF: $(wc -l < $T/set_ftrace_filter) functions traced"
	echo function > $T/current_tracer || echo "PROF: no function tracer"
	echo "PROF: tracer $(cat $T/current_tracer), $(cat $T/available_tracers)"
	echo 1 > $T/tracing_on
	$B --hv axvm --case $c --iters $N --warm 4 > /dev/null
	echo 0 > $T/tracing_on
	echo nop > $T/current_tracer
	echo > $T/set_ftrace_filter
	dump "functions $c"
done
rmmod axvm
