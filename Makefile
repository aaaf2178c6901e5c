# SPDX-License-Identifier: GPL-2.0
#
# ccm - out-of-tree build. Kbuild lists the objects; this file only finds
# the kernel to build against and runs the tests.
#
#   make            build ccm.ko (KDIR: the running kernel's build dir when
#                   there is one, else Debian's stock headers, installed
#                   when missing; DKMS passes KERNELRELEASE)
#   make check      everything CI runs; ends with "N passed, N failed"
#   make kunit      FSM and wire-format unit tests (KUnit on UML)
#   make model      the handshake model-checked with SPIN
#   make vmtest     two-node QEMU tests on Debian's stock kernel
#   make vmtest-debug   the fault cases on a KASAN/lockdep kernel built from
#                   Debian's linux-source-6.1 (cached; DEBUG_CASES="a b" for others)
#   make demo       boot two nodes and show the handshake
#   make bench      benchmarks against the RDMA CM (bench/results/)
#   make install    install ccm.ko for KDIR's kernel and run depmod
#   make install-early   the initramfs-tools hook, dracut module, modprobe.d
#   make initramfs-test  boot guests from mkinitramfs images with the hook

CCM_CACHE ?= /var/cache/ccm
export CCM_CACHE
SRC := $(CURDIR)

ifneq ($(KERNELRELEASE),)
ifeq ($(KDIR),)
KDIR := /lib/modules/$(KERNELRELEASE)/build
endif
endif

RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(KDIR),)
ifneq ($(wildcard $(RUNNING_KDIR)/Makefile),)
KDIR := $(RUNNING_KDIR)
else
KDIR = $(shell $(SRC)/scripts/ensure-headers.sh $$($(SRC)/scripts/kver.sh))
endif
endif

# The kernel the QEMU tests boot: always Debian's stock one.
STOCK_KDIR = $(shell $(SRC)/scripts/ensure-headers.sh $$($(SRC)/scripts/kver.sh))

.PHONY: all modules ccmctl clean install install-early initramfs-test kunit \
	model vmtest vmtest-build vmtest-debug check demo bench

all: modules ccmctl

# The administrator's tool (tools/ccmctl/, libc only).
ccmctl:
	$(MAKE) -C tools/ccmctl

modules:
	@kdir="$(KDIR)"; test -n "$$kdir" || { echo "no kernel headers found" >&2; exit 1; }; \
	if [ -f .ccm-kdir ] && [ "$$(cat .ccm-kdir)" != "$$kdir" ]; then \
		$(MAKE) -C "$$kdir" M=$(SRC) clean >/dev/null; fi; \
	echo "$$kdir" > .ccm-kdir; \
	$(MAKE) -C "$$kdir" M=$(SRC) modules

# The source DKMS ships (/usr/src/ccm-*) has no tests/.
clean:
	@kdir="$(KDIR)"; [ -z "$$kdir" ] || $(MAKE) -C "$$kdir" M=$(SRC) clean
	rm -f .ccm-kdir
	$(MAKE) -C tools/ccmctl clean
	[ ! -d tests/impostor/user ] || $(MAKE) -C tests/impostor/user clean

install: modules
	$(MAKE) -C "$(KDIR)" M=$(SRC) modules_install
	depmod -a $$(modinfo -F vermagic $(SRC)/ccm.ko | cut -d' ' -f1)
	$(MAKE) -C tools/ccmctl install

# The early-boot pieces: initramfs-tools hook, dracut module, modprobe.d.
install-early:
	$(MAKE) -C packaging install

# Boots two guests from initramfs images made by Debian's mkinitramfs.
initramfs-test: vmtest-build
	tests/vm/initramfs_test.sh --ko $(SRC)/ccm.ko

kunit:
	tests/kunit/run.sh

# The handshake model-checked with SPIN, generated from ccm_fsm_table.h.
model:
	tests/model/run.sh

vmtest-build:
	$(MAKE) KDIR="$(STOCK_KDIR)" CCM_ROGUE_BUILD=1 modules
	$(MAKE) -C tools/ccmctl static
	$(MAKE) -C tests/impostor/user

vmtest: vmtest-build
	tests/vm/run.sh --ko $(SRC)/ccm.ko --ko $(SRC)/samples/ccm_echo.ko \
		--ko $(SRC)/ccm_rogue.ko --ko $(SRC)/ccm_impostor.ko \
		--bin $(SRC)/tools/ccmctl/ccmctl.static \
		--bin $(SRC)/tests/impostor/user/rdmacm_impostor.static

# The same guests on a debug kernel (KASAN, PROVE_LOCKING, DEBUG_OBJECTS,
# panic_on_warn=1): tests/vm/debug-kernel.sh builds the kernel when missing
# (in $(CCM_CACHE), ~6 min cold) and ccm's modules for it in a copy of this
# tree, then runs the fault cases (or DEBUG_CASES).
DEBUG_CASES ?=
vmtest-debug:
	tests/vm/debug-kernel.sh --run $(DEBUG_CASES)

demo: vmtest-build
	tests/vm/demo.sh --ko $(SRC)/ccm.ko --ko $(SRC)/samples/ccm_echo.ko

# Benchmarks against the RDMA CM on the two-node cluster (bench/README.md).
bench:
	bench/run.sh

check:
	scripts/check.sh

# Debian packages ccm-dkms and ccm-tools, built with dpkg-deb into DEB_OUT
# (packaging/deb/build.sh; installed and removed again by scripts/deb-test.sh).
DEB_OUT ?= $(SRC)/deb-out
.PHONY: deb
deb:
	packaging/deb/build.sh --out "$(DEB_OUT)"
