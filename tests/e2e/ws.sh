#!/bin/sh
# SIP over WebSocket (RFC 7118) end to end through tests/e2e/auth_registrar.sip
# (digest authentication, registrar, lookup, record-routing), on ws and on
# wss (TLS with a certificate the test makes with openssl).
#
# The WebSocket peer is tests/e2e/ws_peer.py, a small Python client: it
# stands in for a WebRTC client (JsSIP, SIP.js) because sipp has no
# WebSocket transport and no packaged SIP-over-WebSocket peer runs here.
# Like a browser client it puts an .invalid host in its Via and Contact,
# so the proxy reaches it only over its connection.
#
#  1. bob registers over ws (401, then 200) and the binding is kept; an
#     OPTIONS without Content-Length before it is answered (407).
#  2. A sipp UAC (alice, UDP) calls bob: the INVITE reaches bob over his
#     connection (Via WS, a Record-Route for each transport), bob answers
#     180 and 200, sipp's ACK and BYE follow the route set back to bob.
#  3. bob calls carol, a sipp UAS over UDP registered with sipp: INVITE
#     (sent in three fragments) challenged with 407 and relayed, 200, ACK
#     and BYE along the route set.
#     Once his connection is closed, a call to bob gets 404.
#  4. Bad input: garbage instead of a handshake, a handshake without the
#     sip protocol (400), an unmasked frame: each connection is closed
#     with a log line, and the proxy goes on serving.
#  5. 1 to 3 again over wss.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 openssl
e2e_ctl_init
PEER="python3 $E2E_SRC/ws_peer.py"

e2e_subscribers alice bob carol

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sipcc test" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" >"$E2E_TMP/openssl.log" 2>&1 ||
	e2e_error "openssl req failed"

{
	cat "$E2E_SRC/auth_registrar.sip"
	cat <<EOP
use tls {
    certificate = "$E2E_TMP/cert.pem";
    private_key = "$E2E_TMP/key.pem";
}
EOP
} >"$E2E_TMP/ws.sip"

e2e_ports UAS PROXY UAC WS WSS
e2e_build "$E2E_TMP/ws.sip"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB" \
	--listen "ws:127.0.0.1:$WS" --listen "wss:127.0.0.1:$WSS"
e2e_wait_tcp "$PROXY_PID" "$WS" proxy
e2e_wait_tcp "$PROXY_PID" "$WSS" proxy
e2e_wait_log "listening on .*ws:127.0.0.1:$WS, wss:127.0.0.1:$WSS" 20 \
	"the proxy does not say it listens on ws and wss"

# carol is a sipp UAS on UDP, registered by sipp; it takes one call per
# round.
e2e_sipp_run regcarol -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s carol -au carol -ap carol-secret -key contact_port "$UAS" -m 1 \
	-timeout 10s -timeout_error
e2e_expect_calls regcarol 1
e2e_sipp carol -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 90s
e2e_wait_sipp_up carol "$UAS"

# round NAME URL TRANSPORT [CA]: bob on URL answers alice's call, then
# calls carol. (The lib.sh helpers use $name and $pid.)
round() {
	rn=$1 url=$2 tp=$3 port=${2##*:}
	rm -f "$E2E_TMP/ready.$rn"
	$PEER --url "$url" ${4:+--ca "$4"} --user bob --password bob-secret \
		--answer 1 --call carol --ready "$E2E_TMP/ready.$rn" \
		--dump "$E2E_TMP/$rn.rx" >"$E2E_TMP/$rn.out" 2>&1 &
	rpid=$!
	e2e_track "$rpid"
	i=0
	until [ -f "$E2E_TMP/ready.$rn" ]; do
		kill -0 "$rpid" 2>/dev/null || e2e_fail "$rn: bob did not register over $tp"
		[ $i -ge 100 ] && e2e_fail "$rn: bob not registered after 10 s"
		sleep 0.1; i=$((i + 1))
	done
	"$CTL" --db "$DB" ul show bob@voip.example.com >"$E2E_TMP/$rn.ul" 2>&1 ||
		e2e_fail "$rn: no binding for bob after his REGISTER over $tp"
	grep -q "\.invalid;transport=ws" "$E2E_TMP/$rn.ul" ||
		e2e_fail "$rn: bob's binding is not his ws contact: $(cat "$E2E_TMP/$rn.ul")"

	e2e_sipp_run "alice_$rn" -sf "$E2E_SRC/uac_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
		-p "$UAC" -s alice -au alice -ap alice-secret -key callee bob -m 1 \
		-timeout 20s -timeout_error
	e2e_expect_calls "alice_$rn" 1
	wait "$rpid" || e2e_fail "$rn: the WebSocket client failed: $(tail -3 "$E2E_TMP/$rn.out")"
	grep -q "OPTIONS without Content-Length: SIP/2.0 407" "$E2E_TMP/$rn.out" ||
		e2e_fail "$rn: no 407 to an OPTIONS without Content-Length"
	grep -q "answered call 1" "$E2E_TMP/$rn.out" || e2e_fail "$rn: bob answered no call"
	grep -q "call to carol done" "$E2E_TMP/$rn.out" || e2e_fail "$rn: bob's call to carol failed"

	# What bob got: the INVITE from the proxy's WebSocket socket, with a
	# Record-Route for each side, then the ACK and BYE of sipp.
	rx=$E2E_TMP/$rn.rx
	grep -q "^INVITE sip:bob@[0-9a-f]*\.invalid;transport=ws SIP/2.0" "$rx" ||
		e2e_fail "$rn: the INVITE to bob does not target his contact"
	grep -q "^Via: SIP/2.0/$TPV 127.0.0.1:$port;branch=" "$rx" ||
		e2e_fail "$rn: no Via of the proxy's $tp socket"
	grep -q "^Record-Route: <sip:127.0.0.1:$port;transport=$tp;lr;flow=127.0.0.1~[0-9]*~[0-9a-f]*>" "$rx" ||
		e2e_fail "$rn: no Record-Route with the flow of bob's connection"
	grep -q "^Record-Route: <sip:127.0.0.1:$PROXY;lr>" "$rx" ||
		e2e_fail "$rn: no Record-Route of the udp side (double record-routing)"
	grep -q "^ACK sip:bob@" "$rx" || e2e_fail "$rn: sipp's ACK did not reach bob"
	grep -q "^BYE sip:bob@" "$rx" || e2e_fail "$rn: sipp's BYE did not reach bob"
	# The proxy took both of its Route values out (sipp sends them in one
	# Route header).
	! grep -q "^Route:" "$rx" || e2e_fail "$rn: a Route of the proxy reached bob"
	e2e_expect_proxy_alive
}

TPV=WS round ws "ws://127.0.0.1:$WS" ws

# bob's connection is closed now: his binding cannot be used, and a call
# to him gets 404 at once.
i=0
while ss -Htn state established "( sport = :$WS )" 2>/dev/null | grep -q .; do
	[ $i -ge 50 ] && e2e_fail "bob's ws connection is still open"
	sleep 0.1; i=$((i + 1))
done
e2e_sipp_run alice_gone -sf "$E2E_SRC/uac_auth_404.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s alice -au alice -ap alice-secret -key callee bob -m 1 \
	-timeout 10s -timeout_error
e2e_expect_calls alice_gone 1

# Bad input on both sockets; each is refused and logged.
$PEER --url "ws://127.0.0.1:$WS" --bad >"$E2E_TMP/bad_ws.out" 2>&1 ||
	e2e_fail "bad input over ws: $(tail -3 "$E2E_TMP/bad_ws.out")"
$PEER --url "wss://127.0.0.1:$WSS" --ca "$E2E_TMP/cert.pem" --bad >"$E2E_TMP/bad_wss.out" 2>&1 ||
	e2e_fail "bad input over wss: $(tail -3 "$E2E_TMP/bad_wss.out")"
e2e_expect_proxy_alive
for line in "bad WebSocket handshake: not an HTTP request; closing" \
	    "WebSocket handshake refused with 400: Sec-WebSocket-Protocol does not offer sip; closing" \
	    "unmasked frame from a client; closing"; do
	[ "$(grep -c "ws[s]* 127.0.0.1:[0-9]*: $line" "$E2E_TMP/proxy.log")" -ge 2 ] ||
		e2e_fail "the proxy did not log '$line' for ws and wss"
done

TPV=WSS round wss "wss://127.0.0.1:$WSS" wss "$E2E_TMP/cert.pem"

e2e_sipp_wait carol
e2e_expect_calls carol 2
e2e_expect_proxy_alive
