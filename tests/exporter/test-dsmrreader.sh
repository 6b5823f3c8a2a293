#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DSMR-reader push against a stand-in of DSMR-reader's API
# (dsmrreader_standin.py: checks the token, the form field and every
# telegram's CRC): every telegram arrives once, in order, byte-exact,
# including those sent while it was down or answering 500 and across an
# exporter restart; the queue bound and its drop counter; 401 handling.
. "$(dirname "$0")/lib.sh"
STANDIN="python3 $(dirname "$0")/dsmrreader_standin.py"
SP=$(free_port)
echo "s3cr3t-k3y" >"$T/key"
echo "wrong" >"$T/badkey"

# standin [--status CODE]: (re)start the stand-in on $SP, appending to
# $T/out; sets STANDIN_PID.
standin() {
	$STANDIN "$SP" s3cr3t-k3y "$T/out" "$@" 2>>"$T/standin.err" &
	PIDS+=($!)
	STANDIN_PID=$!
	wait_for 5 bash -c "echo >/dev/tcp/127.0.0.1/$SP" 2>/dev/null
}
dr() { echo --dsmrreader.url="http://127.0.0.1:$SP" "$@"; }
# split FILE N OUT1 OUT2: the first N telegrams of FILE to OUT1, the rest
# to OUT2.
split() {
	python3 - "$@" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
tgs = re.findall(rb"/[^!]*![0-9A-F]{4}\r\n", data)
n = int(sys.argv[2])
open(sys.argv[3], "wb").write(b"".join(tgs[:n]))
open(sys.argv[4], "wb").write(b"".join(tgs[n:]))
PY
}
m() { metric "$URL" "$1{meter=\"$2\"${3:-}}"; }

echo "$TEST_NAME: down, answering 500, and an exporter restart"
"$EMULATE" -n 60 -s 2024-05-01T10:00:00Z --noise 0 >"$T/all.txt"
split "$T/all.txt" 30 "$T/first.txt" "$T/second.txt"
standin
start_exporter run1 --replay "$T/first.txt,name=home,rate=10" \
	$(dr --dsmrreader.api-key-file="$T/key" --dsmrreader.queue-dir="$T/q")
# (At 10/s a few are delivered in half a second; a loaded machine may
# take longer: wait for them rather than a fixed time.)
delivered() { [ "$(grep -c '^201' "$T/out.log" 2>/dev/null)" -ge "$1" ]; }
wait_for 20 delivered 5 || true
stop_pid "$STANDIN_PID" # DSMR-reader goes down for an upgrade
before=$(grep -c '^201' "$T/out.log")
check "pushing while up ($before delivered)" test "$before" -ge 5
finished() { has "$URL/api/v1/meters" '"state":"finished"'; }
check "first half replayed" wait_for 10 finished
q1=$(m p1_dsmrreader_queue_telegrams home)
f1=$(m p1_dsmrreader_failures_total home)
check "telegrams wait in the queue while down ($q1)" test "${q1:-0}" -ge 10
check "failures counted ($f1)" test "${f1:-0}" -ge 1
check "log says where they wait" grep -q "telegrams wait in $T/q" "$T/run1.log"
stop_pid "$EXPORTER_PID"
n=$(ls "$T/q" | grep -c '\.tg$' || true)
check "the queue is on disk after exit ($n files)" test "$n" = "$q1"

standin --status 500
start_exporter run2 --replay "$T/second.txt,name=home,rate=10" \
	$(dr --dsmrreader.api-key-file="$T/key" --dsmrreader.queue-dir="$T/q")
check "the queue is taken in at start" grep -q "$q1 waiting" "$T/run2.log"
check "second half replayed" wait_for 10 finished
r500=$(grep -c '^500' "$T/out.log" || true)
check "500 is retried with backoff ($r500 requests in 3 s)" \
	test "$r500" -ge 2 -a "$r500" -le 5
stop_pid "$STANDIN_PID"
q2=$(m p1_dsmrreader_queue_telegrams home)
check "queued now: $q2 = $q1 + 30" test "$q2" = $((q1 + 30))
t0=$(date +%s.%N)
standin
drained() { [ "$(m p1_dsmrreader_queue_telegrams home)" = 0 ]; }
check "the queue drains when DSMR-reader is back" wait_for 40 drained
t1=$(date +%s.%N)
drain=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
# from the first telegram DSMR-reader took after its return to the last
rate=$(grep '^201' "$T/out.log" | tail -n "$q2" | awk 'NR == 1 { a = $3 } { b = $3 } END { printf "%.2f s", b - a }')
check "every telegram arrived once, in order, byte-exact" cmp "$T/out" "$T/all.txt"
check "DSMR-reader saw no bad CRC or form" bash -c "! grep -q '^400' '$T/out.log'"
p=$(m p1_dsmrreader_pushed_total home)
check "pushed $p = 60 - $before (first run)" test "$p" = $((60 - before))
check "nothing dropped" test "$(m p1_dsmrreader_dropped_total home ',reason="queue_full"')" = 0
echo "  push: 60 telegrams sent, $before delivered at once, $q2 queued" \
	"while down (across a restart), all delivered $drain s after" \
	"DSMR-reader came back (backoff wait included; sending them took $rate)"
stop_pid "$EXPORTER_PID"
stop_pid "$STANDIN_PID"

echo "$TEST_NAME: the queue bound"
rm -f "$T/out" "$T/out.log"
"$EMULATE" -n 100 -s 2024-05-02T10:00:00Z --noise 0 >"$T/hundred.txt"
start_exporter bound --replay "$T/hundred.txt,name=home,rate=max" \
	$(dr --dsmrreader.api-key-file="$T/key" --dsmrreader.queue-dir="$T/qb" \
		--dsmrreader.queue-max-bytes=65536)
check "replayed" wait_for 10 finished
sz=$(python3 -c "import re; print(len(re.findall(rb'/[^!]*![0-9A-F]{4}\r\n', open('$T/hundred.txt','rb').read())[0]))")
keep=$((65536 / sz))
qd=$(m p1_dsmrreader_dropped_total home ',reason="queue_full"')
check "oldest dropped and counted: $qd = 100 - $keep" test "$qd" = $((100 - keep))
qb=$(m p1_dsmrreader_queue_bytes home)
check "queue within its bound ($qb bytes)" test "$qb" -le 65536
standin
check "the kept ones are delivered" wait_for 20 drained
split "$T/hundred.txt" $((100 - keep)) "$T/dropped.txt" "$T/kept.txt"
check "the newest $keep arrived, in order, byte-exact" cmp "$T/out" "$T/kept.txt"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: --dsmrreader.interval"
rm -f "$T/out" "$T/out.log"
"$EMULATE" -n 30 -s 2024-05-04T10:00:00Z --noise 0 >"$T/thirty.txt"
start_exporter interval --replay "$T/thirty.txt,name=home,rate=10" \
	$(dr --dsmrreader.api-key-file="$T/key" --dsmrreader.queue-dir="$T/qi" \
		--dsmrreader.interval=0.45s)
check "replayed" wait_for 10 finished
check "delivered" wait_for 10 drained
n=$(grep -c '^201' "$T/out.log" || true)
check "one telegram in 5 at 10/s with 0.45 s between pushes ($n of 30)" \
	test "$n" -ge 3 -a "$n" -le 8
check "those are whole telegrams of the replay, in order" python3 -c "
import re, sys
a = re.findall(rb'/[^!]*![0-9A-F]{4}\r\n', open('$T/thirty.txt', 'rb').read())
b = re.findall(rb'/[^!]*![0-9A-F]{4}\r\n', open('$T/out', 'rb').read())
idx = [a.index(t) for t in b]
sys.exit(not (len(b) == $n and b[0] == a[0] and idx == sorted(set(idx))))"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: a refused API key"
rm -f "$T/out.log"
"$EMULATE" -n 40 -s 2024-05-03T10:00:00Z --noise 0 >"$T/forty.txt"
start_exporter auth --replay "$T/forty.txt,name=home,rate=10" \
	$(dr --dsmrreader.api-key-file="$T/badkey" --dsmrreader.queue-dir="$T/qa")
refused() { grep -q '^401' "$T/out.log" 2>/dev/null; }
check "the first push is refused (401)" wait_for 20 refused
sleep 3 # a retry, with the 1 s first backoff, would come within this
n401=$(grep -c '^401' "$T/out.log" || true)
check "401 is not retried ($n401 request in 3 s)" test "$n401" = 1
check "a clear error" grep -q "answered 401 (API key refused).*api-key-file" "$T/auth.log"
check "p1_dsmrreader_blocked 1" test "$(m p1_dsmrreader_blocked home)" = 1
queueing() { [ "$(m p1_dsmrreader_queue_telegrams home)" -ge 20 ] 2>/dev/null; }
wait_for 20 queueing || true
qa=$(m p1_dsmrreader_queue_telegrams home)
check "telegrams keep queueing ($qa)" test "${qa:-0}" -ge 20
stop_pid "$EXPORTER_PID"

if [ "$(id -u)" = 0 ]; then
	echo "$TEST_NAME: --user: the queue goes to that user"
	stop_pid "$STANDIN_PID"
	chmod 755 "$T"
	start_exporter user --replay "$T/forty.txt,name=home,rate=max" \
		$(dr --dsmrreader.api-key-file="$T/key" --dsmrreader.queue-dir="$T/qu/dsmr") \
		--user=65534:65534
	check "replayed" wait_for 10 finished
	check "40 telegrams queued as uid 65534" test "$(m p1_dsmrreader_queue_telegrams home)" = 40
	check "queue files owned by 65534" test "$(stat -c %u "$T/qu/dsmr" "$T"/qu/dsmr/*.tg | sort -u)" = 65534
	standin
	check "and sent from there" wait_for 20 drained
	stop_pid "$EXPORTER_PID"
	stop_pid "$STANDIN_PID"
	chmod 700 "$T"
fi

echo "$TEST_NAME: configuration errors"
check "a key file is required" bash -c "! '$EXPORTER' --replay '$T/forty.txt' $(dr) --dsmrreader.queue-dir='$T/qx' 2>/dev/null"
check "an http(s) URL is required" bash -c "! '$EXPORTER' --replay '$T/forty.txt' --dsmrreader.url=ftp://x --dsmrreader.api-key-file='$T/key' 2>/dev/null"
check "two meters need --dsmrreader.meter" bash -c "! '$EXPORTER' --replay '$T/forty.txt' --replay '$T/forty.txt' $(dr --dsmrreader.api-key-file="$T/key") --dsmrreader.queue-dir='$T/qx' 2>/dev/null"
check "--check-config: valid" bash -c "'$EXPORTER' --check-config --replay '$T/forty.txt' $(dr --dsmrreader.api-key-file="$T/key") | grep -q 'configuration OK'"
check "--check-config: a missing key file" bash -c "'$EXPORTER' --check-config --replay '$T/forty.txt' $(dr --dsmrreader.api-key-file="$T/nokey") 2>&1 | grep -q 'nokey: No such file'"
finish
