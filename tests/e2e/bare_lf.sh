#!/bin/sh
# A request whose lines end in a bare LF (RFC 3261 §7 wants CRLF) is refused
# with a 400 whose own lines all end in CRLF, and it never reaches the next
# hop (sipp, which cannot parse mixed line ends). The same request with CRLF
# goes through, and a normal call still completes: the callee sees exactly
# that one call.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC PROBE
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up uas "$UAS"

python3 - "$PROXY" "$PROBE" >"$E2E_TMP/lf.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", int(sys.argv[2])))
me = "127.0.0.1:%d" % sock.getsockname()[1]
lines = ["INVITE sip:bob@127.0.0.1:%d SIP/2.0" % proxy[1],
         "Via: SIP/2.0/UDP %s;branch=z9hG4bK-lf-1;rport" % me,
         "Max-Forwards: 70",
         "From: <sip:alice@%s>;tag=lf1" % me,
         "To: <sip:bob@127.0.0.1:%d>" % proxy[1],
         "Call-ID: bare-lf-1@127.0.0.1",
         "CSeq: 1 INVITE",
         "Contact: <sip:alice@%s>" % me,
         "Content-Length: 0", "", ""]
sock.sendto("\n".join(lines).encode(), proxy)
sock.settimeout(3.0)
got = []
try:
    while True:
        got.append(sock.recv(65535))
        sock.settimeout(1.0)
except socket.timeout:
    pass
if len(got) != 1 or not got[0].startswith(b"SIP/2.0 400 "):
    sys.exit("expected one 400, got %r" % [g.split(b"\r\n", 1)[0] for g in got])
reply = got[0]
print(reply.decode("latin-1"))
if b"\n" in reply.replace(b"\r\n", b""):
    sys.exit("the 400 has a bare LF")
if not reply.endswith(b"\r\n\r\n") or b"Call-ID: bare-lf-1@127.0.0.1\r\n" not in reply:
    sys.exit("the 400 does not echo the request's headers in CRLF")
if b"CRLF" not in reply.split(b"\r\n", 1)[0]:
    sys.exit("the reason phrase does not say what is wrong")
PY
{
	cat "$E2E_TMP/lf.out" >&2
	e2e_fail "a bare-LF request was not refused with a clean 400"
}
cat "$E2E_TMP/lf.out" >&2

# A normal call: the callee takes exactly one call (-m 1), so had the LF
# request been forwarded it would have failed.
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -s bob -m 1 -timeout 20s -timeout_error
e2e_expect_calls uac 1
e2e_sipp_wait uas
e2e_expect_calls uas 1
[ -s "$E2E_TMP/uas.err" ] && grep -q "bare-lf" "$E2E_TMP/uas.err" &&
	e2e_fail "the callee saw the bare-LF request"
e2e_expect_proxy_alive
