#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel a Debian release's full-system guest boots: the one installed
# in its debootstrap base (rootfs.sh SUITE), unpacked once from the tarball
# into $P1_CACHE/system/kernel-SUITE-SUM (vmlinuz and modules, for the
# initramfs).
#   suite-kernel.sh SUITE     prints "KVER KROOT" (KROOT/boot/vmlinuz-KVER)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
here=$(cd "$(dirname "$0")" && pwd)
suite=$1
tarball=$("$here/rootfs.sh" "$suite")
sum=$(basename "$tarball" .tar)
kroot=$(dirname "$tarball")/kernel-${sum#rootfs-}
if [ ! -f "$kroot/.version" ]; then
	rm -rf "$kroot" "$kroot.tmp"
	mkdir -p "$kroot.tmp"
	# merged /usr (Debian 13): the modules live in usr/lib; kernel.sh's
	# layout, which image.sh expects, is lib/
	m=./lib/modules
	tar -tf "$tarball" ./usr/lib/modules >/dev/null 2>&1 && m=./usr/lib/modules
	tar -C "$kroot.tmp" -xf "$tarball" --wildcards './boot/vmlinuz-*' "$m"
	if [ -d "$kroot.tmp/usr/lib/modules" ] && [ ! -e "$kroot.tmp/lib/modules" ]; then
		mkdir -p "$kroot.tmp/lib"
		mv "$kroot.tmp/usr/lib/modules" "$kroot.tmp/lib/modules"
	fi
	ls "$kroot.tmp/boot/" | sed -n 's/^vmlinuz-//p' | head -n1 >"$kroot.tmp/.version"
	[ -s "$kroot.tmp/.version" ] || { echo "suite-kernel.sh: no kernel in $tarball" >&2; exit 1; }
	mv "$kroot.tmp" "$kroot"
	# Older unpacked kernels of this suite.
	for old in "$(dirname "$tarball")/kernel-$suite-"*; do
		[ "$old" = "$kroot" ] || rm -rf "$old"
	done
fi
echo "$(cat "$kroot/.version") $kroot"
