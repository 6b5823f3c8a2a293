#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the full-system test's guest: the cached debootstrap base
# (rootfs.sh), a subset of Debian's own kernel modules for the guest kernel,
# the project's packages installed with dpkg (p1-tools, p1-exporter, and
# n_p1 prebuilt by dkms for the guest kernel in a p1-modules package), the
# network and a test agent; then an ext4 disk image and a small initramfs
# that mounts it.
#   image.sh OUTDIR KVER KROOT DEBDIR
# KROOT is the unpacked linux-image (tests/qemu/kernel.sh, suite-kernel.sh).
# Writes OUTDIR/disk.img and OUTDIR/initrd.cpio.  The image is cached under
# $P1_CACHE/system by a checksum of its inputs; OUTDIR gets a fresh copy.
# SYSTEM_SUITE=trixie: the Debian 13 base, which has its kernel, headers,
# gcc and dkms; p1-dkms is installed instead of p1-modules and its postinst
# builds n_p1 in the guest's root with Debian 13's compiler, as apt would.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd) kver=$2 kroot=$3
debdir=$(cd "$4" && pwd)
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}/system
mkdir -p "$out" "$cache"
log() { echo "image.sh: $*" >&2; }
suite=${SYSTEM_SUITE:-bookworm}

tarball=$("$here/rootfs.sh" "$suite")
ver=$(cat "$top/VERSION")

# bookworm: n_p1 prebuilt on the host into p1-modules; trixie: p1-dkms.
if [ "$suite" = bookworm ]; then
	# n_p1 for the guest kernel, built the way p1-dkms builds it.
	dk=$out/dkms
	rm -rf "$dk"
	mkdir -p "$dk/tree" "$dk/inst"
	"$top/packaging/dkms-src.sh" "$top" "$dk/src/p1-$ver"
	d=(--dkmstree "$dk/tree" --sourcetree "$dk/src" --installtree "$dk/inst")
	dkms add "${d[@]}" -m p1 -v "$ver" >"$dk/dkms.log" 2>&1
	if ! dkms build "${d[@]}" -m p1 -v "$ver" -k "$kver" -j 2 >>"$dk/dkms.log" 2>&1; then
		cat "$dk/dkms.log" "$dk/tree/p1/$ver/build/make.log" >&2 || true
		exit 1
	fi
	ko=$(ls "$dk/tree/p1/$ver/$kver/x86_64/module/"n_p1.ko*)

	# p1-modules-<kver>: the prebuilt module, satisfying p1-tools' dependency
	# on "p1-dkms | p1-modules" (a guest without compiler and headers).
	mp=$out/p1-modules
	rm -rf "$mp"
	mkdir -p "$mp/DEBIAN" "$mp/lib/modules/$kver/updates"
	cp "$ko" "$mp/lib/modules/$kver/updates/"
	cat >"$mp/DEBIAN/control" <<-CTL
	Package: p1-modules-$kver
	Version: $ver-1
	Architecture: amd64
	Maintainer: p1 developers <dev@p1.invalid>
	Provides: p1-modules
	Section: kernel
	Priority: optional
	Description: n_p1 prebuilt for $kver (full-system test)
	 Built by dkms from p1-dkms' sources.
	CTL
	printf '#!/bin/sh\nset -e\ndepmod -a %s || true\n' "$kver" >"$mp/DEBIAN/postinst"
	chmod 755 "$mp/DEBIAN/postinst"
	dpkg-deb --root-owner-group --build "$mp" "$out/p1-modules.deb" >/dev/null
	debs=("$out/p1-modules.deb")
else
	debs=("$debdir"/p1-dkms_*.deb)
fi

debs+=("$debdir"/p1-tools_*.deb "$debdir"/p1-exporter_*.deb)
sum=$( (cat "$tarball.sum" 2>/dev/null || basename "$tarball"; echo "$kver";
	cat "$kroot/.version"; sha256sum "$0" "$here/guest/"* | cut -d' ' -f1
	for f in "${debs[@]}"; do dpkg-deb --fsys-tarfile "$f" | sha256sum; done) |
	sha256sum | cut -c1-16)
img=$cache/disk-$suite-$sum.img
if [ ! -f "$img" ]; then
	t0=$(date +%s)
	root=$out/root
	# (a run stopped during dpkg may have left its /proc mounted)
	! mountpoint -q "$root/proc" || umount "$root/proc"
	rm -rf "$root"
	mkdir -p "$root"
	tar -C "$root" -xf "$tarball"
	# The modules a test VM needs, from Debian's package for this kernel
	# (the trixie base has its kernel's package installed).
	m=lib/modules/$kver
	[ "$suite" != bookworm ] || { mkdir -p "$root/$m/kernel"
	for sub in drivers/usb drivers/virtio drivers/block drivers/char \
		drivers/net/virtio_net.ko drivers/net/net_failover.ko \
		net/core fs/ext4 fs/jbd2 fs/mbcache.ko lib crypto arch; do
		[ -e "$kroot/$m/kernel/$sub" ] || continue
		mkdir -p "$root/$m/kernel/$(dirname "$sub")"
		cp -a "$kroot/$m/kernel/$sub" "$root/$m/kernel/$(dirname "$sub")/"
	done
	cp -a "$kroot/$m"/modules.order "$kroot/$m"/modules.builtin* "$root/$m/"
	depmod -b "$root" "$kver"; }

	# Our packages, as a user would install them.
	mkdir -p "$root/tmp/debs"
	cp "${debs[@]}" "$root/tmp/debs/"
	# (No /dev bind mount: debootstrap made the nodes dpkg and dkms use,
	# and a later rm -rf of the root must never reach the host's /dev.)
	mount -t proc proc "$root/proc"
	if ! chroot "$root" sh -c 'dpkg -i /tmp/debs/*.deb' >"$out/dpkg.log" 2>&1; then
		umount "$root/proc"
		log "dpkg -i of ${debs[*]##*/} in the $suite guest's root failed:"
		tail -n 40 "$out/dpkg.log" >&2; exit 1
	fi
	umount "$root/proc"
	rm -rf "$root/tmp/debs"
	if [ "$suite" != bookworm ]; then
		# p1-dkms' postinst built and installed n_p1 for the guest kernel.
		if ! ls "$root/$m/updates/dkms/"n_p1.ko* >/dev/null 2>&1; then
			log "p1-dkms did not build n_p1 for $kver in the $suite root:"
			tail -n 20 "$out/dpkg.log" >&2
			tail -n 40 "$root/var/lib/dkms/p1/$ver/build/make.log" >&2 || true
			exit 1
		fi
		log "p1-dkms built $(cd "$root/$m" && ls updates/dkms/n_p1.ko*) for $kver in the $suite root"
	fi

	# Guest configuration and the test agent.
	echo p1-guest >"$root/etc/hostname"
	echo '/dev/vda / ext4 defaults 0 1' >"$root/etc/fstab"
	install -D -m 644 "$here/guest/10-eth.network" "$root/etc/systemd/network/10-eth.network"
	install -D -m 755 "$here/guest/p1-test-agent" "$root/usr/local/sbin/p1-test-agent"
	install -D -m 644 "$here/guest/p1-test-agent.service" \
		"$root/etc/systemd/system/p1-test-agent.service"
	ln -sf /lib/systemd/system/systemd-networkd.service \
		"$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
	ln -sf /etc/systemd/system/p1-test-agent.service \
		"$root/etc/systemd/system/multi-user.target.wants/p1-test-agent.service"
	# Nothing periodic during the test.
	for t in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
		e2scrub_all.timer fstrim.timer systemd-tmpfiles-clean.timer; do
		ln -sf /dev/null "$root/etc/systemd/system/$t"
	done
	# A persistent journal: the test reads the previous boot's too.
	mkdir -p "$root/var/log/journal"

	# Debian 13's has its whole kernel, headers and gcc in it.
	truncate -s "$([ "$suite" = bookworm ] && echo 1G || echo 3G)" "$img.tmp"
	mkfs.ext4 -q -F -L p1root -d "$root" "$img.tmp"
	mv "$img.tmp" "$img"
	rm -rf "$root"
	# (grep -v finds nothing on the first build: not a failure.)
	for old in "$cache"/disk-"$suite"-*.img; do
		[ "$old" = "$img" ] || rm -f "$old"
	done
	log "disk image built in $(($(date +%s) - t0)) s"
fi
cp --sparse=always "$img" "$out/disk.img"

# initramfs: busybox, the modules to reach the disk, mount it, switch.
ird=$out/initrd.d
rm -rf "$ird"
mkdir -p "$ird"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$ird/bin/busybox"
: >"$ird/lib/modules/load.list"
for mod in virtio_pci virtio_blk ext4; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$mod" |
		awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r f; do
	n=$(basename "$f")
	case $n in
	*.ko.xz) xz -dc "$f" >"$ird/lib/modules/${n%.xz}"; n=${n%.xz} ;;
	*.ko) cp "$f" "$ird/lib/modules/" ;;
	esac
	echo "$n" >>"$ird/lib/modules/load.list"
done
install -m 755 "$here/guest/init" "$ird/init"
(cd "$ird" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) >"$out/initrd.cpio"
rm -rf "$ird"
