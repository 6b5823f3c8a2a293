#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Home Assistant discovery of real telegrams (tests/corpus) against a real
# mosquitto broker on a free loopback port: every value of a reading has an
# entity, every template renders (Jinja2) on it, unique_ids are unique and
# stable across restarts; device-based discovery (one config per meter,
# --mqtt.homeassistant-mode=device) holds the same entities, and switching
# modes migrates them; a component the meter stops sending is removed; a
# meter that is gone (renamed) has its device removed.  test-mqtt.sh has
# the rest of MQTT (topics, broker restarts, last will, auth, TLS).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mqtt_lib.sh"

BPORT=$(free_port)
# Real telegrams (tests/corpus, replayed in a loop): a Belgian eMUCs meter
# with the 13-month peak history, gas, water and an empty text message; a
# Nordic meter with reactive energy; a DSMR 5 meter with a text message and
# a long power failure log.  Every value of each reading must be read by a
# discovered entity (or be on mqtt_check.py's short list of what is no
# entity), every template must resolve on it, and the unique_ids must come
# out the same after a restart against an empty broker.
CORPUS="$TOP/tests/corpus"
real_meters() {
	start_exporter "$1" \
		--replay="$CORPUS/be-emucs.txt,name=be,rate=2,loop" \
		--replay="$CORPUS/se-nordic.txt,name=se,rate=2,loop" \
		--replay="$CORPUS/nl-dsmr50.txt,name=nl,rate=2,loop" \
		--mqtt.url="mqtt://127.0.0.1:$BPORT" "${@:2}"
	wait_for 10 up 1
}
start_broker broker "$BPORT"
real_meters real --mqtt.homeassistant --mqtt.values
# (what follows needs the discovery sent: wait for it, not a fixed time)
wait_for 20 $MC discovery "$BPORT" homeassistant p1_be demand month_peak \
	mbus2_volume text_message >/dev/null || true
echo "  entities announced for the Belgian meter (tests/corpus/be-emucs.txt):"
check "eMUCs: peaks, gas and water with their times, valve, text" \
	$MC discovery "$BPORT" homeassistant p1_be demand month_peak \
	month_peak_time peak_previous_month mbus1_volume mbus1_time mbus1_valve \
	mbus2_volume mbus2_time text_message breaker fuse power_limiter
$MC discovery "$BPORT" homeassistant p1_be | sed 's/^/    /' | tee "$T/entities-be.txt"
check "eMUCs: water is an Energy-dashboard water entity" \
	grep -q '^    mbus2_volume water total_increasing m³$' "$T/entities-be.txt"
$MC render "$BPORT" "$URL" homeassistant p1_be peak_previous_month be \
	>"$T/peaks.txt" || true
check "eMUCs: previous month peak 3695 W, the 13 months as attributes" \
	python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
a = json.loads(lines[1])
sys.exit(not (float(lines[0]) == 3695 and len(a["months"]) == 13
              and a["months"][2]["power_w"] == 5980
              and a["months"][2]["time"].startswith("2022-12-21T")))' \
	"$T/peaks.txt"
check "Nordic: reactive energy in kvarh" \
	$MC discovery "$BPORT" homeassistant p1_se reactive_energy_import_total \
	reactive_energy_export_total reactive_power_export l1_reactive_export
check "Nordic: reactive energy import 234.567 kvarh" test \
	"$($MC render "$BPORT" "$URL" homeassistant p1_se reactive_energy_import_total se)" = 234.567
check "DSMR 5: text message, last long power failure" \
	$MC discovery "$BPORT" homeassistant p1_nl text_message \
	last_power_failure last_power_failure_duration power_failures \
	long_power_failures l1_voltage_sags
check "DSMR 5: the text message as sent" test \
	"$($MC render "$BPORT" "$URL" homeassistant p1_nl text_message nl)" = \
	"Onderhoud netbeheerder 14-03 09:00-11:00"
check "DSMR 5: the latest failure (2023-04-05, 321 s)" test \
	"$($MC render "$BPORT" "$URL" homeassistant p1_nl last_power_failure_duration nl)" = 321.0
for mt in be se nl; do
	check "$mt: every value of the reading has an entity, every template resolves" \
		$MC coverage "$BPORT" "$URL" homeassistant "p1_$mt" "$mt"
done
check "be: live states equal the API's, templates and per-value topics match" \
	$MC live "$BPORT" "$URL" p1 be 3
check "unique_ids unique; configs recorded" \
	$MC snapshot "$BPORT" homeassistant "$T/entity-configs.json"
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"
start_broker broker "$BPORT"
real_meters real2 --mqtt.homeassistant --mqtt.values
check "restart, empty broker: the same configs and unique_ids" wait_for 20 \
	$MC snapshot "$BPORT" homeassistant "$T/entity-configs.json"
stop_pid "$EXPORTER_PID"

# record FILE: everything published under homeassistant/ from now on.
record() {
	mosquitto_sub -p "$BPORT" -t 'homeassistant/#' -F $'%t\t%x' >"$1" &
	PIDS+=($!)
	RECORDER=$!
	# recording once a marker published now comes back (not a fixed time)
	wait_for 10 bash -c "mosquitto_pub -p $BPORT -t homeassistant/p1-test-marker \
		-m x && grep -q '^homeassistant/p1-test-marker' '$1'" ||
		fail "the recorder of $1 did not subscribe"
}
# migrated FILE DIRECTION METER...: the migration of each is in FILE.
migrated() {
	local f=$1 d=$2 mt
	shift 2
	for mt in "$@"; do
		$MC migration "$f" homeassistant "p1_$mt" "$d" >/dev/null || return 1
	done
}
KEYS_BE="energy_import_tariff1 energy_export_tariff2 demand month_peak
	peak_previous_month mbus1_volume mbus2_volume mbus2_time text_message
	telegrams_ok"

# Device-based discovery, started on the broker that holds the entity
# configs of the run above: they are migrated, not duplicated.
record "$T/to-device.txt"
real_meters dev --mqtt.homeassistant --mqtt.homeassistant-mode=device \
	--mqtt.values
wait_for 20 migrated "$T/to-device.txt" to-device be se nl || true
stop_pid "$RECORDER"
for mt in be se nl; do
	check "entity -> device ($mt): each entity config got migrate_discovery, then the device config, then was emptied" \
		$MC migration "$T/to-device.txt" homeassistant "p1_$mt" to-device
done
check "entity -> device: no entity config left in the broker" bash -c \
	"! mosquitto_sub -p $BPORT -t 'homeassistant/sensor/#' -W 2 -F '%r' 2>/dev/null | grep -q 1"
# shellcheck disable=SC2086
check "device mode: one config per meter with origin, passes the schema" \
	$MC discovery "$BPORT" homeassistant p1_be $KEYS_BE
check "device mode: the same entities as entity mode (unique_ids, options)" \
	$MC same-as "$BPORT" homeassistant "$T/entity-configs.json"
for mt in be se nl; do
	check "device mode ($mt): every value has a component, every template resolves" \
		$MC coverage "$BPORT" "$URL" homeassistant "p1_$mt" "$mt"
done
check "device mode: live states, templates and per-value topics match (be)" \
	$MC live "$BPORT" "$URL" p1 be 3
check "device mode: configs recorded" \
	$MC snapshot "$BPORT" homeassistant "$T/device-configs.json"
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"
start_broker broker "$BPORT"
# (the mode from the environment this time)
export P1_EXPORTER_MQTT_HOMEASSISTANT_MODE=device
real_meters dev2 --mqtt.homeassistant --mqtt.values
unset P1_EXPORTER_MQTT_HOMEASSISTANT_MODE
check "device mode, restart, empty broker: the same configs and unique_ids" \
	wait_for 20 $MC snapshot "$BPORT" homeassistant "$T/device-configs.json"
stop_pid "$EXPORTER_PID"

# A meter renamed (be -> be2): the old one's device and retained topics go
# once it has not come back within meter.stale-after; the others stay.
real_meters renamed --mqtt.homeassistant --mqtt.homeassistant-mode=device \
	--meter.stale-after=3s
stop_pid "$EXPORTER_PID"
# (the mode from a configuration file this time)
printf 'mqtt.homeassistant-mode = device\n' >"$T/renamed.conf"
start_exporter renamed2 --config.file="$T/renamed.conf" \
	--replay="$CORPUS/be-emucs.txt,name=be2,rate=2,loop" \
	--replay="$CORPUS/se-nordic.txt,name=se,rate=2,loop" \
	--replay="$CORPUS/nl-dsmr50.txt,name=nl,rate=2,loop" \
	--mqtt.url="mqtt://127.0.0.1:$BPORT" --mqtt.homeassistant \
	--meter.stale-after=3s
check "renamed: the new name announced" wait_for 10 \
	$MC retained "$BPORT" homeassistant/device/p1_be2/config
check "renamed: the old device config removed after stale-after" wait_for 10 \
	$MC retained "$BPORT" homeassistant/device/p1_be/config -
check "renamed: the old meter's availability removed" \
	$MC retained "$BPORT" p1/be/availability -
check "renamed: ... and logged" grep -q "meter be of an earlier run did not come back" "$T/renamed2.log"
check "renamed: the other meters stay" \
	$MC retained "$BPORT" homeassistant/device/p1_se/config
stop_pid "$EXPORTER_PID"

# Back to entity mode (and be2 renamed back to be): the device configs are
# migrated to entity configs, be2's device (gone) is removed.
record "$T/to-entity.txt"
real_meters ent --mqtt.homeassistant --meter.stale-after=3s
wait_for 20 migrated "$T/to-entity.txt" to-entity se nl || true
stop_pid "$RECORDER"
for mt in se nl; do
	check "device -> entity ($mt): the device config got migrate_discovery, then the entity configs, then was emptied" \
		$MC migration "$T/to-entity.txt" homeassistant "p1_$mt" to-entity
	check "device -> entity ($mt): no device config left" \
		$MC retained "$BPORT" "homeassistant/device/p1_$mt/config" -
done
# shellcheck disable=SC2086
check "device -> entity: the entities are back" \
	$MC discovery "$BPORT" homeassistant p1_be $KEYS_BE
check "entity mode: a gone meter's device removed too (be2)" wait_for 10 \
	$MC retained "$BPORT" homeassistant/device/p1_be2/config -
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"

# Device mode, a value the meter stops sending (6 telegrams with the gas
# meter, then 6 without): its component is reduced to {"p": "sensor"},
# Home Assistant's removal of one component; the rest stays.
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
	--mqtt.url="mqtt://127.0.0.1:$BPORT" --mqtt.homeassistant \
	--mqtt.homeassistant-mode=device
check "device mode, gas gone: logged" wait_for 15 \
	grep -q "meter r no longer sends mbus1_volume" "$T/gone.log"
# The retained config, read again until the exporter's new one has reached
# the broker (no fixed sleep: a loaded machine can take longer).
gone_config() {
	mosquitto_sub -p "$BPORT" -t homeassistant/device/p1_r/config -C 1 -W 3 \
		>"$T/gone.json" || return 1
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["cmps"]
sys.exit(not (c["mbus1_volume"] == {"p": "sensor"}
              and c["energy_import_tariff1"]["unique_id"] == "p1_r_energy_import_tariff1"))' \
		"$T/gone.json" 2>/dev/null
}
check "device mode, gas gone: its component is {\"p\": \"sensor\"}, the rest stays" \
	wait_for 15 gone_config
stop_pid "$EXPORTER_PID"

# The same across a restart: a device config of an earlier run has gas,
# this run's meter has none: the component goes the same way.
start_exporter withgas --replay="$T/gas.txt,name=w,rate=2" \
	--mqtt.url="mqtt://127.0.0.1:$BPORT" --mqtt.homeassistant \
	--mqtt.homeassistant-mode=device
check "device mode, earlier run: gas announced" wait_for 10 bash -c \
	"mosquitto_sub -p $BPORT -t homeassistant/device/p1_w/config -C 1 -W 2 | grep -q mbus1_volume"
stop_pid "$EXPORTER_PID"
start_exporter nogas --replay="$T/nogas.txt,name=w,rate=2,loop" \
	--mqtt.url="mqtt://127.0.0.1:$BPORT" --mqtt.homeassistant \
	--mqtt.homeassistant-mode=device
check "device mode, restart without gas: the earlier run's component removed" \
	wait_for 15 grep -q "meter w no longer sends mbus1_volume" "$T/nogas.log"
nogas_config() {
	mosquitto_sub -p "$BPORT" -t homeassistant/device/p1_w/config -C 1 -W 3 \
		>"$T/nogas.json" || return 1
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["cmps"]
sys.exit(c.get("mbus1_volume") != {"p": "sensor"})' "$T/nogas.json" 2>/dev/null
}
check "... as {\"p\": \"sensor\"}" wait_for 15 nogas_config

# Whatever someone else publishes on our device topic is read within its
# bounds (a scan for component ids): the exporter goes on.
printf '%s' '{"cmps":{"a":{"p":"sensor","x":"}\' >"$T/junk1"
printf '%s' '{"cmps":{"' >"$T/junk2"
printf '%s' '{"cmps":{"b":{{{{{{{{' >"$T/junk3"
{ printf '{"cmps":{"'; head -c 3000 /dev/zero | tr '\0' k; printf '":{}}}'; } >"$T/junk4"
printf '%s' '{"cmps":{"c":{"p":"sensor"},"d":{"p":"sensor","s":"\"}{"}}}' >"$T/junk5"
head -c 200000 /dev/urandom >"$T/junk6"
for j in 1 2 3 4 5 6; do
	mosquitto_pub -p "$BPORT" -r -t homeassistant/device/p1_w/config \
		-f "$T/junk$j"
done
sleep 2
check "junk device configs: the exporter goes on" \
	curl -sf "$URL/api/v1/meters/w" -o /dev/null
check "junk device configs: logged nothing alarming" bash -c \
	"! grep -Eqi 'sanitizer|runtime error|overflow' '$T/nogas.log'"
stop_pid "$EXPORTER_PID"
stop_pid "$BROKER_PID"
finish
