#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A Debian 13 (trixie) build chroot for kernels that Debian 12 cannot build
# modules for (7.x headers need gcc-14), made with debootstrap from
# deb.debian.org and cached under $P1_CACHE/trixie.  It holds gcc-14, the
# aarch64 cross compiler, and the linux-headers of the newest kernel in
# trixie-backports for amd64 (installed) and arm64 (unpacked; it uses the
# amd64 linux-kbuild of the same version).
#   trixie.sh root                 make the chroot if needed; print
#                                  "ROOT KVER_BASE" (KVER_BASE: 7.3.4+deb13)
#   trixie.sh make DIR MAKEARGS... run make in the chroot with DIR
#                                  bind-mounted at the same path (a private
#                                  mount namespace: nothing leaks on exit)
#   trixie.sh download PKG[:ARCH]  print the path of the cached .deb of
#                                  PKG's candidate in the chroot's apt
# The chroot is rebuilt when $recipe below changes (kept in ROOT/.p1-recipe)
# and refreshed (apt-get update, newest backports headers)
# when it is older than P1_TRIXIE_MAX_AGE days (default 7).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}/trixie
root=$cache/root
mirror=${P1_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the chroot is made of; change it to have every cached chroot rebuilt.
pkgs=gcc-14,make,libc6-dev,bc,libelf-dev,kmod,xz-utils,gcc-aarch64-linux-gnu
recipe="1 minbase $pkgs; sources trixie trixie-backports; foreign arm64"
log() { echo "trixie.sh: $*" >&2; }
# Every command that stops the script says which one it was.
trap 'rc=$?; log "failed (exit $rc) at line $LINENO: $BASH_COMMAND"' ERR

# in_root CMD...: run CMD in the chroot (private mounts: /proc, /dev/null
# and the like come from debootstrap's devices).
in_root() {
	unshare --mount --propagation private sh -c \
		'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$root" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

apt_q() { in_root apt-get -o DPkg::Lock::Timeout=900 -qq "$@"; }

# The newest linux-headers-<ver>-amd64 in trixie-backports.
newest_headers() {
	in_root apt-cache madison linux-headers-amd64 |
		awk -F'|' '$3 ~ /trixie-backports/ && !p { gsub(/ /, "", $2); print $2; p = 1 }'
}

# Install (amd64) and unpack (arm64) the headers of the newest backports
# kernel; record its base version ("7.3.4+deb13") in ROOT/.p1-kver.
install_headers() {
	local v kbase deb
	v=$(newest_headers)
	[ -n "$v" ] || { log "no linux-headers-amd64 in trixie-backports"; return 1; }
	apt_q install --no-install-recommends -t trixie-backports "linux-headers-amd64=$v" \
		>/dev/null
	kbase=$(in_root dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		grep -o 'linux-headers-[^ ,]*-amd64' | sed 's/^linux-headers-//; s/-amd64$//')
	[ -n "$kbase" ] || { log "cannot tell the kernel version from linux-headers-amd64"; return 1; }
	if [ ! -d "$root/usr/src/linux-headers-$kbase-arm64" ]; then
		deb=$(download "linux-headers-$kbase-arm64:arm64")
		dpkg-deb -x "$deb" "$root"
	fi
	echo "$kbase" >"$root/.p1-kver"
	log "headers: linux-headers-$kbase-amd64 (installed), -arm64 (unpacked)"
}

# download PKG[:ARCH]: the candidate's .deb, cached in $cache/debs.
download() {
	local pkg=$1 name ver arch deb
	name=${pkg%%:*}
	arch=amd64
	[ "$name" = "$pkg" ] || arch=${pkg#*:}
	ver=$(in_root apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || { log "no candidate for $pkg"; return 1; }
	deb=$cache/debs/${name}_${ver/:/%3a}_$arch.deb
	if [ ! -f "$deb" ]; then
		mkdir -p "$cache/debs" "$root/tmp/p1-debs"
		log "downloading $pkg=$ver"
		(cd "$root/tmp/p1-debs" && rm -f ./*.deb)
		in_root sh -c "cd /tmp/p1-debs && apt-get download -qq -o APT::Sandbox::User=root -o Acquire::Retries=5 '$pkg=$ver'" >/dev/null
		mv "$root/tmp/p1-debs/"*.deb "$deb.tmp"
		rm -f "$cache/debs/${name}_"*"_$arch.deb"
		mv "$deb.tmp" "$deb"
	fi
	echo "$deb"
}

make_root() {
	local tmp=$cache/root.new t0
	t0=$(date +%s)
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "debootstrap trixie (minbase) from $mirror into $tmp"
	if ! debootstrap --variant=minbase \
		--include="$pkgs" \
		trixie "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1; then
		tail -n 30 "$cache/debootstrap.log" >&2
		log "debootstrap failed (log: $cache/debootstrap.log)"
		return 1
	fi
	cat >"$tmp/etc/apt/sources.list" <<EOF
deb $mirror trixie main
deb $mirror trixie-backports main
EOF
	rm -rf "$root"
	mv "$tmp" "$root"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	in_root dpkg --add-architecture arm64
	echo "$recipe" >"$root/.p1-recipe"
	log "base system ready in $(($(date +%s) - t0)) s"
}

ensure_root() {
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	if [ "$(cat "$root/.p1-recipe" 2>/dev/null)" != "$recipe" ]; then
		make_root
	fi
	if [ ! -s "$root/.p1-kver" ]; then
		apt_q update
		install_headers
		apt_q clean
	elif [ -n "$(find "$root/.p1-kver" -mtime +"${P1_TRIXIE_MAX_AGE:-7}")" ]; then
		log "refreshing the chroot's apt lists and headers"
		cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		if apt_q update; then
			install_headers
		else
			log "apt-get update failed: keeping $(cat "$root/.p1-kver")"
			touch "$root/.p1-kver"
		fi
	fi
}

cmd=${1:-root}
shift || true
case $cmd in
root)
	ensure_root
	echo "$root $(cat "$root/.p1-kver")"
	;;
make)
	dir=$(cd "$1" && pwd)
	shift
	ensure_root
	mkdir -p "$root$dir"
	unshare --mount --propagation private sh -c '
		mount --bind "$1" "$2$1" && mount -t proc proc "$2/proc" &&
		shift 2 && exec chroot "$@"' sh \
		"$dir" "$root" "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 make "$@"
	;;
download)
	ensure_root
	download "$1"
	;;
*)
	echo "usage: trixie.sh root | make DIR ARGS... | download PKG[:ARCH]" >&2
	exit 2
	;;
esac
