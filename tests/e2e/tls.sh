#!/bin/sh
# TLS between two proxies (sipp has no TLS): sipp uac -> proxy A (udp) ->
# TLS -> proxy B -> sipp uas (udp). Both proxies check each other's
# certificate (verify_peer: A checks B's against the CA and B's address,
# B requires A's), with a certificate the test makes with openssl.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=${E2E_TLS_CALLS:-50}
RATE=${E2E_RATE:-100}

# start_proxy NAME PORT: proxy NAME on udp and tls 127.0.0.1:PORT.
start_proxy() {
	"$E2E_TMP/$1" --listen "udp:127.0.0.1:$2" --listen "tls:127.0.0.1:$2" \
		>"$E2E_TMP/$1.out" 2>&1 </dev/null &
	pid=$!
	e2e_track "$pid"
	eval "PID_$1=$pid"
	e2e_wait_tcp "$pid" "$2" "$1"
}

e2e_init sipp python3 openssl
e2e_ports UAS A B UAC

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sipcc test" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" >"$E2E_TMP/openssl.log" 2>&1 ||
	e2e_error "openssl req failed"

# A certificate of another CA: a proxy that trusts only it must refuse B.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other" \
	-keyout "$E2E_TMP/other_key.pem" -out "$E2E_TMP/other.pem" >>"$E2E_TMP/openssl.log" 2>&1 ||
	e2e_error "openssl req failed"

# policy NAME NEXT_HOP [CA]: minimal.sip with the tls settings, built as NAME.
policy() {
	{
		cat "$top_srcdir/examples/minimal.sip"
		cat <<EOP
use tls {
    certificate = "$E2E_TMP/cert.pem";
    private_key = "$E2E_TMP/key.pem";
    ca_list = "${3:-$E2E_TMP/cert.pem}";
    verify_peer = true;
}
EOP
	} >"$E2E_TMP/$1.sip"
	"$SIPCC" build "$E2E_TMP/$1.sip" -D "NEXT_HOP=$2" -o "$E2E_TMP/$1" \
		>"$E2E_TMP/build.log" 2>&1 || e2e_fail "sipcc build $1 failed"
}

policy proxy_a "sip:127.0.0.1:$B;transport=tls"
policy proxy_b "sip:127.0.0.1:$UAS"
policy proxy_c "sip:127.0.0.1:$B;transport=tls" "$E2E_TMP/other.pem"
start_proxy proxy_b "$B"
start_proxy proxy_a "$A"

e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 60s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sn uac "127.0.0.1:$A" -i 127.0.0.1 -p "$UAC" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 40s -timeout_error
e2e_expect_calls uac "$CALLS"
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"
kill -0 "$PID_proxy_a" && kill -0 "$PID_proxy_b" || e2e_fail "a proxy is no longer running"

# The calls went over one TLS connection from A to B.
n=$(ss -Htn state established "( sport = :$B )" 2>/dev/null | wc -l)
[ "${n:-0}" -eq 1 ] || e2e_fail "expected 1 TLS connection to proxy B, found $n"

# A proxy that does not trust B's certificate: the call fails (the
# branch ends with 503) and the proxy says why.
e2e_kill "$PID_proxy_a"
start_proxy proxy_c "$A"
e2e_sipp uas2 -sn uas -i 127.0.0.1 -p "$UAS" -timeout 20s
e2e_wait_sipp_up uas2 "$UAS"
e2e_sipp_run uac2 -sn uac "127.0.0.1:$A" -i 127.0.0.1 -p "$UAC" \
	-s 1000 -m 1 -timeout 15s
[ "$(e2e_stat uac2 'FailedCall(C)')" = 1 ] || e2e_fail "the untrusted call did not fail"
[ "$(e2e_stat uas2 'SuccessfulCall(C)')" = 0 ] || e2e_fail "the call reached the uas"
grep -q "certificate check failed" "$E2E_TMP/proxy_c.out" ||
	e2e_fail "proxy C does not report the certificate check"
