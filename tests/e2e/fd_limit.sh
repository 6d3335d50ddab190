#!/bin/sh
# The proxy under a low descriptor limit (ulimit -n 64, soft and hard):
# tcp.max_connections (4096 by default) is lowered to what fits, with a
# warning; 400 TCP clients then neither make it spin nor flood its log (a
# bounded number of lines, little CPU), and a request over UDP is answered
# during the flood and after it. A limit too low for any TCP connection
# stops a proxy with a TCP listener at start, with a clear message; a
# UDP-only proxy starts anyway.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports PROXY NEXT PROBE
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$NEXT"
REAL_PROXY=$E2E_PROXY

# e2e_start_proxy runs $E2E_PROXY: a wrapper that sets the limit first.
limited() {
	E2E_PROXY=$E2E_TMP/limited-$1
	printf '#!/bin/sh\nulimit -n %s || exit 99\nexec "%s" "$@"\n' "$1" "$REAL_PROXY" >"$E2E_PROXY"
	chmod +x "$E2E_PROXY"
}

# Too low for any connection: refused at start, with the reason.
limited 20
"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --listen "tcp:127.0.0.1:$PROXY" \
	>"$E2E_TMP/low.err" 2>&1 </dev/null
rc=$?
[ $rc = 1 ] || e2e_fail "proxy with ulimit -n 20 and a TCP listener exited with $rc, expected 1"
grep -q "file descriptor limit 20 (hard 20) leaves room for [0-9]* TCP/TLS connections, fewer than 16; refusing to start" \
	"$E2E_TMP/low.err" || e2e_fail "no clear message for a descriptor limit too low: $(cat "$E2E_TMP/low.err")"

limited 64
e2e_start_proxy "$PROXY" --listen "tcp:127.0.0.1:$PROXY"
e2e_wait_tcp "$PROXY_PID" "$PROXY" proxy
grep -q "file descriptor limit 64 (hard 64) fits [1-9][0-9]* TCP/TLS connections: tcp.max_connections lowered from 4096 to [1-9][0-9]*" \
	"$E2E_TMP/proxy.log" || e2e_fail "no warning that tcp.max_connections was lowered"

python3 - "$PROXY" "$PROBE" "$PROXY_PID" "$E2E_TMP/proxy.log" >"$E2E_TMP/flood.out" 2>&1 <<'PY' ||
import os, socket, sys, time

port, probe_port, pid, logpath = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
tick = os.sysconf("SC_CLK_TCK")
failed = 0

def cpu():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick      # utime + stime

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", probe_port))
n_probe = 0

def probe(when):
    """An OPTIONS with Max-Forwards 0: the policy answers 483 itself."""
    global failed, n_probe
    n_probe += 1
    req = ("OPTIONS sip:x@127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-fd-%d;rport\r\n"
           "Max-Forwards: 0\r\nFrom: <sip:p@127.0.0.1>;tag=%d\r\nTo: <sip:x@127.0.0.1>\r\n"
           "Call-ID: fd-limit-%d\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
           % (port, probe_port, n_probe, n_probe, n_probe)).encode()
    udp.sendto(req, ("127.0.0.1", port))
    udp.settimeout(3.0)
    try:
        line = udp.recv(65535).split(b"\r\n", 1)[0]
    except socket.timeout:
        line = b"no answer"
    ok = line.startswith(b"SIP/2.0 483 ")
    failed += not ok
    print("%s UDP request %s: %s" % ("ok  " if ok else "FAIL", when, line.decode("latin-1")))

probe("before the flood")
lines_before = sum(1 for _ in open(logpath, "rb"))
cpu0, t0 = cpu(), time.monotonic()
clients = []
for i in range(400):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    clients.append(s)
time.sleep(1.0)
probe("during the flood")
# Clients the proxy closed come back, as a phone would.
for rnd in range(4):
    for i, s in enumerate(clients):
        try:
            if s.recv(1, socket.MSG_DONTWAIT) == b"":
                raise ConnectionResetError
        except BlockingIOError:
            continue
        except OSError:
            pass
        s.close()
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        clients[i] = s
    time.sleep(0.5)
probe("during the flood, later")
used, spent = cpu() - cpu0, time.monotonic() - t0
for s in clients:
    s.close()
time.sleep(0.5)
probe("after the flood")
lines = sum(1 for _ in open(logpath, "rb")) - lines_before
size = os.path.getsize(logpath)
print("proxy: %.2f s of CPU in %.1f s; %d log lines, log %d bytes" % (used, spent, lines, size))
if used > 0.25 * spent:
    print("FAIL the proxy used %.0f%% of a core" % (100 * used / spent))
    failed += 1
if lines > 200 or size > 64 * 1024:
    print("FAIL the log grew by %d lines" % lines)
    failed += 1
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/flood.out" >&2
	e2e_fail "the proxy did not hold up at its descriptor limit"
}
cat "$E2E_TMP/flood.out" >&2
grep -q "refusing 127.0.0.1$" "$E2E_TMP/proxy.log" ||
	e2e_fail "no connection was refused at tcp.max_connections"
e2e_expect_proxy_alive

# UDP only: the same low limit does not stop the proxy.
e2e_kill "$PROXY_PID"
mv "$E2E_TMP/proxy.log" "$E2E_TMP/flood.log"
limited 20
e2e_start_proxy "$PROXY"
e2e_expect_proxy_alive
