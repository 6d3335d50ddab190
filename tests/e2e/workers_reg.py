#!/usr/bin/env python3
"""Registrations and calls through a proxy running several workers
(tests/e2e/workers_registrar.sh).

  workers_reg.py PROXY_PORT USERS CTL CTL_SOCKET

USERS subscribers u01..uNN (password uNN-secret, domain voip.example.com)
each have a phone: a UDP socket of its own, so the kernel spreads their
REGISTERs over the workers' sockets, and a Call-ID of its own, so their
owners differ too. A phone answers every INVITE with 486 and an X-Phone
header naming itself, which tells the caller whose contact the proxy
chose. alice (alice-secret) makes the calls, each from a new port with a
new Call-ID, authenticating after the 407.

  1. Every user registers (401, then 200 with its contact).
  2. ul show on the control socket lists every user and its contact.
  3. A call to every user reaches that user's phone (no 404).
  4. Without a new challenge, with the nonce of step 1 and nc=2 (issued
     on one worker, checked on the owner of the new request): a quarter
     of the users move to a second phone (a new Call-ID, the old contact
     removed, the new one added), a quarter unregister ("*", Expires 0),
     the rest refresh.
  5. ul show lists exactly the registered users and their new contacts.
  6. A call to every user: the moved ones reach their second phone, the
     unregistered ones get 404, the others their first phone.
  7. "restart" on stdout, then waits for a line on stdin (the test
     restarts the proxy, which loads the bindings from the database):
     the listing and the calls of 6 again.

A REGISTER with a wrong password (step 1) gets a second 401 and adds
nothing (the listings would show it).

Exits non-zero with a message on the first failure; prints a summary.
"""
import concurrent.futures
import hashlib
import json
import queue
import re
import select
import socket
import subprocess
import sys
import threading
import uuid

DOMAIN = "voip.example.com"
H = lambda s: hashlib.md5(s.encode()).hexdigest()


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def hdr(msg, name):
    m = re.search(r"^%s\s*:\s*(.*?)\r$" % re.escape(name), msg, re.M | re.I)
    return m.group(1) if m else None


def challenge(msg, name):
    v = hdr(msg, name)
    if not v:
        return None
    return dict((k.lower(), x.strip('"')) for k, x in re.findall(r'([\w-]+)=("[^"]*"|[^,\s]+)', v))


def credentials(user, password, chal, method, uri, nc):
    cnonce = uuid.uuid4().hex[:16]
    ha1 = H("%s:%s:%s" % (user, chal["realm"], password))
    ha2 = H("%s:%s" % (method, uri))
    ncs = "%08x" % nc
    resp = H("%s:%s:%s:%s:auth:%s" % (ha1, chal["nonce"], ncs, cnonce, ha2))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s",'
            ' algorithm=MD5, qop=auth, nc=%s, cnonce="%s"'
            % (user, chal["realm"], chal["nonce"], uri, resp, ncs, cnonce))


def sock_recv(sock):
    def recv(timeout):
        sock.settimeout(timeout)
        try:
            return sock.recv(65536).decode("latin-1")
        except socket.timeout:
            return None
    return recv


def transact(sock, port, build, recv=None, tries=10):
    """Send the request build(branch) (same branch on every retransmission)
    from sock until a final response comes (read with recv(timeout), by
    default from sock); returns it."""
    recv = recv or sock_recv(sock)
    branch = "z9hG4bK" + uuid.uuid4().hex
    data = build(branch).encode()
    for i in range(tries):
        sock.sendto(data, ("127.0.0.1", port))
        while True:
            resp = recv(0.5 * (1 + min(i, 3)))
            if resp is None:
                break
            if hdr(resp, "Via") and branch not in hdr(resp, "Via"):
                continue
            code = int(resp.split(" ", 2)[1])
            if code >= 200:
                return branch, resp
    fail("no final response to:\n" + data.decode())


class Phone:
    """A UDP socket registered as a user's contact; answers INVITEs 486."""

    def __init__(self, user, name):
        self.user, self.name = user, name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.contact = "sip:%s@127.0.0.1:%d" % (user, self.port)
        self.invites = 0
        self.responses = queue.Queue()     # to its REGISTERs

    def recv(self, timeout):
        try:
            return self.responses.get(timeout=timeout)
        except queue.Empty:
            return None


class Phones(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.by_fd = {}
        self.lock = threading.Lock()
        self.rd, self.wr = socket.socketpair()

    def add(self, p):
        with self.lock:
            self.by_fd[p.sock.fileno()] = p
        self.wr.send(b"x")

    def run(self):
        while True:
            with self.lock:
                fds = list(self.by_fd) + [self.rd.fileno()]
            r, _, _ = select.select(fds, [], [], 1.0)
            for fd in r:
                if fd == self.rd.fileno():
                    self.rd.recv(64)
                    continue
                p = self.by_fd[fd]
                data, src = p.sock.recvfrom(65536)
                msg = data.decode("latin-1")
                if msg.startswith("SIP/2.0 "):
                    p.responses.put(msg)
                    continue
                if not msg.startswith("INVITE "):
                    continue                    # the proxy's ACK of the 486
                p.invites += 1
                head = msg.split("\r\n\r\n", 1)[0].split("\r\n")
                keep = [l for l in head[1:] if re.match(r"(Via|From|Call-ID|CSeq)\s*:", l, re.I)]
                to = next(l for l in head[1:] if re.match(r"To\s*:", l, re.I))
                ruri = head[0].split(" ")[1]
                reply = ["SIP/2.0 486 Busy Here"] + keep + [
                    to + ";tag=" + p.name, "X-Phone: %s %s" % (p.name, ruri),
                    "Content-Length: 0", "", ""]
                p.sock.sendto("\r\n".join(reply).encode(), src)


def register(proxy, user, phone, callid, cseq, contacts, expires, creds=None):
    """One REGISTER from phone's socket; returns the final response."""
    def build(branch):
        lines = [
            "REGISTER sip:%s SIP/2.0" % DOMAIN,
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (phone.port, branch),
            "From: <sip:%s@%s>;tag=%s" % (user, DOMAIN, callid[:8]),
            "To: <sip:%s@%s>" % (user, DOMAIN),
            "Call-ID: " + callid,
            "CSeq: %d REGISTER" % cseq,
            "Max-Forwards: 70",
            "Expires: %d" % expires,
        ] + ["Contact: " + c for c in contacts]
        if creds:
            lines.append("Authorization: " + creds)
        return "\r\n".join(lines + ["Content-Length: 0", "", ""])
    return transact(phone.sock, proxy, build, phone.recv)[1]


def first_registration(proxy, user, phone):
    callid = uuid.uuid4().hex
    resp = register(proxy, user, phone, callid, 1, ["<%s>" % phone.contact], 600)
    if not resp.startswith("SIP/2.0 401"):
        fail("%s: first REGISTER got %s" % (user, resp.split("\r\n")[0]))
    chal = challenge(resp, "WWW-Authenticate")
    creds = credentials(user, user + "-secret", chal, "REGISTER", "sip:" + DOMAIN, 1)
    resp = register(proxy, user, phone, callid, 2, ["<%s>" % phone.contact], 600, creds)
    if not resp.startswith("SIP/2.0 200"):
        fail("%s: REGISTER with credentials got %s" % (user, resp.split("\r\n")[0]))
    if phone.contact not in resp:
        fail("%s: the 200 does not list %s:\n%s" % (user, phone.contact, resp))
    return callid, chal


def call(proxy, callee):
    """alice calls callee from a new port with a new Call-ID; returns the
    final response to the authenticated INVITE."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    callid = uuid.uuid4().hex
    ruri = "sip:%s@%s" % (callee, DOMAIN)

    def invite(cseq, creds):
        def build(branch):
            lines = [
                "INVITE %s SIP/2.0" % ruri,
                "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (port, branch),
                "From: <sip:alice@%s>;tag=a%s" % (DOMAIN, callid[:8]),
                "To: <%s>" % ruri,
                "Call-ID: " + callid,
                "CSeq: %d INVITE" % cseq,
                "Contact: <sip:alice@127.0.0.1:%d>" % port,
                "Max-Forwards: 70",
            ]
            if creds:
                lines.append("Proxy-Authorization: " + creds)
            return "\r\n".join(lines + ["Content-Length: 0", "", ""])
        branch, resp = transact(sock, proxy, build)
        # ACK of the non-2xx final response (same branch, RFC 3261 §17.1.1.3).
        to = hdr(resp, "To")
        ack = "\r\n".join([
            "ACK %s SIP/2.0" % ruri,
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport" % (port, branch),
            "From: <sip:alice@%s>;tag=a%s" % (DOMAIN, callid[:8]),
            "To: " + to, "Call-ID: " + callid, "CSeq: %d ACK" % cseq,
            "Max-Forwards: 70", "Content-Length: 0", "", ""])
        sock.sendto(ack.encode(), ("127.0.0.1", proxy))
        return resp

    resp = invite(1, None)
    if not resp.startswith("SIP/2.0 407"):
        fail("call to %s: first INVITE got %s" % (callee, resp.split("\r\n")[0]))
    chal = challenge(resp, "Proxy-Authenticate")
    resp = invite(2, credentials("alice", "alice-secret", chal, "INVITE", ruri, 1))
    sock.close()
    return resp


def ul_show(ctl, sock):
    out = subprocess.run([ctl, "--ctl", sock, "ul", "show"], capture_output=True, text=True)
    if out.returncode != 0:
        fail("ul show: %s %s" % (out.stdout, out.stderr))
    return {a["aor"]: sorted(c["contact"] for c in a["contacts"])
            for a in json.loads(out.stdout)["aors"]}


def check_calls(proxy, users, expect, pool):
    """expect[user]: the phone a call must reach, or None for a 404."""
    results = dict(zip(users, pool.map(lambda u: call(proxy, u), users)))
    for u in users:
        resp, want = results[u], expect[u]
        status = resp.split("\r\n")[0]
        if want is None:
            if not status.startswith("SIP/2.0 404"):
                fail("call to unregistered %s got %s" % (u, status))
            continue
        if not status.startswith("SIP/2.0 486"):
            fail("call to %s got %s, expected its phone's 486" % (u, status))
        xp = hdr(resp, "X-Phone")
        if xp != "%s %s" % (want.name, want.contact):
            fail("call to %s reached %s, expected %s %s" % (u, xp, want.name, want.contact))


def check_listing(ctl, ctlsock, expect):
    got = ul_show(ctl, ctlsock)
    want = {"%s@%s" % (u, DOMAIN): [p.contact] for u, p in expect.items() if p}
    if got != want:
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        wrong = sorted(a for a in set(want) & set(got) if want[a] != got[a])
        fail("ul show: missing %s, unexpected %s, wrong contacts %s" % (missing, extra, wrong))


def main():
    proxy, n, ctl, ctlsock = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    users = ["u%02d" % i for i in range(1, n + 1)]
    phones = Phones()
    phones.start()
    first = {u: Phone(u, u + "-a") for u in users}
    second = {u: Phone(u, u + "-b") for u in users}
    for p in list(first.values()) + list(second.values()):
        phones.add(p)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=6)

    # 1, 2, 3.
    intruder = Phone(users[0], "intruder")
    phones.add(intruder)
    resp = register(proxy, users[0], intruder, uuid.uuid4().hex, 1, ["<%s>" % intruder.contact], 600)
    chal = challenge(resp, "WWW-Authenticate")
    creds = credentials(users[0], "not-the-password", chal, "REGISTER", "sip:" + DOMAIN, 1)
    resp = register(proxy, users[0], intruder, uuid.uuid4().hex, 2, ["<%s>" % intruder.contact],
                    600, creds)
    if not resp.startswith("SIP/2.0 401"):
        fail("a wrong password got %s" % resp.split("\r\n")[0])
    regs = dict(zip(users, pool.map(lambda u: first_registration(proxy, u, first[u]), users)))
    expect = dict(first)
    check_listing(ctl, ctlsock, expect)
    check_calls(proxy, users, expect, pool)

    # 4. No challenge: the nonce of step 1 with nc=2, on a new request.
    def change(i_u):
        i, u = i_u
        callid, chal = regs[u]
        creds = credentials(u, u + "-secret", chal, "REGISTER", "sip:" + DOMAIN, 2)
        if i % 4 == 0:      # move, with a new Call-ID, from the second phone
            resp = register(proxy, u, second[u], uuid.uuid4().hex, 1,
                            ["<%s>;expires=0" % first[u].contact, "<%s>" % second[u].contact],
                            600, creds)
            want = second[u]
        elif i % 4 == 1:    # unregister
            resp = register(proxy, u, first[u], callid, 3, ["*"], 0, creds)
            want = None
        else:               # refresh
            resp = register(proxy, u, first[u], callid, 3, ["<%s>" % first[u].contact],
                            600, creds)
            want = first[u]
        if not resp.startswith("SIP/2.0 200"):
            fail("%s: REGISTER with nc=2 got %s" % (u, resp.split("\r\n")[0]))
        listed = re.findall(r"^Contact:\s*<([^>]*)>", resp, re.M | re.I)
        if listed != ([want.contact] if want else []):
            fail("%s: the 200 lists %s" % (u, listed))
        return u, want
    expect = dict(pool.map(change, enumerate(users)))

    # 5, 6.
    check_listing(ctl, ctlsock, expect)
    check_calls(proxy, users, expect, pool)

    # 7.
    print("restart", flush=True)
    if not sys.stdin.readline():
        fail("no go-ahead after the restart")
    check_listing(ctl, ctlsock, expect)
    check_calls(proxy, users, expect, pool)

    moved = sum(1 for i in range(n) if i % 4 == 0)
    gone = sum(1 for i in range(n) if i % 4 == 1)
    print("ok: %d users registered, %d calls; %d moved, %d unregistered, %d refreshed;"
          " %d bindings after the restart" % (n, 3 * n, moved, gone, n - moved - gone, n - gone),
          flush=True)


if __name__ == "__main__":
    main()
