#!/bin/sh
# The JSON-RPC 2.0 management interface (--rpc), against
# tests/e2e/drouting.sip, with curl and with sipcc-ctl --rpc:
#  1. a proxy with --rpc PORT (127.0.0.1) and a token file, /metrics on
#     the same listener: /rpc without the token or with a wrong one gets
#     401 with WWW-Authenticate, and the attempt is logged; /metrics needs
#     no token;
#  2. with the token (curl): "stats" answers what the control socket
#     answers; a batch answers each request that has an id, in order,
#     with -32601 for an unknown method and nothing for a notification;
#     -32700 for text that is not JSON, -32600 for a request that is not
#     JSON-RPC 2.0, -32602 for params that are not an array and for a
#     command's usage error; GET /rpc is 405;
#  3. sipcc-ctl --rpc: a gateway added with sipcc-ctl --db is in the
#     proxy's tables after "dr reload" sent over HTTP (a reply the
#     database worker finishes later), "stats dr." reads it back; the
#     token from SIPCC_RPC_TOKEN works too; without a token sipcc-ctl says
#     it was refused and exits 3;
#  4. the proxy refuses to start with --rpc on a non-loopback address
#     without a token, and with a token shorter than 16 characters.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
SOCK=$E2E_TMP/sipcc.ctl
DB=sqlite:$E2E_TMP/sipcc.db
TOKEN=s3cret-token-0123456789abcdef
printf '%s\n' "$TOKEN" >"$E2E_TMP/token"
chmod 600 "$E2E_TMP/token"

"$CTL" --db "$DB" db init >/dev/null || e2e_fail "sipcc-ctl db init failed"
e2e_ports PROXY RPC OTHER
e2e_build tests/e2e/drouting.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --rpc "$RPC" \
	--rpc-token-file "$E2E_TMP/token" --metrics "127.0.0.1:$RPC"
e2e_wait_tcp "$PROXY_PID" "$RPC" "the proxy's HTTP listener"
e2e_wait_log "drouting: 0 gateways, 0 rules" 5 "the proxy did not load the gateway tables"
URL=http://127.0.0.1:$RPC/rpc

# post BODY [curl options...]: POST BODY to /rpc; the answer in
# $E2E_TMP/rpc.out, the HTTP status printed.
post() {
	body=$1; shift
	curl -s -o "$E2E_TMP/rpc.out" -D "$E2E_TMP/rpc.hdr" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' -d "$body" "$@" "$URL"
}
auth="Authorization: Bearer $TOKEN"

# 1. The token.
code=$(post '{"jsonrpc":"2.0","method":"version","id":1}')
[ "$code" = 401 ] || e2e_fail "/rpc without a token answered $code, expected 401"
grep -qi '^WWW-Authenticate: Bearer' "$E2E_TMP/rpc.hdr" || e2e_fail "401 without WWW-Authenticate"
code=$(post '{"jsonrpc":"2.0","method":"version","id":1}' -H "Authorization: Bearer ${TOKEN}x")
[ "$code" = 401 ] || e2e_fail "/rpc with a wrong token answered $code, expected 401"
code=$(post '{"jsonrpc":"2.0","method":"version","id":1}' -H "Authorization: Basic $TOKEN")
[ "$code" = 401 ] || e2e_fail "/rpc with Basic answered $code, expected 401"
e2e_wait_log 'rpc: refused a request from 127.0.0.1' 3 "the refused request is not logged"
code=$(curl -s -o "$E2E_TMP/metrics.txt" -w '%{http_code}' "http://127.0.0.1:$RPC/metrics")
[ "$code" = 200 ] && grep -q '^sipcc_dr_gateways 0$' "$E2E_TMP/metrics.txt" ||
	e2e_fail "/metrics on the shared listener: $code"

# 2. Requests with the token.
code=$(post '{"jsonrpc":"2.0","method":"version","id":1}' -H "$auth")
[ "$code" = 200 ] || e2e_fail "/rpc with the token answered $code"
grep -q '^{"jsonrpc":"2.0","result":{"version":"[^"]*"},"id":1}$' "$E2E_TMP/rpc.out" ||
	e2e_fail "version: $(cat "$E2E_TMP/rpc.out")"
grep -qi '^Content-Type: application/json' "$E2E_TMP/rpc.hdr" || e2e_fail "not application/json"

post '{"jsonrpc":"2.0","method":"stats","params":["core."],"id":"s"}' -H "$auth" >/dev/null
"$CTL" --ctl "$SOCK" stats core. >"$E2E_TMP/ctl.json" || e2e_fail "sipcc-ctl --ctl stats failed"
python3 - "$E2E_TMP/rpc.out" "$E2E_TMP/ctl.json" <<'PY' || e2e_fail "stats over RPC: $(cat "$E2E_TMP/rpc.out")"
import json, sys
r = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
assert r["jsonrpc"] == "2.0" and r["id"] == "s" and "error" not in r, r
assert set(r["result"]["stats"]) == set(c["stats"]) and len(c["stats"]) > 10, (r, c)
PY

post '[{"jsonrpc":"2.0","method":"uptime","id":1},
       {"jsonrpc":"2.0","method":"no.such","id":2},
       {"jsonrpc":"2.0","method":"log.level","params":["notice"]},
       {"jsonrpc":"2.0","method":"ul","params":["show"],"id":3},
       {"jsonrpc":"2.0","method":"help","id":4},
       {"jsonrpc":"1.0","method":"help","id":5},
       {"jsonrpc":"2.0","method":"stats","params":{"prefix":"core."},"id":6},
       {"jsonrpc":"2.0","method":"stats","params":["a","b"],"id":7}]' -H "$auth" >/dev/null
python3 - "$E2E_TMP/rpc.out" <<'PY' || e2e_fail "batch: $(cat "$E2E_TMP/rpc.out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert [x["id"] for x in r] == [1, 2, 3, 4, 5, 6, 7], r
assert "uptime_s" in r[0]["result"], r[0]
assert r[1]["error"]["code"] == -32601, r[1]
assert r[2]["error"]["code"] == -32601, r[2]   # this policy has no registrar
cmds = [c["command"] for c in r[3]["result"]["commands"]]
assert "dr reload" in cmds and any(c.startswith("stats") for c in cmds), cmds
assert r[4]["error"]["code"] == -32600, r[4]
assert r[5]["error"]["code"] == -32602, r[5]
assert r[6]["error"]["code"] == -32602 and r[6]["error"]["message"].startswith("usage:"), r[6]
PY
post '{"jsonrpc":"2.0","method":"log.level","params":["notice"]}' -H "$auth" >"$E2E_TMP/code"
[ "$(cat "$E2E_TMP/code")" = 204 ] && [ ! -s "$E2E_TMP/rpc.out" ] ||
	e2e_fail "a notification was answered: $(cat "$E2E_TMP/code" "$E2E_TMP/rpc.out")"
post '{"jsonrpc":"2.0","method":' -H "$auth" >/dev/null
grep -q '"code":-32700' "$E2E_TMP/rpc.out" && grep -q '"id":null' "$E2E_TMP/rpc.out" ||
	e2e_fail "parse error: $(cat "$E2E_TMP/rpc.out")"
post '[]' -H "$auth" >/dev/null
grep -q '"code":-32600' "$E2E_TMP/rpc.out" || e2e_fail "empty batch: $(cat "$E2E_TMP/rpc.out")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$URL")
[ "$code" = 405 ] || e2e_fail "GET /rpc answered $code, expected 405"

# 3. sipcc-ctl over HTTP.
"$CTL" --db "$DB" gw add 1 "sip:127.0.0.1:$OTHER" >/dev/null || e2e_fail "sipcc-ctl gw add failed"
"$CTL" --rpc "http://127.0.0.1:$RPC" --rpc-token-file "$E2E_TMP/token" dr reload \
	>"$E2E_TMP/reload.json" 2>&1 || e2e_fail "sipcc-ctl --rpc dr reload: $(cat "$E2E_TMP/reload.json")"
grep -q '^{"ok":true,"gateways":1,"rules":0}$' "$E2E_TMP/reload.json" ||
	e2e_fail "dr reload over RPC: $(cat "$E2E_TMP/reload.json")"
grep -q "drouting: reloaded on request: 1 gateways, 0 rules" "$E2E_TMP/proxy.log" ||
	e2e_fail "the reload is not in the proxy's log"
SIPCC_RPC_TOKEN=$TOKEN "$CTL" --rpc "http://127.0.0.1:$RPC" stats dr. >"$E2E_TMP/st.json" 2>&1 ||
	e2e_fail "sipcc-ctl --rpc stats: $(cat "$E2E_TMP/st.json")"
python3 - "$E2E_TMP/st.json" <<'PY' || e2e_fail "stats dr. over RPC: $(cat "$E2E_TMP/st.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ok"] is True and r["stats"]["dr.gateways"] == 1 and r["stats"]["dr.reloads"] >= 2, r
PY
"$CTL" --rpc "http://127.0.0.1:$RPC" --rpc-token-file "$E2E_TMP/token" log level loud \
	>"$E2E_TMP/bad.json" 2>&1 && e2e_fail "a refused command exited 0"
grep -q '^{"ok":false,"error":"unknown log level' "$E2E_TMP/bad.json" ||
	e2e_fail "refused command: $(cat "$E2E_TMP/bad.json")"
env -u SIPCC_RPC_TOKEN "$CTL" --rpc "http://127.0.0.1:$RPC" version >"$E2E_TMP/noauth.out" 2>&1
rc=$?
[ "$rc" = 3 ] && grep -q "refused the request" "$E2E_TMP/noauth.out" ||
	e2e_fail "sipcc-ctl --rpc without a token: exit $rc: $(cat "$E2E_TMP/noauth.out")"
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"

# 4. Refusals at start-up.
"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --rpc "0.0.0.0:$OTHER" >"$E2E_TMP/refused.log" 2>&1 </dev/null
rc=$?
[ "$rc" = 2 ] || e2e_fail "--rpc 0.0.0.0 without a token: exit $rc, expected 2"
grep -q "not a loopback address: it needs --rpc-token-file" "$E2E_TMP/refused.log" ||
	e2e_fail "refusal: $(cat "$E2E_TMP/refused.log")"
e2e_tcp_listening "$OTHER" && e2e_fail "something listens on $OTHER after the refusal"
printf 'short\n' >"$E2E_TMP/short"
"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --rpc "127.0.0.1:$OTHER" \
	--rpc-token-file "$E2E_TMP/short" >"$E2E_TMP/short.log" 2>&1 </dev/null
rc=$?
[ "$rc" = 2 ] && grep -q "shorter than 16 characters" "$E2E_TMP/short.log" ||
	e2e_fail "a short token: exit $rc: $(cat "$E2E_TMP/short.log")"
exit 0
