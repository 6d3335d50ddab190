#!/bin/sh
# The database comes up frozen after the proxy started without it (the
# policy tests/e2e/drouting.sip on a PostgreSQL server the test starts,
# stops, starts again and freezes with SIGSTOP):
#  1. The proxy starts while the server is stopped, and serves: a call
#     that no rule covers (there are no tables yet) gets its 404 at once.
#  2. The server starts and is frozen before it is ready: bringing the schema up to
#     date and loading the tables (the proxy's start-up database work) now
#     wait for it on the database worker, and requests keep being answered
#     without delay meanwhile (each probe within 1.5 s, over 7 s: longer
#     than the longest reconnect backoff, 5 s, so a connection attempt made
#     by the event loop itself, which waits 3 s for a frozen server, would
#     show).
#  3. Thawed: the schema and the tables arrive by themselves and 4989123
#     is routed to its gateway.
# Skipped without the PostgreSQL server binaries or sipp.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_init
e2e_pg_start
e2e_ctl_init "$PG_URL"

e2e_ports GW1 PROXY UAC
ctl db init
ctl gw add 1 "sip:127.0.0.1:$GW1"
ctl rule add 1 49 1
eval "$PG_STOP" >>"$E2E_TMP/pg.out" 2>&1 || e2e_error "cannot stop PostgreSQL"

# probe SECONDS: INVITEs for a number no rule covers, one every 200 ms;
# fails when one is not answered 404 within 1.5 s.
probe() {
	python3 - "$PROXY" "$1" >>"$E2E_TMP/probe.out" 2>&1 <<'PY' || e2e_fail "probe: $(tail -3 "$E2E_TMP/probe.out")"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
end = time.monotonic() + float(sys.argv[2])
n, worst = 0, 0.0
while time.monotonic() < end:
    n += 1
    cid = "probe-%d-%f" % (n, time.time())
    msg = ("INVITE sip:3312345@127.0.0.1:%s SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:test@127.0.0.1>;tag=1\r\n"
           "To: <sip:3312345@127.0.0.1>\r\nCall-ID: %s\r\n"
           "CSeq: 1 INVITE\r\nContact: <sip:test@127.0.0.1:%d>\r\n"
           "Content-Length: 0\r\n\r\n") % (sys.argv[1], port, cid, cid, port)
    t0 = time.monotonic()
    s.sendto(msg.encode(), ("127.0.0.1", int(sys.argv[1])))
    s.settimeout(1.5)
    while True:
        try:
            data = s.recv(65535).decode("latin-1")
        except socket.timeout:
            print("probe %d: no answer within 1.5 s" % n)
            sys.exit(1)
        if cid in data and not data.startswith("SIP/2.0 1"):
            break
    dt = time.monotonic() - t0
    worst = max(worst, dt)
    if not data.startswith("SIP/2.0 404 "):
        print("probe %d: %s" % (n, data.split("\r\n", 1)[0]))
        sys.exit(1)
    time.sleep(0.2)
print("%d probes, slowest answer %.0f ms" % (n, worst * 1000))
PY
}

# 1. Without the database.
e2e_build tests/e2e/drouting.sip
E2E_LOG_LEVEL=debug
e2e_start_proxy "$PROXY" --db "$DB"
probe 1

# 2. The server comes up frozen: started without waiting for it, and its
# postmaster stopped as soon as postmaster.pid names its TCP socket (line
# 6), before it can have finished starting up. A frozen postmaster accepts
# no connection, so the proxy cannot have brought the schema up to date
# between the start and the freeze (the kernel still completes the
# proxy's TCP handshake: a server that is there and does not answer).
pg_nowait=$(printf '%s' "$PG_START" | sed 's/ -w -t 30 / -W /')
python3 - "$pg_data/postmaster.pid" "$pg_nowait" >>"$E2E_TMP/pg.out" 2>&1 <<'PY' ||
import os, signal, subprocess, sys, time
pidfile, cmd = sys.argv[1], sys.argv[2]
subprocess.Popen(["sh", "-c", cmd])
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        with open(pidfile) as f:
            lines = f.read().split("\n")
    except OSError:
        lines = []
    if len(lines) > 6 and lines[0].strip() and lines[5].strip():
        os.kill(int(lines[0]), signal.SIGSTOP)
        print("postmaster %s frozen listening on %s" % (lines[0], lines[5]))
        sys.exit(0)
    time.sleep(0.0005)
print("postmaster.pid did not name a TCP socket within 30 s")
sys.exit(1)
PY
	e2e_error "cannot start PostgreSQL again: $(tail -3 "$E2E_TMP/pg.out")"
e2e_pg_signal STOP || e2e_error "cannot find the PostgreSQL processes"
probe 7
e2e_log "$(tail -1 "$E2E_TMP/probe.out")"
grep -q "database ready" "$E2E_TMP/proxy.log" &&
	e2e_fail "the schema was reported ready while the database was frozen"
e2e_expect_proxy_alive

# 3. Thawed: schema and tables arrive by themselves.
e2e_pg_signal CONT
e2e_wait_log "drouting: 1 gateways, 1 rules" 30 "the tables were not loaded within 30 s of the thaw"
grep -q "database ready" "$E2E_TMP/proxy.log" || e2e_fail "no 'database ready' in the log"
sed -e "s|@RURI@|sip:4989123@127[.]0[.]0[.]1:$GW1|" -e "/@ANSWER@/r $E2E_SRC/dr_answer_200.xml" \
	-e "/@ANSWER@/d" "$E2E_SRC/dr_uas.xml" >"$E2E_TMP/gw1.xml"
e2e_sipp gw1 -sf "$E2E_TMP/gw1.xml" -i 127.0.0.1 -p "$GW1" -m 1 -timeout 30s
e2e_wait_sipp_up gw1 "$GW1"
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s 4989123 \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error
e2e_expect_calls uac 1
e2e_sipp_wait gw1
e2e_expect_calls gw1 1
e2e_expect_proxy_alive
