#!/bin/sh
# The policy's HTTP client on two workers (tests/e2e/workers_http.sip,
# --workers 2) against a real HTTP server (tests/e2e/http_server.py) that
# answers after 1 s, with requests from four source ports and a Call-ID
# each, so that both workers own some and read some:
#  1. 24 requests at once (http.max_requests): every one is resumed with
#     the service's answer, all within ~1 s of each other (no worker
#     waits for another's transfers), and OPTIONS are answered at once
#     meanwhile;
#  2. 32 requests at once: exactly 24 get the service's answer and 8 are
#     refused at once: the limit counts the transfers of both workers;
#  3. messages went from one worker to the other (core.handoff_messages)
#     and the statistics add up (http.requests, http.answered).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
e2e_ports PROXY HTTP
SOCK=$E2E_TMP/ctl.sock
python3 "$E2E_SRC/http_server.py" "$HTTP" >"$E2E_TMP/http.out" 2>"$E2E_TMP/http.log" &
e2e_track $!
e2e_wait_tcp $! "$HTTP" "the HTTP server"
e2e_build tests/e2e/workers_http.sip -D HTTP="http://127.0.0.1:$HTTP"
e2e_start_proxy "$PROXY" --workers 2 --ctl "$SOCK"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

# burst NAME N OK BUSY: N MESSAGEs to slow1 at once from 4 sockets; OK of
# them must get "200 Slow allowed" and BUSY "500 Busy -3" (at once).
burst() {
	python3 - "$PROXY" "$2" "$3" "$4" "$1" >"$E2E_TMP/$1.out" 2>&1 <<'PY' ||
import select, socket, sys, time
port, n, want_ok, want_busy, tag = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5]
socks = []
for _ in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
def req(s, method, user, i):
    me = s.getsockname()[1]
    return ("%s sip:%s@127.0.0.1 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s-%s-%d\r\n"
            "From: <sip:load@127.0.0.1>;tag=%d\r\nTo: <sip:%s@127.0.0.1>\r\n"
            "Call-ID: %s-%s-%d\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (method, user, me, tag, method, i, i, user, tag, method, i, method)).encode()
t0 = time.time()
for i in range(n):
    s = socks[i % 4]
    s.sendto(req(s, "MESSAGE", "slow1", i), ("127.0.0.1", port))
time.sleep(0.2)
for i in range(4):
    socks[i].sendto(req(socks[i], "OPTIONS", "ping", i), ("127.0.0.1", port))
ok, busy, opts, slowest_opt, busy_at, ok_at = 0, 0, 0, 0.0, [], []
while ok + busy < n or opts < 4:
    r, _, _ = select.select(socks, [], [], 6.0)
    if not r:
        print("only %d + %d of %d answered, %d OPTIONS" % (ok, busy, n, opts)); sys.exit(1)
    for s in r:
        data = s.recv(4096).decode()
        line = data.split("\r\n", 1)[0]
        dt = time.time() - t0
        if " OPTIONS" in data.split("CSeq:", 1)[1].split("\r\n", 1)[0]:
            opts += 1
            slowest_opt = max(slowest_opt, dt - 0.2)
            if not line.startswith("SIP/2.0 200"):
                print("OPTIONS: " + line); sys.exit(1)
        elif line.startswith("SIP/2.0 1"):
            continue
        elif line == "SIP/2.0 200 Slow allowed":
            ok += 1
            ok_at.append(dt)
        elif line == "SIP/2.0 500 Busy -3":
            busy += 1
            busy_at.append(dt)
        else:
            print("unexpected: " + line); sys.exit(1)
print("%d answered (%.2f..%.2f s), %d refused (by %.2f s), OPTIONS within %.2f s" %
      (ok, min(ok_at or [0]), max(ok_at or [0]), busy, max(busy_at or [0]), slowest_opt))
if (ok, busy) != (want_ok, want_busy):
    print("want %d answered and %d refused" % (want_ok, want_busy)); sys.exit(1)
# Served one after the other, or one worker after the other, they would
# take far longer; the refused ones are refused at once; OPTIONS wait for
# nothing.
if max(ok_at) > 4.0 or max(ok_at) - min(ok_at) > 2.0 or max(busy_at or [0]) > 0.9 or slowest_opt > 0.9:
    sys.exit(1)
PY
	e2e_fail "$1: $(cat "$E2E_TMP/$1.out")"
	e2e_log "$1: $(cat "$E2E_TMP/$1.out")"
}

stat() {
	"$CTL" --ctl "$SOCK" stats "$1" >"$E2E_TMP/ctl.json" 2>&1 ||
		e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"][sys.argv[2]])' "$E2E_TMP/ctl.json" "$1"
}

# 1.
burst all 24 24 0
# 2.
burst limit 32 24 8
# 3.
n=$(grep -c '"GET /slow?s=1 HTTP/1.1" 200' "$E2E_TMP/http.log")
[ "$n" = 48 ] || e2e_fail "the service was asked $n times, expected 48"
[ "$(stat http.requests)" = 48 ] || e2e_fail "http.requests is $(stat http.requests), expected 48"
[ "$(stat http.answered)" = 48 ] || e2e_fail "http.answered is $(stat http.answered), expected 48"
handed=$(stat core.handoff_messages)
e2e_log "$handed messages handed to the other worker"
[ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other"
e2e_expect_proxy_alive
