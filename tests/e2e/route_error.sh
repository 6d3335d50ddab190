#!/bin/sh
# route error runs for a request that fails the sanity checks or does not
# parse, instead of the built-in 400: the policy answers with its own
# reason phrase and logs why. A good request is still routed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports UAS PROXY
e2e_build tests/e2e/route_kinds.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

python3 - "$PROXY" >"$E2E_TMP/error.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % sock.getsockname()[1]
failed = 0

def request(cseq, n, extra=""):
    return ("OPTIONS sip:probe@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-err-%d;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:probe@%s>;tag=e%d\r\n"
            "To: <sip:probe@%s:%d>\r\n"
            "Call-ID: error-%d@127.0.0.1\r\n"
            "CSeq: %s\r\n%s"
            "Content-Length: 0\r\n\r\n"
            % (proxy[0], proxy[1], me, n, me, n, proxy[0], proxy[1], n, cseq, extra)
            ).encode()

def expect(name, payload, want):
    global failed
    sock.sendto(payload, proxy)
    sock.settimeout(2.0)
    try:
        line = sock.recv(65535).split(b"\r\n", 1)[0].decode("latin-1")
    except socket.timeout:
        line = "(nothing)"
    if not line.startswith(want):
        print("FAIL %s: got %r, expected %r" % (name, line, want))
        failed += 1
    else:
        print("ok   %s: %s" % (name, line))

expect("broken CSeq", request("x OPTIONS", 1), "SIP/2.0 400 Refused By Policy")
expect("CSeq method mismatch", request("2 INVITE", 2), "SIP/2.0 400 Refused By Policy")
sys.exit(1 if failed else 0)
PY
	e2e_fail "error route checks failed: $(grep FAIL "$E2E_TMP/error.out")"
grep -q "error route: 400 .* from 127.0.0.1" "$E2E_TMP/proxy.log" ||
	e2e_fail "the error route did not log the refused request"
e2e_expect_proxy_alive
cat "$E2E_TMP/error.out"
exit 0
