#!/bin/sh
# IPv6 through one proxy listening on [::1] and 127.0.0.1
# (tests/e2e/ipv6.sip, --listen udp:[::1]:PORT):
#  1. sipp uac on ::1 -> proxy [::1] -> sipp uas on ::1, record-routed,
#     ACK and BYE loose-routed back through the proxy.
#  2. sipp uac on ::1 -> proxy -> sipp uas on 127.0.0.1: the proxy relays
#     from its IPv6 socket to its IPv4 one and record-routes once per side,
#     so each side's in-dialog requests reach it in their own family.
#  3. A python peer on ::1 checks the forms of RFC 5118 on the wire: the
#     proxy's Via has a bracketed sent-by, the Via it received gets
#     received= with the bare address (RFC 3261 ABNF; RFC 5118 §4.5), and
#     the Record-Route host is bracketed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' \
	2>/dev/null || e2e_skip "no IPv6 loopback (::1)"
e2e_ports UAS PROXY PROXY6 UAC
e2e_media_ports MEDIA_UAC MEDIA_UAS
e2e_build tests/e2e/ipv6.sip -D "V6_HOP=sip:[::1]:$UAS" -D "V4_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY" --listen "udp:[::1]:$PROXY6"
# The line comes once every listener is up, after the first is bound.
e2e_wait_log "listening on .*udp:\[::1\]:$PROXY6" 20 \
	"the proxy does not say it listens on udp:[::1]:$PROXY6"

# 1. IPv6 on both sides.
e2e_sipp uas6 -sf "$E2E_SRC/uas_rr.xml" -i ::1 -p "$UAS" -mp "$MEDIA_UAS" -m 3 -timeout 30s
i=0
until e2e_udp_bound "$UAS"; do
	[ $i -ge 100 ] && e2e_fail "sipp uas6 not listening"; sleep 0.1; i=$((i + 1))
done
e2e_sipp_run uac6 -sf "$E2E_SRC/uac_rr.xml" "[::1]:$PROXY6" -i ::1 -p "$UAC" \
	-mp "$MEDIA_UAC" -s v6 -m 3 -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac6 3
e2e_sipp_wait uas6
e2e_expect_calls uas6 3
n=$(grep -c "invite from ::1 to v6 sdp IP6 ::1" "$E2E_TMP/proxy.log")
[ "$n" = 3 ] || e2e_fail "expected 3 IPv6 INVITEs with IPv6 SDP in the log, found $n"

# 2. IPv6 caller, IPv4 callee.
e2e_sipp uas4 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -mp "$MEDIA_UAS" -m 3 -timeout 30s
e2e_wait_sipp_up uas4 "$UAS"
e2e_sipp_run uac64 -sf "$E2E_SRC/uac_rr.xml" "[::1]:$PROXY6" -i ::1 -p "$UAC" \
	-mp "$MEDIA_UAC" -s v4 -m 3 -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac64 3
e2e_sipp_wait uas4
e2e_expect_calls uas4 3
e2e_expect_proxy_alive

# 3. The header forms, seen by a peer on each side.
python3 - "$PROXY6" "$UAS" >"$E2E_TMP/forms.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("::1", int(sys.argv[1]))
callee = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
callee.bind(("127.0.0.1", int(sys.argv[2])))
callee.settimeout(3)
sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
sock.bind(("::1", 0))
port = sock.getsockname()[1]
failed = 0

def check(name, cond, detail):
    global failed
    print("%s %s: %s" % ("ok  " if cond else "FAIL", name, detail))
    if not cond:
        failed += 1

# A Via sent-by that is not the source address ([2001:db8::9]) makes the
# proxy add received=.
sock.sendto(("INVITE sip:v4@[::1]:%d SIP/2.0\r\n"
             "Via: SIP/2.0/UDP [2001:db8::9]:%d;branch=z9hG4bK-v6forms\r\n"
             "Max-Forwards: 70\r\n"
             "From: <sip:a@[2001:db8::9]>;tag=f1\r\nTo: <sip:v4@[::1]>\r\n"
             "Call-ID: v6forms@[::1]\r\nCSeq: 1 INVITE\r\n"
             "Contact: <sip:a@[::1]:%d>\r\nContent-Length: 0\r\n\r\n"
             % (proxy[1], port, port)).encode(), proxy)
try:
    req, src = callee.recvfrom(65535)
except socket.timeout:
    print("FAIL: the INVITE did not reach the IPv4 side")
    sys.exit(1)
hdrs = req.decode("latin-1").split("\r\n")
vias = [h for h in hdrs if h.lower().startswith("via:")]
rrs = [h for h in hdrs if h.lower().startswith("record-route:")]
check("our Via is IPv4 on the IPv4 side", vias[0].startswith("Via: SIP/2.0/UDP 127.0.0.1:"), vias[0])
check("received= with the bare IPv6 address", ";received=::1" in vias[1]
      and "[2001:db8::9]:%d" % port in vias[1], vias[1])
check("two Record-Routes, IPv4 side first", len(rrs) == 2 and "<sip:127.0.0.1:" in rrs[0]
      and "<sip:[::1]:%d;lr>" % proxy[1] in rrs[1], repr(rrs))
# The callee answers; the reply goes back by the second Via (received=::1,
# the port of the sent-by) to the IPv6 caller.
top = [h for h in hdrs if not h.lower().startswith("via:")]
reply = "SIP/2.0 486 Busy Here\r\n" + "\r\n".join(vias) + "\r\n" + "\r\n".join(
    h if not h.lower().startswith("to:") else h + ";tag=t1"
    for h in hdrs[1:] if h and not h.lower().startswith(("via:", "record-route:", "contact:", "content-length:", "max-forwards:"))) + \
    "\r\nContent-Length: 0\r\n\r\n"
callee.sendto(reply.encode(), src)
sock.settimeout(3)
got = None
try:
    while True:
        data = sock.recv(65535).decode("latin-1")
        if data.startswith("SIP/2.0 486"):
            got = data
            break
except socket.timeout:
    pass
check("the reply reached the IPv6 caller", got is not None, got.split("\r\n")[0] if got else "nothing")
if got:
    v = [h for h in got.split("\r\n") if h.lower().startswith("via:")]
    check("with its own Via only", len(v) == 1 and "[2001:db8::9]" in v[0], repr(v))
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/forms.out" >&2
	e2e_fail "IPv6 header forms"
}
cat "$E2E_TMP/forms.out" >&2
e2e_expect_proxy_alive
