#!/usr/bin/env python3
"""Print the SIP messages of a pcap file that a HEP collector wrote.

sngrep -L udp:IP:PORT -O FILE stores every HEP packet it accepts as a frame
whose IP and UDP/TCP headers carry the addresses and ports of the HEP
chunks and whose payload is the captured SIP message. This reads the pcap
format by hand (no extra package): the file header, then each record;
link types Ethernet (1), Linux cooked (113, 276) and raw IP (101).

One line per message, tab-separated:
  SRC_IP:PORT  DST_IP:PORT  udp|tcp  FIRST-LINE  CALL-ID  CSEQ
"""
import socket
import struct
import sys


def records(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit("not a pcap file")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + incl]
        off += incl


def ip_packet(linktype, frame):
    if linktype == 1:
        etype = struct.unpack(">H", frame[12:14])[0]
        return etype, frame[14:]
    if linktype == 113:
        return struct.unpack(">H", frame[14:16])[0], frame[16:]
    if linktype == 276:
        return struct.unpack(">H", frame[0:2])[0], frame[20:]
    if linktype == 101:
        return (0x0800 if frame[0] >> 4 == 4 else 0x86DD), frame
    raise SystemExit("link type %d not handled" % linktype)


def message(linktype, frame):
    etype, pkt = ip_packet(linktype, frame)
    if etype == 0x0800:
        ihl = (pkt[0] & 15) * 4
        proto = pkt[9]
        src = socket.inet_ntop(socket.AF_INET, pkt[12:16])
        dst = socket.inet_ntop(socket.AF_INET, pkt[16:20])
        l4 = pkt[ihl:]
    elif etype == 0x86DD:
        proto = pkt[6]
        src = "[%s]" % socket.inet_ntop(socket.AF_INET6, pkt[8:24])
        dst = "[%s]" % socket.inet_ntop(socket.AF_INET6, pkt[24:40])
        l4 = pkt[40:]
    else:
        return None
    sport, dport = struct.unpack(">HH", l4[:4])
    if proto == 17:
        body, name = l4[8:], "udp"
    elif proto == 6:
        body, name = l4[(l4[12] >> 4) * 4:], "tcp"
    else:
        return None
    return "%s:%d" % (src, sport), "%s:%d" % (dst, dport), name, body


def header(msg, names):
    for line in msg.split(b"\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(b":")
        if k.strip().lower() in names:
            return v.strip().decode(errors="replace")
    return "-"


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    for linktype, frame in records(data):
        m = message(linktype, frame)
        if not m:
            continue
        src, dst, proto, body = m
        first = body.split(b"\r\n", 1)[0].decode(errors="replace")
        print("\t".join([src, dst, proto, first, header(body, (b"call-id", b"i")),
                         header(body, (b"cseq",))]))


if __name__ == "__main__":
    main()
