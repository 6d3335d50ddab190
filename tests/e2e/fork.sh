#!/bin/sh
# Forking through a proxy built from tests/e2e/fork.sip, with sipp as the
# caller and the callees:
#  a. Parallel: two contacts registered for one address-of-record with the
#     same q. The INVITE goes to both; one rings and answers 200, the other
#     only rings. The caller gets the 200 (and completes the call); the
#     ringing callee must receive a CANCEL, answers 487 and gets the ACK.
#  b. Serial by q: the contact with q=1 answers 486, then the call goes to
#     the contact with q=0.5, which answers 200.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
DB=sqlite:$E2E_TMP/fork.db
"$CTL" --db "$DB" db init >"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "sipcc-ctl db init failed"

e2e_ports PROXY UAC ANSWER RING BUSY LATER
e2e_build tests/e2e/fork.sip
e2e_start_proxy "$PROXY" --db "$DB"

# register USER CONTACT... : one REGISTER listing the contacts; expects 200
# with as many Contact values back.
register() {
	python3 - "$PROXY" "$@" >>"$E2E_TMP/register.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
user, contacts = sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
req = ("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s;branch=z9hG4bK-reg-%s;rport\r\n"
       "Max-Forwards: 70\r\n"
       "From: <sip:%s@127.0.0.1>;tag=r1\r\n"
       "To: <sip:%s@127.0.0.1>\r\n"
       "Call-ID: reg-%s@127.0.0.1\r\n"
       "CSeq: 1 REGISTER\r\n"
       "Contact: %s\r\n"
       "Expires: 300\r\n"
       "Content-Length: 0\r\n\r\n"
       % (proxy[1], me, user, user, user, user, ", ".join(contacts)))
s.sendto(req.encode(), proxy)
s.settimeout(3.0)
resp = s.recv(65535).decode("latin-1")
status = resp.split("\r\n", 1)[0]
n = sum(1 for l in resp.split("\r\n") if l.lower().startswith(("contact:", "m:")))
print("%s: %s, %d Contact lines" % (user, status, n))
sys.exit(0 if status.startswith("SIP/2.0 200") and n == len(contacts) else 1)
PY
	e2e_fail "REGISTER of $1 failed: $(tail -n 1 "$E2E_TMP/register.out")"
}

# a. Parallel fork.
register par "<sip:par@127.0.0.1:$ANSWER>" "<sip:par@127.0.0.1:$RING>"
e2e_sipp answer -sf "$E2E_SRC/uas_late200.xml" -i 127.0.0.1 -p "$ANSWER" -m 1 -timeout 20s
e2e_sipp ring -sf "$E2E_SRC/uas_ring.xml" -i 127.0.0.1 -p "$RING" -m 1 -timeout 20s
e2e_wait_sipp_up answer "$ANSWER"
e2e_wait_sipp_up ring "$RING"
e2e_sipp_run caller -sf "$E2E_SRC/uac_rr.xml" -s par "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls caller 1
e2e_sipp_wait answer
e2e_expect_calls answer 1
# uas_ring.xml passes only when it received the CANCEL, answered 487 and
# got the ACK for it.
e2e_sipp_wait ring
e2e_expect_calls ring 1

# b. Serial fork by q.
register ser "<sip:ser@127.0.0.1:$BUSY>;q=1.0" "<sip:ser@127.0.0.1:$LATER>;q=0.5"
e2e_sipp busy -sf "$E2E_SRC/uas_busy.xml" -i 127.0.0.1 -p "$BUSY" -m 1 -timeout 20s
e2e_sipp later -sf "$E2E_SRC/uas_late200.xml" -i 127.0.0.1 -p "$LATER" -m 1 -timeout 20s
e2e_wait_sipp_up busy "$BUSY"
e2e_wait_sipp_up later "$LATER"
e2e_sipp_run caller2 -sf "$E2E_SRC/uac_rr.xml" -s ser "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls caller2 1
e2e_sipp_wait busy
e2e_expect_calls busy 1
e2e_sipp_wait later
e2e_expect_calls later 1
grep -q "serial fork of .* to sip:ser@127.0.0.1:$LATER" "$E2E_TMP/proxy.log" ||
	e2e_fail "the failure route did not fork to the q=0.5 contact"
e2e_expect_proxy_alive
