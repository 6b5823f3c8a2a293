#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run each test layer (a make target) even if an earlier one failed, then
# print a summary and fail if any layer failed.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 failures=()

# /dev/null must stay the null device: a step that replaces it with a
# regular file (a rename over it, run as root) silently changes every later
# build (Kbuild's cc-option probes read /dev/null and drop flags: an armhf
# module built in Thumb mode that the kernel cannot load).  Checked around
# each layer; the layer that did it fails and the device is put back.
devnull_ok() { [ -c /dev/null ]; }
devnull_fix() {
	[ "$(id -u)" = 0 ] && rm -f /dev/null && mknod -m 666 /dev/null c 1 3
}
if ! devnull_ok; then
	echo "run-layers: /dev/null is not the null device before any layer; restoring it"
	devnull_fix
fi

for t in "$@"; do
	echo "=== layer $t ==="
	start=$(date +%s)
	if make --no-print-directory "$t" && devnull_ok; then
		passed=$((passed + 1))
		echo "=== layer $t: PASS ($(($(date +%s) - start)) s) ==="
	else
		devnull_ok || {
			echo "=== layer $t replaced /dev/null with a regular file ==="
			devnull_fix
		}
		failed=$((failed + 1))
		failures+=("$t")
		echo "=== layer $t: FAIL ($(($(date +%s) - start)) s) ==="
	fi
done
[ $failed -eq 0 ] || echo "failed layers: ${failures[*]}"
echo "layers: $passed passed, $failed failed"
[ $failed -eq 0 ]
