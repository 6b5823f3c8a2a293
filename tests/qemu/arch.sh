# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the scripts that build n_p1.ko for one of Debian's kernels of
# some architecture (tests/qemu/qemu.sh, tests/cross/cross.sh): sets kmake,
# the make arguments for the kernel's Kbuild, from $arch.
#   amd64  the host's gcc
#   arm64  aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu)
#   i386   the host's gcc: the 686-pae .config makes Kbuild pass -m32 itself
#   armhf  arm-linux-gnueabihf-gcc (gcc-arm-linux-gnueabihf)
# shellcheck shell=bash
case $arch in
amd64) kmake=() ;;
arm64) kmake=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
i386) kmake=(ARCH=i386) ;;
armhf) kmake=(ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-) ;;
*) echo "unknown arch $arch (amd64, arm64, i386, armhf)" >&2; exit 2 ;;
esac
