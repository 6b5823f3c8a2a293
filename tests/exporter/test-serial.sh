#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The serial source on a pseudo-terminal pair (socat): telegrams framed in
# userspace, a byte 0xFF passing the PARMRK escaping, 7E1 DSMR 2.2, and
# the cable "unplugged" (the pty vanishes) and plugged in again.
. "$(dirname "$0")/lib.sh"

start_pty() {
	rm -f "$T/tty$1" "$T/feed$1"
	socat pty,raw,echo=0,link="$T/tty$1" pty,raw,echo=0,link="$T/feed$1" \
		>"$T/socat$1.log" 2>&1 &
	PIDS+=($!)
	SOCAT_PID=$!
	wait_for 5 test -e "$T/feed$1"
}

"$EMULATE" -n 5 -s 2024-05-01T10:00:00Z >"$T/cap.txt"
# A telegram with a 0xFF byte in its header, CRC-correct.
python3 - "$T/ff.txt" <<'PY'
import sys
sys.path.insert(0, __import__("os").path.dirname(sys.argv[0]) or ".")
body = b"/ISK5\xff2MT382-1000\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!"
crc = 0
for b in body:
    crc ^= b
    for _ in range(8):
        crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
open(sys.argv[1], "wb").write(body + b"%04X\r\n" % crc)
PY

echo "$TEST_NAME: 8N1"
start_pty A
start_exporter serial --serial "$T/ttyA,name=pty"
cat "$T/cap.txt" >"$T/feedA"
five() { [ "$(metric "$URL" 'p1_telegrams_total{meter="pty",result="ok"}')" = 5 ]; }
check "five telegrams through the pty" wait_for 5 five
cat "$T/ff.txt" >"$T/feedA"
six() { [ "$(metric "$URL" 'p1_telegrams_total{meter="pty",result="ok"}')" = 6 ]; }
check "a 0xFF byte survives PARMRK unescaping" wait_for 5 six
check "no line errors on a clean line" bash -c \
	"! curl -sf '$URL/metrics' | grep '^p1_line_errors_total{meter=\"pty\"' | grep -qv ' 0$'"

echo "$TEST_NAME: unplug and replug"
stop_pid "$SOCAT_PID"
lost() { has "$URL/api/v1/meters" '"state":"\(disconnected\|connecting\)"'; }
check "hangup noticed" wait_for 5 lost
check "p1_up 0 while unplugged" test "$(metric "$URL" 'p1_up{meter="pty"}')" = 0
start_pty A
back() { has "$URL/api/v1/meters" '"state":"connected"'; }
check "reopened after replug" wait_for 10 back
cat "$T/cap.txt" >"$T/feedA"
more() { [ "$(metric "$URL" 'p1_telegrams_total{meter="pty",result="ok"}')" = 11 ]; }
check "telegrams flow again" wait_for 5 more
check "reconnect counted" test "$(metric "$URL" 'p1_source_reconnects_total{meter="pty"}')" = 1
check "p1_up 1" test "$(metric "$URL" 'p1_up{meter="pty"}')" = 1
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: 7E1 at 9600 (DSMR 2.2)"
"$EMULATE" -n 3 -p dsmr22 >"$T/old.txt"
start_pty B
start_exporter old --serial "$T/ttyB,name=old,baud=9600,mode=7E1"
check "logged 9600 7E1" wait_for 3 grep -q "open at 9600 7E1" "$T/old.log"
cat "$T/old.txt" >"$T/feedB"
three() { [ "$(metric "$URL" 'p1_telegrams_total{meter="old",result="ok"}')" = 3 ]; }
check "three DSMR 2.2 telegrams" wait_for 5 three
"$EXPORTER" --serial "$T/ttyB,baud=1234" --check-config >/dev/null 2>&1 && rc=0 || rc=$?
check "unsupported baud rate refused" test "$rc" = 1
finish
