#!/bin/sh
# The control commands of modules, through sipcc-ctl --ctl:
#  1. dialogs (tests/e2e/dialog.sip): while two sipp calls are up,
#     dialog.active is 2 and "dlg list" shows both confirmed, with their
#     Call-IDs; once they are hung up, none;
#  2. drouting (tests/e2e/drouting.sip): a gateway and a rule added with
#     sipcc-ctl are in the proxy's tables right after "dr reload", without
#     waiting for the 10 s refresh; one more gateway is there within a
#     second of a SIGHUP, and the proxy goes on.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
SOCK=$E2E_TMP/sipcc.ctl

ctl() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl --ctl $* failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
}
getstat() {
	ctl stats "$1"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], "missing"))' "$E2E_TMP/ctl.json" "$1"
}
expect_stat() {
	v=$(getstat "$1")
	[ "$v" = "$2" ] || e2e_fail "$1 is $v, expected $2"
}

# 1. Dialogs.
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/dialog.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY" --ctl "$SOCK"
expect_stat dialog.active 0
e2e_sipp uas -sf "$E2E_SRC/uas_dlg.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-m 2 -r 10 -d 4000 -timeout 30s -timeout_error
i=0
until [ "$(getstat dialog.active)" = 2 ]; do
	[ $i -ge 30 ] && e2e_fail "dialog.active did not reach 2 during the calls"
	sleep 0.1; i=$((i + 1))
done
ctl dlg list
python3 - "$E2E_TMP/ctl.json" <<'PY' || e2e_fail "dlg list: $(cat "$E2E_TMP/ctl.json")"
import json, sys
d = json.load(open(sys.argv[1]))["dialogs"]
assert len(d) == 2, d
assert all(x["state"] == "confirmed" and x["callid"] and x["to_tag"] for x in d), d
assert len({x["callid"] for x in d}) == 2, d
PY
e2e_sipp_wait uac
e2e_expect_calls uac 2
e2e_sipp_wait uas
e2e_expect_calls uas 2
expect_stat dialog.active 0
ctl dlg list
grep -q '"dialogs":\[\]' "$E2E_TMP/ctl.json" || e2e_fail "dialogs left: $(cat "$E2E_TMP/ctl.json")"
e2e_kill "$PROXY_PID"

# 2. Gateways.
DB=sqlite:$E2E_TMP/sipcc.db
dbctl() { "$CTL" --db "$DB" "$@" >>"$E2E_TMP/dbctl.out" 2>&1 || e2e_fail "sipcc-ctl $* failed"; }
dbctl db init
e2e_build tests/e2e/drouting.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"
e2e_wait_log "drouting: 0 gateways, 0 rules" 5 "the proxy did not load the gateway tables"
expect_stat dr.gateways 0
dbctl gw add 1 "sip:127.0.0.1:$UAS"
dbctl rule add 1 49 1
ctl dr reload
grep -q '"gateways":1,"rules":1' "$E2E_TMP/ctl.json" || e2e_fail "dr reload: $(cat "$E2E_TMP/ctl.json")"
expect_stat dr.gateways 1
expect_stat dr.rules 1
grep -q "drouting: reloaded on request: 1 gateways, 1 rules" "$E2E_TMP/proxy.log" ||
	e2e_fail "the reload is not logged"
dbctl gw add 2 "sip:127.0.0.1:$UAC"
kill -HUP "$PROXY_PID"
e2e_wait_log 'SIGHUP: dr reload: {"ok":true,"gateways":2,"rules":1}' 3 "no reload after SIGHUP"
e2e_expect_proxy_alive
expect_stat dr.gateways 2
