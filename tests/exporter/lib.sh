# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the p1-exporter tests (sourced).  Every process a test
# starts is recorded and stopped by PID when the test exits.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-$TOP/build}
EXPORTER=${EXPORTER:-$B/p1-exporter}
EMULATE=${EMULATE:-$B/p1-emulate}
T=$(mktemp -d "${TMPDIR:-/tmp}/p1x-test.XXXXXX")
PIDS=()
FAILS=0
TEST_NAME=$(basename "$0" .sh)

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ "$FAILS" -eq 0 ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "$TEST_NAME: logs kept in $T" >&2
	fi
}
trap cleanup EXIT

# A TCP port nobody listens on now, below the kernel's ephemeral range:
# no outgoing connection (a curl, the exporter's own) takes it as its
# local port before the test's server binds it, or while a broker the
# test restarts is away.
free_port() {
	python3 - <<'PY'
import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
ports = list(range(10000, lo)) if lo > 11000 else []
random.shuffle(ports)
for p in ports[:200] + [0]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(s.getsockname()[1])
    break
PY
}

ok() { echo "  ok   $*"; }
fail() {
	echo "  FAIL $*" >&2
	FAILS=$((FAILS + 1))
}
# check DESCRIPTION COMMAND...: pass if the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# start_exporter NAME ARGS...: runs p1-exporter on a fresh port; sets PORT
# and URL; waits until /healthz answers.
start_exporter() {
	local name=$1
	shift
	PORT=$(free_port)
	URL=http://127.0.0.1:$PORT
	"$EXPORTER" --web.listen-address="127.0.0.1:$PORT" "$@" \
		>"$T/$name.log" 2>&1 &
	PIDS+=($!)
	EXPORTER_PID=$!
	# A deadline, not a number of tries: a refused connection returns at
	# once, and a loaded machine (or ASan) can take seconds to start it.
	local end=$((SECONDS + 30))
	while [ $SECONDS -le $end ]; do
		curl -sf --max-time 2 "$URL/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$EXPORTER_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "p1-exporter did not start; log:" >&2
	cat "$T/$name.log" >&2
	return 1
}

stop_pid() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# metric URL 'name{labels}': the value of one sample (empty if absent).
metric() {
	curl -sf "$1/metrics" | awk -v s="$2" 'index($0, s " ") == 1 { print $2 }'
}

# has URL PATTERN: the document at URL has a line matching the grep
# pattern.  (Not "curl | grep -q": grep leaves at the first match, and
# curl, still writing, fails with a broken pipe, which pipefail reports.)
has() {
	local doc
	doc=$(curl -sf "$1") && grep -q -- "$2" <<<"$doc"
}

# wait_for SECONDS COMMAND...: retry until the command succeeds.
wait_for() {
	local secs=$1
	shift
	local end=$((SECONDS + secs))
	while [ $SECONDS -le $end ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# JSON: python3 -c with the document on stdin; exits non-zero on failure.
json_check() {
	python3 -c "import json,sys; d=json.load(sys.stdin); $1"
}

finish() {
	if [ "$FAILS" -eq 0 ]; then
		echo "$TEST_NAME: all passed"
		exit 0
	fi
	echo "$TEST_NAME: $FAILS failed" >&2
	exit 1
}

# start_prometheus: Debian's Prometheus on a free port scraping the exporter
# started last ($PORT) every second; sets PROM to its URL, checks it is up.
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus || echo /usr/bin/prometheus)}
start_prometheus() {
	local pp
	pp=$(free_port)
	cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: p1
    static_configs:
      - targets: ['127.0.0.1:$PORT']
YML
	"$PROMETHEUS" --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
		--web.listen-address="127.0.0.1:$pp" --log.level=warn \
		>"$T/prometheus.log" 2>&1 &
	PIDS+=($!)
	PROM=http://127.0.0.1:$pp
	check "Prometheus is ready" wait_for 30 curl -sf -o /dev/null "$PROM/-/ready"
}
