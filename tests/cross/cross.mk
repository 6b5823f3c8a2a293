# SPDX-License-Identifier: GPL-2.0-or-later
# Cross builds (see docs/testing.md, "arm64 and i386"):
#   make cross [ARCH=arm64] [CROSS_KERNELS="6.1 6.12 bpo"]
#   make cross-module-32   the module for Debian's 32-bit kernels (below)
# n_p1.ko W=1 warning-free against Debian's arm64 6.1 and 6.12 headers and
# the newest of Debian 13's trixie-backports (bpo: 7.3, in a Debian 13
# chroot, see docs/kernels.md), and
# the userspace (p1ctl, p1-exporter, p1-emulate dynamically linked against
# the arm64 libraries; static p1ctl, p1-exporter and the qemu test binary for
# the guests) with the aarch64 cross compiler, all warnings errors, into
# $(B)/arm64.  check-cross runs it and cross-module-32 as a test layer.
CROSS_DIR := $(TOP)/tests/cross
CROSS_KERNELS ?= 6.1 6.12 bpo
CROSS_ARCH := $(or $(ARCH),arm64)
CROSS_B := $(B)/$(CROSS_ARCH)
CROSS_USER := $(if $(wildcard $(TOP)/userspace/p1ctl/p1ctl.mk),p1ctl) \
	$(if $(wildcard $(TOP)/userspace/exporter/exporter.mk),p1-exporter p1-emulate)

.PHONY: cross cross-module cross-user check-cross cross-module-32
cross: cross-module cross-user
cross-module:
	$(CROSS_DIR)/cross.sh $(CROSS_B) $(CROSS_ARCH) $(CROSS_KERNELS)
# 32-bit kernels: n_p1.ko W=1 clean and needing no libgcc 64-bit division
# helper (tests/kbuild/kmod.sh) against Debian's 686-pae (6.1 only: Debian
# 13 has no i386 kernel) and armmp-lpae headers.
CROSS_I386_KERNELS ?= 6.1
CROSS_ARMHF_KERNELS ?= 6.1 6.12
cross-module-32:
	$(CROSS_DIR)/cross.sh $(B)/i386 i386 $(CROSS_I386_KERNELS)
	$(CROSS_DIR)/cross.sh $(B)/armhf armhf $(CROSS_ARMHF_KERNELS)
cross-user:
	@test "$(CROSS_ARCH)" = arm64 || { echo "cross: ARCH=arm64 only"; exit 2; }
	+PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
		$(MAKE) --no-print-directory B=$(CROSS_B) CC=aarch64-linux-gnu-gcc \
		$(CROSS_USER) qemu-guest
	@file $(addprefix $(CROSS_B)/,$(CROSS_USER)) $(CROSS_B)/static/* | \
		sed 's/, BuildID.*//'
check-cross: cross cross-module-32

# 32-bit (i386, like 32-bit Raspberry Pi OS: 32-bit long, pointers and, by
# default, time_t), all warnings errors, three steps:
#  1. every userspace source and the qemu guest test compile with -m32
#     (-fsyntax-only: the exporter itself cannot be linked, Debian 12's
#     libmicrohttpd-dev:i386 does not install next to the amd64 one);
#  2. libp1 with its cmocka suites, the p1ctl suites (against the i386
#     libnl-3 and cmocka of tests/deps.sh) and the exporter's unit tests
#     minus libmicrohttpd ($(P1X_UNIT_PURE)) are built into $(B)/i386 by
#     the ordinary rules (a sub-make with CC='$(CC) -m32 ...' and B) and
#     run;
#  3. the same suites once more with a 64-bit time_t and off_t
#     (-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64, as Debian 13 builds armhf;
#     no time_t or off_t in the cmocka and libnl interfaces they use)
#     into $(B)/i386-t64.
# check-unit also runs an i386 decoder on the whole corpus (same output).
CROSS_I386_SRCS := $(wildcard $(TOP)/userspace/*/*.c $(TOP)/userspace/exporter/*/*.c \
	$(TOP)/tests/qemu/guest/*.c)
CROSS_I386_PKGS := libnl-genl-3.0 libmicrohttpd yaml-0.1 p11-kit-1
CROSS_I386_PKGDIR := /usr/lib/i386-linux-gnu/pkgconfig:/usr/share/pkgconfig
# Recipe-time: the suites' variables come from fragments included later.
CROSS_I386_SUITES = $(LIBP1_UT_BINS) $(P1CTL_UT_BINS) $(P1X_UNIT_PURE) $(RD_T_BIN)
# $(call cross_i386_run,BUILD DIR,EXTRA CFLAGS,SUITES UNDER $(B))
define cross_i386_run
	+PKG_CONFIG_LIBDIR=$(CROSS_I386_PKGDIR) $(MAKE) --no-print-directory \
		B=$(1) CC='$(CC) -m32 -idirafter $(B)/i386-include' \
		CFLAGS='$(CFLAGS) $(2)' $(patsubst $(B)/%,$(1)/%,$(3))
	@set -e; for t in $(patsubst $(B)/%,$(1)/%,$(3)); do \
		echo "--- $${t#$(B)/}"; $$t; done
endef
.PHONY: check-i386
check-i386: | $(B)/i386-include/asm
	@set -e; n=0; for f in $(CROSS_I386_SRCS); do \
		$(CC) -m32 -idirafter $(B)/i386-include $(CFLAGS) $(P1_CFLAGS) \
			$(addprefix -I$(TOP)/userspace/,lib common p1ctl exporter \
				$(addprefix exporter/,sources sinks web)) \
			$$($(PKG_CONFIG) --cflags $(CROSS_I386_PKGS)) \
			-fsyntax-only $$f; n=$$((n + 1)); done; \
	echo "check-i386: $$n sources compile for i386 with -Werror"
	$(call cross_i386_run,$(B)/i386,,$(CROSS_I386_SUITES))
	$(call cross_i386_run,$(B)/i386-t64,-D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64,$(CROSS_I386_SUITES))
	@echo "check-i386: $(words $(CROSS_I386_SUITES)) suites pass for i386" \
		"with a 32-bit and with a 64-bit time_t"
CHECK_TARGETS += check-cross check-i386
