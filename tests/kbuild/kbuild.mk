# SPDX-License-Identifier: GPL-2.0-or-later
# Layer: the module builds warning-free (W=1) against Debian's 6.1 and 6.12
# headers, and checkpatch --strict is clean.
.PHONY: check-kbuild
check-kbuild:
	$(TOP)/tests/kbuild/kbuild.sh $(B)
CHECK_TARGETS += check-kbuild
