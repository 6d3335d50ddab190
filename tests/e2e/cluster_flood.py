#!/usr/bin/env python3
"""OPTIONS sent in turn to several proxies at a steady rate, from one
source address, with the answers counted, for tests of limits that hold
over several proxies.

  cluster_flood.py --src IP --ports P1,P2 --rate N --seconds S
                   [--user U] [--align]

Sends N requests a second in all (to P1, P2, P1, ... on 127.0.0.1) for S
seconds, OPTIONS sip:U@127.0.0.1 each with its own Call-ID, reading the
answers as they come; waits 1 s for the last ones. --align starts 50 ms
after the next whole second of the wall clock. Prints one line:
"sent=N ok=N refused=N lost=N ok_P1=N ok_P2=N ... last_ok=SECONDS" (ok:
200, refused: any other final status, lost: no answer; last_ok: when the
last 200 came, from the start).
"""
import argparse
import select
import socket
import time
import uuid


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default="127.0.0.1")
    ap.add_argument("--ports", required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--user", default="limit")
    ap.add_argument("--align", action="store_true")
    a = ap.parse_args()
    ports = [int(p) for p in a.ports.split(",")]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((a.src, 0))
    sock.setblocking(False)
    lport = sock.getsockname()[1]
    if a.align:
        now = time.time()
        time.sleep(int(now) + 1.05 - now)
    n = int(a.rate * a.seconds)
    step = 1.0 / a.rate
    pending = {}
    ok = {p: 0 for p in ports}
    refused = 0
    last_ok = 0.0
    t0 = time.monotonic()

    def read(until):
        nonlocal refused, last_ok
        while True:
            left = until - time.monotonic()
            r, _, _ = select.select([sock], [], [], max(left, 0))
            if not r:
                return
            try:
                data, src = sock.recvfrom(65536)
            except BlockingIOError:
                continue
            text = data.decode("latin-1")
            try:
                code = int(text.split(" ", 2)[1])
            except (IndexError, ValueError):
                continue
            cid = next((l.split(":", 1)[1].strip() for l in text.split("\r\n")
                        if l.lower().startswith("call-id:")), None)
            if code < 200 or cid not in pending:
                continue
            port = pending.pop(cid)
            if code == 200:
                ok[port] += 1
                last_ok = time.monotonic() - t0
            else:
                refused += 1

    for i in range(n):
        port = ports[i % len(ports)]
        cid = uuid.uuid4().hex
        msg = "\r\n".join([
            "OPTIONS sip:%s@127.0.0.1:%d SIP/2.0" % (a.user, port),
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport" % (a.src, lport, uuid.uuid4().hex),
            "From: <sip:flood@%s>;tag=%s" % (a.src, cid[:8]),
            "To: <sip:%s@127.0.0.1>" % a.user,
            "Call-ID: " + cid,
            "CSeq: 1 OPTIONS",
            "Max-Forwards: 70",
            "Content-Length: 0", "", ""])
        pending[cid] = port
        sock.sendto(msg.encode(), ("127.0.0.1", port))
        read(t0 + (i + 1) * step)
    read(time.monotonic() + 1.0)
    print("sent=%d ok=%d refused=%d lost=%d %s last_ok=%.2f" % (
        n, sum(ok.values()), refused, len(pending),
        " ".join("ok_%d=%d" % (p, ok[p]) for p in ports), last_ok), flush=True)


if __name__ == "__main__":
    main()
