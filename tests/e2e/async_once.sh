#!/bin/sh
# A call that waits (www_authorize on a cold cache) suspends the request
# and the route goes on at that call when the row is in: what the route
# did before it (a statistic, a log line, an AVP write, a variable set in a
# subroute) happens once per REGISTER, not again on resumption. Then, with
# the database frozen (SIGSTOP), a REGISTER of a subscriber not yet cached
# waits while requests that need no database are still answered at once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_pg_start
e2e_ctl_init "$PG_URL"
e2e_subscribers bob carol

SOCK=$E2E_TMP/ctl.sock
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/async_once.sip
E2E_LOG_LEVEL=debug e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"

getstat() {
	"$CTL" --ctl "$SOCK" stats "$1" >"$E2E_TMP/ctl.json" 2>&1 ||
		e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], "missing"))' "$E2E_TMP/ctl.json" "$1"
}

# 1. One registration: REGISTER (401), REGISTER with credentials (waits
#    for bob's row, then 200).
e2e_sipp_register regbob bob "$UAC" "$UAS"
grep -q "request waits while bob@voip.example.com" "$E2E_TMP/proxy.log" ||
	e2e_fail "the REGISTER did not wait for the database (the cache was warm?)"
n=$(getstat policy.before_auth)
[ "$n" = 2 ] || e2e_fail "policy.before_auth is $n after two REGISTERs, expected 2"
n=$(grep -c "before auth: REGISTER" "$E2E_TMP/proxy.log")
[ "$n" = 2 ] || e2e_fail "the log line before www_authorize appears $n times, expected 2"
grep -q "after auth: bob avps 1$" "$E2E_TMP/proxy.log" ||
	e2e_fail "after the wait: $(grep 'after auth' "$E2E_TMP/proxy.log")"

# 2. The database frozen: carol's REGISTER waits for it (then 503 after
#    3 s), an OPTIONS meanwhile is answered at once.
e2e_pg_signal STOP
e2e_sipp carol -sf "$E2E_SRC/reg_auth_503.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s carol -au carol -ap carol-secret -key contact_port "$UAS" -m 1 -timeout 15s -timeout_error
i=0
until grep -q "request waits while carol@voip.example.com" "$E2E_TMP/proxy.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || e2e_fail "carol's REGISTER never waited"; sleep 0.1
done
python3 - "$PROXY" <<'PY' || e2e_fail "OPTIONS was not answered while the database is frozen"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(1.0)
port = s.getsockname()[1]
msg = ("OPTIONS sip:voip.example.com SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-opt-1\r\n"
       "From: <sip:probe@voip.example.com>;tag=1\r\nTo: <sip:voip.example.com>\r\n"
       "Call-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n") % port
t0 = time.time()
s.sendto(msg.encode(), ("127.0.0.1", int(sys.argv[1])))
data = s.recv(4096).decode()
assert data.startswith("SIP/2.0 405"), data
assert time.time() - t0 < 0.5, time.time() - t0
PY
e2e_sipp_wait carol
e2e_expect_calls carol 1
e2e_pg_signal CONT
n=$(grep -c "before auth: REGISTER" "$E2E_TMP/proxy.log")
[ "$n" = 4 ] || e2e_fail "the log line before www_authorize appears $n times after carol, expected 4"
e2e_expect_proxy_alive
