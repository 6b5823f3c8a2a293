#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the Debian packages with dpkg-deb (no source package):
#   p1-dkms      n_p1 sources for dkms (arch all)
#   p1-tools     p1ctl, udev rules, p1-attach@.service, group p1
#   p1-exporter  p1-exporter, p1-exporter.service, /etc/p1/exporter.conf
#   libp1-0      the shared library libp1.so.0 (parser and reader)
#   libp1-dev    its headers, libp1.so, libp1.a, libp1.pc, p1_reader(3),
#                the examples
#   mkdeb.sh TOP OUTDIR P1CTL P1EXPORTER [LIBDIR]
# (LIBDIR: where libp1.so.0 and libp1.a were built; default: lib/ next to
# P1CTL.)
# The binaries should be built with dpkg-buildflags (the deb target does).
set -euo pipefail
top=$1 out=$2 p1ctl=$3 exporter=$4
libdir=${5:-$(dirname "$p1ctl")/lib}
pkg=$top/packaging
ver=$(cat "$top/VERSION")
debver=$ver-1
arch=$(dpkg --print-architecture)
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage" "$out"
rm -f "$out"/*.deb
date=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}")
maint="p1 developers <dev@p1.invalid>"

# d PKG: the staging root of PKG
d() { echo "$stage/$1"; }
inst() { # inst MODE SRC DEST
	install -D -m "$1" "$2" "$3"
}
docs() { # docs PKG: copyright and changelog
	local p=$1 dd
	dd=$(d "$p")/usr/share/doc/$p
	inst 644 "$pkg/debian/copyright" "$dd/copyright"
	printf '%s (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
		"$p" "$debver" "$ver" "$maint" "$date" | gzip -9n >"$dd/changelog.Debian.gz"
	chmod 644 "$dd/changelog.Debian.gz"
}
man() { # man PKG SRC.8
	local dst
	dst=$(d "$1")/usr/share/man/man8/$(basename "$2").gz
	mkdir -p "$(dirname "$dst")"
	gzip -9n <"$2" >"$dst"
	chmod 644 "$dst"
}
scripts() { # scripts PKG: maintainer scripts with the version filled in
	local s
	for s in postinst prerm postrm; do
		[ -f "$pkg/debian/$1.$s" ] || continue
		sed "s/#VERSION#/$ver/g" "$pkg/debian/$1.$s" >"$(d "$1")/DEBIAN/$s"
		chmod 755 "$(d "$1")/DEBIAN/$s"
	done
}
shlibdeps() { # shlibdeps BINARY...: the Depends the binaries need
	local tmp
	tmp=$(mktemp -d)
	mkdir "$tmp/debian"
	printf 'Source: p1\n\nPackage: p1\nArchitecture: any\n' >"$tmp/debian/control"
	(cd "$tmp" && dpkg-shlibdeps -O "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
	rm -rf "$tmp"
}
control() { # control PKG ARCH DEPENDS DESCRIPTION-FILE [RECOMMENDS]
	local p=$1 size
	size=$(du -k -s --exclude=DEBIAN "$(d "$p")" | cut -f1)
	{
		echo "Package: $p"
		echo "Version: $debver"
		echo "Architecture: $2"
		echo "Maintainer: $maint"
		echo "Installed-Size: $size"
		[ -z "$3" ] || echo "Depends: $3"
		[ -z "${5:-}" ] || echo "Recommends: $5"
		echo "Section: misc"
		echo "Priority: optional"
		echo "Homepage: https://p1.invalid/"
		cat "$4"
	} >"$(d "$p")/DEBIAN/control"
	(cd "$(d "$p")" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print0 |
		LC_ALL=C sort -z | xargs -0 md5sum | sed 's| \./| |') >"$(d "$p")/DEBIAN/md5sums"
	if [ -d "$(d "$p")/etc" ]; then
		(cd "$(d "$p")" && find etc -type f | LC_ALL=C sort | sed 's|^|/|') >"$(d "$p")/DEBIAN/conffiles"
	fi
}
build() { # build PKG
	dpkg-deb --root-owner-group -Zxz --build "$(d "$1")" \
		"$out/${1}_${debver}_$(sed -n 's/^Architecture: //p' "$(d "$1")/DEBIAN/control").deb" >/dev/null
}

# --- p1-dkms ---------------------------------------------------------------
p=p1-dkms
mkdir -p "$(d $p)/DEBIAN"
"$pkg/dkms-src.sh" "$top" "$(d $p)/usr/src/p1-$ver"
rm -f "$(d $p)/usr/src/p1-$ver/LICENSE" # in copyright
find "$(d $p)/usr/src" -type f -exec chmod 644 {} +
docs $p
scripts $p
cat >"$stage/$p.desc" <<'DESC'
Description: P1 smart-meter line discipline n_p1 (DKMS source)
 n_p1 frames DSMR / eMUCs smart-meter telegrams from a P1 cable in the
 kernel: CRC16 checked, every line fault counted, whole telegrams on
 /dev/p1-N, counters in sysfs, events over generic netlink.
 .
 This package builds the module with DKMS for every installed kernel and
 every kernel installed later.  On Secure Boot machines, enroll DKMS's key
 (/var/lib/dkms/mok.pub) with mokutil.
DESC
control $p all "dkms (>= 3.0), make, gcc" "$stage/$p.desc"
build $p

# --- p1-tools ----------------------------------------------------------------
p=p1-tools
mkdir -p "$(d $p)/DEBIAN"
install -D -m 755 -s "$p1ctl" "$(d $p)/usr/bin/p1ctl"
inst 644 "$top/udev/62-p1.rules" "$(d $p)/lib/udev/rules.d/62-p1.rules"
inst 644 "$top/udev/61-p1-cables.rules" "$(d $p)/usr/share/doc/$p/examples/61-p1-cables.rules"
inst 644 "$top/systemd/p1-attach@.service" "$(d $p)/lib/systemd/system/p1-attach@.service"
inst 644 "$pkg/sysusers-p1.conf" "$(d $p)/usr/lib/sysusers.d/p1.conf"
inst 644 "$pkg/default-p1" "$(d $p)/etc/default/p1"
man $p "$top/man/p1ctl.8"
docs $p
scripts $p
cat >"$stage/$p.desc" <<'DESC'
Description: P1 smart-meter tools: p1ctl, udev rules, attach service
 p1ctl attaches the n_p1 line discipline to a P1 cable (detecting the
 meter's baud rate and character format from the kernel's counters), lists
 the meters with their counters, watches events and reads telegrams.
 .
 udev starts p1-attach@.service for the cables listed in
 /etc/udev/rules.d/61-p1-cables.rules (`p1ctl udev-rule ttyUSB0` prints
 the line) and links /dev/p1/by-id, by-path and (opt-in) by-meter.
DESC
# The module is recommended, not required: p1ctl decode works without it,
# and a kernel may have n_p1 from elsewhere.
control $p "$arch" "$(shlibdeps "$(d $p)/usr/bin/p1ctl"), systemd | systemd-sysusers, udev, kmod, adduser" "$stage/$p.desc" \
	"p1-dkms (= $debver) | p1-modules"
build $p

# --- p1-exporter -------------------------------------------------------------
p=p1-exporter
mkdir -p "$(d $p)/DEBIAN"
install -D -m 755 -s "$exporter" "$(d $p)/usr/bin/p1-exporter"
inst 644 "$top/systemd/p1-exporter.service" "$(d $p)/lib/systemd/system/p1-exporter.service"
inst 644 "$pkg/exporter.conf" "$(d $p)/etc/p1/exporter.conf"
# Its own declaration of group p1 (the unit's SupplementaryGroups): the
# exporter of a TCP or serial meter is installed without p1-tools.
inst 644 "$pkg/sysusers-p1.conf" "$(d $p)/usr/lib/sysusers.d/p1-exporter.conf"
inst 644 "$top/dashboards/grafana-p1.json" "$(d $p)/usr/share/p1-exporter/grafana-p1.json"
if [ -f "$top/man/p1-exporter.8" ]; then
	man $p "$top/man/p1-exporter.8"
else
	help2man --no-info --section=8 --source=p1 \
		--name="Prometheus exporter for P1 smart meters" \
		"$exporter" >"$stage/p1-exporter.8" 2>/dev/null
	man $p "$stage/p1-exporter.8"
fi
docs $p
scripts $p
cat >"$stage/$p.desc" <<'DESC'
Description: Prometheus exporter for P1 smart meters (DSMR, eMUCs)
 p1-exporter serves the readings of every meter attached with n_p1 (and of
 raw ttys, TCP P1 dongles or capture files) as Prometheus metrics and JSON.
 It runs as an unprivileged dynamic user in group p1, hardened by systemd.
DESC
# Only what it runs with: TCP, serial and replay sources need neither
# p1-tools nor the module (nor dkms, make and gcc); the kernel source does.
control $p "$arch" "$(shlibdeps "$(d $p)/usr/bin/p1-exporter"), systemd | systemd-sysusers, adduser" "$stage/$p.desc" \
	"p1-tools (= $debver)"
build $p

# --- libp1-0, libp1-dev ----------------------------------------------------
# Named after the soname (Debian policy 8.1); separate from the module and
# the daemon (which link libp1 statically).
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
lv=$(sed -n 's/^LIBP1_SOVER := //p' "$top/userspace/lib/lib.mk")
p=libp1-$lv
mkdir -p "$(d $p)/DEBIAN"
install -D -m 644 -s "$libdir/libp1.so.$lv" "$(d $p)/usr/lib/$ma/libp1.so.$lv"
docs $p
echo "libp1 $lv $p (>= $ver)" >"$(d $p)/DEBIAN/shlibs"
printf 'activate-noawait ldconfig\n' >"$(d $p)/DEBIAN/triggers"
cat >"$stage/$p.desc" <<'DESC'
Description: P1 smart-meter reader and telegram parser library
 libp1 reads DSMR / eMUCs smart-meter telegrams from /dev/p1-N (the n_p1
 kernel module), a serial line, a TCP P1 dongle, a capture file or a
 built-in emulated meter, checks their CRC and parses them into typed
 values, without allocating per telegram.
DESC
control $p "$arch" "$(shlibdeps "$(d $p)/usr/lib/$ma/libp1.so.$lv")" "$stage/$p.desc"
build $p

p=libp1-dev
mkdir -p "$(d $p)/DEBIAN"
for h in "$top/include/p1/p1.h" "$top/include/p1/reader.h" "$top/kernel/p1_framer.h"; do
	inst 644 "$h" "$(d $p)/usr/include/p1/$(basename "$h")"
done
inst 644 "$libdir/libp1.a" "$(d $p)/usr/lib/$ma/libp1.a"
ln -s "libp1.so.$lv" "$(d $p)/usr/lib/$ma/libp1.so"
mkdir -p "$(d $p)/usr/lib/$ma/pkgconfig"
sed -e "s|@PREFIX@|/usr|" -e "s|@VERSION@|$ver|" \
	-e "s|^libdir=.*|libdir=\${prefix}/lib/$ma|" \
	"$top/userspace/lib/libp1.pc.in" >"$(d $p)/usr/lib/$ma/pkgconfig/libp1.pc"
chmod 644 "$(d $p)/usr/lib/$ma/pkgconfig/libp1.pc"
mkdir -p "$(d $p)/usr/share/man/man3"
gzip -9n <"$top/man/p1_reader.3" >"$(d $p)/usr/share/man/man3/p1_reader.3.gz"
chmod 644 "$(d $p)/usr/share/man/man3/p1_reader.3.gz"
for f in "$top"/examples/p1-*.c; do
	inst 644 "$f" "$(d $p)/usr/share/doc/$p/examples/$(basename "$f")"
done
docs $p
cat >"$stage/$p.desc" <<'DESC'
Description: P1 smart-meter reader and parser library (development files)
 Headers (p1/p1.h: the parser; p1/reader.h: open a meter from a source
 string and get callbacks), the static library, the pkg-config file, the
 p1_reader(3) manual and two example programs.
DESC
control $p "$arch" "libp1-$lv (= $debver), libssl-dev" "$stage/$p.desc"
build $p

ls -l "$out"/*.deb
