#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# /api/v1/events (Server-Sent Events): one reading event per telegram, in
# order; connected/disconnected events; a client that stops reading is
# disconnected and counted without slowing the exporter or the other
# streams; the number of streams is bounded and scrapes still get through.
. "$(dirname "$0")/lib.sh"
SSE="python3 $TOP/tests/web/sse_client.py"

"$EMULATE" -n 40 -s 2024-01-15T08:00:00Z >"$T/cap.txt"
start_exporter ev --emulate=dsmr5,interval=0.01s \
	--replay="$T/cap.txt,name=cap,rate=4" --web.max-event-streams=4

# A reader that keeps up: 3 s of events, every seq once and in order.
$SSE "$URL/api/v1/events?meter=emulator" 3 >"$T/fast.txt" &
fast=$!
# A reader that never reads (tiny receive buffer): must be dropped.
$SSE "$URL/api/v1/events" stall >"$T/stall.txt" &
stall=$!
# both streams open (else the scrapes below would prove nothing)
streams() { has "$URL/metrics" "^p1_web_event_streams $1\$"; }
check "two streams open" wait_for 10 streams 2
t0=$(date +%s%N)
for _ in $(seq 20); do curl -sf -o /dev/null "$URL/metrics"; done
ms=$((($(date +%s%N) - t0) / 20000000))
wait $fast || true
check "a stream gets one reading event per telegram, in order" \
	python3 -c "
import json,sys
seqs=[json.loads(l)['seq'] for l in open('$T/fast.txt') if l.startswith('{')]
print('  ', len(seqs), 'reading events, seq', seqs[0], '..', seqs[-1])
sys.exit(not (len(seqs) > 20 and seqs == list(range(seqs[0], seqs[0]+len(seqs)))))"
check "scrapes are served while a client stalls (${ms} ms each)" test "$ms" -lt 500
dropped() { has "$URL/metrics" '^p1_web_event_streams_dropped_total [1-9]'; }
check "the stalled client is disconnected and counted" wait_for 30 dropped
kill $stall 2>/dev/null || true

# Bounded: with 4 streams open the fifth is refused, scrapes still work.
pids=()
for i in 1 2 3 4; do
	$SSE "$URL/api/v1/events?meter=cap" 8 >"$T/s$i.txt" &
	pids+=($!)
done
check "four streams open" wait_for 10 streams 4
check "a fifth stream is refused (503)" test "$(curl -s -o /dev/null \
	-w '%{http_code}' --max-time 2 "$URL/api/v1/events")" = 503
check "scrapes work with every stream taken" curl -sf -o /dev/null "$URL/metrics"
check "an unknown meter is a 404" test "$(curl -s -o /dev/null \
	-w '%{http_code}' "$URL/api/v1/events?meter=nope")" = 404
wait "${pids[@]}" || true
check "the replay's end is announced (disconnected or status event)" \
	grep -q '"state":"finished"' "$T/s1.txt"
check "closed streams are noticed (keepalive)" wait_for 15 streams 0
check "curl -N shows the stream as text/event-stream" bash -c \
	"curl -sN --max-time 2 -D - '$URL/api/v1/events?meter=emulator' | grep -qi '^content-type: text/event-stream'"

# Today's starting registers survive a restart (StateDirectory=).
since() {
	curl -sf "$URL/api/v1/meters/emulator/history" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["today"].get("since",""))'
}
has_since() { test -n "$(since)"; }
mkdir -p "$T/state"
kill "$EXPORTER_PID"
STATE_DIRECTORY=$T/state start_exporter day1 --emulate=dsmr5,interval=0.2s
wait_for 10 has_since || true
s1=$(since)
sleep 1.2
kill "$EXPORTER_PID"
STATE_DIRECTORY=$T/state start_exporter day2 --emulate=dsmr5,interval=0.2s
wait_for 10 has_since || true
s2=$(since)
check "today's start is kept in the state directory" test -s "$T/state/today-emulator"
check "and readable by the exporter's user only" \
	test "$(stat -c %a "$T/state/today-emulator")" = 600
check "a restart continues the day (since $s1 = $s2)" test -n "$s1" -a "$s1" = "$s2"
finish
