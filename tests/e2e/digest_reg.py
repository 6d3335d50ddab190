#!/usr/bin/env python3
"""A REGISTER with digest authentication computed here, so the test
chooses the algorithm (sipp knows only MD5).

  digest_reg.py PROXY_PORT USER PASSWORD DOMAIN ALGORITHM

Sends a REGISTER without credentials over UDP from 127.0.0.1, prints the
algorithms the 401 offers ("offered: SHA-256,MD5", in order), answers with
ALGORITHM (MD5 or SHA-256; with the nonce of the first challenge when no
challenge offers it) and prints the final status ("status: 200").
"""
import hashlib
import re
import socket
import sys
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
    port, user, password, domain, alg = sys.argv[1:6]
    port = int(port)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    callid = uuid.uuid4().hex
    code, resp = request(sock, port, user, domain, 1, callid)
    if code != 401:
        raise SystemExit("expected 401, got %d" % code)
    chals = re.findall(r"^WWW-Authenticate:\s*Digest\s+(.*?)\r$", resp, re.M | re.I)
    params = [dict((k.lower(), v.strip('"')) for k, v in
                   re.findall(r'([\w-]+)=("[^"]*"|[^,\s]+)', c)) for c in chals]
    print("offered: " + ",".join(p.get("algorithm", "MD5") for p in params), flush=True)
    chosen = next((p for p in params if p.get("algorithm", "MD5").upper() == alg.upper()),
                  params[0])
    h = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}[alg.upper()]
    H = lambda s: h(s.encode()).hexdigest()
    realm, nonce, uri, nc, cnonce = chosen["realm"], chosen["nonce"], "sip:" + domain, \
        "00000001", uuid.uuid4().hex[:16]
    ha1 = H("%s:%s:%s" % (user, realm, password))
    ha2 = H("REGISTER:%s" % uri)
    response = H("%s:%s:%s:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2))
    auth = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s",'
            ' algorithm=%s, qop=auth, nc=%s, cnonce="%s"'
            % (user, realm, nonce, uri, response, alg, nc, cnonce))
    code, _ = request(sock, port, user, domain, 2, callid, auth)
    print("status: %d" % code, flush=True)


if __name__ == "__main__":
    main()
