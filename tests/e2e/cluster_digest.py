#!/usr/bin/env python3
"""REGISTERs with digest credentials computed here, sent to several
proxies in turn, for tests of proxies sharing nonces (auth.secret) and
nonce-counts (a cluster store).

  cluster_digest.py USER PASSWORD DOMAIN CHALLENGE_PORT STEP...

Gets a challenge from the proxy at 127.0.0.1:CHALLENGE_PORT (a REGISTER
without credentials: 401), then for each STEP, PORT:NC:EXPECT, sends the
REGISTER with credentials for that nonce and nonce-count NC (an integer)
to the proxy at PORT and checks that the final status is EXPECT. Prints
"step PORT nc NC: STATUS SECONDS" for each; exits 1 at the first status
that is not the one expected, 2 when no answer comes within 5 s. A 503
must carry Retry-After.
"""
import hashlib
import re
import socket
import sys
import time
import uuid


def request(sock, port, user, domain, cseq, callid, auth=None):
    lport = sock.getsockname()[1]
    lines = [
        "REGISTER sip:%s SIP/2.0" % domain,
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport" % (lport, uuid.uuid4().hex),
        "From: <sip:%s@%s>;tag=%s" % (user, domain, callid[:8]),
        "To: <sip:%s@%s>" % (user, domain),
        "Call-ID: %s" % callid,
        "CSeq: %d REGISTER" % cseq,
        "Contact: <sip:%s@127.0.0.1:%d>" % (user, lport),
        "Max-Forwards: 70",
        "Expires: 600",
    ]
    if auth:
        lines.append("Authorization: " + auth)
    lines += ["Content-Length: 0", "", ""]
    sock.sendto("\r\n".join(lines).encode(), ("127.0.0.1", port))
    while True:
        data = sock.recv(65536).decode("latin-1")
        code = int(data.split(" ", 2)[1])
        if code >= 200:
            return code, data


def main():
    user, password, domain, cport = sys.argv[1:5]
    steps = sys.argv[5:]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    callid = uuid.uuid4().hex
    try:
        code, resp = request(sock, int(cport), user, domain, 1, callid)
    except socket.timeout:
        print("no answer to the first REGISTER", flush=True)
        return 2
    if code != 401:
        print("expected 401, got %d" % code, flush=True)
        return 1
    nonce = re.search(r'nonce="([^"]+)"', resp).group(1)
    realm = re.search(r'realm="([^"]*)"', resp).group(1)
    print("nonce %s from %s" % (nonce, cport), flush=True)
    H = lambda s: hashlib.md5(s.encode()).hexdigest()
    uri = "sip:" + domain
    ha1 = H("%s:%s:%s" % (user, realm, password))
    ha2 = H("REGISTER:%s" % uri)
    cseq = 2
    for step in steps:
        port, nc, expect = step.split(":")
        nc = "%08x" % int(nc)
        cnonce = uuid.uuid4().hex[:16]
        response = H("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2))
        auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s",'
                ' algorithm=MD5, qop=auth, nc=%s, cnonce="%s"'
                % (user, realm, nonce, uri, response, nc, cnonce))
        t0 = time.monotonic()
        try:
            code, resp = request(sock, int(port), user, domain, cseq, callid, auth)
        except socket.timeout:
            print("step %s nc %s: no answer" % (port, nc), flush=True)
            return 2
        cseq += 1
        print("step %s nc %s: %d %.3f" % (port, nc, code, time.monotonic() - t0), flush=True)
        if str(code) != expect:
            print(resp, flush=True)
            return 1
        if code == 503 and not re.search(r"^Retry-After:\s*\d+", resp, re.M | re.I):
            print("503 without Retry-After", flush=True)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
