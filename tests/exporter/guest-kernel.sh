#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The exporter's kernel source, inside a (busybox) guest that has n_p1:
#   guest-kernel.sh [BINDIR]
# Needs p1-exporter, p1-emulate and p1ctl (static builds) in BINDIR or
# PATH, wget, and the n_p1 module NOT loaded yet (it loads it, as
# /lib/p1/n_p1.ko or with modprobe).  Checks: the exporter started before
# the module finds it later; a cable (a pty fed by p1-emulate) attached
# with p1ctl appears as meter p1-N; telegrams and the kernel's counters
# (CRC errors) arrive; one read() per telegram; unplug (the pty closes)
# marks it down; a replug continues the same meter with counters that do
# not go backwards; with P1X_FTDI=1 (the qemu guest), the same again with
# the emulated FTDI USB cable unplugged and replugged by the host.  Prints
# "ok ..." / "not ok ..." lines; exits 1 if any check failed.
BIN=${1:-}
[ -n "$BIN" ] && PATH=$BIN:$PATH
PORT=9357
URL=http://127.0.0.1:$PORT
T=${TMPDIR:-/tmp}/p1x-guest
mkdir -p "$T"
fails=0
ok() { echo "ok $*"; }
notok() { echo "not ok $*"; fails=$((fails + 1)); }
check() { # DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
metric() { wget -q -O - "$URL/metrics" | awk -v s="$1" 'index($0, s " ") == 1 { print $2 }'; }
wait_for() { # SECONDS COMMAND...
	n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
is() { [ "$(metric "$1")" = "$2" ]; }

ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
# P1X_RUNAS: a command prefix that runs the exporter as another user (the
# qemu guest: uid 1001 in group p1, no capabilities; /dev/p1-N is 0640
# root:p1 there).  It must then work exactly as well.
if [ -n "${P1X_RUNAS:-}" ]; then
	check "the exporter runs unprivileged" [ "$($P1X_RUNAS id -u)" != 0 ]
fi
# shellcheck disable=SC2086 # P1X_RUNAS is a command prefix
${P1X_RUNAS:-} p1-exporter --web.listen-address=127.0.0.1:$PORT --meter.stale-after=60s \
	--log.level=debug \
	>"$T/exporter.log" 2>&1 &
XP=$!
check "exporter up without the module" wait_for 5 wget -q -O /dev/null "$URL/healthz"
# A ring of 64: the qemu host hands each FTDI phase over in one burst, far
# faster than a meter's line, and on a loaded TCG host 20 telegrams can
# land before the exporter runs (a 16-telegram ring then overruns).
if [ -e /lib/p1/n_p1.ko ]; then insmod /lib/p1/n_p1.ko ring=64; else modprobe n_p1 ring=64; fi

# 20 telegrams, every 5th with a wrong CRC, 0.2 s apart.
p1-emulate --pty --delay 12 --hold 2 -n 20 -i 0.2 --realtime \
	--corrupt-every 5 >"$T/pty1" &
pids=$!
sleep 0.3
PTY=$(head -n 1 "$T/pty1")
p1ctl attach "$PTY" >"$T/attach1.log" 2>&1 &
pids="$pids $!"
check "module found within its 10 s retry" wait_for 15 grep -q "following n_p1 devices" "$T/exporter.log"
check "the cable appears as meter p1-0" wait_for 5 grep -q "meter p1-0: reading /dev/p1-0" "$T/exporter.log"
check "16 good telegrams" wait_for 15 is 'p1_telegrams_total{meter="p1-0",result="ok"}' 16
check "4 CRC errors, from the kernel's counters" wait_for 3 is 'p1_telegrams_total{meter="p1-0",result="crc_error"}' 4
check "p1_up 1" is 'p1_up{meter="p1-0"}' 1
wait_for 5 is 'p1_source_read_calls_total{meter="p1-0"}' 16
r=$(metric 'p1_source_read_calls_total{meter="p1-0"}')
echo "# read() calls for 16 telegrams: $r"
check "one read() per telegram" [ "$r" = 16 ]
check "values arrive" [ -n "$(metric 'p1_electricity_imported_joules_total{meter="p1-0",tariff="1"}')" ]
check "unplug marks it down" wait_for 5 is 'p1_source_connected{meter="p1-0"}' 0
check "p1_up 0 when unplugged" is 'p1_up{meter="p1-0"}' 0
check "the unplug counted" is 'p1_source_reconnects_total{meter="p1-0"}' 1

# The delay leaves p1ctl time to attach before the first byte, even on a
# loaded TCG host (bytes written before that go to n_tty and are lost).
p1-emulate --pty --delay 4 --hold 1 -n 10 -i 0.1 --realtime >"$T/pty2" &
pids="$pids $!"
sleep 0.3
p1ctl attach "$(head -n 1 "$T/pty2")" >"$T/attach2.log" 2>&1 &
pids="$pids $!"
check "replug: the same meter is back" wait_for 10 is 'p1_source_connected{meter="p1-0"}' 1
check "matched by device id, not by the reused name" grep -q "device p1-0 (id 2)" "$T/exporter.log"
check "counters continue (26 ok)" wait_for 15 is 'p1_telegrams_total{meter="p1-0",result="ok"}' 26
check "and keep the old CRC errors" is 'p1_telegrams_total{meter="p1-0",result="crc_error"}' 4
check "second unplug" wait_for 10 is 'p1_source_connected{meter="p1-0"}' 0
check "counted too" is 'p1_source_reconnects_total{meter="p1-0"}' 2
check "counters stay" is 'p1_telegrams_total{meter="p1-0",result="ok"}' 26
r=$(metric 'p1_source_read_calls_total{meter="p1-0"}')
echo "# read() calls for 26 telegrams and 2 hangups: $r"
check "one read() per telegram, one per hangup" [ "$r" = 28 ]

# The emulated FTDI cable of the qemu test guest (P1X_FTDI=1, set by its
# init): the host feeds it 20 good and 2 bad telegrams on "P1T: MARK
# SEND1", 20 good on SEND2, and device_dels / device_adds it on UNPLUG /
# REPLUG (tests/qemu/vmrun.py).  It gets the freed index: meter p1-0 again.
ftdi_attach() { # LOG
	wait_for 30 [ -e /dev/ttyUSB0 ] || return 1
	p1ctl attach ttyUSB0 --baud 115200 --mode 8N1 >"$T/$1" 2>&1 &
	pids="$pids $!"
}
if [ "${P1X_FTDI:-0}" = 1 ]; then
	check "FTDI cable present" ftdi_attach attach3.log
	check "FTDI: meter p1-0 connected" wait_for 10 is 'p1_source_connected{meter="p1-0"}' 1
	echo "P1T: MARK SEND1"
	check "FTDI: 20 more good telegrams (46)" wait_for 30 is 'p1_telegrams_total{meter="p1-0",result="ok"}' 46
	check "FTDI: 2 more CRC errors (6)" wait_for 5 is 'p1_telegrams_total{meter="p1-0",result="crc_error"}' 6
	check "FTDI: p1_up 1" is 'p1_up{meter="p1-0"}' 1
	echo "P1T: MARK UNPLUG"
	check "FTDI unplug marks it down" wait_for 30 is 'p1_source_connected{meter="p1-0"}' 0
	check "FTDI: p1_up 0" is 'p1_up{meter="p1-0"}' 0
	check "FTDI unplug counted (3)" is 'p1_source_reconnects_total{meter="p1-0"}' 3
	echo "P1T: MARK REPLUG"
	check "FTDI replugged" ftdi_attach attach4.log
	check "FTDI replug: connected again" wait_for 10 is 'p1_source_connected{meter="p1-0"}' 1
	echo "P1T: MARK SEND2"
	check "FTDI: counters continue (66)" wait_for 30 is 'p1_telegrams_total{meter="p1-0",result="ok"}' 66
	check "FTDI: CRC errors kept (6)" is 'p1_telegrams_total{meter="p1-0",result="crc_error"}' 6
	check "FTDI: p1_up 1 after replug" is 'p1_up{meter="p1-0"}' 1
	# SEND2 comes in one burst: the kernel's counters can be ahead of
	# the exporter's reads for a moment.
	check "FTDI: the exporter kept up (no ring overrun)" is 'p1_telegrams_total{meter="p1-0",result="reader_overrun"}' 0
	wait_for 10 is 'p1_source_read_calls_total{meter="p1-0"}' 69
	r=$(metric 'p1_source_read_calls_total{meter="p1-0"}')
	echo "# read() calls for 66 telegrams and 3 hangups: $r"
	check "one read() per telegram, one per hangup" [ "$r" = 69 ]
fi
wget -q -O - "$URL/metrics" | grep 'meter="p1-0"' >"$T/metrics.end"
kill "$XP"
wait "$XP"
check "exporter stops cleanly" grep -q "info: stopped" "$T/exporter.log"
# Leave nothing attached: the emulators and p1ctl end with their ptys.
kill $pids 2>/dev/null
wait
if [ $fails -ne 0 ]; then
	echo "--- exporter log"
	cat "$T/exporter.log"
	echo "--- metrics of p1-0 at the end"
	cat "$T/metrics.end"
	for f in attach1.log attach2.log attach3.log attach4.log; do
		[ -f "$T/$f" ] && { echo "--- $f"; cat "$T/$f"; }
	done
	echo "--- p1 devices"
	for d in /sys/class/p1/*; do
		[ -e "$d" ] || continue
		echo "$d: tty $(cat "$d/tty")"
		grep -H . "$d"/statistics/* 2>/dev/null
	done
	echo "--- kernel log"
	dmesg | tail -n 30
fi
exit $((fails != 0))
