#!/bin/sh
# The policy's HTTP client against a real HTTP server started here
# (tests/e2e/http_server.py, Python's http.server on 127.0.0.1):
#  1. calls (sipp) are relayed or refused by the JSON the service answers
#     for the number called; a request is allowed or refused by it for
#     its caller, and a field of it (credit) reaches the reply;
#  2. a POST with a JSON body: the status, a header and typed fields of
#     the JSON echoed back; a 404 status is the call's result;
#  3. a slow service hits the request's timeout (0.5 s) and the fallback
#     runs; a service that is down fails at once (HTTP_CONNECT_FAILED);
#  4. the YAML form (http_check): refused by the JSON, 503 when the
#     service is down;
#  5. 40 calls each waiting 1 s for the service do not wait for one
#     another (all answered within ~1 s), and the proxy answers OPTIONS at
#     once meanwhile: the loop is never blocked.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY HTTP DOWN YPROXY UAS UAC
python3 "$E2E_SRC/http_server.py" "$HTTP" --deny mallory >"$E2E_TMP/http.out" 2>"$E2E_TMP/http.log" &
e2e_track $!
e2e_wait_tcp $! "$HTTP" "the HTTP server"
e2e_build tests/e2e/http.sip -D HTTP="http://127.0.0.1:$HTTP" -D DOWN="http://127.0.0.1:$DOWN" \
	-D UAS="sip:127.0.0.1:$UAS"
e2e_ctl_init
SOCK=$E2E_TMP/ctl.sock
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK"

peer() { python3 "$E2E_SRC/sip_peer.py" "$PROXY" "$@"; }

# 1. allowed and refused by the service's JSON: calls to 1000 go through
#    (each waits for the service), calls to mallory are refused
e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m 5 -timeout 60s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sn uac "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s 1000 -r 5 -m 5 \
	-timeout 30s -timeout_error
e2e_expect_calls uac 5
e2e_sipp_wait uas
e2e_expect_calls uas 5
n=$(grep -c '"GET /check?user=1000 HTTP/1.1" 200' "$E2E_TMP/http.log")
[ "$n" = 5 ] || e2e_fail "the service was asked $n times for 5 calls"
out=$(peer INVITE sip:mallory@voip.example.com --expect 403) || e2e_fail "a call to mallory: $out"
out=$(peer MESSAGE sip:anyone@voip.example.com --from sip:alice@voip.example.com --expect 200) ||
	e2e_fail "alice: $out"
[ "$out" = "SIP/2.0 200 Allowed credit 50" ] || e2e_fail "alice: $out"
out=$(peer MESSAGE sip:anyone@voip.example.com --from sip:mallory@voip.example.com --expect 403) ||
	e2e_fail "mallory is not refused: $out"
grep -q '"GET /check?user=mallory HTTP/1.1" 200' "$E2E_TMP/http.log" ||
	e2e_fail "the service never saw mallory's check"

# 2. POST: status, header, typed JSON fields; another status
out=$(peer MESSAGE sip:echo@voip.example.com --expect 200) || e2e_fail "echo: $out"
[ "$out" = "SIP/2.0 200 Echo 200 application/json n=7 k=1 name=cafe" ] || e2e_fail "echo: $out"
out=$(peer MESSAGE sip:status@voip.example.com --expect 404) || e2e_fail "status: $out"
out=$(peer MESSAGE sip:encode@voip.example.com --from "sip:+4930&x=1@voip.example.com" --expect 200) ||
	e2e_fail "encode: $out"
[ "$out" = "SIP/2.0 200 User +4930&x=1" ] || e2e_fail "url_encode: $out"

# 3. timeout and fallback; a service that is down
t0=$(date +%s%N)
out=$(peer MESSAGE sip:slow@voip.example.com --expect 480 --timeout 5) || e2e_fail "slow: $out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 450 ] && [ "$ms" -lt 2500 ] ||
	e2e_fail "the 0.5 s timeout answered after $ms ms"
grep -q "fallback after timeout: .*timed out" "$E2E_TMP/proxy.log" ||
	e2e_fail "no \$http_err in the fallback's log line"
t0=$(date +%s%N)
out=$(peer MESSAGE sip:down@voip.example.com --expect 503) || e2e_fail "down: $out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 1000 ] || e2e_fail "a service that is down took $ms ms to fail"
"$CTL" --ctl "$SOCK" stats http. >"$E2E_TMP/stats.json" 2>&1 || e2e_fail "stats: $(cat "$E2E_TMP/stats.json")"
python3 - "$E2E_TMP/stats.json" <<'PY' || e2e_fail "http statistics: $(cat "$E2E_TMP/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
# 5 calls, the call to mallory, alice, mallory, echo, status, encode, slow, down
assert s["http.requests"] == 13 and s["http.answered"] == 11, s
assert s["http.timeouts"] == 1 and s["http.connect_failed"] == 1 and s["http.errors"] == 0, s
PY

# 4. the YAML form, on a second proxy
"$SIPCC" build "$top_srcdir/tests/e2e/http.yaml" -o "$E2E_TMP/proxy_yaml" \
	-D HTTP="http://127.0.0.1:$HTTP" -D DOWN="http://127.0.0.1:$DOWN" >"$E2E_TMP/build_yaml.log" 2>&1 ||
	e2e_fail "sipcc build http.yaml failed: $(cat "$E2E_TMP/build_yaml.log")"
"$E2E_TMP/proxy_yaml" --listen "udp:127.0.0.1:$YPROXY" >"$E2E_TMP/proxy_yaml.log" 2>&1 </dev/null &
e2e_track $!
i=0
until e2e_udp_bound "$YPROXY"; do
	i=$((i + 1)); [ $i -lt 100 ] || e2e_fail "the YAML proxy is not listening"; sleep 0.1
done
ypeer() { python3 "$E2E_SRC/sip_peer.py" "$YPROXY" "$@"; }
out=$(ypeer MESSAGE sip:x@voip.example.com --from sip:alice@voip.example.com --expect 200) ||
	e2e_fail "yaml, alice: $out"
[ "$out" = "SIP/2.0 200 Checked" ] || e2e_fail "yaml, alice: $out"
out=$(ypeer MESSAGE sip:x@voip.example.com --from sip:mallory@voip.example.com --expect 603) ||
	e2e_fail "yaml, mallory: $out"
out=$(ypeer MESSAGE sip:down1@voip.example.com --from sip:alice@voip.example.com --expect 503) ||
	e2e_fail "yaml, service down: $out"

# 5. many calls waiting at once, and OPTIONS answered meanwhile
python3 - "$PROXY" <<'PY' || e2e_fail "calls waiting for HTTP blocked one another or the loop"
import socket, sys, time
port = int(sys.argv[1])
N = 40
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = s.getsockname()[1]
def req(method, user, i):
    return ("%s sip:%s@voip.example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-many-%s-%d\r\n"
            "From: <sip:load@voip.example.com>;tag=%d\r\nTo: <sip:%s@voip.example.com>\r\n"
            "Call-ID: many-%s-%d\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (method, user, me, method, i, i, user, method, i, method)).encode()
t0 = time.time()
for i in range(N):
    s.sendto(req("MESSAGE", "slow1", i), ("127.0.0.1", port))
time.sleep(0.2)
s.sendto(req("OPTIONS", "ping", 0), ("127.0.0.1", port))
ok = 0
opt_at = None
s.settimeout(5.0)
while ok < N or opt_at is None:
    try:
        data = s.recv(4096).decode()
    except socket.timeout:
        print("only %d of %d calls answered; OPTIONS %s" % (ok, N, opt_at)); sys.exit(1)
    line = data.split("\r\n", 1)[0]
    if " OPTIONS" in data.split("CSeq:", 1)[1].split("\r\n", 1)[0]:
        opt_at = time.time() - t0
        if not line.startswith("SIP/2.0 200"):
            print("OPTIONS: " + line); sys.exit(1)
        continue
    if line.startswith("SIP/2.0 1"):
        continue
    if line != "SIP/2.0 200 Slow allowed":
        print("call: " + line); sys.exit(1)
    ok += 1
took = time.time() - t0
print("%d calls in %.2f s, OPTIONS answered at %.2f s" % (N, took, opt_at))
# Served one after the other they would take N seconds; OPTIONS must not
# wait for them.
if took > 4.0 or opt_at > 0.9:
    sys.exit(1)
PY
e2e_expect_proxy_alive
