#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A thousand meters in one exporter (issue 17): 1,000 replay sources, each
# its own capture with its own readings, read at once at one telegram per
# second, under an open files limit of 512 (the exporter raises it for
# itself).  Every meter must be in /metrics with its own last reading and
# exactly its telegrams counted, and in /api/v1/meters.  Timings (CPU,
# RSS, scrape time) are make bench's (bench.sh), not asserted here.
. "$(dirname "$0")/lib.sh"
N=${P1_TEST_METERS:-1000}
K=3 # telegrams per meter

mkdir -p "$T/caps"
args=()
for i in $(seq 0 $((N - 1))); do
	"$EMULATE" -n $K -s 2024-03-01T00:00:00Z --noise=0 \
		--import-kwh=$((1000 + i)).5 \
		>"$T/caps/m$i.txt"
	args+=(--replay "$T/caps/m$i.txt,name=m$i,rate=1")
done
# Expected: the last telegram's tariff 1 import (kWh).
for i in $(seq 0 $((N - 1))); do
	awk -v m="m$i" -F'[(*]' '/^1-0:1.8.1\(/ { e = $2 }
		END { printf "%s %.3f\n", m, e }' "$T/caps/m$i.txt"
done >"$T/want.txt"

ulimit -Sn 512
start_exporter many "${args[@]}"
check "1000 meters configured, all finish (fds beyond the soft limit of 512)" \
	wait_for 60 bash -c "curl -sf '$URL/api/v1/meters' | python3 -c '
import json, sys
d = json.load(sys.stdin)
m = d[\"meters\"] if isinstance(d, dict) else d
sys.exit(not (len(m) == $N and all(x[\"state\"] == \"finished\" for x in m)))'"
curl -sf "$URL/metrics" >"$T/metrics.txt"
awk '
/^p1_electricity_imported_joules_total\{meter="[^"]*",tariff="1"\}/ {
	split($1, a, "\""); e[a[2]] = $2 / 3.6e6 }
/^p1_telegrams_total\{meter="[^"]*",result="ok"\}/ { split($1, a, "\""); ok[a[2]] = $2 }
END { for (m in e) printf "%s %.3f %s\n", m, e[m], ok[m] }
' "$T/metrics.txt" | sort >"$T/got.txt"
check "every meter in /metrics ($(wc -l <"$T/got.txt") of $N)" \
	test "$(wc -l <"$T/got.txt")" = "$N"
check "every meter has its own last import reading and $K good telegrams" \
	bash -c "sort '$T/want.txt' | awk '{ print \$1, \$2 }' >'$T/w1' &&
		awk '{ print \$1, \$2 }' '$T/got.txt' >'$T/g1' && cmp -s '$T/w1' '$T/g1' &&
		awk -v k=$K '\$3 != k { exit 1 }' '$T/got.txt'"
check "the exporter still answers" curl -sf -o /dev/null "$URL/healthz"
check "no descriptor or meter limit in its log" \
	bash -c "! grep -Ei 'more than|too many|EMFILE' '$T/many.log'"
finish
