#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The new user's path: "make run" installs only the packages building and
# running p1-exporter needs (every library the exporter links comes from one
# of them, none of the test suite's come along), and P1_RUN_ARGS adds flags
# to --emulate instead of replacing it.
. "$(dirname "$0")/lib.sh"

echo "$TEST_NAME: make run's packages"
"$TOP/tests/deps.sh" --list run >"$T/run.pkgs"
"$TOP/tests/deps.sh" --list all >"$T/all.pkgs"
check "run set is a strict subset of the full set" bash -c \
	"[ \$(sort -u '$T/run.pkgs' | comm -23 - <(sort -u '$T/all.pkgs') | wc -l) = 0 ] &&
	 [ \$(wc -l <'$T/run.pkgs') -lt \$(wc -l <'$T/all.pkgs') ]"
check "run set has no test-only package" bash -c \
	"! grep -Eq '^(qemu|linux-|valgrind|prometheus|clang|dkms|debootstrap|gcc-aarch64|libcmocka|wrk|lintian)|:' '$T/run.pkgs'"
# Every pkg-config module and library the exporter is built with belongs
# to a package of the run set.
for pc in libmicrohttpd yaml-0.1 libnl-3.0 libnl-genl-3.0 libcurl libmosquitto \
	libssl libcrypto; do
	f=$(pkg-config --variable=pcfiledir "$pc")/$pc.pc
	pkg=$(dpkg -S "$f" 2>/dev/null | head -1 | cut -d: -f1) || true
	check "$pc.pc ($pkg) in the run set" grep -qx "${pkg:-none}" "$T/run.pkgs"
done
for lib in libcrypt.so; do
	f=$(realpath -s "$(gcc -print-file-name=$lib)")
	pkg=$(dpkg -S "$f" 2>/dev/null | head -1 | cut -d: -f1) || true
	check "$lib ($pkg) in the run set" grep -qx "${pkg:-none}" "$T/run.pkgs"
done
check "pkg-config, gcc, make in the run set" bash -c \
	"grep -qx pkg-config '$T/run.pkgs' && grep -qx gcc '$T/run.pkgs' && grep -qx make '$T/run.pkgs'"

echo "$TEST_NAME: make run P1_RUN_ARGS"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
make -s -C "$TOP" B="$B" run P1_RUN_ADDR="127.0.0.1:$PORT" \
	P1_RUN_ARGS='--emulate=emucs,name=be --emulate.noise=0' \
	>"$T/run.log" 2>&1 &
MAKE_PID=$!
PIDS+=("$MAKE_PID")
wait_for 60 curl -sf "$URL/healthz" -o /dev/null || fail "make run started"
# make execs the exporter in its recipe shell: stop that child by its PID.
for c in $(ps -o pid= --ppid "$MAKE_PID" 2>/dev/null); do PIDS+=("$c"); done
curl -sf "$URL/api/v1/meters" >"$T/meters.json" || true
check "the built-in emulated meter is still there" json_check \
	'assert any(m["name"] == "emulator" for m in d["meters"]), d' <"$T/meters.json"
check "P1_RUN_ARGS added a meter" json_check \
	'assert any(m["name"] == "be" for m in d["meters"]), d' <"$T/meters.json"
finish
