#!/bin/sh
# Bad input must not hurt the proxy: a request with a broken CSeq gets a
# 400 reply; datagrams that are not SIP get no reply at all; the proxy stays
# up and then relays a normal call.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

python3 - "$PROXY" >"$E2E_TMP/malformed.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % sock.getsockname()[1]
failed = 0

def request(cseq, n):
    return ("OPTIONS sip:probe@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-malformed-%d;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:probe@%s>;tag=m%d\r\n"
            "To: <sip:probe@%s:%d>\r\n"
            "Call-ID: malformed-%d@127.0.0.1\r\n"
            "CSeq: %s\r\n"
            "Content-Length: 0\r\n\r\n"
            % (proxy[0], proxy[1], me, n, me, n, proxy[0], proxy[1], n, cseq)
            ).encode()

def replies(timeout):
    """Every datagram that arrives within timeout seconds."""
    got = []
    sock.settimeout(timeout)
    try:
        while True:
            got.append(sock.recv(65535))
    except socket.timeout:
        pass
    return got

def expect_status(name, payload, status):
    global failed
    sock.sendto(payload, proxy)
    got = replies(2.0)
    lines = [g.split(b"\r\n", 1)[0].decode("latin-1") for g in got]
    if not any(l.startswith("SIP/2.0 %d " % status) for l in lines):
        print("FAIL %s: expected a %d reply, got %r" % (name, status, lines))
        failed += 1
    else:
        print("ok   %s: %s" % (name, lines[0]))

def expect_silence(name, payload):
    global failed
    sock.sendto(payload, proxy)
    got = replies(0.5)
    if got:
        print("FAIL %s: expected no reply, got %r" % (name, got[0][:80]))
        failed += 1
    else:
        print("ok   %s: no reply" % name)

expect_status("cseq not a number", request("abc OPTIONS", 1), 400)
expect_silence("binary garbage", bytes(range(256)) * 4)
expect_silence("text garbage", b"hello, proxy\r\n\r\n")
expect_silence("truncated request line", b"INVITE\r\n\r\n")
expect_silence("nul bytes", b"\0" * 512)
expect_silence("reply nobody asked for", b"SIP/2.0 200 OK\r\n\r\n")
expect_silence("oversized datagram", b"A" * 65000)
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/malformed.out" >&2
	e2e_fail "unexpected answers to malformed datagrams"
}
cat "$E2E_TMP/malformed.out" >&2

e2e_expect_proxy_alive

# A normal call still goes through.
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -s 1000 -m 1 -timeout 20s -timeout_error
e2e_expect_calls uac 1

e2e_expect_proxy_alive
