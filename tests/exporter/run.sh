#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run p1-exporter test scripts (names without .sh); every one runs even if
# an earlier one failed.  Prints each one's time and a summary; fails if
# any failed.  A script gets 10 min (test-mqtt takes 3 under ASan on a
# loaded machine); one that hangs fails.
cd "$(dirname "$0")"
failed=()
for t in "$@"; do
	echo "--- $t"
	start=$SECONDS
	rc=0
	timeout 600 bash "./$t.sh" || rc=$?
	if [ "$rc" != 0 ]; then
		failed+=("$t")
		[ "$rc" != 124 ] || echo "--- $t: timed out (600 s)" >&2
	fi
	echo "--- $t: $((SECONDS - start)) s"
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "exporter tests failed: ${failed[*]}" >&2
	exit 1
fi
echo "exporter tests passed: $*"
