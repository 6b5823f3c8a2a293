#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Beyond one machine (docs/scaling.md): two exporters (sites s1 and s2)
# scraped by an "edge" Prometheus that evaluates the recording rules of
# dashboards/prometheus-p1-rules.yml; a central Prometheus federates the
# recorded series from it, another receives them by remote_write.  Real
# Prometheus servers (Debian's package), all on loopback.  promtool checks
# the rules, runs their unit tests and checks the configurations.
. "$(dirname "$0")/lib.sh"
PROMTOOL=${PROMTOOL:-$(command -v promtool || echo /usr/bin/promtool)}
RULES=$TOP/dashboards/prometheus-p1-rules.yml

check "promtool check rules" "$PROMTOOL" check rules "$RULES"
check "promtool test rules (power per meter, daily energy, per site)" \
	bash -c "cd '$TOP/tests/exporter' && '$PROMTOOL' test rules prometheus-rules-test.yml"

start_exporter s1 --emulate=dsmr5,name=flat1,interval=1s \
	--emulate=dsmr5,name=flat2,interval=1s --emulate.seed=2
U1=$URL
start_exporter s2 --emulate=emucs,name=house,interval=1s
U2=$URL

# The rules as shipped, evaluated every second instead of 30 s for the test.
sed 's/interval: 30s/interval: 1s/' "$RULES" >"$T/rules.yml"
EP=$(free_port) CP=$(free_port) RP=$(free_port)
cat >"$T/edge.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
rule_files: ['$T/rules.yml']
scrape_configs:
  - job_name: p1
    static_configs:
      - targets: ['${U1#http://}']
        labels: {site: s1}
      - targets: ['${U2#http://}']
        labels: {site: s2}
remote_write:
  - url: http://127.0.0.1:$RP/api/v1/write
    write_relabel_configs:
      - source_labels: [__name__]
        regex: '(meter|site):.*'
        action: keep
YML
cat >"$T/central.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: federate
    honor_labels: true
    metrics_path: /federate
    params:
      'match[]': ['{__name__=~"(meter|site):.*"}']
    static_configs:
      - targets: ['127.0.0.1:$EP']
YML
cat >"$T/remote.yml" <<YML
global: {}
YML
for c in edge central remote; do
	check "promtool check config $c" "$PROMTOOL" check config "$T/$c.yml"
done
"$PROMETHEUS" --config.file="$T/remote.yml" --storage.tsdb.path="$T/tsdb-r" \
	--web.enable-remote-write-receiver \
	--web.listen-address="127.0.0.1:$RP" --log.level=warn >"$T/remote.log" 2>&1 &
PIDS+=($!)
"$PROMETHEUS" --config.file="$T/edge.yml" --storage.tsdb.path="$T/tsdb-e" \
	--web.listen-address="127.0.0.1:$EP" --log.level=warn >"$T/edge.log" 2>&1 &
PIDS+=($!)
"$PROMETHEUS" --config.file="$T/central.yml" --storage.tsdb.path="$T/tsdb-c" \
	--web.listen-address="127.0.0.1:$CP" --log.level=warn >"$T/central.log" 2>&1 &
PIDS+=($!)
for p in $EP $CP $RP; do
	check "Prometheus on $p is ready" wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$p/-/ready"
done

# q PORT QUERY: the values of an instant query, "labels=value" sorted.
q() {
	curl -sf --data-urlencode "query=$2" "http://127.0.0.1:$1/api/v1/query" |
		python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(" ".join(sorted(",".join(f"{k}={v}" for k, v in sorted(x["metric"].items()) if k != "__name__") + "=" + x["value"][1] for x in r)))'
}
meters_in() { # PORT: meter:p1_net_power_watts:avg5m of all three, by site
	[ "$(q "$1" 'count by (site) (meter:p1_net_power_watts:avg5m)')" = "site=s1=2 site=s2=1" ]
}
check "edge: net power recorded for every meter, by site" wait_for 30 meters_in $EP
check "central (federation): the recorded series of every meter" wait_for 30 meters_in $CP
check "remote_write receiver: the recorded series of every meter" wait_for 30 meters_in $RP
check "central: meters up per site (2 + 1)" wait_for 20 bash -c \
	"[ \"\$(curl -sf --data-urlencode 'query=site:p1_meters_up:sum' 'http://127.0.0.1:$CP/api/v1/query' | python3 -c 'import json,sys; print(sorted((x[\"metric\"][\"site\"], x[\"value\"][1]) for x in json.load(sys.stdin)[\"data\"][\"result\"]))')\" = \"[('s1', '2'), ('s2', '1')]\" ]"
check "central: no raw exporter series, only recorded ones" \
	test "$(q $CP 'count(p1_up)')" = ""
# The reading itself, through two hops: the meter's register (kWh) as the
# exporter shows it now, and as central has it (a few seconds behind at
# most: the emulated meter adds well under 1 kWh in that time).
kwh=$(curl -sf "$U2/metrics" | awk '/^p1_electricity_imported_joules_total\{/ { s += $2 } END { printf "%.3f", s / 3.6e6 }')
same_reading() {
	local v
	v=$(q $CP 'meter:p1_imported_kwh:total{meter="house"}')
	v=${v##*=}
	python3 -c "import sys; sys.exit(not (0 <= float('$kwh') - float('${v:-nan}') < 1))"
}
check "central: house's import reading ($kwh kWh) matches the exporter's" wait_for 20 same_reading
check "no rule evaluation error on the edge" bash -c "! grep -i 'error' '$T/edge.log'"
finish
