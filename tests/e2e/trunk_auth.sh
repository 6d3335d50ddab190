#!/bin/sh
# uac_auth() through a real upstream that challenges: a second compiled
# proxy (tests/e2e/trunk_upstream.sip) answers every INVITE with a 407 and
# lets through those with the credentials of its subscriber acme@up.example
# (its own SQLite database); behind it a sipp callee.
#  1. 3 calls through our proxy (tests/e2e/trunk_auth.sip), whose trunk
#     table (sipcc-ctl trunk add) has acme's credentials for the realm:
#     they complete; the callee sees CSeq 2 for the INVITE and its ACK and
#     3 for the caller's BYE, the caller gets back 1 and 2.
#  2. The trunk's password changed to a wrong one (loaded at once with db
#     sync): the upstream refuses it and the caller gets the 407.
#  3. No trunk for the realm: the caller gets the 407, nothing is sent
#     again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=3
e2e_init
e2e_ports UAS UP PROXY UAC
e2e_ctl_init
SOCK=$E2E_TMP/ctl.sock
UPDB=sqlite:$E2E_TMP/up.db
"$CTL" --db "$UPDB" db init >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "upstream db init"
"$CTL" --db "$UPDB" domain add up.example >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "upstream domain"
"$CTL" --db "$UPDB" add acme@up.example s3cret >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "upstream subscriber"
ctl db init
ctl trunk add pstn realm=up.example username=acme password=s3cret

"$SIPCC" build "$top_srcdir/tests/e2e/trunk_upstream.sip" -o "$E2E_TMP/upstream" \
	-D "NEXT_HOP=sip:127.0.0.1:$UAS" >"$E2E_TMP/build_up.log" 2>&1 ||
	{ cat "$E2E_TMP/build_up.log" >&2; e2e_fail "cannot build the upstream proxy"; }
"$E2E_TMP/upstream" --listen "udp:127.0.0.1:$UP" --db "$UPDB" --log-level info \
	>"$E2E_TMP/upstream.out" 2>&1 </dev/null &
e2e_track $!
i=0
until e2e_udp_bound "$UP"; do
	[ $i -ge 100 ] && e2e_fail "the upstream proxy is not listening"
	sleep 0.1; i=$((i + 1))
done

e2e_build tests/e2e/trunk_auth.sip -D "UPSTREAM=sip:127.0.0.1:$UP"
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info
e2e_wait_log "uac: 1 trunks" 10 "the trunk table was not loaded"

# 1.
e2e_sipp uas -sf "$E2E_SRC/trunk_auth_callee.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/trunk_auth_caller.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$CALLS" -r 5 -timeout 30s -timeout_error
e2e_expect_calls uac "$CALLS"
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"
n=$(grep -c 'uac_auth: answering the 407 of realm "up.example" .* with the credentials of trunk pstn' \
	"$E2E_TMP/proxy.log")
[ "$n" = "$CALLS" ] || e2e_fail "uac_auth answered $n challenges, expected $CALLS"
n=$(grep -c "upstream: INVITE CSeq 2 authenticated" "$E2E_TMP/upstream.out")
[ "$n" = "$CALLS" ] || e2e_fail "the upstream authenticated $n INVITEs with CSeq 2, expected $CALLS"

# 2.
ctl trunk rm pstn
ctl trunk add pstn realm=up.example username=acme password=wrong
"$CTL" --ctl "$SOCK" db sync >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "db sync failed"
e2e_sipp_run bad -sf "$E2E_SRC/trunk_auth_refused.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls bad 1
grep -q 'auth: failed: .*reason="wrong password" user="acme" realm="up.example"' "$E2E_TMP/upstream.out" ||
	e2e_fail "the upstream did not see the wrong credentials"

# 3.
ctl trunk rm pstn
"$CTL" --ctl "$SOCK" db sync >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "db sync failed"
before=$(grep -c "uac_auth: answering" "$E2E_TMP/proxy.log")
e2e_sipp_run none -sf "$E2E_SRC/trunk_auth_refused.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
e2e_expect_calls none 1
grep -q 'uac_auth: no trunk has credentials for the 407.s realm "up.example"' "$E2E_TMP/proxy.log" ||
	e2e_fail "uac_auth did not say it had no credentials"
after=$(grep -c "uac_auth: answering" "$E2E_TMP/proxy.log")
[ "$before" = "$after" ] || e2e_fail "uac_auth answered without a trunk"
e2e_expect_proxy_alive
