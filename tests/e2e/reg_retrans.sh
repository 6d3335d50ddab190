#!/bin/sh
# REGISTER retransmissions against tests/e2e/auth_registrar.sip (SQLite):
# the 401 and the final reply go through a server transaction, so
#  1. a retransmitted unauthenticated REGISTER (same branch) gets the same
#     401, byte for byte (the same nonce);
#  2. a retransmitted authenticated REGISTER gets the same 200, instead of
#     reaching the digest check again, where its nonce-count, spent by the
#     first copy, would be refused as a replay;
#  3. the binding is there once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ctl_init
e2e_subscribers alice

e2e_ports PROXY
e2e_build tests/e2e/auth_registrar.sip
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB"

python3 - "$PROXY" >"$E2E_TMP/reg.out" 2>&1 <<'PY' ||
import hashlib, re, socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
s.settimeout(3.0)
failed = 0

def register(branch, cseq, auth=""):
    return ("REGISTER sip:voip.example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:alice@voip.example.com>;tag=rr1\r\n"
            "To: <sip:alice@voip.example.com>\r\n"
            "Call-ID: reg-retrans@127.0.0.1\r\n"
            "CSeq: %d REGISTER\r\n"
            "Contact: <sip:alice@%s>\r\n"
            "%s"
            "Expires: 300\r\n"
            "Content-Length: 0\r\n\r\n" % (me, branch, cseq, me, auth)).encode()

def exchange(msg, what):
    """Send msg, then its retransmission; both replies must be equal."""
    global failed
    s.sendto(msg, proxy)
    first = s.recv(65535)
    s.sendto(msg, proxy)
    try:
        again = s.recv(65535)
    except socket.timeout:
        print("FAIL %s: no reply to the retransmission" % what)
        failed += 1
        return first.decode("latin-1")
    f, a = first.decode("latin-1"), again.decode("latin-1")
    if f != a:
        print("FAIL %s: the retransmission got %r, the request %r" %
              (what, a.split("\r\n")[0], f.split("\r\n")[0]))
        failed += 1
    else:
        print("ok   %s: %s twice" % (what, f.split("\r\n")[0]))
    return f

md5 = lambda x: hashlib.md5(x.encode()).hexdigest()
r = exchange(register("z9hG4bK-rr-1", 1), "challenge")
if not r.startswith("SIP/2.0 401"):
    sys.exit("FAIL: first REGISTER got %r" % r.split("\r\n")[0])
nonce = re.search(r'WWW-Authenticate: Digest [^\r]*nonce="([^"]+)"', r).group(1)
realm, uri, nc, cnonce = "voip.example.com", "sip:voip.example.com", "00000001", "0a4f113b"
ha1 = md5("alice:%s:alice-secret" % realm)
resp = md5("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, md5("REGISTER:" + uri)))
auth = ('Authorization: Digest username="alice", realm="%s", nonce="%s", uri="%s", '
        'response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"\r\n'
        % (realm, nonce, uri, resp, nc, cnonce))
r = exchange(register("z9hG4bK-rr-2", 2, auth), "authenticated REGISTER")
if not r.startswith("SIP/2.0 200"):
    print("FAIL: authenticated REGISTER got %r" % r.split("\r\n")[0])
    failed += 1
sys.exit(1 if failed else 0)
PY
	e2e_fail "$(grep FAIL "$E2E_TMP/reg.out")"
cat "$E2E_TMP/reg.out" >&2
grep -q "replayed nonce-count" "$E2E_TMP/proxy.log" &&
	e2e_fail "a retransmitted REGISTER reached the digest check again"
e2e_wait_binding alice@voip.example.com "no binding for alice after REGISTER"
[ "$(grep -c '<sip:alice@127.0.0.1:' "$E2E_TMP/ul.out")" = 1 ] ||
	e2e_fail "alice's bindings: $(cat "$E2E_TMP/ul.out")"
e2e_expect_proxy_alive
