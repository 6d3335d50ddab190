#!/bin/sh
# TLS between two proxies (sipp has no TLS): sipp uac -> proxy A (udp) ->
# TLS -> proxy B -> sipp uas (udp). Both proxies check each other's
# certificate (verify_peer: A checks B's against the CA and B's address,
# B requires A's), with a certificate the test makes with openssl. Then
# a certificate whose file lacks the intermediate CA, which the proxy
# finds in its ca_list and sends; a TLS client that closes without a
# close_notify: no warning.
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
e2e_ports UAS A B UAC D E UAS3 UAC3

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

# A certificate issued by an intermediate CA, in a file without its
# chain: proxy E finds the intermediate in its ca_list (the chain is built
# once, at start) and sends it, so proxy D, which trusts only the root,
# accepts E's certificate.
x() { openssl "$@" >>"$E2E_TMP/openssl.log" 2>&1 || e2e_error "openssl $1 failed"; }
printf 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$E2E_TMP/ca.ext"
printf 'subjectAltName=IP:127.0.0.1\n' >"$E2E_TMP/leaf.ext"
x req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test root" \
	-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-keyout "$E2E_TMP/root_key.pem" -out "$E2E_TMP/root.pem"
x req -newkey rsa:2048 -nodes -subj "/CN=test intermediate" \
	-keyout "$E2E_TMP/inter_key.pem" -out "$E2E_TMP/inter.csr"
x x509 -req -in "$E2E_TMP/inter.csr" -CA "$E2E_TMP/root.pem" -CAkey "$E2E_TMP/root_key.pem" \
	-CAcreateserial -days 2 -extfile "$E2E_TMP/ca.ext" -out "$E2E_TMP/inter.pem"
x req -newkey rsa:2048 -nodes -subj "/CN=test leaf" \
	-keyout "$E2E_TMP/leaf_key.pem" -out "$E2E_TMP/leaf.csr"
x x509 -req -in "$E2E_TMP/leaf.csr" -CA "$E2E_TMP/inter.pem" -CAkey "$E2E_TMP/inter_key.pem" \
	-CAcreateserial -days 2 -extfile "$E2E_TMP/leaf.ext" -out "$E2E_TMP/leaf.pem"
cat "$E2E_TMP/inter.pem" "$E2E_TMP/root.pem" >"$E2E_TMP/cas.pem"
{
	cat "$top_srcdir/examples/minimal.sip"
	printf 'use tls {\n    certificate = "%s";\n    private_key = "%s";\n    ca_list = "%s";\n}\n' \
		"$E2E_TMP/leaf.pem" "$E2E_TMP/leaf_key.pem" "$E2E_TMP/cas.pem"
} >"$E2E_TMP/proxy_e.sip"
{
	cat "$top_srcdir/examples/minimal.sip"
	printf 'use tls {\n    certificate = "%s";\n    private_key = "%s";\n    ca_list = "%s";\n    verify_peer = true;\n}\n' \
		"$E2E_TMP/cert.pem" "$E2E_TMP/key.pem" "$E2E_TMP/root.pem"
} >"$E2E_TMP/proxy_d.sip"
"$SIPCC" build "$E2E_TMP/proxy_e.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS3" -o "$E2E_TMP/proxy_e" \
	>"$E2E_TMP/build.log" 2>&1 || e2e_fail "sipcc build proxy_e failed"
"$SIPCC" build "$E2E_TMP/proxy_d.sip" -D "NEXT_HOP=sip:127.0.0.1:$E;transport=tls" \
	-o "$E2E_TMP/proxy_d" >"$E2E_TMP/build.log" 2>&1 || e2e_fail "sipcc build proxy_d failed"
start_proxy proxy_e "$E"
start_proxy proxy_d "$D"
e2e_sipp uas3 -sn uas -i 127.0.0.1 -p "$UAS3" -m 5 -timeout 30s
e2e_wait_sipp_up uas3 "$UAS3"
e2e_sipp_run uac3 -sn uac "127.0.0.1:$D" -i 127.0.0.1 -p "$UAC3" \
	-s 1000 -m 5 -timeout 20s -timeout_error
e2e_expect_calls uac3 5
grep -q "certificate check failed" "$E2E_TMP/proxy_d.out" &&
	e2e_fail "proxy D did not accept the chain proxy E sent"
e2e_kill "$PID_proxy_d"
e2e_kill "$PID_proxy_e"

# A client that goes away without a close_notify (most do) ends its
# connection like a TCP close: no warning in the log.
lport=$(python3 - "$B" "$E2E_TMP" <<'EOP'
import socket, ssl, sys
port, d = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(d + "/cert.pem")
ctx.load_cert_chain(d + "/cert.pem", d + "/key.pem")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
print(s.getsockname()[1])
# Read what the proxy sent after the handshake (TLS 1.3 session
# tickets): unread input would make the close a reset instead of a FIN.
s.settimeout(0.5)
try:
    s.recv(1)
except (socket.timeout, ssl.SSLError):
    pass
socket.socket(fileno=s.detach()).close()
EOP
) || e2e_fail "the TLS client could not connect to proxy B"
i=0
while [ "$(ss -Htn state established "( sport = :$B and dport = :$lport )" 2>/dev/null | wc -l)" -gt 0 ]; do
	[ $i -ge 100 ] && e2e_fail "proxy B kept the connection the client closed"
	sleep 0.1; i=$((i + 1))
done
sleep 0.2
grep -q "unexpected eof" "$E2E_TMP/proxy_b.out" &&
	e2e_fail "proxy B warned about a client that closed without a close_notify"
kill -0 "$PID_proxy_b" || e2e_fail "proxy B is no longer running"
