#!/bin/sh
# The language in a compiled proxy: switch, while with its bound, named
# routes with parameters and a result, =~ / !~, string templates, script
# variables, and an AVP and a flag that survive into a failure route.
# Pseudo-variables of the message and the socket are read back.
# Each OPTIONS gets a reply whose reason phrase the policy computed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY
e2e_build tests/e2e/language.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

python3 - "$PROXY" "$UAS" >"$E2E_TMP/language.out" 2>&1 <<'PY' ||
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
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-lang-%d;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: \"Probe\" <sip:probe@example.org>;tag=l%d\r\n"
            "To: <sip:%s@%s:%d>\r\n"
            "Call-ID: lang-%d@127.0.0.1\r\n"
            "CSeq: 7 OPTIONS\r\n"
            "User-Agent: langtest\r\n"
            "X-Test: hello\r\n"
            "Content-Length: 0\r\n\r\n"
            % (user, proxy[0], proxy[1], me, n, n, user, proxy[0], proxy[1], n)).encode()

def answer_486():
    """Be the next hop: answer the relayed request with 486."""
    uas.settimeout(3.0)
    req, src = uas.recvfrom(65535)
    lines = req.decode("latin-1").split("\r\n")
    keep = [l for l in lines[1:] if l.split(":", 1)[0].lower() in
            ("via", "from", "to", "call-id", "cseq")]
    resp = "SIP/2.0 486 Busy Here\r\n" + "\r\n".join(
        l + (";tag=uas" if l.lower().startswith("to:") else "") for l in keep) + \
        "\r\nContent-Length: 0\r\n\r\n"
    uas.sendto(resp.encode(), src)

def check(n, user, want, relay=False):
    global failed
    uac.sendto(options(user, n), proxy)
    if relay:
        answer_486()
    uac.settimeout(3.0)
    try:
        while True:
            line = uac.recv(65535).split(b"\r\n", 1)[0].decode("latin-1")
            if not line.startswith("SIP/2.0 1"):
                break
    except socket.timeout:
        line = "(no reply)"
    if line == "SIP/2.0 " + want:
        print("ok   %s: %s" % (user, line))
    else:
        print("FAIL %s: got %r, expected %r" % (user, line, "SIP/2.0 " + want))
        failed += 1

check(1, "alice", "200 class=2")
check(2, "bob", "200 class=2")
check(3, "carol", "200 class=100")
check(4, "dave", "200 class=0")
check(5, "12345", "200 digits")
check(6, "X1", "200 other")
check(7, "tmpl", "200 probe@example.org")
check(8, "loop", "200 loop=5,3")
check(9, "fail", "480 avp=probe", relay=True)
check(10, "pvs", "200 7 langtest hello udp 127.0.0.1:%d l10 [] Probe" % proxy[1])
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/language.out" >&2
	e2e_fail "the policy's replies differ"
}
cat "$E2E_TMP/language.out" >&2
e2e_expect_proxy_alive
