# SPDX-License-Identifier: GPL-2.0
#
# axvm top-level Makefile. `make help` lists the targets.
#
# KDIR: kernel build tree for `make module` (default: the running kernel's,
# else the newest installed Debian linux-headers-*-amd64 of KSERIES).
# KVER: the Debian kernel the test machine boots (default: newest KSERIES).

KSERIES ?= 6.1
KVER ?= $(shell scripts/kver.sh $(KSERIES) 2>/dev/null)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(origin KDIR),undefined)
ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR := $(RUNNING_KDIR)
else
KDIR := /usr/src/linux-headers-$(KVER)
endif
endif

BUILD := $(CURDIR)/build
KMOD := $(BUILD)/kmod/$(KVER)
MODSRC = Kbuild VERSION $(shell find module uapi -name "*.[chS]")
W ?=

# make install / uninstall. The module goes to /lib/modules/IKVER/INSTALL_MOD_DIR:
# IKVER is KVER when given on the command line (then KO defaults to the
# staged build/kmod/KVER/axvm.ko), else KDIR's kernel release, else the
# running kernel's. depmod runs only when DESTDIR is empty.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_MOD_DIR ?= updates
ifeq ($(origin KVER),command line)
IKVER := $(KVER)
KO ?= $(KMOD)/axvm.ko
else
# (UTS_RELEASE: Debian's include/config/kernel.release has the upstream
# version, not the package's release.)
IKVER := $(or $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	   $(KDIR)/include/generated/utsrelease.h 2>/dev/null),$(shell uname -r))
KO ?= $(CURDIR)/axvm.ko
endif
UAPI_H := axvm.h axvm_genl.h axvm_names.h

.PHONY: all help setup module machine-module userland axctl selftests guests install \
	uninstall install-module \
	demo check check-all kunit machine-check host-check bench bench-baseline clean

all: module userland

help:
	@echo "make setup          install build/test dependencies (apt-get, idempotent)"
	@echo "make / make all     axvm.ko (against KDIR) + axctl + selftests"
	@echo "make module         axvm.ko for KDIR=$(KDIR), with BTF when vmlinux is found"
	@echo "make demo           the main job: boot the test machine, insmod, axctl create/start the demo guest"
	@echo "make check          all tests: host checks, KUnit, test machine (Debian $(KSERIES))"
	@echo "make check-all      make check, plus the machine stage on Debian 6.12"
	@echo "make kunit          KUnit suites through kunit.py (UML)"
	@echo "make machine CMD='…' run a shell command in the test machine (CPUS=2 for two CPUs)"
	@echo "make bench          exit-cost benchmark against kvm_intel"
	@echo "make bench-baseline WHY='…' regenerate bench_test's regression baseline"
	@echo "make install        axvm.ko, udev rule (group kvm), axctl, man page, completion, uapi"
	@echo "                    headers (DESTDIR, PREFIX=$(PREFIX), KVER=staged build; see README)"
	@echo "make uninstall      removes what make install installed (same variables)"

setup:
	@scripts/setup.sh

# In-place build, as DKMS would do it (use on a real VT-x host).
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules
	@scripts/module-btf.sh $(KDIR) axvm.ko

# Staged build for the test machine's kernel: build/kmod/KVER/axvm.ko.
machine-module:
	@test -n "$(KVER)" || { echo "no Debian kernel of series $(KSERIES) installed (make setup)"; exit 1; }
	@mkdir -p $(KMOD)
	@cp -a --parents $(MODSRC) $(KMOD)/
	$(MAKE) -C /usr/src/linux-headers-$(KVER) M=$(KMOD) W=$(W) modules
	@scripts/module-btf.sh /usr/src/linux-headers-$(KVER) $(KMOD)/axvm.ko $(KMOD)/axvm-btf.ko

userland: axctl selftests guests

axctl:
	$(MAKE) -C userland/axctl

# The benchmark program goes next to the selftests (bin/axvm_bench, and
# bin/bench_test: its short --check mode, run by the selftest runner).
selftests:
	$(MAKE) -C tests/selftests
	$(MAKE) -C tests/bench

guests:
	$(MAKE) -C tests/guests

# On a real VT-x host: `make && sudo make install` (or DKMS: dkms.conf).
install: install-module axctl
	install -D -m 644 scripts/99-axvm.rules $(DESTDIR)/etc/udev/rules.d/99-axvm.rules
	$(MAKE) -C userland/axctl install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	for h in $(UAPI_H); do \
		install -D -m 644 uapi/linux/$$h $(DESTDIR)$(PREFIX)/include/linux/$$h || exit 1; \
	done
	$(if $(DESTDIR),,depmod -a $(IKVER))

install-module:
	@test -f $(KO) || $(MAKE) module
	install -D -m 644 $(KO) $(DESTDIR)/lib/modules/$(IKVER)/$(INSTALL_MOD_DIR)/axvm.ko

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(IKVER)/$(INSTALL_MOD_DIR)/axvm.ko \
	      $(DESTDIR)/etc/udev/rules.d/99-axvm.rules \
	      $(DESTDIR)$(PREFIX)/sbin/axctl \
	      $(DESTDIR)$(PREFIX)/share/man/man8/axctl.8 \
	      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/axctl \
	      $(addprefix $(DESTDIR)$(PREFIX)/include/linux/,$(UAPI_H))
	$(if $(DESTDIR),,depmod -a $(IKVER))

machine: machine-module userland
	tests/machine/machine.sh --kver $(KVER) --cpus $(or $(CPUS),1) --name adhoc --cmd '$(CMD)'

demo: setup
	@$(MAKE) --no-print-directory machine-module userland
	tests/machine/machine.sh --kver $(KVER) --name demo --job tests/machine/demo.sh

check: setup
	@scripts/check.sh

check-all: setup
	@AXVM_KSERIES_ALL="6.1 6.12" scripts/check.sh

kunit: setup
	@tests/kunit/run.sh

# Boots the test machine: axvm, then kvm_intel, in one boot; writes
# build/bench/bench.{md,json,png}. On a real VT-x host: tests/bench/run.sh --host.
bench: setup
	@$(MAKE) --no-print-directory machine-module userland
	tests/bench/run.sh --kver $(KVER)

# bench_test's regression gate: tests/bench/baseline.json from one boot of
# the 1-CPU test machine (Documentation/bench.rst, "The regression gate").
bench-baseline: setup
	@$(MAKE) --no-print-directory machine-module userland
	tests/bench/baseline.sh --kver $(KVER) "$(WHY)"

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C userland/axctl clean
	-$(MAKE) -C tests/selftests clean
	-$(MAKE) -C tests/bench clean
	rm -rf $(BUILD)
