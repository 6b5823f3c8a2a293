# SPDX-License-Identifier: GPL-2.0-or-later
# Layer: real-kernel tests in qemu (TCG) on Debian's stock 6.1 and 6.12
# kernels and the newest of Debian 13's trixie-backports (bpo: 7.3; module
# built in a Debian 13 chroot, see docs/kernels.md): module load/unload
# rules, a pty stream through n_p1 with
# concurrent readers and exact counters, p1ctl end to end, and the FTDI
# usb-serial path with hot-unplug.  See tests/qemu/README.md.
#   make check-qemu [QEMU_KERNELS="6.1 6.12 bpo"]
#   make check-qemu-arm64 [QEMU_ARM64_KERNELS="6.1 6.12 bpo"]: the same on
#     Debian's arm64 kernels (qemu-system-aarch64 -M virt), the module and the
#     static guest binaries cross-built (the whole tree with B=$(B)/arm64).
#   make check-qemu-i386 [QEMU_I386_KERNELS=6.1], check-qemu-armhf
#     [QEMU_ARMHF_KERNELS="6.1 6.12"]: 32-bit kernels (686-pae on
#     qemu-system-i386, armmp-lpae on qemu-system-arm -M virt), the guest
#     test binary and p1ctl built static for the arch (gcc -m32,
#     arm-linux-gnueabihf-gcc): all of the suite but the exporter's test.
QEMU_DIR := $(TOP)/tests/qemu
QEMU_KERNELS ?= 6.1 6.12 bpo
QEMU_P1TEST := $(B)/qemu/p1test
QEMU_P1TEST_SRCS := $(wildcard $(QEMU_DIR)/guest/*.c)
# p1ctl goes into the guest when its fragment provides the static build.
QEMU_P1CTL := $(if $(wildcard $(TOP)/userspace/p1ctl/p1ctl.mk),$(B)/static/p1ctl)
# The exporter (kernel source test, tests/exporter/guest-kernel.sh) too.
QEMU_EXPORTER := $(if $(wildcard $(TOP)/userspace/exporter/exporter.mk),\
	$(B)/static/p1-exporter $(B)/static/p1-emulate \
	$(TOP)/tests/exporter/guest-kernel.sh)

# p1test links libp1 (its reader test, guest/reader.c).
$(QEMU_P1TEST): $(QEMU_P1TEST_SRCS) $(wildcard $(QEMU_DIR)/guest/*.h) \
		$(TOP)/include/uapi/linux/p1.h $(B)/lib/libp1.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) -static -o $@ $(QEMU_P1TEST_SRCS) \
		$(B)/lib/libp1.a $(P1_CRYPTO_STATIC_LIBS) -lm 2>$@.log || \
		{ cat $@.log; rm -f $@; exit 1; }
	@# glibc's warnings about dlopen in static programs (OpenSSL's)
	@grep -v -e 'statically linked applications requires at runtime' -e ': in function' $@.log || true
	@rm -f $@.log

.PHONY: check-qemu qemu-guest
qemu-guest: $(QEMU_P1TEST) $(QEMU_P1CTL) $(if $(QEMU_EXPORTER),p1-exporter-static)

check-qemu: qemu-guest
	$(QEMU_DIR)/qemu.sh $(B)/qemu $(QEMU_P1TEST) $(QEMU_P1CTL) $(QEMU_EXPORTER) \
		-- $(QEMU_KERNELS)
CHECK_TARGETS += check-qemu

# arm64: the same rules, cross, in a sub-make with its own build directory.
QEMU_ARM64_KERNELS ?= 6.1 6.12 bpo
QEMU_ARM64_B := $(B)/arm64
QEMU_ARM64_ENV := PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
QEMU_ARM64_MAKE := $(QEMU_ARM64_ENV) $(MAKE) --no-print-directory \
	B=$(QEMU_ARM64_B) CC=aarch64-linux-gnu-gcc
.PHONY: check-qemu-arm64 qemu-guest-arm64
qemu-guest-arm64:
	+$(QEMU_ARM64_MAKE) qemu-guest
check-qemu-arm64: qemu-guest-arm64
	QEMU_ARCH=arm64 $(QEMU_DIR)/qemu.sh $(QEMU_ARM64_B)/qemu \
		$(patsubst $(B)/%,$(QEMU_ARM64_B)/%,$(QEMU_P1TEST) $(QEMU_P1CTL) \
		$(QEMU_EXPORTER)) -- $(QEMU_ARM64_KERNELS)
CHECK_TARGETS += check-qemu-arm64

# 32-bit: the same layer once more per arch, the guest test binary and
# p1ctl built static for it (a sub-make with B=$(B)/ARCH, as check-i386
# does; the arch's libnl from tests/deps.sh).  No exporter: Debian 12's
# libmicrohttpd-dev does not install for i386 next to the amd64 one.
QEMU_I386_KERNELS ?= 6.1
QEMU_ARMHF_KERNELS ?= 6.1 6.12
QEMU_CC_i386 := $(CC) -m32 -idirafter $(B)/i386-include
QEMU_CC_armhf := arm-linux-gnueabihf-gcc
QEMU_PKG_i386 := /usr/lib/i386-linux-gnu/pkgconfig:/usr/share/pkgconfig
QEMU_PKG_armhf := /usr/lib/arm-linux-gnueabihf/pkgconfig:/usr/share/pkgconfig
# $(call qemu_arch32,ARCH,KERNELS)
define qemu_arch32
.PHONY: check-qemu-$(1) qemu-guest-$(1)
qemu-guest-$(1):$(if $(filter i386,$(1)), | $(B)/i386-include/asm)
	+PKG_CONFIG_LIBDIR=$(QEMU_PKG_$(1)) $$(MAKE) --no-print-directory \
		B=$(B)/$(1) CC='$(QEMU_CC_$(1))' $(B)/$(1)/qemu/p1test \
		$(patsubst $(B)/%,$(B)/$(1)/%,$(QEMU_P1CTL))
check-qemu-$(1): qemu-guest-$(1)
	QEMU_ARCH=$(1) $(QEMU_DIR)/qemu.sh $(B)/$(1)/qemu $(B)/$(1)/qemu/p1test \
		$(patsubst $(B)/%,$(B)/$(1)/%,$(QEMU_P1CTL)) -- $(2)
CHECK_TARGETS += check-qemu-$(1)
endef
$(eval $(call qemu_arch32,i386,$(QEMU_I386_KERNELS)))
$(eval $(call qemu_arch32,armhf,$(QEMU_ARMHF_KERNELS)))
