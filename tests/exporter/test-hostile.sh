#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CRC-correct telegrams with hostile content (tests/exporter/hostile.py):
# whatever a meter or someone on the line sends, /metrics stays a valid
# exposition (UTF-8 labels, no negative counters, no undefined behaviour
# on huge numbers), the JSON stays valid UTF-8 JSON, and p1ctl decode
# sends no control bytes to a terminal.
. "$(dirname "$0")/lib.sh"
GEN="python3 $(dirname "$0")/hostile.py"
P1CTL=${P1CTL:-$B/p1ctl}

args=()
for t in $($GEN --list); do
	$GEN "$t" >"$T/$t.txt"
	args+=(--replay "$T/$t.txt,name=$t,rate=max")
done
start_exporter hostile "${args[@]}"
all_finished() {
	[ "$(curl -sf "$URL/api/v1/meters" | grep -o '"state":"finished"' | wc -l)" = \
		"$($GEN --list | wc -l)" ]
}
check "every hostile telegram replayed" wait_for 10 all_finished
curl -sf "$URL/metrics" >"$T/metrics.txt"
utf8() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8", "strict")'; }

echo "$TEST_NAME: /metrics"
check "valid UTF-8" utf8 <"$T/metrics.txt"
if command -v promtool >/dev/null; then
	check "promtool check metrics" promtool check metrics <"$T/metrics.txt"
fi
check "the version label with 0xFF is served, replaced" \
	grep -q '^p1_meter_info{meter="nonutf8",header="ISK5\\\\2M550T-1012��",version="5��"' "$T/metrics.txt"
check "an M-Bus device type beyond int is its label as sent" \
	grep -q '^p1_mbus_info{meter="bignums",channel="1",device="[a-z]*",type="99999999999"} 1$' "$T/metrics.txt"
check "no negative counter" bash -c \
	"! awk '\$1 ~ /_total(\\{|\$)/ && \$2 < 0' '$T/metrics.txt' | grep -q ."
check "a negative register gives no sample" bash -c \
	"! grep -q '^p1_electricity_imported_joules_total{meter=\"bignums\",tariff=\"1\"}' '$T/metrics.txt' &&
	 grep -q '^p1_electricity_imported_joules_total{meter=\"bignums\",tariff=\"2\"} ' '$T/metrics.txt'"

echo "$TEST_NAME: JSON"
for p in /api/v1/meters /api/v1/meters/nonutf8 /api/v1/meters/ansi /api/v1/meters/bignums; do
	curl -sf "$URL$p" >"$T/j.json" || true
	check "$p: valid UTF-8 JSON" python3 -c \
		'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))' <"$T/j.json"
done
check "still alive" kill -0 "$EXPORTER_PID"

stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: identifiers of every family are redacted"
IDS="python3 $(dirname "$0")/ids.py"
fams=(nl-dsmr50 nl-dsmr22 nl-dsmr30 ie-dsmr50 be-emucs lu-smarty at-plain
	hu-plain de-easymeter-q3d nordic-id)
args=()
for f in "${fams[@]}"; do
	if [ -f "$T/$f.txt" ]; then src=$T/$f.txt; else src=$TOP/tests/corpus/$f.txt; fi
	cp "$src" "$T/fam-$f.txt"
	args+=(--replay "$T/fam-$f.txt,name=$f,rate=max")
done
start_exporter redact "${args[@]}"
ALL_URL=$URL ALL_PID=$EXPORTER_PID
start_exporter ids-shown --export-equipment-id "${args[@]}"
SHOWN_URL=$URL
wait_for 10 bash -c "[ \$(curl -sf '$ALL_URL/api/v1/meters' | grep -o '\"state\":\"finished\"' | wc -l) = ${#fams[@]} ]" || true
curl -sf "$ALL_URL/metrics" >"$T/r-metrics.txt" || true
curl -sf "$ALL_URL/api/v1/meters" >"$T/r-meters.json" || true
for f in "${fams[@]}"; do
	$IDS "$T/fam-$f.txt" >"$T/ids-$f.txt"
	{
		cat "$T/r-metrics.txt" "$T/r-meters.json"
		curl -sf "$ALL_URL/api/v1/meters/$f" || true
		curl -sf "$ALL_URL/api/v1/meters/$f/telegram" || true
	} >"$T/r-$f.out"
	curl -sf "$SHOWN_URL/api/v1/meters/$f/telegram" >"$T/shown-$f.out" || true
	n=$(grep -c . "$T/ids-$f.txt" || true)
	check "$f: its $n identifiers are served with --export-equipment-id" \
		bash -c "[ $n -gt 0 ] && grep -qF -f '$T/ids-$f.txt' '$T/shown-$f.out'"
	check "$f: none of them anywhere without it" \
		bash -c "! grep -qF -f '$T/ids-$f.txt' '$T/r-$f.out' && grep -q . '$T/r-$f.out'"
done
check "Kamstrup's serial in the header is masked too" \
	grep -q '^p1_meter_info{meter="nl-dsmr30",header="KMP5 x*"' "$T/r-metrics.txt"

echo "$TEST_NAME: DSMR 3.0, power-failure start, text message"
check "a DSMR 3.0 meter is labelled 3.0" \
	grep -q '^p1_meter_info{meter="nl-dsmr30",.*dsmr="3.0"} 1$' "$T/r-metrics.txt"
check "without a version line or a 3.0 mark: 2.2/3.0, not 2.2" \
	grep -q '^p1_meter_info{meter="nl-dsmr22",.*dsmr="2.2/3.0"} 1$' "$T/r-metrics.txt"
# nl-dsmr50: newest logged failure ended 230405112233S after 321 s.
check "start of the newest long power failure = end - duration" \
	grep -q '^p1_last_long_power_failure_start_timestamp_seconds{meter="nl-dsmr50"} 1680686232$' "$T/r-metrics.txt"
check "the JSON failure log has start times" \
	grep -q '"duration_s":321,"start":1680686232}' "$T/r-nl-dsmr50.out"
check "the text message is a metric" \
	grep -q '^p1_text_message_info{meter="nl-dsmr50",message="Onderhoud netbeheerder 14-03 09:00-11:00",code=""} 1$' "$T/r-metrics.txt"
check "and an event in the log" \
	grep -q 'meter nl-dsmr50: text message: Onderhoud netbeheerder 14-03 09:00-11:00' "$T/redact.log"
check "no text message, no sample" bash -c \
	"! grep -q '^p1_text_message_info{meter=\"be-emucs\"' '$T/r-metrics.txt'"

echo "$TEST_NAME: p1ctl decode"
if [ -x "$P1CTL" ]; then
	"$P1CTL" decode "$T/ansi.txt" >"$T/decode.txt" 2>/dev/null || true
	check "no control byte on the terminal" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(not d or any(b < 0x20 and b != 0x0a or b == 0x7f for b in d))' "$T/decode.txt"
fi
finish
