#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-examples: run the examples on the emulator and a capture; their
# output must have the expected shape (and is shown).
set -eu
fail=0
check() { # what, command...
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
$EX_OUT/p1-power "emulator:dsmr5,interval=0.05,seed=7,start=2026-01-31T12:00:00Z" 3 >"$T/power-emu" 2>&1
cat "$T/power-emu"
check "p1-power: 3 lines from the emulator" test "$(grep -c '^#[0-9]* power [0-9]* W, returned [0-9]* W, import [0-9.]* kWh, export [0-9.]* kWh$' "$T/power-emu")" -eq 3
$EX_OUT/p1-power "$CORPUS/nl-dsmr50.txt,rate=max" >"$T/power-cap" 2>&1
cat "$T/power-cap"
check "p1-power: the capture's telegram" grep -q '^#1 power ' "$T/power-cap"
$EX_OUT/p1-csv "emulator:emucs,interval=0.05,seed=7,start=2026-01-31T12:00:00Z" 3 >"$T/csv-emu" 2>&1
cat "$T/csv-emu"
check "p1-csv: header + 3 lines from the emulator" test "$(grep -c '^[0-9.]*,[0-9]*,ok,[0-9]*,[0-9]*,' "$T/csv-emu")" -eq 3
$EX_OUT/p1-csv "file:$CORPUS/stream.bin,rate=max" >"$T/csv-cap" 2>&1
head -5 "$T/csv-cap"; echo "... $(wc -l <"$T/csv-cap") lines"
check "p1-csv: one line per telegram of stream.bin" test "$(grep -c ',ok,\|,crc-error,\|,no-crc,\|,crc-missing,' "$T/csv-cap")" -ge 3
check "p1-csv: a rejected telegram has its line" grep -q ',crc-error,' "$T/csv-cap"
exit $fail
