#!/bin/sh
# lookup() says why it found nothing (a lookup_result), through a proxy
# built from tests/e2e/lookup_status.sip; requests from sip_peer.py:
#  a. Nobody registered: LOOKUP_NOT_FOUND, 404; the bool idiom
#     (if (!lookup(...))) still compiles and answers 404 too.
#  b. A binding registered with methods="INVITE,ACK,BYE,CANCEL": a
#     MESSAGE gets LOOKUP_METHOD_NOT_ALLOWED, 405 with the policy's Allow
#     (append_to_reply, through the transaction).
#  c. A binding without methods: the MESSAGE is relayed to it (sipp
#     answers 200): LOOKUP_OK, and the same through the bool idiom.
#  d. A binding registered for 1 second and expired: LOOKUP_NO_CONTACTS,
#     480. The registrar sweeps expired bindings within 8 seconds; when
#     the sweep took it before the request came (404), it is registered
#     and tried again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY UAS UAS2 SPARE
e2e_build tests/e2e/lookup_status.sip
e2e_start_proxy "$PROXY"

# register USER CONTACT EXPIRES: one REGISTER; expects 200.
register() {
	python3 - "$PROXY" "$@" >>"$E2E_TMP/register.out" 2>&1 <<'PY' ||
import random, socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
user, contact, expires = sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
n = random.getrandbits(32)
req = ("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s;branch=z9hG4bK-reg-%x;rport\r\n"
       "Max-Forwards: 70\r\n"
       "From: <sip:%s@127.0.0.1>;tag=r1\r\n"
       "To: <sip:%s@127.0.0.1>\r\n"
       "Call-ID: reg-%x@127.0.0.1\r\n"
       "CSeq: 1 REGISTER\r\n"
       "Contact: %s\r\n"
       "Expires: %s\r\n"
       "Content-Length: 0\r\n\r\n"
       % (proxy[1], me, n, user, user, n, contact, expires))
s.sendto(req.encode(), proxy)
s.settimeout(3.0)
status = s.recv(65535).decode("latin-1").split("\r\n", 1)[0]
print("%s: %s" % (user, status))
sys.exit(0 if status.startswith("SIP/2.0 200") else 1)
PY
	e2e_fail "REGISTER of $1 failed: $(tail -n 1 "$E2E_TMP/register.out")"
}

# ask USER METHOD CODE: the final reply to a request for USER is CODE.
ask() {
	python3 "$E2E_SRC/sip_peer.py" "$PROXY" "$2" "sip:$1@127.0.0.1" --expect "$3" \
		>>"$E2E_TMP/peer.out" 2>&1
}

# a.
ask nobody MESSAGE 404 || e2e_fail "nobody: expected 404 (LOOKUP_NOT_FOUND): $(tail -n 1 "$E2E_TMP/peer.out")"
ask old MESSAGE 404 || e2e_fail "old: expected 404 from if (!lookup()): $(tail -n 1 "$E2E_TMP/peer.out")"
grep -q "404 Not Found (old)" "$E2E_TMP/peer.out" || e2e_fail "the bool idiom did not answer"

# b.
register picky "<sip:picky@127.0.0.1:$SPARE>;methods=\"INVITE,ACK,BYE,CANCEL\"" 300
# The 405 is sent through the transaction (t_reply) with the Allow line
# the policy gave append_to_reply().
python3 - "$PROXY" >"$E2E_TMP/picky.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
req = ("MESSAGE sip:picky@127.0.0.1 SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s;branch=z9hG4bK-picky;rport\r\n"
       "Max-Forwards: 70\r\n"
       "From: <sip:test@127.0.0.1>;tag=p1\r\n"
       "To: <sip:picky@127.0.0.1>\r\n"
       "Call-ID: picky@127.0.0.1\r\n"
       "CSeq: 1 MESSAGE\r\n"
       "Content-Length: 0\r\n\r\n" % me)
s.sendto(req.encode(), proxy)
s.settimeout(3.0)
resp = s.recv(65535).decode("latin-1")
print(resp)
lines = resp.split("\r\n")
sys.exit(0 if lines[0].startswith("SIP/2.0 405") and "Allow: INVITE, ACK, BYE, CANCEL" in lines else 1)
PY
	e2e_fail "picky: expected 405 (LOOKUP_METHOD_NOT_ALLOWED) with Allow: $(cat "$E2E_TMP/picky.out")"

# c.
register open "<sip:open@127.0.0.1:$UAS>" 300
register old "<sip:old@127.0.0.1:$UAS2>" 300
e2e_sipp open -sf "$E2E_SRC/uas_message.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 10s
e2e_sipp oldu -sf "$E2E_SRC/uas_message.xml" -i 127.0.0.1 -p "$UAS2" -m 1 -timeout 10s
e2e_wait_sipp_up open "$UAS"
e2e_wait_sipp_up oldu "$UAS2"
ask open MESSAGE 200 || e2e_fail "open: expected 200 from the registered UAS: $(tail -n 1 "$E2E_TMP/peer.out")"
ask old MESSAGE 200 || e2e_fail "old: expected 200 through if (!lookup()): $(tail -n 1 "$E2E_TMP/peer.out")"
e2e_sipp_wait open
e2e_expect_calls open 1
e2e_sipp_wait oldu
e2e_expect_calls oldu 1

# d.
tries=0
while :; do
	tries=$((tries + 1))
	register gone "<sip:gone@127.0.0.1:$SPARE>" 1
	sleep 1.3
	python3 "$E2E_SRC/sip_peer.py" "$PROXY" MESSAGE "sip:gone@127.0.0.1" >"$E2E_TMP/gone.out" 2>&1
	grep -q "SIP/2.0 480" "$E2E_TMP/gone.out" && break
	grep -q "SIP/2.0 404" "$E2E_TMP/gone.out" && [ "$tries" -lt 5 ] && continue
	e2e_fail "gone: expected 480 (LOOKUP_NO_CONTACTS) after $tries tries: $(cat "$E2E_TMP/gone.out")"
done
e2e_log "expired binding: 480 after $tries tries"
e2e_expect_proxy_alive
