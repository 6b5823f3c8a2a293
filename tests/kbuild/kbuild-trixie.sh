#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build n_p1.ko with W=1 against the newest kernel of Debian 13's
# trixie-backports (7.3.4 when this was written), amd64 and arm64 (cross),
# inside the cached Debian 13 chroot (tests/kbuild/trixie.sh: 7.x headers
# need gcc-14, which Debian 12 lacks).  Any warning or libgcc helper fails
# (tests/kbuild/kmod.sh).
#   kbuild-trixie.sh OUTDIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
here=$(cd "$(dirname "$0")" && pwd)
out=$1
t0=$(date +%s)
read -r root kbase < <("$here/trixie.sh" root)
echo "kbuild-trixie: chroot $root, trixie-backports kernel $kbase ($(($(date +%s) - t0)) s)"
fail=0
"$here/kmod.sh" --trixie "$out/kmod-$kbase-amd64" "/usr/src/linux-headers-$kbase-amd64" ||
	fail=1
"$here/kmod.sh" --trixie "$out/kmod-$kbase-arm64" "/usr/src/linux-headers-$kbase-arm64" \
	ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- || fail=1
exit $fail
