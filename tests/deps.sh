#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian 12 packages a part of the project needs, if missing.
#   tests/deps.sh [all]    everything the build and every test layer need
#                          (make check)
#   tests/deps.sh run      only what building and running p1-exporter needs
#                          (make run)
#   tests/deps.sh --list [all|run]   print the packages, install nothing
set -euo pipefail
list=
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
set_=${1:-all}
# make run: build p1-exporter (libp1, libp1common, libmicrohttpd, libnl-3,
# libyaml, libcrypt, libmosquitto and OpenSSL for MQTT, libcurl) and run it.
# Nothing else.
run_pkgs=(
	gcc make pkg-config libc6-dev libnl-3-dev libnl-genl-3-dev
	libmicrohttpd-dev libyaml-dev libcrypt-dev libmosquitto-dev libssl-dev
	# the DSMR-reader push (libcurl's multi interface); the static
	# exporter of the qemu guests is built without it
	libcurl4-openssl-dev
)
test_pkgs=(
	# build extras: the static exporter, tests, format and sanitizers
	libcmocka-dev clang clang-format libclang-rt-14-dev
	libunistring-dev libp11-kit-dev
	valgrind g++
	# libp1 tests: tzdata (zone rules checked against it), python3 (JSON),
	# gcc -m32 (the i386 builds): lib32gcc-12-dev and libc6-dev-i386, not
	# gcc-multilib, which conflicts with gcc-aarch64-linux-gnu
	tzdata lib32gcc-12-dev libc6-dev-i386
	# encrypted meters: OpenSSL's libcrypto (AES-GCM in libp1) for every
	# build architecture, python3-cryptography (tests/corpus/dlms_gen.py)
	libssl-dev:i386 libssl-dev:arm64 python3-cryptography
	# check-i386 runs the cmocka suites as i386 binaries; needs "dpkg
	# --add-architecture i386" (done below).  No libmicrohttpd-dev:i386:
	# Debian 12's does not install next to the amd64 one (its libssl3 and
	# libc6-dev must be the very same version for both)
	libcmocka-dev:i386 libnl-3-dev:i386 libnl-genl-3-dev:i386
	libcurl4-openssl-dev:i386
	# kernel module and KUnit (UML)
	linux-headers-amd64 linux-headers-6.12-amd64 linux-source-6.1
	linux-source-6.12
	bc flex bison libelf-dev libssl-dev python3 kmod xz-utils
	# real-kernel tests
	qemu-system-x86 busybox-static cpio socat
	# packaging and the full-system test (issue 5)
	dkms debootstrap lintian help2man fakeroot e2fsprogs
	# system tests
	curl prometheus wrk openssl
	# a clock that crosses midnight for the capture test (libfaketime)
	faketime
	# tools the scripts call that a minimal Debian 12 may lack: ps
	# (test-run), perl (checkpatch, kbuild.sh), zstd (.ko.zst modules of
	# newer kernels in the guests' initramfs)
	procps perl zstd
	# MQTT tests: a real broker and its clients
	mosquitto mosquitto-clients
	# rendering the discovery templates as Home Assistant does (Jinja2)
	python3-jinja2
	# the live page in headless Chromium (playwright-core from the npm
	# registry drives it; node and npm: Debian's, or any already there,
	# see below) and the container image (podman builds it)
	chromium podman
	# arm64: cross builds and qemu guests (tests/cross, check-qemu-arm64);
	# the :arm64 ones need "dpkg --add-architecture arm64" (done below)
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm file
	libnl-3-dev:arm64 libnl-genl-3-dev:arm64 libmicrohttpd-dev:arm64
	libyaml-dev:arm64 libp11-kit-dev:arm64 libunistring-dev:arm64
	libcrypt-dev:arm64
	# check-arm64-user: the framer and CRC suites (arm64 cmocka) and a
	# static decoder run as arm64 programs under qemu-user
	qemu-user-static libcmocka-dev:arm64
	# the exporter's MQTT sink (libmosquitto, OpenSSL for mqtts) for the
	# arm64 build, and OpenSSL's headers for check-i386's compile step
	libmosquitto-dev:arm64 libssl-dev:arm64 libssl-dev:i386
	# the DSMR-reader push for the arm64 build
	libcurl4-openssl-dev:arm64
	# 32-bit kernels (check-cross, check-qemu-i386, check-qemu-armhf): the
	# armhf cross compiler; the i386 module and guest binary use gcc -m32
	# (above).  kernel.sh downloads the 686-pae and armmp-lpae kernels,
	# headers and busybox-static with "apt-get download PKG:i386/armhf",
	# which needs the arches added (below, for the :armhf packages: the
	# armhf libnl and OpenSSL of the guests' static p1ctl and libp1)
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
	libnl-3-dev:armhf libnl-genl-3-dev:armhf libssl-dev:armhf
)
case $set_ in
run) pkgs=("${run_pkgs[@]}") ;;
all) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
*)
	echo "usage: $0 [--list] [all|run]" >&2
	exit 2
	;;
esac
if [ -n "$list" ]; then
	printf '%s\n' "${pkgs[@]}"
	exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
	# (one status per installed architecture of a Multi-Arch: same one)
	grep -q 'ok installed' <<<"$(dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null)" ||
		missing+=("$p")
done
# Node.js and npm for the page test: a machine may have them from another
# source (whose nodejs conflicts with Debian's npm): Debian's only when
# there is no npm at all.
if [ "$set_" = all ] && ! command -v npm >/dev/null; then
	missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo=(sudo)
	else
		echo "deps: not root; install them with: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may be running its own apt at boot (apt-daily,
# unattended-upgrades): wait for its lock.  A mirror may fail a download
# now and then: retry it.  Never a question: keep changed configuration
# files as they are.
apt_opts=(-o DPkg::Lock::Timeout=900 -o Acquire::Retries=5
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
foreign=()
for p in "${missing[@]}"; do
	case $p in *:*) foreign+=("${p##*:}") ;; esac
done
have_arches=$(dpkg --print-foreign-architectures)
for arch in $(printf '%s\n' "${foreign[@]}" | sort -u); do
	grep -qx "$arch" <<<"$have_arches" ||
		"${sudo[@]}" dpkg --add-architecture "$arch"
done
# One index that fails to download (a mirror's i386 security index, say)
# must not stop the rest: apt keeps the old lists, and the install below
# still fails loudly if a package cannot be had.
update() {
	local i
	for i in 1 2 3; do
		"${sudo[@]}" apt-get "${apt_opts[@]}" update -qq && return 0
		echo "deps: apt-get update failed (try $i of 3)" >&2
		sleep $((i * 10))
	done
	echo "deps: apt-get update reported errors (above); going on" >&2
}
update
# A failed install is tried again after a fresh update (an index that
# changed under us names files the mirror no longer has).
for i in 1 2 3; do
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" \
		install -y -qq --no-install-recommends "${missing[@]}" >/dev/null &&
		exit 0
	[ "$i" = 3 ] && break
	echo "deps: apt-get install failed (try $i of 3); again after an update" >&2
	sleep $((i * 10))
	update
done
echo "deps: cannot install: ${missing[*]}" >&2
exit 1
