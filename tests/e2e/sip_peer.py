#!/usr/bin/env python3
"""Send one SIP request over UDP and print the status line of the first
final reply (provisional replies are skipped), for e2e tests that need a
single request and a precise answer without a sipp scenario.

  sip_peer.py [options] PROXY_PORT METHOD REQUEST_URI

  --from URI          From URI (default sip:test@127.0.0.1)
  --to URI            To URI (default: the request URI)
  --header "N: V"     an extra header (repeatable)
  --expect CODE       exit 1 unless the final reply's code is CODE
  --until CODE        send again (new transaction) every 0.2 s until the
                      final reply is CODE or --timeout passes (a change the
                      proxy picks up in the background); exit 1 on timeout
  --timeout SECONDS   how long to wait for a reply (default 3; with
                      --until: in total)
  --source-port N     bind this local port (default: any)
  --source-addr IP    bind this local address (default 127.0.0.1; any
                      127.0.0.0/8 address works on Linux loopback); an
                      IPv6 address (::1) sends to the proxy on [::1]
  --tcp               send over a TCP connection to PROXY_PORT (default UDP)

Exit status: 0, or 1 when the reply is not the one expected or none came.
"""
import argparse
import random
import socket
import sys
import time


def request(args, port, local):
    host = "[%s]" % args.source_addr if ":" in args.source_addr else args.source_addr
    branch = "z9hG4bK-%08x" % random.getrandbits(32)
    callid = "%08x@sip_peer" % random.getrandbits(32)
    to = args.to or args.uri
    hdrs = "".join(h + "\r\n" for h in args.header)
    cseq = 1
    msg = ("%s %s SIP/2.0\r\n"
           "Via: SIP/2.0/%s %s:%d;branch=%s;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <%s>;tag=%08x\r\n"
           "To: <%s>\r\n"
           "Call-ID: %s\r\n"
           "CSeq: %d %s\r\n"
           "Contact: <sip:test@%s:%d>\r\n"
           "%s"
           "Content-Length: 0\r\n\r\n") % (
        args.method, args.uri, "TCP" if args.tcp else "UDP", host, local, branch, args.sender,
        random.getrandbits(32), to, callid, cseq, args.method, host, local, hdrs)
    return msg.encode(), branch


stream_buf = ""


def next_message(sock):
    """One message: a datagram, or the next one framed by Content-Length on
    a TCP connection ("" when the connection closed)."""
    global stream_buf
    if sock.type != socket.SOCK_STREAM:
        return sock.recv(65535).decode("latin-1")
    while True:
        end = stream_buf.find("\r\n\r\n")
        if end >= 0:
            head = stream_buf[:end]
            clen = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() in ("content-length", "l"):
                    clen = int(value.strip() or 0)
            total = end + 4 + clen
            if len(stream_buf) >= total:
                msg, stream_buf = stream_buf[:total], stream_buf[total:]
                return msg
        chunk = sock.recv(65535).decode("latin-1")
        if not chunk:
            return ""
        stream_buf += chunk


def send(sock, data, port):
    if sock.type == socket.SOCK_STREAM:
        sock.sendall(data)
    else:
        sock.sendto(data, (proxy_host, port))


def final_reply(sock, port, msg, branch, deadline):
    send(sock, msg, port)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data = next_message(sock)
        except socket.timeout:
            return None
        if not data:
            return None
        first = data.split("\r\n", 1)[0]
        if branch not in data or not first.startswith("SIP/2.0 "):
            continue
        code = int(first.split()[1])
        if code >= 200:
            if args_method_is_invite and code >= 300:
                ack = ack_for(msg, data)
                send(sock, ack, port)
            return first


args_method_is_invite = False
proxy_host = "127.0.0.1"


def ack_for(msg, reply):
    """The ACK of a negative final reply (RFC 3261 17.1.1.3): same branch,
    the To of the reply."""
    lines = msg.decode("latin-1").split("\r\n")
    to = [l for l in reply.split("\r\n") if l.lower().startswith(("to:", "t:"))]
    out = []
    for l in lines:
        if l.startswith("INVITE "):
            l = "ACK " + l[len("INVITE "):]
        elif l.lower().startswith("to:") and to:
            l = to[0]
        elif l.lower().startswith("cseq:"):
            l = "CSeq: 1 ACK"
        elif l.lower().startswith("contact:"):
            continue
        out.append(l)
    return "\r\n".join(out).encode()


def main():
    global args_method_is_invite, proxy_host
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("method")
    p.add_argument("uri")
    p.add_argument("--from", dest="sender", default="sip:test@127.0.0.1")
    p.add_argument("--to")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--expect", type=int)
    p.add_argument("--until", type=int)
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--source-port", type=int, default=0)
    p.add_argument("--source-addr", default="127.0.0.1")
    p.add_argument("--tcp", action="store_true")
    args = p.parse_args()
    args_method_is_invite = args.method == "INVITE"
    family = socket.AF_INET
    if ":" in args.source_addr:
        family, proxy_host = socket.AF_INET6, "::1"
    sock = socket.socket(family, socket.SOCK_STREAM if args.tcp else socket.SOCK_DGRAM)
    sock.bind((args.source_addr, args.source_port))
    if args.tcp:
        sock.settimeout(args.timeout)
        sock.connect((proxy_host, args.port))
    local = sock.getsockname()[1]
    end = time.monotonic() + args.timeout
    while True:
        msg, branch = request(args, args.port, local)
        per_try = end if args.until is None else min(end, time.monotonic() + 2.0)
        first = final_reply(sock, args.port, msg, branch, per_try)
        print(first if first else "no final reply")
        code = int(first.split()[1]) if first else 0
        if args.until is None:
            break
        if code == args.until:
            return 0
        if time.monotonic() >= end:
            return 1
        time.sleep(0.2)
    want = args.expect
    if not first or (want is not None and code != want):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
