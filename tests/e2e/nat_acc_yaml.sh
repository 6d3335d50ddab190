#!/bin/sh
# NAT traversal and accounting written in YAML (tests/e2e/nat_acc.yaml),
# with sipp:
#  - a phone registers carol from 127.0.0.1:UAS with the private Contact
#    sip:carol@10.0.0.5:5060; the rule with nat_uac_test: 19 sets the flag
#    NATED and fix_nated keeps the REGISTER's source with the binding;
#  - sipp calls carol from behind a NAT (Contact 10.0.0.6): the INVITE
#    reaches the sipp UAS at the REGISTER's source (uas_nat.xml), the
#    reply route sees the flag and the AVP the request route set, and the
#    call hung up with a BYE has its CDR (dialog, accounting: cdr|missed);
#  - a second call, answered 486 Busy Here, is a missed call in
#    missed_calls, and the failure route (status: 486) logs it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found"
e2e_ctl_init "sqlite:$E2E_TMP/nat_acc.db"
ctl db init
e2e_ports PROXY UAS UAC
e2e_build tests/e2e/nat_acc.yaml
e2e_start_proxy "$PROXY" --db "$DB"
q() { sqlite3 "$E2E_TMP/nat_acc.db" "$1"; }

python3 - "$PROXY" "$UAS" >"$E2E_TMP/register.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[2])))
reg = ("REGISTER sip:127.0.0.1 SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-natacc-1;rport\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:carol@127.0.0.1>;tag=n1\r\nTo: <sip:carol@127.0.0.1>\r\n"
       "Call-ID: natacc-reg-1@10.0.0.5\r\nCSeq: 1 REGISTER\r\n"
       "Contact: <sip:carol@10.0.0.5:5060>\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n")
s.sendto(reg.encode(), proxy)
s.settimeout(3)
ans = s.recv(65535).decode("latin-1")
print(ans)
sys.exit(0 if ans.startswith("SIP/2.0 200 ") and "sip:carol@10.0.0.5:5060" in ans else 1)
PY
{
	cat "$E2E_TMP/register.out" >&2
	e2e_fail "the REGISTER from behind a NAT was not accepted"
}
grep -q "behind NAT: REGISTER from 127.0.0.1" "$E2E_TMP/proxy.log" ||
	e2e_fail "nat_uac_test: 19 did not see the REGISTER's private addresses"
rcv=$(q "SELECT received FROM location WHERE contact = 'sip:carol@10.0.0.5:5060'")
[ "$rcv" = "sip:127.0.0.1:$UAS;nat=yes" ] || e2e_fail "location.received is '$rcv' (fix_nated)"

# An answered call from behind a NAT, hung up by the caller.
e2e_sipp uas -sf "$E2E_SRC/uas_nat.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_nat.xml" -s carol "127.0.0.1:$PROXY" \
	-cid_str 'natacc-ok-%u@test' -i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error
e2e_expect_calls uac 1
e2e_sipp_wait uas
e2e_expect_calls uas 1
grep -q "behind NAT: INVITE from 127.0.0.1" "$E2E_TMP/proxy.log" ||
	e2e_fail "nat_uac_test: 19 did not see the INVITE's private Contact"
grep -q "answered for a caller behind a NAT at 127.0.0.1" "$E2E_TMP/proxy.log" ||
	e2e_fail "the reply route did not see the flag NATED and the AVP of the request route"
i=0
until [ "$(q "SELECT count(*) FROM acc_cdrs WHERE callid = 'natacc-ok-1@test'
	AND end_reason = 'bye' AND hangup_by = 'caller'")" = 1 ]; do
	[ $i -ge 50 ] && e2e_fail "no CDR of the answered call: $(q 'SELECT * FROM acc_cdrs')"
	sleep 0.1; i=$((i + 1))
done

# A call the callee rejects: a missed call.
e2e_sipp rej_uas -sf "$E2E_SRC/uas_reject.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s
e2e_wait_sipp_up rej_uas "$UAS"
e2e_sipp_run rej_uac -sf "$E2E_SRC/uac_reject.xml" -s carol "127.0.0.1:$PROXY" \
	-cid_str 'natacc-busy-%u@test' -i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error
e2e_expect_calls rej_uac 1
e2e_sipp_wait rej_uas
i=0
until [ "$(q "SELECT callid || ' ' || sip_code FROM missed_calls")" = "natacc-busy-1@test 486" ]; do
	[ $i -ge 50 ] && e2e_fail "missed_calls: '$(q 'SELECT callid, sip_code FROM missed_calls')'"
	sleep 0.1; i=$((i + 1))
done
grep -q "missed call natacc-busy-1@test" "$E2E_TMP/proxy.log" ||
	e2e_fail "the failure route (status: 486) did not log the missed call"
n=$(q "SELECT count(*) FROM acc_cdrs")
[ "$n" = 1 ] || e2e_fail "$n CDRs, expected 1 (none for the missed call)"
e2e_expect_proxy_alive
