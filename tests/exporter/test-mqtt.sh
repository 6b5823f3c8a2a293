#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# MQTT and Home Assistant discovery against real mosquitto brokers (Debian's
# mosquitto), each started here on a free loopback port with its own
# configuration: topics and retained flags, discovery checked against Home
# Assistant's documented schema (ha_discovery.py), state equal to the JSON
# API's reading, Home Assistant's birth message, removal of stale entities,
# a broker restart in the middle (telegrams and scrapes go on), the last
# will on kill -9, a clean exit, password authentication, TLS with a client
# certificate.  Prints the entities announced for a DSMR 5 meter with gas
# and a Belgian eMUCs meter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"

BPORT=$(free_port)
start_broker broker "$BPORT"
start_exporter mqtt --emulate=dsmr5,name=nl,interval=1s \
	--emulate=emucs,name=be,interval=1s \
	--mqtt.url="mqtt://127.0.0.1:$BPORT" --mqtt.homeassistant \
	--mqtt.values --mqtt.client-id=p1-test
check "connected to the broker" wait_for 10 up 1
sleep 3
# (telegrams before the first CONNACK count as dropped: compare from here)
dropped0=$(m p1_mqtt_messages_dropped_total)
check "p1/status online, retained" $MC retained "$BPORT" p1/status online
check "p1/nl/availability online, retained" \
	$MC retained "$BPORT" p1/nl/availability online
check "p1/be/availability online, retained" \
	$MC retained "$BPORT" p1/be/availability online
check "state not retained without --mqtt.retain" \
	$MC retained "$BPORT" p1/nl/state -
echo "  entities announced for the DSMR 5 meter with gas (emulator dsmr5):"
check "DSMR 5 discovery passes the schema, has the Energy dashboard entities" \
	$MC discovery "$BPORT" homeassistant p1_nl energy_import_tariff1 \
	energy_import_tariff2 energy_export_tariff1 energy_export_tariff2 \
	power_import power_export l1_voltage l1_current l1_power_import \
	mbus1_volume tariff power_failures long_power_failures \
	l1_voltage_sags telegrams_ok crc_errors
$MC discovery "$BPORT" homeassistant p1_nl | sed 's/^/    /' | tee "$T/entities-dsmr5.txt"
echo "  entities announced for the Belgian meter (emulator emucs):"
check "eMUCs discovery passes the schema, has demand and month peak" \
	$MC discovery "$BPORT" homeassistant p1_be energy_import_tariff1 \
	energy_import_tariff2 energy_export_tariff1 energy_export_tariff2 \
	power_import power_export demand month_peak month_peak_time
$MC discovery "$BPORT" homeassistant p1_be | sed 's/^/    /' | tee "$T/entities-emucs.txt"
check "gas is an Energy-dashboard gas entity (m³, total_increasing)" \
	grep -q '^    mbus1_volume gas total_increasing m³$' "$T/entities-dsmr5.txt"
check "the state has no equipment id (not exported)" bash -c \
	"mosquitto_sub -p $BPORT -t p1/nl/state -C 1 -W 5 |
	 python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(\"equipment_id\" in d or not d[\"equipment_ids_redacted\"])'"
check "state equals the API's reading; templates and values match (nl)" \
	$MC live "$BPORT" "$URL" p1 nl 5
check "state equals the API's reading; templates and values match (be)" \
	$MC live "$BPORT" "$URL" p1 be 5

# Discovery is not repeated per telegram, but on Home Assistant's birth.
n=$($MC count "$BPORT" 'homeassistant/sensor/p1_nl/+/config' 3)
check "no discovery messages between events ($n in 3 s)" test "$n" = 0
$MC count "$BPORT" 'homeassistant/sensor/p1_nl/+/config' 5 "$T/subscribed" \
	>"$T/birth" &
cpid=$!
wait_for 5 test -e "$T/subscribed" || true
mosquitto_pub -p "$BPORT" -t homeassistant/status -m online
wait $cpid
n=$(cat "$T/birth")
check "discovery sent again on homeassistant/status online ($n)" test "$n" -gt 10

# An entity left by an earlier run, whose value the meter does not send.
mosquitto_pub -p "$BPORT" -r -t homeassistant/sensor/p1_nl/old_value/config \
	-m '{"name":"old","state_topic":"p1/nl/state","unique_id":"p1_nl_old_value"}'
check "a stale entity's config is removed" \
	wait_for 10 $MC retained "$BPORT" homeassistant/sensor/p1_nl/old_value/config -
check "... and logged" grep -q "no longer sends old_value" "$T/mqtt.log"
check "messages counted as sent" test "$(m p1_mqtt_messages_sent_total)" -gt 100
check "none dropped while connected" test "$(m p1_mqtt_messages_dropped_total)" = "$dropped0"

# The broker goes away for a while.
tg0=$(m 'p1_telegrams_total{meter="nl",result="ok"}')
stop_pid "$BROKER_PID"
check "disconnection noticed" wait_for 5 up 0
slow=0
maxt=0
for _ in $(seq 10); do
	t=$(curl -s -o /dev/null -w '%{time_total}' "$URL/metrics")
	awk -v t="$t" 'BEGIN { exit !(t < 0.5) }' || slow=$((slow + 1))
	maxt=$(awk -v t="$t" -v m="$maxt" 'BEGIN { print (t > m ? t : m) }')
	sleep 0.4
done
tg1=$(m 'p1_telegrams_total{meter="nl",result="ok"}')
dropped=$(m p1_mqtt_messages_dropped_total)
echo "  broker down ~5 s: telegrams $tg0 -> $tg1, 10 scrapes (slowest ${maxt}s, $slow over 0.5 s), $dropped messages dropped"
check "telegrams taken in while the broker is down" test "$tg1" -gt "$((tg0 + 2))"
check "scrapes answered at once while the broker is down" test "$slow" = 0
check "messages dropped (QoS 0) while the broker is down" test "$dropped" -gt 0
start_broker broker "$BPORT"
check "reconnected after the broker restart" wait_for 20 up 1
check "one reconnect counted" test "$(m p1_mqtt_reconnects_total)" = 1
check "p1/status online again (broker kept nothing)" \
	wait_for 5 $MC retained "$BPORT" p1/status online
check "discovery sent again on reconnecting" \
	$MC discovery "$BPORT" homeassistant p1_nl energy_import_tariff1 mbus1_volume
check "state flows again" $MC live "$BPORT" "$URL" p1 nl 3

# Clean exit: offline, retained.
stop_pid "$EXPORTER_PID"
check "clean exit: p1/status offline" $MC retained "$BPORT" p1/status offline
check "clean exit: availability offline" \
	$MC retained "$BPORT" p1/nl/availability offline

# --mqtt.retain, then the last will on kill -9.
start_exporter mqtt2 --emulate=dsmr5,name=nl,interval=0.5s \
	--mqtt.url="mqtt://127.0.0.1:$BPORT" --mqtt.retain --mqtt.qos=1 \
	--mqtt.telegram --mqtt.interval=2s
check "connected (QoS 1)" wait_for 10 up 1
n=$($MC count "$BPORT" p1/nl/state 6)
check "--mqtt.interval=2s: $n state messages in 6 s (12 telegrams)" \
	test "$n" -ge 2 -a "$n" -le 4
check "p1/status online" wait_for 5 $MC retained "$BPORT" p1/status online
check "state retained with --mqtt.retain" wait_for 5 $MC retained "$BPORT" p1/nl/state
check "raw telegram published, equipment id blanked" bash -c \
	"mosquitto_sub -p $BPORT -t p1/nl/telegram -C 1 -W 5 | grep -q '^0-0:96.1.1(xxxx'"
# QoS 1: what is made while the broker is away waits in the queue.
stop_pid "$BROKER_PID"
check "QoS 1, broker away: disconnected" wait_for 5 up 0
check "QoS 1, broker away: messages queued" wait_for 5 \
	bash -c "test \"\$(curl -s $URL/metrics | awk '/^p1_mqtt_queued_messages /{print \$2}')\" -gt 2"
q=$(m p1_mqtt_queued_messages)
start_broker broker "$BPORT"
check "QoS 1: reconnected" wait_for 20 up 1
check "QoS 1: the $q queued messages delivered (queue empty)" \
	wait_for 10 bash -c "test \"\$(curl -s $URL/metrics | awk '/^p1_mqtt_queued_messages /{print \$2}')\" = 0"
check "QoS 1: nothing dropped" test "$(m p1_mqtt_messages_dropped_total)" = 0
kill -9 "$EXPORTER_PID"
check "kill -9: the last will sets p1/status offline" \
	wait_for 5 $MC retained "$BPORT" p1/status offline
stop_pid "$BROKER_PID"

# A broker that stops reading (SIGSTOP): once the socket buffers are full
# the queue holds 256 messages, the rest is dropped and counted, telegrams
# and scrapes go on; SIGCONT drains it.  (8 meters at 20 telegrams/s with
# per-value topics fill the buffers in seconds.)
start_broker broker "$BPORT"
many=()
for i in 1 2 3 4 5 6 7 8; do many+=(--emulate=dsmr5,name=m$i,interval=0.05s); done
start_exporter flood "${many[@]}" --mqtt.url="mqtt://127.0.0.1:$BPORT" \
	--mqtt.values
check "flood: connected" wait_for 10 up 1
kill -STOP "$BROKER_PID"
queued() { test "$(m p1_mqtt_queued_messages)" = 256; }
check "broker stalled: the queue fills to its bound (256)" wait_for 45 queued
d0=$(m p1_mqtt_messages_dropped_total)
tg0=$(m 'p1_telegrams_total{meter="m1",result="ok"}')
t=$(curl -s -o /dev/null -w '%{time_total}' "$URL/metrics")
sleep 1
check "broker stalled: more dropped ($d0 -> $(m p1_mqtt_messages_dropped_total))" \
	test "$(m p1_mqtt_messages_dropped_total)" -gt "$d0"
check "broker stalled: telegrams go on" \
	test "$(m 'p1_telegrams_total{meter="m1",result="ok"}')" -gt "$((tg0 + 5))"
check "broker stalled: scrape in ${t}s" awk -v t="$t" 'BEGIN { exit !(t < 0.5) }'
check "broker stalled: still at most 256 queued" \
	test "$(m p1_mqtt_queued_messages)" -le 256
kill -CONT "$BROKER_PID"
check "broker back: the queue drains" wait_for 10 bash -c \
	"test \"\$(curl -s $URL/metrics | awk '/^p1_mqtt_queued_messages /{print \$2}')\" -lt 256"
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"

# No broker at start: telegrams flow, the exporter connects once it comes.
start_exporter nobroker --emulate=dsmr5,interval=1s \
	--mqtt.url="mqtt://127.0.0.1:$BPORT"
failures() { [ "$(m p1_mqtt_connect_failures_total)" -ge 1 ] 2>/dev/null; }
check "no broker at start: connection failures counted" wait_for 10 failures
tg1() { [ "$(m 'p1_telegrams_total{meter="emulator",result="ok"}')" -ge 1 ] 2>/dev/null; }
check "no broker at start: telegrams taken in" wait_for 10 tg1
start_broker broker "$BPORT"
check "no broker at start: connected when it comes" wait_for 20 up 1
check "no broker at start: p1/status online" \
	wait_for 5 $MC retained "$BPORT" p1/status online
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"

# A value the meter stops sending: its entity goes (replay: 6 telegrams
# with the gas meter, then 6 without it).
"$EMULATE" -n 6 -s @1700000000 -i 1 >"$T/gas.txt"
"$EMULATE" -n 6 -s @1700000006 -i 1 | python3 -c '
import re, sys
sys.path.insert(0, sys.argv[1])
from p1crc import crc16
for m in re.finditer(rb"/[^!]*!", sys.stdin.buffer.read()):
    body = re.sub(rb"0-1:[^\n]*\n", b"", m.group(0))
    sys.stdout.buffer.write(body + b"%04X\r\n" % crc16(body))
' "$TOP/tests/lib" >"$T/nogas.txt"
cat "$T/gas.txt" "$T/nogas.txt" >"$T/gasgone.txt"
start_broker broker "$BPORT"
start_exporter gone --replay="$T/gasgone.txt,name=r,rate=2" \
	--mqtt.url="mqtt://127.0.0.1:$BPORT" --mqtt.homeassistant
check "gas gone: its entity is removed" wait_for 15 \
	grep -q "meter r no longer sends mbus1_volume" "$T/gone.log"
check "gas gone: no retained config left" \
	$MC retained "$BPORT" homeassistant/sensor/p1_r/mbus1_volume/config -
check "gas gone: the other entities stay" \
	$MC retained "$BPORT" homeassistant/sensor/p1_r/energy_import_tariff1/config
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"

# Password authentication.
P2=$(free_port)
mosquitto_passwd -b -c "$T/passwd" alice s3cret 2>/dev/null
start_broker auth "$P2" "allow_anonymous false" "password_file $T/passwd"
echo s3cret >"$T/pw"
echo wrong >"$T/badpw"
check "a password in the URL is refused" bash -c \
	"! '$EXPORTER' --emulate --mqtt.url=mqtt://alice:s3cret@127.0.0.1:$P2 --check-config >/dev/null 2>&1"
start_exporter auth --emulate=dsmr5,interval=1s \
	--mqtt.url="mqtt://alice@127.0.0.1:$P2" --mqtt.password-file="$T/pw"
check "password accepted" wait_for 10 up 1
stop_pid "$EXPORTER_PID"
start_exporter badauth --emulate=dsmr5,interval=1s \
	--mqtt.url="mqtt://alice@127.0.0.1:$P2" --mqtt.password-file="$T/badpw"
check "wrong password: a clear error" wait_for 10 \
	grep -q "refused the connection: .*not authori.ed.*password-file" "$T/badauth.log"
check "wrong password: not connected, failures counted" bash -c \
	"test \"\$(curl -s $URL/metrics | awk '/^p1_mqtt_connected /{print \$2}')\" = 0 &&
	 test \"\$(curl -s $URL/metrics | awk '/^p1_mqtt_connect_failures_total /{print \$2}')\" -ge 1"
check "telegrams go on regardless" wait_for 5 bash -c \
	"curl -s $URL/metrics | grep -q '^p1_telegrams_total{meter=\"emulator\",result=\"ok\"} [1-9]'"
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"

# TLS with a test CA and a client certificate.
(
	cd "$T"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=p1-test-ca \
		-keyout ca.key -out ca.pem
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
		-keyout other.key -out other.pem
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-keyout server.key -out server.csr
	printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 2 -extfile san.ext -out server.pem
	openssl req -newkey rsa:2048 -nodes -subj /CN=p1-exporter \
		-keyout client.key -out client.csr
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -days 2 -out client.pem
) >"$T/openssl.log" 2>&1
P3=$(free_port)
P4=$(free_port)
start_broker tls "$P4" "listener $P3 127.0.0.1" "cafile $T/ca.pem" \
	"certfile $T/server.pem" "keyfile $T/server.key" \
	"require_certificate true"
wait_for 5 bash -c "echo >/dev/tcp/127.0.0.1/$P3" 2>/dev/null
start_exporter tls --emulate=dsmr5,interval=1s \
	--mqtt.url="mqtts://127.0.0.1:$P3" --mqtt.ca-file="$T/ca.pem" \
	--mqtt.cert-file="$T/client.pem" --mqtt.key-file="$T/client.key"
check "TLS with a client certificate: connected" wait_for 10 up 1
check "TLS: messages arrive" wait_for 5 $MC retained "$P4" p1/status online
stop_pid "$EXPORTER_PID"
start_exporter tls-badca --emulate=dsmr5,interval=1s \
	--mqtt.url="mqtts://127.0.0.1:$P3" --mqtt.ca-file="$T/other.pem" \
	--mqtt.cert-file="$T/client.pem" --mqtt.key-file="$T/client.key"
check "TLS: a broker the CA did not sign: the connection fails" \
	wait_for 10 failures
check "TLS: a broker the CA did not sign is refused" up 0
check "... and the log says it is TLS (not 'no answer' after 15 s)" \
	grep -q "cannot connect to .*\(certificate verify failed\|TLS error\)" \
	"$T/tls-badca.log"
stop_pid "$EXPORTER_PID"
start_exporter tls-nocert --emulate=dsmr5,interval=1s \
	--mqtt.url="mqtts://127.0.0.1:$P3" --mqtt.ca-file="$T/ca.pem"
check "TLS: no client certificate: the connection fails" wait_for 10 failures
check "TLS: no client certificate, the broker refuses" up 0
stop_pid "$EXPORTER_PID"
finish
