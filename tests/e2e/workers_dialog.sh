#!/bin/sh
# Dialogs, dialog profiles and accounting with --workers 2
# (tests/e2e/workers_dialog.sip, SQLite). The calls come from several
# sipp source ports with Call-IDs that both workers own (a call's dialog
# lives on the worker of its Call-ID):
#  1. a profile limit holds across workers: 12 calls to "limited" at once
#     (two callers, 6 each) with room for 8: exactly 8 are answered, 4 get
#     486 from the proxy; dlg list shows the 8 dialogs, on both workers,
#     and dlg profile counts 8;
#  2. dlg end from the control socket (worker 0) ends each of them,
#     whatever worker owns it: the BYEs reach both sides, and each CDR says
#     ended by the operator; the 4 refused calls are missed calls;
#  3. dialogs whose lifetime (2 s) runs out on either worker: BYEs to both
#     sides, CDRs with reason timeout, by the proxy; dialogs probed with
#     in-dialog OPTIONS whose callee answers 481: each ends from its own
#     worker with a BYE to the caller (reason keepalive);
#  4. 40 calls hung up by the caller and 6 the callee refuses: every CDR,
#     acc row and missed call is written, with the single-worker test's
#     values (tests/e2e/acc.sh); messages were handed from one worker to
#     the other (core.handoff_messages); at the end no dialog is left.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found"
command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed"
e2e_init
e2e_ports UAS REJ PROXY METRICS UAC1 UAC2 UAC3 UAC4
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: $CTL"
SOCK=$E2E_TMP/ctl.sock
DB=sqlite:$E2E_TMP/acc.db
q() { sqlite3 "${DB#sqlite:}" "$1"; }
# wait_rows TABLE N [SECONDS]: until TABLE has N rows.
wait_rows() {
	i=0
	until [ "$(q "SELECT count(*) FROM $1" 2>/dev/null)" = "$2" ]; do
		[ $i -ge $((${3:-10} * 10)) ] &&
			e2e_fail "$1 has $(q "SELECT count(*) FROM $1") rows, expected $2"
		sleep 0.1; i=$((i + 1))
	done
}
ctl_q() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl --ctl $* failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
}
json() {
	python3 -c "import json, sys; j = json.load(open(sys.argv[1])); print($1)" "$E2E_TMP/ctl.json"
}

e2e_build tests/e2e/workers_dialog.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS" \
	-D "NEXT_HOP_REJECT=sip:127.0.0.1:$REJ"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --workers 2 --db "$DB" --ctl "$SOCK" \
	--metrics "127.0.0.1:$METRICS"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"
log=$E2E_TMP/proxy.log

# 1. The Call-IDs wd-lim-a-1..6 and wd-lim-b-1..6 are owned 5 by worker 0
# and 7 by worker 1: any 8 of them are on both.
e2e_sipp uas -sf "$E2E_SRC/uas_wait_bye.xml" -i 127.0.0.1 -p "$UAS" -m 8 -timeout 60s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp lima -sf "$E2E_SRC/uac_limit_wait_bye.xml" -s limited "127.0.0.1:$PROXY" \
	-cid_str 'wd-lim-a-%u@test' -i 127.0.0.1 -p "$UAC1" -m 6 -r 100 -timeout 60s -timeout_error
e2e_sipp limb -sf "$E2E_SRC/uac_limit_wait_bye.xml" -s limited "127.0.0.1:$PROXY" \
	-cid_str 'wd-lim-b-%u@test' -i 127.0.0.1 -p "$UAC2" -m 6 -r 100 -timeout 60s -timeout_error
wait_rows missed_calls 4 20
i=0
until ctl_q dlg list && [ "$(json 'sum(d["state"] == "confirmed" for d in j["dialogs"])')" = 8 ]; do
	[ $i -ge 100 ] && e2e_fail "not 8 confirmed dialogs: $(cat "$E2E_TMP/ctl.json")"
	sleep 0.1; i=$((i + 1))
done
[ "$(json 'len(j["dialogs"])')" = 8 ] || e2e_fail "dlg list: $(cat "$E2E_TMP/ctl.json")"
[ "$(json 'sorted(set(d["worker"] for d in j["dialogs"]))')" = "[0, 1]" ] ||
	e2e_fail "the dialogs are not on both workers: $(cat "$E2E_TMP/ctl.json")"
json '" ".join(str(d["id"]) for d in j["dialogs"])' >"$E2E_TMP/ids"
json '" ".join(d["callid"] for d in j["dialogs"] if d["worker"] == 1)' >"$E2E_TMP/w1"
ctl_q dlg profile calls_out
[ "$(json '(j["size"], [(v["value"], v["size"]) for v in j["values"]])')" = "(8, [('sipp', 8)])" ] ||
	e2e_fail "dlg profile calls_out: $(cat "$E2E_TMP/ctl.json")"
ctl_q dlg profile
[ "$(json '[(p["name"], p["size"]) for p in j["profiles"]]')" = \
	"[('calls_out', 8), ('all_calls', 8)]" ] || e2e_fail "dlg profile: $(cat "$E2E_TMP/ctl.json")"
n=$(grep -c "call limit reached: refused" "$log")
[ "$n" = 4 ] || e2e_fail "$n calls refused by the limit, expected 4"
q "SELECT count(*) FROM acc_cdrs" | grep -qx 0 || e2e_fail "CDRs before any call ended"

# 2. Worker 1's dialogs by Call-ID, the others by id.
for cid in $(cat "$E2E_TMP/w1"); do
	ctl_q dlg end "$cid"
	[ "$(json 'j["ended"]')" = 1 ] || e2e_fail "dlg end $cid: $(cat "$E2E_TMP/ctl.json")"
done
for id in $(cat "$E2E_TMP/ids"); do
	"$CTL" --ctl "$SOCK" dlg end "$id" >"$E2E_TMP/ctl.json" 2>&1 && ended=1 || ended=0
	if [ $ended = 0 ]; then
		grep -q "no confirmed dialog $id" "$E2E_TMP/ctl.json" ||
			e2e_fail "dlg end $id: $(cat "$E2E_TMP/ctl.json")"
	fi
done
"$CTL" --ctl "$SOCK" dlg end "$(head -c 64 "$E2E_TMP/w1" | cut -d' ' -f1)" >"$E2E_TMP/ctl.json" 2>&1 &&
	e2e_fail "dlg end of an ended dialog on worker 1 succeeded: $(cat "$E2E_TMP/ctl.json")"
grep -q "no confirmed dialog" "$E2E_TMP/ctl.json" ||
	e2e_fail "dlg end of an ended dialog: $(cat "$E2E_TMP/ctl.json")"
e2e_sipp_wait lima
e2e_expect_calls lima 6
e2e_sipp_wait limb
e2e_expect_calls limb 6
e2e_sipp_wait uas
e2e_expect_calls uas 8
wait_rows acc_cdrs 8
got=$(q "SELECT count(*), min(end_reason), max(end_reason), min(hangup_by), max(hangup_by)
	FROM acc_cdrs WHERE callid LIKE 'wd-lim-%'")
[ "$got" = "8|ended|ended|operator|operator" ] || e2e_fail "CDRs of the ended calls: '$got'"
got=$(q "SELECT count(*), min(sip_code), max(sip_code), min(sip_reason) FROM missed_calls
	WHERE callid LIKE 'wd-lim-%'")
[ "$got" = "4|486|486|Busy Here" ] || e2e_fail "missed calls of the refused calls: '$got'"
wait_rows acc 12
got=$(q "SELECT sip_code, count(*) FROM acc WHERE method = 'INVITE' GROUP BY sip_code" | tr '\n' ' ')
[ "$got" = "200|8 486|4 " ] || e2e_fail "acc rows of the limited calls: '$got'"
n=$(grep -c "dialog [0-9]*: BYE sent to the" "$log")
[ "$n" = 16 ] || e2e_fail "$n BYEs sent by the proxy, expected 16"
ctl_q dlg profile
[ "$(json '[(p["name"], p["size"]) for p in j["profiles"]]')" = \
	"[('calls_out', 0), ('all_calls', 0)]" ] || e2e_fail "dlg profile after: $(cat "$E2E_TMP/ctl.json")"

# 3. wd-short-1..6: 3 on each worker.
e2e_sipp uas -sf "$E2E_SRC/uas_wait_bye.xml" -i 127.0.0.1 -p "$UAS" -m 6 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run short -sf "$E2E_SRC/uac_wait_bye.xml" -s short "127.0.0.1:$PROXY" \
	-cid_str 'wd-short-%u@test' -i 127.0.0.1 -p "$UAC3" -m 6 -r 50 -timeout 30s -timeout_error
e2e_expect_calls short 6
e2e_sipp_wait uas
e2e_expect_calls uas 6
wait_rows acc_cdrs 14
got=$(q "SELECT count(*), min(end_reason), max(end_reason), min(hangup_by), max(hangup_by)
	FROM acc_cdrs WHERE callid LIKE 'wd-short-%' AND duration_ms BETWEEN 1900 AND 4000")
[ "$got" = "6|timeout|timeout|proxy|proxy" ] || e2e_fail "CDRs of the calls timed out: '$got'"

# wd-ka-1..4: 2 on each worker.
e2e_sipp uas -sf "$E2E_SRC/uas_ka_481.xml" -i 127.0.0.1 -p "$UAS" -m 4 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run ka -sf "$E2E_SRC/uac_ka.xml" -s ka "127.0.0.1:$PROXY" \
	-cid_str 'wd-ka-%u@test' -i 127.0.0.1 -p "$UAC3" -m 4 -r 50 -timeout 30s -timeout_error
e2e_expect_calls ka 4
e2e_sipp_wait uas
e2e_expect_calls uas 4
wait_rows acc_cdrs 18
got=$(q "SELECT count(*), min(end_reason), max(end_reason), min(hangup_by), max(hangup_by)
	FROM acc_cdrs WHERE callid LIKE 'wd-ka-%'")
[ "$got" = "4|keepalive|keepalive|proxy|proxy" ] || e2e_fail "CDRs of the calls probed: '$got'"
n=$(grep -c "the callee answered the keep-alive with 481: ending the call" "$log")
[ "$n" = 4 ] || e2e_fail "$n keep-alives answered 481 in the log, expected 4"

# 4. wd-call-a/b-1..20 from two ports, wd-rej-1..6 refused by the callee.
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 40 -timeout 60s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp rej_uas -sf "$E2E_SRC/uas_reject.xml" -i 127.0.0.1 -p "$REJ" -m 6 -timeout 60s
e2e_wait_sipp_up rej_uas "$REJ"
e2e_sipp calla -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'wd-call-a-%u@test' \
	-i 127.0.0.1 -p "$UAC1" -m 20 -r 20 -d 500 -timeout 60s -timeout_error
e2e_sipp callb -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'wd-call-b-%u@test' \
	-i 127.0.0.1 -p "$UAC2" -m 20 -r 20 -d 500 -timeout 60s -timeout_error
e2e_sipp_run rej -sf "$E2E_SRC/uac_reject.xml" -s reject "127.0.0.1:$PROXY" \
	-cid_str 'wd-rej-%u@test' -i 127.0.0.1 -p "$UAC3" -m 6 -r 20 -timeout 60s -timeout_error
e2e_expect_calls rej 6
for s in calla callb uas rej_uas; do
	e2e_sipp_wait $s
done
e2e_expect_calls calla 20
e2e_expect_calls callb 20
e2e_expect_calls uas 40
e2e_expect_calls rej_uas 6
wait_rows acc_cdrs 58
q "SELECT callid, duration_ms, end_reason, hangup_by, caller, callee, end_time - start_time,
	length(from_tag), length(to_tag) FROM acc_cdrs WHERE callid LIKE 'wd-call-%'" >"$E2E_TMP/cdrs.txt"
n=$(wc -l <"$E2E_TMP/cdrs.txt")
[ "$n" = 40 ] || e2e_fail "$n CDRs of the answered calls, expected 40"
while IFS='|' read -r cid ms reason by caller callee secs ftag ttag; do
	[ "$ms" -ge 450 ] && [ "$ms" -le 3000 ] ||
		e2e_fail "$cid: duration $ms ms, expected about 500 (sipp -d 500)"
	[ "$reason" = bye ] || e2e_fail "$cid: end reason '$reason', expected bye"
	[ "$by" = caller ] || e2e_fail "$cid: hung up by '$by', expected caller"
	case $caller in sip:sipp@127.0.0.1*) ;; *) e2e_fail "$cid: caller '$caller'" ;; esac
	case $callee in sip:service@127.0.0.1*) ;; *) e2e_fail "$cid: callee '$callee'" ;; esac
	[ "$secs" -ge 0 ] && [ "$secs" -le 3 ] || e2e_fail "$cid: end - start = $secs s"
	[ "$ftag" -gt 0 ] && [ "$ttag" -gt 0 ] || e2e_fail "$cid: a tag is missing"
done <"$E2E_TMP/cdrs.txt"
n=$(q "SELECT count(DISTINCT callid) FROM acc_cdrs")
[ "$n" = 58 ] || e2e_fail "$n distinct Call-IDs in acc_cdrs, expected 58"
wait_rows missed_calls 10
got=$(q "SELECT count(*), min(method), min(sip_code), max(sip_code), min(sip_reason) FROM missed_calls
	WHERE callid LIKE 'wd-rej-%'")
[ "$got" = "6|INVITE|486|486|Busy Here" ] || e2e_fail "missed calls refused by the callee: '$got'"
wait_rows acc 68
got=$(q "SELECT DISTINCT method, sip_code, sip_reason, src_ip, from_user, ruri_user,
	CASE WHEN to_tag = '' THEN 'no tag' ELSE 'tag' END FROM acc WHERE callid LIKE 'wd-call-%'")
[ "$got" = "INVITE|200|OK|127.0.0.1|sipp|service|tag" ] ||
	e2e_fail "acc rows of the answered calls: '$got'"
n=$(q "SELECT count(*) FROM acc WHERE callid LIKE 'wd-call-%'")
[ "$n" = 40 ] || e2e_fail "$n acc rows of the answered calls, expected 40"

handed=$(curl -s "http://127.0.0.1:$METRICS/metrics" |
	awk '$1 == "sipcc_core_handoff_messages_total" { print $2 }')
e2e_log "$handed messages handed to the other worker"
[ -n "$handed" ] && [ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other ($handed)"
ctl_q dlg list
[ "$(json 'len(j["dialogs"])')" = 0 ] || e2e_fail "dialogs left: $(cat "$E2E_TMP/ctl.json")"
grep -q "accounting records dropped\|refused a .* record" "$log" &&
	e2e_fail "the proxy lost records: $(grep 'dropped\|refused a' "$log" | head -3)"
e2e_expect_proxy_alive
exit 0
