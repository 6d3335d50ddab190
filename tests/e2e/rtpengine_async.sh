#!/bin/sh
# rtpengine commands do not hold up the proxy (tests/e2e/rtpengine_async.sip),
# with a real rtpengine frozen by SIGSTOP and a Python caller and callee:
#  - an INVITE whose offer rtpengine does not answer gets 100 Trying, then
#    the policy's 503 once the tries are over (2 x 500 ms); OPTIONS sent
#    every 50 ms meanwhile are each answered at once;
#  - while rtpengine counts as down the next INVITE gets 503 at once;
#  - an INVITE whose offer waits until rtpengine is thawed (SIGCONT) is
#    relayed with the SDP rtpengine returned;
#  - its callee answers 486 while rtpengine is frozen again: the failure
#    route's delete waits, the caller gets no final response until
#    rtpengine is thawed, then exactly one 486; OPTIONS are answered
#    meanwhile;
#  - an INVITE CANCELled while its offer waits: the CANCEL gets its 200 at
#    once, the INVITE 487 once the offer is answered, and the callee
#    nothing;
#  - a 200 with SDP whose reply route's answer waits while rtpengine is
#    frozen: the caller gets it only after SIGCONT, with rtpengine's SDP;
#    OPTIONS are answered meanwhile;
#  - the log lines and the statistic before each waiting call appear once
#    per INVITE (the route is resumed at the call, not run again).
# Skipped (77) when rtpengine (Debian package rtpengine-daemon) is missing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
command -v rtpengine >/dev/null 2>&1 ||
	e2e_skip "rtpengine not found (apt-get install rtpengine-daemon)"
e2e_ports PROXY UAS UAC NG
RTP_MIN=$((20000 + ($$ % 400) * 20))
RTP_MAX=$((RTP_MIN + 19))

sed "s/udp:127.0.0.1:2223/udp:127.0.0.1:$NG/" "$top_srcdir/tests/e2e/rtpengine_async.sip" \
	>"$E2E_TMP/rtpengine_async.sip"
e2e_build "$E2E_TMP/rtpengine_async.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_rtpengine_start "$NG" "$RTP_MIN" "$RTP_MAX"
e2e_start_proxy "$PROXY" --log-level notice --ctl "$E2E_TMP/ctl.sock"

python3 - "$PROXY" "$UAC" "$UAS" "$RTPE_PID" "$RTP_MIN" "$RTP_MAX" >"$E2E_TMP/driver.out" 2>&1 <<'PY' ||
import os, re, select, signal, socket, sys, time
proxy = ("127.0.0.1", int(sys.argv[1]))
uac_port, uas_port, rtpe = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rtp_min, rtp_max = int(sys.argv[5]), int(sys.argv[6])
uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uac.bind(("127.0.0.1", uac_port))
uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uas.bind(("127.0.0.1", uas_port))
me = "127.0.0.1:%d" % uac_port
body = ("v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
        "m=audio 4000 RTP/AVP 0\r\n")
seq = [0]

def fail(why):
    print("FAIL:", why); sys.exit(1)

# Freeze rtpengine and wait until every thread of it has stopped (a loaded
# machine may take a moment to stop them all).
def freeze():
    os.kill(rtpe, signal.SIGSTOP)
    for _ in range(200):
        tasks = os.listdir("/proc/%d/task" % rtpe)
        states = [open("/proc/%d/task/%s/stat" % (rtpe, t)).read().rsplit(")", 1)[1].split()[0]
                  for t in tasks]
        if all(st in "tT" for st in states):
            return
        time.sleep(0.01)
    fail("rtpengine did not stop")

# A request; an ACK (for a non-2xx) takes the INVITE's branch and From
# tag, and the To tag of the response.
def request(method, callid, sdp=False, ack_of=None, totag=""):
    seq[0] += 1
    n = ack_of if ack_of is not None else seq[0]
    b = body if sdp else ""
    m = ("%s sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d;rport\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=t%d\r\nTo: <sip:bob@127.0.0.1>%s\r\n"
         "Call-ID: %s\r\nCSeq: 1 %s\r\nContact: <sip:a@%s>\r\n%sContent-Length: %d\r\n\r\n%s"
         % (method, me, callid, n, n, totag, callid, method, me,
            "Content-Type: application/sdp\r\n" if sdp else "", len(b), b))
    uac.sendto(m.encode(), proxy)
    return n

def status_of(data):
    first = data.split(b"\r\n", 1)[0].decode()
    return int(first.split()[1]) if first.startswith("SIP/2.0 ") else 0

def callid_of(data):
    mt = re.search(rb"\r\nCall-ID: *([^\r]*)", data, re.I)
    return mt.group(1).decode() if mt else ""

# Wait for the final response to callid, sending an OPTIONS every 50 ms
# and timing its answer; returns (final status, seconds, provisional
# statuses, OPTIONS answer delays).
def wait_final(callid, limit, t0):
    prov, delays, sent = [], [], {}
    nxt = time.time()
    while time.time() - t0 < limit:
        if time.time() >= nxt:
            oid = "opt-%d" % seq[0]
            sent[oid] = time.time()
            request("OPTIONS", oid)
            nxt = time.time() + 0.05
        r, _, _ = select.select([uac], [], [], 0.01)
        if not r:
            continue
        data = uac.recv(65535)
        cid, st = callid_of(data), status_of(data)
        if cid in sent:
            delays.append(time.time() - sent.pop(cid))
        elif cid == callid and st < 200:
            prov.append(st)
        elif cid == callid:
            return st, time.time() - t0, prov, delays
    fail("no final response to %s in %.1f s (provisionals %s)" % (callid, limit, prov))

def check_options(delays, what):
    if len(delays) < 5:
        fail("only %d OPTIONS answered while %s" % (len(delays), what))
    if max(delays) > 0.3:
        fail("an OPTIONS took %.3f s while %s: the proxy was held up" % (max(delays), what))
    print("%d OPTIONS answered while %s, slowest %.3f s" % (len(delays), what, max(delays)))

# 1. Frozen relay: the offer waits out its tries, then 503.
freeze()
t0 = time.time()
request("INVITE", "a1", sdp=True)
st, dt, prov, delays = wait_final("a1", 6, t0)
if st != 503 or 100 not in prov or dt < 0.9:
    fail("a1: %d after %.2f s, provisionals %s (want 100, then 503 after the tries)" % (st, dt, prov))
check_options(delays, "an offer waited")
# 2. Counted as down: 503 at once.
t0 = time.time()
request("INVITE", "a2", sdp=True)
st, dt, prov, delays = wait_final("a2", 3, t0)
if st != 503 or dt > 0.3:
    fail("a2: %d after %.2f s (want 503 at once while rtpengine is down)" % (st, dt))
# 3. After disable_time: the offer waits, rtpengine is thawed, the INVITE
#    goes to the callee with rtpengine's SDP.
time.sleep(1.2)
t0 = time.time()
a3 = request("INVITE", "a3", sdp=True)
time.sleep(0.3)
os.kill(rtpe, signal.SIGCONT)
uas.settimeout(5)
try:
    inv = uas.recv(65535)
except socket.timeout:
    fail("a3 did not reach the callee after rtpengine was thawed")
text = inv.decode("latin-1")
if not text.startswith("INVITE ") or "c=IN IP4 127.0.0.1" not in text or "10.0.0.5" in text:
    fail("a3 reached the callee without rtpengine's SDP:\n" + text)
port = int(re.search(r"\r\nm=audio (\d+)", text).group(1))
if not rtp_min <= port <= rtp_max:
    fail("a3's m= port %d is not rtpengine's" % port)
# 4. The callee says 486 while rtpengine is frozen again: the failure
#    route's delete waits and holds the final response.
freeze()
hdr = {}
for line in text.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
    k, v = line.split(":", 1)
    hdr.setdefault(k.strip().lower(), []).append(line)
resp = "\r\n".join(["SIP/2.0 486 Busy Here"] + hdr["via"] + hdr["from"] +
                   [hdr["to"][0] + ";tag=callee"] + hdr["call-id"] + hdr["cseq"] +
                   ["Content-Length: 0", "", ""])
t1 = time.time()
uas.sendto(resp.encode(), ("127.0.0.1", int(sys.argv[1])))
thaw = t1 + 0.5
prov, delays, sent, final = [], [], {}, None
nxt = time.time()
while time.time() - t1 < 6 and final is None:
    now = time.time()
    if thaw and now >= thaw:
        os.kill(rtpe, signal.SIGCONT)
        thaw = None
    if now >= nxt:
        oid = "opt-%d" % seq[0]
        sent[oid] = now
        request("OPTIONS", oid)
        nxt = now + 0.05
    r, _, _ = select.select([uac, uas], [], [], 0.01)
    for s in r:
        data = s.recv(65535)
        if s is uas:
            continue    # the proxy's ACK of the 486, or a retransmission
        cid, st = callid_of(data), status_of(data)
        if cid in sent:
            delays.append(time.time() - sent.pop(cid))
        elif cid == "a3" and st >= 200:
            final = (st, time.time() - t1)
            tt = re.search(rb"\r\nTo:[^\r]*(;tag=[^;\r]*)", data, re.I)
            request("ACK", "a3", ack_of=a3, totag=tt.group(1).decode() if tt else "")
if final is None:
    fail("a3: no final response after the callee's 486")
if final[0] != 486 or final[1] < 0.45:
    fail("a3: %d after %.2f s (want the 486 once the delete was answered)" % final)
check_options(delays, "a failure route waited")
# No second final response for a3.
uac.settimeout(1)
try:
    while True:
        data = uac.recv(65535)
        if callid_of(data) == "a3" and status_of(data) >= 200:
            fail("a3 got a second final response")
except socket.timeout:
    pass
# 5. CANCEL while the offer waits.
freeze()
a4 = request("INVITE", "a4", sdp=True)
time.sleep(0.2)
request("CANCEL", "a4", ack_of=a4)
t1 = time.time()
got, thaw = {}, t1 + 0.4
while time.time() - t1 < 5 and "INVITE" not in got:
    if thaw and time.time() >= thaw:
        os.kill(rtpe, signal.SIGCONT)
        thaw = None
    r, _, _ = select.select([uac, uas], [], [], 0.01)
    for s in r:
        data = s.recv(65535)
        if s is uas:
            fail("the callee got a request of the cancelled a4:\n" + data.decode("latin-1"))
        if callid_of(data) != "a4" or status_of(data) < 200:
            continue
        meth = re.search(rb"\r\nCSeq: *\d+ (\w+)", data, re.I).group(1).decode()
        got[meth] = (status_of(data), time.time() - t1)
if thaw:
    os.kill(rtpe, signal.SIGCONT)
if got.get("CANCEL", (0, 9))[0] != 200 or got["CANCEL"][1] > 0.3:
    fail("a4's CANCEL: %s (want 200 at once)" % (got.get("CANCEL"),))
if got.get("INVITE", (0,))[0] != 487:
    fail("a4's INVITE: %s (want 487 once the offer was answered)" % (got.get("INVITE"),))
request("ACK", "a4", ack_of=a4)
# 6. The callee's 200 with SDP: the reply route's answer waits.
uas.settimeout(0)
try:
    while True:
        uas.recv(65535)     # whatever the callee got before
except (BlockingIOError, socket.timeout):
    pass
request("INVITE", "a5", sdp=True)
uas.settimeout(5)
try:
    inv = uas.recv(65535).decode("latin-1")
except socket.timeout:
    fail("a5 did not reach the callee")
if not inv.startswith("INVITE "):
    fail("the callee got, for a5:\n" + inv)
freeze()
hdr = {}
for line in inv.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
    k, v = line.split(":", 1)
    hdr.setdefault(k.strip().lower(), []).append(line)
ans = ("v=0\r\no=- 2 2 IN IP4 10.0.0.6\r\ns=-\r\nc=IN IP4 10.0.0.6\r\nt=0 0\r\n"
       "m=audio 5000 RTP/AVP 0\r\n")
resp = "\r\n".join(["SIP/2.0 200 OK"] + hdr["via"] + hdr["from"] +
                   [hdr["to"][0] + ";tag=callee5"] + hdr["call-id"] + hdr["cseq"] +
                   ["Contact: <sip:bob@127.0.0.1:%d>" % uas_port, "Content-Type: application/sdp",
                    "Content-Length: %d" % len(ans), "", ans])
t1 = time.time()
uas.sendto(resp.encode(), ("127.0.0.1", int(sys.argv[1])))
thaw = t1 + 0.5
delays, sent, ok200 = [], {}, None
nxt = time.time()
while time.time() - t1 < 6 and ok200 is None:
    now = time.time()
    if thaw and now >= thaw:
        os.kill(rtpe, signal.SIGCONT)
        thaw = None
    if now >= nxt:
        oid = "opt-%d" % seq[0]
        sent[oid] = now
        request("OPTIONS", oid)
        nxt = now + 0.05
    r, _, _ = select.select([uac], [], [], 0.01)
    if not r:
        continue
    data = uac.recv(65535)
    cid, st = callid_of(data), status_of(data)
    if cid in sent:
        delays.append(time.time() - sent.pop(cid))
    elif cid == "a5" and st == 200:
        ok200 = (data.decode("latin-1"), time.time() - t1)
if thaw:
    os.kill(rtpe, signal.SIGCONT)
if ok200 is None:
    fail("a5: no 200 at the caller")
text, dt = ok200
if dt < 0.45:
    fail("a5's 200 reached the caller after %.2f s, before rtpengine was thawed" % dt)
if "c=IN IP4 127.0.0.1" not in text or "10.0.0.6" in text:
    fail("a5's 200 reached the caller without rtpengine's SDP:\n" + text)
port = int(re.search(r"\r\nm=audio (\d+)", text).group(1))
if not rtp_min <= port <= rtp_max:
    fail("a5's answer m= port %d is not rtpengine's" % port)
check_options(delays, "a reply route waited")
print("ok")
PY
	e2e_fail "$(tail -n 1 "$E2E_TMP/driver.out")"
cat "$E2E_TMP/driver.out" >&2

# Each statement before a call that waited ran once per INVITE.
for what in "before offer a1" "before offer a2" "before offer a3" "offer done a3" \
	    "failure route a3" "media deleted a3" "no media relay a1" "before offer a4" \
	    "offer done a4" "before answer a5" "answer done a5"; do
	n=$(grep -c "$what\$" "$E2E_TMP/proxy.log")
	[ "$n" = 1 ] || e2e_fail "'$what' logged $n times (want 1)"
done
"$CTL" --ctl "$E2E_TMP/ctl.sock" stats policy.invites_routed >"$E2E_TMP/ctl.json" 2>&1 ||
	e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
n=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get("policy.invites_routed", "missing"))' "$E2E_TMP/ctl.json")
[ "$n" = 5 ] || e2e_fail "statistic policy.invites_routed is $n (want 5)"
e2e_expect_proxy_alive
