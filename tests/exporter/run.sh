#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run p1-exporter test scripts (names without .sh); every one runs even if
# an earlier one failed.  Prints each one's time and a summary; fails if
# any failed.
cd "$(dirname "$0")"
failed=()
for t in "$@"; do
	echo "--- $t"
	start=$SECONDS
	if ! timeout 300 bash "./$t.sh"; then
		failed+=("$t")
	fi
	echo "--- $t: $((SECONDS - start)) s"
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "exporter tests failed: ${failed[*]}" >&2
	exit 1
fi
echo "exporter tests passed: $*"
