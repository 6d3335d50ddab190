"""Phones, gateways and checks for the e2e scripts that drive a proxy
from Python (import it with sys.path.insert(0, E2E_SRC)): UDP sockets that
send requests, answer digest challenges (MD5, qop=auth), ACK negative
replies, and see what the proxy relayed to them.

    import sip_phone as sp
    sp.setup(proxy_port, domain="voip.example.com",
             passwords={"alice": "alice-secret"})
    alice = sp.bound()
    req = sp.Request("INVITE", "sip:bob@voip.example.com", alice,
                     "alice@voip.example.com")
    rs = req.authenticate("call alice -> bob", 407)
    sp.check("call reaches bob", 200 in sp.codes(rs))
    sys.exit(sp.result())
"""
import hashlib
import re
import socket

proxy = None
DOMAIN = "voip.example.com"
PASSWORDS = {}
failed = 0
n = 0


def setup(port, domain="voip.example.com", passwords=None, host="127.0.0.1"):
    global proxy, DOMAIN, PASSWORDS
    proxy = (host, int(port))
    DOMAIN = domain
    PASSWORDS = dict(passwords or {})


def bound(port=0, host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, port))
    return s


def addr(s):
    return "%s:%d" % s.getsockname()


def check(name, ok, detail=""):
    global failed
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + str(detail)),
          flush=True)
    failed += not ok
    return ok


def result():
    return 1 if failed else 0


def drain(sock, timeout):
    got = []
    sock.settimeout(timeout)
    try:
        while True:
            got.append(sock.recv(65535).decode("latin-1"))
    except socket.timeout:
        pass
    return got


def header(msg, name):
    m = re.search(r"\r\n%s:[ \t]*([^\r]*)" % re.escape(name), msg, re.I)
    return m.group(1) if m else None


def codes(rs):
    return [int(r.split(" ", 2)[1]) for r in rs]


def reply_to(sock, req, code, reason, extra="", to_tag="uas"):
    """Answer request text req (received on sock) with code: the Via,
    From, Call-ID and CSeq copied, a To tag added."""
    to = header(req, "To") or ""
    if ";tag=" not in to:
        to += ";tag=%s" % to_tag
    vias = "".join("Via: %s\r\n" % v for v in re.findall(r"\r\nVia:[ \t]*([^\r]*)", req, re.I))
    msg = ("SIP/2.0 %d %s\r\n%sFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
           "Contact: <sip:uas@%s>\r\n%sContent-Length: 0\r\n\r\n"
           % (code, reason, vias, header(req, "From"), to, header(req, "Call-ID"),
              header(req, "CSeq"), addr(sock), extra))
    sock.sendto(msg.encode(), proxy)


class Request:
    """One request of a new call or registration: the same Call-ID for the
    retry with credentials, a new branch and CSeq for each send."""

    def __init__(self, method, ruri, sock, user, to=None, extra="", contact=None):
        global n
        n += 1
        self.method, self.ruri, self.sock, self.user = method, ruri, sock, user
        self.to, self.extra = to or ruri, extra
        self.contact = contact
        self.callid = "sp-%d-%d@127.0.0.1" % (sock.getsockname()[1], n)
        self.cseq = 0

    def send(self, auth="", maxfwd=70):
        self.cseq += 1
        tag = self.callid.split("@")[0]
        self.branch = "z9hG4bK-%s-%d" % (tag, self.cseq)
        me = addr(self.sock)
        contact = self.contact or "%s@%s" % (self.user.split("@")[0], me)
        msg = ("%s %s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n"
               "Max-Forwards: %d\r\n"
               "From: <sip:%s>;tag=t%s\r\n"
               "To: <%s>\r\n"
               "Call-ID: %s\r\n"
               "CSeq: %d %s\r\n"
               "Contact: <sip:%s>\r\n%s%s"
               "Content-Length: 0\r\n\r\n"
               % (self.method, self.ruri, me, self.branch, maxfwd, self.user, tag,
                  self.to, self.callid, self.cseq, self.method, contact, self.extra, auth))
        self.sock.sendto(msg.encode(), proxy)

    def mine(self, msgs):
        return [m for m in msgs if "\r\nCall-ID: %s\r\n" % self.callid in m]

    def replies(self, timeout=1.0, until=None):
        """The replies to this request within timeout, up to the first
        final reply (with until: the first whose code until() accepts) and
        what follows it without a pause of 0.1 s."""
        import time
        rs = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = self.mine(drain(self.sock, min(0.1, max(0.01, end - time.monotonic()))))
            rs += [m for m in got if m.startswith("SIP/2.0 ")]
            if any(c >= 200 and (until is None or until(c)) for c in codes(rs)):
                rs += [m for m in self.mine(drain(self.sock, 0.1)) if m.startswith("SIP/2.0 ")]
                break
        for r in rs:   # ACK a negative reply to an INVITE (RFC 3261 17.1.1.3)
            code = int(r.split(" ", 2)[1])
            if self.method == "INVITE" and code >= 300:
                self.sock.sendto(("ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
                                  "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s ACK\r\n"
                                  "Content-Length: 0\r\n\r\n"
                                  % (self.ruri, header(r, "Via"), header(r, "From"),
                                     header(r, "To"), self.callid,
                                     header(r, "CSeq").split()[0])).encode(), proxy)
        return rs

    def credentials(self, challenge, password, hname, user=None):
        """The Authorization/Proxy-Authorization header answering the MD5
        challenge of reply challenge (hname: its header name)."""
        chal = [v for v in re.findall(r"\r\n%s:[ \t]*([^\r]*)" % hname, challenge, re.I)
                if "algorithm=MD5" in v][0]
        realm = re.search(r'realm="([^"]*)"', chal).group(1)
        nonce = re.search(r'nonce="([^"]*)"', chal).group(1)
        user = user or self.user.split("@")[0]
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
        ha1 = md5("%s:%s:%s" % (user, realm, password))
        ha2 = md5("%s:%s" % (self.method, self.ruri))
        nc, cnonce = "00000001", "c%d" % n
        resp = md5(":".join([ha1, nonce, nc, cnonce, "auth", ha2]))
        return ('%s: Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                'response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"\r\n'
                % ("Authorization" if hname.startswith("WWW") else "Proxy-Authorization",
                   user, realm, nonce, self.ruri, resp, nc, cnonce))

    def authenticate(self, name, code, password=None, timeout=1.0, until=None):
        """Send without credentials, expect the challenge code, answer it.
        Returns the replies to the request with credentials."""
        hname = "WWW-Authenticate" if code == 401 else "Proxy-Authenticate"
        self.send()
        rs = [r for r in self.replies() if not r.startswith("SIP/2.0 100")]
        ch = [r for r in rs if r.startswith("SIP/2.0 %d " % code)]
        check(name + ": challenged with %d" % code, bool(ch), "got %r" % [r[:40] for r in rs])
        if not ch:
            return []
        pw = password or PASSWORDS[self.user.split("@")[0]]
        self.send(auth=self.credentials(ch[0], pw, hname))
        return self.replies(timeout, until)


def arrived(req, sock, timeout=1.0, method="INVITE"):
    """The requests of req's call that reach sock: waits at most timeout
    for the first, returns it with what else came with it (retransmissions
    are left for the next drain)."""
    import time
    end = time.monotonic() + timeout
    got = []
    while not got:
        left = end - time.monotonic()
        if left <= 0:
            break
        got = [m for m in req.mine(drain_one(sock, left)) if m.startswith(method + " ")]
    return got


def drain_one(sock, timeout):
    """At most one datagram within timeout (a list of 0 or 1)."""
    sock.settimeout(timeout)
    try:
        return [sock.recv(65535).decode("latin-1")]
    except socket.timeout:
        return []


def nowhere(name, req, socks):
    leaked = [m[:60] for s in socks for m in req.mine(drain(s, 0.2))]
    check(name + ": not forwarded", not leaked, "got %r" % leaked)
