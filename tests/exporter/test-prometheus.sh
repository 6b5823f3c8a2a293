#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Prometheus server (Debian's prometheus package) scrapes the
# exporter fed by a replayed capture and by emulated meters; the values
# are checked through Prometheus' query API.
. "$(dirname "$0")/lib.sh"
CRC="python3 $(dirname "$0")/crc.py"

"$EMULATE" -n 300 -s 2024-01-15T08:00:00Z --corrupt-every 15 >"$T/cap.txt"
read -r good bad < <($CRC count "$T/cap.txt")
start_exporter prom --replay "$T/cap.txt,name=cap,rate=max" \
	--emulate=dsmr5,interval=0.2s --emulate=emucs,name=be,interval=0.5s

start_prometheus

# q QUERY: the single value of an instant query ("" if no result).
q() {
	curl -sf --data-urlencode "query=$1" "$PROM/api/v1/query" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if len(r)==1 else "")'
}
scraped() { [ "$(q 'count(p1_up{job="p1"} == 1)')" = 3 ]; }
check "Prometheus scrapes three meters, all up" wait_for 30 scraped
check "the scrape target is healthy, no parse error" bash -c \
	"curl -sf '$PROM/api/v1/targets' | python3 -c 'import json,sys; t=json.load(sys.stdin)[\"data\"][\"activeTargets\"][0]; sys.exit(not (t[\"health\"]==\"up\" and t[\"lastError\"]==\"\"))'"

kwh=$($CRC last "$T/cap.txt" 1-0:1.8.2)
v=$(q 'p1_electricity_imported_joules_total{meter="cap",tariff="2"}')
check "replayed 1-0:1.8.2 $kwh kWh = $v J in Prometheus" \
	python3 -c "import sys; sys.exit(abs(float('$kwh')*3.6e6 - float('$v' or 'nan')) > 1e-3)"
gas=$($CRC last "$T/cap.txt" 0-1:24.2.1 2)
v=$(q 'p1_mbus_volume_cubic_meters_total{meter="cap",device="gas"}')
check "replayed gas $gas m3 = $v" \
	python3 -c "import sys; sys.exit(abs(float('$gas') - float('$v' or 'nan')) > 1e-9)"
check "ok telegrams = $good" test "$(q 'p1_telegrams_total{meter="cap",result="ok"}')" = "$good"
check "CRC errors = $bad" test "$(q 'p1_telegrams_total{meter="cap",result="crc_error"}')" = "$bad"
check "13 months of Belgian peaks" test "$(q 'count(p1_demand_peak_history_watts{meter="be"})')" = 13
growing() {
	local v
	v=$(q 'increase(p1_telegrams_total{meter="emulator",result="ok"}[5s])')
	python3 -c "import sys; sys.exit(not float('$v' or 0) > 0)"
}
check "the emulator's telegram counter grows" wait_for 15 growing
moving() {
	local v
	v=$(q 'changes(p1_meter_timestamp_seconds{meter="emulator"}[5s])')
	python3 -c "import sys; sys.exit(not float('$v' or 0) >= 2)"
}
check "the meter clock moves" wait_for 15 moving
check "process metrics are there" test -n "$(q 'process_resident_memory_bytes{job="p1"}')"
check "build info" test "$(q 'count(p1_exporter_build_info{job="p1"})')" = 1
finish
