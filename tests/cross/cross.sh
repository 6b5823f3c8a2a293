#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-build n_p1.ko with W=1 against Debian's headers of another
# architecture (fetched and cached by tests/qemu/kernel.sh) and fail on any
# warning or libgcc helper (tests/kbuild/kmod.sh); the 7.x headers of Debian
# 13 in its chroot (tests/kbuild/trixie.sh).
#   cross.sh OUTDIR ARCH [SERIES...]  ARCH: arm64, i386 (686-pae, 6.1 only)
#                                     or armhf (armmp-lpae), see
#                                     tests/qemu/arch.sh; SERIES default
#                                     6.1 6.12
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1 arch=$2
shift 2
[ $# -gt 0 ] || set -- 6.1 6.12
source "$top/tests/qemu/arch.sh"
fail=0
for series in "$@"; do
	builder=
	if ! read -r kver _ kdir _ builder < <("$top/tests/qemu/kernel.sh" "$series" "$arch") ||
		[ -z "${kdir:-}" ]; then
		echo "cross: $arch $series: cannot get the headers"; fail=1; continue
	fi
	opt=()
	[ "$builder" = trixie ] && opt=(--trixie)
	"$top/tests/kbuild/kmod.sh" "${opt[@]}" "$out/kmod-$kver" "$kdir" \
		"${kmake[@]}" || fail=1
done
exit $fail
