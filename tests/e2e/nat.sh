#!/bin/sh
# NAT traversal (tests/e2e/nat.sip) with sipp and a python phone:
#  - a phone registers carol from 127.0.0.1:UAS with the private Contact
#    sip:carol@10.0.0.5:5060 (as a phone behind a NAT writes it); the
#    policy's nat_uac_test(19) sees it, fix_nated_register() keeps the
#    source address with the binding;
#  - sipp calls carol: the INVITE reaches the sipp UAS on 127.0.0.1:UAS,
#    the REGISTER's real source, while its Request-URI is still the
#    registered Contact (uas_nat.xml checks both); the caller's private
#    Contact 10.0.0.6 is rewritten to its source by fix_nated_contact();
#  - the location table keeps the binding's received address, marked;
#  - the marked binding gets NAT keep-alives (CRLFCRLF, ping_interval = 1).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init "sqlite:$E2E_TMP/nat.db"
ctl db init
e2e_ports PROXY UAS UAC
e2e_build tests/e2e/nat.sip
e2e_start_proxy "$PROXY" --db "$DB"

python3 - "$PROXY" "$UAS" >"$E2E_TMP/register.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[2])))
# Via and Contact say what the phone believes its address is.
reg = ("REGISTER sip:127.0.0.1 SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-nat-1;rport\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:carol@127.0.0.1>;tag=n1\r\nTo: <sip:carol@127.0.0.1>\r\n"
       "Call-ID: nat-reg-1@10.0.0.5\r\nCSeq: 1 REGISTER\r\n"
       "Contact: <sip:carol@10.0.0.5:5060>\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n")
s.sendto(reg.encode(), proxy)
s.settimeout(3)
ans = s.recv(65535).decode("latin-1")
print(ans)
if not (ans.startswith("SIP/2.0 200 ") and "sip:carol@10.0.0.5:5060" in ans):
    sys.exit(1)
# The keep-alive (ping_interval = 1) comes to the REGISTER's source.
try:
    ping = s.recv(65535)
except socket.timeout:
    ping = b"(none within 3 s)"
print("keep-alive: %r" % ping)
sys.exit(0 if ping == b"\r\n\r\n" else 1)
PY
{
	cat "$E2E_TMP/register.out" >&2
	e2e_fail "the REGISTER from behind a NAT was not accepted, or got no keep-alive"
}
grep -q "behind NAT: REGISTER from 127.0.0.1" "$E2E_TMP/proxy.log" ||
	e2e_fail "nat_uac_test(19) did not see the REGISTER's private addresses"

e2e_sipp uas -sf "$top_srcdir/tests/e2e/uas_nat.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$top_srcdir/tests/e2e/uac_nat.xml" -s carol "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error
e2e_expect_calls uac 1
e2e_sipp_wait uas
e2e_expect_calls uas 1
grep -q "behind NAT: INVITE from 127.0.0.1" "$E2E_TMP/proxy.log" ||
	e2e_fail "nat_uac_test(19) did not see the INVITE's private Contact"

# The binding keeps where the REGISTER came from, marked for lookup().
if command -v sqlite3 >/dev/null 2>&1; then
	rcv=$(sqlite3 "$E2E_TMP/nat.db" "SELECT received FROM location WHERE contact = 'sip:carol@10.0.0.5:5060'")
	[ "$rcv" = "sip:127.0.0.1:$UAS;nat=yes" ] || e2e_fail "location.received is '$rcv'"
fi
e2e_expect_proxy_alive
