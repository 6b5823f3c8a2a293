#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build n_p1.ko from this checkout with W=1 against one kernel header tree
# and judge it: any compiler warning fails, and so does an undefined libgcc
# helper (a 64-bit division that 32-bit kernels do not export).
#   kmod.sh [--trixie] OUTDIR KDIR [MAKEARGS...]
# OUTDIR gets a fresh copy of kernel/ and include/ and the build log;
# --trixie runs make in the Debian 13 chroot (tests/kbuild/trixie.sh), KDIR
# being a path inside it.  MAKEARGS: ARCH=, CROSS_COMPILE= and the like.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
runner=(make)
if [ "${1:-}" = --trixie ]; then
	runner=("$top/tests/kbuild/trixie.sh" make)
	shift
fi
out=$1 kdir=$2
shift 2
label=$(basename "$out")
rm -rf "$out"
mkdir -p "$out/kernel"
out=$(cd "$out" && pwd)
find "$top/kernel" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kbuild \
	-o -name Makefile -o -name Kconfig \) ! -name '*.mod.c' \
	-exec cp -t "$out/kernel" {} +
cp -r "$top/include" "$out/"
if [ "${runner[0]}" = make ]; then
	mk=(make -s -C "$kdir")
else
	mk=("${runner[@]}" "$out" -s -C "$kdir")
fi
log=$out/build.log
if ! "${mk[@]}" M="$out/kernel" W=1 "$@" modules >"$log" 2>&1; then
	cat "$log"
	echo "kmod: $label: build FAILED: ${mk[*]} M=$out/kernel W=1 $* modules"
	exit 1
fi
if grep -E 'warning:|error:' "$log"; then
	echo "kmod: $label: warnings (log: $log)"
	exit 1
fi
ko=$out/kernel/n_p1.ko
# libgcc's 64-bit division and modulo helpers, x86 and ARM EABI names.
helpers=$(nm -u "$ko" | awk '$2 ~ /^__(u?(div|mod)di3|udivmoddi4|divmoddi4|aeabi_u?ldivmod)$/ { print $2 }')
if [ -n "$helpers" ]; then
	echo "kmod: $label: needs libgcc helpers the kernel does not export:" $helpers
	exit 1
fi
echo "kmod: $label: OK ($(file -b "$ko" | cut -d, -f1-2), $(stat -c %s "$ko") bytes," \
	"W=1 clean, no libgcc helpers)"
