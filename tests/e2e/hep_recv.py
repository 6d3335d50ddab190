#!/usr/bin/env python3
"""A HEP v3 collector for the tests: decodes every chunk by itself.

hep_recv.py tcp|udp PORT OUT listens on 127.0.0.1:PORT (TCP: any number of
connections, one after another or at once; packets split by their length
field) and appends one line per packet to OUT, tab-separated:

  SRC_IP:PORT DST_IP:PORT IP_PROTO CAPTURE_ID AUTH_KEY CORRELATION_ID
  PROTO_TYPE FIRST-LINE CALL-ID

A packet that is not HEP v3, or whose chunks do not add up to its length,
is written as a line "BAD ..." so the test fails on it.
"""
import select
import socket
import struct
import sys


def decode(pkt):
    if pkt[:4] != b"HEP3" or struct.unpack(">H", pkt[4:6])[0] != len(pkt):
        return "BAD header"
    c = {}
    off = 6
    while off < len(pkt):
        if off + 6 > len(pkt):
            return "BAD chunk header"
        vendor, typ, ln = struct.unpack(">HHH", pkt[off:off + 6])
        if vendor != 0 or ln < 6 or off + ln > len(pkt):
            return "BAD chunk %d" % typ
        c[typ] = pkt[off + 6:off + ln]
        off += ln
    fam = c.get(1, b"\0")[0]
    if fam == 2:
        src, dst = (socket.inet_ntop(socket.AF_INET, c[3]), socket.inet_ntop(socket.AF_INET, c[4]))
    elif fam == 10:
        src, dst = ("[%s]" % socket.inet_ntop(socket.AF_INET6, c[5]),
                    "[%s]" % socket.inet_ntop(socket.AF_INET6, c[6]))
    else:
        return "BAD family %d" % fam
    sport = struct.unpack(">H", c[7])[0]
    dport = struct.unpack(">H", c[8])[0]
    payload = c.get(15, b"")
    first = payload.split(b"\r\n", 1)[0].decode(errors="replace")
    callid = "-"
    for line in payload.split(b"\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(b":")
        if k.strip().lower() in (b"call-id", b"i"):
            callid = v.strip().decode(errors="replace")
            break
    return "\t".join([
        "%s:%d" % (src, sport), "%s:%d" % (dst, dport), str(c[2][0]),
        str(struct.unpack(">I", c[12])[0]), c.get(14, b"-").decode(errors="replace"),
        c.get(17, b"-").decode(errors="replace"), str(c[11][0]), first, callid])


def main():
    kind, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    f = open(out, "a", buffering=1)
    if kind == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", port))
        while True:
            f.write(decode(s.recv(70000)) + "\n")
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(8)
    bufs = {}
    while True:
        r, _, _ = select.select([srv] + list(bufs), [], [])
        for s in r:
            if s is srv:
                conn, _ = srv.accept()
                bufs[conn] = b""
                continue
            data = s.recv(65536)
            if not data:
                if bufs[s]:
                    f.write("BAD %d bytes left at the end of a connection\n" % len(bufs[s]))
                del bufs[s]
                s.close()
                continue
            b = bufs[s] + data
            while len(b) >= 6:
                if b[:4] != b"HEP3":
                    f.write("BAD stream\n")
                    b = b""
                    break
                n = struct.unpack(">H", b[4:6])[0]
                if len(b) < n:
                    break
                f.write(decode(b[:n]) + "\n")
                b = b[n:]
            bufs[s] = b


if __name__ == "__main__":
    main()
