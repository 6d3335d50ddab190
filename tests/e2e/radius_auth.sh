#!/bin/sh
# Digest authentication through a real FreeRADIUS (its digest module and
# a users file with Cleartext-Password), with tests/e2e/radius_auth.sip;
# the policy's first authentication server is a port where nothing
# answers, so every check reaches FreeRADIUS by failover.
#  1. alice registers with her password: 401, then 200 (Access-Accept).
#  2. bob with a wrong password: 401, then 401 again (Access-Reject:
#     AUTH_INVALID_PASSWORD, logged at notice by the auth module).
#  3. FreeRADIUS stopped: alice's REGISTER gets 503 (AUTH_ERROR), the
#     next one too, at once; with FreeRADIUS running again, 200.
#  4. The nonce-count of an accepted response is spent: FreeRADIUS
#     accepted it, but a replay of the same request is refused by the
#     proxy without asking (AUTH_INVALID_NONCE).
#  5. radius_proxy_authorize: a MESSAGE is challenged (407), accepted
#     with bob's Proxy-Authorization ($au is bob), refused with a wrong
#     password.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/radius_server.sh"

e2e_init
radius_server_setup "$E2E_TMP/radius" >"$E2E_TMP/radius_setup.out" 2>&1
case $? in
0) ;;
77) e2e_skip "$(cat "$E2E_TMP/radius_setup.out")" ;;
*) e2e_error "cannot set FreeRADIUS up: $(cat "$E2E_TMP/radius_setup.out")" ;;
esac
cat >"$E2E_TMP/radius/users" <<'USERS'
alice	Cleartext-Password := "alice-secret"
bob	Cleartext-Password := "bob-secret"
USERS
e2e_ports PROXY UAC CONTACT DEAD RAUTH RACCT
radius_server_start a "$RAUTH" "$RACCT" || e2e_error "FreeRADIUS did not start"

sed -e "s|127.0.0.1:1812, 127.0.0.1:1822|127.0.0.1:$DEAD, 127.0.0.1:$RAUTH|" \
    -e "s|/usr/share/sipcc/radius/dictionary|$top_srcdir/modules/radius/dictionary|" \
    "$top_srcdir/tests/e2e/radius_auth.sip" >"$E2E_TMP/radius_auth.sip"
e2e_build "$E2E_TMP/radius_auth.sip"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "sqlite:$E2E_TMP/reg.db"

# 1.
e2e_sipp_run alice -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key contact_port "$CONTACT" -m 1 \
	-timeout 20s -timeout_error
e2e_expect_calls alice 1
grep -q "radius_auth: alice: 1$" "$E2E_TMP/proxy.log" ||
	e2e_fail "alice's check did not return AUTH_OK"

# 2.
e2e_sipp_run bob -sf "$E2E_SRC/reg_wrong.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s bob -au bob -ap not-bobs-password -key contact_port "$CONTACT" -m 1 \
	-timeout 20s -timeout_error
e2e_expect_calls bob 1
grep -q "radius_auth: bob: -2$" "$E2E_TMP/proxy.log" ||
	e2e_fail "bob's check did not return AUTH_INVALID_PASSWORD"
grep -q 'auth: failed: src=127.0.0.1.*reason="wrong password" user="bob"' "$E2E_TMP/proxy.log" ||
	e2e_fail "the refused credentials were not logged"
grep -q 'Login incorrect.*bob' "$E2E_TMP/radius/a/log/radiusd.out" ||
	e2e_fail "FreeRADIUS did not refuse bob"

# 3.
radius_server_stop a
e2e_sipp_run down -sf "$E2E_SRC/reg_auth_503.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key contact_port "$CONTACT" -m 1 \
	-timeout 20s -timeout_error
e2e_expect_calls down 1
grep -q "radius_auth: alice: -5$" "$E2E_TMP/proxy.log" ||
	e2e_fail "the check with no server did not return AUTH_ERROR"
# While no server answers, the next checks fail at once: no waiting.
e2e_sipp_run down2 -sf "$E2E_SRC/reg_auth_503.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key contact_port "$CONTACT" -m 1 \
	-timeout 20s -timeout_error
e2e_expect_calls down2 1
radius_server_start a "$RAUTH" "$RACCT" || e2e_error "FreeRADIUS did not start again"
# Within 2 s of the last failed check the proxy does not ask yet (503);
# then the REGISTER goes through again.
tries=0
until e2e_sipp_run again -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s alice -au alice -ap alice-secret -key contact_port "$CONTACT" -m 1 \
	-timeout 10s -timeout_error && [ "$SIPP_RC_again" = 0 ]; do
	tries=$((tries + 1))
	[ $tries -ge 10 ] && e2e_fail "alice cannot register after FreeRADIUS came back"
	sleep 1
done
n=$(grep -c "radius_auth: alice: 1$" "$E2E_TMP/proxy.log")
[ "$n" = 2 ] || e2e_fail "$n accepted checks of alice, expected 2"

# 4. A REGISTER answered with a nonce the proxy issued, sent twice.
python3 - "$PROXY" "$UAC" <<'PY' >"$E2E_TMP/replay.out" 2>&1 || e2e_fail "replay: $(cat "$E2E_TMP/replay.out")"
import hashlib, re, socket, sys
proxy, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(15)
def req(n, auth=""):
    return ("REGISTER sip:voip.example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-replay-%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:alice@voip.example.com>;tag=rp\r\n"
            "To: <sip:alice@voip.example.com>\r\nCall-ID: replay@test\r\nCSeq: %d REGISTER\r\n"
            "Contact: <sip:alice@127.0.0.1:9>\r\nExpires: 60\r\n%s"
            "Content-Length: 0\r\n\r\n") % (port, n, n, auth)
def send(m):
    s.sendto(m.encode(), ("127.0.0.1", proxy))
    while True:
        d = s.recv(65535).decode()
        code = int(d.split(" ", 2)[1])
        if code >= 200:
            return code, d
code, d = send(req(1))
assert code == 401, code
nonce = re.search(r'nonce="([^"]+)"', d).group(1)
h = lambda x: hashlib.md5(x.encode()).hexdigest()
uri = "sip:voip.example.com"
ha1 = h("alice:voip.example.com:alice-secret")
resp = h("%s:%s:00000001:c0ffee:auth:%s" % (ha1, nonce, h("REGISTER:" + uri)))
auth = ('Authorization: Digest username="alice", realm="voip.example.com", nonce="%s", '
        'uri="%s", response="%s", algorithm=MD5, qop=auth, nc=00000001, '
        'cnonce="c0ffee"\r\n') % (nonce, uri, resp)
code, _ = send(req(2, auth))
assert code == 200, "first use: %d" % code
code, _ = send(req(3, auth))
assert code == 401, "replay: %d" % code
PY
grep -q "radius_auth: alice: -6$" "$E2E_TMP/proxy.log" ||
	e2e_fail "the replayed nonce-count did not return AUTH_INVALID_NONCE"

# 5. radius_proxy_authorize: a MESSAGE is challenged with 407 and
# accepted with bob's Proxy-Authorization, refused with a wrong one.
python3 - "$PROXY" "$UAC" <<'PY' >"$E2E_TMP/proxy_auth.out" 2>&1 || e2e_fail "proxy auth: $(cat "$E2E_TMP/proxy_auth.out")"
import hashlib, re, socket, sys
proxy, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(15)
def req(n, auth=""):
    return ("MESSAGE sip:carol@voip.example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-pmsg-%d\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:bob@voip.example.com>;tag=pm\r\n"
            "To: <sip:carol@voip.example.com>\r\nCall-ID: pmsg-%d@test\r\nCSeq: 1 MESSAGE\r\n"
            "%sContent-Length: 0\r\n\r\n") % (port, n, n, auth)
def send(m):
    s.sendto(m.encode(), ("127.0.0.1", proxy))
    while True:
        d = s.recv(65535).decode()
        code = int(d.split(" ", 2)[1])
        if code >= 200:
            return code, d
h = lambda x: hashlib.md5(x.encode()).hexdigest()
uri = "sip:carol@voip.example.com"
for n, pw, want in ((1, "bob-secret", 202), (3, "not-bobs", 407)):
    code, d = send(req(n))
    assert code == 407, "no challenge: %d" % code
    nonce = re.search(r'Proxy-Authenticate: Digest [^\r]*nonce="([^"]+)"', d).group(1)
    resp = h("%s:%s:00000001:abc:auth:%s" % (h("bob:voip.example.com:" + pw), nonce,
                                             h("MESSAGE:" + uri)))
    auth = ('Proxy-Authorization: Digest username="bob", realm="voip.example.com", '
            'nonce="%s", uri="%s", response="%s", algorithm=MD5, qop=auth, nc=00000001, '
            'cnonce="abc"\r\n') % (nonce, uri, resp)
    code, _ = send(req(n + 1, auth))
    assert code == want, "password %s: %d, expected %d" % (pw, code, want)
PY
grep -q "radius_auth: MESSAGE from bob$" "$E2E_TMP/proxy.log" ||
	e2e_fail "the MESSAGE was not authenticated as bob"
e2e_expect_proxy_alive
exit 0
