#!/bin/sh
# The policy's HTTP client over TLS against real HTTPS servers started
# here (tests/e2e/http_server.py with Python's ssl, on 127.0.0.1), with
# a private CA and the server's and client's certificates made by openssl
# in the test's directory. One proxy per set of http.* settings:
#  1. http.ca_file = the private CA: the request succeeds (200 and the
#     body); by a host name the certificate does not hold it fails with
#     HTTP_ERROR and $http_err says why; a server that asks for a client
#     certificate refuses the proxy, which has none;
#  2. without http.ca_file (the system's CAs) it fails with HTTP_ERROR,
#     the issuer unknown;
#  3. http.verify = 0: it succeeds without the CA, by either name;
#  4. with http.client_cert and http.client_key the server that asks for
#     a certificate accepts the proxy;
#  5. the YAML form: modules: { http: { ca_file } } with http_check;
#  6. an http.ca_file that does not exist, a client certificate without
#     its key or a file that is no PEM stops the proxy at start-up, naming
#     the setting and the file.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3 openssl
e2e_ports P_CA P_NOCERT P_SYS P_NOVERIFY P_CERT P_YAML P_BAD HTTPS MTLS

# The private CA, the server's certificate (for 127.0.0.1 only: not for
# "localhost") and the client's, each signed by the CA.
D=$E2E_TMP/pki
mkdir -p "$D"
ssl() { openssl "$@" >>"$E2E_TMP/openssl.log" 2>&1 || e2e_error "openssl $1 failed"; }
ssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sipcc test CA" \
	-keyout "$D/ca.key" -out "$D/ca.pem"
for who in server client; do
	ssl req -newkey rsa:2048 -nodes -subj "/CN=sipcc test $who" \
		-keyout "$D/$who.key" -out "$D/$who.csr"
done
printf 'subjectAltName = IP:127.0.0.1\n' >"$D/server.ext"
printf 'extendedKeyUsage = clientAuth\n' >"$D/client.ext"
for who in server client; do
	ssl x509 -req -in "$D/$who.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial \
		-days 2 -extfile "$D/$who.ext" -out "$D/$who.pem"
done

# Two HTTPS servers: one that takes any client, one that asks for a
# certificate signed by the CA.
server() {
	port=$1 name=$2
	shift 2
	python3 "$E2E_SRC/http_server.py" "$port" --cert "$D/server.pem" --key "$D/server.key" "$@" \
		>"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.log" &
	e2e_track $!
	e2e_wait_tcp $! "$port" "the $name server"
}
server "$HTTPS" https
server "$MTLS" mtls --client-ca "$D/ca.pem"

# proxy NAME PORT URL [-D ...]: build http_tls.sip with these settings and
# start it on PORT (its log in NAME.log, proxy.log the last one's).
proxy() {
	name=$1 port=$2 url=$3
	shift 3
	rm -f "$E2E_TMP/proxy.log"
	"$SIPCC" build "$top_srcdir/tests/e2e/http_tls.sip" -o "$E2E_TMP/$name" -D URL="$url" \
		-D HOST_URL="https://localhost:${url##*:}" "$@" >"$E2E_TMP/$name.build" 2>&1 ||
		e2e_fail "sipcc build ($name) failed: $(cat "$E2E_TMP/$name.build")"
	E2E_PROXY=$E2E_TMP/$name
	E2E_LOG_LEVEL=info e2e_start_proxy "$port"
	mv "$E2E_TMP/proxy.log" "$E2E_TMP/$name.log"
	ln -s "$name.log" "$E2E_TMP/proxy.log"
}
# ask PORT USER CODE REASON: a MESSAGE to USER (from alice) through the
# proxy on PORT gets CODE, with a reason phrase that matches REASON
# (grep -E).
ask() {
	out=$(python3 "$E2E_SRC/sip_peer.py" "$1" MESSAGE "sip:$2@voip.example.com" \
		--from "sip:alice@voip.example.com" --expect "$3" --timeout 8) ||
		e2e_fail "port $1, $2: $out (expected $3 $4)"
	printf '%s\n' "$out" | grep -Eq "^SIP/2.0 $3 $4\$" || e2e_fail "port $1, $2: $out (expected $3 $4)"
}

# 1. the private CA
proxy ca "$P_CA" "https://127.0.0.1:$HTTPS" -D CA="$D/ca.pem"
ask "$P_CA" check 200 "Checked alice"
ask "$P_CA" host 503 "Failed -3 .*(localhost|certificate|name).*"
grep -q '"GET /check?user=alice HTTP/1.1" 200' "$E2E_TMP/https.log" ||
	e2e_fail "the HTTPS server never answered the proxy"
proxy nocert "$P_NOCERT" "https://127.0.0.1:$MTLS" -D CA="$D/ca.pem"
ask "$P_NOCERT" check 503 "Failed -3 .*"
grep -q '"GET /check' "$E2E_TMP/mtls.log" && e2e_fail "the server asking for a certificate served a proxy without one"

# 2. the system's CAs do not know the private one
proxy sys "$P_SYS" "https://127.0.0.1:$HTTPS"
ask "$P_SYS" check 503 "Failed -3 .*(local issuer|self.signed|certificate).*"

# 3. no checks
proxy noverify "$P_NOVERIFY" "https://127.0.0.1:$HTTPS" -D VERIFY=0
ask "$P_NOVERIFY" check 200 "Checked alice"
ask "$P_NOVERIFY" host 200 "Checked alice"
grep -q "http.verify = 0" "$E2E_TMP/noverify.log" || e2e_fail "no warning that http.verify = 0"

# 4. the client's certificate
proxy cert "$P_CERT" "https://127.0.0.1:$MTLS" -D CA="$D/ca.pem" \
	-D CERT="$D/client.pem" -D KEY="$D/client.key"
ask "$P_CERT" check 200 "Checked alice"
grep -q '"GET /check?user=alice HTTP/1.1" 200' "$E2E_TMP/mtls.log" ||
	e2e_fail "the server asking for a certificate never answered"

# 5. YAML
cat >"$E2E_TMP/tls.yaml" <<YAML
listen: udp:127.0.0.1:$P_YAML
domains: [voip.example.com]
modules:
  http: { ca_file: "$D/ca.pem", timeout: 5000 }
rules:
  - match: { method: MESSAGE }
    require:
      http_check: { url: "https://127.0.0.1:$HTTPS/check?user=\${\$fU}", field: result.action, deny: deny, on_error: 503 }
    action: { reply: { code: 200, reason: Checked } }
YAML
"$SIPCC" build "$E2E_TMP/tls.yaml" -o "$E2E_TMP/yaml" >"$E2E_TMP/yaml.build" 2>&1 ||
	e2e_fail "sipcc build tls.yaml failed: $(cat "$E2E_TMP/yaml.build")"
E2E_PROXY=$E2E_TMP/yaml
rm -f "$E2E_TMP/proxy.log"
e2e_start_proxy "$P_YAML"
ask "$P_YAML" check 200 "Checked"

# 6. settings that stop the proxy at start-up
# refused -D ...: a proxy built with these exits with 1 within 10 s.
refused() {
	"$SIPCC" build "$top_srcdir/tests/e2e/http_tls.sip" -o "$E2E_TMP/bad" "$@" \
		>"$E2E_TMP/bad.build" 2>&1 || e2e_fail "cannot build the policy with $*"
	"$E2E_TMP/bad" --listen "udp:127.0.0.1:$P_BAD" >"$E2E_TMP/bad.err" 2>&1 </dev/null &
	bad=$!
	e2e_track $bad
	i=0
	while kill -0 $bad 2>/dev/null; do
		[ $i -ge 100 ] && e2e_fail "proxy with $* still runs after 10 s: $(cat "$E2E_TMP/bad.err")"
		sleep 0.1; i=$((i + 1))
	done
	wait $bad
	rc=$?
	[ $rc = 1 ] || e2e_fail "proxy with $* exited with $rc, expected 1"
}
refused -D CA="$D/missing.pem"
grep -q "setting http.ca_file = $D/missing.pem: cannot use the file (No such file or directory)" \
	"$E2E_TMP/bad.err" || e2e_fail "no clear message for a missing http.ca_file: $(cat "$E2E_TMP/bad.err")"
refused -D CA="$D/ca.pem" -D CERT="$D/client.pem"
grep -q "setting http.client_cert = $D/client.pem needs http.client_key as well" \
	"$E2E_TMP/bad.err" || e2e_fail "no clear message for a certificate without its key: $(cat "$E2E_TMP/bad.err")"
refused -D CA="$D/server.ext"
grep -q "setting http.ca_file = $D/server.ext: cannot use the file (no PEM block in it)" \
	"$E2E_TMP/bad.err" || e2e_fail "no clear message for a file that is no PEM: $(cat "$E2E_TMP/bad.err")"
