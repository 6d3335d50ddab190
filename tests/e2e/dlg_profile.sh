#!/bin/sh
# Dialog profiles limit concurrent calls per caller (tests/e2e/dlg_profile.sip,
# at most 2 calls per From URI), with sipp on both sides:
#  1. alice places two calls that last 8 s; while they are up the control
#     socket shows the sizes (dlg profile, dlg list), and her third call
#     gets 486 from the proxy (the callee never sees it), while a call of
#     bob's completes;
#  2. once alice's two calls have ended (BYE), the profile is empty and a
#     new call of hers completes;
#  3. a call the callee refuses (486) leaves the profiles too.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC UAC2 REJ
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: $CTL"
SOCK=$E2E_TMP/ctl.sock
e2e_build tests/e2e/dlg_profile.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS" \
	-D "NEXT_HOP_REJECT=sip:127.0.0.1:$REJ"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK"
log=$E2E_TMP/proxy.log
ALICE=sip:alice@example.com

ctl_q() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl --ctl $* failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
}

# json EXPR: a value of the last control answer (Python expression on j).
json() {
	python3 -c "import json, sys; j = json.load(open(sys.argv[1])); print($1)" "$E2E_TMP/ctl.json"
}

# 1. The callee answers 4 calls: alice's two, bob's, alice's after.
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 4 -timeout 40s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp held -sf "$E2E_SRC/uac_caller.xml" -key caller alice -s bob "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 2 -r 10 -d 8000 -timeout 30s -timeout_error
i=0
until ctl_q dlg profile calls_out "$ALICE" && [ "$(json 'j["size"]')" = 2 ]; do
	[ $i -ge 100 ] && e2e_fail "alice's calls not in the profile: $(cat "$E2E_TMP/ctl.json")"
	sleep 0.1; i=$((i + 1))
done
ctl_q dlg profile calls_out
[ "$(json 'j["size"]')" = 2 ] || e2e_fail "dlg profile calls_out: $(cat "$E2E_TMP/ctl.json")"
[ "$(json '[(v["value"], v["size"]) for v in j["values"]]')" = "[('$ALICE', 2)]" ] ||
	e2e_fail "dlg profile calls_out values: $(cat "$E2E_TMP/ctl.json")"
ctl_q dlg profile
[ "$(json '[(p["name"], p["values"], p["size"]) for p in j["profiles"]]')" = \
	"[('calls_out', True, 2), ('all_calls', False, 2)]" ] ||
	e2e_fail "dlg profile: $(cat "$E2E_TMP/ctl.json")"
ctl_q dlg list
[ "$(json 'sorted(p["name"] + "=" + p.get("value", "") for p in j["dialogs"][0]["profiles"])')" = \
	"['all_calls=', 'calls_out=$ALICE']" ] || e2e_fail "dlg list profiles: $(cat "$E2E_TMP/ctl.json")"
"$CTL" --ctl "$SOCK" dlg profile nosuch >/dev/null 2>&1 && e2e_fail "dlg profile of an unknown profile succeeded"

e2e_sipp_run third -sf "$E2E_SRC/uac_caller_busy.xml" -key caller alice -s bob \
	"127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC2" -m 1 -timeout 10s -timeout_error
e2e_expect_calls third 1
grep -q "$ALICE has too many calls: refused" "$log" || e2e_fail "the third call was not refused by the limit"
e2e_sipp_run bob -sf "$E2E_SRC/uac_caller.xml" -key caller bob -s carol "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC2" -m 1 -d 100 -timeout 10s -timeout_error
e2e_expect_calls bob 1

# 2.
e2e_sipp_wait held
e2e_expect_calls held 2
ctl_q dlg profile calls_out
[ "$(json '(j["size"], j["values"])')" = "(0, [])" ] ||
	e2e_fail "after the calls: $(cat "$E2E_TMP/ctl.json")"
e2e_sipp_run after -sf "$E2E_SRC/uac_caller.xml" -key caller alice -s bob "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -d 100 -timeout 10s -timeout_error
e2e_expect_calls after 1
e2e_sipp_wait uas
e2e_expect_calls uas 4

# 3.
e2e_sipp rej_uas -sf "$E2E_SRC/uas_reject.xml" -i 127.0.0.1 -p "$REJ" -m 1 -timeout 20s
e2e_wait_sipp_up rej_uas "$REJ"
e2e_sipp_run rej -sf "$E2E_SRC/uac_caller_busy.xml" -key caller alice -s reject \
	"127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -m 1 -timeout 10s -timeout_error
e2e_expect_calls rej 1
e2e_sipp_wait rej_uas
e2e_expect_calls rej_uas 1
ctl_q dlg profile
[ "$(json '[(p["name"], p["size"]) for p in j["profiles"]]')" = \
	"[('calls_out', 0), ('all_calls', 0)]" ] || e2e_fail "after a refused call: $(cat "$E2E_TMP/ctl.json")"
n=$(grep -c "has too many calls" "$log")
[ "$n" = 1 ] || e2e_fail "$n calls refused by the limit, expected 1"
e2e_expect_proxy_alive
exit 0
