# SPDX-License-Identifier: GPL-2.0-or-later
# Plug and play: DKMS, udev, systemd, Debian packages and the full-system
# test in a booted Debian 12 guest.
#   make check-packaging   units, rules, dkms builds (fast; in make check)
#   make check-system      full-system test in qemu (see tests/system/run.sh)

include $(TOP)/packaging/packaging.mk

check-packaging: deb
	$(PKG_DIR)/check.sh $(TOP) $(B)/check-packaging

CHECK_TARGETS += check-packaging
