#!/usr/bin/env python3
"""Send many SIP requests over UDP, each a new transaction with its own
Call-ID (so that a proxy with several workers spreads them over all of
them), keeping up to --window of them unanswered at once, and count the
final replies by code.

  sip_burst.py [options] PROXY_PORT METHOD REQUEST_URI

  -n N              requests to send (default 100)
  --window W        most requests waiting for their reply at once (default 20)
  --from URI        From URI (default sip:burst@127.0.0.1)
  --expect CODE     exit 1 unless every request got a final reply CODE
  --timeout SECONDS how long a request may wait for its final reply,
                    retransmitted every 0.5 s meanwhile (default 4)

Prints one line "CODE COUNT" per final code seen, and "none COUNT" for the
requests that got no final reply.
"""
import argparse
import random
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("method")
    p.add_argument("uri")
    p.add_argument("-n", type=int, default=100)
    p.add_argument("--window", type=int, default=20)
    p.add_argument("--from", dest="sender", default="sip:burst@127.0.0.1")
    p.add_argument("--expect", type=int)
    p.add_argument("--timeout", type=float, default=4.0)
    a = p.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    local = s.getsockname()[1]
    run = "%08x" % random.getrandbits(32)
    pending = {}                # call-id -> [message, first sent, last sent]
    codes = {}
    sent = 0
    unanswered = 0

    def make(i):
        callid = "%s-%d@sip_burst" % (run, i)
        msg = ("%s %s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s-%d;rport\r\n"
               "Max-Forwards: 70\r\n"
               "From: <%s>;tag=%s%d\r\n"
               "To: <%s>\r\n"
               "Call-ID: %s\r\n"
               "CSeq: 1 %s\r\n"
               "Contact: <sip:burst@127.0.0.1:%d>\r\n"
               "Content-Length: 0\r\n\r\n") % (
            a.method, a.uri, local, run, i, a.sender, run, i, a.uri, callid, a.method, local)
        return callid, msg.encode()

    while sent < a.n or pending:
        now = time.monotonic()
        while sent < a.n and len(pending) < a.window:
            callid, msg = make(sent)
            s.sendto(msg, ("127.0.0.1", a.port))
            pending[callid] = [msg, now, now]
            sent += 1
        for callid, st in list(pending.items()):
            if now - st[1] > a.timeout:
                del pending[callid]
                unanswered += 1
            elif now - st[2] > 0.5:
                s.sendto(st[0], ("127.0.0.1", a.port))
                st[2] = now
        s.settimeout(0.1)
        try:
            data = s.recv(65535).decode("latin-1")
        except socket.timeout:
            continue
        first = data.split("\r\n", 1)[0]
        if not first.startswith("SIP/2.0 "):
            continue
        code = int(first.split()[1])
        if code < 200:
            continue
        for line in data.split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() in ("call-id", "i"):
                callid = value.strip()
                if callid in pending:
                    del pending[callid]
                    codes[code] = codes.get(code, 0) + 1
                break
    for code in sorted(codes):
        print("%d %d" % (code, codes[code]))
    if unanswered:
        print("none %d" % unanswered)
    if a.expect is not None and (unanswered or set(codes) - {a.expect}):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
