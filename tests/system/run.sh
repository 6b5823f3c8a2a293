#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The full-system test: Debian's 6.1 kernel (tests/qemu/kernel.sh, cached),
# the guest image with the built packages (image.sh; the debootstrap base is
# cached), then systest.py boots it in qemu (TCG) and drives it.
#   run.sh OUTDIR DEBDIR
# Environment: SYSTEM_SERIES (6.1), SYSTEM_PORT (host port for the scrape),
# SYSTEM_TIMEOUT (per boot, s).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$1 debdir=$2
series=${SYSTEM_SERIES:-6.1}
mkdir -p "$out"
t0=$(date +%s)
read -r kver kroot _ < <("$top/tests/qemu/kernel.sh" "$series")
"$here/image.sh" "$out" "$kver" "$kroot" "$debdir"
t1=$(date +%s)
echo "system: guest image for $kver ready in $((t1 - t0)) s"
port=${SYSTEM_PORT:-$((20000 + $$ % 10000))}
rc=0
python3 "$here/systest.py" --kernel "$kroot/boot/vmlinuz-$kver" \
	--initrd "$out/initrd.cpio" --disk "$out/disk.img" --out "$out" \
	--port "$port" --timeout "${SYSTEM_TIMEOUT:-300}" || rc=$?
echo "system: image $((t1 - t0)) s, test $(($(date +%s) - t1)) s; logs in $out"
exit $rc
