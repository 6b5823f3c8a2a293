#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The raw telegram TCP server: two clients receive every good telegram
# byte-exact while a third, which stops reading, is disconnected and
# counted without holding them up; max-clients; damaged telegrams are not
# streamed; off by default.
. "$(dirname "$0")/lib.sh"
export TOP
CLIENT="python3 $(dirname "$0")/tgclient.py"
TP=$(free_port)

"$EMULATE" -n 600 -s 2024-05-01T10:00:00Z --corrupt-every 50 >"$T/cap.txt"
read -r good bad < <(python3 "$(dirname "$0")/crc.py" count "$T/cap.txt")
python3 - "$T/cap.txt" "$T/good.txt" <<'PY'
import os, re, sys
sys.path.insert(0, os.path.join(os.environ["TOP"], "tests", "lib"))
from p1crc import crc16
data = open(sys.argv[1], "rb").read()
keep = [m.group(0) for m in re.finditer(rb"/[^!]*!([0-9A-F]{4})\r\n", data)
        if int(m.group(1), 16) == crc16(m.group(0)[:m.start(1) - m.start()])]
open(sys.argv[2], "wb").write(b"".join(keep))
PY
check "$good good and $bad damaged telegrams to stream" test "$good" = 588

# The replay reads a FIFO the test fills once the clients are connected
# (only fd 3 of this shell may hold it open for writing).
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$EXPORTER" --web.listen-address="127.0.0.1:$PORT" \
	--replay "-,name=home,rate=300" --telegram-server.listen="127.0.0.1:$TP" \
	--telegram-server.max-clients=3 <"$T/fifo" 3>&- >"$T/ts.log" 2>&1 &
PIDS+=($!)
EXPORTER_PID=$!
check "exporter started" wait_for 30 curl -sf "$URL/healthz" -o /dev/null
clients() { [ "$(metric "$URL" "p1_telegram_server_clients{meter=\"home\"}")" = "$1" ]; }
$CLIENT read "$TP" "$T/a.out" 3 3>&- &
PIDS+=($!)
A=$!
$CLIENT read "$TP" "$T/b.out" 3 3>&- &
PIDS+=($!)
B_=$!
$CLIENT stall "$TP" 3>&- &
PIDS+=($!)
check "three clients connected" wait_for 20 clients 3
check "a fourth is refused (max-clients 3)" $CLIENT refused "$TP"
check "refusal counted" test "$(metric "$URL" 'p1_telegram_server_disconnects_total{meter="home",reason="refused"}')" = 1
cat "$T/cap.txt" >&3
exec 3>&-
finished() { has "$URL/api/v1/meters" '"state":"finished"'; }
check "replay finished" wait_for 20 finished
wait "$A" "$B_" || true
check "client 1 got all $good good telegrams, byte-exact" cmp "$T/a.out" "$T/good.txt"
check "client 2 got all $good good telegrams, byte-exact" cmp "$T/b.out" "$T/good.txt"
slow=$(metric "$URL" 'p1_telegram_server_disconnects_total{meter="home",reason="slow"}')
check "the stalled client was disconnected and counted ($slow)" test "$slow" = 1
behind=$(grep -o 'a client fell [0-9]* bytes behind' "$T/ts.log" | grep -o '[0-9]*' || true)
check "logged (it was $behind bytes behind)" test -n "$behind"
check "telegrams counted ($good)" test "$(metric "$URL" 'p1_telegram_server_telegrams_total{meter="home"}')" = "$good"
echo "  tcp: 3 clients, 1 stops reading: dropped when $behind bytes behind" \
	"(buffer 65536); the other 2 got all $good telegrams byte-exact"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: off by default"
start_exporter off --replay "$T/cap.txt,name=home,rate=max"
check "no telegram server metrics" bash -c "! curl -sf '$URL/metrics' | grep -q p1_telegram_server"
check "nothing listens on the port" bash -c "! echo >/dev/tcp/127.0.0.1/$TP" 2>/dev/null
finish
