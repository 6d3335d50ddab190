#!/bin/sh
# Every RFC 4475 torture message, byte for byte, sent in sequence through a
# running proxy (examples/minimal.sip relaying to a next hop this test
# plays). What the proxy does with each is checked against the verdict in
# tests/data/rfc4475/index.tsv:
#   ACCEPT      the request reaches the next hop, with CRLF line ends and
#               without the trailing octets of a datagram; no error reply
#   REJECT n    a reply with status n (or what the row allows instead) and
#               nothing forwarded; every torture request with a readable
#               Via gets its answer
#   responses   nothing forwarded, nothing answered (none is for us)
# and the proxy is still running after each pass.
#
# The replies go to the Via sent-by port (5060, one 5050) of 127.0.0.1, and
# the accepted requests name example.com and 192.0.2.x hosts: the test runs
# in a network namespace of its own (unshare -rn) that has only loopback, so
# it can listen on those ports without disturbing anything and nothing can
# leave the machine. Skipped where unprivileged namespaces are not allowed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

if [ -z "${E2E_IN_NETNS:-}" ]; then
	command -v unshare >/dev/null 2>&1 || e2e_skip "unshare not found (util-linux)"
	unshare -rn true 2>/dev/null || e2e_skip "unprivileged network namespaces are not allowed here"
	E2E_IN_NETNS=1 exec unshare -rn sh "$0" "$@"
fi
IP=$(command -v ip || echo /usr/sbin/ip)
"$IP" link set lo up 2>/dev/null || e2e_skip "cannot bring up loopback in the namespace (iproute2)"

e2e_init python3
e2e_ports PROXY NEXT
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$NEXT"
# The harness starts the proxy itself: several torture messages reuse a
# branch (cparam01/cparam02, escnull/regescrt), and RFC 3261 §17.2.3 makes
# the second a retransmission of the first. Messages are sent in passes in
# which no two share a top Via sent-by, branch and method, with a fresh
# proxy for each pass.
python3 - "$E2E_PROXY" "$PROXY" "$NEXT" "$top_srcdir/tests/data/rfc4475" "$E2E_TMP/proxy.log" \
	>"$E2E_TMP/torture.out" 2>&1 <<'PY' ||
import os, re, select, socket, subprocess, sys, time

binary, port = sys.argv[1], int(sys.argv[2])
proxy = ("127.0.0.1", port)
data, logpath = sys.argv[4], sys.argv[5]

def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s

ua = listen(5060)          # where the proxy answers (the Via sent-by port)
ua5050 = listen(5050)      # one Via names port 5050
nexthop = listen(int(sys.argv[3]))
failed = 0

def start_proxy():
    log = open(logpath, "ab")
    p = subprocess.Popen([binary, "--listen", "udp:127.0.0.1:%d" % port],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    hexport = ":%04X " % port
    for _ in range(100):
        if p.poll() is not None:
            sys.exit("proxy exited at start-up")
        if any(hexport in l for l in open("/proc/net/udp")):
            return p
        time.sleep(0.1)
    sys.exit("proxy not listening")

def tid(raw):
    """Top Via sent-by, branch and method: what RFC 3261 §17.2.3 matches on."""
    head = re.sub(rb"\r\n[ \t]+", b" ", raw.split(b"\r\n\r\n", 1)[0])
    m = re.search(rb"(?im)^(?:via|v)[ \t]*:[ \t]*SIP[ \t]*/[ \t]*2\.0[ \t]*/[ \t]*\w+[ \t]+([^\s;,]+)([^\r\n]*)", head)
    b = re.search(rb"branch[ \t]*=[ \t]*([^;,\s]+)", m.group(2)) if m else None
    return (m.group(1) if m else None, b.group(1) if b else None, head.split(b" ", 1)[0])

def key(msg):
    """Call-ID (first value) or, without one, the CSeq line: unique per file."""
    head = msg.split(b"\r\n\r\n", 1)[0]
    m = re.search(rb"(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)", head)
    if m:
        return m.group(1)
    m = re.search(rb"(?im)^cseq[ \t]*:[ \t]*([^\r\n]+)", head)
    return m.group(1) if m else None

def collect(k, until, done):
    """Replies and forwarded requests that belong to key k, until the
    deadline or until done(replies, forwarded) holds; retransmissions of
    earlier messages are ignored."""
    replies, forwarded = [], []
    while True:
        left = until - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([ua, ua5050, nexthop], [], [], left)
        for s in r:
            d = s.recv(65535)
            if key(d) != k:
                continue
            if s is nexthop:
                forwarded.append(d)
            else:
                status = d.split(b"\r\n", 1)[0].split(b" ")
                replies.append(int(status[1]) if len(status) > 1 and status[1].isdigit() else -1)
        if done(replies, forwarded):
            until = min(until, time.monotonic() + 0.3)   # grace for anything wrong after it
            done = lambda a, b: False
    return replies, forwarded

rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(data, "index.tsv"), encoding="utf-8")][1:]
assert len(rows) == 49, len(rows)
passes = []
for row in rows:
    row.append(open(os.path.join(data, row[0]), "rb").read())
    t = tid(row[-1])
    for p in passes:
        if t not in p["tids"]:
            break
    else:
        p = {"tids": set(), "rows": []}
        passes.append(p)
    p["tids"].add(t)
    p["rows"].append(row)

def check(name, kind, verdict, raw):
    k = key(raw)
    ua.sendto(raw, proxy)
    finals = lambda rep: [c for c in rep if c >= 300 or c < 100]
    problems = []
    if not kind.startswith("request"):
        replies, fwd = collect(k, time.monotonic() + 0.7, lambda a, b: False)
        if replies or fwd:
            problems.append("a response was answered or passed on")
        what = "dropped"
    elif name == "wsinv.dat":
        # In a dialog (To tag) with a Route to services.example.com: the
        # proxy follows the Route, which does not resolve in here.
        replies, fwd = collect(k, time.monotonic() + 1.5, lambda a, b: False)
        if finals(replies) or fwd:
            problems.append("answered %s, forwarded %d" % (finals(replies), len(fwd)))
        if b"services.example.com" not in open(logpath, "rb").read():
            problems.append("the Route was not followed")
        what = "routed by its Route"
    elif verdict.startswith("ACCEPT"):
        replies, fwd = collect(k, time.monotonic() + 3.0, lambda a, b: bool(b))
        if not fwd:
            problems.append("not forwarded")
        if finals(replies):
            problems.append("answered %s" % finals(replies))
        for f in fwd:
            if re.search(rb"(?<!\r)\n", f.split(b"\r\n\r\n", 1)[0] + b"\r\n"):
                problems.append("forwarded with a bare LF")
        if name == "dblreq.dat" and any(b"INVITE" in f for f in fwd):
            problems.append("the trailing octets were forwarded")
        what = "forwarded"
    else:
        m = re.match(r"REJECT (\d+)", verdict)
        want = {int(m.group(1))} if m else {400}
        if "(error, 400)" in verdict or "400 acceptable" in verdict:
            want.add(400)
        if "(or 404)" in verdict:
            want.add(404)
        lenient = "lenient" in verdict or "or ACCEPT" in verdict
        replies, fwd = collect(k, time.monotonic() + 3.0,
                               lambda a, b: bool(finals(a)) or (lenient and bool(b)))
        got = finals(replies)
        if fwd and not lenient:
            problems.append("forwarded")
        if not fwd and not (got and set(got) <= want):
            problems.append("expected %s, got %s" % (sorted(want), got or "no answer"))
        if fwd and got:
            problems.append("forwarded and answered %s" % got)
        what = "forwarded" if fwd else "answered %s" % got
    print("%s %-15s %-40s %s%s" % ("FAIL" if problems else "ok  ", name, verdict, what,
                                  ": " + "; ".join(problems) if problems else ""))
    return not problems

for n, p in enumerate(passes, 1):
    print("pass %d: %d messages, a fresh proxy" % (n, len(p["rows"])))
    proc = start_proxy()
    for row in p["rows"]:
        if not check(row[0], row[3], row[5], row[-1]):
            failed += 1
    if proc.poll() is not None:
        print("FAIL the proxy exited (status %d)" % proc.returncode)
        failed += 1
    proc.terminate()
    proc.wait()

sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/torture.out" >&2
	e2e_fail "RFC 4475 messages not handled as index.tsv says"
}
cat "$E2E_TMP/torture.out" >&2
# The two whose Via is readable although the rest is not: a 400, always.
for f in badinv01.dat lwsruri.dat; do
	grep -q "^ok   $f .*answered \[400\]" "$E2E_TMP/torture.out" ||
		e2e_fail "$f did not get a 400"
done
