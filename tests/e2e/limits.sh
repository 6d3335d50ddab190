#!/bin/sh
# Limits a policy sets take effect (tests/e2e/limits.sip: 2048-byte
# messages, 24 headers, 2 TCP connections, 2 s TCP idle timeout), each with
# its log line: over UDP an oversized request gets 513 and one with too many
# headers 400; a third TCP connection is refused until one of the first two
# closes; quiet connections are closed; an oversized request over TCP gets
# 513. A setting out of range stops the proxy at start-up.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY TCP
e2e_build tests/e2e/limits.sip
e2e_start_proxy "$PROXY" --listen "tcp:127.0.0.1:$TCP" --log-level info
e2e_wait_tcp "$PROXY_PID" "$TCP" proxy

python3 - "$PROXY" "$TCP" >"$E2E_TMP/limits.out" 2>&1 <<'PY' ||
import socket, sys, time

udp_port, tcp_port = int(sys.argv[1]), int(sys.argv[2])
failed = 0

def check(name, cond, detail):
    global failed
    print("%s %s: %s" % ("ok  " if cond else "FAIL", name, detail))
    if not cond:
        failed += 1

def options(n, extra="", transport="UDP"):
    return ("OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n"
            "Via: SIP/2.0/%s 127.0.0.1:9;branch=z9hG4bK-lim-%d;rport\r\n"
            "Max-Forwards: 70\r\nFrom: <sip:p@127.0.0.1>;tag=l%d\r\n"
            "To: <sip:probe@127.0.0.1>\r\nCall-ID: lim-%d@127.0.0.1\r\n"
            "CSeq: 1 OPTIONS\r\n%sContent-Length: 0\r\n\r\n"
            % (transport, n, n, n, extra)).encode()

def status(data):
    return data.split(b"\r\n", 1)[0].decode("latin-1") if data else "(nothing)"

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
u.settimeout(3)
def udp(payload):
    u.sendto(payload, ("127.0.0.1", udp_port))
    try:
        return status(u.recv(65535))
    except socket.timeout:
        return "(no reply)"

r = udp(options(1))
check("small request", r == "SIP/2.0 200 OK", r)
r = udp(options(2, "X-Pad: %s\r\n" % ("x" * 2500)))
check("request over max_message_size", r.startswith("SIP/2.0 513 "), r)
r = udp(options(3, "".join("X-H%d: %d\r\n" % (i, i) for i in range(30))))
check("request over max_headers", r.startswith("SIP/2.0 400 "), r)
r = udp(options(4, "".join("X-H%d: %d\r\n" % (i, i) for i in range(10))))
check("request under max_headers", r == "SIP/2.0 200 OK", r)

def tcp_conn():
    s = socket.create_connection(("127.0.0.1", tcp_port), timeout=3)
    return s

def tcp_request(s, n, extra=""):
    s.sendall(options(n, extra, "TCP"))
    try:
        return status(s.recv(65535))
    except (socket.timeout, ConnectionError):
        return "(no reply)"

def closed_by_peer(s, within):
    s.settimeout(within)
    try:
        return s.recv(65535) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

c1, c2 = tcp_conn(), tcp_conn()
check("first connection", tcp_request(c1, 10) == "SIP/2.0 200 OK", "")
check("second connection", tcp_request(c2, 11) == "SIP/2.0 200 OK", "")
c3 = tcp_conn()
check("third connection refused", closed_by_peer(c3, 3), "closed by the proxy")
c1.close()
time.sleep(0.3)
c4 = tcp_conn()
r = tcp_request(c4, 12)
check("a connection again once one closed", r == "SIP/2.0 200 OK", r)
r = tcp_request(c4, 13, "X-Pad: %s\r\n" % ("x" * 2500))
check("TCP request over max_message_size", r.startswith("SIP/2.0 513 "), r)
# idle_timeout = 2: both are closed by the proxy, long before the default 120 s.
check("idle connection closed", closed_by_peer(c2, 10), "")
check("other idle connection closed", closed_by_peer(c4, 10), "")
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/limits.out" >&2
	e2e_fail "a limit did not hold"
}
cat "$E2E_TMP/limits.out" >&2
e2e_expect_proxy_alive

log=$E2E_TMP/proxy.log
for line in \
	"of [0-9]* bytes is over limits.max_message_size (2048); replying 513" \
	"has more than limits.max_headers (24) header lines; replying 400" \
	"2 connections open (tcp.max_connections); refusing 127.0.0.1$" \
	"idle for 2 s (tcp.idle_timeout); closing"; do
	grep -q "$line" "$log" || e2e_fail "no log line matching '$line'"
done

# Out of range: the proxy refuses to start and says which setting.
sed 's/max_connections = 2;/max_connections = 0;/' "$top_srcdir/tests/e2e/limits.sip" \
	>"$E2E_TMP/bad.sip"
"$SIPCC" build "$E2E_TMP/bad.sip" -o "$E2E_TMP/bad" >"$E2E_TMP/bad.build" 2>&1 ||
	e2e_fail "cannot build the out-of-range policy"
"$E2E_TMP/bad" --listen "udp:127.0.0.1:$PROXY" >"$E2E_TMP/bad.err" 2>&1 </dev/null &
bad=$!
e2e_track $bad
wait $bad
rc=$?
[ $rc = 1 ] || e2e_fail "proxy with tcp.max_connections = 0 exited with $rc, expected 1"
grep -q "setting tcp.max_connections = 0 is out of range (1..1048576)" "$E2E_TMP/bad.err" ||
	e2e_fail "no out-of-range message"
