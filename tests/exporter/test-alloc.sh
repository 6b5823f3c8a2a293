#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No heap allocation per telegram: under valgrind, replaying 300 and 3,000
# telegrams (with CRC errors and line noise) must make exactly as many
# allocations, and valgrind must find no memory error or leak.
. "$(dirname "$0")/lib.sh"
if ! command -v valgrind >/dev/null; then
	echo "$TEST_NAME: valgrind not installed; skipped"
	exit 0
fi

run() { # COUNT: sets ALLOCS to valgrind's "total heap usage" count
	local n=$1
	"$EMULATE" -n "$n" -s 2024-03-01T00:00:00Z --corrupt-every 7 \
		--garbage-every 5 >"$T/cap$n.txt"
	valgrind --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=9 "$EXPORTER" --web.listen-address=127.0.0.1:0 \
		--replay "$T/cap$n.txt,rate=max" >"$T/vg$n.log" 2>&1 &
	local pid=$!
	PIDS+=($pid)
	wait_for 60 grep -q "end of file after" "$T/vg$n.log" || fail "replay $n did not finish"
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	check "valgrind: no error, no leak ($n telegrams)" test "$rc" = 0
	ALLOCS=$(sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$T/vg$n.log")
}
run 300
a=$ALLOCS
run 3000
b=$ALLOCS
check "allocations: $a for 300 telegrams, $b for 3000" test -n "$a" -a "$a" = "$b"
finish
