#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load Debian's kvm_intel (for comparisons). VMX is only taken when KVM
# creates a VM (kvm.params turns off 6.12's enable_virt_at_load), so axvm
# and KVM can take turns owning it.
set -e
d=/opt/axvm/kvm
grep -q '^kvm_intel ' /proc/modules && exit 0
grep -q '^irqbypass ' /proc/modules || insmod $d/irqbypass.ko
grep -q '^kvm ' /proc/modules || insmod $d/kvm.ko $(cat $d/kvm.params)
insmod $d/kvm-intel.ko
