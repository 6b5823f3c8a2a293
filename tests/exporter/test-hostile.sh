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

echo "$TEST_NAME: p1ctl decode"
if [ -x "$P1CTL" ]; then
	"$P1CTL" decode "$T/ansi.txt" >"$T/decode.txt" 2>/dev/null || true
	check "no control byte on the terminal" python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(not d or any(b < 0x20 and b != 0x0a or b == 0x7f for b in d))' "$T/decode.txt"
fi
finish
