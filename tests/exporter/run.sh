#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run p1-exporter test scripts (names without .sh); every one runs even if
# an earlier one failed.  Prints a summary; fails if any failed.
cd "$(dirname "$0")"
failed=()
for t in "$@"; do
	echo "--- $t"
	if ! timeout 300 bash "./$t.sh"; then
		failed+=("$t")
	fi
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "exporter tests failed: ${failed[*]}" >&2
	exit 1
fi
echo "exporter tests passed: $*"
