#!/bin/sh
# Monitoring and run-time control through the control socket (--ctl) with
# sipcc-ctl --ctl, against tests/e2e/ctl.sip:
#  1. the socket is made 0600; the counters start at 0; an open TCP
#     connection is counted;
#  2. a sipp REGISTER shows up in "ul show" and in usrloc.contacts;
#  3. after 10 sipp calls, "stats" counts 10 INVITEs, ACKs and BYEs
#     received, 30 requests relayed, the replies of the callee by class,
#     and the policy's own counter; $stat() in the policy sees the same;
#  4. "ul rm" removes the binding: the next INVITE gets 404, counted as a
#     local 4xx reply;
#  5. "log level debug" makes the running proxy log debug lines;
#  6. garbage on the socket gets an error line and is closed, a bad
#     command gets an error and sipcc-ctl exits 1, and the proxy goes on
#     serving calls and control clients; a malformed request is counted
#     in core.err_requests and as a local 4xx;
#  7. 24 clients at once: 16 are served, the rest told "too many" and
#     closed; afterwards a new client is served again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
SOCK=$E2E_TMP/sipcc.ctl

e2e_ports UAS PROXY UAC
e2e_build tests/e2e/ctl.sip
e2e_start_proxy "$PROXY" --db "sqlite:$E2E_TMP/sipcc.db" --ctl "$SOCK" \
	--listen "tcp:127.0.0.1:$PROXY"

# ctl COMMAND...: the reply of sipcc-ctl --ctl in $E2E_TMP/ctl.json; fails
# unless it is ok.
ctl() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl --ctl $* failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
}
# getstat NAME: one statistic, read through the socket.
getstat() {
	ctl stats "$1"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], "missing"))' "$E2E_TMP/ctl.json" "$1"
}
expect_stat() {  # NAME VALUE
	v=$(getstat "$1")
	[ "$v" = "$2" ] || e2e_fail "$1 is $v, expected $2"
}

# 1. The socket and the counters at start.
[ -S "$SOCK" ] || e2e_fail "no control socket $SOCK"
perm=$(stat -c %a "$SOCK" 2>/dev/null || true)
[ "$perm" = 600 ] || e2e_fail "control socket has mode $perm, expected 600"
expect_stat core.rcv_requests_invite 0
expect_stat usrloc.contacts 0
# A TCP connection is counted while it is open.
python3 - "$PROXY" "$CTL" "$SOCK" <<'PY' || e2e_fail "net.tcp_connections while connected"
import json, socket, subprocess, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for _ in range(50):
    r = json.loads(subprocess.check_output([sys.argv[2], "--ctl", sys.argv[3], "stats", "net."]))
    if r["stats"]["net.tcp_connections"] == 1:
        break
    time.sleep(0.1)
st = r["stats"]
assert st["net.tcp_connections"] == 1 and st["net.stream_connections"] == 1, st
assert st["net.tls_connections"] == 0 and st["net.ws_connections"] == 0, st
PY
ctl version
grep -q '"version":"' "$E2E_TMP/ctl.json" || e2e_fail "no version: $(cat "$E2E_TMP/ctl.json")"
ctl uptime
grep -q '"uptime_s":' "$E2E_TMP/ctl.json" || e2e_fail "no uptime: $(cat "$E2E_TMP/ctl.json")"

# 2. A registration.
e2e_sipp_run reg -sf "$E2E_SRC/reg_plain.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s bob -key contact_port "$UAS" -m 1 -timeout 10s -timeout_error
e2e_expect_calls reg 1
ctl ul show
python3 - "$E2E_TMP/ctl.json" "$UAS" <<'PY' || e2e_fail "ul show: $(cat "$E2E_TMP/ctl.json")"
import json, sys
r = json.load(open(sys.argv[1]))
aors = {a["aor"]: a["contacts"] for a in r["aors"]}
c = aors["bob@127.0.0.1"]
assert len(c) == 1 and c[0]["contact"] == "sip:bob@127.0.0.1:%s" % sys.argv[2], c
assert 3500 < c[0]["expires"] <= 3600, c
PY
ctl ul show sip:bob@127.0.0.1
grep -q "\"contact\":\"sip:bob@127.0.0.1:$UAS\"" "$E2E_TMP/ctl.json" || e2e_fail "ul show AOR: $(cat "$E2E_TMP/ctl.json")"
expect_stat usrloc.contacts 1
expect_stat usrloc.aors 1

# 3. Ten calls through the proxy to bob's contact.
e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m 10 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sn uac "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s bob -m 10 -r 20 \
	-timeout 30s -timeout_error
e2e_expect_calls uac 10
e2e_sipp_wait uas
e2e_expect_calls uas 10
expect_stat core.rcv_requests_invite 10
expect_stat core.rcv_requests_ack 10
expect_stat core.rcv_requests_bye 10
expect_stat core.rcv_requests_register 1
expect_stat core.fwd_requests 30
expect_stat core.rcv_replies_1xx 10
expect_stat core.rcv_replies_2xx 20
expect_stat core.local_replies_2xx 1
expect_stat core.local_replies_4xx 0
expect_stat policy.routed 31
expect_stat core.drop_requests 0
expect_stat tm.transactions_created 41   # REGISTER; INVITE and BYE, server and client
expect_stat dialog.active missing    # the policy tracks no dialogs
ctl stats core.
python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["stats"]
assert s and all(k.startswith("core.") for k in s), s' "$E2E_TMP/ctl.json" ||
	e2e_fail "stats core. lists other groups: $(cat "$E2E_TMP/ctl.json")"

# sip.py METHOD: send one request to the proxy, print the final reply's
# status line.
cat >"$E2E_TMP/sip.py" <<'PY'
import socket, sys
method, port, ruri = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(5)
lp = s.getsockname()[1]
if method == "REPLY":   # a stray response the proxy must drop
    msg = ("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKstray\r\n"
           "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\n"
           "Call-ID: stray@127.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n" % lp)
    s.sendto(msg.encode(), ("127.0.0.1", port))
    sys.exit(0)
if method == "BAD":     # no From, To, Call-ID or CSeq: 400
    msg = ("OPTIONS %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKbad\r\n"
           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (ruri, lp))
    s.sendto(msg.encode(), ("127.0.0.1", port))
    print(s.recv(65535).decode(errors="replace").split("\r\n", 1)[0].split(" ", 2)[1])
    sys.exit(0)
msg = ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s%d\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a%d\r\nTo: <%s>\r\n"
       "Call-ID: %s%d@127.0.0.1\r\nCSeq: 1 %s\r\nContact: <sip:alice@127.0.0.1:%d>\r\n"
       "Content-Length: 0\r\n\r\n" % (method, ruri, lp, method, lp, lp, ruri, method, lp,
                                      method, lp))
s.sendto(msg.encode(), ("127.0.0.1", port))
while True:
    data = s.recv(65535).decode(errors="replace")
    line = data.split("\r\n", 1)[0]
    code = int(line.split()[1])
    if code >= 200:
        if method == "INVITE":
            to = [h for h in data.split("\r\n") if h.lower().startswith("to:")][0]
            ack = ("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s%d\r\n"
                   "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=a%d\r\n%s\r\n"
                   "Call-ID: %s%d@127.0.0.1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                   % (ruri, lp, method, lp, lp, to, method, lp))
            s.sendto(ack.encode(), ("127.0.0.1", port))
        print(line)
        break
PY
sip() { python3 "$E2E_TMP/sip.py" "$1" "$PROXY" "${2:-sip:bob@127.0.0.1}"; }

# $stat() in the policy: OPTIONS is answered with the counters it reads.
r=$(sip OPTIONS) || e2e_fail "no reply to OPTIONS"
[ "$r" = "SIP/2.0 200 routed 32 invites 10" ] || e2e_fail "OPTIONS got '$r'"

# 4. ul rm: bob is gone, his next call gets 404.
ctl ul rm bob@127.0.0.1
grep -q '"removed":"bob@127.0.0.1"' "$E2E_TMP/ctl.json" || e2e_fail "ul rm: $(cat "$E2E_TMP/ctl.json")"
ctl ul show
grep -q '"aors":\[\]' "$E2E_TMP/ctl.json" || e2e_fail "still registered: $(cat "$E2E_TMP/ctl.json")"
expect_stat usrloc.contacts 0
"$CTL" --ctl "$SOCK" ul rm bob@127.0.0.1 >"$E2E_TMP/ctl.json" 2>&1 &&
	e2e_fail "a second ul rm succeeded"
grep -q '"ok":false' "$E2E_TMP/ctl.json" || e2e_fail "ul rm of nobody: $(cat "$E2E_TMP/ctl.json")"
r=$(sip INVITE) || e2e_fail "no reply to the INVITE"
[ "$r" = "SIP/2.0 404 Not Found" ] || e2e_fail "INVITE after ul rm got '$r'"
expect_stat core.local_replies_4xx 1

# 5. The log level, changed at run time.
sip REPLY
sleep 0.3
grep -q '^debug:' "$E2E_TMP/proxy.log" && e2e_fail "debug lines before log level debug"
ctl log level debug
grep -q '"level":"debug"' "$E2E_TMP/ctl.json" || e2e_fail "log level: $(cat "$E2E_TMP/ctl.json")"
sip REPLY
e2e_wait_log '^debug: dropping 200 reply' 5 "no debug line after log level debug"
expect_stat core.drop_replies 2
ctl log level notice

# 6. Garbage and bad commands.
python3 - "$SOCK" <<'PY' || e2e_fail "garbage on the control socket was not refused"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\n")
data = b""
while True:
    k = s.recv(4096)
    if not k:
        break
    data += k
assert data == b'{"ok":false,"error":"not a text line"}\n', data
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b"x" * 5000)
data = b""
while True:
    k = s.recv(4096)
    if not k:
        break
    data += k
assert data == b'{"ok":false,"error":"line too long"}\n', data
PY
"$CTL" --ctl "$SOCK" frobnicate >"$E2E_TMP/ctl.json" 2>&1
[ $? -eq 1 ] || e2e_fail "sipcc-ctl --ctl frobnicate did not exit 1"
grep -q '"error":"unknown command' "$E2E_TMP/ctl.json" || e2e_fail "bad command: $(cat "$E2E_TMP/ctl.json")"
"$CTL" --ctl "$E2E_TMP/nothing.ctl" stats >/dev/null 2>&1
[ $? -eq 3 ] || e2e_fail "sipcc-ctl --ctl to a missing socket did not exit 3"
expect_stat core.err_requests 0
r=$(sip BAD) || e2e_fail "no reply to a malformed OPTIONS"
[ "$r" = 400 ] || e2e_fail "a malformed OPTIONS got $r"
expect_stat core.err_requests 1
expect_stat core.local_replies_4xx 2
e2e_expect_proxy_alive
r=$(sip OPTIONS) || e2e_fail "no reply to OPTIONS after garbage"
case $r in "SIP/2.0 200 routed "*) ;; *) e2e_fail "OPTIONS after garbage got '$r'" ;; esac

# 7. Many clients at once: PROXY_CTL_MAX_CLIENTS (16) are served.
python3 - "$SOCK" <<'PY' >"$E2E_TMP/many.out" || e2e_fail "many clients: $(cat "$E2E_TMP/many.out")"
import json, socket, sys, time
socks = []
for _ in range(24):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sys.argv[1])
    socks.append(s)
    time.sleep(0.01)
served = refused = 0
for s in socks:
    try:
        s.sendall(b"uptime\n")
    except OSError:
        pass
    data = b""
    while not data.endswith(b"\n"):
        try:
            k = s.recv(4096)
        except OSError:
            k = b""
        if not k:
            break
        data += k
    r = json.loads(data)
    if r["ok"]:
        served += 1
    else:
        assert r["error"] == "too many control clients", r
        refused += 1
print(served, refused)
assert (served, refused) == (16, 8), (served, refused)
PY
sleep 0.3
ctl stats core.rcv_requests
expect_stat usrloc.contacts 0
e2e_expect_proxy_alive
