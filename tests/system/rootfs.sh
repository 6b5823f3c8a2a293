#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The full-system test's base guest: a minimal Debian 12 (systemd, udev,
# kmod, the exporter's runtime libraries) made with debootstrap, packed as
# a tarball and cached under $P1_CACHE/system.  Prints the tarball's path.
#   rootfs.sh
# Rebuilt only when the package list or the mirror changes (its checksum
# is in the name).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}/system
mirror=${P1_DEBIAN_MIRROR:-http://deb.debian.org/debian}
include=systemd,systemd-sysv,udev,kmod,dbus,adduser,libnl-3-200,libnl-genl-3-200,libmicrohttpd12,libyaml-0-2,libcrypt1,libcurl4,libmosquitto1
sum=$(echo "v1 $include $mirror" | sha256sum | cut -c1-12)
tarball=$cache/rootfs-bookworm-$sum.tar
if [ -f "$tarball" ]; then
	echo "$tarball"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "rootfs.sh: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "rootfs.sh: apt-get install debootstrap" >&2; exit 1; }
mkdir -p "$cache"
work=$cache/rootfs.tmp
rm -rf "$work"
echo "rootfs.sh: debootstrap bookworm (minbase + $include), a few minutes once" >&2
t0=$(date +%s)
debootstrap --variant=minbase --include="$include" bookworm "$work" "$mirror" \
	>"$cache/debootstrap.log" 2>&1 ||
	{ tail -20 "$cache/debootstrap.log" >&2; exit 1; }
# No package caches and lists in the image: it only runs, never installs
# from the network.
rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/lib/apt/lists/*
tar -C "$work" -cf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
rm -rf "$work"
rm -f $(ls "$cache"/rootfs-bookworm-*.tar | grep -v "$sum") 2>/dev/null || true
echo "rootfs.sh: done in $(($(date +%s) - t0)) s: $(du -h "$tarball" | cut -f1)" >&2
echo "$tarball"
