#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Test layer 2: the KUnit suites of kernel/ (p1_framer_test.c,
# n_p1_tty_test.c) in a User-Mode Linux kernel built from Debian's
# linux-source-<ver> package, with lockdep, atomic-sleep checks and KASAN.
#
#   kunit.sh [VER...]          default: $P1_KUNIT_KERNELS, else "6.1 6.12"
#
# Environment:
#   P1_CACHE           cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/p1)
#   P1_KUNIT_KERNELS   kernel versions to test (default "6.1 6.12"; "7.3":
#                      Debian 13 backports' linux-source-7.3, fetched through
#                      the Debian 13 chroot, not installed); needs
#                      linux-source-<ver> (tests/deps.sh installs both; as
#                      root this script installs a missing one).  Each first
#                      build takes 2.5-5 min on 2 cores, a rerun ~10 s; set
#                      P1_KUNIT_KERNELS=6.1 to skip 6.12.
#   P1_KUNIT_JOBS      make jobs (default 2)
#   P1_KUNIT_ARGS      extra kunit.py run arguments, e.g. "p1_framer.*"
#
# Per version, kept in $P1_CACHE: linux-source-<ver>/ (the extracted source,
# with drivers/tty/p1 -> this checkout's kernel/) and uml-<ver>/ (kunit.py's
# build directory).  The first run extracts and builds everything; later
# runs rebuild only what changed.  The symlink is re-pointed to the current
# checkout on every run, so a fresh clone elsewhere reuses the cache (its
# objects are rebuilt because their include paths changed).
#
# Fails if the build fails, any test fails or crashes, a suite is missing,
# or the kernel log shows a lockdep, KASAN, BUG or WARNING splat.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}
jobs=${P1_KUNIT_JOBS:-2}
suites=(p1_framer n_p1_tty)

if [ $# -eq 0 ]; then
	read -r -a vers <<<"${P1_KUNIT_KERNELS:-6.1 6.12}"
	set -- "${vers[@]}"
fi
mkdir -p "$cache"

# Extract /usr/src/linux-source-$1.tar.xz into $cache once (again when the
# package was upgraded), and hook drivers/tty/p1 into its Kconfig/Makefile.
prepare_tree() {
	local ver=$1 tarball=/usr/src/linux-source-$1.tar.xz
	local src=$cache/linux-source-$ver build=$cache/uml-$ver stamp deb
	case $ver in
	7.*)
		# Not in Debian 12: linux-source-7.N of trixie-backports, through
		# the Debian 13 chroot (tests/kbuild/trixie.sh), kept in the cache.
		deb=$("$top/tests/kbuild/trixie.sh" download "linux-source-$ver") || return 1
		tarball=$cache/linux-source-$ver.tar.xz
		if [ "$(cat "$tarball.deb" 2>/dev/null)" != "$(basename "$deb")" ]; then
			echo "kunit: unpacking linux-source-$ver.tar.xz from $(basename "$deb")"
			dpkg-deb --fsys-tarfile "$deb" |
				tar -xO "./usr/src/linux-source-$ver.tar.xz" >"$tarball.tmp"
			mv "$tarball.tmp" "$tarball"
			basename "$deb" >"$tarball.deb"
		fi
		;;
	esac
	if [ ! -f "$tarball" ]; then
		if [ "$(id -u)" = 0 ]; then
			echo "kunit: installing linux-source-$ver"
			DEBIAN_FRONTEND=noninteractive apt-get \
				-o DPkg::Lock::Timeout=900 -o Acquire::Retries=5 \
				install -y -qq \
				--no-install-recommends "linux-source-$ver" >/dev/null
		fi
		[ -f "$tarball" ] || {
			echo "kunit: $tarball missing: apt-get install linux-source-$ver"
			return 1
		}
	fi
	stamp="$(stat -c '%s %Y' "$tarball")"
	if [ "$(cat "$src/.p1-extracted" 2>/dev/null)" != "$stamp" ]; then
		echo "kunit: extracting $tarball into $cache"
		rm -rf "$src" "$src.tmp" "$build"
		mkdir -p "$src.tmp"
		tar -C "$src.tmp" --strip-components=1 -xf "$tarball"
		echo "$stamp" >"$src.tmp/.p1-extracted"
		mv "$src.tmp" "$src"
	fi
	ln -sfn "$top/kernel" "$src/drivers/tty/p1"
	grep -qxF 'source "drivers/tty/p1/Kconfig"' "$src/drivers/tty/Kconfig" ||
		echo 'source "drivers/tty/p1/Kconfig"' >>"$src/drivers/tty/Kconfig"
	# shellcheck disable=SC2016 # make syntax, not shell
	grep -qxF 'obj-$(CONFIG_N_P1) += p1/' "$src/drivers/tty/Makefile" ||
		echo 'obj-$(CONFIG_N_P1) += p1/' >>"$src/drivers/tty/Makefile"
}

run_one() {
	local ver=$1 src=$cache/linux-source-$1 build=$cache/uml-$1
	local log=$cache/kunit-$1.log start rc=0 s bad extra=()
	start=$(date +%s)
	prepare_tree "$ver" || return 1
	# Sleep-in-atomic checks need a preemptible UML (6.12 and later).
	grep -qxF $'\tselect ARCH_NO_PREEMPT' "$src/arch/um/Kconfig" ||
		extra+=(--kconfig_add=CONFIG_DEBUG_ATOMIC_SLEEP=y)
	echo "kunit: $ver: kunit.py run (build dir $build)"
	# shellcheck disable=SC2086
	(cd "$src" && python3 tools/testing/kunit/kunit.py run \
		--kunitconfig=drivers/tty/p1 --build_dir="$build" \
		--jobs="$jobs" "${extra[@]}" ${P1_KUNIT_ARGS:-}) >"$log" 2>&1 || rc=$?
	# The parsed results and the summary; the whole output is in $log.
	grep -vE '^\[[0-9:]+\] (Building|Configuring|Populating|Generating|Starting)' "$log" |
		tail -n 200 || true
	if [ $rc -ne 0 ]; then
		echo "kunit: $ver: kunit.py failed (exit $rc); full output: $log"
		return 1
	fi
	for s in "${suites[@]}"; do
		if [ -z "${P1_KUNIT_ARGS:-}" ] &&
			! grep -qE "^[[:space:]]*ok [0-9]+ $s\$" "$build/test.log"; then
			echo "kunit: $ver: suite $s did not pass (see $build/test.log)"
			return 1
		fi
	done
	bad='BUG:|WARNING:|KASAN|possible recursive locking|possible circular locking'
	bad+='|inconsistent lock state|lock held when returning|Kernel panic|Oops'
	# UML's virt-pci warns at boot when no virtio PCI device is configured.
	if grep -nE "$bad" "$build/test.log" | grep -v 'arch/um/drivers/virt-pci\.c'; then
		echo "kunit: $ver: kernel splat in $build/test.log"
		return 1
	fi
	echo "kunit: $ver: PASS ($(($(date +%s) - start)) s)"
}

fail=0
for ver in "$@"; do
	# One run per tree at a time (a developer and CI may share the cache).
	exec 9>"$cache/kunit-$ver.lock"
	flock 9
	run_one "$ver" || fail=1
	exec 9>&-
done
exit $fail
