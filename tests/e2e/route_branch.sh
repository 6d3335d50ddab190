#!/bin/sh
# t_on_branch(route branch X): the branch route runs for the branch before
# it is sent. It rewrites the request-URI of the branch (the next hop sees
# the new one, with the branch's index), or drops it (t_relay() is then
# false and the policy answers 503 itself).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports UAS PROXY
e2e_build tests/e2e/route_kinds.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

python3 - "$PROXY" "$UAS" >"$E2E_TMP/branch.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uas.bind(("127.0.0.1", int(sys.argv[2])))
uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uac.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % uac.getsockname()[1]
failed = 0

def options(user, n):
    return ("OPTIONS sip:%s@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-br-%d;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:probe@example.org>;tag=b%d\r\n"
            "To: <sip:%s@%s:%d>\r\n"
            "Call-ID: branch-%d@127.0.0.1\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n"
            % (user, proxy[0], proxy[1], me, n, n, user, proxy[0], proxy[1], n)).encode()

def answer(req, src):
    lines = req.decode("latin-1").split("\r\n")
    keep = [l for l in lines[1:] if l.split(":", 1)[0].lower() in
            ("via", "from", "to", "call-id", "cseq")]
    resp = "SIP/2.0 200 OK\r\n" + "\r\n".join(
        l + (";tag=uas" if l.lower().startswith("to:") else "") for l in keep) + \
        "\r\nContent-Length: 0\r\n\r\n"
    uas.sendto(resp.encode(), src)

def final(timeout=3.0):
    uac.settimeout(timeout)
    while True:
        line = uac.recv(65535).split(b"\r\n", 1)[0].decode("latin-1")
        if not line.startswith("SIP/2.0 1"):
            return line

def case(n, user, want_ruri, want_status):
    global failed
    uac.sendto(options(user, n), proxy)
    if want_ruri:
        uas.settimeout(3.0)
        try:
            req, src = uas.recvfrom(65535)
        except socket.timeout:
            print("FAIL %s: nothing reached the next hop" % user)
            failed += 1
            return
        line = req.split(b"\r\n", 1)[0].decode("latin-1")
        if line != "OPTIONS %s SIP/2.0" % want_ruri:
            print("FAIL %s: next hop got %r, expected the URI %s" % (user, line, want_ruri))
            failed += 1
        answer(req, src)
    try:
        got = final()
    except socket.timeout:
        print("FAIL %s: no final reply" % user)
        failed += 1
        return
    if not got.startswith(want_status):
        print("FAIL %s: got %r, expected %s" % (user, got, want_status))
        failed += 1
    else:
        print("ok   %s: %s" % (user, got))
    if not want_ruri:
        uas.settimeout(0.5)
        try:
            uas.recvfrom(65535)
            print("FAIL %s: a dropped branch reached the next hop" % user)
            failed += 1
        except socket.timeout:
            pass

case(1, "branch", "sip:rewritten-0@127.0.0.1", "SIP/2.0 200")
case(2, "nobranch", None, "SIP/2.0 503 Branch Dropped")
case(3, "plain", "sip:plain@127.0.0.1:%d" % proxy[1], "SIP/2.0 200")
sys.exit(1 if failed else 0)
PY
	e2e_fail "branch route checks failed: $(grep FAIL "$E2E_TMP/branch.out")"
e2e_expect_proxy_alive
cat "$E2E_TMP/branch.out"
exit 0
