#!/bin/sh
# Provisioning without a reload command (tests/e2e/db_change.sip; the
# timed reloads of the domain and gateway tables are off):
#  1. "sipcc-ctl domain add" then "sipcc-ctl --ctl SOCK db sync": the new
#     domain is served at once (db sync answers once it is loaded);
#  2. a routing rule written by another program (plain SQL, no sipcc-ctl)
#     is routed within a few seconds: the trigger bumped its serial and the
#     proxy's poll (db.change_interval, 1 s) reloaded the table; the log
#     says why it reloaded;
#  3. a domain removed with "sipcc-ctl --sync SOCK" is no longer served when
#     sipcc-ctl returns;
#  4. with nothing changed, db sync reloads nothing;
#  5. does_uri_exist(): a subscriber added with sipcc-ctl exists at once
#     after db sync although the proxy cached "no such subscriber" a moment
#     before (a change to the subscriber table empties the cache, which
#     otherwise keeps a row 30 s); removed, it is unknown again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
SOCK=$E2E_TMP/sipcc.ctl
PEER="python3 $E2E_SRC/sip_peer.py"

e2e_ports GW PROXY
ctl db init
ctl gw add 1 "sip:127.0.0.1:$GW"
e2e_build tests/e2e/db_change.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info

$PEER "$PROXY" OPTIONS sip:new.example.com --expect 404 >"$E2E_TMP/p1.out" ||
	e2e_fail "an unknown domain was served: $(cat "$E2E_TMP/p1.out")"
ctl domain add new.example.com
"$CTL" --ctl "$SOCK" db sync >"$E2E_TMP/sync.json" ||
	e2e_fail "db sync failed: $(cat "$E2E_TMP/sync.json")"
grep -q '"ok":true' "$E2E_TMP/sync.json" || e2e_fail "db sync: $(cat "$E2E_TMP/sync.json")"
$PEER "$PROXY" OPTIONS sip:new.example.com --expect 200 >"$E2E_TMP/p2.out" ||
	e2e_fail "a domain added with sipcc-ctl is not served after db sync: $(cat "$E2E_TMP/p2.out")"

# Another writer: plain SQL on the database file.
$PEER "$PROXY" INVITE sip:3312345@127.0.0.1 --expect 404 >"$E2E_TMP/p3.out" ||
	e2e_fail "a number without a rule was routed: $(cat "$E2E_TMP/p3.out")"
python3 - "${DB#sqlite:}" <<'PY' || e2e_fail "cannot write the rule with plain SQL"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO dr_rule (id, groupid, prefix, priority, gwlist) VALUES (9, 1, '33', 0, '1')")
c.commit()
PY
$PEER "$PROXY" INVITE sip:3312345@127.0.0.1 --until 202 --timeout 5 >"$E2E_TMP/p4.out" ||
	e2e_fail "a rule written with plain SQL was not loaded within 5 s: $(tail -1 "$E2E_TMP/p4.out")"
e2e_wait_log "db: dr changed; reloading" 2 "the proxy did not log why it reloaded"

"$CTL" --db "$DB" --sync "$SOCK" domain rm new.example.com >>"$E2E_TMP/ctl.out" 2>&1 ||
	e2e_fail "sipcc-ctl --sync domain rm failed"
$PEER "$PROXY" OPTIONS sip:new.example.com --expect 404 >"$E2E_TMP/p5.out" ||
	e2e_fail "a removed domain is still served after db sync: $(cat "$E2E_TMP/p5.out")"

n=$(grep -c "changed; reloading" "$E2E_TMP/proxy.log")
"$CTL" --ctl "$SOCK" db sync >/dev/null || e2e_fail "db sync failed"
sleep 1.5
[ "$(grep -c "changed; reloading" "$E2E_TMP/proxy.log")" = "$n" ] ||
	e2e_fail "tables were reloaded with nothing changed"
$PEER "$PROXY" MESSAGE sip:bob@voip.example.com --expect 404 >"$E2E_TMP/p6.out" ||
	e2e_fail "an unknown subscriber exists: $(cat "$E2E_TMP/p6.out")"
ctl domain add voip.example.com
ctl add bob@voip.example.com bob-secret
"$CTL" --ctl "$SOCK" db sync >/dev/null || e2e_fail "db sync failed"
$PEER "$PROXY" MESSAGE sip:bob@voip.example.com --expect 200 >"$E2E_TMP/p7.out" ||
	e2e_fail "a subscriber added with sipcc-ctl does not exist after db sync: $(cat "$E2E_TMP/p7.out")"
ctl rm bob@voip.example.com
"$CTL" --ctl "$SOCK" db sync >/dev/null || e2e_fail "db sync failed"
$PEER "$PROXY" MESSAGE sip:bob@voip.example.com --expect 404 >"$E2E_TMP/p8.out" ||
	e2e_fail "a removed subscriber still exists after db sync: $(cat "$E2E_TMP/p8.out")"
e2e_expect_proxy_alive
