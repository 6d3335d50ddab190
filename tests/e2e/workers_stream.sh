#!/bin/sh
# Stream transports with two workers (--workers 2). The connections stay
# on worker 0, which reads them and hands each message to the worker that
# owns its call; what the other worker sends over a connection is posted
# back to worker 0. Each part runs calls from several clients, so that
# both workers own some, and checks that every call completes, that no
# caller sees a 180 after the 200 (uac_rr.xml takes a 180 only before
# it), and that messages went from one worker to the other
# (core.handoff_messages).
#  1. TCP in, TCP out: three sipp callers over TCP (one connection each,
#     -t t1, or one per call, -t tn) and one over UDP, through
#     examples/minimal.sip to a sipp callee over TCP (;transport=tcp).
#  2. TCP in, UDP out: two sipp callers over TCP to a sipp callee on UDP.
#  3. TLS between two proxies of two workers each (sipp has no TLS, as in
#     tls.sh): sipp (UDP) -> proxy A -> TLS -> proxy B -> sipp (UDP).
#  4. WebSocket callers (ws_peer.py, as in ws.sh) to a sipp callee on UDP.
#  5. A callee over TCP that goes away between the ACK and the BYE: its
#     connection is closed, nothing listens on its port any more, and
#     the BYE of every call gets the proxy's 500, with one worker and with
#     two (where the worker that owns the BYE learns from worker 0 that
#     it could not be sent).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_plain_pass_only "tcp.sh, tls.sh, ws.sh run on several workers under the sanitizers"

CALLS=${E2E_WORKERS_STREAM_CALLS:-150}     # per caller
RATE=${E2E_WORKERS_STREAM_RATE:-50}        # per caller

e2e_init sipp python3 openssl curl
# Each server and client has a port of its own: none is reused by a later
# part (a TCP port may still be in TIME_WAIT).
e2e_ports UAS PROXY M1 C1 C2 C3 C4 UAS2 PROXY2 M2 D1 D2 A B MA MB UAS3 T1 T2 \
	UAS4 PROXY4 WS M4 UAS5 UAS6 PROXY5 PROXY6 M5 M6 G1 G2

# metric PORT NAME: a value from the proxy's /metrics on 127.0.0.1:PORT.
metric() {
	curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

# expect_handed NAME PORT: the proxy behind /metrics on PORT handed
# messages from one worker to the other.
expect_handed() {
	handed=$(metric "$2" sipcc_core_handoff_messages_total)
	e2e_log "$1: $handed messages handed to the other worker"
	[ -n "$handed" ] && [ "$handed" -gt 0 ] ||
		e2e_fail "$1: no message went from one worker to the other ($handed)"
}

# no_late_180 NAME...: no sipp caller saw a 180 it did not expect.
no_late_180() {
	for c in "$@"; do
		[ -s "$E2E_TMP/$c.err" ] && grep -q "180" "$E2E_TMP/$c.err" &&
			e2e_fail "caller $c saw a 180 it did not expect (after the 200?)"
	done
	return 0
}

# 1. TCP to TCP, and UDP to TCP.
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS;transport=tcp"
e2e_start_proxy "$PROXY" --listen "tcp:127.0.0.1:$PROXY" --workers 2 \
	--metrics "127.0.0.1:$M1"
e2e_wait_tcp "$PROXY_PID" "$PROXY" proxy
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers with a tcp listener"
TOTAL=$((4 * CALLS))
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -t t1 -i 127.0.0.1 -p "$UAS" -m "$TOTAL" -timeout 90s
eval "e2e_wait_tcp \$SIPP_PID_uas $UAS 'sipp uas'"
e2e_sipp c1 -sf "$E2E_SRC/uac_rr.xml" -t t1 "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$C1" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
e2e_sipp c2 -sf "$E2E_SRC/uac_rr.xml" -t tn -max_socket 1000 "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$C2" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
e2e_sipp c3 -sf "$E2E_SRC/uac_rr.xml" -t t1 "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$C3" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
e2e_sipp c4 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$C4" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
for c in c1 c2 c3 c4; do
	e2e_sipp_wait "$c"
	e2e_expect_calls "$c" "$CALLS"
done
no_late_180 c1 c2 c3 c4
e2e_sipp_wait uas
e2e_expect_calls uas "$TOTAL"
expect_handed "tcp" "$M1"
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"

# 2. TCP to UDP.
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS2"
e2e_start_proxy "$PROXY2" --listen "tcp:127.0.0.1:$PROXY2" --workers 2 \
	--metrics "127.0.0.1:$M2"
e2e_wait_tcp "$PROXY_PID" "$PROXY2" proxy
TOTAL=$((2 * CALLS))
e2e_sipp uas2 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS2" -m "$TOTAL" -timeout 90s
e2e_wait_sipp_up uas2 "$UAS2"
e2e_sipp d1 -sf "$E2E_SRC/uac_rr.xml" -t tn -max_socket 1000 "127.0.0.1:$PROXY2" -i 127.0.0.1 -p "$D1" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
e2e_sipp d2 -sf "$E2E_SRC/uac_rr.xml" -t t1 "127.0.0.1:$PROXY2" -i 127.0.0.1 -p "$D2" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
for c in d1 d2; do
	e2e_sipp_wait "$c"
	e2e_expect_calls "$c" "$CALLS"
done
no_late_180 d1 d2
e2e_sipp_wait uas2
e2e_expect_calls uas2 "$TOTAL"
expect_handed "tcp to udp" "$M2"
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"

# 3. TLS between two proxies.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sipcc test" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" >"$E2E_TMP/openssl.log" 2>&1 ||
	e2e_error "openssl req failed"
# policy NAME NEXT_HOP: minimal.sip with the tls settings (and ws when
# asked: the WebSocket listener of part 4), built as NAME.
policy() {
	{
		cat "$top_srcdir/examples/minimal.sip"
		cat <<EOP
use tls {
    certificate = "$E2E_TMP/cert.pem";
    private_key = "$E2E_TMP/key.pem";
    ca_list = "$E2E_TMP/cert.pem";
    verify_peer = true;
}
EOP
	} >"$E2E_TMP/$1.sip"
	"$SIPCC" build "$E2E_TMP/$1.sip" -D "NEXT_HOP=$2" -o "$E2E_TMP/$1" \
		>"$E2E_TMP/build.log" 2>&1 || e2e_fail "sipcc build $1 failed"
}
# start_tls NAME PORT METRICS: proxy NAME on udp and tls 127.0.0.1:PORT.
start_tls() {
	"$E2E_TMP/$1" --listen "udp:127.0.0.1:$2" --listen "tls:127.0.0.1:$2" --workers 2 \
		--metrics "127.0.0.1:$3" >"$E2E_TMP/$1.out" 2>&1 </dev/null &
	pid=$!
	e2e_track "$pid"
	eval "PID_$1=$pid"
	e2e_wait_tcp "$pid" "$2" "$1"
}
policy proxy_a "sip:127.0.0.1:$B;transport=tls"
policy proxy_b "sip:127.0.0.1:$UAS3"
start_tls proxy_b "$B" "$MB"
start_tls proxy_a "$A" "$MA"
TOTAL=$((2 * CALLS))
e2e_sipp uas3 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS3" -m "$TOTAL" -timeout 90s
e2e_wait_sipp_up uas3 "$UAS3"
e2e_sipp t1 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$A" -i 127.0.0.1 -p "$T1" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
e2e_sipp t2 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$A" -i 127.0.0.1 -p "$T2" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
for c in t1 t2; do
	e2e_sipp_wait "$c"
	e2e_expect_calls "$c" "$CALLS"
done
no_late_180 t1 t2
e2e_sipp_wait uas3
e2e_expect_calls uas3 "$TOTAL"
grep -q "notice: 2 workers" "$E2E_TMP/proxy_a.out" || e2e_fail "proxy A did not run 2 workers"
grep -q "notice: 2 workers" "$E2E_TMP/proxy_b.out" || e2e_fail "proxy B did not run 2 workers"
expect_handed "tls, proxy A" "$MA"
expect_handed "tls, proxy B" "$MB"
kill -0 "$PID_proxy_a" && kill -0 "$PID_proxy_b" || e2e_fail "a TLS proxy is no longer running"
e2e_kill "$PID_proxy_a"
e2e_kill "$PID_proxy_b"

# 4. WebSocket callers.
WS_CALLERS=4
WS_CALLS=15
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS4"
e2e_start_proxy "$PROXY4" --listen "ws:127.0.0.1:$WS" --workers 2 --metrics "127.0.0.1:$M4"
e2e_wait_tcp "$PROXY_PID" "$WS" proxy
TOTAL=$((WS_CALLERS * WS_CALLS))
e2e_sipp uas4 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS4" -m "$TOTAL" -timeout 90s
e2e_wait_sipp_up uas4 "$UAS4"
pids=
for i in $(seq "$WS_CALLERS"); do
	python3 "$E2E_SRC/ws_peer.py" --url "ws://127.0.0.1:$WS" --user "ws$i" --no-register \
		--call carol --calls "$WS_CALLS" >"$E2E_TMP/ws$i.log" 2>&1 &
	pids="$pids $!"
	e2e_track "$!"
done
i=0
for pid in $pids; do
	i=$((i + 1))
	wait "$pid" || { cat "$E2E_TMP/ws$i.log" >&2; e2e_fail "WebSocket caller ws$i failed"; }
	n=$(grep -c "call to carol done" "$E2E_TMP/ws$i.log")
	[ "$n" = "$WS_CALLS" ] || e2e_fail "WebSocket caller ws$i: $n calls done, expected $WS_CALLS"
done
e2e_sipp_wait uas4
e2e_expect_calls uas4 "$TOTAL"
expect_handed "ws" "$M4"
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"

# 5. The callee's connection closed mid-call, with one worker and two.
BYE_CALLS=20
for n in 1 2; do
	eval "uas=\$UAS$((n + 4)) proxy=\$PROXY$((n + 4)) m=\$M$((n + 4)) c=\$G$n"
	e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$uas;transport=tcp"
	e2e_start_proxy "$proxy" --listen "tcp:127.0.0.1:$proxy" --workers "$n" \
		--metrics "127.0.0.1:$m"
	e2e_wait_tcp "$PROXY_PID" "$proxy" proxy
	e2e_sipp gone$n -sf "$E2E_SRC/uas_ack_exit.xml" -t t1 -i 127.0.0.1 -p "$uas" \
		-m "$BYE_CALLS" -timeout 30s
	eval "e2e_wait_tcp \$SIPP_PID_gone$n $uas 'sipp uas'"
	e2e_sipp_run bye$n -sf "$E2E_SRC/uac_bye_gone.xml" "127.0.0.1:$proxy" -i 127.0.0.1 \
		-p "$c" -s 1000 -r 20 -m "$BYE_CALLS" -timeout 30s -timeout_error
	e2e_expect_calls "bye$n" "$BYE_CALLS"
	e2e_sipp_wait "gone$n"
	e2e_expect_calls "gone$n" "$BYE_CALLS"
	[ "$n" = 2 ] && expect_handed "callee gone" "$m"
	e2e_expect_proxy_alive
	e2e_kill "$PROXY_PID"
done
