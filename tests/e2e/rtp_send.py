#!/usr/bin/env python3
"""Send RTP (PCMU, 20 ms packets) to 127.0.0.1:PORT for SECONDS, then stop:
the media of a call that stops (tests/e2e/rtpengine_media.sh).

usage: rtp_send.py PORT SECONDS"""
import socket
import struct
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
seq, ts, ssrc = 1, 0, 0x5eed1234
end = time.monotonic() + seconds
sent = 0
while time.monotonic() < end:
    hdr = struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    s.sendto(hdr + b"\xff" * 160, ("127.0.0.1", port))
    seq += 1
    ts += 160
    sent += 1
    time.sleep(0.02)
print(sent)
