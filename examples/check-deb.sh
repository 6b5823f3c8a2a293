#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-libp1-deb: the libp1-0 and libp1-dev packages (make deb) hold what
# a user needs: build examples/p1-power.c with only the packages' files
# (unpacked into a scratch root, found through their pkg-config file) and
# run it on the emulator; the man page is there; lintian if installed.
#   check-deb.sh TOP DEBDIR
set -eu
top=$1 debs=$2
fail=0
check() { what=$1; shift; if "$@"; then echo "  ok   $what"; else echo "  FAIL $what"; fail=1; fi; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for p in libp1-0 libp1-dev; do
	f=$(ls "$debs"/${p}_*.deb)
	dpkg-deb -x "$f" "$T/root"
	echo "--- $p: $(dpkg-deb -f "$f" Depends)"
done
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
check "libp1.so.0 with its soname" sh -c \
	"objdump -p '$T/root/usr/lib/$ma/libp1.so.0' | grep -q 'SONAME *libp1.so.0'"
check "reader symbols exported (LIBP1_1)" sh -c \
	"nm -D --defined-only '$T/root/usr/lib/$ma/libp1.so.0' | grep -q 'p1_reader_new@@LIBP1_1'"
check "headers" test -f "$T/root/usr/include/p1/reader.h" -a -f "$T/root/usr/include/p1/p1.h"
check "man page p1_reader(3)" test -f "$T/root/usr/share/man/man3/p1_reader.3.gz"
check "examples" test -f "$T/root/usr/share/doc/libp1-dev/examples/p1-power.c"
# libp1.pc names libcrypto (Requires.private): the system's .pc files too
flags=$(PKG_CONFIG_SYSROOT_DIR="$T/root" \
	PKG_CONFIG_LIBDIR="$T/root/usr/lib/$ma/pkgconfig:/usr/lib/$ma/pkgconfig:/usr/share/pkgconfig" \
	pkg-config --cflags --libs libp1)
echo "  pkg-config --cflags --libs libp1: $flags"
check "an example builds from the packages alone" \
	cc -std=c11 -Wall -Werror -o "$T/p1-power" \
	"$T/root/usr/share/doc/libp1-dev/examples/p1-power.c" $flags
check "and runs on the emulator" sh -c \
	"LD_LIBRARY_PATH='$T/root/usr/lib/$ma' '$T/p1-power' emulator:dsmr4,interval=0.01 2 | grep -c ' power ' | grep -qx 2"
if command -v lintian >/dev/null; then
	check "lintian" lintian --fail-on error --suppress-tags \
		no-copyright-file,no-changelog "$debs"/libp1-0_*.deb "$debs"/libp1-dev_*.deb
fi
exit $fail
