#!/usr/bin/env python3
"""Retransmissions after a transaction's final response, answered by the
proxy as RFC 3261 says while the transaction waits out timers J, K, I
and D: both ends of the call in one process.

  wait_records.py PROXY_PORT UAC_PORT UAS_PORT

Exit status 0, or 1 with the reason on stderr.
"""
import socket
import sys
import time

proxy, uac_port, uas_port = (int(a) for a in sys.argv[1:4])
uac = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uac.bind(("127.0.0.1", uac_port))
uas = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uas.bind(("127.0.0.1", uas_port))
PROXY = ("127.0.0.1", proxy)


def fail(why):
    sys.stderr.write("wait_records: FAIL: %s\n" % why)
    sys.exit(1)


def recv(sock, timeout=3.0, skip_1xx=True):
    """The next message on sock (provisional responses skipped), or None."""
    end = time.time() + timeout
    while True:
        left = end - time.time()
        if left <= 0:
            return None, None
        sock.settimeout(left)
        try:
            data, addr = sock.recvfrom(65535)
        except socket.timeout:
            return None, None
        text = data.decode("utf-8", "replace")
        if skip_1xx and text.startswith("SIP/2.0 1"):
            continue
        return text, addr


def quiet(sock, what, timeout=0.7):
    text, _ = recv(sock, timeout)
    if text is not None:
        fail("%s, got:\n%s" % (what, text))


def request(method, branch, cseq_method=None, totag="", callid="wr-1@127.0.0.1"):
    return ("%s sip:callee@127.0.0.1:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:caller@127.0.0.1>;tag=wr-from\r\n"
            "To: <sip:callee@127.0.0.1>%s\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 %s\r\n"
            "Contact: <sip:caller@127.0.0.1:%d>\r\n"
            "Content-Length: 0\r\n\r\n"
            % (method, uas_port, uac_port, branch, totag, callid, cseq_method or method,
               uac_port)).encode()


def answer(req, code, reason, tag="wr-to"):
    """A response to req (as the callee got it), with a To tag."""
    lines = req.split("\r\n")
    keep = [l for l in lines if l.split(":")[0].lower() in ("via", "v", "from", "f", "call-id",
                                                           "i", "cseq", "record-route")]
    to = [l for l in lines if l.split(":")[0].lower() in ("to", "t")][0]
    return ("SIP/2.0 %d %s\r\n%s\r\n%s;tag=%s\r\nContent-Length: 0\r\n\r\n"
            % (code, reason, "\r\n".join(keep), to, tag)).encode()


# A non-INVITE (timer J at the proxy's server side, K at its client side):
# the retransmitted request gets the same final response from the proxy,
# and the callee does not see it again.
opt = request("OPTIONS", "z9hG4bK-wr-opt1", callid="wr-opt@127.0.0.1")
uac.sendto(opt, PROXY)
got, src = recv(uas)
if not got or not got.startswith("OPTIONS "):
    fail("the callee got no OPTIONS: %r" % got)
ok = answer(got, 200, "OK")
uas.sendto(ok, src)
first, _ = recv(uac)
if not first or not first.startswith("SIP/2.0 200"):
    fail("no 200 for the OPTIONS: %r" % first)
time.sleep(0.5)
uac.sendto(opt, PROXY)
again, _ = recv(uac)
if again != first:
    fail("the retransmitted OPTIONS got %r, not the same 200:\n%s" % (again, first))
quiet(uas, "the retransmitted OPTIONS went on to the callee")
uas.sendto(ok, src)           # the callee's 200 again: absorbed (timer K)
quiet(uac, "the callee's retransmitted 200 went upstream")

# An INVITE answered 486: the proxy acknowledges it hop by hop (timer D
# at its client side) and, once the caller's ACK came (Confirmed, timer
# I), absorbs the INVITE and the ACK sent again; a CANCEL still finds the
# transaction.
inv = request("INVITE", "z9hG4bK-wr-inv1")
uac.sendto(inv, PROXY)
got, src = recv(uas)
if not got or not got.startswith("INVITE "):
    fail("the callee got no INVITE: %r" % got)
busy = answer(got, 486, "Busy Here")
uas.sendto(busy, src)
ack1, _ = recv(uas)
if not ack1 or not ack1.startswith("ACK "):
    fail("the proxy did not acknowledge the 486: %r" % ack1)
resp, _ = recv(uac)
if not resp or not resp.startswith("SIP/2.0 486"):
    fail("the caller got no 486: %r" % resp)
ack = request("ACK", "z9hG4bK-wr-inv1", totag=";tag=wr-to")
uac.sendto(ack, PROXY)
time.sleep(0.5)
uas.sendto(busy, src)
ack2, _ = recv(uas)
if ack2 != ack1:
    fail("the retransmitted 486 got %r, not the same ACK:\n%s" % (ack2, ack1))
quiet(uac, "the retransmitted 486 went upstream again")
uac.sendto(inv, PROXY)
quiet(uac, "the INVITE sent again in Confirmed was answered")
quiet(uas, "the INVITE sent again in Confirmed went on")
uac.sendto(ack, PROXY)
quiet(uas, "the ACK sent again went on")
uac.sendto(request("CANCEL", "z9hG4bK-wr-inv1"), PROXY)
got, _ = recv(uac)
if not got or not got.startswith("SIP/2.0 200") or "CANCEL" not in got:
    fail("the late CANCEL got %r, not 200" % got)
quiet(uas, "the late CANCEL went on to the callee")

# An INVITE answered 200 (RFC 6026 Accepted, timers L and M): the callee's
# retransmitted 200 reaches the caller as the same bytes as the first; a
# 200 of another dialog (another To tag: a fork behind the callee) goes
# upstream too; the caller's INVITE sent again is absorbed.
inv = request("INVITE", "z9hG4bK-wr-inv2", callid="wr-2@127.0.0.1")
uac.sendto(inv, PROXY)
got, src = recv(uas)
if not got or not got.startswith("INVITE "):
    fail("the callee got no second INVITE: %r" % got)
ok = answer(got, 200, "OK", "wr-acc")
uas.sendto(ok, src)
first, _ = recv(uac)
if not first or not first.startswith("SIP/2.0 200"):
    fail("no 200 for the INVITE: %r" % first)
time.sleep(0.5)
uas.sendto(ok, src)
again, _ = recv(uac)
if again != first:
    fail("the retransmitted 200 reached the caller as %r, not as the first:\n%s" % (again, first))
uas.sendto(answer(got, 200, "OK", "wr-fork"), src)
other, _ = recv(uac)
if not other or not other.startswith("SIP/2.0 200") or "tag=wr-fork" not in other:
    fail("the 200 of another dialog did not go upstream: %r" % other)
uac.sendto(inv, PROXY)
quiet(uas, "the INVITE sent again in Accepted went on")
quiet(uac, "the INVITE sent again in Accepted was answered")
print("wait_records: ok")
