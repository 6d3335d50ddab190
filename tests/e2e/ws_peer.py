#!/usr/bin/env python3
"""A SIP over WebSocket (RFC 7118) user agent for the end-to-end tests.

It stands in for a WebRTC client (JsSIP, SIP.js in a browser): sipp has no
WebSocket transport and no packaged SIP-over-WebSocket peer runs on this
machine. Python 3 standard library only: a raw socket (wrapped with ssl
for wss), the RFC 6455 client side (opening handshake, masked frames,
fragmentation, ping/pong, close) and just enough SIP for the tests: a
REGISTER with digest authentication, answering calls and making one, the
way such a client does it (Contact and Via with an .invalid host, so the
proxy can reach it only over its connection).

  ws_peer.py --url ws://127.0.0.1:8080 --user bob --password secret \
      --domain voip.example.com --answer 1 --call carol --ready FILE
  ws_peer.py --url ws://127.0.0.1:8080 --no-register --call carol --calls 20
  ws_peer.py --url ws://127.0.0.1:8080 --bad

Exit status 0 when everything it was asked to do worked; what went wrong
is printed on stderr.
"""

import argparse
import base64
import hashlib
import os
import random
import socket
import ssl
import struct
import sys
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def log(*a):
    print("ws_peer:", *a, file=sys.stderr, flush=True)


class Closed(Exception):
    pass


class WebSocket:
    """The client side of RFC 6455 over a (TLS) socket."""

    def __init__(self, host, port, ca=None, timeout=10):
        self.host, self.port = host, port
        s = socket.create_connection((host, port), timeout=timeout)
        if ca is not None:
            ctx = ssl.create_default_context(cafile=ca)
            s = ctx.wrap_socket(s, server_hostname=host)
        self.sock = s
        self.buf = b""
        self.pongs = []

    def _read(self, timeout):
        self.sock.settimeout(timeout)
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionError, ssl.SSLError) as e:
            raise Closed(str(e))
        if not d:
            raise Closed("end of stream")
        self.buf += d
        return True

    def send_raw(self, data):
        self.sock.sendall(data)

    def handshake(self, protocol="sip", path="/"):
        """Upgrade; returns (status line, headers dict) of the answer."""
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n" % (path, self.host, self.port, key))
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        req += "Origin: http://%s\r\n\r\n" % self.host
        self.send_raw(req.encode())
        deadline = time.time() + 10
        while b"\r\n\r\n" not in self.buf:
            if time.time() > deadline:
                raise Closed("no handshake answer")
            self._read(1)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            n, _, v = line.partition(":")
            hdrs[n.strip().lower()] = v.strip()
        if lines[0].startswith("HTTP/1.1 101"):
            want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            if hdrs.get("sec-websocket-accept") != want:
                raise Closed("wrong Sec-WebSocket-Accept")
            if hdrs.get("sec-websocket-protocol") != "sip":
                raise Closed("no Sec-WebSocket-Protocol: sip in the 101")
        return lines[0], hdrs

    def send_frame(self, op, payload, fin=True, mask=True):
        b0 = (0x80 if fin else 0) | op
        n = len(payload)
        m = 0x80 if mask else 0
        if n < 126:
            hdr = struct.pack("!BB", b0, m | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, m | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, m | 127, n)
        if mask:
            k = os.urandom(4)
            payload = bytes(c ^ k[i & 3] for i, c in enumerate(payload))
            hdr += k
        self.send_raw(hdr + payload)

    def send_text(self, text, fragments=1):
        """One message, in that many frames (the first text, then
        continuations)."""
        data = text.encode()
        step = max(1, -(-len(data) // fragments))
        parts = [data[i:i + step] for i in range(0, len(data), step)] or [b""]
        for i, p in enumerate(parts):
            self.send_frame(0x1 if i == 0 else 0x0, p, fin=i == len(parts) - 1)

    def recv_frame(self, timeout):
        """(fin, opcode, payload), or None on timeout."""
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 2:
                b0, b1 = self.buf[0], self.buf[1]
                if b1 & 0x80:
                    raise Closed("masked frame from the server")
                n, h = b1 & 0x7F, 2
                if n == 126 and len(self.buf) >= 4:
                    n, h = struct.unpack("!H", self.buf[2:4])[0], 4
                elif n == 127 and len(self.buf) >= 10:
                    n, h = struct.unpack("!Q", self.buf[2:10])[0], 10
                if n < 126 or h > 2:
                    if len(self.buf) >= h + n:
                        p = self.buf[h:h + n]
                        self.buf = self.buf[h + n:]
                        return bool(b0 & 0x80), b0 & 0x0F, p
            left = deadline - time.time()
            if left <= 0:
                return None
            self._read(min(left, 1))

    def recv_text(self, timeout):
        """The next message, answering pings; None on timeout."""
        deadline = time.time() + timeout
        msg = b""
        while True:
            f = self.recv_frame(max(0, deadline - time.time()))
            if f is None:
                return None
            fin, op, p = f
            if op == 0x9:
                self.send_frame(0xA, p)
                continue
            if op == 0xA:
                self.pongs.append(p)
                continue
            if op == 0x8:
                raise Closed("close frame %r" % p)
            msg += p
            if fin:
                return msg.decode("utf-8", "replace")

    def ping(self, payload=b"are you there"):
        self.send_frame(0x9, payload)
        deadline = time.time() + 5
        while payload not in self.pongs:
            if time.time() > deadline:
                raise Closed("no pong")
            f = self.recv_frame(1)
            if f and f[1] == 0xA:
                self.pongs.append(f[2])

    def close(self):
        try:
            self.send_frame(0x8, struct.pack("!H", 1000))
            self.sock.close()
        except OSError:
            pass


# ---- SIP ----

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type"}


class Msg:
    def __init__(self, text):
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.hdrs = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.hdrs:
                n, v = self.hdrs[-1]
                self.hdrs[-1] = (n, v + " " + line.strip())
                continue
            n, _, v = line.partition(":")
            self.hdrs.append((n.strip(), v.strip()))
        self.is_request = not self.first.startswith("SIP/2.0 ")
        if self.is_request:
            self.method, self.ruri = self.first.split(" ")[:2]
        else:
            self.status = int(self.first.split(" ")[1])
        self.text = text

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.hdrs if COMPACT.get(n.lower(), n.lower()) == name]

    def get(self, name, default=""):
        v = self.all(name)
        return v[0] if v else default

    def cseq(self):
        n, m = self.get("CSeq").split()
        return int(n), m


def uri_of(naddr):
    """The URI of a name-addr or addr-spec."""
    if "<" in naddr:
        return naddr[naddr.index("<") + 1:naddr.index(">")]
    return naddr.split(";")[0].strip()


def split_list(v):
    out, depth, cur = [], 0, ""
    for ch in v:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def digest(challenge, method, uri, user, password):
    """The Authorization value for a Digest (MD5) challenge."""
    params = {}
    for part in split_list(challenge[len("Digest"):]):
        k, _, v = part.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    h = lambda s: hashlib.md5(s.encode()).hexdigest()
    ha1 = h("%s:%s:%s" % (user, params["realm"], password))
    ha2 = h("%s:%s" % (method, uri))
    out = 'Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5' % (
        user, params["realm"], params["nonce"], uri)
    if "auth" in params.get("qop", "").split(","):
        cnonce = "%08x" % random.getrandbits(32)
        resp = h("%s:%s:00000001:%s:auth:%s" % (ha1, params["nonce"], cnonce, ha2))
        out += ', qop=auth, nc=00000001, cnonce="%s"' % cnonce
    else:
        resp = h("%s:%s:%s" % (ha1, params["nonce"], ha2))
    out += ', response="%s"' % resp
    if "opaque" in params:
        out += ', opaque="%s"' % params["opaque"]
    return out


def md5_challenge(msg, name):
    for v in msg.all(name):
        if "MD5" in v.upper() or "ALGORITHM" not in v.upper():
            return v
    return None


class Agent:
    def __init__(self, ws, user, password, domain):
        self.ws, self.user, self.password, self.domain = ws, user, password, domain
        self.host = "%08x.invalid" % random.getrandbits(32)
        self.contact = "<sip:%s@%s;transport=ws>" % (user, self.host)
        self.tag = "%08x" % random.getrandbits(32)
        self.n = 0
        self.received = []      # requests, for the test to look at

    def branch(self):
        self.n += 1
        return "z9hG4bK%08x%d" % (random.getrandbits(32), self.n)

    def via(self, branch):
        return "SIP/2.0/WS %s;branch=%s;rport" % (self.host, branch)

    def send(self, text, fragments=1):
        self.ws.send_text(text, fragments)

    def request(self, method, ruri, hdrs, body="", fragments=1):
        lines = ["%s %s SIP/2.0" % (method, ruri)] + ["%s: %s" % h for h in hdrs]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        self.send("\r\n".join(lines) + "\r\n\r\n" + body, fragments)

    def reply(self, req, code, reason, totag=None, extra=(), body=""):
        lines = ["SIP/2.0 %d %s" % (code, reason)]
        for n in ("Via", "Record-Route"):
            lines += ["%s: %s" % (n, v) for v in req.all(n)]
        to = req.get("To")
        if totag and "tag=" not in to:
            to += ";tag=" + totag
        lines += ["From: " + req.get("From"), "To: " + to, "Call-ID: " + req.get("Call-ID"),
                  "CSeq: " + req.get("CSeq")]
        lines += list(extra)
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body.encode()))
        self.send("\r\n".join(lines) + "\r\n\r\n" + body)

    def wait(self, pred, timeout, what):
        """The next message pred accepts; other requests are answered."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            t = self.ws.recv_text(max(0, left)) if left > 0 else None
            if t is None:
                raise Closed("timed out waiting for " + what)
            if not t.strip():
                continue
            m = Msg(t)
            if pred(m):
                return m
            if m.is_request and m.method not in ("ACK",):
                self.reply(m, 481, "Call/Transaction Does Not Exist")
            log("ignored while waiting for %s: %s" % (what, m.first))

    def transaction(self, method, ruri, hdrs, auth_name=None, body="", fragments=1):
        """Send a request, answering a 401/407 once; the final response
        (and the headers the request went with)."""
        cseq = 1
        br = self.branch()
        h = [("Via", self.via(br))] + hdrs + [("CSeq", "%d %s" % (cseq, method))]
        self.request(method, ruri, h, body, fragments)
        for _ in range(2):
            while True:
                r = self.wait(lambda m: not m.is_request and m.get("Via").find(br) >= 0,
                              15, "a reply to " + method)
                if r.status >= 200:
                    break
            if r.status not in (401, 407):
                return r, h, cseq
            if method == "INVITE":
                ack = [("Via", self.via(br))] + [x for x in hdrs if x[0] != "To"]
                ack += [("To", r.get("To")), ("CSeq", "%d ACK" % cseq)]
                self.request("ACK", ruri, ack)
            name = "WWW-Authenticate" if r.status == 401 else "Proxy-Authenticate"
            ch = md5_challenge(r, name)
            if not ch:
                raise Closed("no MD5 challenge in %d" % r.status)
            cred = digest(ch, method, ruri, self.user, self.password)
            cseq += 1
            br = self.branch()
            h = [("Via", self.via(br))] + hdrs + [("CSeq", "%d %s" % (cseq, method)),
                                                  ("Authorization" if r.status == 401 else
                                                   "Proxy-Authorization", cred)]
            self.request(method, ruri, h, body, fragments)
        return r, h, cseq

    def register(self):
        aor = "sip:%s@%s" % (self.user, self.domain)
        hdrs = [("Max-Forwards", "70"), ("From", "<%s>;tag=%s" % (aor, self.tag)),
                ("To", "<%s>" % aor), ("Call-ID", "reg-%s" % self.tag),
                ("Contact", self.contact + ";expires=600"), ("Expires", "600")]
        r, _, _ = self.transaction("REGISTER", "sip:" + self.domain, hdrs)
        if r.status != 200:
            raise Closed("REGISTER: %s" % r.first)
        log("registered %s" % aor)

    def options_without_length(self):
        """An OPTIONS without Content-Length: over WebSocket the message
        ends with its frame, so the proxy must answer it."""
        br = self.branch()
        aor = "sip:%s@%s" % (self.user, self.domain)
        self.send("OPTIONS sip:%s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
                  "From: <%s>;tag=%s\r\nTo: <sip:%s>\r\nCall-ID: opt-%s\r\n"
                  "CSeq: 1 OPTIONS\r\n\r\n" % (self.domain, self.via(br), aor, self.tag,
                                                 self.domain, self.tag))
        r = self.wait(lambda m: not m.is_request and br in m.get("Via") and m.status >= 200,
                      10, "a reply to OPTIONS without Content-Length")
        log("OPTIONS without Content-Length: %s" % r.first)

    def answer(self, calls, timeout):
        """Answer incoming calls: 180, 200, then the ACK and a BYE."""
        done = 0
        deadline = time.time() + timeout
        while done < calls:
            inv = self.wait(lambda m: m.is_request and m.method == "INVITE",
                            max(0, deadline - time.time()), "an INVITE")
            self.received.append(inv)
            tag = "%08x" % random.getrandbits(32)
            sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                   "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n")
            self.reply(inv, 180, "Ringing", tag, ["Contact: " + self.contact])
            self.reply(inv, 200, "OK", tag, ["Contact: " + self.contact], sdp)
            cid = inv.get("Call-ID")
            ack = self.wait(lambda m: m.is_request and m.method == "ACK" and
                            m.get("Call-ID") == cid, 10, "the ACK")
            self.received.append(ack)
            bye = self.wait(lambda m: m.is_request and m.method == "BYE" and
                            m.get("Call-ID") == cid, 30, "the BYE")
            self.received.append(bye)
            self.reply(bye, 200, "OK")
            done += 1
            log("answered call %d (%s)" % (done, cid))

    def call(self, callee):
        """A call to callee@domain: INVITE (sent in three fragments), 200,
        ACK and BYE along the route set."""
        ruri = "sip:%s@%s" % (callee, self.domain)
        aor = "sip:%s@%s" % (self.user, self.domain)
        tag = "%08x" % random.getrandbits(32)
        cid = "call-%08x@%s" % (random.getrandbits(32), self.host)
        sdp = ("v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
               "t=0 0\r\nm=audio 40002 RTP/AVP 0\r\n")
        hdrs = [("Max-Forwards", "70"), ("From", "<%s>;tag=%s" % (aor, tag)),
                ("To", "<%s>" % ruri), ("Call-ID", cid), ("Contact", self.contact)]
        r, h, cseq = self.transaction("INVITE", ruri, hdrs, body=sdp, fragments=3)
        if r.status != 200:
            raise Closed("INVITE: %s" % r.first)
        # The route set is the Record-Route of the 200, reversed (§12.1.2).
        routes = []
        for v in r.all("Record-Route"):
            routes += split_list(v)
        routes.reverse()
        target = uri_of(r.get("Contact"))
        dlg = [("Max-Forwards", "70"), ("From", "<%s>;tag=%s" % (aor, tag)),
               ("To", r.get("To")), ("Call-ID", cid)] + [("Route", x) for x in routes]
        self.request("ACK", target, [("Via", self.via(self.branch()))] + dlg +
                     [("CSeq", "%d ACK" % cseq)])
        br = self.branch()
        self.request("BYE", target, [("Via", self.via(br))] + dlg +
                     [("CSeq", "%d BYE" % (cseq + 1))])
        r = self.wait(lambda m: not m.is_request and br in m.get("Via"), 10, "the 200 to BYE")
        if r.status != 200:
            raise Closed("BYE: %s" % r.first)
        log("call to %s done (%d Route headers)" % (callee, len(routes)))


def expect_closed(ws, what):
    """The server closes ws (a close frame may come first)."""
    try:
        while True:
            f = ws.recv_frame(5)
            if f is None:
                raise SystemExit("ws_peer: FAIL: %s: the connection stayed open" % what)
            if f[1] == 0x8:
                log("%s: close frame, code %d" % (what, struct.unpack("!H", f[2][:2])[0]))
    except Closed:
        log("%s: connection closed by the proxy" % what)


def bad(host, port, ca):
    """Input the proxy must refuse by closing the connection."""
    ws = WebSocket(host, port, ca)
    ws.send_raw(b"\x16\x03\x01\x00\x05hello\r\n\r\n")
    expect_closed(ws, "garbage instead of a handshake")

    ws = WebSocket(host, port, ca)
    status, _ = ws.handshake(protocol="chat")
    if not status.startswith("HTTP/1.1 400"):
        raise SystemExit("ws_peer: FAIL: handshake without sip got %r" % status)
    log("handshake without sip: %s" % status)
    expect_closed(ws, "handshake without sip")

    ws = WebSocket(host, port, ca)
    status, _ = ws.handshake()
    if not status.startswith("HTTP/1.1 101"):
        raise SystemExit("ws_peer: FAIL: handshake got %r" % status)
    ws.send_frame(0x1, b"OPTIONS sip:x SIP/2.0\r\n\r\n", mask=False)
    expect_closed(ws, "unmasked frame")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="ws://IP:PORT or wss://IP:PORT")
    ap.add_argument("--ca", help="CA file to check a wss server against")
    ap.add_argument("--user", default="bob")
    ap.add_argument("--password", default="")
    ap.add_argument("--domain", default="voip.example.com")
    ap.add_argument("--answer", type=int, default=0, help="calls to answer")
    ap.add_argument("--call", help="user to call after answering")
    ap.add_argument("--calls", type=int, default=1, help="how many calls to make")
    ap.add_argument("--no-register", action="store_true",
                    help="call without registering first")
    ap.add_argument("--ready", help="file to create once registered")
    ap.add_argument("--dump", help="file to write the requests received to")
    ap.add_argument("--timeout", type=float, default=40)
    ap.add_argument("--bad", action="store_true", help="send bad input")
    a = ap.parse_args()
    scheme, _, rest = a.url.partition("://")
    host, _, port = rest.rpartition(":")
    port = int(port.rstrip("/"))
    ca = a.ca if scheme == "wss" else None
    if scheme == "wss" and not ca:
        ca = ssl.get_default_verify_paths().cafile
    if a.bad:
        bad(host, port, ca)
        log("bad input refused")
        return 0
    ws = WebSocket(host, port, ca)
    status, _ = ws.handshake()
    if not status.startswith("HTTP/1.1 101"):
        raise SystemExit("ws_peer: FAIL: handshake: " + status)
    ws.ping()
    ag = Agent(ws, a.user, a.password, a.domain)
    try:
        if not a.no_register:
            ag.options_without_length()
            ag.register()
        if a.ready:
            open(a.ready, "w").close()
        if a.answer:
            ag.answer(a.answer, a.timeout)
        if a.call:
            for _ in range(a.calls):
                ag.call(a.call)
    except Closed as e:
        log("FAIL: %s" % e)
        return 1
    finally:
        if a.dump:
            with open(a.dump, "w") as f:
                for m in ag.received:
                    f.write(m.text.replace("\r\n", "\n") + "\n----\n")
        ws.close()
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
