#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# p1-exporter end to end on its emulated meters: flags, environment,
# configuration file, every endpoint, the exposition (promtool), the
# metric names of the issue, equipment-id redaction, clean shutdown.
. "$(dirname "$0")/lib.sh"

echo "$TEST_NAME: flags and configuration"
check "--version" bash -c "'$EXPORTER' --version | grep -qx 'p1-exporter [0-9.]*'"
check "--help lists every source" bash -c \
	"'$EXPORTER' --help | grep -q -- '--serial' && '$EXPORTER' --help | grep -q P1_EXPORTER_TCP_IDLE_TIMEOUT"
"$EXPORTER" --no-such-flag >/dev/null 2>&1 && rc=0 || rc=$?
check "unknown flag exits 2" test "$rc" = 2

cat >"$T/p1.conf" <<'CONF'
# a comment
web.timeout = 7s
emulate = emucs,name=be
log.level = warn
export-equipment-id
CONF
out=$(P1_EXPORTER_LOG_LEVEL=debug "$EXPORTER" --config.file "$T/p1.conf" \
	--web.timeout=3s --check-config)
check "--check-config OK" grep -q "^configuration OK" <<<"$out"
check "command line beats config file" grep -q "^web.timeout = 3s   # command line" <<<"$out"
check "environment beats config file" grep -q "^log.level = debug   # environment" <<<"$out"
check "config file beats default" grep -q "^export-equipment-id = true   # config file" <<<"$out"
check "config file names the meter" grep -q "be(emulator emucs)" <<<"$out"
"$EXPORTER" --emulate=dsmr9 --check-config >"$T/bad.out" 2>&1 && rc=0 || rc=$?
check "bad profile fails --check-config" test "$rc" = 1
# Settings that used to be accepted with a surprise (issue 10).
for bad in --web.timeout=0 --web.telemetry-path=/healthz \
	--web.telemetry-path=/api/v1/meters --web.telemetry-path=/links \
	--web.telemetry-path=/api/v1/events \
	--telegram.max-size=16385; do
	"$EXPORTER" --emulate "$bad" --check-config >/dev/null 2>&1 && rc=0 || rc=$?
	check "$bad is refused" test "$rc" = 2
done
out=$("$EXPORTER" --emulate --web.max-connections=010 --check-config)
check "a leading zero is decimal (010 = 10)" grep -q "^web.max-connections = 10 " <<<"$out"
echo "web.bogus = 1" >"$T/bad.conf"
"$EXPORTER" --config.file "$T/bad.conf" --check-config >/dev/null 2>&1 && rc=0 || rc=$?
check "unknown config key fails" test "$rc" != 0
printf 'basic_auth_users:\n  bob: notahash\n' >"$T/web-bad.yml"
"$EXPORTER" --emulate --web.config.file "$T/web-bad.yml" --check-config \
	>/dev/null 2>&1 && rc=0 || rc=$?
check "web config without bcrypt hash fails" test "$rc" = 1

echo "$TEST_NAME: journald, privileges"
"$EXPORTER" --web.listen-address=nonsense 2>"$T/journal.err" && rc=0 || rc=$?
check "bad listen address exits non-zero" test "$rc" != 0
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal.err") \
	"$EXPORTER" --web.listen-address=nonsense 2>>"$T/journal.err" || true
check "plain stderr: time stamp and level" grep -q "^20[0-9-]*T[0-9:.]*Z p1-exporter: error: listen address" "$T/journal.err"
check "journald stderr: <3> priority prefix" grep -q "^<3>listen address" "$T/journal.err"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	start_exporter user --emulate --user nobody
	uid=$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$EXPORTER_PID/status")
	check "--user nobody drops root (uid $uid)" test "$uid" = "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)"
	check "and keeps serving" curl -sf -o /dev/null "$URL/metrics"
	check "logged" grep -q "running as uid $(id -u nobody)" "$T/user.log"
	stop_pid "$EXPORTER_PID"
fi

echo "$TEST_NAME: four emulated meters"
start_exporter basic --emulate=dsmr5,name=nl5 --emulate=dsmr4,name=nl4 \
	--emulate=dsmr22,name=old --emulate=emucs,name=be \
	--emulate=dsmr5,name=fixed,interval=1h --emulate.interval=0.2s
all_up() {
	[ "$(curl -sf "$URL/metrics" | grep -c '^p1_up{.*} 1$')" = 5 ]
}
check "all five meters up" wait_for 10 all_up
curl -sf "$URL/metrics" >"$T/metrics.txt"
check "promtool check metrics" promtool check metrics <"$T/metrics.txt"
check "no sample has a timestamp" \
	bash -c "! grep -v '^#' '$T/metrics.txt' | sed 's/{.*}//' | awk 'NF != 2' | grep -q ."
check "content type 0.0.4" bash -c \
	"curl -sfI '$URL/metrics' | grep -qi '^content-type: text/plain; version=0.0.4'"
for m in p1_up p1_electricity_imported_joules_total p1_electricity_exported_joules_total \
	p1_electricity_import_power_watts p1_electricity_export_power_watts \
	p1_phase_voltage_volts p1_phase_current_amperes p1_phase_import_power_watts \
	p1_phase_export_power_watts p1_voltage_sags_total p1_voltage_swells_total \
	p1_power_failures_total p1_long_power_failures_total p1_active_tariff \
	p1_demand_average_watts p1_demand_month_peak_watts p1_demand_peak_history_watts \
	p1_mbus_volume_cubic_meters_total p1_mbus_capture_timestamp_seconds \
	p1_meter_info p1_telegrams_total p1_line_errors_total \
	p1_last_telegram_timestamp_seconds p1_meter_clock_skew_seconds \
	process_resident_memory_bytes process_cpu_seconds_total process_open_fds \
	process_start_time_seconds p1_exporter_build_info; do
	grep -q "^$m{\|^$m " "$T/metrics.txt" || fail "metric $m missing"
done
ok "every metric of the issue is there"
check "tariff and phase are labels" grep -q \
	'^p1_phase_voltage_volts{meter="nl5",phase="L2"} ' "$T/metrics.txt"
check "gas is device=gas on channel 1" grep -q \
	'^p1_mbus_volume_cubic_meters_total{meter="old",channel="1",device="gas"} ' "$T/metrics.txt"
check "13 months of Belgian peaks" test \
	"$(grep -c '^p1_demand_peak_history_watts{meter="be"' "$T/metrics.txt")" = 13

echo "$TEST_NAME: values against the telegram"
curl -sf "$URL/api/v1/meters/fixed/telegram" >"$T/fixed.txt"
kwh=$(python3 "$(dirname "$0")/crc.py" last "$T/fixed.txt" 1-0:1.8.2 || true)
j=$(metric "$URL" 'p1_electricity_imported_joules_total{meter="fixed",tariff="2"}')
check "1-0:1.8.2 $kwh kWh = $j J" python3 -c \
	"import sys; sys.exit(abs($kwh*3.6e6 - $j) > 1e-3)"
w=$(python3 "$(dirname "$0")/crc.py" last "$T/fixed.txt" 1-0:21.7.0 || true)
j=$(metric "$URL" 'p1_phase_import_power_watts{meter="fixed",phase="L1"}')
check "1-0:21.7.0 $w kW = $j W" python3 -c "import sys; sys.exit(abs($w*1000 - $j) > 1e-6)"
curl -sf "$URL/api/v1/meters/old/telegram" >"$T/old.txt"
gas=$(python3 "$(dirname "$0")/crc.py" nextline "$T/old.txt" 0-1:24.3.0 || true)
j=$(metric "$URL" 'p1_mbus_volume_cubic_meters_total{meter="old",channel="1",device="gas"}')
check "DSMR 2.2 gas on the next line: $gas m3 = $j" python3 -c \
	"import sys; sys.exit(abs($gas - $j) > 1e-9)"

echo "$TEST_NAME: equipment identifiers"
check "no equipment_id label by default" bash -c "! grep -q equipment_id '$T/metrics.txt'"
check "raw telegram masks 0-0:96.1.1" grep -q '^0-0:96.1.1(xxxx*)' "$T/fixed.txt"
check "and says so" bash -c \
	"curl -sfI '$URL/api/v1/meters/fixed/telegram' | grep -qi '^x-p1-redacted: equipment-id'"
curl -sf "$URL/api/v1/meters/fixed" >"$T/fixed.json"
check "JSON holds no identifier" bash -c \
	"! grep -qi -e 4530303939 -e E0099887766554433 -e 4.5303 '$T/fixed.json'"

echo "$TEST_NAME: JSON API"
check "meters list" json_check \
	'assert sorted(m["name"] for m in d["meters"]) == ["be","fixed","nl4","nl5","old"]; assert all(m["up"] for m in d["meters"])' \
	< <(curl -sf "$URL/api/v1/meters")
check "reading is typed JSON" json_check \
	'assert d["meter"] == "fixed" and d["crc"] == "ok" and d["family"] == "dsmr" and len(d["objects"]) > 20' \
	<"$T/fixed.json"
check "Belgian reading" json_check 'assert d["family"] == "emucs"' \
	< <(curl -sf "$URL/api/v1/meters/be")
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "unknown meter 404" test "$(code "$URL/api/v1/meters/nope")" = 404
check "unknown telegram 404" test "$(code "$URL/api/v1/meters/nope/telegram")" = 404
check "bad sub-path 404" test "$(code "$URL/api/v1/meters/fixed/x")" = 404
check "unknown path 404" test "$(code "$URL/nothing")" = 404
check "links page" bash -c "curl -sf '$URL/links' | grep -q 'href=\"/metrics\"'"
check "live page at /" bash -c "curl -sf '$URL/' | grep -q 'new EventSource'"
check "healthz" test "$(curl -sf "$URL/healthz")" = ok
check "HEAD /metrics 200, no body" bash -c \
	"[ \"\$(curl -s -I -o /dev/null -w '%{http_code}' '$URL/metrics')\" = 200 ]"
check "POST is 405" test "$(code -X POST -d x=1 "$URL/metrics")" = 405
check "GET with a body is 413" test "$(code -X GET -d x=1 "$URL/metrics")" = 413

echo "$TEST_NAME: clean shutdown"
kill -TERM "$EXPORTER_PID"
rc=0
wait "$EXPORTER_PID" || rc=$?
check "SIGTERM exits 0" test "$rc" = 0
check "logs 'stopped'" grep -q "info: stopped" "$T/basic.log"

echo "$TEST_NAME: --export-equipment-id"
start_exporter ids --emulate=emucs,name=be,interval=1h --export-equipment-id
wait_for 5 bash -c "curl -sf '$URL/metrics' | grep -q '^p1_up{meter=\"be\"} 1'"
check "equipment_id label" bash -c \
	"curl -sf '$URL/metrics' | grep -q 'p1_meter_info{.*equipment_id=\"1EMU0099887766\"'"
check "M-Bus equipment_id label" bash -c \
	"curl -sf '$URL/metrics' | grep -q 'p1_mbus_info{.*equipment_id=\"7EMU0012345678\"'"
check "unredacted raw telegram is CRC-correct" bash -c \
	"curl -sf '$URL/api/v1/meters/be/telegram' >'$T/be.txt' && python3 '$(dirname "$0")/crc.py' check '$T/be.txt' && grep -q '^0-0:96.1.1(31454D55' '$T/be.txt'"
finish
