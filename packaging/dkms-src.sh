#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Stage the DKMS source tree of n_p1: dkms.conf with the version from the
# VERSION file, kernel/ (sources, Kbuild; no tests, no build products) and
# the UAPI header the module includes.
#   dkms-src.sh TOP OUTDIR        OUTDIR becomes .../p1-<version>
set -euo pipefail
top=$1 out=$2
ver=$(cat "$top/VERSION")
case $ver in
'' | *[!0-9A-Za-z.+~-]*) echo "dkms-src.sh: bad VERSION '$ver'" >&2; exit 1 ;;
esac
rm -rf "$out"
mkdir -p "$out/kernel" "$out/include/uapi/linux"
sed "s/@VERSION@/$ver/" "$top/dkms.conf" >"$out/dkms.conf"
for f in "$top"/kernel/*.[ch] "$top"/kernel/Kbuild "$top"/kernel/Makefile \
	"$top"/kernel/Kconfig; do
	case ${f##*/} in
	*test*.c | *.mod.c) continue ;;
	esac
	cp -p "$f" "$out/kernel/"
done
cp -p "$top/include/uapi/linux/p1.h" "$out/include/uapi/linux/"
cp -p "$top/LICENSE" "$out/" 2>/dev/null || true
