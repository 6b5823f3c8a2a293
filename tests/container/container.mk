# SPDX-License-Identifier: GPL-2.0-or-later
# The container image (Containerfile at the top):
#   make container          build the image "p1-exporter" with podman (or
#                           docker), from build/container/
#   make container-context  only lay out build/container/ (rootfs/ with the
#                           exporter and the shared libraries it links, state/)
#   check-container         builds the image, checks its configuration and
#                           files, and runs it (podman run where the machine
#                           can run containers, else its root file system
#                           under chroot as uid 65534): /metrics of the
#                           emulated meter, settings from P1_EXPORTER_*
#
# The image holds the dynamically linked exporter and exactly the shared
# libraries it needs (ldd): Debian has no static libmosquitto or libcurl,
# and an image without MQTT or the DSMR-reader push would be of little use.

CONTAINER_CTX := $(B)/container
CONTAINER_TOOL ?= $(firstword $(shell command -v podman docker 2>/dev/null))

.PHONY: container container-context check-container
container-context: $(B)/p1-exporter
	@rm -rf $(CONTAINER_CTX)
	@mkdir -p $(CONTAINER_CTX)/rootfs/usr/bin $(CONTAINER_CTX)/rootfs/etc \
		$(CONTAINER_CTX)/state/dsmrreader \
		$(CONTAINER_CTX)/rootfs/usr/share/doc/p1-exporter
	strip -o $(CONTAINER_CTX)/rootfs/usr/bin/p1-exporter $(B)/p1-exporter
	@set -e; for lib in $$(ldd $(B)/p1-exporter | \
		sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^\s*\(\/[^ ]*\) .*/\1/p'); do \
		mkdir -p $(CONTAINER_CTX)/rootfs$$(dirname $$lib); \
		cp -L $$lib $(CONTAINER_CTX)/rootfs$$lib; done
	@printf 'root:x:0:0:root:/nonexistent:/nonexistent\nnobody:x:65534:65534:nobody:/nonexistent:/nonexistent\n' \
		>$(CONTAINER_CTX)/rootfs/etc/passwd
	@printf 'root:x:0:\nnogroup:x:65534:\n' >$(CONTAINER_CTX)/rootfs/etc/group
	@printf 'hosts: files dns\n' >$(CONTAINER_CTX)/rootfs/etc/nsswitch.conf
	@cp $(TOP)/LICENSE $(CONTAINER_CTX)/rootfs/usr/share/doc/p1-exporter/copyright
	@cp $(TOP)/Containerfile $(CONTAINER_CTX)/
	@echo "container context in $(CONTAINER_CTX): $$(du -sh $(CONTAINER_CTX)/rootfs | cut -f1)"

container: container-context
	@test -n "$(CONTAINER_TOOL)" || { echo "container: install podman" >&2; exit 1; }
	$(CONTAINER_TOOL) build -t p1-exporter -f $(CONTAINER_CTX)/Containerfile $(CONTAINER_CTX)

check-container: container-context $(B)/p1-emulate
	B=$(B) $(TOP)/tests/container/test.sh

CHECK_TARGETS += check-container
