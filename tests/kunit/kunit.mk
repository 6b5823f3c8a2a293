# SPDX-License-Identifier: GPL-2.0-or-later
# Layer 2: the KUnit suites of kernel/ (framer, end-to-end through the tty
# receive path) on User-Mode Linux built from Debian's kernel sources, with
# lockdep and KASAN.  Kernel versions: P1_KUNIT_KERNELS (see kunit.sh).
.PHONY: check-kunit
check-kunit:
	$(TOP)/tests/kunit/kunit.sh
CHECK_TARGETS += check-kunit
