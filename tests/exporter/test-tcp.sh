#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The TCP source against a local server that misbehaves: connections that
# drop mid-telegram (and the reconnect log's rate limit), a server that
# goes silent (idle timeout), a server that is not there yet.
. "$(dirname "$0")/lib.sh"
SRV="python3 $(dirname "$0")/p1_tcp_server.py"

"$EMULATE" -n 50 -s 2024-05-01T10:00:00Z >"$T/cap.txt"

echo "$TEST_NAME: connections dropped mid-telegram"
SP=$(free_port)
$SRV --port "$SP" --capture "$T/cap.txt" --drop-after 5 --interval 0.02 \
	>"$T/srv1.log" 2>&1 &
PIDS+=($!)
SRV_PID=$!
wait_for 5 grep -q listening "$T/srv1.log"
start_exporter drop --tcp "127.0.0.1:$SP,name=net"
three() { [ "$(metric "$URL" 'p1_source_reconnects_total{meter="net"}')" -ge 3 ]; }
check "reconnects after each drop" wait_for 20 three
t=$(metric "$URL" 'p1_telegrams_total{meter="net",result="truncated"}')
k=$(metric "$URL" 'p1_telegrams_total{meter="net",result="ok"}')
check "each cut telegram counted truncated ($t), the rest ok ($k)" \
	test "${t:-0}" -ge 2 -a "${k:-0}" -ge 15
check "no CRC error from a cut telegram" \
	test "$(metric "$URL" 'p1_telegrams_total{meter="net",result="crc_error"}')" = 0
check "server saw the reconnections" test "$(grep -c connection "$T/srv1.log")" -ge 3
# Issue 10 item 6: a connection that drops every second is logged at most
# LOG_RL_BURST (5) times a minute, connects and drops alike.
eight() { [ "$(metric "$URL" 'p1_source_reconnects_total{meter="net"}')" -ge 8 ]; }
check "eight reconnects" wait_for 30 eight
c=$(grep -c "tcp 127.0.0.1:$SP: connected" "$T/drop.log" || true)
d=$(grep -c "reconnecting with backoff" "$T/drop.log" || true)
check "reconnect log rate-limited ($c connected, $d dropped lines)" \
	test "$c" -le 5 -a "$d" -le 5
stop_pid "$EXPORTER_PID"
stop_pid "$SRV_PID"

echo "$TEST_NAME: a server that goes silent"
SP=$(free_port)
$SRV --port "$SP" --capture "$T/cap.txt" --silent-after 3 --interval 0.02 \
	>"$T/srv2.log" 2>&1 &
PIDS+=($!)
SRV_PID=$!
wait_for 5 grep -q listening "$T/srv2.log"
# (Silent but connected lasts from stale-after to idle-timeout: 2.5 s, so
# that a loaded machine's slow polls still see it.)
start_exporter idle --tcp "127.0.0.1:$SP,name=quiet" --tcp.idle-timeout=3s \
	--meter.stale-after=0.5s
stale() { [ "$(metric "$URL" 'p1_up{meter="quiet"}')" = 0 ] && [ "$(metric "$URL" 'p1_source_connected{meter="quiet"}')" = 1 ]; }
check "silent but connected: p1_up 0 after meter.stale-after" wait_for 15 stale
twice() { [ "$(grep -c connection "$T/srv2.log")" -ge 2 ]; }
check "idle timeout reconnects" wait_for 20 twice
check "logged" grep -q "idle timeout" "$T/idle.log"
stop_pid "$EXPORTER_PID"
stop_pid "$SRV_PID"

echo "$TEST_NAME: a server that is not there yet"
SP=$(free_port)
start_exporter late --tcp "localhost:$SP,name=late"
sleep 1.5
check "connecting, p1_up 0" bash -c \
	"curl -sf '$URL/api/v1/meters' | grep -q '\"state\":\"connecting\"' && [ \"\$(curl -sf '$URL/metrics' | grep '^p1_up{meter=\"late\"}')\" = 'p1_up{meter=\"late\"} 0' ]"
$SRV --port "$SP" --capture "$T/cap.txt" --interval 0.05 >"$T/srv3.log" 2>&1 &
PIDS+=($!)
up() { [ "$(metric "$URL" 'p1_up{meter="late"}')" = 1 ]; }
check "connects once the server appears (name resolved)" wait_for 20 up
finish
