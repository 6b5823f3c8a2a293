#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Resolve, fetch and unpack one of Debian's stock kernels for the qemu
# layer, and make sure the matching linux-headers are there.
#   kernel.sh SERIES [ARCH]   SERIES: 6.1 (linux-image-FLAVOUR) or 6.12; bpo
#                             or 7.N: Debian 13 backports (kernel-trixie.sh,
#                             amd64 and arm64);
#                             ARCH: amd64 (default), arm64, i386 (flavour
#                             686-pae, 6.1 only: Debian 13 has no i386
#                             kernel) or armhf (flavour armmp-lpae)
# Prints "KVER ROOT KDIR BUSYBOX": ROOT/boot/vmlinuz-KVER, ROOT/lib/modules/KVER
# (with modules.dep), KDIR the headers to build n_p1.ko against, BUSYBOX a
# static busybox for the guest.  The .deb and the unpacked tree are cached
# under $P1_CACHE/qemu (other arches: $P1_CACHE/qemu/ARCH) and reused while
# apt still points at the same package version.
# amd64: the headers are installed with apt.  The foreign arches (need "dpkg
# --add-architecture ARCH", tests/deps.sh): the image, linux-headers-KVER
# and busybox-static are apt-get downloaded for ARCH and unpacked into the
# cache; those headers use the host's linux-kbuild and the arch-independent
# linux-headers-*-common, installed with apt.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
series=$1 arch=${2:-amd64}
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}/qemu
case $arch in
amd64) aq= flavour=amd64 ;;
arm64) aq=:arm64 flavour=arm64 cache=$cache/arm64 ;;
i386) aq=:i386 flavour=686-pae cache=$cache/i386 ;;
armhf) aq=:armhf flavour=armmp-lpae cache=$cache/armhf ;;
*) echo "kernel.sh: unknown arch $arch" >&2; exit 2 ;;
esac
case $series in
bpo | 7.*) exec "$(dirname "$0")/kernel-trixie.sh" "$series" "$arch" ;;
6.1) meta=linux-image-$flavour ;;
6.12) meta=linux-image-6.12-$flavour ;;
*) echo "kernel.sh: unknown series $series" >&2; exit 2 ;;
esac
log() { echo "kernel.sh: $*" >&2; }
# fetch PKG VER: the cached .deb of PKG=VER for $arch (downloaded if missing).
fetch() {
	local deb=$cache/debs/${1}_${2/:/%3a}_$arch.deb
	if [ ! -f "$deb" ]; then
		log "downloading $1$aq=$2"
		mkdir -p "$cache/debs"
		rm -f "$cache/debs/${1}_"*.deb
		(cd "$cache/debs" && apt-get download -qq -o APT::Sandbox::User=root \
			-o Acquire::Retries=5 \
			"$1$aq=$2" >/dev/null)
	fi
	echo "$deb"
}
apt_install() {
	log "installing $*"
	if [ "$(id -u)" != 0 ]; then
		log "not root: sudo apt-get install $*"; exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
		-o Acquire::Retries=5 install -y -qq --no-install-recommends \
		"$@" >/dev/null
}

# The image package the meta package points at, and its candidate version.
pkg=$(apt-cache depends "$meta$aq" 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-/ && !p { print $2; p = 1 }')
pkg=${pkg%:*}
if [ -n "$pkg" ]; then
	kver=${pkg#linux-image-}
	ver=$(apt-cache policy "$pkg$aq" | awk '$1 == "Candidate:" { print $2 }')
else
	# No apt lists: fall back to what is already cached for this series.
	last=$(ls -d "$cache/kernels/$series-"* 2>/dev/null | tail -n1 || true)
	[ -n "$last" ] || { log "cannot resolve $meta from apt"; exit 1; }
	read -r kver ver <"$last/.version"
	pkg=linux-image-$kver
fi

# Matching headers: the module must be built against the same ABI and version.
if [ "$arch" = amd64 ]; then
	kdir=/usr/src/linux-headers-$kver
	hpkg=linux-headers-$kver
	busybox=/bin/busybox
else
	# Foreign headers need the common part and the host's kbuild.
	hpkg=linux-headers-${kver%-"$flavour"}-common
	busybox=$cache/busybox/bin/busybox
fi
hver=$(dpkg-query -W -f='${Version}' "$hpkg" 2>/dev/null || true)
if [ ! -d "/usr/src/$hpkg" ] || [ "$hver" != "$ver" ]; then
	apt_install "$hpkg=$ver"
fi
if [ "$arch" != amd64 ]; then
	h=$cache/headers/$series
	kdir=$h/usr/src/linux-headers-$kver
	if [ "$(cat "$h/.version" 2>/dev/null)" != "$kver $ver" ]; then
		deb=$(fetch "linux-headers-$kver" "$ver")
		rm -rf "$h"; mkdir -p "$h"
		dpkg-deb -x "$deb" "$h"
		# scripts, tools: relative links into linux-kbuild; use the host's.
		find "$kdir" -maxdepth 1 -type l | while read -r l; do
			t=$(readlink "$l")
			case $t in ../../lib/*) ln -sfn "/usr/${t#../../}" "$l" ;; *) continue ;; esac
			kb=${t#../../lib/}
			kb=${kb%%/*}
			[ -d "/usr/lib/$kb" ] || apt_install "$kb=$ver"
		done
		echo "$kver $ver" >"$h/.version"
	fi
	bver=$(apt-cache policy "busybox-static$aq" | awk '$1 == "Candidate:" { print $2 }')
	# (No apt lists: keep what is cached.)
	if [ "$(cat "$cache/busybox/.version" 2>/dev/null)" != "$bver" ] &&
		{ [ -n "$bver" ] || [ ! -x "$busybox" ]; }; then
		deb=$(fetch busybox-static "$bver")
		rm -rf "$cache/busybox"; mkdir -p "$cache/busybox"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$cache/busybox" ./bin/busybox
		echo "$bver" >"$cache/busybox/.version"
	fi
fi

root=$cache/kernels/$series-$kver
if [ "$(cat "$root/.version" 2>/dev/null)" != "$kver $ver" ]; then
	deb=$(fetch "$pkg" "$ver")
	log "unpacking $(basename "$deb")"
	rm -rf "$root"; mkdir -p "$root"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$root" --wildcards './boot/vmlinuz-*' './lib/modules/*'
	depmod -b "$root" "$kver"
	echo "$kver $ver" >"$root/.version"
	# apt moved on: drop what older versions of this series left behind.
	for old in "$cache/kernels/$series-"*; do
		[ "$old" = "$root" ] || rm -rf "$old"
	done
	for old in "$cache/debs/"*.deb; do
		case $old in
		"$deb") ;;
		*/linux-image-"$series".*) rm -f "$old" ;;
		esac
	done
fi
echo "$kver $root $kdir $busybox"
