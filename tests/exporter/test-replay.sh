#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The replay source: counts of good and damaged telegrams in a capture,
# values of the last good one, the meter's own pace, looping, DSMR 2.2.
. "$(dirname "$0")/lib.sh"
CRC="python3 $(dirname "$0")/crc.py"

"$EMULATE" -n 200 -s 2024-05-01T10:00:00Z --noise 0 --corrupt-every 10 \
	--garbage-every 7 >"$T/cap.txt"
read -r good bad < <($CRC count "$T/cap.txt")
check "capture has $good good and $bad damaged telegrams" test "$good" = 180 -a "$bad" = 20

echo "$TEST_NAME: as fast as possible"
start_exporter max --replay "$T/cap.txt,rate=max,name=cap"
finished() {
	curl -sf "$URL/api/v1/meters" | grep -q '"state":"finished"'
}
check "reaches the end" wait_for 10 finished
check "ok = $good" test "$(metric "$URL" 'p1_telegrams_total{meter="cap",result="ok"}')" = "$good"
check "crc_error = $bad" test "$(metric "$URL" 'p1_telegrams_total{meter="cap",result="crc_error"}')" = "$bad"
g=$(metric "$URL" 'p1_garbage_bytes_total{meter="cap"}')
check "line noise counted as garbage ($g bytes)" test "${g:-0}" -gt 0
n=$(grep -c "telegram rejected" "$T/max.log" || true)
check "$bad CRC errors, $n log lines (rate-limited)" test "$n" -ge 1 -a "$n" -le 5
check "up after the end of the file" test "$(metric "$URL" 'p1_up{meter="cap"}')" = 1
for o in 1-0:1.8.1:imported_joules_total:1 1-0:1.8.2:imported_joules_total:2 \
	1-0:2.8.1:exported_joules_total:1 1-0:2.8.2:exported_joules_total:2; do
	IFS=: read -r a b name tariff <<<"$o"
	kwh=$($CRC last "$T/cap.txt" "$a:$b")
	j=$(metric "$URL" "p1_electricity_${name}{meter=\"cap\",tariff=\"$tariff\"}")
	check "$a:$b of the last good telegram: $kwh kWh = $j J" \
		python3 -c "import sys; sys.exit(abs(float('$kwh')*3.6e6 - $j) > 1e-3)"
done
gas=$($CRC last "$T/cap.txt" 0-1:24.2.1 2)
j=$(metric "$URL" 'p1_mbus_volume_cubic_meters_total{meter="cap",channel="1",device="gas"}')
check "gas $gas m3 = $j" python3 -c "import sys; sys.exit(abs(float('$gas') - $j) > 1e-9)"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: at the meter's pace"
"$EMULATE" -n 4 -s 2024-05-01T10:00:00Z -i 1 >"$T/four.txt"
start_exporter pace --replay "$T/four.txt,name=four"
sleep 0.8
n=$(metric "$URL" 'p1_telegrams_total{meter="four",result="ok"}')
check "after 0.8 s only the first ones ($n) are out" test "${n:-0}" -ge 1 -a "${n:-0}" -le 2
all_four() { [ "$(metric "$URL" 'p1_telegrams_total{meter="four",result="ok"}')" = 4 ]; }
check "all four after their 3 s" wait_for 6 all_four
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: looping, DSMR 2.2"
"$EMULATE" -n 10 -p dsmr22 >"$T/old.txt"
start_exporter loop --replay "$T/old.txt,name=old,rate=max,loop"
many() { [ "$(metric "$URL" 'p1_telegrams_total{meter="old",result="ok"}')" -gt 30 ]; }
check "loops past the end" wait_for 5 many
check "no telegram lost or damaged" test "$(metric "$URL" 'p1_telegrams_total{meter="old",result="truncated"}')" = 0
check "HTTP is served while replaying flat out" \
	bash -c "curl -sf --max-time 2 '$URL/api/v1/meters/old' >/dev/null"
check "DSMR 2.2 gas from the next line" bash -c \
	"curl -sf '$URL/metrics' | grep -q '^p1_mbus_volume_cubic_meters_total{meter=\"old\",channel=\"1\",device=\"gas\"} 4567.89$'"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: a missing file"
start_exporter missing --replay "$T/nonexistent,name=gone"
check "reported, not fatal" bash -c \
	"curl -sf '$URL/api/v1/meters' | grep -q '\"state\":\"disconnected\"'"
check "p1_up 0" test "$(metric "$URL" 'p1_up{meter="gone"}')" = 0
finish
