#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Static checks of the plug-and-play pieces, fast (about a minute):
#  - the systemd units load (systemd-analyze verify) and p1-exporter.service
#    keeps its hardening (systemd-analyze security --offline, score printed,
#    regression above 2.0 fails);
#  - the udev rules parse and mark only a tty the owner listed: run in a
#    private mount namespace with udevadm test on a real tty of this host;
#  - dkms.conf: dkms add + build, in a scratch dkms tree, for each kernel
#    whose headers are installed (Debian 12: 6.1 and 6.12), and the module
#    carries that kernel's vermagic.
#   check.sh TOP OUTDIR
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/errtrap.sh"
top=$1 out=$2
fail=0
ok() { echo "  ok   $*"; }
bad() { echo "  FAIL $*"; fail=1; }
rm -rf "$out"
mkdir -p "$out"

echo "--- systemd units"
for u in p1-exporter.service p1-attach@.service; do
	# The binaries are not installed on the build host: ignore only that,
	# and the man: links (checked by the package build).
	msgs=$(cd "$top/systemd" && systemd-analyze verify --man=no "./$u" 2>&1 |
		grep -v -E 'is not executable: No such file|Command .man ' || true)
	if [ -z "$msgs" ]; then ok "$u verifies"; else bad "$u: $msgs"; fi
done
score=$(cd "$top/systemd" && systemd-analyze security --offline=true \
	p1-exporter.service 2>/dev/null | sed -n 's/.*exposure level for p1-exporter.service: \([0-9.]*\).*/\1/p')
echo "  p1-exporter.service: systemd-analyze security exposure $score"
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	ok "p1-exporter.service exposure $score <= 2.0"
else
	bad "p1-exporter.service exposure '${score:-?}' (> 2.0: hardening lost)"
fi
ascore=$(cd "$top/systemd" && systemd-analyze security --offline=true \
	p1-attach@.service 2>/dev/null | sed -n 's/.*exposure level for .*: \([0-9.]*\).*/\1/p')
echo "  p1-attach@.service: systemd-analyze security exposure $ascore"

echo "--- udev rules"
tty=
for t in ttyS0 tty0 tty; do
	[ -e "/sys/class/tty/$t" ] && { tty=$t; break; }
done
if [ -z "$tty" ] || ! command -v udevadm >/dev/null || ! unshare -m true 2>/dev/null; then
	echo "  skip: no tty in sysfs, no udevadm or no mount namespace"
else
	# mark=1: this tty is listed as a P1 cable; mark=0: it is not.
	for mark in 0 1; do
		log=$out/udev-test-$mark.log
		unshare -m bash -c '
			set -e
			mount -t tmpfs none /etc/udev/rules.d
			cp "$1"/udev/*.rules /etc/udev/rules.d/
			if [ "$2" = 1 ]; then
				echo "SUBSYSTEM==\"tty\", KERNEL==\"$3\", ENV{P1_CABLE}=\"1\"" \
					>>/etc/udev/rules.d/61-p1-cables.rules
			fi
			udevadm test --action=add "/sys/class/tty/$3"' _ "$top" "$mark" "$tty" \
			>"$log" 2>&1 || true
		# Anything said about our files but the p1 group missing on this
		# host is a syntax or semantics error.
		errs=$(grep -E '6[12]-p1(-cables)?\.rules:[0-9]+' "$log" |
			grep -v "Unknown group 'p1'" || true)
		[ -z "$errs" ] || bad "udev rules: $errs"
		grep -q 'Reading rules file: .*62-p1.rules' "$log" ||
			{ bad "udevadm test did not read 62-p1.rules (see $log)"; continue; }
		wants=$(grep -c "^SYSTEMD_WANTS=.*p1-attach@$tty.service" "$log" || true)
		ign=$(grep -c '^ID_MM_DEVICE_IGNORE=1' "$log" || true)
		if [ "$mark" = 1 ] && [ "$wants" = 1 ] && [ "$ign" = 1 ]; then
			ok "a listed tty ($tty) wants p1-attach@$tty.service, ModemManager ignores it"
		elif [ "$mark" = 0 ] && [ "$wants" = 0 ] && [ "$ign" = 0 ]; then
			ok "an unlisted tty ($tty) is left alone"
		else
			bad "udev: marked=$mark: SYSTEMD_WANTS $wants, ID_MM_DEVICE_IGNORE $ign (see $log)"
		fi
	done
fi

echo "--- dkms"
if ! command -v dkms >/dev/null; then
	bad "dkms not installed (tests/deps.sh installs it)"
else
	ver=$(cat "$top/VERSION")
	"$top/packaging/dkms-src.sh" "$top" "$out/src/p1-$ver"
	grep -q "^PACKAGE_VERSION=\"$ver\"$" "$out/src/p1-$ver/dkms.conf" ||
		bad "staged dkms.conf does not carry version $ver"
	d=(--dkmstree "$out/tree" --sourcetree "$out/src" --installtree "$out/inst")
	mkdir -p "$out/tree" "$out/inst"
	dkms add "${d[@]}" -m p1 -v "$ver" >"$out/dkms-add.log" 2>&1 ||
		bad "dkms add (see $out/dkms-add.log)"
	n=0
	for kdir in /usr/src/linux-headers-*-amd64; do
		[ -f "$kdir/.config" ] || continue
		kver=${kdir#/usr/src/linux-headers-}
		[ -e "/lib/modules/$kver/build" ] || continue
		n=$((n + 1))
		t0=$(date +%s)
		if dkms build "${d[@]}" -m p1 -v "$ver" -k "$kver" -j 2 \
			>"$out/dkms-build-$kver.log" 2>&1; then
			# .ko, or .ko.xz where the kernel's modules are compressed
			ko=$(ls "$out/tree/p1/$ver/$kver/x86_64/module/"n_p1.ko* 2>/dev/null | head -n1)
			vm=$(modinfo -F vermagic "${ko:-/nonexistent}" 2>/dev/null | cut -d' ' -f1 || true)
			if [ "$vm" = "$kver" ]; then
				ok "dkms build -k $kver ($(($(date +%s) - t0)) s)"
			else
				bad "dkms build -k $kver: vermagic '$vm'"
			fi
		else
			bad "dkms build -k $kver:"
			tail -20 "$out/tree/p1/$ver/build/make.log" 2>/dev/null || true
		fi
	done
	[ $n -gt 0 ] || bad "no kernel headers installed to build against"
fi

echo "--- Debian packages"
debs=$(ls "$top"/build/deb/*.deb 2>/dev/null || true)
if [ -z "$debs" ]; then
	echo "  skip: no packages (make deb)"
elif ! command -v lintian >/dev/null; then
	bad "lintian not installed"
else
	# A local build with no bug to close is not a problem.
	if lintian --fail-on error,warning --suppress-tags initial-upload-closes-no-bugs \
		$debs >"$out/lintian.log" 2>&1; then
		ok "lintian: $(grep -c '^[EWIP]:' "$out/lintian.log" || true) remarks, no error or warning"
	else
		bad "lintian:"; grep '^[EW]:' "$out/lintian.log" || tail "$out/lintian.log"
	fi
fi
if [ -n "$debs" ]; then
	# Each package depends only on what it needs: the exporter of a TCP or
	# serial meter installs without p1-tools, the module or a toolchain;
	# p1-tools without the module.  The module stays a recommendation.
	field() { dpkg-deb -f "$(ls "$top"/build/deb/"$1"_*.deb | head -1)" "$2"; }
	dep=$(field p1-exporter Depends)
	if grep -Eq '(^|[ ,|])(p1-tools|p1-dkms|p1-modules|dkms|gcc|make)([ ,(|]|$)' <<<"$dep"; then
		bad "p1-exporter depends on more than it needs: $dep"
	else
		ok "p1-exporter Depends: $dep"
	fi
	grep -q 'p1-tools' <<<"$(field p1-exporter Recommends)" &&
		ok "p1-exporter recommends p1-tools" || bad "p1-exporter does not recommend p1-tools"
	dep=$(field p1-tools Depends)
	if grep -Eq '(^|[ ,|])(p1-dkms|p1-modules|dkms|gcc|make)([ ,(|]|$)' <<<"$dep"; then
		bad "p1-tools depends on the module: $dep"
	else
		ok "p1-tools does not depend on the module"
	fi
	grep -q 'p1-dkms' <<<"$(field p1-tools Recommends)" &&
		ok "p1-tools recommends p1-dkms" || bad "p1-tools does not recommend p1-dkms"
	# The listing is read whole first: grep -q would close the pipe early
	# and, with pipefail, dpkg-deb's SIGPIPE would fail the check.
	files=$(dpkg-deb -c "$(ls "$top"/build/deb/p1-exporter_*.deb | head -1)")
	grep -q 'usr/lib/sysusers.d/p1-exporter.conf' <<<"$files" &&
		ok "p1-exporter declares group p1 itself" ||
		bad "p1-exporter does not declare group p1 (its unit needs it)"
fi
exit $fail
