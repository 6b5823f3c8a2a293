# SPDX-License-Identifier: GPL-2.0-or-later
# Layer: real-kernel tests in qemu (TCG) on Debian's stock 6.1 and 6.12
# kernels: module load/unload rules, a pty stream through n_p1 with
# concurrent readers and exact counters, p1ctl end to end, and the FTDI
# usb-serial path with hot-unplug.  See tests/qemu/README.md.
#   make check-qemu [QEMU_KERNELS="6.1 6.12"]
QEMU_DIR := $(TOP)/tests/qemu
QEMU_KERNELS ?= 6.1 6.12
QEMU_P1TEST := $(B)/qemu/p1test
QEMU_P1TEST_SRCS := $(wildcard $(QEMU_DIR)/guest/*.c)
# p1ctl goes into the guest when its fragment provides the static build.
QEMU_P1CTL := $(if $(wildcard $(TOP)/userspace/p1ctl/p1ctl.mk),$(B)/static/p1ctl)
# The exporter (kernel source test, tests/exporter/guest-kernel.sh) too.
QEMU_EXPORTER := $(if $(wildcard $(TOP)/userspace/exporter/exporter.mk),\
	$(B)/static/p1-exporter $(B)/static/p1-emulate \
	$(TOP)/tests/exporter/guest-kernel.sh)

$(QEMU_P1TEST): $(QEMU_P1TEST_SRCS) $(wildcard $(QEMU_DIR)/guest/*.h) \
		$(TOP)/include/uapi/linux/p1.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) -static -o $@ $(QEMU_P1TEST_SRCS)

.PHONY: check-qemu qemu-guest
qemu-guest: $(QEMU_P1TEST) $(QEMU_P1CTL) $(if $(QEMU_EXPORTER),p1-exporter-static)

check-qemu: qemu-guest
	$(QEMU_DIR)/qemu.sh $(B)/qemu $(QEMU_P1TEST) $(QEMU_P1CTL) $(QEMU_EXPORTER) \
		-- $(QEMU_KERNELS)
CHECK_TARGETS += check-qemu
