#!/bin/sh
# A database the proxy has no adapter for: "sipcc check" refuses a redis://
# database line (E0042), and the generated proxy refuses --db redis://...
# at start with a message that says Redis is not supported (exit 2, before
# it listens), not "invalid argument"; an unknown scheme is named as such.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init none

printf 'listen udp 127.0.0.1:5060\ndatabase "redis://127.0.0.1:6379/0"\nroute request {\n    reply(200, "OK");\n    exit;\n}\n' \
	>"$E2E_TMP/redis.sip"
if "$SIPCC" check "$E2E_TMP/redis.sip" >"$E2E_TMP/check.log" 2>&1; then
	e2e_fail "sipcc check accepted a redis:// database"
fi
grep -q "Redis is not supported.*\[E0042\]" "$E2E_TMP/check.log" ||
	e2e_fail "no E0042 from sipcc check: $(cat "$E2E_TMP/check.log")"

e2e_ports PROXY
e2e_build examples/minimal.sip -D NEXT_HOP=sip:127.0.0.1:5999
for url in redis://127.0.0.1:6379/0 mongodb://127.0.0.1/sip; do
	"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --db "$url" \
		>"$E2E_TMP/proxy.log" 2>&1 </dev/null &
	pid=$!
	e2e_track "$pid"
	wait "$pid"
	status=$?
	[ "$status" -eq 2 ] || e2e_fail "--db $url: exit status $status, expected 2: $(cat "$E2E_TMP/proxy.log")"
	if grep -qi "invalid argument" "$E2E_TMP/proxy.log"; then
		e2e_fail "--db $url: unclear message: $(cat "$E2E_TMP/proxy.log")"
	fi
	case $url in
	redis:*) want="invalid --db '$url': Redis is not supported" ;;
	*) want="invalid --db '$url': unknown database URL scheme" ;;
	esac
	grep -qF "$want" "$E2E_TMP/proxy.log" ||
		e2e_fail "--db $url: expected '$want', got: $(cat "$E2E_TMP/proxy.log")"
done
