#!/bin/sh
# Rate-limit pipes and the ban list by hand (tests/e2e/ratelimit.sip;
# bursts of OPTIONS from tests/e2e/sip_flood, one pipe per user name):
#  1. TAILDROP (10/s): of 50 requests in 50 ms, 10 pass (20 when the burst
#     spans the start of a second), the rest get 503; "rl status td" counts
#     exactly what the sender saw;
#  2. TOKEN_BUCKET (ratelimit.algorithm, 10/s): a burst takes the bucket's
#     10 tokens, a second later 5 requests pass again;
#  3. RED (20/s): 100 a second for 3 s: about 20 a second pass, after
#     the start of the first second;
#  4. a pipe per source address ("src:" + $si): two addresses, 5 each;
#     a limit of 0 refuses everything; rl status lists every pipe and the
#     statistics add up; an unknown pipe is an error;
#  5. ban add IP: a connection open from 127.0.0.3 is closed; nothing
#     from it is answered (UDP, and a new TCP connection is closed at
#     once) while 127.0.0.1 is; ban list shows it
#     (by ctl, no end, the drops); ban rm lifts it; ban add IP 2 ends by
#     itself after 2 seconds; bad arguments are refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
FLOOD=$top_builddir/tests/e2e/sip_flood
[ -x "$FLOOD" ] || e2e_error "tests/e2e/sip_flood not built (make check builds it)"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
e2e_ports PROXY
SOCK=$E2E_TMP/sipcc.ctl
PEER="python3 $E2E_SRC/sip_peer.py"

ctl() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl --ctl $* failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
}

# burst NAME USER SRC RATE COUNT: sip_flood's counts as NAME_sent,
# NAME_r200, NAME_r503, NAME_rother.
burst() {
	"$FLOOD" --src "$3" --dst "127.0.0.1:$PROXY" --user "$2" --rate "$4" --count "$5" \
		--wait 300 >"$E2E_TMP/$1.out" 2>&1 || e2e_fail "sip_flood failed: $(cat "$E2E_TMP/$1.out")"
	for kv in $(cat "$E2E_TMP/$1.out"); do
		case $kv in
		sent=*|r200=*|r503=*|rother=*) eval "$1_$kv" ;;
		esac
	done
	eval "e2e_log \"$1: $5 sent from $3 to $2: \$$1_r200 passed, \$$1_r503 refused\""
	eval "[ \$$1_sent = $5 ] && [ \$$1_rother = 0 ] && [ \$(( \$$1_r200 + \$$1_r503 )) = $5 ]" ||
		e2e_fail "$1: every request must get 200 or 503: $(cat "$E2E_TMP/$1.out")"
}

# in_range VALUE LO HI WHAT
in_range() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ] || e2e_fail "$4: $1, expected $2..$3"
}

# pipe NAME PASSED REFUSED ALGORITHM LIMIT: rl status NAME says so.
pipe() {
	ctl rl status "$1"
	python3 - "$E2E_TMP/ctl.json" "$@" <<'PY' || e2e_fail "rl status $1: $(cat "$E2E_TMP/ctl.json")"
import json, sys
p = json.load(open(sys.argv[1]))["pipes"]
assert len(p) == 1, p
p = p[0]
name, passed, refused, algo, limit = sys.argv[2:]
assert (p["name"], p["passed"], p["refused"], p["algorithm"], p["limit"]) == \
    (name, int(passed), int(refused), algo, int(limit)), p
PY
}

e2e_build tests/e2e/ratelimit.sip
e2e_start_proxy "$PROXY" --listen "tcp:127.0.0.1:$PROXY" --ctl "$SOCK"

# 1. TAILDROP.
burst td td 127.0.0.1 1000 50
in_range "$td_r200" 10 20 "TAILDROP 10/s: requests passed of 50 in 50 ms"
pipe td "$td_r200" "$td_r503" TAILDROP 10

# 2. TOKEN_BUCKET, the default algorithm: the bucket's 10 (and a token
#    more if 100 ms went by), then 5 of 5 a second later.
burst tb tb 127.0.0.1 1000 30
# 10, and one token per 100 ms the burst took (a busy machine may stretch
# it): from the sender's own measure of its duration, with 200 ms to spare.
tb_ms=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$E2E_TMP/tb.out" | awk '{ printf "%d", $1 * 1000 }')
in_range "$tb_r200" 10 $((10 + (tb_ms + 200) / 100)) "TOKEN_BUCKET 10/s: requests passed of 30 in $tb_ms ms"
sleep 1
burst tb2 tb 127.0.0.1 1000 5
in_range "$tb2_r200" 5 5 "TOKEN_BUCKET 10/s: requests passed of 5 after a second"
pipe tb $((tb_r200 + tb2_r200)) $((tb_r503 + tb2_r503)) TOKEN_BUCKET 10

# 3. RED: 300 at 100 a second.
burst red red 127.0.0.1 100 300
# Expected about 92: the first 20 pass, then each with probability 20/r
# while the first second's count r grows to 100 (20 ln 5, 32 more), then
# 20 a second; binomial, so the range is four standard deviations wide.
# Without a limit all 300 would pass.
in_range "$red_r200" 55 130 "RED 20/s: requests passed of 100/s for 3 s"
pipe red "$red_r200" "$red_r503" RED 20

# 4. A pipe per source; a closed pipe; the listing and the statistics.
burst src2 src 127.0.0.2 1000 20
burst src3 src 127.0.0.3 1000 20
in_range "$src2_r200" 5 10 "per-source pipe of 127.0.0.2"
in_range "$src3_r200" 5 10 "per-source pipe of 127.0.0.3"
pipe src:127.0.0.2 "$src2_r200" "$src2_r503" TOKEN_BUCKET 5
pipe src:127.0.0.3 "$src3_r200" "$src3_r503" TOKEN_BUCKET 5
burst closed closed 127.0.0.1 1000 10
[ "$closed_r200" = 0 ] || e2e_fail "a pipe of limit 0 let $closed_r200 requests pass"
ctl rl status
passed=$((td_r200 + tb_r200 + tb2_r200 + red_r200 + src2_r200 + src3_r200))
refused=$((td_r503 + tb_r503 + tb2_r503 + red_r503 + src2_r503 + src3_r503 + 10))
python3 - "$E2E_TMP/ctl.json" "$passed" "$refused" <<'PY' || e2e_fail "rl status: $(cat "$E2E_TMP/ctl.json")"
import json, sys
r = json.load(open(sys.argv[1]))
names = [p["name"] for p in r["pipes"]]
# Most recently checked first.
assert names == ["closed", "src:127.0.0.3", "src:127.0.0.2", "red", "tb", "td"], names
assert (r["passed"], r["refused"]) == (int(sys.argv[2]), int(sys.argv[3])), r
PY
ctl stats ratelimit.
grep -q "\"ratelimit.pipes\":6,\"ratelimit.passed\":$passed,\"ratelimit.refused\":$refused" \
	"$E2E_TMP/ctl.json" || e2e_fail "ratelimit statistics: $(cat "$E2E_TMP/ctl.json")"
"$CTL" --ctl "$SOCK" rl status nosuch >"$E2E_TMP/ctl.json" 2>&1
[ $? = 1 ] || e2e_fail "rl status of an unknown pipe did not exit 1"

# 5. The ban list by hand.
ok_from() {
	$PEER "$PROXY" OPTIONS "sip:ok@127.0.0.1:$PROXY" --source-addr "$1" $2 --expect 200 \
		>"$E2E_TMP/peer.out" 2>&1 || e2e_fail "$1 $2 not answered: $(cat "$E2E_TMP/peer.out")"
}
silent_from() {
	$PEER "$PROXY" OPTIONS "sip:ok@127.0.0.1:$PROXY" --source-addr "$1" $2 --timeout 1 \
		>"$E2E_TMP/peer.out" 2>&1 && e2e_fail "banned $1 $2 was answered"
	return 0
}
ok_from 127.0.0.3
# A connection open from 127.0.0.3 is closed when the address is banned.
python3 - "$PROXY" "$CTL" "$SOCK" <<'PY' >"$E2E_TMP/conn.out" 2>&1 || e2e_fail "ban add: $(cat "$E2E_TMP/conn.out")"
import socket, subprocess, sys, time
port, ctl, sock = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket()
s.bind(("127.0.0.3", 0))
s.connect(("127.0.0.1", port))
me = "127.0.0.3:%d" % s.getsockname()[1]
s.sendall(("OPTIONS sip:ok@127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bKconn1\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:c@127.0.0.3>;tag=c1\r\nTo: <sip:ok@127.0.0.1>\r\n"
           "Call-ID: conn1@127.0.0.3\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
           % (port, me)).encode())
s.settimeout(3)
assert s.recv(4096).startswith(b"SIP/2.0 200"), "no 200 on the connection"
subprocess.check_call([ctl, "--ctl", sock, "ban", "add", "127.0.0.3"], stdout=subprocess.DEVNULL)
try:
    data = s.recv(4096)
except ConnectionResetError:
    data = b""
assert data == b"", "the connection stayed open: %r" % data
PY
silent_from 127.0.0.3
silent_from 127.0.0.3 --tcp
ok_from 127.0.0.1
ok_from 127.0.0.1 --tcp
ctl ban list
python3 - "$E2E_TMP/ctl.json" <<'PY' || e2e_fail "ban list: $(cat "$E2E_TMP/ctl.json")"
import json, sys
b = json.load(open(sys.argv[1]))["bans"]
assert len(b) == 1 and b[0]["ip"] == "127.0.0.3" and b[0]["by"] == "ctl", b
assert b[0]["expires_s"] is None and b[0]["dropped"] >= 2, b
PY
ctl ban rm 127.0.0.3
ok_from 127.0.0.3
ok_from 127.0.0.3 --tcp
# A ban for 2 seconds ends by itself.
ctl ban add 127.0.0.3 2
silent_from 127.0.0.3
$PEER "$PROXY" OPTIONS "sip:ok@127.0.0.1:$PROXY" --source-addr 127.0.0.3 --until 200 \
	--timeout 6 >"$E2E_TMP/peer.out" 2>&1 || e2e_fail "the 2-second ban did not end"
ctl ban list
grep -q '"bans":\[\]' "$E2E_TMP/ctl.json" || e2e_fail "ban list not empty: $(cat "$E2E_TMP/ctl.json")"
for bad in "ban add nonsense" "ban add 127.0.0.3 0" "ban add 127.0.0.3 -5" "ban add 127.0.0.0/8" \
	   "ban rm 127.0.0.9" "ban add"; do
	"$CTL" --ctl "$SOCK" $bad >"$E2E_TMP/ctl.json" 2>&1
	[ $? = 1 ] || e2e_fail "sipcc-ctl --ctl $bad did not exit 1: $(cat "$E2E_TMP/ctl.json")"
done
ctl ban add ::1 60
grep -q '"ip":"::1","expires_s":60' "$E2E_TMP/ctl.json" || e2e_fail "ban add ::1: $(cat "$E2E_TMP/ctl.json")"
ctl ban rm ::1
ok_from 127.0.0.1
e2e_expect_proxy_alive
