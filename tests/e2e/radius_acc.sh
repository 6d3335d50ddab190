#!/bin/sh
# Accounting to a real FreeRADIUS, with tests/e2e/radius_acc.sip; the
# records are read back from the detail file FreeRADIUS writes. The
# policy's first accounting server is a port where nothing answers: every
# record reaches FreeRADIUS by failover to the second.
#  1. 2 calls answered and hung up by the caller after 1 s: for each, an
#     Accounting-Request Start (Sip-Method INVITE, code 200, both tags,
#     Calling/Called-Station-Id, Event-Timestamp) and a Stop with
#     Acct-Session-Time and Acct-Terminate-Cause User-Request, its
#     Acct-Session-Id the call's Call-ID.
#  2. a call the callee rejects with 486: one Failed with code 486, no
#     Start or Stop.
#  3. a MESSAGE accounted with acc_rad_request("202 noted"): an
#     Interim-Update with code 202.
#  4. FreeRADIUS stopped: a call made meanwhile is not lost; its Start
#     and Stop arrive once FreeRADIUS runs again, and the proxy logged
#     that no server answered and that one answers again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/radius_server.sh"

e2e_init
radius_server_setup "$E2E_TMP/radius" >"$E2E_TMP/radius_setup.out" 2>&1
case $? in
0) ;;
77) e2e_skip "$(cat "$E2E_TMP/radius_setup.out")" ;;
*) e2e_error "cannot set FreeRADIUS up: $(cat "$E2E_TMP/radius_setup.out")" ;;
esac

e2e_ports UAS PROXY UAC DEAD RAUTH RACCT
DETAIL=$E2E_TMP/radius/a/acct/detail
radius_server_start a "$RAUTH" "$RACCT" || e2e_error "FreeRADIUS did not start"

# The policy with the test's servers and the source tree's dictionary.
sed -e "s|127.0.0.1:1813, 127.0.0.1:1823|127.0.0.1:$DEAD, 127.0.0.1:$RACCT|" \
    -e "s|/usr/share/sipcc/radius/dictionary|$top_srcdir/modules/radius/dictionary|" \
    "$top_srcdir/tests/e2e/radius_acc.sip" >"$E2E_TMP/radius_acc.sip"
e2e_build "$E2E_TMP/radius_acc.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY"

# records: the detail file, one record a line, attributes joined by "|".
records() {
	[ -f "$DETAIL" ] || return 0
	awk 'NF == 0 { if (r != "") print r; r = ""; next }
	     /^[ \t]/ { sub(/^[ \t]+/, ""); r = r "|" $0; next }
	     END { if (r != "") print r }' "$DETAIL"
}
# wait_records PATTERN N SECONDS: N records match PATTERN (grep -E).
wait_records() {
	i=0
	until [ "$(records | grep -c -E -e "$1")" -ge "$2" ]; do
		[ $i -ge $(($3 * 10)) ] &&
			e2e_fail "$(records | grep -c -E -e "$1") records match '$1', expected $2"
		sleep 0.1; i=$((i + 1))
	done
}
# expect CALLID STATUS ATTR...: the record of CALLID with STATUS has
# every ATTR ("Name = value" as FreeRADIUS writes it).
expect() {
	cid=$1; st=$2; shift 2
	rec=$(records | grep -F "Acct-Session-Id = \"$cid\"" | grep -F "Acct-Status-Type = $st|")
	[ -n "$rec" ] || e2e_fail "no $st record of $cid"
	[ "$(printf '%s\n' "$rec" | wc -l)" = 1 ] || e2e_fail "more than one $st record of $cid"
	for a in "$@"; do
		case "$rec|" in
		*"|$a|"*) ;;
		*) e2e_fail "the $st record of $cid has no '$a': $rec" ;;
		esac
	done
}

# 1.
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 60s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'rad-ok-%u@test' \
	-i 127.0.0.1 -p "$UAC" -m 2 -r 10 -d 1000 -timeout 60s -timeout_error
e2e_expect_calls uac 2
e2e_sipp_wait uas
e2e_expect_calls uas 2
# One second lost on the dead server for each record.
wait_records 'Acct-Session-Id = "rad-ok-' 4 30
for n in 1 2; do
	expect "rad-ok-$n@test" Start "Sip-Method = INVITE" "Sip-Response-Code = 200" \
		"Service-Type = Sip-Session" "Calling-Station-Id = \"sip:sipp@127.0.0.1\"" \
		"Sip-Src-IP = \"127.0.0.1\"" "NAS-Identifier = \"sipcc\""
	expect "rad-ok-$n@test" Stop "Sip-Method = BYE" "Acct-Terminate-Cause = User-Request"
	rec=$(records | grep -F "Acct-Session-Id = \"rad-ok-$n@test\"" | grep -F "= Start|")
	case $rec in
	*'|Sip-From-Tag = "'?*'|Sip-To-Tag = "'?*) ;;
	*) e2e_fail "rad-ok-$n@test: a tag is missing in the Start: $rec" ;;
	esac
	case $rec in
	*"|Event-Timestamp = \""*) ;;
	*) e2e_fail "rad-ok-$n@test: no Event-Timestamp in the Start: $rec" ;;
	esac
	case $rec in
	*"|Called-Station-Id = \"sip:"*) ;;
	*) e2e_fail "rad-ok-$n@test: no Called-Station-Id in the Start: $rec" ;;
	esac
	stop=$(records | grep -F "Acct-Session-Id = \"rad-ok-$n@test\"" | grep -F "= Stop|")
	secs=$(printf '%s\n' "$stop" | sed -n 's/.*|Acct-Session-Time = \([0-9]*\)|.*/\1/p')
	[ -n "$secs" ] && [ "$secs" -ge 1 ] && [ "$secs" -le 3 ] ||
		e2e_fail "rad-ok-$n@test: Acct-Session-Time '$secs', expected about 1 (sipp -d 1000)"
done

# 2.
e2e_sipp rej_uas -sf "$E2E_SRC/uas_reject.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up rej_uas "$UAS"
e2e_sipp_run rej_uac -sf "$E2E_SRC/uac_reject.xml" "127.0.0.1:$PROXY" \
	-cid_str 'rad-busy-%u@test' -i 127.0.0.1 -p "$UAC" -m 1 -timeout 30s -timeout_error
e2e_sipp_wait rej_uas
wait_records 'Acct-Session-Id = "rad-busy-1@test"' 1 20
expect rad-busy-1@test Failed "Sip-Method = INVITE" "Sip-Response-Code = 486"
n=$(records | grep -c -F 'Acct-Session-Id = "rad-busy-1@test"')
[ "$n" = 1 ] || e2e_fail "$n records of the rejected call, expected its Failed alone"

# 3.
python3 - "$PROXY" "$UAC" <<'PY' || e2e_fail "no 202 for the MESSAGE"
import socket, sys
proxy, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(10)
msg = ("MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-rad-msg-1\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=m1\r\n"
       "To: <sip:bob@127.0.0.1>\r\nCall-ID: rad-msg-1@test\r\nCSeq: 1 MESSAGE\r\n"
       "Content-Length: 0\r\n\r\n") % port
s.sendto(msg.encode(), ("127.0.0.1", proxy))
data, _ = s.recvfrom(65535)
sys.exit(0 if data.startswith(b"SIP/2.0 202") else 1)
PY
wait_records 'Acct-Session-Id = "rad-msg-1@test"' 1 20
# MESSAGE (256) has no name in dictionary.openser.
expect rad-msg-1@test Interim-Update "Sip-Method = 256" "Sip-Response-Code = 202" \
	"Calling-Station-Id = \"sip:alice@127.0.0.1\""

# 4.
radius_server_stop a
e2e_sipp uas2 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 60s
e2e_wait_sipp_up uas2 "$UAS"
e2e_sipp_run uac2 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'rad-down-%u@test' \
	-i 127.0.0.1 -p "$UAC" -m 1 -d 500 -timeout 60s -timeout_error
e2e_expect_calls uac2 1
e2e_sipp_wait uas2
e2e_wait_log "no accounting server answers" 20 "the proxy did not log that no server answers"
n=$(records | grep -c -F 'rad-down-1@test')
[ "$n" = 0 ] || e2e_fail "$n records of rad-down-1@test with FreeRADIUS stopped"
radius_server_start a "$RAUTH" "$RACCT" || e2e_error "FreeRADIUS did not start again"
wait_records 'Acct-Session-Id = "rad-down-1@test"' 2 30
expect rad-down-1@test Start "Sip-Response-Code = 200"
expect rad-down-1@test Stop "Acct-Terminate-Cause = User-Request"
e2e_wait_log "accounting server answers again" 10 "the proxy did not log the server's return"
# Nothing went twice (a record resent after FreeRADIUS stored it).
n=$(records | grep -c -F 'Acct-Session-Id = "rad-')
[ "$n" = 8 ] || e2e_fail "$n records in the detail file, expected 8"
grep -q "accounting records dropped" "$E2E_TMP/proxy.log" && e2e_fail "records were dropped"
e2e_expect_proxy_alive
exit 0
