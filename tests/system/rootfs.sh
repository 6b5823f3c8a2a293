#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The full-system test's base guest: a minimal Debian (systemd, udev, kmod,
# the exporter's runtime libraries) made with debootstrap, packed as a
# tarball and cached under $P1_CACHE/system.  Prints the tarball's path.
#   rootfs.sh [SUITE]   bookworm (default) or trixie
# trixie also gets its own kernel (linux-image-amd64, 6.12), the headers,
# gcc and dkms: the p1-dkms package builds n_p1 inside the guest's root, with
# Debian 13's compiler, as on a user's machine.
# Rebuilt only when the package list or the mirror changes (its checksum
# is in the name).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
suite=${1:-bookworm}
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}/system
mirror=${P1_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The packages' runtime dependencies (p1-exporter's and p1-tools' Depends:
# a new one there must be added here, or dpkg -i in image.sh fails saying
# which); Debian 13 renamed some (64-bit time_t: libfoo -> libfoot64).
base=systemd,systemd-sysv,udev,kmod,dbus,adduser,libnl-3-200,libnl-genl-3-200
case $suite in
bookworm)
	include=$base,libmicrohttpd12,libyaml-0-2,libcrypt1,libcurl4,libmosquitto1
	;;
trixie)
	include=$base,libmicrohttpd12t64,libyaml-0-2,libcrypt1,libcurl4t64,libmosquitto1
	include=$include,linux-image-amd64,linux-headers-amd64,dkms,gcc,make
	;;
*) echo "rootfs.sh: unknown suite $suite (bookworm, trixie)" >&2; exit 2 ;;
esac
sum=$(echo "v1 $include $mirror" | sha256sum | cut -c1-12)
tarball=$cache/rootfs-$suite-$sum.tar
if [ -f "$tarball" ]; then
	echo "$tarball"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "rootfs.sh: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "rootfs.sh: apt-get install debootstrap" >&2; exit 1; }
mkdir -p "$cache"
work=$cache/rootfs-$suite.tmp
rm -rf "$work"
echo "rootfs.sh: debootstrap $suite (minbase + $include), a few minutes once" >&2
t0=$(date +%s)
# No initramfs in the guest's /boot: the test boots its own small one.
if ! debootstrap --variant=minbase --include="$include" "$suite" "$work" "$mirror" \
	>"$cache/debootstrap-$suite.log" 2>&1; then
	echo "rootfs.sh: debootstrap $suite failed; last lines of $cache/debootstrap-$suite.log:" >&2
	tail -20 "$cache/debootstrap-$suite.log" >&2
	# debootstrap's own log of the failing step, inside the target
	[ -f "$work/debootstrap/debootstrap.log" ] && tail -20 "$work/debootstrap/debootstrap.log" >&2
	exit 1
fi
# No package caches and lists in the image: it only runs, never installs
# from the network.
rm -rf "$work"/var/cache/apt/archives/*.deb "$work"/var/lib/apt/lists/*
tar -C "$work" -cf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
rm -rf "$work"
rm -f $(ls "$cache"/rootfs-"$suite"-*.tar | grep -v "$sum") 2>/dev/null || true
echo "rootfs.sh: done in $(($(date +%s) - t0)) s: $(du -h "$tarball" | cut -f1)" >&2
echo "$tarball"
