#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Malformed and hostile HTTP: bad request lines, oversized headers and
# URLs, bodies, unknown versions, slow clients holding connections, more
# clients than allowed.  The exporter must answer with proper status codes,
# keep serving scrapes, and stay alive.
. "$(dirname "$0")/lib.sh"
PROBE="python3 $(dirname "$0")/http_probe.py"

start_exporter http --emulate=dsmr5,interval=0.5s --web.max-connections=16 \
	--web.timeout=2s --web.max-request-bytes=4096
HTTP1_PORT=$PORT HTTP1_URL=$URL HTTP1_PID=$EXPORTER_PID
# The defaults, for the connection floods.
start_exporter http-defaults --emulate=dsmr5,interval=0.5s
PORT2=$PORT
PORT=$HTTP1_PORT URL=$HTTP1_URL EXPORTER_PID=$HTTP1_PID
raw() { $PROBE "$PORT" raw "$1"; }
expect() { # DESCRIPTION REQUEST STATUS...
	local what=$1 req=$2 got
	shift 2
	got=$(raw "$req")
	for s in "$@"; do
		[ "$got" = "$s" ] && { ok "$what: $got"; return; }
	done
	fail "$what: got $got, expected $*"
}

expect "plain GET" 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' 200
expect "HTTP/1.0" 'GET /metrics HTTP/1.0\r\n\r\n' 200
expect "garbage request line" 'HELLO\r\n\r\n' 400 closed
expect "binary junk" '\x00\xff\xfe\x16\x03\x01\r\n\r\n' 400 closed
expect "unknown HTTP version" 'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n' 505 400
expect "missing Host in HTTP/1.1" 'GET /metrics HTTP/1.1\r\n\r\n' 400
expect "PUT" 'PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab' 405
expect "DELETE" 'DELETE / HTTP/1.1\r\nHost: x\r\n\r\n' 405
expect "GET with a body" 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' 413
expect "chunked GET" 'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' 413
expect "path escape" 'GET /api/v1/meters/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n' 404
expect "NUL in the path" 'GET /api/v1/meters/emulator%00/telegram HTTP/1.1\r\nHost: x\r\n\r\n' 404 400
long=$(printf 'a%.0s' $(seq 9000))
expect "9000-byte URL" "GET /$long HTTP/1.1\r\nHost: x\r\n\r\n" 414 431 413 400 closed
expect "9000-byte header" "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $long\r\n\r\n" 431 413 400 closed
medium=$(printf 'a%.0s' $(seq 3000))
expect "3000-byte header is fine" "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $medium\r\n\r\n" 200
# web.max-request-bytes (4096 here) exactly: the request line and the
# header lines as sent, 43 bytes around the X-Big value.
v=$(printf 'a%.0s' $(seq 4053))
expect "a request head of exactly 4096 bytes" "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $v\r\n\r\n" 200
expect "4097 bytes" "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${v}a\r\n\r\n" 431
v=$(printf 'a%.0s' $(seq 900))
expect "20% over, in the headers" "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $v$v$v$v$v\r\n\r\n" 431
expect "20% over, in the request line" "GET /metrics?$v$v$v$v$v HTTP/1.1\r\nHost: x\r\n\r\n" 414
hdrs=$(for i in $(seq 400); do printf 'X-%d: y\\r\\n' "$i"; done)
expect "400 headers" "GET /metrics HTTP/1.1\r\nHost: x\r\n${hdrs}\r\n" 431 413 400 closed
check "still alive" kill -0 "$EXPORTER_PID"

echo "$TEST_NAME: slow clients"
$PROBE "$PORT" hold 12 1.0 >"$T/hold1.txt" &
PIDS+=($!)
HOLD=$!
wait_for 5 grep -q . "$T/hold1.txt" 2>/dev/null || true
sleep 0.3
check "a scrape is served while 12 clients stall" \
	curl -sf --max-time 2 -o /dev/null "$URL/metrics"
wait "$HOLD" 2>/dev/null || true

$PROBE "$PORT" hold 16 3.5 >"$T/hold2.txt" &
PIDS+=($!)
HOLD=$!
wait_for 5 grep -q . "$T/hold2.txt" 2>/dev/null || true
check "at the limit, a new client is served at once" \
	curl -sf --max-time 1 -o /dev/null "$URL/metrics"
wait "$HOLD" 2>/dev/null || true
check "and the server closed all 16 stalled ones" test "$(tail -1 "$T/hold2.txt")" = 16
# A header line every 0.2 s does not renew the 2 s request deadline.
got=$($PROBE "$PORT" trickle 6)
check "a trickled request head is closed at web.timeout ($got s)" \
	python3 -c "import sys; sys.exit(not 1.5 <= float('$got') <= 3.5)" 2>/dev/null

echo "$TEST_NAME: 500 idle and 500 slowloris connections"
# From another address than the scraper's, reopening every connection the
# server closes (a flood); from the scraper's own address, held.
for how in "127.0.0.2" "127.0.0.1 --no-reopen"; do
	# shellcheck disable=SC2086
	python3 "$(dirname "$0")/http_abuse.py" "$PORT2" --idle 500 --slow 500 \
		--attack-from $how --scrapes 200 >"$T/abuse.txt" || true
	echo "  attack from $how, scrapes from 127.0.0.1: $(cat "$T/abuse.txt")"
	check "no scrape failed (attack from $how)" grep -q ' failed=0 ' "$T/abuse.txt"
done
check "still alive" kill -0 "$EXPORTER_PID"

echo "$TEST_NAME: keep-alive"
conns=$(curl -sf --max-time 10 -w '%{num_connects}\n' -o /dev/null \
	$(for i in $(seq 20); do printf '%s ' "$URL/metrics"; done) 2>/dev/null |
	grep -v '^#' | awk '/^[0-9]+$/ { n++; c += $1 } END { print n " " c }' || true)
check "20 scrapes on one kept-alive connection ($conns)" test "$conns" = "20 1"
check "still alive" kill -0 "$EXPORTER_PID"
finish
