#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The live page at "/" in headless Chromium (Debian's chromium, driven by
# playwright-core from the npm registry, pinned, installed into the test
# cache): same power and energy as /metrics, live updates, no console
# errors, no request to another host, readable on a phone.  Screenshots go
# to $B/tests/web/ for people to look at.
. "$(dirname "$0")/lib.sh"
PW_VERSION=1.57.0
CACHE=${P1_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/p1}
PW=$CACHE/npm/playwright-core-$PW_VERSION
OUT=$B/tests/web
mkdir -p "$OUT"
if [ ! -f "$PW/node_modules/playwright-core/package.json" ]; then
	mkdir -p "$PW"
	(cd "$PW" && npm install --no-audit --no-fund --silent \
		"playwright-core@$PW_VERSION" >"$T/npm.log" 2>&1) ||
		{ cat "$T/npm.log"; fail "npm install playwright-core"; finish; }
fi
start_exporter page --emulate=dsmr5,interval=0.5s --emulate=emucs,name=be
check "the page is served at / with a strict Content-Security-Policy" bash -c \
	"curl -sfD - -o '$T/page.html' '$URL/' | grep -qi \"^content-security-policy: default-src 'none'\""
check "the page asks no other host for anything (no http(s) URL in it)" \
	bash -c "! grep -Eo '(src|href)=\"(https?:)?//' '$T/page.html'"
check "the links page still lists the meters" bash -c \
	"curl -sf '$URL/links' | grep -q 'api/v1/meters/be'"
check "headless Chromium" env NODE_PATH="$PW/node_modules" \
	node "$TOP/tests/web/page_test.cjs" "$URL/" "$OUT"
finish
