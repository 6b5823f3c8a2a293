#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The qemu layer: for each kernel series, fetch Debian's stock kernel, build
# n_p1.ko against its headers, build the initramfs and run the guest tests
# under TCG (vmrun.py).
#   qemu.sh OUTDIR P1TEST [P1CTL] -- SERIES...
# SERIES: 6.1, 6.12 (Debian 12), bpo or 7.N (Debian 13 backports; see
# kernel.sh).
# Environment: QEMU_ARCH (amd64, default; arm64: Debian's arm64 kernels on
# qemu-system-aarch64 -M virt; i386: the 686-pae kernel on qemu-system-i386;
# armhf: the armmp-lpae kernel on qemu-system-arm -M virt; the module is
# built for the arch (arch.sh), the binaries must be of it too),
# QEMU_TIMEOUT (per boot, s), QEMU_SMP, QEMU_APPEND, QEMU_VERBOSE,
# QEMU_ALLOW_SKIP (set when p1ctl is not built).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$1 p1test=$2
shift 2
bins=("$p1test")
while [ $# -gt 0 ] && [ "$1" != "--" ]; do bins+=("$1"); shift; done
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- 6.1 6.12

arch=${QEMU_ARCH:-amd64}
source "$here/arch.sh"
vmargs=(--arch "$arch")

fail=0
summary=() dirs=()
for series in "$@"; do
	t0=$(date +%s)
	builder=
	if ! read -r kver root kdir busybox builder < <("$here/kernel.sh" "$series" "$arch") ||
		[ -z "${busybox:-}" ]; then
		echo "qemu: $series: cannot get the kernel"; fail=1; continue
	fi
	d=$out/$kver
	dirs+=("$d")
	rm -f "$d/figures.txt"
	mkdir -p "$d/kmod/kernel" "$d/kmod/include"
	# Sources only (not the in-tree build products), mtimes kept so that
	# Kbuild rebuilds only what changed.
	find "$top/kernel" -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kbuild \
		-o -name Makefile -o -name Kconfig \) ! -name '*.mod.c' \
		-exec cp -p -t "$d/kmod/kernel" {} +
	cp -rp "$top/include/." "$d/kmod/include/"
	# Kernels of Debian 13 (7.x, gcc-14): built in its chroot.
	mk=(make)
	[ "$builder" = trixie ] && mk=("$top/tests/kbuild/trixie.sh" make "$d/kmod")
	if ! "${mk[@]}" -s -C "$kdir" "${kmake[@]}" M="$d/kmod/kernel" modules \
		>"$d/kmod.log" 2>&1; then
		cat "$d/kmod.log"
		echo "qemu: $kver: module build FAILED: ${mk[*]} -C $kdir ${kmake[*]} M=$d/kmod/kernel modules"
		fail=1; continue
	fi
	BUSYBOX=$busybox "$here/initramfs.sh" "$d/initrd.cpio" "$kver" "$root" \
		"$d/kmod/kernel/n_p1.ko" "$here/guest/init" "${bins[@]}"
	args=(--kernel "$root/boot/vmlinuz-$kver" --initrd "$d/initrd.cpio"
		--out "$d" --name "$series" --timeout "${QEMU_TIMEOUT:-300}"
		--smp "${QEMU_SMP:-2}" --append "${QEMU_APPEND:-}" "${vmargs[@]}")
	[ -n "${QEMU_VERBOSE:-}" ] && args+=(-v)
	[ -n "${QEMU_ALLOW_SKIP:-}" ] && args+=(--allow-skip)
	if python3 "$here/vmrun.py" "${args[@]}"; then
		r=PASS
	else
		r=FAIL; fail=1
	fi
	summary+=("$series ($kver): $r in $(($(date +%s) - t0)) s; logs in $d")
done
echo "=== qemu layer ($arch) ==="
for s in "${summary[@]}"; do echo "  $s"; done
# The stream figures, one line per kernel and mode, for the report.
for d in "${dirs[@]}"; do
	f=$d/figures.txt
	[ -f "$f" ] || continue
	awk -F= -v k="$(basename "$(dirname "$f")")" '
		{ v[$1] = $2 }
		END {
			for (m = 0; m < 2; m++) {
				t = m ? "stream.p1ctl" : "stream.ioctl"
				if (!((t ".records") in v)) continue
				printf "  %s %s: sent %s telegrams (%s good, %s bad CRC, %s no CRC), %s truncated, %s glued, %s oversize, %s bytes; received %s/%s/%s (reader 2 all); counters: telegrams %s crc_errors %s crc_missing %s truncated %s recovered %s oversize %s garbage_bytes %s rx_bytes %s reader_overruns %s; %s s, %s telegrams/s, %s MB/s\n",
					k, t, v[t ".sent_completed"], v[t ".sent_good"], v[t ".kind_bad_crc"], v[t ".kind_no_crc"],
					v[t ".kind_truncated"], v[t ".kind_glued"], v[t ".kind_oversize"], v[t ".bytes"],
					v[t ".received_reader0"], v[t ".received_reader1"], v[t ".received_reader2"],
					v[t ".telegrams"], v[t ".crc_errors"], v[t ".crc_missing"], v[t ".truncated"],
					v[t ".recovered"], v[t ".oversize"], v[t ".garbage_bytes"], v[t ".rx_bytes"],
					v[t ".reader_overruns"], v[t ".elapsed_s"], v[t ".telegrams_per_s"], v[t ".mb_per_s"]
			}
			printf "  %s: boot to power-off %s s\n", k, v["elapsed_s"]
		}' "$f"
done
exit $fail
