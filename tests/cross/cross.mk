# SPDX-License-Identifier: GPL-2.0-or-later
# Cross builds (see the README section "Raspberry Pi, arm64 and 32-bit"):
#   make cross [ARCH=arm64] [CROSS_KERNELS="6.1 6.12"]
# n_p1.ko W=1 warning-free against Debian's arm64 6.1 and 6.12 headers, and
# the userspace (p1ctl, p1-exporter, p1-emulate dynamically linked against
# the arm64 libraries; static p1ctl, p1-exporter and the qemu test binary for
# the guests) with the aarch64 cross compiler, all warnings errors, into
# $(B)/arm64.  check-cross runs it as a test layer.
CROSS_DIR := $(TOP)/tests/cross
CROSS_KERNELS ?= 6.1 6.12
CROSS_ARCH := $(or $(ARCH),arm64)
CROSS_B := $(B)/$(CROSS_ARCH)
CROSS_USER := $(if $(wildcard $(TOP)/userspace/p1ctl/p1ctl.mk),p1ctl) \
	$(if $(wildcard $(TOP)/userspace/exporter/exporter.mk),p1-exporter p1-emulate)

.PHONY: cross cross-module cross-user check-cross
cross: cross-module cross-user
cross-module:
	$(CROSS_DIR)/cross.sh $(CROSS_B) $(CROSS_ARCH) $(CROSS_KERNELS)
cross-user:
	@test "$(CROSS_ARCH)" = arm64 || { echo "cross: ARCH=arm64 only"; exit 2; }
	+PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig \
		$(MAKE) --no-print-directory B=$(CROSS_B) CC=aarch64-linux-gnu-gcc \
		$(CROSS_USER) qemu-guest
	@file $(addprefix $(CROSS_B)/,$(CROSS_USER)) $(CROSS_B)/static/* | \
		sed 's/, BuildID.*//'
check-cross: cross

# 32-bit (i386, like 32-bit Raspberry Pi OS: 32-bit long, pointers and, by
# default, time_t): every userspace source and the qemu guest test compile
# with -m32 and all warnings as errors.  Compile only: Debian's i386 -dev
# libraries (cmocka, libnl) would need the i386 architecture added, whose
# security index is not reachable here; the libp1 decoder, which needs no
# library, is built and run for i386 on the whole corpus by check-unit.
CROSS_I386_SRCS := $(wildcard $(TOP)/userspace/*/*.c $(TOP)/tests/qemu/guest/*.c)
CROSS_I386_PKGS := libnl-genl-3.0 libmicrohttpd yaml-0.1 p11-kit-1
.PHONY: check-i386
check-i386: | $(B)/i386-include/asm
	@set -e; n=0; for f in $(CROSS_I386_SRCS); do \
		$(CC) -m32 -idirafter $(B)/i386-include $(CFLAGS) $(P1_CFLAGS) \
			$(addprefix -I$(TOP)/userspace/,lib common p1ctl exporter) \
			$$($(PKG_CONFIG) --cflags $(CROSS_I386_PKGS)) \
			-fsyntax-only $$f; n=$$((n + 1)); done; \
	echo "check-i386: $$n sources compile for i386 with -Werror"
CHECK_TARGETS += check-cross check-i386
