#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Capture files: every telegram byte-exact, good ones in METER-TIME.p1
# (replayed, they give the same metrics as the original), damaged ones in
# METER-TIME.bad after a marker line; rotation by size with the total
# bounded; with --log.level=debug one line per telegram.
. "$(dirname "$0")/lib.sh"
export TOP
CRC="python3 $(dirname "$0")/crc.py"

"$EMULATE" -n 200 -s 2024-05-01T10:00:00Z --corrupt-every 10 >"$T/orig.txt"
read -r good bad < <($CRC count "$T/orig.txt")
python3 - "$T/orig.txt" "$T/good.txt" "$T/bad.txt" <<'PY'
import os, re, sys
sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "lib"))
from p1crc import crc16
data = open(sys.argv[1], "rb").read()
g, b = [], []
for m in re.finditer(rb"/[^!]*!([0-9A-F]{4})\r\n", data):
    ok = int(m.group(1), 16) == crc16(m.group(0)[:m.start(1) - m.start()])
    (g if ok else b).append(m.group(0))
open(sys.argv[2], "wb").write(b"".join(g))
open(sys.argv[3], "wb").write(b"".join(b))
PY
finished() { has "$URL/api/v1/meters" '"state":"finished"'; }
# The metrics a capture must reproduce: all but those of the line (bytes,
# damaged telegrams), of the host (times, process) and of the capture.
same_metrics() {
	curl -sf "$URL/metrics" | grep -v -e '^#' -e '^process_' \
		-e '^p1_capture_' -e '^p1_received_bytes' -e '^p1_garbage_bytes' \
		-e '^p1_last_telegram_timestamp' -e '^p1_meter_clock_skew' \
		-e '^p1_source_read_calls' -e 'result="crc_error"'
}

echo "$TEST_NAME: capture and replay"
start_exporter orig --replay "$T/orig.txt,name=cap,rate=max" \
	--capture.dir="$T/cap" --log.level=debug
check "replayed" wait_for 10 finished
same_metrics >"$T/orig.metrics"
check "p1_capture_telegrams_total good $good" test "$(metric "$URL" 'p1_capture_telegrams_total{kind="good"}')" = "$good"
check "p1_capture_telegrams_total damaged $bad" test "$(metric "$URL" 'p1_capture_telegrams_total{kind="damaged"}')" = "$bad"
stop_pid "$EXPORTER_PID"
p1=$(ls "$T/cap"/cap-*.p1)
badf=$(ls "$T/cap"/cap-*.bad)
check "one .p1 and one .bad file ($(basename "$p1"), $(basename "$badf"))" \
	test "$(ls "$T/cap" | wc -l)" = 2
check "the .p1 file is the good telegrams, byte-exact" cmp "$p1" "$T/good.txt"
check "the .bad file holds the $bad damaged ones, byte-exact" bash -c \
	"grep -av '^# p1-exporter capture: ' '$badf' | python3 -c 'import sys; d=sys.stdin.buffer.read(); sys.exit(d.replace(b\"\\n/\", b\"/\")[:-1] != open(\"$T/bad.txt\",\"rb\").read())'"
check "each one marked" test "$(grep -ac '^# p1-exporter capture: crc_error 20[0-9-]*T[0-9:.]*Z 9[0-9]* bytes$' "$badf")" = "$bad"
n=$(grep -c "telegram [0-9]* bytes: crc=ok .* family=dsmr dsmr=5.0 time=2024-05-01T" "$T/orig.log" || true)
check "debug: one decode summary per good telegram ($n)" test "$n" = "$good"
n=$(grep -c "telegram [0-9]* bytes: damaged (crc_error)" "$T/orig.log" || true)
check "debug: one line per damaged telegram ($n)" test "$n" = "$bad"

start_exporter again --replay "$p1,name=cap,rate=max"
check "the capture replays" wait_for 10 finished
same_metrics >"$T/again.metrics"
check "it gives identical metrics ($(wc -l <"$T/again.metrics") samples)" \
	diff "$T/orig.metrics" "$T/again.metrics"
stop_pid "$EXPORTER_PID"
start_exporter bad --replay "$badf,name=cap,rate=max"
check "the .bad file replays" wait_for 10 finished
check "as $bad CRC errors" test "$(metric "$URL" 'p1_telegrams_total{meter="cap",result="crc_error"}')" = "$bad"
check "and no good one" test "$(metric "$URL" 'p1_telegrams_total{meter="cap",result="ok"}')" = 0
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: rotation and the total bound"
"$EMULATE" -n 400 -s 2024-05-01T10:00:00Z >"$T/long.txt"
start_exporter rot --replay "$T/long.txt,name=rot,rate=200" \
	--capture.dir="$T/rot" --capture.max-file-bytes=65536 \
	--capture.max-total-bytes=131072
check "replayed" wait_for 10 finished
del=$(metric "$URL" 'p1_capture_files_deleted_total')
stop_pid "$EXPORTER_PID"
files=$(ls "$T/rot" | wc -l)
total=$(cat "$T/rot"/* | wc -c)
check "rotated by size ($files files kept, $del deleted)" test "$files" -ge 2 -a "${del:-0}" -ge 1
check "total $total within the bound plus the open file" test "$total" -le $((131072 + 65536))
check "no file past its size" bash -c "! find '$T/rot' -size +65536c | grep -q ."
cat $(ls -tr "$T/rot"/*.p1) >"$T/rot.cat"
check "the files kept are the newest telegrams, in order" bash -c \
	"tail -c $(wc -c <"$T/rot.cat") '$T/long.txt' | cmp - '$T/rot.cat'"

echo "$TEST_NAME: a new pair of files at UTC midnight"
# libfaketime moves the exporter's wall clock (only: CLOCK_MONOTONIC stays
# real, so the event loop's timers are unaffected) to 5 s before the next
# UTC midnight; 64 telegrams at 8/s then straddle it (however slowly a
# loaded machine starts the exporter, up to 5 s).
if ! FT=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n1) ||
	[ -z "$FT" ]; then
	echo "libfaketime missing: install package faketime" >&2
	exit 1
fi
"$EMULATE" -n 64 -s 2024-05-01T10:00:00Z >"$T/mid.txt"
now=$(date -u +%s)
off=$(( (now / 86400 + 1) * 86400 - 5 - now ))
day1=$(date -u -d "@$((now + off))" +%Y%m%d)
day2=$(date -u -d "@$((now + off + 5))" +%Y%m%d)
# (Under ASan, the preloaded library comes before ASan's runtime: allowed.)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	LD_PRELOAD=$FT FAKETIME="+${off}s" FAKETIME_DONT_FAKE_MONOTONIC=1 \
	start_exporter mid --replay "$T/mid.txt,name=mid,rate=8" \
	--capture.dir="$T/mid"
check "replayed across midnight" wait_for 20 finished
stop_pid "$EXPORTER_PID"
ls "$T/mid" >"$T/mid.ls"
check "two .p1 files: $(tr '\n' ' ' <"$T/mid.ls")" \
	test "$(grep -c '\.p1$' "$T/mid.ls")" = 2
check "the first started on $day1 before midnight" \
	grep -q "^mid-${day1}T2359[0-9][0-9]Z\.p1$" "$T/mid.ls"
check "the second at $day2 00:00" \
	grep -q "^mid-${day2}T0000[0-9][0-9]Z\.p1$" "$T/mid.ls"
check "both non-empty" bash -c "! find '$T/mid' -name '*.p1' -empty | grep -q ."
cat $(ls "$T/mid"/mid-*.p1 | sort) >"$T/mid.cat"
check "together, every telegram once, in order" cmp "$T/mid.txt" "$T/mid.cat"
finish
