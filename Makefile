# SPDX-License-Identifier: GPL-2.0-or-later
#
# p1: in-kernel P1 smart-meter framing (n_p1) + libp1 + p1ctl + p1-exporter.
#
#   make            build the module (if kernel headers are found) and userspace
#   make run        build and run the exporter on the built-in emulated meter
#   make check      install build deps if missing, then run every test layer
#   make bench      benchmarks (timings are printed, never asserted)
#   make fuzz       long fuzzing runs
#
# Each part adds its rules in a fragment (*.mk) included below and appends
# to CHECK_TARGETS / BENCH_TARGETS / FUZZ_TARGETS.

.DEFAULT_GOAL := all
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
B := $(TOP)/build
export P1_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/p1

VERSION := $(shell cat $(TOP)/VERSION)
CC ?= cc
CFLAGS ?= -O2 -g
P1_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -fstack-protector-strong \
	-I$(TOP)/include -I$(TOP)/include/uapi -I$(TOP)/kernel \
	-DP1_VERSION='"$(VERSION)"'
PKG_CONFIG ?= pkg-config
# libp1's DLMS decryption (userspace/lib/p1_dlms.c) needs OpenSSL's
# libcrypto: whatever links libp1 links these too.
P1_CRYPTO_LIBS := $(or $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null),-lcrypto)
P1_CRYPTO_STATIC_LIBS := $(or $(shell $(PKG_CONFIG) --static --libs libcrypto 2>/dev/null),-lcrypto -ldl -pthread)

# Kernel module: KDIR defaults to the running kernel's headers, else the
# newest Debian headers installed.
KVER ?= $(shell uname -r)
KDIR ?= $(firstword $(wildcard /lib/modules/$(KVER)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

CHECK_TARGETS :=
BENCH_TARGETS :=
FUZZ_TARGETS :=
ALL_TARGETS :=

include $(sort $(wildcard $(TOP)/userspace/*/*.mk $(TOP)/tests/*.mk $(TOP)/tests/*/*.mk \
	$(TOP)/examples/*.mk))

.PHONY: all module module-clean clean deps check run bench fuzz format

all: $(ALL_TARGETS) $(if $(KDIR),module)

module:
	$(MAKE) -C $(KDIR) M=$(TOP)/kernel W=1 modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(TOP)/kernel clean

deps:
	@$(TOP)/tests/deps.sh all

# Every layer runs even if an earlier one fails; the summary says which.
check: deps
	@$(TOP)/tests/run-layers.sh $(CHECK_TARGETS)

bench: $(BENCH_TARGETS)
fuzz: $(FUZZ_TARGETS)

format:
	clang-format -i $$(git -C $(TOP) ls-files 'userspace/*.[ch]' 'tests/*.c' 'include/p1/*.h')

clean:
	rm -rf $(B)
	-$(MAKE) -C $(TOP)/kernel -f /dev/null clean 2>/dev/null; \
	rm -f $(TOP)/kernel/*.o $(TOP)/kernel/*.ko $(TOP)/kernel/*.mod* \
	      $(TOP)/kernel/.*.cmd $(TOP)/kernel/Module.symvers $(TOP)/kernel/modules.order
