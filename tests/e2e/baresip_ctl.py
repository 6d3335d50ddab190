#!/usr/bin/env python3
"""Drive a running baresip through its ctrl_tcp module (netstring-framed
JSON: commands out, responses and events in).

  baresip_ctl.py PORT STEP...

Steps, run in order; any that fails exits with status 1:
  registered         poll "reginfo" until the account shows OK (10 s)
  dial:URI           place a call to URI
  established        wait for CALL_ESTABLISHED (15 s)
  hangup             hang up the current call
  closed             wait for CALL_CLOSED (10 s)
  sleep:SECONDS      wait

Every message received is printed to standard output, one per line.
"""
import json
import socket
import sys
import time


class Ctl:
    def __init__(self, port):
        deadline = time.time() + 10
        while True:
            try:
                self.s = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.events = []
        self.token = 0

    def send(self, command, params=""):
        self.token += 1
        body = json.dumps({"command": command, "params": params,
                           "token": str(self.token)}).encode()
        self.s.sendall(str(len(body)).encode() + b":" + body + b",")
        return str(self.token)

    def read(self, timeout):
        """One message, or None when nothing came within timeout."""
        end = time.time() + timeout
        while True:
            colon = self.buf.find(b":")
            if colon > 0:
                n = int(self.buf[:colon])
                if len(self.buf) >= colon + 1 + n + 1:
                    body = self.buf[colon + 1:colon + 1 + n]
                    self.buf = self.buf[colon + 1 + n + 1:]
                    msg = json.loads(body)
                    print(json.dumps(msg), flush=True)
                    return msg
            left = end - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise SystemExit("baresip closed the control connection")
            self.buf += chunk

    def command(self, command, params=""):
        token = self.send(command, params)
        end = time.time() + 5
        while time.time() < end:
            msg = self.read(end - time.time())
            if msg is None:
                break
            if msg.get("response") and msg.get("token") == token:
                return msg
            if msg.get("event"):
                self.events.append(msg)
        raise SystemExit("no response to " + command)

    def wait_event(self, kind, timeout):
        for i, ev in enumerate(self.events):
            if ev.get("type") == kind:
                del self.events[i]
                return ev
        end = time.time() + timeout
        while time.time() < end:
            msg = self.read(end - time.time())
            if msg is None:
                break
            if msg.get("event") and msg.get("type") == kind:
                return msg
            if msg.get("event"):
                self.events.append(msg)
        raise SystemExit("no %s event within %d s" % (kind, timeout))


def main():
    ctl = Ctl(int(sys.argv[1]))
    for step in sys.argv[2:]:
        name, _, arg = step.partition(":")
        if name == "registered":
            end = time.time() + 10
            while True:
                data = ctl.command("reginfo").get("data", "")
                if "OK" in data:
                    break
                if time.time() > end:
                    raise SystemExit("not registered: " + data)
                time.sleep(0.2)
        elif name == "dial":
            if not ctl.command("dial", arg).get("ok"):
                raise SystemExit("dial refused")
        elif name == "established":
            ctl.wait_event("CALL_ESTABLISHED", 15)
        elif name == "hangup":
            ctl.command("hangup")
        elif name == "closed":
            ctl.wait_event("CALL_CLOSED", 10)
        elif name == "sleep":
            time.sleep(float(arg))
        else:
            raise SystemExit("unknown step " + step)


if __name__ == "__main__":
    main()
