#!/bin/sh
# Session timers from the YAML form (tests/e2e/sst.yaml): an INVITE with
# Session-Expires: 2 gets 422 with Min-SE: 4; a call negotiated at
# Session-Expires: 9;refresher=uac whose caller never refreshes is ended
# by the proxy after 6 s (a BYE to each side, the CDR in acc_cdrs says
# session_expired by proxy).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_plain_pass_only "sst.sh runs the same session timers under the sanitizers"
e2e_ports UAS PROXY UAC
command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found"
DB=sqlite:$E2E_TMP/acc.db
e2e_build tests/e2e/sst.yaml -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB"

e2e_sipp_run small -sf "$E2E_SRC/uac_sst_small.xml" "127.0.0.1:$PROXY" -s small \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 30s -timeout_error
e2e_expect_calls small 1

e2e_sipp uas -sf "$E2E_SRC/uas_sst.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s \
	-key answer "Session-Expires: 9;refresher=uac"
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_sst.xml" "127.0.0.1:$PROXY" -s expire \
	-cid_str sst-yaml@test -i 127.0.0.1 -p "$UAC" -m 1 -timeout 30s -timeout_error \
	-key se "Session-Expires: 9;refresher=uac" -key minse "X-Min-SE: none"
e2e_expect_calls uac 1
e2e_sipp_wait uas
e2e_expect_calls uas 1
i=0
until r=$(sqlite3 "${DB#sqlite:}" \
	"SELECT end_reason, hangup_by, duration_ms FROM acc_cdrs WHERE callid = 'sst-yaml@test'" \
	2>/dev/null) && [ -n "$r" ]; do
	[ $i -ge 100 ] && e2e_fail "no CDR for the call"
	sleep 0.1; i=$((i + 1))
done
set -- $(echo "$r" | tr '|' ' ')
[ "$1 $2" = "session_expired proxy" ] || e2e_fail "CDR of the call: $*"
[ "$3" -ge 5500 ] && [ "$3" -le 8000 ] || e2e_fail "the call lasted $3 ms, not about 6000"
e2e_expect_proxy_alive
exit 0
