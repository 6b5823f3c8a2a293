#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench-decode: `p1ctl decode` end to end (read, frame, CRC, parse,
# one line per telegram to a file), text and --json, on a 913-byte DSMR 5
# telegram repeated 20,000 times; beside it the npm p1-reader package
# (pinned, installed from the npm registry into the test cache) doing the
# same work (split, parse, one JSON line per telegram), and the ratio.
# Times are CPU time (user + system) of the whole process, best of 5 runs;
# printed, never asserted.  Figures also go to $B/bench/decode.txt.
set -e
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-$TOP/build}
N=${P1_BENCH_DECODE_N:-20000}
P1R_VERSION=2.0.6
CACHE=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}
NPMDIR=$CACHE/npm/p1-reader-$P1R_VERSION
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
OUT=$B/bench/decode.txt
mkdir -p "$B/bench"
: >"$OUT"
fig() { echo "$*" | tee -a "$OUT"; }

tg=$TOP/tests/corpus/nl-dsmr50-typical.txt
for _ in $(seq "$N"); do cat "$tg"; done >"$T/in.txt"

# Best CPU seconds (user + sys) of 5 runs of "$@" >$T/out.  The process
# is started with posix_spawn() (vfork: no copy of the Python launcher
# whose page faults would be charged to the child).  The last run's
# output is removed first, here: truncating it in the child would charge
# freeing its pages (80 MB of JSON) to the decoder.
best_cpu() {
	python3 -c 'import os, sys
best = None
for _ in range(5):
    try:
        os.unlink(sys.argv[1])
    except FileNotFoundError:
        pass
    pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, st, ru = os.wait4(pid, 0)
    if st:
        sys.exit(1)
    t = ru.ru_utime + ru.ru_stime
    best = t if best is None or t < best else best
print("%.6f" % best)' "$T/out" "$@"
}

us_per() { awk -v s="$1" -v n="$N" 'BEGIN { printf "%.3f", s * 1e6 / n }'; }

fig "decode: $(stat -c %s "$tg")-byte DSMR 5 telegram x $N ($(($(stat -c %s "$T/in.txt") / 1024)) KiB), CPU time best of 5"
text=$(best_cpu "$B/p1ctl" decode "$T/in.txt")
lines=$(wc -l <"$T/out")
test "$lines" = "$N" || { echo "p1ctl decode wrote $lines lines for $N telegrams" >&2; exit 1; }
fig "  p1ctl decode (text)     $(us_per "$text") us/telegram  ($text s)"
json=$(best_cpu "$B/p1ctl" decode --json "$T/in.txt")
fig "  p1ctl decode --json     $(us_per "$json") us/telegram  ($json s)"
: >"$T/empty.txt"
start=$(best_cpu "$B/p1ctl" decode "$T/empty.txt")
fig "  of which process start  $(us_per "$start") us/telegram  ($start s: exec, dynamic linking, no input)"
# Beside the repeated telegram (every line the same each time), two
# streams whose telegrams differ: an emulated DSMR 5 meter one second
# apart (what a capture of a real meter looks like: timestamp, powers,
# voltages and currents change, the rest repeats), and the corpus's
# telegrams in turn (every telegram laid out unlike the one before).
"$B/p1-emulate" -n "$N" -i 1 --start=2023-07-01T13:30:45Z >"$T/emu.txt"
ls "$TOP"/tests/corpus/*.txt | LC_ALL=C sort >"$T/corpus.list"
i=0
while [ $i -lt "$N" ]; do
	while read -r f && [ $i -lt "$N" ]; do
		cat "$f"
		i=$((i + 1))
	done <"$T/corpus.list"
done >"$T/mix.txt"
for s in emu mix; do
	case $s in
	emu) what="emulated DSMR 5 meter, 1 s apart ($(($(stat -c %s "$T/emu.txt") / N)) bytes)" ;;
	mix) what="corpus telegrams in turn ($(wc -l <"$T/corpus.list") kinds)" ;;
	esac
	a=$(best_cpu "$B/p1ctl" decode "$T/$s.txt")
	b=$(best_cpu "$B/p1ctl" decode --json "$T/$s.txt")
	fig "  $what: text $(us_per "$a") us, --json $(us_per "$b") us/telegram"
done
if command -v valgrind >/dev/null; then
	head -c "$(($(stat -c %s "$tg") * 2000))" "$T/in.txt" >"$T/in2k.txt"
	for mode in text json; do
		valgrind --tool=callgrind --callgrind-out-file=/dev/null \
			"$B/p1ctl" decode $([ $mode = json ] && echo --json) \
			"$T/in2k.txt" >/dev/null 2>"$T/cg.err"
		ir=$(sed -n 's/.*refs: *\([0-9,]*\).*/\1/p' "$T/cg.err" | tr -d ,)
		fig "  p1ctl decode ($mode)      $(awk -v i="$ir" 'BEGIN { printf "%.0f", i / 2000 }') instructions/telegram (callgrind, whole process, 2000 telegrams)"
	done
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	fig "  npm p1-reader: node/npm not installed, skipped"
	exit 0
fi
if [ ! -f "$NPMDIR/node_modules/p1-reader/package.json" ]; then
	mkdir -p "$NPMDIR"
	# --ignore-scripts: only its parser is used, not serialport's native
	# binding.
	(cd "$NPMDIR" && npm install --no-audit --no-fund --silent \
		--ignore-scripts "p1-reader@$P1R_VERSION" >"$T/npm.log" 2>&1) ||
		{ cat "$T/npm.log"; exit 1; }
fi
best=
for _ in 1 2 3; do
	r=$(node "$TOP/tests/bench/p1reader.js" "$NPMDIR" "$T/in.txt" "$T/out")
	set -- $r
	test "$1" = "$N" || { echo "p1-reader parsed $1 of $N telegrams" >&2; exit 1; }
	if [ -z "$best" ] || awk -v a="$2" -v b="$best" 'BEGIN { exit !(a < b) }'; then
		best=$2 parse=$3
	fi
done
fig "  npm p1-reader $P1R_VERSION (node $(node --version)), split + parse + JSON line: $best us/telegram; parsePacket() alone: $parse us"
fig "  ratio: p1-reader / p1ctl decode --json = $(awk -v a="$best" -v b="$(us_per "$json")" 'BEGIN { printf "%.1f", a / b }')x, / p1ctl decode (text) = $(awk -v a="$best" -v b="$(us_per "$text")" 'BEGIN { printf "%.1f", a / b }')x"
