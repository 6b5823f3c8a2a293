# SPDX-License-Identifier: GPL-2.0-or-later
# Plug and play: DKMS, udev, systemd, Debian packages and the full-system
# test in booted Debian 12 and Debian 13 guests.
#   make check-packaging   units, rules, dkms builds (fast; in make check)
#   make check-system      full-system test in qemu (see tests/system/run.sh)
#   make check-system-trixie  the same on Debian 13

include $(TOP)/packaging/packaging.mk

check-packaging: deb
	$(PKG_DIR)/check.sh $(TOP) $(B)/check-packaging

CHECK_TARGETS += check-packaging

# Unit tests of p1ctl's detection judgement and udev-rule generator.
PNP_TEST := $(B)/tests/system/test_pnp
PNP_OBJS := $(B)/obj/p1ctl/autodetect.o $(B)/obj/p1ctl/cmd_udev_rule.o \
	$(B)/obj/p1ctl/util.o $(B)/obj/p1ctl/notify.o
$(B)/tests/system/test_pnp.o: $(TOP)/tests/system/test_pnp.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(P1_CFLAGS) $(P1COMMON_CFLAGS) \
		-I$(TOP)/userspace/p1ctl -I$(TOP)/userspace/common \
		$(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null) -MMD -MP -c -o $@ $<
# (userspace/common/common.mk is included after this file: name it.)
$(PNP_TEST): $(B)/tests/system/test_pnp.o $(PNP_OBJS) $(B)/libp1common.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(P1NL_LIBS) \
		$(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka)

.PHONY: check-pnp
check-pnp: $(PNP_TEST)
	$(if $(shell command -v valgrind 2>/dev/null),valgrind -q --leak-check=full --error-exitcode=9) $(PNP_TEST)

CHECK_TARGETS += check-pnp
-include $(B)/tests/system/test_pnp.d

# The full-system test (a few minutes; see tests/system/run.sh): Debian 12
# with its 6.1 kernel, and Debian 13 with its own 6.12 kernel and p1-dkms
# building n_p1 in the guest's root.
.PHONY: check-system check-system-trixie
check-system: deb
	$(TOP)/tests/system/run.sh $(B)/system $(DEB_OUT)
check-system-trixie: deb
	SYSTEM_SUITE=trixie $(TOP)/tests/system/run.sh $(B)/system-trixie $(DEB_OUT)
CHECK_TARGETS += check-system check-system-trixie
