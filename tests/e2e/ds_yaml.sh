#!/bin/sh
# Load balancing from the YAML form (tests/e2e/ds.yaml): 'dispatch' sends
# the first call to D1 (round robin), which answers 503 (OPTIONS still
# 200); the failure route's 'next_destination' marks D1 inactive and the
# call completes at D2; the next calls go to D2 only.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
SOCK=$E2E_TMP/sipcc.ctl
e2e_ports D1 D2 PROXY UAC
ctl db init
ctl ds add 1 "sip:127.0.0.1:$D1"
ctl ds add 1 "sip:127.0.0.1:$D2"
e2e_build tests/e2e/ds.yaml
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info

uas() {
	e2e_sipp "$1" -sf "$E2E_SRC/$3.xml" -i 127.0.0.1 -p "$2" -aa -timeout 60s \
		-trace_msg -message_file "$E2E_TMP/$1.msg"
	e2e_wait_sipp_up "$1" "$2"
}
invites() {
	[ -f "$E2E_TMP/$1.msg" ] || { echo 0; return; }
	awk '/^INVITE / { inv = 1 } inv && tolower($1) == "call-id:" { seen[$2] = 1; inv = 0 }
		END { n = 0; for (k in seen) n++; print n }' "$E2E_TMP/$1.msg"
}
uas d1 "$D1" uas_503
uas d2 "$D2" uas_rr

e2e_sipp_run calls -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s rr \
	-i 127.0.0.1 -p "$UAC" -m 4 -r 1 -timeout 30s -timeout_error
e2e_expect_calls calls 4
[ "$(invites d1)" = 1 ] || e2e_fail "D1 got $(invites d1) calls, expected 1 (then marked)"
[ "$(invites d2)" = 4 ] || e2e_fail "D2 got $(invites d2) calls, expected 4"
grep -q "failover from sip:127.0.0.1:$D1" "$E2E_TMP/proxy.log" || e2e_fail "no failover logged"
grep -q "destination sip:127.0.0.1:$D1 of set 1 is now inactive (call)" "$E2E_TMP/proxy.log" ||
	e2e_fail "next_destination did not mark D1"
e2e_expect_proxy_alive
