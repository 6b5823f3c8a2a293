#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --web.config.file: TLS with a self-signed certificate, basic auth with a
# bcrypt hash, extra headers, and the keys this exporter refuses.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
hash=$(python3 -W ignore -c \
	'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5)))')
cat >"$T/web.yml" <<YML
tls_server_config:
  cert_file: $T/cert.pem
  key_file: $T/key.pem
  min_version: TLS12
http_server_config:
  headers:
    X-Frame-Options: deny
basic_auth_users:
  alice: '$hash'
YML
check "--check-config accepts it" bash -c \
	"'$EXPORTER' --emulate --web.config.file '$T/web.yml' --check-config >/dev/null"

start_exporter_tls() {
	PORT=$(free_port)
	URL=https://127.0.0.1:$PORT
	"$EXPORTER" --web.listen-address="127.0.0.1:$PORT" "$@" >"$T/tls.log" 2>&1 &
	PIDS+=($!)
	EXPORTER_PID=$!
	wait_for 5 bash -c "curl -sk -o /dev/null '$URL/healthz'"
}
start_exporter_tls --emulate=dsmr5,interval=0.2s --web.config.file "$T/web.yml"
code() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }
check "TLS with the right password: 200" test "$(code -u alice:s3cret "$URL/metrics")" = 200
check "wrong password: 401" test "$(code -u alice:wrong "$URL/metrics")" = 401
check "unknown user: 401" test "$(code -u bob:s3cret "$URL/metrics")" = 401
check "no credentials: 401 with a challenge" bash -c \
	"curl -skI '$URL/metrics' | grep -qi '^www-authenticate: basic'"
check "healthz needs auth too" test "$(code "$URL/healthz")" = 401
check "configured header sent" bash -c \
	"curl -sk -D - -o /dev/null -u alice:s3cret '$URL/metrics' | grep -qi '^x-frame-options: deny'"
check "plain HTTP refused on the TLS port" bash -c \
	"! curl -s --max-time 2 -o /dev/null 'http://127.0.0.1:$PORT/metrics'"
check "TLS 1.1 refused (min_version TLS12)" bash -c \
	"! curl -sk --tls-max 1.1 --max-time 2 -o /dev/null -u alice:s3cret '$URL/metrics'"
# A flood of wrong passwords runs bcrypt at most a few times a second;
# beyond that the answer is 429 and scrapes with good credentials go on.
codes=$(for i in $(seq 20); do code -u alice:bad$i "$URL/metrics"; echo; done | sort | uniq -c)
check "password guessing is throttled ($(echo $codes))" grep -q 429 <<<"$codes"
check "a good scrape still works" test "$(code -u alice:s3cret "$URL/metrics")" = 200
check "a failure is logged with the user and the client address" \
	grep -q 'authentication failed for user "bob" from 127.0.0.1' "$T/tls.log"
stop_pid "$EXPORTER_PID"

echo "$TEST_NAME: basic auth under guessing (bcrypt cost 10)"
hash10=$(python3 -W ignore -c \
	'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))')
printf "basic_auth_users:\n  alice: '%s'\n" "$hash10" >"$T/auth10.yml"
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
"$EXPORTER" --web.listen-address="127.0.0.1:$PORT" --emulate=dsmr5,interval=0.2s \
	--web.config.file "$T/auth10.yml" >"$T/auth10.log" 2>&1 &
PIDS+=($!)
EXPORTER_PID=$!
wait_for 5 curl -s -o /dev/null "$URL/healthz"
# Unknown users cost a bcrypt run like known ones: the time does not tell
# which users exist.
t_of() { curl -s -o /dev/null -w '%{time_total}\n' -u "$1" "$URL/metrics"; }
for i in 1 2 3 4 5; do
	t_of "alice:wrong$i" >>"$T/t-known"
	t_of "nosuchuser:wrong$i" >>"$T/t-unknown"
	sleep 0.6
done
echo "  known user, wrong password: $(sort -n "$T/t-known" | tr '\n' ' ')s; unknown user: $(sort -n "$T/t-unknown" | tr '\n' ' ')s"
# The fastest of five each within a factor of 4 (load on the machine only
# adds time, so minima are steadier than medians; the difference this
# catches is a factor of 200).
check "an unknown user takes as long as a known one" python3 -c "
k = min(float(x) for x in open('$T/t-known'))
u = min(float(x) for x in open('$T/t-unknown'))
raise SystemExit(not (u >= 0.25 * k and k >= 0.25 * u))"
# A client guessing 20 passwords a second from 127.0.0.2: scrapes with the
# right password from 127.0.0.1 are not delayed, and a new client's first
# (uncached) login is not refused.  (A scrape fails after 5 s, not 2: on a
# loaded machine, under ASan, bcrypt alone takes half a second; a scrape
# queued behind the guesses' bcrypt runs waits longer and longer, so it
# still fails.)
python3 "$(dirname "$0")/http_abuse.py" "$PORT" --attack-from 127.0.0.2 \
	--guess-rate 20 --guess-user alice --scrapes 1 --warmup 1.5 --auth alice:s3cret \
	--timeout 5 \
	>"$T/first.txt" || true
echo "  first login during guessing: $(cat "$T/first.txt")"
check "a new client's first login is served while another guesses" \
	grep -q ' failed=0 ' "$T/first.txt"
python3 "$(dirname "$0")/http_abuse.py" "$PORT" --attack-from 127.0.0.2 \
	--guess-rate 20 --guess-user alice --scrapes 150 --auth alice:s3cret \
	--timeout 5 >"$T/guess.txt" || true
echo "  scrapes during guessing: $(cat "$T/guess.txt")"
check "no scrape failed during guessing" grep -q ' failed=0 ' "$T/guess.txt"
stop_pid "$EXPORTER_PID"

for bad in "tls_server_config:\n  cert_file: $T/cert.pem\n  key_file: $T/key.pem\n  client_ca_file: $T/cert.pem" \
	"tls_server_config:\n  cert_file: $T/nope.pem\n  key_file: $T/key.pem" \
	"tls_server_config:\n  cert_file: $T/cert.pem\n  key_file: $T/key.pem\n  min_version: SSL3" \
	"http_server_config:\n  headers:\n    Set-Cookie: a=b" \
	"unknown_section: 1" \
	"basic_auth_users: [a, b]" \
	"basic_auth_users:\n  bob: \$2y\$10\$tooshort" \
	"basic_auth_users:\n  bob: \$2y\$99\$$(printf 'a%.0s' $(seq 53))" \
	"basic_auth_users:\n  alice: '$hash'\n  alice: '$hash'"; do
	printf "$bad\n" >"$T/bad.yml"
	"$EXPORTER" --emulate --web.config.file "$T/bad.yml" --check-config \
		>"$T/bad.out" 2>&1 && rc=0 || rc=$?
	check "refused: $(tr '\n' ' ' <"$T/bad.yml" | sed "s|$T/||g")" test "$rc" = 1
done
finish
