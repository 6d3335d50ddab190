#!/bin/sh
# Retransmissions over UDP through a proxy built from examples/minimal.sip:
# the caller (a python UAC) retransmits its INVITE, which the proxy must
# absorb (the callee, sipp with uas_rr.xml, sees one INVITE), and it drops
# the first 200 OK: the callee retransmits the 200 (RFC 3261 §13.3.1.4)
# and the retransmission must come through the proxy, after which the
# caller sends the ACK and a BYE and the call completes on both sides.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s \
	-trace_msg -message_file "$E2E_TMP/uas_messages.log"
e2e_wait_sipp_up uas "$UAS"

python3 - "$PROXY" >"$E2E_TMP/uac.out" 2>&1 <<'PY' ||
import socket, sys, time

proxy = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
s.settimeout(5.0)

def req(method, ruri, branch, cseq, totag="", routes=()):
    return ("%s %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=%s\r\n"
            "%s"
            "Max-Forwards: 70\r\n"
            "From: <sip:caller@127.0.0.1>;tag=uac1\r\n"
            "To: <sip:callee@127.0.0.1:%d>%s\r\n"
            "Call-ID: retrans-1@127.0.0.1\r\n"
            "CSeq: %d %s\r\n"
            "Contact: <sip:caller@%s>\r\n"
            "Content-Length: 0\r\n\r\n"
            % (method, ruri, me, branch, "".join("Route: %s\r\n" % r for r in routes),
               proxy[1], (";tag=" + totag) if totag else "", cseq, method, me)).encode()

def recv():
    data = s.recv(65535).decode("latin-1")
    head, _, _ = data.partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return int(lines[0].split()[1]), hdrs

invite = req("INVITE", "sip:callee@127.0.0.1:%d" % proxy[1], "z9hG4bK-rt-inv", 1)
s.sendto(invite, proxy)
code, _ = recv()
if code != 100:
    sys.exit("FAIL: first reply %d, expected 100 Trying" % code)
s.sendto(invite, proxy)             # retransmission: absorbed by the proxy
oks = []
t_first = None
while len(oks) < 2:
    code, h = recv()
    print("got", code)
    if code == 200:
        oks.append(h)
        if t_first is None:
            t_first = time.time()   # the first 200 is "lost": no ACK
    elif code >= 300:
        sys.exit("FAIL: INVITE got %d" % code)
print("retransmitted 200 after %.2f s" % (time.time() - t_first))
ok = oks[1]
totag = ok["to"][0].split("tag=")[1].split(";")[0]
contact = ok["contact"][0].strip("<>").split(">")[0]
routes = [r for v in ok.get("record-route", []) for r in v.split(",")]
routes = [r.strip() for r in reversed(routes)]
s.sendto(req("ACK", contact, "z9hG4bK-rt-ack", 1, totag, routes), proxy)
time.sleep(0.3)
s.sendto(req("BYE", contact, "z9hG4bK-rt-bye", 2, totag, routes), proxy)
while True:
    code, h = recv()
    if h["cseq"][0].endswith("BYE"):
        break
if code != 200:
    sys.exit("FAIL: BYE got %d" % code)
print("ok: call completed")
PY
	e2e_fail "caller: $(tail -n 1 "$E2E_TMP/uac.out")"
cat "$E2E_TMP/uac.out" >&2
e2e_sipp_wait uas
e2e_expect_calls uas 1
n=$(grep -c '^INVITE ' "$E2E_TMP/uas_messages.log")
[ "$n" = 1 ] || e2e_fail "the callee received $n INVITEs, expected 1 (retransmission not absorbed)"
e2e_expect_proxy_alive
