#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Encrypted meters (Luxembourg Smarty, Austria): key-file= and
# auth-key-file= on --replay, --tcp and the config file; frames decrypted
# and taken in like text telegrams; authentication failures, replays and
# frames without a key counted per meter (p1_encrypted_frames_total) and
# logged; the emulated smarty meter end to end.
. "$(dirname "$0")/lib.sh"
C=$TOP/tests/corpus
install -m 600 "$C/lu-smarty.key" "$T/lu.key"
install -m 600 "$C/at-plain.key" "$T/at.key"
install -m 600 "$C/at-plain.auth-key" "$T/at.auth"
enc() { metric "$URL" "p1_encrypted_frames_total{meter=\"$1\",result=\"$2\"}"; }
tg() { metric "$URL" "p1_telegrams_total{meter=\"$1\",result=\"$2\"}"; }
finished() {
	curl -sf "$URL/api/v1/meters" | json_check \
		"sys.exit(not [m for m in d['meters'] if m['name'] == '$1' and m['state'] == 'finished'])"
}

# 20 frames, every 10th with one byte damaged, then the same 20 again
# (replays): 18 decrypted, 2 + 2 failed authentication, 18 replayed.
"$EMULATE" -p smarty -n 20 -s 2024-05-01T10:00:00Z --key-file "$T/lu.key" \
	--corrupt-every 10 >"$T/half.bin"
cat "$T/half.bin" "$T/half.bin" >"$T/cap.bin"
# The last good frame is no. 19 (no. 20 was damaged): the plaintext
# emulation's 19th telegram has the same readings.
"$EMULATE" -p smarty -n 19 -s 2024-05-01T10:00:00Z >"$T/plain19.txt"

echo "$TEST_NAME: replay with key-file"
start_exporter replay --replay "$T/cap.bin,rate=max,name=lux,key-file=$T/lu.key" \
	--replay "$T/plain19.txt,rate=max,name=p19"
check "reaches the end" wait_for 10 finished lux
check "decrypted 18" test "$(enc lux decrypted)" = 18
check "auth_failed 4" test "$(enc lux auth_failed)" = 4
check "replay 18" test "$(enc lux replay)" = 18
check "no_key 0" test "$(enc lux no_key)" = 0
check "18 telegrams ok" test "$(tg lux ok)" = 18
check "no CRC error: nothing forged got through" test "$(tg lux crc_error)" = 0
check "up" test "$(metric "$URL" 'p1_up{meter="lux"}')" = 1
wait_for 10 finished p19 || true
for m in p1_electricity_imported_joules_total p1_electricity_exported_joules_total; do
	a=$(metric "$URL" "$m{meter=\"lux\",tariff=\"total\"}")
	b=$(metric "$URL" "$m{meter=\"p19\",tariff=\"total\"}")
	check "$m decrypted ($a) = plaintext ($b)" test -n "$a" -a "$a" = "$b"
done
check "plaintext meter has no encrypted-frames series" \
	test -z "$(enc p19 decrypted)"
n=$(grep -c "failed authentication" "$T/replay.log" || true)
check "auth failures logged ($n lines, rate-limited)" test "$n" -ge 1 -a "$n" -le 5
check "replays logged" grep -q "replayed" "$T/replay.log"
check "JSON has the decrypted reading" bash -c \
	"curl -sf '$URL/api/v1/meters/lux' | grep -q 'Lux5'"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: no key"
start_exporter nokey --replay "$T/cap.bin,rate=max,name=lux"
check "reaches the end" wait_for 10 finished lux
check "no_key 40" test "$(enc lux no_key)" = 40
check "nothing decrypted" test "$(enc lux decrypted)" = 0
check "0 telegrams" test "$(tg lux ok)" = 0
check "no garbage: frames are not noise" test "$(metric "$URL" 'p1_garbage_bytes_total{meter="lux"}')" = 0
check "not up" test "$(metric "$URL" 'p1_up{meter="lux"}')" = 0
check "a clear log line" grep -q "encrypted (DLMS) frames and no key is set" "$T/nokey.log"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: wrong key, Austrian authentication key, config file"
cat >"$T/p1.conf" <<CONF
replay = $C/at-plain.dlms,rate=max,name=at,key-file=$T/at.key,auth-key-file=$T/at.auth
replay = $C/at-plain.dlms,rate=max,name=atnoauth,key-file=$T/at.key
replay = $T/cap.bin,rate=max,name=wrong,key-file=$T/at.key
CONF
start_exporter conf --config.file "$T/p1.conf"
check "reaches the end" wait_for 10 finished wrong
wait_for 5 finished at || true
check "Austrian frame decrypted with its auth key" test "$(enc at decrypted)" = 1
check "... and read" test "$(tg at ok)" = 1
check "without it: auth_failed" test "$(enc atnoauth auth_failed)" = 1
check "wrong key: all 40 auth_failed" test "$(enc wrong auth_failed)" = 40
check "a hint at the auth key" grep -q "auth-key" "$T/conf.log"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: tcp source with key-file"
port=$(free_port)
python3 - "$port" "$T/half.bin" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
c, _ = s.accept()
data = open(sys.argv[2], "rb").read()
try:
    for i in range(0, len(data), 97):   # odd chunks: frames split anywhere
        c.sendall(data[i:i + 97])
        time.sleep(0.001)
    time.sleep(30)
except OSError:
    pass
PY
PIDS+=($!)
start_exporter tcp --tcp "127.0.0.1:$port,name=tcp,key-file=$T/lu.key"
tcp18() { [ "$(enc tcp decrypted)" = 18 ]; }
check "18 frames decrypted over TCP" wait_for 10 tcp18
tcp2() { [ "$(enc tcp auth_failed)" = 2 ]; }
check "2 failed authentication" wait_for 10 tcp2
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: bad options"
chmod 644 "$T/lu.key"
start_exporter loose --replay "$T/cap.bin,rate=max,name=x,key-file=$T/lu.key"
check "warns about a key file others can read" grep -q "readable by others" "$T/loose.log"
stop_pid "$EXPORTER_PID"
printf 'nonsense\n' >"$T/bad.key"
rc=0; "$EXPORTER" --replay "$T/cap.bin,key-file=$T/bad.key" --check-config >"$T/bad.log" 2>&1 || rc=$?
check "a bad key file is refused" test "$rc" != 0
check "... saying why" grep -q "not a key" "$T/bad.log"
rc=0; "$EXPORTER" --replay "$T/cap.bin,auth-key-file=$T/at.auth" --check-config >"$T/bad2.log" 2>&1 || rc=$?
check "auth-key-file alone is refused" test "$rc" != 0

echo "$TEST_NAME: emulated smarty meter, encrypted end to end"
start_exporter emu --emulate="smarty,name=lu,interval=0.05,key-file=$T/lu.key"
many() { [ "$(enc lu decrypted)" -ge 10 ] 2>/dev/null; }
check "emulated Smarty frames decrypted" wait_for 10 many
check "up" test "$(metric "$URL" 'p1_up{meter="lu"}')" = 1
check "no failures" test "$(enc lu auth_failed)" = 0 -a "$(enc lu replay)" = 0
stop_pid "$EXPORTER_PID"
finish
