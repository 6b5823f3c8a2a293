#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The full-system test on one Debian release: its kernel, the guest image
# with the built packages (image.sh; the debootstrap base is cached), then
# systest.py boots it in qemu (TCG) and drives it.
#   run.sh OUTDIR DEBDIR
# Environment: SYSTEM_SUITE (bookworm, default: Debian 12 with its 6.1
# kernel from tests/qemu/kernel.sh, n_p1 prebuilt by dkms on the host into a
# p1-modules package; trixie: Debian 13 with its own kernel, 6.12, from the
# debootstrap base, and p1-dkms building n_p1 inside the guest's root),
# SYSTEM_SERIES (bookworm's kernel series, 6.1), SYSTEM_PORT (host port for
# the scrape), SYSTEM_TIMEOUT (per boot, s).
# A failing step says which, with the last lines of its log (and the
# guest's console and journal when the boot test fails).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$1 debdir=$2
suite=${SYSTEM_SUITE:-bookworm}
mkdir -p "$out"
t0=$(date +%s)
step="start"
# The step that failed, instead of a bare "Error 1" from make.
trap 'rc=$?; [ $rc -eq 0 ] || echo "system ($suite): FAILED at: $step (exit $rc)" >&2' EXIT
case $suite in
bookworm)
	step="fetching the kernel (tests/qemu/kernel.sh ${SYSTEM_SERIES:-6.1})"
	read -r kver kroot _ < <("$top/tests/qemu/kernel.sh" "${SYSTEM_SERIES:-6.1}")
	;;
trixie)
	step="the Debian 13 base and its kernel (rootfs.sh trixie)"
	read -r kver kroot < <("$here/suite-kernel.sh" trixie)
	;;
*) echo "run.sh: unknown SYSTEM_SUITE $suite" >&2; exit 2 ;;
esac
[ -n "${kroot:-}" ] || exit 1
step="building the guest image (image.sh, $suite, $kver)"
SYSTEM_SUITE=$suite "$here/image.sh" "$out" "$kver" "$kroot" "$debdir"
t1=$(date +%s)
echo "system: $suite guest image for $kver ready in $((t1 - t0)) s"
port=${SYSTEM_PORT:-$((20000 + $$ % 10000))}
step="the boot test (systest.py, $suite, $kver)"
rc=0
python3 "$here/systest.py" --kernel "$kroot/boot/vmlinuz-$kver" \
	--initrd "$out/initrd.cpio" --disk "$out/disk.img" --out "$out" \
	--name "Debian $suite, $kver" \
	--port "$port" --timeout "${SYSTEM_TIMEOUT:-300}" || rc=$?
echo "system: image $((t1 - t0)) s, test $(($(date +%s) - t1)) s; logs in $out"
exit $rc
