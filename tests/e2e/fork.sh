#!/bin/sh
# Forking through a proxy built from tests/e2e/fork.sip, with sipp as the
# caller and the callees:
#  a. Parallel: two contacts registered for one address-of-record with the
#     same q. The INVITE goes to both; one rings and answers 200, the other
#     only rings. The caller gets the 200 (and completes the call); the
#     ringing callee must receive a CANCEL, answers 487 and gets the ACK.
#  b. Serial by q: the contact with q=1 answers 486, then the call goes to
#     the contact with q=0.5, which answers 200.
#  c. A 6xx cancels the rest (RFC 3261 §16.7): of two contacts, one
#     declines with 603, the other rings and must get a CANCEL; the caller
#     gets the 603.
#  d. Path (RFC 3327) per branch: of two contacts of one AOR, the one
#     registered through an edge proxy (Path) gets its INVITE there with
#     the Route header, the other one directly and without it; a third,
#     newest contact the proxy cannot reach does not stop the fork.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init "sqlite:$E2E_TMP/fork.db"
ctl db init

e2e_ports PROXY UAC ANSWER RING BUSY LATER EDGE DIRECT DECLINE RING2
e2e_build tests/e2e/fork.sip
e2e_start_proxy "$PROXY" --db "$DB"

# register USER CONTACT... : one REGISTER listing the contacts; expects 200
# with as many Contact values back.
register() {
	python3 - "$PROXY" "$@" >>"$E2E_TMP/register.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
user, contacts = sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
req = ("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s;branch=z9hG4bK-reg-%s;rport\r\n"
       "Max-Forwards: 70\r\n"
       "From: <sip:%s@127.0.0.1>;tag=r1\r\n"
       "To: <sip:%s@127.0.0.1>\r\n"
       "Call-ID: reg-%s@127.0.0.1\r\n"
       "CSeq: 1 REGISTER\r\n"
       "Contact: %s\r\n"
       "Expires: 300\r\n"
       "Content-Length: 0\r\n\r\n"
       % (proxy[1], me, user, user, user, user, ", ".join(contacts)))
s.sendto(req.encode(), proxy)
s.settimeout(3.0)
resp = s.recv(65535).decode("latin-1")
status = resp.split("\r\n", 1)[0]
n = sum(1 for l in resp.split("\r\n") if l.lower().startswith(("contact:", "m:")))
print("%s: %s, %d Contact lines" % (user, status, n))
sys.exit(0 if status.startswith("SIP/2.0 200") and n == len(contacts) else 1)
PY
	e2e_fail "REGISTER of $1 failed: $(tail -n 1 "$E2E_TMP/register.out")"
}

# a. Parallel fork.
register par "<sip:par@127.0.0.1:$ANSWER>" "<sip:par@127.0.0.1:$RING>"
e2e_sipp answer -sf "$E2E_SRC/uas_late200.xml" -i 127.0.0.1 -p "$ANSWER" -m 1 -timeout 20s
e2e_sipp ring -sf "$E2E_SRC/uas_ring.xml" -i 127.0.0.1 -p "$RING" -m 1 -timeout 20s
e2e_wait_sipp_up answer "$ANSWER"
e2e_wait_sipp_up ring "$RING"
e2e_sipp_run caller -sf "$E2E_SRC/uac_rr.xml" -s par "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls caller 1
e2e_sipp_wait answer
e2e_expect_calls answer 1
# uas_ring.xml passes only when it received the CANCEL, answered 487 and
# got the ACK for it.
e2e_sipp_wait ring
e2e_expect_calls ring 1

# b. Serial fork by q.
register ser "<sip:ser@127.0.0.1:$BUSY>;q=1.0" "<sip:ser@127.0.0.1:$LATER>;q=0.5"
e2e_sipp busy -sf "$E2E_SRC/uas_ring_busy.xml" -i 127.0.0.1 -p "$BUSY" -m 1 -timeout 20s
e2e_sipp later -sf "$E2E_SRC/uas_late200.xml" -i 127.0.0.1 -p "$LATER" -m 1 -timeout 20s
e2e_wait_sipp_up busy "$BUSY"
e2e_wait_sipp_up later "$LATER"
e2e_sipp_run caller2 -sf "$E2E_SRC/uac_rr.xml" -s ser "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls caller2 1
e2e_sipp_wait busy
e2e_expect_calls busy 1
e2e_sipp_wait later
e2e_expect_calls later 1
grep -q "serial fork of .* to sip:ser@127.0.0.1:$LATER" "$E2E_TMP/proxy.log" ||
	e2e_fail "the failure route did not fork to the q=0.5 contact"

# c. 603 on one branch while the other rings.
register dec "<sip:dec@127.0.0.1:$DECLINE>" "<sip:dec@127.0.0.1:$RING2>"
e2e_sipp decline -sf "$E2E_SRC/uas_decline.xml" -i 127.0.0.1 -p "$DECLINE" -m 1 -timeout 20s
e2e_sipp ring2 -sf "$E2E_SRC/uas_ring.xml" -i 127.0.0.1 -p "$RING2" -m 1 -timeout 20s
e2e_wait_sipp_up decline "$DECLINE"
e2e_wait_sipp_up ring2 "$RING2"
e2e_sipp_run caller3 -sf "$E2E_SRC/uac_decline.xml" -s dec "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls caller3 1
e2e_sipp_wait decline
e2e_expect_calls decline 1
e2e_sipp_wait ring2
e2e_expect_calls ring2 1

# d. Path per branch, with python peers: the REGISTERs, the edge proxy
# and the direct contact, which both answer 486.
python3 - "$PROXY" "$EDGE" "$DIRECT" >"$E2E_TMP/path.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
edge, direct = int(sys.argv[2]), int(sys.argv[3])
def sock(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(3.0)
    return s
ua, es, ds = sock(), sock(edge), sock(direct)
me = "127.0.0.1:%d" % ua.getsockname()[1]
def msg(method, n, extra):
    return ("%s sip:%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-path-%d;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:pathuser@127.0.0.1>;tag=p%d\r\n"
            "To: <sip:pathuser@127.0.0.1>\r\n"
            "Call-ID: path-%d@127.0.0.1\r\n"
            "CSeq: 1 %s\r\n%s"
            "Content-Length: 0\r\n\r\n"
            % (method, "127.0.0.1" if method == "REGISTER" else "pathuser@127.0.0.1",
               me, n, n, n, method, extra)).encode()
def status(s):
    return s.recv(65535).decode("latin-1").split("\r\n", 1)[0]
ua.sendto(msg("REGISTER", 1, "Contact: <sip:viaedge@10.255.0.1:5060>\r\n"
              "Path: <sip:127.0.0.1:%d;lr>\r\nSupported: path\r\nExpires: 300\r\n" % edge), proxy)
st1 = status(ua)
ua.sendto(msg("REGISTER", 2, "Contact: <sip:direct@127.0.0.1:%d>\r\nExpires: 300\r\n" % direct), proxy)
st2 = status(ua)
# The newest binding comes first; the proxy cannot send to it (no SCTP)
# and must fork to the other two all the same.
ua.sendto(msg("REGISTER", 4, "Contact: <sip:bad@127.0.0.1:9;transport=sctp>\r\nExpires: 300\r\n"), proxy)
st3 = status(ua)
if not all(st.startswith("SIP/2.0 200") for st in (st1, st2, st3)):
    sys.exit("FAIL: REGISTER got %r, %r, %r" % (st1, st2, st3))
ua.sendto(msg("INVITE", 3, ""), proxy)
bad = 0
for name, s, ruri, route in (("edge", es, "sip:viaedge@10.255.0.1:5060", True),
                             ("direct", ds, "sip:direct@127.0.0.1:%d" % direct, False)):
    try:
        data, src = s.recvfrom(65535)
    except socket.timeout:
        print("FAIL %s: no INVITE" % name); bad += 1; continue
    text = data.decode("latin-1")
    line = text.split("\r\n", 1)[0]
    has_route = ("\r\nRoute: <sip:127.0.0.1:%d;lr>" % edge) in text
    if line != "INVITE %s SIP/2.0" % ruri or has_route != route:
        print("FAIL %s: %r, Route header %s" % (name, line, has_route)); bad += 1
    else:
        print("ok   %s: %s, Route header %s" % (name, line, has_route))
    keep = [l for l in text.split("\r\n\r\n")[0].split("\r\n")[1:]
            if l.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "cseq")]
    s.sendto(("SIP/2.0 486 Busy Here\r\n" + "\r\n".join(
        l + (";tag=" + name if l.lower().startswith("to:") else "") for l in keep) +
        "\r\nContent-Length: 0\r\n\r\n").encode(), src)
while True:
    st = status(ua)
    if not st.startswith("SIP/2.0 1"):
        break
print("caller got", st)
sys.exit(1 if bad or not st.startswith("SIP/2.0 486") else 0)
PY
	e2e_fail "Path per branch: $(grep -E 'FAIL|caller' "$E2E_TMP/path.out")"
e2e_expect_proxy_alive
