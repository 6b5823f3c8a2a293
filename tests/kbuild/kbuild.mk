# SPDX-License-Identifier: GPL-2.0-or-later
# Layer: the module builds warning-free (W=1), with no libgcc helper,
# against Debian's 6.1 and 6.12 headers, and checkpatch --strict is clean.
.PHONY: check-kbuild check-kbuild-trixie
check-kbuild:
	$(TOP)/tests/kbuild/kbuild.sh $(B)/kbuild
CHECK_TARGETS += check-kbuild

# Layer: the same against the newest kernel in Debian 13's trixie-backports
# (7.3), amd64 and arm64, built in a cached Debian 13 chroot (gcc-14); see
# docs/kernels.md.
check-kbuild-trixie:
	$(TOP)/tests/kbuild/kbuild-trixie.sh $(B)/kbuild-trixie
CHECK_TARGETS += check-kbuild-trixie
