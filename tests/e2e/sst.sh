#!/bin/sh
# Session timers (RFC 4028) with tests/e2e/sst.sip (minimum 4 s, 9 s
# added to an INVITE without Session-Expires) and sipp on both sides:
#  1. a call negotiated at Session-Expires: 9;refresher=uac whose caller
#     never refreshes: after 9 - 3 = 6 s the proxy sends a BYE to each
#     side (both sipp scenarios wait for it), and the CDR in acc_cdrs says
#     end_reason session_expired, hangup_by proxy, a duration of about 6 s;
#     the caller's Min-SE: 2 reaches the callee raised to the proxy's 4;
#  2. a caller that sends a re-INVITE every 3 s (answered with the same
#     Session-Expires) stays up past 6 s and hangs up itself at 9 s
#     (end_reason bye, hangup_by caller, at least 8.5 s);
#  3. an INVITE with Session-Expires: 2 gets 422 with Min-SE: 4 and never
#     reaches the callee;
#  4. a caller that says Supported: timer without Session-Expires, and a
#     callee without session timers: the proxy puts Session-Expires: 9 in
#     the INVITE and Session-Expires: 9;refresher=uac with Require: timer
#     in the 200 (the caller's scenario checks it), and ends the call
#     after 6 s as in 1;
#  5. a callee that refreshes with UPDATE (refresher=uas) every 3 s: the
#     call stays up until the caller hangs up at 9 s.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC
command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found"
DB=sqlite:$E2E_TMP/acc.db
q() { sqlite3 "${DB#sqlite:}" "$1"; }
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: $CTL"
SOCK=$E2E_TMP/ctl.sock
e2e_build tests/e2e/sst.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"

# getstat NAME: a statistic of the proxy.
getstat() {
	"$CTL" --ctl "$SOCK" stats "$1" >"$E2E_TMP/ctl.json" 2>&1 ||
		e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], "missing"))' "$E2E_TMP/ctl.json" "$1"
}
log=$E2E_TMP/proxy.log

# cdr CALLID: "end_reason|hangup_by|duration_ms" of its CDR, once written.
cdr() {
	i=0
	until r=$(q "SELECT end_reason, hangup_by, duration_ms FROM acc_cdrs WHERE callid = '$1'" \
		2>/dev/null) && [ -n "$r" ]; do
		[ $i -ge 100 ] && e2e_fail "no CDR for $1"
		sleep 0.1; i=$((i + 1))
	done
	echo "$r"
}

# call NAME UAS_XML UAC_XML CALLID [sipp options of the caller...]
call() {
	cn=$1 cuas=$2 cuac=$3 cid=$4
	shift 4
	e2e_sipp "${cn}_uas" -sf "$E2E_SRC/$cuas" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s \
		-key answer "${ANSWER:-X-Timer: none}" -trace_logs
	e2e_wait_sipp_up "${cn}_uas" "$UAS"
	e2e_sipp_run "${cn}_uac" -sf "$E2E_SRC/$cuac" "127.0.0.1:$PROXY" -s "$cn" \
		-cid_str "$cid" -i 127.0.0.1 -p "$UAC" -m 1 -timeout 30s -timeout_error "$@"
	e2e_expect_calls "${cn}_uac" 1
	e2e_sipp_wait "${cn}_uas"
	e2e_expect_calls "${cn}_uas" 1
}

# in_range MS LO HI
in_range() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# 1.
ANSWER="Session-Expires: 9;refresher=uac"
call expire uas_sst.xml uac_sst.xml sst-expire@test -key se "Session-Expires: 9;refresher=uac" \
	-key minse "Min-SE: 2"
ANSWER=
set -- $(cdr sst-expire@test | tr '|' ' ')
[ "$1 $2" = "session_expired proxy" ] || e2e_fail "CDR of the expired call: $*"
in_range "$3" 5500 8000 || e2e_fail "the expired call lasted $3 ms, not about 6000"
grep -q "session timer of sst-expire@test: 9 s, refresher uac" "$log" ||
	e2e_fail "\$sst_interval/\$sst_refresher in the reply route: $(grep 'session timer of' "$log")"
# The caller's Min-SE: 2 went on raised to the proxy's 4 (RFC 4028 8.1);
# 90 (none) is above it and stays.
grep -q "^min-se 4 of sst-expire@test" "$E2E_TMP"/uas_sst_*_logs.log ||
	e2e_fail "the callee saw no Min-SE: 4: $(cat "$E2E_TMP"/uas_sst_*_logs.log)"
grep -q "no session refresh within 9 s (refresher uac): ending the call" "$log" ||
	e2e_fail "no session expiry in the log"
n=$(grep -c "the c[a-z]* answered the BYE with 200" "$log")
[ "$n" = 2 ] || e2e_fail "$n of the proxy's BYEs answered 200, expected 2"

# 2.
call refresh uas_sst_refresh.xml uac_sst_refresh.xml sst-refresh@test
set -- $(cdr sst-refresh@test | tr '|' ' ')
[ "$1 $2" = "bye caller" ] || e2e_fail "CDR of the refreshed call: $*"
in_range "$3" 8500 30000 || e2e_fail "the refreshed call lasted $3 ms, not about 9000"

# 3.
e2e_sipp_run small_uac -sf "$E2E_SRC/uac_sst_small.xml" "127.0.0.1:$PROXY" -s small \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 30s -timeout_error
e2e_expect_calls small_uac 1
grep -q "sst_track failed" "$log" && e2e_fail "sst_track failed"

# 4.
call insert uas_sst.xml uac_sst.xml sst-insert@test -key se "X-Session-Timer: ask" \
	-key minse "X-Min-SE: none"
set -- $(cdr sst-insert@test | tr '|' ' ')
[ "$1 $2" = "session_expired proxy" ] || e2e_fail "CDR of the call with the proxy's timer: $*"
in_range "$3" 5500 8000 || e2e_fail "the call with the proxy's timer lasted $3 ms, not about 6000"
grep -q "^min-se  *of sst-insert@test" "$E2E_TMP"/uas_sst_*_logs.log ||
	e2e_fail "a Min-SE reached the callee of the call without one: $(cat "$E2E_TMP"/uas_sst_*_logs.log)"
grep -q "session timer of sst-insert@test: 9 s, refresher uac" "$log" ||
	e2e_fail "the proxy's timer: $(grep 'session timer of' "$log")"

# 5.
call update uas_sst_update.xml uac_sst_update.xml sst-update@test
set -- $(cdr sst-update@test | tr '|' ' ')
[ "$1 $2" = "bye caller" ] || e2e_fail "CDR of the call refreshed by UPDATE: $*"
in_range "$3" 8500 30000 || e2e_fail "the call refreshed by UPDATE lasted $3 ms, not about 9000"
grep -q "session timer of sst-update@test: 9 s, refresher uas" "$log" ||
	e2e_fail "the callee's timer: $(grep 'session timer of' "$log")"

n=$(q "SELECT count(*) FROM acc_cdrs")
[ "$n" = 4 ] || e2e_fail "$n CDRs, expected 4 (the 422 makes none)"
[ "$(getstat sst.expired)" = 2 ] || e2e_fail "sst.expired is $(getstat sst.expired), expected 2"
[ "$(getstat sst.too_small)" = 1 ] || e2e_fail "sst.too_small is $(getstat sst.too_small), expected 1"
e2e_expect_proxy_alive
exit 0
