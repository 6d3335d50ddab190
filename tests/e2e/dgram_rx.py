#!/usr/bin/env python3
"""Receive datagrams on a Unix socket and append each to a file as one line
(newlines inside a datagram become '|'): the syslog socket (/dev/log) and
the systemd notification socket (NOTIFY_SOCKET) of tests/e2e/service.sh.

usage: dgram_rx.py SOCKET OUTFILE [SECONDS]   (default 60 s, then exits)"""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
end = time.time() + (float(sys.argv[3]) if len(sys.argv) > 3 else 60)
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)      # a proxy that dropped root still writes to it
with open(out, "a", buffering=1) as f:
    while time.time() < end:
        s.settimeout(max(0.1, end - time.time()))
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        f.write(data.decode("utf-8", "replace").replace("\n", "|") + "\n")
