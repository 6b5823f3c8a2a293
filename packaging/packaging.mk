# SPDX-License-Identifier: GPL-2.0-or-later
# DKMS and Debian packages (included from tests/system/system.mk).
#   make dkms-install [KVER=...]  stage /usr/src/p1-$(VERSION), dkms add,
#                                 build and install for KVER (default: the
#                                 running kernel); later kernels are built
#                                 by dkms' autoinstall
#   make dkms-remove              dkms remove p1/$(VERSION) --all
#   make deb                      build/deb/*.deb (p1-dkms, p1-tools,
#                                 p1-exporter, libp1-0, libp1-dev)
#   make check-packaging          units, rules, dkms build for 6.1 and
#                                 6.12 in a scratch dkms tree, lintian

PKG_DIR := $(TOP)/packaging
DKMS_SRC := $(B)/dkms/p1-$(VERSION)
DKMS_KVER ?= $(KVER)

.PHONY: dkms-src dkms-install dkms-remove deb check-packaging

dkms-src:
	$(PKG_DIR)/dkms-src.sh $(TOP) $(DKMS_SRC)

dkms-install: dkms-src
	@[ "$$(id -u)" = 0 ] || { echo "dkms-install: run as root" >&2; exit 1; }
	-dkms remove -m p1 -v $(VERSION) --all >/dev/null 2>&1
	rm -rf /usr/src/p1-$(VERSION)
	cp -a $(DKMS_SRC) /usr/src/p1-$(VERSION)
	dkms add -m p1 -v $(VERSION)
	dkms build -m p1 -v $(VERSION) -k $(DKMS_KVER)
	dkms install -m p1 -v $(VERSION) -k $(DKMS_KVER)

dkms-remove:
	@[ "$$(id -u)" = 0 ] || { echo "dkms-remove: run as root" >&2; exit 1; }
	-dkms remove -m p1 -v $(VERSION) --all
	rm -rf /usr/src/p1-$(VERSION)

# The packaged binaries: built apart ($(B)/deb-build) with Debian's
# hardening flags.
DEB_OUT := $(B)/deb
DEB_B := $(B)/deb-build
deb:
	$(MAKE) --no-print-directory B=$(DEB_B) \
		CFLAGS="$$(dpkg-buildflags --get CFLAGS) $$(dpkg-buildflags --get CPPFLAGS)" \
		LDFLAGS="$$(dpkg-buildflags --get LDFLAGS)" \
		$(DEB_B)/p1ctl $(DEB_B)/p1-exporter $(DEB_B)/lib/libp1.so.0 \
		$(DEB_B)/lib/libp1.a
	$(PKG_DIR)/mkdeb.sh $(TOP) $(DEB_OUT) $(DEB_B)/p1ctl $(DEB_B)/p1-exporter \
		$(DEB_B)/lib
