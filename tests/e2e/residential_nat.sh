#!/bin/sh
# examples/residential.sip (residential_nat_yaml.sh: examples/residential.yaml)
# for subscribers behind a NAT, built with its
# media relay on (-D MEDIA_RELAY=1) and a real rtpengine in userspace mode.
# Python plays two phones behind NATs, answering the digest challenges:
#  - bob registers from 127.0.0.1:B with Via and Contact 10.0.0.5:5060
#    (what a phone behind a NAT writes): 401, then 200;
#  - alice (Via and Contact 10.0.0.6:5060, SDP c=10.0.0.6) calls bob: 407,
#    then the INVITE reaches bob's socket (the REGISTER's source) with
#    the Request-URI bob registered, alice's Contact rewritten to her
#    source, and an SDP that points at rtpengine (c=IN IP4 127.0.0.1, an
#    m= port of its range);
#  - bob's 200 (Contact and c= 10.0.0.5) reaches alice with bob's Contact
#    rewritten and the SDP pointing at rtpengine; the BYE reaches bob and
#    deletes the media session (rtpengine forgets the Call-ID).
# Skipped (77) without rtpengine (Debian package rtpengine-daemon).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
command -v rtpengine >/dev/null 2>&1 ||
	e2e_skip "rtpengine not found (apt-get install rtpengine-daemon)"
e2e_ctl_init
e2e_subscribers alice bob

e2e_ports GW PROXY NG BOB
RTP_MIN=$((28000 + ($$ % 200) * 20))
RTP_MAX=$((RTP_MIN + 19))
# The policy (residential_nat_yaml.sh: the YAML form) with the test's ng
# port for rtpengine's socket.
POLICY=${E2E_POLICY:-examples/residential.sip}
sed "s/udp:127.0.0.1:2223/udp:127.0.0.1:$NG/" "$top_srcdir/$POLICY" >"$E2E_TMP/${POLICY##*/}"
e2e_build "$E2E_TMP/${POLICY##*/}" -D "PSTN_GATEWAY=sip:127.0.0.1:$GW" -D MEDIA_RELAY=1

# Not the system's configuration file: its CLI and HTTP ports would keep
# the rtpengine of another test running beside this one from starting.
rtpengine --config-file=none --foreground --table=-1 --interface=127.0.0.1 --listen-ng="127.0.0.1:$NG" \
	--port-min="$RTP_MIN" --port-max="$RTP_MAX" --delete-delay=0 --log-stderr \
	>"$E2E_TMP/rtpengine.log" 2>&1 </dev/null &
e2e_track $!
i=0
until e2e_udp_bound "$NG"; do
	[ $i -ge 100 ] && e2e_fail "rtpengine not listening on udp port $NG"
	sleep 0.1; i=$((i + 1))
done
e2e_start_proxy "$PROXY" --db "$DB"

python3 - "$PROXY" "$BOB" "$NG" "$RTP_MIN" "$RTP_MAX" >"$E2E_TMP/nat.out" 2>&1 <<'PY' ||
import hashlib, re, socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
ng, rtp_min, rtp_max = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
D = "voip.example.com"
PW = {"alice": "alice-secret", "bob": "bob-secret"}
bob = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
bob.bind(("127.0.0.1", int(sys.argv[2])))
alice = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
alice.bind(("127.0.0.1", 0))
src = lambda s: "127.0.0.1:%d" % s.getsockname()[1]
failed = 0

def check(name, ok, detail=""):
    global failed
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))
    failed += not ok

def recv(sock, timeout=2.0, skip100=True):
    sock.settimeout(timeout)
    try:
        while True:
            m = sock.recv(65535).decode("latin-1")
            if not (skip100 and m.startswith("SIP/2.0 100 ")):
                return m
    except socket.timeout:
        return ""

def hdr(msg, name):
    m = re.search(r"\r\n%s:[ \t]*([^\r]*)" % re.escape(name), msg, re.I)
    return m.group(1) if m else ""

def body(msg):
    return msg.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in msg else ""

def sdp(ip, port):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % (ip, ip, port))

def request(method, ruri, sock, user, priv, callid, cseq, to=None, b="", auth="", extra=""):
    msg = ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%s-%d;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=%s\r\nTo: <%s>\r\n"
           "Call-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:%s@%s:5060>\r\n%s%s%s"
           "Content-Length: %d\r\n\r\n%s"
           % (method, ruri, priv, callid, cseq, user, D, "t" + user, to or ruri, callid, cseq,
              method, user, priv, extra, auth,
              "Content-Type: application/sdp\r\n" if b else "", len(b), b))
    sock.sendto(msg.encode(), proxy)

def credentials(chal, method, ruri, user):
    hname = "WWW-Authenticate" if chal.startswith("SIP/2.0 401") else "Proxy-Authenticate"
    c = [v for v in re.findall(r"\r\n%s:[ \t]*([^\r]*)" % hname, chal, re.I) if "algorithm=MD5" in v][0]
    realm = re.search(r'realm="([^"]*)"', c).group(1)
    nonce = re.search(r'nonce="([^"]*)"', c).group(1)
    md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
    resp = md5(":".join([md5("%s:%s:%s" % (user, realm, PW[user])), nonce, "00000001", "c1",
                         "auth", md5("%s:%s" % (method, ruri))]))
    return ('%s: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=MD5, qop=auth, nc=00000001, cnonce="c1"\r\n'
            % ("Authorization" if hname.startswith("WWW") else "Proxy-Authorization",
               user, realm, nonce, ruri, resp))

def ack(sock, r, ruri):
    sock.sendto(("ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
                 "Call-ID: %s\r\nCSeq: %s ACK\r\nContent-Length: 0\r\n\r\n"
                 % (ruri, hdr(r, "Via"), hdr(r, "From"), hdr(r, "To"), hdr(r, "Call-ID"),
                    hdr(r, "CSeq").split()[0])).encode(), proxy)

def relayed(name, b):
    c = re.search(r"\r\nc=IN IP4 ([^\r]*)\r\n", "\r\n" + b)
    m = re.search(r"\r\nm=audio (\d+) ", "\r\n" + b)
    check(name + ": c= is the relay", c is not None and c.group(1) == "127.0.0.1", repr(b))
    check(name + ": m= port of rtpengine", m is not None and rtp_min <= int(m.group(1)) <= rtp_max,
          repr(b))
    check(name + ": no private address left", "10.0.0." not in b, repr(b))

# bob registers from behind a NAT.
ruri = "sip:" + D
request("REGISTER", ruri, bob, "bob", "10.0.0.5", "nat-reg", 1, to="sip:bob@" + D)
r = recv(bob)
check("REGISTER: 401", r.startswith("SIP/2.0 401 "), r[:40])
request("REGISTER", ruri, bob, "bob", "10.0.0.5", "nat-reg", 2, to="sip:bob@" + D,
        auth=credentials(r, "REGISTER", ruri, "bob"))
r = recv(bob)
check("REGISTER with credentials: 200", r.startswith("SIP/2.0 200 "), r[:40])

# alice, behind another NAT, calls bob.
ruri = "sip:bob@" + D
offer = sdp("10.0.0.6", 4000)
request("INVITE", ruri, alice, "alice", "10.0.0.6", "nat-call", 1, b=offer)
r = recv(alice)
check("INVITE: 407", r.startswith("SIP/2.0 407 "), r[:40])
ack(alice, r, ruri)
request("INVITE", ruri, alice, "alice", "10.0.0.6", "nat-call", 2, b=offer,
        auth=credentials(r, "INVITE", ruri, "alice"))
inv = recv(bob, 3.0)
check("INVITE reaches bob at his NAT's address", inv.startswith("INVITE "), inv[:60])
check("INVITE: Request-URI is bob's registered Contact",
      inv.startswith("INVITE sip:bob@10.0.0.5:5060 SIP/2.0\r\n"), inv[:60])
check("INVITE: alice's Contact is her source",
      hdr(inv, "Contact") == "<sip:alice@%s>" % src(alice), hdr(inv, "Contact"))
relayed("INVITE", body(inv))

# bob answers with his private addresses.
ans = sdp("10.0.0.5", 5000)
vias = re.findall(r"\r\n(Via:[^\r]*)", inv)
rr = re.findall(r"\r\n(Record-Route:[^\r]*)", inv)
bob.sendto(("SIP/2.0 200 OK\r\n%s\r\n%sFrom: %s\r\nTo: %s;tag=bob1\r\nCall-ID: %s\r\n"
            "CSeq: %s\r\nContact: <sip:bob@10.0.0.5:5060>\r\nContent-Type: application/sdp\r\n"
            "Content-Length: %d\r\n\r\n%s"
            % ("\r\n".join(vias), "".join(x + "\r\n" for x in rr), hdr(inv, "From"),
               hdr(inv, "To"), hdr(inv, "Call-ID"), hdr(inv, "CSeq"), len(ans), ans)).encode(),
           proxy)
ok = recv(alice, 3.0, skip100=True)
while ok.startswith("SIP/2.0 1"):
    ok = recv(alice, 3.0)
check("200 reaches alice", ok.startswith("SIP/2.0 200 "), ok[:40])
check("200: bob's Contact is his source", hdr(ok, "Contact") == "<sip:bob@%s>" % src(bob),
      hdr(ok, "Contact"))
relayed("200", body(ok))
cl = hdr(ok, "Content-Length")
check("200: Content-Length matches the body", cl.strip() == str(len(body(ok))), cl)

# BYE on the route set, to bob's rewritten Contact.
route = ", ".join(reversed([x.split(":", 1)[1].strip() for x in
                            re.findall(r"\r\n(Record-Route:[^\r]*)", ok)]))
target = hdr(ok, "Contact").strip("<>")
alice.sendto(("BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bK-nat-bye;rport\r\n"
              "Route: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: nat-call\r\n"
              "CSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n"
              % (target, route, hdr(ok, "From"), hdr(ok, "To"))).encode(), proxy)
bye = recv(bob, 3.0)
check("BYE reaches bob", bye.startswith("BYE "), bye[:60])

# rtpengine forgot the call.
q = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q.settimeout(2)
q.sendto(b"q1 d7:call-id8:nat-call7:command5:querye", ("127.0.0.1", ng))
a = q.recv(65535)
check("BYE deleted the media session", b"6:result5:error" in a, repr(a))
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/nat.out" >&2
	e2e_fail "residential policy behind NAT"
}
cat "$E2E_TMP/nat.out" >&2
e2e_expect_proxy_alive
