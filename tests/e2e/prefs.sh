#!/bin/sh
# Call forwarding and attributes from usr_preferences (tests/e2e/prefs.sip)
# on SQLite, or on a PostgreSQL server the test starts when E2E_DB=pgsql
# (prefs_pgsql.sh). The proxy runs all along; each change is made with
# sipcc-ctl and made current with "sipcc-ctl --ctl SOCK db sync":
#  1. a call to alice goes to her home (sipp UAS), with no cfu;
#  2. "pref set alice@... cfu sip:bob@127.0.0.1:FWD": the next call goes to
#     the forwarding target instead, the home UAS sees nothing;
#  3. "pref rm": the next call goes home again;
#  4. int attributes: the domain's value (@domain) for every user, a
#     user's own value before it; a value that is not an integer loads
#     nothing and is logged;
#  5. avp_db_store / avp_db_delete from the policy write through the
#     database worker (sipcc-ctl pref get sees the row, then not);
#  6. sql_query / sql_query2: a value bound, typed into str and int AVPs;
#     no row is false; a query the database refuses is false and logged;
#  7. (PostgreSQL) the server stopped: attributes still load from the copy
#     in memory; a store and a query are false (logged), without waiting.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_db_init
SOCK=$E2E_TMP/sipcc.ctl
PEER="python3 $E2E_SRC/sip_peer.py"
D=voip.example.com

e2e_ports HOME FWD PROXY UAC
e2e_subscribers alice bob carol
e2e_build tests/e2e/prefs.sip -D "HOME=sip:127.0.0.1:$HOME"
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info
e2e_wait_log "prefs: 0 attributes loaded" 10 "the proxy did not load usr_preferences"

sync_db() {
	"$CTL" --ctl "$SOCK" db sync >"$E2E_TMP/sync.json" 2>&1 ||
		e2e_fail "db sync failed: $(cat "$E2E_TMP/sync.json")"
}

# call NAME UAS_PORT: one call to alice (uac_rr.xml) answered by a sipp UAS
# on UAS_PORT, which must be the one that gets it.
call() {
	e2e_sipp "uas_$1" -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$2" -m 1 -timeout 15s
	e2e_wait_sipp_up "uas_$1" "$2"
	e2e_sipp_run "uac_$1" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
		-p "$UAC" -s alice -m 1 -timeout 10s -timeout_error
	e2e_expect_calls "uac_$1" 1
	e2e_sipp_wait "uas_$1"
	e2e_expect_calls "uas_$1" 1
}

# 1. No preference: home.
call home1 "$HOME"

# 2. cfu set: the next call is forwarded, without a restart.
ctl pref set "alice@$D" cfu "sip:bob@127.0.0.1:$FWD"
sync_db
call fwd "$FWD"
grep -q "cfu: alice forwarded to sip:bob@127.0.0.1:$FWD" "$E2E_TMP/proxy.log" ||
	e2e_fail "the forwarded call is not in the log"

# 3. cfu removed: home again.
ctl pref rm "alice@$D" cfu
sync_db
call home2 "$HOME"

# 4. Typed attributes with the domain's fallback.
$PEER "$PROXY" OPTIONS "sip:carol@$D" --expect 404 >"$E2E_TMP/o1.out" ||
	e2e_fail "an attribute nobody set was loaded: $(cat "$E2E_TMP/o1.out")"
ctl pref set "@$D" options_code 202 --int
ctl pref set "carol@$D" options_code 203 --int
sync_db
$PEER "$PROXY" OPTIONS "sip:bob@$D" --expect 202 >"$E2E_TMP/o2.out" ||
	e2e_fail "the domain's attribute is not bob's: $(cat "$E2E_TMP/o2.out")"
$PEER "$PROXY" OPTIONS "sip:carol@$D" --expect 203 >"$E2E_TMP/o3.out" ||
	e2e_fail "carol's own attribute did not win over the domain's: $(cat "$E2E_TMP/o3.out")"
ctl pref set "carol@$D" options_code "20x"
sync_db
$PEER "$PROXY" OPTIONS "sip:carol@$D" --expect 404 >"$E2E_TMP/o4.out" ||
	e2e_fail "a value that is not an integer was loaded into an int AVP: $(cat "$E2E_TMP/o4.out")"
e2e_wait_log 'value "20x" for int AVP options_code is not an integer' 2 \
	"the unconvertible value was not logged"

# 5. Stored and deleted by the policy.
$PEER "$PROXY" PUBLISH "sip:prefs@$D" --from "sip:dave@$D" --header "Subject: sip:vm@$D" \
	--expect 200 >"$E2E_TMP/s1.out" || e2e_fail "avp_db_store failed: $(cat "$E2E_TMP/s1.out")"
[ "$("$CTL" --db "$DB" pref get "dave@$D" cfu)" = "sip:vm@$D" ] ||
	e2e_fail "the stored attribute is not in the table"
sync_db
ctl pref set "@$D" cfu "sip:domain-wide@$D"
$PEER "$PROXY" NOTIFY "sip:prefs@$D" --from "sip:dave@$D" --expect 200 >"$E2E_TMP/s2.out" ||
	e2e_fail "avp_db_delete failed: $(cat "$E2E_TMP/s2.out")"
"$CTL" --db "$DB" pref get "dave@$D" cfu >/dev/null 2>&1 &&
	e2e_fail "the deleted attribute is still in the table"
[ "$("$CTL" --db "$DB" pref get "@$D" cfu)" = "sip:domain-wide@$D" ] ||
	e2e_fail "deleting a user's attribute touched the domain's"
$PEER "$PROXY" NOTIFY "sip:prefs@$D" --from "sip:dave@$D" --expect 404 >"$E2E_TMP/s3.out" ||
	e2e_fail "deleting nothing was true: $(cat "$E2E_TMP/s3.out")"

# 6. General queries.
ha1=$(python3 -c "import hashlib; print(hashlib.md5(b'bob:$D:bob-secret').hexdigest())")
$PEER "$PROXY" MESSAGE "sip:ha1@$D" --from "sip:bob@$D" --expect 200 >"$E2E_TMP/q1.out" ||
	e2e_fail "sql_query found no row: $(cat "$E2E_TMP/q1.out")"
grep -q "200 $ha1" "$E2E_TMP/q1.out" || e2e_fail "sql_query read the wrong value: $(cat "$E2E_TMP/q1.out")"
$PEER "$PROXY" MESSAGE "sip:ha1@$D" --from "sip:nobody@$D" --expect 404 >"$E2E_TMP/q2.out" ||
	e2e_fail "sql_query without a row was true: $(cat "$E2E_TMP/q2.out")"
printf 'subscriber,group\nbob@%s,pstn\nbob@%s,intl\ncarol@%s,pstn\n' "$D" "$D" "$D" >"$E2E_TMP/grp.csv"
ctl import groups "$E2E_TMP/grp.csv"
$PEER "$PROXY" MESSAGE "sip:count@$D" --from "sip:bob@$D" --header "Subject: pstn" --expect 201 \
	>"$E2E_TMP/q3.out" || e2e_fail "sql_query2 into an int AVP: $(cat "$E2E_TMP/q3.out")"
$PEER "$PROXY" MESSAGE "sip:count@$D" --from "sip:alice@$D" --header "Subject: pstn" --expect 200 \
	>"$E2E_TMP/q4.out" || e2e_fail "sql_query2 counted for alice: $(cat "$E2E_TMP/q4.out")"
$PEER "$PROXY" MESSAGE "sip:broken@$D" --from "sip:bob@$D" --expect 500 >"$E2E_TMP/q5.out" ||
	e2e_fail "a query the database refuses was true: $(cat "$E2E_TMP/q5.out")"
e2e_wait_log "prefs: sql_query failed" 2 "the refused query was not logged"
e2e_expect_proxy_alive

# 7. PostgreSQL stopped: loads keep the copy loaded last; a store and a
#    query are false at once, logged; nothing waits for the database.
[ "${E2E_DB:-}" = pgsql ] || exit 0
eval "$PG_STOP" >>"$E2E_TMP/pg.out" 2>&1 || e2e_error "cannot stop PostgreSQL"
$PEER "$PROXY" OPTIONS "sip:bob@$D" --expect 202 >"$E2E_TMP/d1.out" ||
	e2e_fail "the cached attribute is lost with the database down: $(cat "$E2E_TMP/d1.out")"
t0=$(date +%s%N)
$PEER "$PROXY" PUBLISH "sip:prefs@$D" --from "sip:dave@$D" --header "Subject: sip:x@$D" \
	--expect 500 --timeout 6 >"$E2E_TMP/d2.out" ||
	e2e_fail "a store with the database down: $(cat "$E2E_TMP/d2.out")"
$PEER "$PROXY" MESSAGE "sip:ha1@$D" --from "sip:bob@$D" --expect 404 --timeout 6 \
	>"$E2E_TMP/d3.out" || e2e_fail "a query with the database down: $(cat "$E2E_TMP/d3.out")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
e2e_log "store and query answered in $ms ms with the database down"
e2e_wait_log "prefs: cannot store attribute cfu of dave@$D" 2 "the failed store was not logged"
$PEER "$PROXY" OPTIONS "sip:carol@$D" --expect 404 >/dev/null ||
	e2e_fail "OPTIONS after the failures"
e2e_expect_proxy_alive
