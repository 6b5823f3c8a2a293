#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kernel.sh for the kernels of Debian 13's trixie-backports: the newest one
# there (7.3.4 when this was written), resolved and fetched through the
# cached Debian 13 chroot (tests/kbuild/trixie.sh), whose headers the module
# must be built against inside that chroot (7.x needs gcc-14).
#   kernel-trixie.sh SERIES ARCH   SERIES: bpo (whatever backports has) or
#                                  7.N (fails if backports has another);
#                                  ARCH: amd64 or arm64
# Prints "KVER ROOT KDIR BUSYBOX trixie": KDIR is a path inside the chroot
# (build with tests/kbuild/trixie.sh make), the rest as kernel.sh.  The
# unpacked image is cached under $P1_CACHE/qemu[/arm64]/kernels/bpo-KVER.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
series=$1 arch=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}/qemu
trixie=$top/tests/kbuild/trixie.sh
log() { echo "kernel-trixie.sh: $*" >&2; }
case $arch in
amd64) aq= ;;
arm64) aq=:arm64 cache=$cache/arm64 ;;
*) log "unknown arch $arch"; exit 2 ;;
esac

read -r troot kbase < <("$trixie" root)
case $series in
bpo) ;;
*)
	if [ "${kbase#"$series".}" = "$kbase" ]; then
		log "trixie-backports has $kbase, not $series: use the series bpo"
		exit 1
	fi
	;;
esac
kver=$kbase-$arch
kdir=/usr/src/linux-headers-$kver
[ -f "$troot$kdir/Makefile" ] || { log "no $kdir in $troot"; exit 1; }

# Since 7.x, linux-image-KVER is empty and depends on linux-binary-KVER
# (vmlinuz, in /usr/lib/modules/KVER), linux-modules-KVER and
# linux-base-KVER (modules.builtin, modules.order, config).
img=$("$trixie" download "linux-image-$kver$aq")
debs=("$img")
for p in $(dpkg-deb -f "$img" Depends | tr ',|' '\n\n' | awk -v k="$kver" '
	$1 ~ /^linux-(binary|modules|base)-/ && substr($1, length($1) - length(k) + 1) == k {
		print $1
	}'); do
	debs+=("$("$trixie" download "$p$aq")")
done
root=$cache/kernels/bpo-$kver
stamp="$kver $(for d in "${debs[@]}"; do basename "$d"; done | tr '\n' ' ')"
if [ "$(cat "$root/.version" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$root"
	mkdir -p "$root/boot" "$root/lib/modules"
	for d in "${debs[@]}"; do
		log "unpacking $(basename "$d")"
		dpkg-deb -x "$d" "$root"
	done
	# The layout kernel.sh gives: ROOT/boot/vmlinuz-KVER, ROOT/lib/modules.
	if [ -d "$root/usr/lib/modules/$kver" ]; then
		mv "$root/usr/lib/modules/$kver" "$root/lib/modules/"
	fi
	if [ -f "$root/lib/modules/$kver/vmlinuz" ]; then
		mv "$root/lib/modules/$kver/vmlinuz" "$root/boot/vmlinuz-$kver"
	fi
	rm -rf "$root/usr"
	[ -f "$root/boot/vmlinuz-$kver" ] && [ -d "$root/lib/modules/$kver/kernel" ] ||
		{ log "no vmlinuz or modules in ${debs[*]}"; exit 1; }
	depmod -b "$root" "$kver"
	echo "$stamp" >"$root/.version"
	# Backports moved on: drop the unpacked older kernels.
	for old in "$cache/kernels/bpo-"*; do
		[ "$old" = "$root" ] || rm -rf "$old"
	done
fi

if [ "$arch" = amd64 ]; then
	busybox=/bin/busybox
else
	deb=$("$trixie" download busybox-static:arm64)
	bb=$cache/busybox-trixie
	if [ "$(cat "$bb/.version" 2>/dev/null)" != "$(basename "$deb")" ]; then
		rm -rf "$bb"
		mkdir -p "$bb"
		# (merged /usr in Debian 13)
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$bb" ./usr/bin/busybox
		mkdir -p "$bb/bin"
		mv "$bb/usr/bin/busybox" "$bb/bin/busybox"
		basename "$deb" >"$bb/.version"
	fi
	busybox=$bb/bin/busybox
fi
echo "$kver $root $kdir $busybox trixie"
