#!/bin/sh
# Calls the proxy ends itself, with tests/e2e/dlg_end.sip and sipp on both
# sides (callers and callees that never hang up, so a call ends only when
# the proxy's BYE reaches them); each CDR says why and by whom:
#  1. 3 calls whose dialog lifetime (2 s) runs out: both sides get a BYE
#     (reason=timeout hangup_by=proxy, after about 2 s).
#  2. 2 calls ended with "sipcc-ctl --ctl SOCK dlg end", one by dialog id
#     and one by Call-ID (reason=ended hangup_by=operator); dlg end of a
#     dialog that has ended is refused.
#  3. 2 calls whose caller sends an INFO that makes the policy call
#     dlg_end_dlg() (reason=ended hangup_by=policy).
#  4. dlg_set_keepalive(2): the callee answers the in-dialog OPTIONS with
#     481, the caller with 200: the caller gets a BYE, the callee none
#     (reason=keepalive hangup_by=proxy).
#  5. The same with a callee that no longer answers at all (408).
# At the end no dialog is left.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: $CTL"
SOCK=$E2E_TMP/ctl.sock
e2e_build tests/e2e/dlg_end.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK"
log=$E2E_TMP/proxy.log

ctl_q() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err"
}

# cdrs REASON BY: how many CDR lines say so.
cdrs() {
	grep -c "ACC: call ended: .* reason=$1 hangup_by=$2\$" "$log"
}

# calls NAME SERVICE UAS_XML UAC_XML N: N calls of sipp NAME to SERVICE,
# the callee running UAS_XML; both must complete every call.
calls() {
	e2e_sipp "$1_uas" -sf "$E2E_SRC/$3" -i 127.0.0.1 -p "$UAS" -m "$5" -timeout 30s
	e2e_wait_sipp_up "$1_uas" "$UAS"
	e2e_sipp_run "$1_uac" -sf "$E2E_SRC/$4" -s "$2" "127.0.0.1:$PROXY" \
		-i 127.0.0.1 -p "$UAC" -m "$5" -r 10 -timeout 30s -timeout_error
	e2e_expect_calls "$1_uac" "$5"
	e2e_sipp_wait "$1_uas"
	e2e_expect_calls "$1_uas" "$5"
}

# 1.
calls short short uas_wait_bye.xml uac_wait_bye.xml 3
n=$(cdrs timeout proxy)
[ "$n" = 3 ] || e2e_fail "$n CDRs of timed-out calls, expected 3"
grep "reason=timeout" "$log" | sed 's/.*duration_ms=\([0-9]*\).*/\1/' | while read -r ms; do
	[ "$ms" -ge 1900 ] && [ "$ms" -le 4000 ] ||
		{ echo "duration $ms" >"$E2E_TMP/bad_duration"; }
done
[ -f "$E2E_TMP/bad_duration" ] && e2e_fail "a timed-out call lasted $(cat "$E2E_TMP/bad_duration") ms, not about 2000"
n=$(grep -c "the callee answered the BYE with 200" "$log")
[ "$n" = 3 ] || e2e_fail "$n BYEs to callees answered, expected 3"
n=$(grep -c "the caller answered the BYE with 200" "$log")
[ "$n" = 3 ] || e2e_fail "$n BYEs to callers answered, expected 3"

# 2.
e2e_sipp end_uas -sf "$E2E_SRC/uas_wait_bye.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 30s
e2e_wait_sipp_up end_uas "$UAS"
e2e_sipp end_uac -sf "$E2E_SRC/uac_wait_bye.xml" -s long "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 2 -r 10 -timeout 30s -timeout_error
i=0
until ctl_q dlg list && [ "$(grep -o '"state":"confirmed"' "$E2E_TMP/ctl.json" | wc -l)" = 2 ]; do
	[ $i -ge 100 ] && e2e_fail "dlg list: not 2 confirmed dialogs: $(cat "$E2E_TMP/ctl.json")"
	sleep 0.1; i=$((i + 1))
done
cp "$E2E_TMP/ctl.json" "$E2E_TMP/dlg_list.json"
set -- $(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["dialogs"]
print(d[0]["id"], d[1]["callid"], d[1]["id"])' "$E2E_TMP/dlg_list.json")
ctl_q dlg end "$1" || e2e_fail "dlg end $1 failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
grep -q '"ended":1' "$E2E_TMP/ctl.json" || e2e_fail "dlg end $1: $(cat "$E2E_TMP/ctl.json")"
ctl_q dlg end "$2" || e2e_fail "dlg end $2 failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
ctl_q dlg end "$3" && e2e_fail "dlg end of an ended dialog succeeded: $(cat "$E2E_TMP/ctl.json")"
e2e_sipp_wait end_uac
e2e_expect_calls end_uac 2
e2e_sipp_wait end_uas
e2e_expect_calls end_uas 2
n=$(cdrs ended operator)
[ "$n" = 2 ] || e2e_fail "$n CDRs of calls ended by the operator, expected 2"

# 3.
calls info info uas_wait_bye.xml uac_info_end.xml 2
n=$(cdrs ended policy)
[ "$n" = 2 ] || e2e_fail "$n CDRs of calls ended by the policy, expected 2"

# 4.
calls ka481 ka uas_ka_481.xml uac_ka.xml 1
grep -q "the callee answered the keep-alive with 481: ending the call" "$log" ||
	e2e_fail "no keep-alive answered 481 in the log"
n=$(cdrs keepalive proxy)
[ "$n" = 1 ] || e2e_fail "$n CDRs of calls ended by the keep-alive, expected 1"

# 5.
calls kasilent ka uas_ka_silent.xml uac_ka.xml 1
grep -q "the callee answered the keep-alive with 408: ending the call" "$log" ||
	e2e_fail "no keep-alive without an answer (408) in the log"
n=$(cdrs keepalive proxy)
[ "$n" = 2 ] || e2e_fail "$n CDRs of calls ended by the keep-alive, expected 2"
# No BYE ever went to a callee that was gone.
n=$(grep -c "the callee answered the BYE" "$log")
[ "$n" = 7 ] || e2e_fail "$n BYEs to callees answered, expected 7 (3 timeouts, 2 dlg end, 2 policy)"

ctl_q dlg list || e2e_fail "dlg list failed"
grep -q '"dialogs":\[\]' "$E2E_TMP/ctl.json" || e2e_fail "dialogs left: $(cat "$E2E_TMP/ctl.json")"
e2e_expect_proxy_alive
exit 0
