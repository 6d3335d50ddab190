#!/bin/sh
# Dial plans through a compiled proxy (tests/e2e/dialplan.sip) on the
# database $E2E_DB_URL (default: a new SQLite file; dialplan_pgsql.sh runs
# it on PostgreSQL), the rules written by sipcc-ctl, a sipp UAS playing
# the gateway that checks the request-URI it gets with a regexp:
#  1. sipcc-ctl refuses rules that do not compile (a bad regular
#     expression, a back reference beyond the groups) and lists the rules
#     in the order the proxy tries them;
#  2. a national number (0 + number) reaches the gateway in E.164 (+44...),
#     an international one (00 + number) as +...; the policy's log line
#     shows the rule and its attributes ($dp_rule, $dp_attrs), and so
#     does the reply route of the transaction;
#  3. a number no rule matches gets 404; after "sipcc-ctl dp add" and
#     "sipcc-ctl --ctl SOCK db sync" the running proxy translates it on
#     the next call;
#  4. a rule with a bad regular expression written with plain SQL (tried
#     first: priority -5) is reported in the log with its id, counted
#     (dialplan.bad_rules), marked by "sipcc-ctl dp list"; the other rules
#     keep working;
#  5. "sipcc-ctl --ctl SOCK dp translate" shows a translation; "dp rm"
#     removes a rule.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init "${E2E_DB_URL:-}"
SOCK=$E2E_TMP/sipcc.ctl
PEER="python3 $E2E_SRC/sip_peer.py"
# q SQL: one statement on the database, rows as "a|b|c" lines.
q() {
	case $DB in
	sqlite:*) sqlite3 "${DB#sqlite:}" "$1" ;;
	postgres*) psql -X -A -t -q -d "$DB" -c "$1" ;;
	*) e2e_error "no client for $DB" ;;
	esac
}
case $DB in
sqlite:*) command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found" ;;
postgres*) command -v psql >/dev/null 2>&1 || e2e_skip "psql not found" ;;
esac
# ctl_refused WHAT ARGS...: sipcc-ctl must exit 1 with a message containing WHAT.
ctl_refused() {
	what=$1; shift
	"$CTL" --db "$DB" "$@" >"$E2E_TMP/ctl.err" 2>&1
	rc=$?
	[ $rc = 1 ] || e2e_fail "sipcc-ctl $*: exit status $rc, expected 1: $(cat "$E2E_TMP/ctl.err")"
	grep -qF -- "$what" "$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl $*: expected '$what', got: $(cat "$E2E_TMP/ctl.err")"
}
getstat() {
	"$CTL" --ctl "$SOCK" stats "$1" >"$E2E_TMP/ctl.json" 2>&1 ||
		e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], "missing"))' "$E2E_TMP/ctl.json" "$1"
}
db_sync() {
	"$CTL" --ctl "$SOCK" db sync >"$E2E_TMP/sync.json" 2>&1 ||
		e2e_fail "db sync failed: $(cat "$E2E_TMP/sync.json")"
}

e2e_ports GW PROXY UAC
ctl db init
ctl gw add 1 "sip:127.0.0.1:$GW"
ctl rule add 1 +44 1
ctl rule add 1 +49 1

# 1. Rules as sipcc-ctl writes them, and the ones it refuses.
ctl dp add 1 10 '^0([1-9][0-9]+)$' '' '+44\1' attrs=national
ctl dp add 1 5 '^00([1-9][0-9]+)$' '' '+\1' attrs=international
ctl dp add 1 0 '^[+][1-9][0-9]+$' '' '' attrs=e164
ctl_refused "is not a valid regular expression" dp add 1 0 '^(0[0-9' '' 'x'
ctl_refused "refers to \\2, but subst_exp '^0([0-9]+)\$' has 1 group" \
	dp add 1 0 '^0' '^0([0-9]+)$' '+44\2'
ctl_refused "refers to \\1, but an exact rule" dp add 1 0 112 '' 'x\1' op=exact
ctl_refused "bad op" dp add 1 0 112 '' 911 op=fnmatch
ctl_refused "bad priority" dp add 1 high 112 '' 911
ctl_refused "no dial-plan rule 999" dp rm 999
"$CTL" --db "$DB" dp list 1 >"$E2E_TMP/dp.list" || e2e_fail "dp list failed"
[ "$(cut -d' ' -f3,7 "$E2E_TMP/dp.list" | tr '\n' ';')" = \
	"pr=0 repl=;pr=5 repl=+\\1;pr=10 repl=+44\\1;" ] ||
	e2e_fail "dp list: $(cat "$E2E_TMP/dp.list")"

e2e_build tests/e2e/dialplan.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info

# gateway NAME RURI-REGEXP: a gateway UAS for one call whose request-URI
# must match the regexp.
gateway() {
	sed -e "s|@RURI@|$2|" -e "/@ANSWER@/r $E2E_SRC/dr_answer_200.xml" -e "/@ANSWER@/d" \
		"$E2E_SRC/dr_uas.xml" >"$E2E_TMP/$1.xml"
	e2e_sipp "$1" -sf "$E2E_TMP/$1.xml" -i 127.0.0.1 -p "$GW" -m 1 -timeout 30s
	e2e_wait_sipp_up "$1" "$GW"
}
# call NAME NUMBER: one call to NUMBER through the proxy; it must succeed
# and the gateway NAME_gw must have got it.
call() {
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s "$2" \
		-i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error
	e2e_expect_calls "$1" 1
	e2e_sipp_wait "$1_gw"
	e2e_expect_calls "$1_gw" 1
}

# 2. National and international numbers reach the gateway in E.164.
gateway national_gw "sip:[+]442071234567@127[.]0[.]0[.]1:$GW"
call national 02071234567
gateway intl_gw "sip:[+]49301234567@127[.]0[.]0[.]1:$GW"
call intl 0049301234567
gateway e164_gw "sip:[+]442071234568@127[.]0[.]0[.]1:$GW"
call e164 +442071234568
grep -q "dialplan: rule 1 (national) turns 02071234567 into +442071234567" "$E2E_TMP/proxy.log" ||
	e2e_fail "the policy's log line does not show the national rule (\$dp_rule, \$dp_attrs)"
grep -q "dialplan: rule 2 (international) turns 0049301234567 into +49301234567" \
	"$E2E_TMP/proxy.log" || e2e_fail "the policy's log line does not show the international rule"
grep -q "dialplan: answered after rule 1 (national)" "$E2E_TMP/proxy.log" ||
	e2e_fail "the reply route does not see the rule the request route applied"

# 3. A 4-digit extension has no rule yet; one added while the proxy runs
#    is used on the next call.
$PEER "$PROXY" INVITE sip:1234@127.0.0.1 --expect 404 >"$E2E_TMP/p1.out" ||
	e2e_fail "a number without a dial-plan rule was not refused: $(cat "$E2E_TMP/p1.out")"
grep -q "No Dial Plan Rule" "$E2E_TMP/p1.out" || e2e_fail "404 for another reason: $(cat "$E2E_TMP/p1.out")"
ctl dp add 1 20 '^([1-9][0-9]{3})$' '' '+44207946\1' attrs=extension
db_sync
gateway ext_gw "sip:[+]442079461234@127[.]0[.]0[.]1:$GW"
call ext 1234

# 4. A broken rule written by another program: left out, reported with its
#    id, counted; the rules after it still translate.
id=$(q "INSERT INTO dialplan (dpid, pr, match_op, match_exp, subst_exp, repl_exp)
	VALUES (1, -5, 1, '^(0', '', '+1') RETURNING id") || e2e_fail "cannot insert with plain SQL"
[ -n "$id" ] || e2e_fail "no id for the rule inserted with plain SQL"
db_sync
e2e_wait_log "dialplan: rule $id left out: match_exp '^(0' is not a valid regular expression" 5 \
	"the rule with a bad regular expression (id $id) is not reported in the log"
n=$(getstat dialplan.bad_rules)
[ "$n" = 1 ] || e2e_fail "dialplan.bad_rules is $n, expected 1"
n=$(getstat dialplan.rules)
[ "$n" = 4 ] || e2e_fail "dialplan.rules is $n, expected 4"
"$CTL" --db "$DB" dp list >"$E2E_TMP/dp.list2" || e2e_fail "dp list failed"
grep -q "^$id dpid=1 pr=-5 .*(left out by the proxy: match_exp '^(0' is not a valid" \
	"$E2E_TMP/dp.list2" || e2e_fail "dp list does not mark the bad rule: $(cat "$E2E_TMP/dp.list2")"
gateway national2_gw "sip:[+]442071234569@127[.]0[.]0[.]1:$GW"
call national2 02071234569

# 5. The control socket translates with the rules in use; dp rm.
"$CTL" --ctl "$SOCK" dp translate 1 0049301234 >"$E2E_TMP/tr.json" ||
	e2e_fail "dp translate failed: $(cat "$E2E_TMP/tr.json")"
grep -q '"output":"+49301234","rule":2,"attrs":"international"' "$E2E_TMP/tr.json" ||
	e2e_fail "dp translate: $(cat "$E2E_TMP/tr.json")"
ctl dp rm 2
db_sync
$PEER "$PROXY" INVITE sip:0049301234@127.0.0.1 --expect 404 >"$E2E_TMP/p2.out" ||
	e2e_fail "a removed rule still translates: $(cat "$E2E_TMP/p2.out")"
e2e_expect_proxy_alive
