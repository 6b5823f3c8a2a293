#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Grafana dashboard (dashboards/grafana-p1.json) against a real
# Prometheus (Debian's) scraping emulated DSMR 5 (with gas) and Belgian
# meters: every panel's query returns data and names only metrics the
# exporter serves.
. "$(dirname "$0")/lib.sh"
DASH=$TOP/dashboards/grafana-p1.json

check "the dashboard is valid JSON with a meter selector" python3 -c "
import json,sys; d=json.load(open('$DASH'))
v=[t['name'] for t in d['templating']['list']]
sys.exit(not ('meter' in v and 'datasource' in v and d['uid']))"

start_exporter dash --emulate=dsmr5,interval=0.2s \
	--emulate=emucs,name=be,interval=0.2s
start_prometheus
samples() {
	curl -sf --data-urlencode 'query=min(count_over_time(p1_up[1m]))' \
		"$PROM/api/v1/query" | python3 -c '
import json,sys; r=json.load(sys.stdin)["data"]["result"]
sys.exit(not (r and float(r[0]["value"][1]) >= 6))'
}
check "six scrapes of both meters" wait_for 40 samples
check "every panel's query returns data" \
	python3 "$TOP/tests/web/dashboard_check.py" "$DASH" "$PROM" "$URL/metrics"
finish
