#!/bin/sh
# The client side of the WebSocket transport: a proxy relays to a ws next
# hop by opening a WebSocket connection itself (handshake, masked frames).
# sipp uac -> proxy A (udp) -> ws -> proxy B -> sipp uas (udp), with
# uac_rr.xml/uas_rr.xml so ACK and BYE follow the double Record-Route of
# both proxies (udp/ws on each) in both directions; then the same over wss
# with a sips: next hop URI with ;transport=ws (RFC 7118 §5.2), both
# proxies checking each other's certificate.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=${E2E_WS_CALLS:-20}

e2e_init sipp python3 openssl
e2e_ports UAS A B UAC BW BWSS AW AWSS

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sipcc test" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" >"$E2E_TMP/openssl.log" 2>&1 ||
	e2e_error "openssl req failed"

# policy NAME NEXT_HOP: minimal.sip with the tls settings, built as NAME.
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

# start_proxy NAME UDP WS WSS (A's ws and wss sockets are there to send
# from: a request leaves from a socket of its next hop's transport).
start_proxy() {
	"$E2E_TMP/$1" --listen "udp:127.0.0.1:$2" --listen "ws:127.0.0.1:$3" \
		--listen "wss:127.0.0.1:$4" --log-level info \
		>"$E2E_TMP/$1.out" 2>&1 </dev/null &
	pid=$!
	e2e_track "$pid"
	eval "PID_$1=$pid"
	e2e_wait_tcp "$pid" "$3" "$1"
	e2e_wait_tcp "$pid" "$4" "$1"
}

policy proxy_a "sip:127.0.0.1:$BW;transport=ws"
policy proxy_a2 "sips:127.0.0.1:$BWSS;transport=ws"
policy proxy_b "sip:127.0.0.1:$UAS"
start_proxy proxy_b "$B" "$BW" "$BWSS"

# hop NAME PORT: CALLS calls through proxy NAME to B over PORT.
hop() {
	start_proxy "$1" "$A" "$AW" "$AWSS"
	e2e_sipp "uas_$1" -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 40s
	e2e_wait_sipp_up "uas_$1" "$UAS"
	e2e_sipp_run "uac_$1" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$A" -i 127.0.0.1 -p "$UAC" \
		-s 1000 -r 50 -m "$CALLS" -timeout 30s -timeout_error
	e2e_expect_calls "uac_$1" "$CALLS"
	e2e_sipp_wait "uas_$1"
	e2e_expect_calls "uas_$1" "$CALLS"
	# Every request and reply between A and B went over one connection.
	n=$(ss -Htn state established "( sport = :$2 )" 2>/dev/null | wc -l)
	[ "${n:-0}" -eq 1 ] || e2e_fail "$1: expected 1 connection to proxy B's port $2, found $n"
	eval "kill -0 \$PID_$1" && kill -0 "$PID_proxy_b" || e2e_fail "a proxy is no longer running"
	eval "e2e_kill \$PID_$1"
}

hop proxy_a "$BW"
if grep -q "ws 127.0.0.1:[0-9]*: " "$E2E_TMP/proxy_b.out"; then
	e2e_fail "proxy B logged a WebSocket problem: $(grep 'ws 127' "$E2E_TMP/proxy_b.out" | head -3)"
fi
hop proxy_a2 "$BWSS"
if grep -q "failed" "$E2E_TMP/proxy_a2.out" "$E2E_TMP/proxy_b.out"; then
	e2e_fail "$(grep -h 'failed' "$E2E_TMP/proxy_a2.out" "$E2E_TMP/proxy_b.out" | head -3)"
fi

# wss without a certificate: the proxy refuses to start and says why.
"$SIPCC" build "$top_srcdir/examples/minimal.sip" -o "$E2E_TMP/nocert" >"$E2E_TMP/build.log" 2>&1 ||
	e2e_fail "sipcc build minimal.sip failed"
timeout 10 "$E2E_TMP/nocert" --listen "wss:127.0.0.1:$AWSS" >"$E2E_TMP/nocert.out" 2>&1 </dev/null &&
	e2e_fail "the proxy started on wss without a certificate"
grep -q "listen wss need a certificate" "$E2E_TMP/nocert.out" ||
	e2e_fail "no reason given for not listening on wss: $(cat "$E2E_TMP/nocert.out")"
