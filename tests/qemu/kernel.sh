#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Resolve, fetch and unpack one of Debian's stock amd64 kernels for the qemu
# layer, and make sure the matching linux-headers are installed.
#   kernel.sh SERIES        SERIES: 6.1 (linux-image-amd64) or 6.12
# Prints "KVER ROOT KDIR": ROOT/boot/vmlinuz-KVER, ROOT/lib/modules/KVER (with
# modules.dep), KDIR the headers to build n_p1.ko against.  The .deb and the
# unpacked tree are cached under $P1_CACHE/qemu and reused while apt still
# points at the same package version.
set -euo pipefail
series=$1
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}/qemu
case $series in
6.1) meta=linux-image-amd64 ;;
6.12) meta=linux-image-6.12-amd64 ;;
*) echo "kernel.sh: unknown series $series" >&2; exit 2 ;;
esac
log() { echo "kernel.sh: $*" >&2; }

# The image package the meta package points at, and its candidate version.
pkg=$(apt-cache depends "$meta" 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
if [ -n "$pkg" ]; then
	kver=${pkg#linux-image-}
	ver=$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')
else
	# No apt lists: fall back to what is already cached for this series.
	last=$(ls -d "$cache/kernels/$series-"* 2>/dev/null | tail -n1 || true)
	[ -n "$last" ] || { log "cannot resolve $meta from apt"; exit 1; }
	read -r kver ver <"$last/.version"
	pkg=linux-image-$kver
fi

# Matching headers: the module must be built against the same ABI and version.
kdir=/usr/src/linux-headers-$kver
hver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null || true)
if [ ! -d "$kdir" ] || [ "$hver" != "$ver" ]; then
	log "installing linux-headers-$kver=$ver (have '${hver:-none}')"
	if [ "$(id -u)" != 0 ]; then
		log "not root: sudo apt-get install linux-headers-$kver=$ver"; exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"linux-headers-$kver=$ver" >/dev/null
fi

root=$cache/kernels/$series-$kver
if [ "$(cat "$root/.version" 2>/dev/null)" != "$kver $ver" ]; then
	mkdir -p "$cache/debs"
	deb=$cache/debs/${pkg}_${ver/:/%3a}_amd64.deb
	if [ ! -f "$deb" ]; then
		log "downloading $pkg=$ver"
		rm -f "$cache/debs/${pkg}_"*.deb
		(cd "$cache/debs" && apt-get download -qq -o APT::Sandbox::User=root \
			"$pkg=$ver" >/dev/null)
	fi
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
echo "$kver $root $kdir"
