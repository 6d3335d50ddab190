#!/bin/sh
# The book's provider accounting to RADIUS: examples/provider.sip built
# with -D ACC_RADIUS=1 (its "use radius" block pointed at a private
# FreeRADIUS), a subscriber's call to another through it: the Start when
# it is answered and the Stop with its duration (the scenario hangs up at
# once: 0 s) when it ends are in FreeRADIUS's detail file, and nothing
# goes to the database's acc_cdrs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
. "$top_srcdir/tests/radius_server.sh"

e2e_init
command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found"
radius_server_setup "$E2E_TMP/radius" >"$E2E_TMP/radius_setup.out" 2>&1
case $? in
0) ;;
77) e2e_skip "$(cat "$E2E_TMP/radius_setup.out")" ;;
*) e2e_error "cannot set FreeRADIUS up: $(cat "$E2E_TMP/radius_setup.out")" ;;
esac
e2e_ctl_init
e2e_ports PROXY UAC UAS VM RAUTH RACCT
radius_server_start a "$RAUTH" "$RACCT" || e2e_error "FreeRADIUS did not start"
DETAIL=$E2E_TMP/radius/a/acct/detail
D=voip.example.com

ctl db init
ctl domain add $D
for u in alice bob; do ctl add "$u@$D" "$u-secret"; done

# The example as an operator would point it at the server.
sed -e "s|acct_servers = \"127.0.0.1:1813\";|acct_servers = \"127.0.0.1:$RACCT\";|" \
    -e "s|secret = \"testing123\";|secret = \"$RADIUS_SECRET\";\n    dictionary = \"$top_srcdir/modules/radius/dictionary\";|" \
    "$top_srcdir/examples/provider.sip" >"$E2E_TMP/provider.sip"
grep -q "127.0.0.1:$RACCT" "$E2E_TMP/provider.sip" || e2e_error "could not set the RADIUS server"
e2e_build "$E2E_TMP/provider.sip" -D ACC_RADIUS=1 -D "VOICEMAIL=sip:127.0.0.1:$VM"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB"

e2e_sipp uas_bob -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up uas_bob "$UAS"
e2e_sipp_run reg_bob -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s bob -au bob -ap bob-secret -key contact_port "$UAS" -m 1 -timeout 15s -timeout_error
e2e_expect_calls reg_bob 1
e2e_sipp_run call_bob -sf "$E2E_SRC/uac_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key callee bob -cid_str 'prov-rad-%u@test' \
	-m 1 -timeout 30s -timeout_error
e2e_expect_calls call_bob 1
e2e_sipp_wait uas_bob
e2e_expect_calls uas_bob 1

# The records of the call, one a line.
records() {
	[ -f "$DETAIL" ] || return 0
	awk 'NF == 0 { if (r != "") print r; r = ""; next }
	     /^[ \t]/ { sub(/^[ \t]+/, ""); r = r "|" $0; next }
	     END { if (r != "") print r }' "$DETAIL" | grep -F 'Acct-Session-Id = "prov-rad-1@test"'
}
i=0
until [ "$(records | wc -l)" -ge 2 ]; do
	[ $i -ge 100 ] && e2e_fail "$(records | wc -l) records of the call in FreeRADIUS, expected 2"
	sleep 0.1; i=$((i + 1))
done
start=$(records | grep -F 'Acct-Status-Type = Start|')
stop=$(records | grep -F 'Acct-Status-Type = Stop|')
case $start in
*'|Calling-Station-Id = "sip:alice@voip.example.com"|'*'|Sip-Method = INVITE|Sip-Response-Code = 200|'*) ;;
*) e2e_fail "the Start of the call: '$start'" ;;
esac
case $stop in
*'|Acct-Session-Time = '[0-3]'|Acct-Terminate-Cause = User-Request|'*) ;;
*) e2e_fail "the Stop of the call: '$stop'" ;;
esac
n=$(sqlite3 "${DB#sqlite:}" "SELECT count(*) FROM acc_cdrs")
[ "$n" = 0 ] || e2e_fail "$n CDRs in the database with ACC_RADIUS=1"
# Every module of the provider started (it uses 16 with radius).
grep -q "too many modules" "$E2E_TMP/proxy.log" && e2e_fail "a module was not started"
e2e_expect_proxy_alive
exit 0
