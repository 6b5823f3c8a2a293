# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the MQTT scripts (test-mqtt.sh, test-mqtt-ha.sh) after lib.sh:
# a real mosquitto broker on loopback and the helpers both use.
MC="python3 $(dirname "$0")/mqtt_check.py"

# start_broker NAME PORT [CONFIG LINES...]: mosquitto on 127.0.0.1:PORT.
start_broker() {
	local name=$1 port=$2
	shift 2
	{
		echo "listener $port 127.0.0.1"
		echo "persistence false"
		echo "user $(id -un)"
		printf '%s\n' "$@"
	} >"$T/$name.conf"
	grep -q '^allow_anonymous' "$T/$name.conf" ||
		echo "allow_anonymous true" >>"$T/$name.conf"
	mosquitto -c "$T/$name.conf" >>"$T/$name.log" 2>&1 &
	PIDS+=($!)
	BROKER_PID=$!
	wait_for 20 bash -c "echo >/dev/tcp/127.0.0.1/$port" 2>/dev/null || {
		fail "broker $name does not listen on port $port; its log:"
		cat "$T/$name.log" >&2
	}
}
up() { test "$(metric "$URL" p1_mqtt_connected)" = "$1"; }
m() { metric "$URL" "$1"; }
