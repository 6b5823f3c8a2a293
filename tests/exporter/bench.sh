#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# p1-exporter benchmarks (make bench-exporter).  Figures are printed and
# written to $B/bench/exporter.txt; nothing here is a pass/fail assert
# except that each measurement must have run.
#   1. memory: peak RSS and private memory after replaying a day of
#      telegrams at 1 Hz (86,400) as fast as possible, RSS sampled along
#      the way to show (no) growth;
#   2. CPU seconds per 1,000 telegrams (the same replay);
#   3. scrapes per second and latency percentiles with wrk on loopback
#      while telegrams flow (emulated meters plus a looping replay);
#   4. read() calls per telegram on the stream sources (the kernel
#      source's figure comes from guest-kernel.sh in a qemu guest).
. "$(dirname "$0")/lib.sh"
N=${P1_BENCH_TELEGRAMS:-86400}
WRK_SECS=${P1_BENCH_WRK_SECS:-10}
WRK_CONNS=${P1_BENCH_WRK_CONNS:-16}
OUT=$B/bench/exporter.txt
mkdir -p "$B/bench"
: >"$OUT"
fig() { echo "$*" | tee -a "$OUT"; }

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# Private_Dirty: memory only this process wrote (heap, stack, data): what
# it really costs.  Private_Clean: unmodified file pages (code of the
# shared libraries) that no other process happens to map right now; it
# moves with whatever else runs, so it is shown apart.
private_kb() {
	awk '/^Private_Dirty:/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"
}
clean_kb() {
	awk '/^Private_Clean:/ { s += $2 } END { print s }' "/proc/$1/smaps_rollup"
}
cpu_s() { # utime + stime of a process, in seconds
	awk -v t="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / t }' "/proc/$1/stat"
}

echo "bench: generating $N telegrams (a day at 1 Hz)"
"$EMULATE" -n "$N" -s 2024-03-01T00:00:00Z >"$T/day.txt"
fig "capture: $N telegrams, $(($(stat -c %s "$T/day.txt") / 1048576)) MiB"

# Growth: the same measurement after a tenth of the telegrams.
head -c "$(($(stat -c %s "$T/day.txt") / 10))" "$T/day.txt" >"$T/tenth.txt"
start_exporter tenth --replay "$T/tenth.txt,name=day,rate=max"
wait_for 30 bash -c "curl -sf '$URL/api/v1/meters' | grep -q '\"state\":\"finished\"'"
for _ in $(seq 20); do curl -sf -o /dev/null "$URL/metrics"; done
rss10=$(status_kb "$EXPORTER_PID" VmRSS)
priv10=$(private_kb "$EXPORTER_PID")
n10=$(metric "$URL" 'p1_telegrams_total{meter="day",result="ok"}')
stop_pid "$EXPORTER_PID"

echo "bench: replaying them as fast as possible"
start_exporter day --replay "$T/day.txt,name=day,rate=max"
c0=$(cpu_s "$EXPORTER_PID")
t0=$(date +%s.%N)
samples=""
while ! has "$URL/api/v1/meters" '"state":"finished"'; do
	samples="$samples $(status_kb "$EXPORTER_PID" VmRSS)"
	sleep 0.5
done
t1=$(date +%s.%N)
c1=$(cpu_s "$EXPORTER_PID")
ok=$(metric "$URL" 'p1_telegrams_total{meter="day",result="ok"}')
test "$ok" = "$N" || fail "replayed $ok of $N telegrams"
# A few scrapes, so that rendering is part of the picture too.
for _ in $(seq 20); do curl -sf -o /dev/null "$URL/metrics"; done
hwm=$(status_kb "$EXPORTER_PID" VmHWM)
rss=$(status_kb "$EXPORTER_PID" VmRSS)
priv=$(private_kb "$EXPORTER_PID")
clean=$(clean_kb "$EXPORTER_PID")
fig "replay: $ok telegrams in $(echo "$t1 - $t0" | bc -l | cut -c1-5) s wall"
fig "cpu: $(echo "($c1 - $c0) * 1000 / $ok" | bc -l | cut -c1-6) s per 1000 telegrams (parse, metrics state, JSON-ready copy)"
fig "memory: peak RSS $((hwm / 1024)).$((hwm % 1024 * 10 / 1024)) MiB, RSS now $((rss / 1024)).$((rss % 1024 * 10 / 1024)) MiB, private dirty $((priv / 1024)).$((priv % 1024 * 10 / 1024)) MiB (+ $clean KiB private clean: library code no other process maps now)"
fig "memory: RSS samples during the replay (KiB):$samples"
fig "memory growth: after $n10 telegrams RSS $rss10 KiB, private dirty $priv10 KiB; after $ok: RSS $rss KiB, private dirty $priv KiB"
reads=$(metric "$URL" 'p1_source_read_calls_total{meter="day"}')
fig "replay: $reads read() calls for $ok telegrams (64 KiB chunks)"
stop_pid "$EXPORTER_PID"

echo "bench: wrk on /metrics while telegrams flow"
"$EMULATE" -n 1000 -s 2024-03-01T00:00:00Z >"$T/loop.txt"
start_exporter wrk --emulate=dsmr5,interval=1s --emulate=emucs,name=be,interval=1s \
	--replay "$T/loop.txt,name=loop,rate=10,loop" --web.max-connections=128
curl -sf -o "$T/metrics.txt" "$URL/metrics"
fig "exposition: $(wc -c <"$T/metrics.txt") bytes, $(grep -vc '^#' "$T/metrics.txt") samples, 3 meters"
c0=$(cpu_s "$EXPORTER_PID")
before=$(metric "$URL" 'p1_telegrams_total{meter="loop",result="ok"}')
wrk -t1 -c"$WRK_CONNS" -d"${WRK_SECS}s" --latency "$URL/metrics" >"$T/wrk.txt" 2>&1 ||
	fail "wrk did not run"
c1=$(cpu_s "$EXPORTER_PID")
after=$(metric "$URL" 'p1_telegrams_total{meter="loop",result="ok"}')
rps=$(awk '/^Requests\/sec:/ { print $2 }' "$T/wrk.txt")
p50=$(awk '$1 == "50%" { print $2 }' "$T/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$T/wrk.txt")
errs=$(awk '/Non-2xx|Socket errors/' "$T/wrk.txt")
fig "wrk: $rps scrapes/s, p50 $p50, p99 $p99 ($WRK_CONNS connections, 1 wrk thread, ${WRK_SECS} s, loopback)"
[ -z "$errs" ] || fig "wrk: $errs"
fig "wrk: $((after - before)) telegrams taken in meanwhile (10/s replay + 2 emulated at 1/s); exporter CPU $(echo "($c1 - $c0) / $WRK_SECS * 100" | bc -l | cut -c1-5) % of one core"
rss=$(status_kb "$EXPORTER_PID" VmRSS)
priv=$(private_kb "$EXPORTER_PID")
fig "memory after the wrk run: RSS $((rss / 1024)).$((rss % 1024 * 10 / 1024)) MiB, private dirty $((priv / 1024)).$((priv % 1024 * 10 / 1024)) MiB"
stop_pid "$EXPORTER_PID"

echo "bench: read() calls per telegram, TCP"
SP=$(free_port)
python3 "$(dirname "$0")/p1_tcp_server.py" --port "$SP" --capture "$T/loop.txt" \
	--interval 0.01 >"$T/srv.log" 2>&1 &
PIDS+=($!)
wait_for 5 grep -q listening "$T/srv.log" 2>/dev/null
start_exporter tcp --tcp "127.0.0.1:$SP,name=net"
sleep 3
k=$(metric "$URL" 'p1_telegrams_total{meter="net",result="ok"}')
r=$(metric "$URL" 'p1_source_read_calls_total{meter="net"}')
fig "tcp: $r recv() calls for $k telegrams ($(echo "$r / $k" | bc -l | cut -c1-4) per telegram; each telegram is one send() by the server)"
# A thousand meters in one exporter (issue 17): 1,000 TCP meters from one
# local generator, one telegram per second each (spread over the second).
M=${P1_BENCH_METERS:-1000}
MSECS=${P1_BENCH_METERS_SECS:-20}
echo "bench: $M meters over TCP, one telegram per second each"
"$EMULATE" -n 60 -s 2024-03-01T00:00:00Z >"$T/many.txt"
MP=$(free_port)
python3 "$(dirname "$0")/p1_tcp_many.py" --port "$MP" --capture "$T/many.txt" \
	>"$T/many-srv.log" 2>&1 &
PIDS+=($!)
wait_for 5 grep -q listening "$T/many-srv.log" 2>/dev/null
margs=()
for i in $(seq 0 $((M - 1))); do margs+=(--tcp "127.0.0.1:$MP,name=m$i"); done
start_exporter many "${margs[@]}"
wait_for 30 bash -c "[ \"\$(curl -sf '$URL/metrics' | grep -c '^p1_up{.*} 1\$')\" = $M ]" ||
	fail "not all $M meters up"
sleep 2
c0=$(cpu_s "$EXPORTER_PID")
n0=$(curl -sf "$URL/metrics" | awk '/^p1_telegrams_total\{.*result="ok"\}/ { s += $2 } END { print s }')
sleep "$MSECS"
c1=$(cpu_s "$EXPORTER_PID")
n1=$(curl -sf "$URL/metrics" | awk '/^p1_telegrams_total\{.*result="ok"\}/ { s += $2 } END { print s }')
best=
for _ in $(seq 10); do
	t=$(curl -sf -o "$T/many-metrics.txt" -w '%{time_total}' "$URL/metrics")
	if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
done
rss=$(status_kb "$EXPORTER_PID" VmRSS)
hwm=$(status_kb "$EXPORTER_PID" VmHWM)
fig "meters: $M TCP meters, $((n1 - n0)) telegrams in $MSECS s; exporter CPU $(echo "($c1 - $c0) / $MSECS * 100" | bc -l | cut -c1-5) % of one core"
fig "meters: RSS $((rss / 1024)).$((rss % 1024 * 10 / 1024)) MiB (peak $((hwm / 1024)).$((hwm % 1024 * 10 / 1024)) MiB), $(ls /proc/"$EXPORTER_PID"/fd | wc -l) descriptors"
fig "meters: /metrics $(wc -c <"$T/many-metrics.txt") bytes, $(grep -vc '^#' "$T/many-metrics.txt") samples, best of 10 scrapes $(awk -v t="$best" 'BEGIN { printf "%.1f", t * 1000 }') ms (curl, loopback)"
stop_pid "$EXPORTER_PID"
finish
