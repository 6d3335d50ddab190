#!/bin/sh
# What the proxy takes for itself ("myself", as OpenSIPS says), through
# myself.sip on 127.0.0.1:PROXY with a next hop ("vm", a media server on
# the same address, another port) played by a python script:
#  - uri_is_local() and is_uri_host_local() match the proxy's addresses
#    with their port: sip:vm@127.0.0.1:VM is relayed to vm, sip:x@
#    127.0.0.1:PROXY is local; a domain of the proxy is local whatever the
#    port.
#  - RFC 3261 16.4 before the request route: the topmost Route values
#    naming the proxy (its address and port, or its domain) are removed;
#    an initial request whose only Route was the proxy's is not routed by
#    its Route set (loose_route() false), one with a Route left goes there
#    without the proxy's; a request-URI that is the proxy's Record-Route
#    (a strict router) is replaced by the last Route.
#  - A request the policy sends to the proxy's own address is answered
#    482 Loop Detected instead of being sent to itself.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports PROXY VM
e2e_build tests/e2e/myself.sip -D "SELF=sip:127.0.0.1:$PROXY"
e2e_start_proxy "$PROXY" --db "sqlite:$E2E_TMP/sipcc.db"

python3 - "$PROXY" "$VM" >"$E2E_TMP/myself.out" 2>&1 <<'PY' ||
import re, socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
PX, VM = int(sys.argv[1]), int(sys.argv[2])
def bound(port=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s
vm, ua = bound(VM), bound()
failed = 0
n = 0

def check(name, ok, detail=""):
    global failed
    print("%s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok else ": " + detail))
    failed += not ok

def recv_all(sock, timeout):
    got = []
    sock.settimeout(timeout)
    try:
        while True:
            got.append(sock.recv(65535).decode("latin-1"))
    except socket.timeout:
        pass
    return got

def options(test, ruri, hdrs="", totag=""):
    """Send an OPTIONS; the vm socket answers 200 to what reaches it.
    Returns (final status line seen by the UA, request vm got or None)."""
    global n
    n += 1
    me = "127.0.0.1:%d" % ua.getsockname()[1]
    msg = ("OPTIONS %s SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s;branch=z9hG4bK-me-%d;rport\r\n"
           "Max-Forwards: 70\r\n"
           "From: <sip:alice@voip.example.com>;tag=f%d\r\n"
           "To: <sip:x@voip.example.com>%s\r\n"
           "Call-ID: me-%d@127.0.0.1\r\n"
           "CSeq: 1 OPTIONS\r\n"
           "X-Test: %s\r\n%s"
           "Content-Length: 0\r\n\r\n"
           % (ruri, me, n, n, totag and ";tag=" + totag, n, test, hdrs))
    ua.sendto(msg.encode(), proxy)
    at_vm = None
    for m in recv_all(vm, 0.5):
        if m.startswith("OPTIONS ") and ("me-%d@" % n) in m:
            at_vm = m
            vias = re.findall(r"\r\nVia: ([^\r]*)", m)
            rest = "".join("Via: %s\r\n" % v for v in vias)
            hdr = lambda h: re.search(r"\r\n(%s: [^\r]*)" % h, m).group(1)
            vm.sendto(("SIP/2.0 200 OK\r\n%s%s\r\n%s;tag=vm\r\n%s\r\n%s\r\n"
                       "Content-Length: 0\r\n\r\n"
                       % (rest, hdr("From"), hdr("To"), hdr("Call-ID"), hdr("CSeq"))).encode(),
                      proxy)
    finals = [r.split("\r\n", 1)[0] for r in recv_all(ua, 0.5)
              if r.startswith("SIP/2.0 ") and not r.startswith("SIP/2.0 1")]
    return (finals[0] if finals else None), at_vm

def expect(name, got, status, reach):
    final, at_vm = got
    check(name + ": " + status, final is not None and final.startswith("SIP/2.0 " + status),
          "got %r" % final)
    check(name + (": reaches vm" if reach else ": not relayed"), (at_vm is not None) == reach,
          "vm got %r" % (at_vm or "")[:200])
    return at_vm

# ---- uri_is_local / is_uri_host_local: host and port ----
for fn in ("uri_is_local", "is_uri_host_local"):
    expect(fn + " sip:vm@127.0.0.1:VM", options(fn, "sip:vm@127.0.0.1:%d" % VM), "200", True)
    expect(fn + " sip:x@127.0.0.1:PROXY", options(fn, "sip:x@127.0.0.1:%d" % PX),
           "404 Local", False)
    expect(fn + " sip:x@voip.example.com:VM (a domain: any port)",
           options(fn, "sip:x@voip.example.com:%d" % VM), "404 Local", False)

# ---- 16.4: the proxy's Route values ----
ours = "Route: <sip:127.0.0.1:%d;lr>\r\n" % PX
to_vm = "Route: <sip:127.0.0.1:%d;lr>\r\n" % VM
expect("initial request, only Route is the proxy's", options("route", "sip:x@voip.example.com",
       ours), "404 No Route", False)
m = expect("initial request, the proxy's Route then vm's",
           options("route", "sip:x@voip.example.com", ours + to_vm), "200", True)
if m:
    routes = re.findall(r"\r\nRoute: ([^\r]*)", m)
    check("the proxy's Route removed, vm's kept", routes == ["<sip:127.0.0.1:%d;lr>" % VM],
          "Route %r" % routes)
m = expect("the proxy's Route by its domain, then vm's",
           options("route", "sip:x@voip.example.com",
                   "Route: <sip:voip.example.com;lr>, <sip:127.0.0.1:%d;lr>\r\n" % VM), "200", True)
if m:
    routes = re.findall(r"\r\nRoute: ([^\r]*)", m)
    check("the domain's Route removed", routes == ["<sip:127.0.0.1:%d;lr>" % VM], "Route %r" % routes)
m = expect("in a dialog, the proxy's Route only: to the request-URI",
           options("route", "sip:vm@127.0.0.1:%d" % VM, ours, totag="t1"), "200", True)
if m:
    check("no Route left", "\r\nRoute:" not in m, m[:300])
m = expect("strict router: request-URI is the proxy's Record-Route",
           options("route", "sip:127.0.0.1:%d;lr" % PX, "Route: <sip:vm@127.0.0.1:%d>\r\n" % VM,
                   totag="t2"), "200", True)
if m:
    check("request-URI is the last Route", m.startswith("OPTIONS sip:vm@127.0.0.1:%d SIP/2.0" % VM),
          m[:80])
    check("and that Route is gone", "\r\nRoute:" not in m, m[:300])

# ---- a relay to the proxy itself ----
expect("relay to the proxy's own address", options("loop", "sip:x@voip.example.com"),
       "482 Loop Detected", False)
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/myself.out" >&2
	e2e_fail "the proxy took the wrong requests for its own"
}
cat "$E2E_TMP/myself.out" >&2
grep -q "that is this proxy (loop)" "$E2E_TMP/proxy.log" ||
	e2e_fail "the refused relay to the proxy itself was not logged"
e2e_expect_proxy_alive
