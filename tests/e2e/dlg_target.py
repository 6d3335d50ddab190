"""Target refreshes inside a dialog (tests/e2e/dlg_target.sh): a caller
and a callee on UDP sockets of their own, through the proxy of
tests/e2e/dlg_end.sip (record-routed, dialog tracked, a lifetime of an
hour for "long").

  1. INVITE sip:long@..., the callee answers 200 from its first socket
     (callee1), ACK.
  2. The caller sends a re-INVITE with a new Contact (caller2); the callee
     answers 200 with a new Contact (callee2): each side's new target.
     ACK, which must reach callee2.
  3. The callee sends an UPDATE (from callee2, to caller2); the caller
     answers 200 from a new address with it as Contact (caller3).
  4. "sipcc-ctl dlg end" (argv[4:]): the proxy's BYEs must reach callee2
     and caller3, none the old sockets. Neither side has a route set
     beyond the proxy, so a BYE goes where that side's last target
     refresh came from, with its new Contact as Request-URI.

usage: dlg_target.py E2E_SRC PROXY_PORT CALLEE1_SOCKET_PORT CTL_COMMAND...
The callee's first socket must be bound to the port the proxy relays
INVITEs to (NEXT_HOP); the others are any free ports.
"""
import re
import subprocess
import sys

sys.path.insert(0, sys.argv[1])
import sip_phone as sp  # noqa: E402

sp.setup(sys.argv[2])
caller1, caller2, caller3 = sp.bound(), sp.bound(), sp.bound()
callee1, callee2 = sp.bound(int(sys.argv[3])), sp.bound()
ctl = sys.argv[4:]
CALLID = "dlg-target@127.0.0.1"
FTAG, TTAG = "caller-tag", "callee-tag"
branch_n = 0


def via(sock):
    global branch_n
    branch_n += 1
    return "SIP/2.0/UDP %s;branch=z9hG4bK-dt-%d;rport" % (sp.addr(sock), branch_n)


def request(sock, method, ruri, cseq, routes, from_, to, contact):
    lines = ["%s %s SIP/2.0" % (method, ruri), "Via: " + via(sock), "Max-Forwards: 70"]
    lines += ["Route: " + r for r in routes]
    lines += ["From: " + from_, "To: " + to, "Call-ID: " + CALLID,
              "CSeq: %d %s" % (cseq, method)]
    if contact:
        lines.append("Contact: <sip:%s>" % contact)
    sock.sendto(("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode(), sp.proxy)


def recv(sock, what, timeout=3.0):
    """The next message on sock that is not a 100 Trying, or None."""
    while True:
        got = sp.drain_one(sock, timeout)
        if not got:
            sp.check(what, False, "nothing arrived")
            return None
        if not got[0].startswith("SIP/2.0 100 "):
            return got[0]


def answer(sock, req, contact):
    """200 to req, received on sock, with Contact contact: Via and
    Record-Route copied, the callee's To tag."""
    vias = "".join("Via: %s\r\n" % v for v in re.findall(r"\r\nVia:[ \t]*([^\r]*)", req, re.I))
    rr = "".join("Record-Route: %s\r\n" % v
                 for v in re.findall(r"\r\nRecord-Route:[ \t]*([^\r]*)", req, re.I))
    to = sp.header(req, "To")
    if ";tag=" not in to:
        to += ";tag=" + TTAG
    msg = ("SIP/2.0 200 OK\r\n%s%sFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
           "Contact: <sip:%s>\r\nContent-Length: 0\r\n\r\n"
           % (vias, rr, sp.header(req, "From"), to, sp.header(req, "Call-ID"),
              sp.header(req, "CSeq"), contact))
    sock.sendto(msg.encode(), sp.proxy)


FROM = "<sip:caller@127.0.0.1>;tag=" + FTAG
TO0 = "<sip:long@127.0.0.1>"
TO = TO0 + ";tag=" + TTAG

# 1. The call.
request(caller1, "INVITE", "sip:long@127.0.0.1", 1, [], FROM, TO0, "caller@" + sp.addr(caller1))
inv = recv(callee1, "the INVITE reaches the callee")
answer(callee1, inv, "callee@" + sp.addr(callee1))
ok = recv(caller1, "the 200 reaches the caller")
sp.check("the INVITE is answered 200", ok is not None and ok.startswith("SIP/2.0 200 "), ok)
# The caller's route set: the Record-Route values of the 2xx, reversed.
routes = list(reversed(re.findall(r"\r\nRecord-Route:[ \t]*([^\r]*)", ok, re.I)))
sp.check("the proxy record-routes", len(routes) == 1, routes)
# The callee's: those of the INVITE, in their order.
croutes = re.findall(r"\r\nRecord-Route:[ \t]*([^\r]*)", inv, re.I)
request(caller1, "ACK", "sip:callee@" + sp.addr(callee1), 1, routes, FROM, TO, None)
ack = recv(callee1, "the ACK reaches the callee")
sp.check("the ACK reaches the callee's first Contact", ack and ack.startswith("ACK "), ack)

# 2. re-INVITE: both sides move.
request(caller1, "INVITE", "sip:callee@" + sp.addr(callee1), 2, routes, FROM, TO,
        "caller@" + sp.addr(caller2))
reinv = recv(callee1, "the re-INVITE reaches the callee")
answer(callee1, reinv, "callee@" + sp.addr(callee2))
ok = recv(caller1, "the 200 of the re-INVITE reaches the caller")
sp.check("the re-INVITE is answered 200", ok is not None and ok.startswith("SIP/2.0 200 "), ok)
request(caller1, "ACK", "sip:callee@" + sp.addr(callee2), 2, routes, FROM, TO, None)
ack = recv(callee2, "the ACK of the re-INVITE reaches the callee's new Contact")
sp.check("the ACK of the re-INVITE reaches callee2", ack and ack.startswith("ACK "), ack)

# 3. UPDATE from the callee; the caller answers from a new Contact.
request(callee2, "UPDATE", "sip:caller@" + sp.addr(caller2), 1, croutes,
        TO, FROM, "callee@" + sp.addr(callee2))
upd = recv(caller2, "the UPDATE reaches the caller's new Contact")
sp.check("the UPDATE reaches caller2", upd and upd.startswith("UPDATE "), upd)
if upd:
    # The caller has moved: it answers from its new address.
    answer(caller3, upd, "caller@" + sp.addr(caller3))
ok = recv(callee2, "the 200 of the UPDATE reaches the callee")
sp.check("the UPDATE is answered 200", ok is not None and ok.startswith("SIP/2.0 200 "), ok)

# 4. The proxy ends the call: its BYEs go to the targets of now.
r = subprocess.run(ctl + ["dlg", "end", CALLID], capture_output=True, text=True)
sp.check("dlg end", r.returncode == 0 and '"ended":1' in r.stdout, r.stdout + r.stderr)
for sock, who in ((callee2, "callee2"), (caller3, "caller3")):
    bye = recv(sock, "a BYE reaches " + who)
    sp.check("the proxy's BYE reaches " + who, bye and bye.startswith("BYE "), bye)
    if bye and bye.startswith("BYE "):
        answer(sock, bye, "x@" + sp.addr(sock))
for sock, who in ((callee1, "callee1"), (caller1, "caller1"), (caller2, "caller2")):
    late = sp.drain(sock, 0.5)
    sp.check("nothing more reaches " + who, not [m for m in late if m.startswith("BYE ")], late)
sys.exit(sp.result())
