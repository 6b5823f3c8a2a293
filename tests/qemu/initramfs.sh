#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the test guest's initramfs (an uncompressed newc cpio) for one kernel.
#   initramfs.sh OUT.cpio KVER ROOT N_P1_KO INIT [BIN...]
# ROOT is the unpacked linux-image (kernel.sh).  Contents: the static busybox
# $BUSYBOX (default /bin/busybox, of busybox-static), INIT as /init, the USB
# serial modules of ROOT and their dependencies (decompressed: busybox insmod
# takes plain .ko) listed in load order in /lib/modules/load.list, N_P1_KO
# as /lib/p1/n_p1.ko, each BIN in /bin.  Rebuilt only when an input changed
# (a checksum stamp next to OUT).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
out=$1 kver=$2 root=$3 ko=$4 init=$5
shift 5
mods="xhci_pci ftdi_sio crc16"  # crc16: n_p1 uses the kernel's crc16()
# n_p1's gcm(aes) for encrypted meters (no modprobe in the guest to load
# them on demand): where the kernel has them as modules
optmods="ctr gcm ghash_generic"
busybox=${BUSYBOX:-/bin/busybox}

stamp=$out.inputs
sum=$( (echo "$kver $mods $optmods"; cat "$root/.version";
	sha256sum "$0" "$ko" "$init" "$busybox" "$@") |
	sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
	exit 0
fi

stage=$out.d
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules,lib/p1}
cp "$busybox" "$stage/bin/busybox"
cp "$init" "$stage/init"
chmod 755 "$stage/init"
cp "$ko" "$stage/lib/p1/n_p1.ko"
for b in "$@"; do
	cp "$b" "$stage/bin/"
done

# Modules in dependency order, each once.
: >"$stage/lib/modules/load.list"
{
for m in $mods; do
	modprobe -d "$root" -S "$kver" --show-depends "$m" |
		awk '$1 == "insmod" { print $2 }'
done
for m in $optmods; do
	{ modprobe -d "$root" -S "$kver" --show-depends "$m" 2>/dev/null ||
		true; } | awk '$1 == "insmod" { print $2 }'
done
} | awk '!seen[$0]++' | while read -r f; do
	name=$(basename "$f")
	case $name in
	*.ko.xz) xz -dc "$f" >"$stage/lib/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko) cp "$f" "$stage/lib/modules/" ;;
	*) echo "initramfs.sh: unexpected module $f" >&2; exit 1 ;;
	esac
	echo "$name" >>"$stage/lib/modules/load.list"
done
[ -s "$stage/lib/modules/load.list" ] || { echo "initramfs.sh: no modules" >&2; exit 1; }

(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$sum" >"$stamp"
echo "initramfs: $(basename "$out") for $kver: $(du -h "$out" | cut -f1)," \
	"modules: $(tr '\n' ' ' <"$stage/lib/modules/load.list")" >&2
rm -rf "$stage"
