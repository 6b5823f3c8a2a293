#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build n_p1.ko with W=1 against every installed Debian kernel header tree
# given (default: 6.1 and 6.12) and fail on any warning or libgcc helper
# (tests/kbuild/kmod.sh); then run
# checkpatch.pl --strict over the kernel sources and the UAPI header.
#   kbuild.sh OUTDIR [HEADERS_DIR...]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/errtrap.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1; shift
cache=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}
if [ $# -eq 0 ]; then
	set -- /usr/src/linux-headers-6.1.*-amd64 /usr/src/linux-headers-6.12.*-amd64
fi
fail=0
for kdir in "$@"; do
	[ -d "$kdir" ] || { echo "kbuild: missing $kdir"; fail=1; continue; }
	"$top/tests/kbuild/kmod.sh" "$out/kmod-${kdir#/usr/src/linux-headers-}" "$kdir" ||
		fail=1
done

# checkpatch from Debian's kernel source package, unpacked once into the cache
cp=$cache/checkpatch/scripts/checkpatch.pl
if [ ! -f "$cp" ]; then
	mkdir -p "$cache/checkpatch"
	tar -C "$cache/checkpatch" --strip-components=1 -xf /usr/src/linux-source-6.1.tar.xz \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
fi
files=$(cd "$top" && ls kernel/*.c kernel/*.h include/uapi/linux/p1.h | grep -v '\.mod\.c$')
# checkpatch exits non-zero when it finds something: judge by its output.
report=$(cd "$top" && perl "$cp" --no-tree --strict --terse --show-types -f $files 2>&1 |
	grep -E 'ERROR|WARNING|CHECK' || true)
if [ -n "$report" ]; then
	echo "$report"
	echo "kbuild: checkpatch --strict: not clean"; fail=1
else
	echo "kbuild: checkpatch --strict: clean ($(echo $files | wc -w) files)"
fi
exit $fail
