#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run each test layer (a make target) even if an earlier one failed, then
# print a summary and fail if any layer failed.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 failures=()
for t in "$@"; do
	echo "=== layer $t ==="
	start=$(date +%s)
	if make --no-print-directory "$t"; then
		passed=$((passed + 1))
		echo "=== layer $t: PASS ($(($(date +%s) - start)) s) ==="
	else
		failed=$((failed + 1))
		failures+=("$t")
		echo "=== layer $t: FAIL ($(($(date +%s) - start)) s) ==="
	fi
done
[ $failed -eq 0 ] || echo "failed layers: ${failures[*]}"
echo "layers: $passed passed, $failed failed"
[ $failed -eq 0 ]
