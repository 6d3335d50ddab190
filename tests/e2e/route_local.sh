#!/bin/sh
# route local runs for requests the proxy generates itself: a caller
# CANCELs a ringing call, the proxy sends its own CANCEL to the callee, and
# the local route sees that CANCEL (method and Call-ID) before it leaves.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports UAS PROXY
e2e_build tests/e2e/route_kinds.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

python3 - "$PROXY" "$UAS" >"$E2E_TMP/local.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uas.bind(("127.0.0.1", int(sys.argv[2])))
uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uac.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % uac.getsockname()[1]

def req(method, cseq_method):
    return ("%s sip:callee@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-local-1;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:caller@example.org>;tag=c1\r\n"
            "To: <sip:callee@%s:%d>\r\n"
            "Call-ID: local-route-1@127.0.0.1\r\n"
            "CSeq: 1 %s\r\n"
            "Contact: <sip:caller@%s>\r\n"
            "Content-Length: 0\r\n\r\n"
            % (method, proxy[0], proxy[1], me, proxy[0], proxy[1], cseq_method, me)).encode()

def reply(req, code, reason, tag=True):
    lines = req.decode("latin-1").split("\r\n")
    keep = [l for l in lines[1:] if l.split(":", 1)[0].lower() in
            ("via", "from", "to", "call-id", "cseq")]
    return ("SIP/2.0 %d %s\r\n" % (code, reason) + "\r\n".join(
        l + (";tag=uas" if tag and l.lower().startswith("to:") else "") for l in keep) +
        "\r\nContent-Length: 0\r\n\r\n").encode()

def recv(sock, what):
    sock.settimeout(3.0)
    while True:
        data, src = sock.recvfrom(65535)
        first = data.split(b"\r\n", 1)[0].decode("latin-1")
        if what in first:
            return data, src

uac.sendto(req("INVITE", "INVITE"), proxy)
invite, hop = recv(uas, "INVITE ")
uas.sendto(reply(invite, 180, "Ringing"), hop)
recv(uac, " 180 ")
uac.sendto(req("CANCEL", "CANCEL"), proxy)
recv(uac, " 200 ")                       # the proxy answers our CANCEL
cancel, hop = recv(uas, "CANCEL ")        # and sends its own
uas.sendto(reply(cancel, 200, "OK"), hop)
uas.sendto(reply(invite, 487, "Request Terminated"), hop)
recv(uac, " 487 ")
print("ok   the callee got the proxy's CANCEL; the caller got 487")
PY
	e2e_fail "the CANCEL exchange failed: $(tail -n 3 "$E2E_TMP/local.out")"
grep -q "local route: CANCEL local-route-1@127.0.0.1" "$E2E_TMP/proxy.log" ||
	e2e_fail "the local route did not run for the CANCEL the proxy sent"
grep -q "local route: INVITE" "$E2E_TMP/proxy.log" &&
	e2e_fail "the local route ran for a relayed request"
e2e_expect_proxy_alive
cat "$E2E_TMP/local.out"
exit 0
