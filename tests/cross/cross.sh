#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-build n_p1.ko with W=1 against Debian's headers of another
# architecture (fetched and cached by tests/qemu/kernel.sh) and fail on any
# warning.
#   cross.sh OUTDIR ARCH [SERIES...]     ARCH: arm64; SERIES default 6.1 6.12
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1 arch=$2
shift 2
[ $# -gt 0 ] || set -- 6.1 6.12
case $arch in
arm64) cross=aarch64-linux-gnu- ;;
*) echo "cross: unsupported ARCH $arch (arm64)"; exit 2 ;;
esac
fail=0
for series in "$@"; do
	if ! read -r kver _ kdir _ < <("$top/tests/qemu/kernel.sh" "$series" "$arch") ||
		[ -z "${kdir:-}" ]; then
		echo "cross: $arch $series: cannot get the headers"; fail=1; continue
	fi
	d=$out/kmod-$kver
	rm -rf "$d"; mkdir -p "$d/kernel"
	find "$top/kernel" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kbuild \
		-o -name Makefile -o -name Kconfig \) ! -name '*.mod.c' \
		-exec cp -t "$d/kernel" {} +
	cp -r "$top/include" "$d/"
	log=$d/build.log
	if ! make -s -C "$kdir" ARCH="$arch" CROSS_COMPILE="$cross" M="$d/kernel" \
		W=1 modules >"$log" 2>&1; then
		cat "$log"; echo "cross: $kver: build FAILED"; fail=1; continue
	fi
	if grep -E 'warning:|error:' "$log"; then
		echo "cross: $kver: warnings"; fail=1; continue
	fi
	echo "cross: $kver: OK ($(file -b "$d/kernel/n_p1.ko" | cut -d, -f1-2)," \
		"$(stat -c %s "$d/kernel/n_p1.ko") bytes, W=1 clean)"
done
exit $fail
