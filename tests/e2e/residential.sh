#!/bin/sh
# The routing decisions of examples/residential.sip (or $E2E_POLICY: the
# YAML form runs the same checks), through a compiled
# proxy: subscriber calls go to the next hop (record-routed), calls to the
# PSTN domain and to emergency numbers go to the PSTN gateway, requests for
# foreign domains get 403 and looping requests 483.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports NEXT GW PROXY
e2e_build "${E2E_POLICY:-examples/residential.sip}" \
	-D "NEXT_HOP=sip:127.0.0.1:$NEXT" -D "PSTN_GATEWAY=sip:127.0.0.1:$GW"
e2e_start_proxy "$PROXY"

python3 - "$PROXY" "$NEXT" "$GW" >"$E2E_TMP/residential.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
def bound(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s
nexthop, gateway, caller = bound(int(sys.argv[2])), bound(int(sys.argv[3])), bound(0)
me = "127.0.0.1:%d" % caller.getsockname()[1]
failed = 0
n = 0

def request(method, ruri, maxfwd=70):
    global n
    n += 1
    return ("%s %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-res-%d;rport\r\n"
            "Max-Forwards: %d\r\n"
            "From: <sip:alice@voip.example.com>;tag=r%d\r\n"
            "To: <%s>\r\n"
            "Call-ID: residential-%d@127.0.0.1\r\n"
            "CSeq: 1 %s\r\n"
            "Contact: <sip:alice@%s>\r\n"
            "Content-Length: 0\r\n\r\n"
            % (method, ruri, me, n, maxfwd, n, ruri, n, method, me)).encode()

def drain(sock, timeout):
    got = []
    sock.settimeout(timeout)
    try:
        while True:
            got.append(sock.recv(65535).decode("latin-1"))
    except socket.timeout:
        pass
    return got

def check(name, ok, detail):
    global failed
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))
    failed += not ok

# Only what belongs to the request just sent counts: the proxy keeps
# retransmitting earlier INVITEs that the silent next hops never answer.
def mine(msgs):
    tag = "\r\nCall-ID: residential-%d@" % n
    return [m for m in msgs if tag in m]

def expect_forward(name, ruri, where, elsewhere):
    caller.sendto(request("INVITE", ruri), proxy)
    got = mine(drain(where, 1.0))
    invites = [m for m in got if m.startswith("INVITE ")]
    check(name + " reaches its next hop", len(invites) >= 1, "got %r" % [m[:60] for m in got])
    if invites:
        check(name + " is record-routed", "\r\nRecord-Route:" in invites[0],
              "no Record-Route in %r" % invites[0][:300])
    other = [m for m in mine(drain(elsewhere, 0.2)) if m.startswith("INVITE ")]
    check(name + " goes nowhere else", not other, "got %r" % [m[:60] for m in other])
    drain(caller, 0.1)

def expect_reply(name, payload, status):
    caller.sendto(payload, proxy)
    got = mine(drain(caller, 1.0))
    codes = [m.split(" ", 2)[1] for m in got if m.startswith("SIP/2.0 ")]
    check(name, str(status) in codes, "expected %d, got %r" % (status, codes))
    leaked = [m[:60] for m in mine(drain(nexthop, 0.1) + drain(gateway, 0.1))]
    check(name + " is not forwarded", not leaked, "got %r" % leaked)

expect_forward("call to a subscriber", "sip:bob@voip.example.com", nexthop, gateway)
expect_forward("call to a number", "sip:4930123456@pstn.voip.example.com", gateway, nexthop)
expect_forward("emergency call", "sip:112@voip.example.com", gateway, nexthop)
expect_reply("foreign domain refused", request("INVITE", "sip:bob@example.org"), 403)
expect_reply("loop stopped", request("OPTIONS", "sip:bob@voip.example.com", maxfwd=0), 483)
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/residential.out" >&2
	e2e_fail "residential policy routed a request the wrong way"
}
cat "$E2E_TMP/residential.out" >&2

e2e_expect_proxy_alive
