#!/usr/bin/env python3
"""A small HTTP service for the e2e tests of the policy's HTTP client
(tests/e2e/http.sh, events.sh), on 127.0.0.1 only:

  GET  /check?user=U   {"result": {"action": "deny"|"allow"}, "credit": N}:
                       deny for users named in --deny, credit = len(U) * 10
  GET  /slow?s=S       waits S seconds (default 5), then {"result": {"action": "allow"}}
  POST /echo           the body back, with X-Echo: <Content-Type> and
                       {"got": <the JSON posted>} when it is JSON
  POST /event          appends the body as one line to --events, answers 204
  GET  /status/N       answers status N with an empty body
Every request is logged to stderr. Prints "ready PORT" once it listens.
With --cert and --key it speaks HTTPS (tests/e2e/http_tls.sh) with that
certificate; with --client-ca as well it asks for the client's
certificate and refuses a handshake without one signed by that CA.
"""
import argparse
import json
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%.3f %s\n" % (time.time(), fmt % args))
        sys.stderr.flush()

    def answer(self, code, body=b"", ctype="application/json", extra=None):
        self.send_response(code)
        if body or code != 204:
            self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path == "/check":
            user = q.get("user", [""])[0]
            action = "deny" if user in self.server.deny else "allow"
            doc = {"result": {"action": action, "user": user}, "credit": len(user) * 10}
            self.answer(200, json.dumps(doc).encode())
        elif u.path == "/slow":
            time.sleep(float(q.get("s", ["5"])[0]))
            self.answer(200, b'{"result": {"action": "allow"}}')
        elif u.path.startswith("/status/"):
            self.answer(int(u.path[8:]), b"")
        else:
            self.answer(404, b'{"error": "not found"}')

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.path == "/event":
            with self.server.lock, open(self.server.events, "a") as f:
                f.write(body.decode(errors="replace") + "\n")
            self.answer(204)
        elif self.path == "/echo":
            ctype = self.headers.get("Content-Type", "")
            try:
                got = json.loads(body)
            except ValueError:
                got = body.decode(errors="replace")
            self.answer(200, json.dumps({"got": got}).encode(), extra={"X-Echo": ctype})
        else:
            self.answer(404, b"")


class Server(ThreadingHTTPServer):
    # Many clients connect at once (the concurrency check): the default
    # backlog of 5 would drop their SYNs.
    request_queue_size = 256
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--deny", default="")
    ap.add_argument("--events", default="/dev/null")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        # The handshake in the connection's thread: one that fails ends
        # that connection only.
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    srv.deny = set(x for x in a.deny.split(",") if x)
    srv.events = a.events
    srv.lock = threading.Lock()
    print("ready %d" % a.port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
