#!/bin/sh
# sipcc-web in a real browser (headless Chromium through puppeteer-core,
# tests/e2e/web_browser.js) beside a real proxy (tests/e2e/web.sip: a
# registrar authenticating against the subscriber table, calls accounted):
#  1. accounts from the command line: an admin with a password from
#     standard input, a support account with a generated one; only PBKDF2
#     hashes are stored;
#  2. in the browser: the login page, a wrong password and a login without
#     its CSRF token refused; log in; add the domain, the subscriber bob
#     (after a name with a quote is refused with a form error) and an
#     alias (after one with a space), bob's call forwarding preferences
#     (after a target with a space and a timeout that is no number) and
#     group, blacklist rows (after a prefix with a letter), a trusted
#     network (after one written with a host address), a dial-plan rule
#     (after one that does not compile; a number tried on it), a
#     dispatcher destination (after one with a space), a gateway and
#     a routing rule (after a bad address, a rule
#     naming a missing gateway; a gateway in use is not removed); forged
#     POSTs without or with a wrong
#     CSRF token get 403 and change nothing;
#  3. bob registers with sipp (digest authentication: the panel's HA1
#     works in the proxy) and a call from sipp reaches him through the
#     proxy;
#  4. in the browser: the subscriber list in pages (30 more subscribers
#     sipcc-ctl added, found by a search); bob's registration (contact,
#     user agent, expiry) on
#     the registrations page, the gateway's state as the proxy sees it
#     (drouting), the call's CDR in the CDR table, its filters
#     and its CSV export, the audit log, logout; a support account is
#     refused a change (403); a second call, in progress, on the calls
#     page, ended with its button (both sides get a BYE, the CDR says the
#     operator ended it); the statistics page; ops: bob disabled with the
#     button of his row (the proxy answers his REGISTER 403 "Subscriber
#     Disabled") and enabled again (he registers); a call to a gateway
#     that answers and one to a gateway that rejects: their CDR and
#     missed call name the gateway, and the CDR page shows ASR and ACD per
#     gateway (table and bars);
#     a call to 8001 through the dispatcher's set 2 (web.sip): the
#     dispatcher page shows that media server active with its call;
#     gateway 3, rule 3, the trusted network and the dial-plan rule edited
#     in place (refused values first); the panel's accounts managed by
#     the admin (add, role, password reset, remove), refused to support;
#  5. the security headers, and the cookie marked Secure over TLS; a
#     session survives a restart of the panel (ops) (kept in web_session by
#     the hash of its cookie) until it logs out; a removed account's
#     session ends at its next request; wrong passwords lock an account
#     for a while.
# On the database $E2E_DB_URL (default: a new SQLite file; web_pgsql.sh
# and web_mysql.sh run it on PostgreSQL and MariaDB).
# Screenshots of every page are left in tests/e2e/web-screenshots/ of the
# build tree. Skipped (77) without Chromium or puppeteer-core (scripts/check
# installs both: the Debian package chromium, and puppeteer-core with npm
# into ~/.cache/sipcc/web-e2e).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NODE_DIR=${SIPCC_WEB_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sipcc/web-e2e}
[ -x "$CHROMIUM" ] || e2e_skip "no Chromium at $CHROMIUM (apt-get install chromium)"
command -v node >/dev/null 2>&1 || e2e_skip "node not found (apt-get install nodejs)"
[ -f "$NODE_DIR/node_modules/puppeteer-core/package.json" ] ||
	e2e_skip "puppeteer-core not in $NODE_DIR (npm install --prefix $NODE_DIR puppeteer-core)"
e2e_init sipp python3 sqlite3 curl
WEB_BIN=${SIPCC_WEB:-$top_builddir/sipcc-web}
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
[ -x "$WEB_BIN" ] || e2e_error "sipcc-web not found: SIPCC_WEB=$WEB_BIN"
e2e_ports UAS PROXY UAC WEB WEBTLS GW GWA GWB DSM
DB=${E2E_DB_URL:-sqlite:$E2E_TMP/web.db}
SOCK=$E2E_TMP/sipcc.ctl
# WEB_PART: main (web.sh: 1 to 5 below), ops (web_ops.sh: 1, 2 and the
# part of 4 and 5 marked "ops") or all (the PostgreSQL and MariaDB runs),
# so that neither SQLite run is too long.
WEB_PART=${WEB_PART:-main}
main_part() { [ "$WEB_PART" != ops ]; }
ops_part() { [ "$WEB_PART" != main ]; }
if [ "$WEB_PART" = ops ]; then
	SHOTS=${E2E_SHOTS:-$top_builddir/tests/e2e/web-screenshots/ops}
else
	SHOTS=${E2E_SHOTS:-$top_builddir/tests/e2e/web-screenshots}
fi
mkdir -p "$SHOTS" && rm -f "$SHOTS"/*.png
# q SQL: one query on the database, rows as "a|b" lines.
q() {
	case $DB in
	sqlite:*) sqlite3 "${DB#sqlite:}" "$1" ;;
	postgres*) psql -X -A -t -q -d "$DB" -c "$1" ;;
	mysql*) "$MY_CLIENT" --no-defaults --socket="$MY_SOCK" -u root -N -B -r sipcc_test -e "$1" |
		tr '\t' '|' ;;
	esac
}

e2e_build tests/e2e/web.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"

# 1.
ADMIN=admin ADMIN_PW=admin-pass-$$ SUB_PW=bob-secret-$$
printf '%s\n' "$ADMIN_PW" | "$WEB_BIN" --db "$DB" admin add "$ADMIN" >"$E2E_TMP/admin.out" \
	2>"$E2E_TMP/admin.err" || e2e_fail "admin add: $(cat "$E2E_TMP/admin.err")"
[ -s "$E2E_TMP/admin.out" ] && e2e_fail "admin add printed a password it was given"
SUPPORT_PW=$("$WEB_BIN" --db "$DB" admin add helpdesk --role support </dev/null) ||
	e2e_fail "admin add --role support failed"
echo "$SUPPORT_PW" | grep -Eq '^[A-Za-z2-9]{20}$' || e2e_fail "generated password '$SUPPORT_PW'"
# admin passwd: a new generated password, printed, that verifies.
SUPPORT_PW2=$("$WEB_BIN" --db "$DB" admin passwd helpdesk </dev/null) || e2e_fail "admin passwd failed"
echo "$SUPPORT_PW2" | grep -Eq '^[A-Za-z2-9]{20}$' && [ "$SUPPORT_PW2" != "$SUPPORT_PW" ] ||
	e2e_fail "admin passwd printed '$SUPPORT_PW2'"
SUPPORT_PW=$SUPPORT_PW2
"$WEB_BIN" --db "$DB" admin passwd nobody </dev/null >/dev/null 2>&1 && e2e_fail "admin passwd of nobody worked"
got=$("$WEB_BIN" --db "$DB" admin list | tr '\n' ' ')
[ "$got" = "admin admin helpdesk support " ] || e2e_fail "admin list: '$got'"
q "SELECT pwhash FROM web_admin" | grep -Evq '^pbkdf2-sha256\$600000\$[0-9a-f]{32}\$[0-9a-f]{64}$' &&
	e2e_fail "a stored hash is not PBKDF2: $(q 'SELECT pwhash FROM web_admin')"
q "SELECT count(*) FROM web_admin WHERE pwhash LIKE '%$ADMIN_PW%'" | grep -qx 0 ||
	e2e_fail "the password is stored"

"$WEB_BIN" --db "$DB" --ctl "$SOCK" --listen "127.0.0.1:$WEB" >"$E2E_TMP/web.out" 2>&1 </dev/null &
WEB_PID=$!
e2e_track "$WEB_PID"
i=0
until curl -s -o /dev/null "http://127.0.0.1:$WEB/login"; do
	kill -0 "$WEB_PID" 2>/dev/null || e2e_fail "sipcc-web exited: $(cat "$E2E_TMP/web.out")"
	[ $i -ge 50 ] && e2e_fail "sipcc-web not answering on port $WEB"
	sleep 0.1; i=$((i + 1))
done

U=http://127.0.0.1:$WEB

# One browser at a time on the machine (flock, util-linux): make check runs
# tests side by side, and Chromium instances started together under load
# ran past the time limit, which counts from when the lock is held (120 s:
# the setup run passed 40 s under ASan on a loaded machine). A call
# that waits for the browser to end it allows for the wait.
BROWSER_LOCK=
command -v flock >/dev/null 2>&1 && BROWSER_LOCK="flock -w 300 ${TMPDIR:-/tmp}/sipcc-e2e-chromium.lock"

browser() { # setup|check
	WEB_URL=http://127.0.0.1:$WEB ADMIN=$ADMIN ADMIN_PW=$ADMIN_PW SUPPORT=helpdesk \
	SUPPORT_PW=$SUPPORT_PW SUB_PW=$SUB_PW DOMAIN=127.0.0.1 CONTACT=sip:bob@127.0.0.1:$UAS \
	GW_PORT=$GW GWA_PORT=$GWA GWB_PORT=$GWB DSM_PORT=$DSM SHOTS=$SHOTS CHROMIUM=$CHROMIUM NODE_PATH=$NODE_DIR/node_modules HOME=$E2E_TMP \
		$BROWSER_LOCK timeout 120 node "$E2E_SRC/web_browser.js" "$1" >"$E2E_TMP/browser-$1.out" 2>&1
	rc=$?
	[ $rc = 124 ] && { cat "$E2E_TMP/browser-$1.out" >&2; e2e_fail "browser $1: not done within 120 s"; }
	[ $rc = 0 ] || { cat "$E2E_TMP/browser-$1.out" >&2; e2e_fail "browser $1 failed"; }
	e2e_log "browser $1: $(grep -c '^ok:' "$E2E_TMP/browser-$1.out") checks passed"
}

# 2.
browser setup
grep -q "failed login for 'admin'" "$E2E_TMP/web.out" || e2e_fail "the failed login was not logged"
want=$(python3 -c 'import hashlib, sys; print(hashlib.md5(sys.argv[1].encode()).hexdigest())' \
	"bob:127.0.0.1:$SUB_PW")
[ "$(q "SELECT ha1 FROM subscriber WHERE username = 'bob'")" = "$want" ] ||
	e2e_fail "bob's ha1 is not MD5(bob:127.0.0.1:password)"
[ "$(q "SELECT password FROM subscriber WHERE username = 'bob'")" = "" ] ||
	e2e_fail "bob's password is stored in plain text"
got=$(q "SELECT attribute, type, value FROM usr_preferences WHERE username = 'bob' ORDER BY attribute" | tr '\n' ' ')
[ "$got" = "cfna_timeout|1|20 cfu|0|sip:voicemail@127.0.0.1 " ] || e2e_fail "bob's preferences: '$got'"
[ "$(q "SELECT grp FROM grp WHERE username = 'bob'")" = pstn ] || e2e_fail "bob is not in group pstn"
got=$(q "SELECT id, address, probe FROM dr_gateway")
[ "$got" = "1|sip:127.0.0.1:$GW|1" ] || e2e_fail "dr_gateway: '$got'"
got=$(q "SELECT username, prefix, whitelist FROM blacklist ORDER BY prefix" | tr '\n' ' ')
[ "$got" = "|0900|0 bob|09001|1 " ] || e2e_fail "blacklist: '$got'"
got=$(q "SELECT grp, ip, mask, port, proto, context_info FROM address")
[ "$got" = "1|10.0.0.0|24|5060|udp|pstn-gw" ] || e2e_fail "address: '$got'"
got=$(q "SELECT dpid, pr, match_op, match_exp, subst_exp, repl_exp, attrs FROM dialplan")
[ "$got" = '1|10|1|^0[1-9][0-9]+$|^0(.*)$|+49\1|national' ] || e2e_fail "dialplan: '$got'"
got=$(q "SELECT setid, destination, weight, description FROM dispatcher")
[ "$got" = "1|sip:127.0.0.1:$GW|70|media server A" ] || e2e_fail "dispatcher: '$got'"
got=$(q "SELECT groupid, prefix, gwlist FROM dr_rule")
[ "$got" = "1|00|1" ] || e2e_fail "dr_rule: '$got'"

# 30 more subscribers, added by sipcc-ctl, for the pages of the list.
i=1
while [ $i -le 30 ]; do
	"$CTL" --db "$DB" add "$(printf 'load%02d' $i)@127.0.0.1" "load-pass-$i" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl add load$i: $(cat "$E2E_TMP/ctl.err")"
	i=$((i + 1))
done

# 3. The proxy sees the new subscriber once it reloads the table: retry.
i=0
while :; do
	e2e_sipp_run reg -sf "$E2E_SRC/web_reg.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		-s bob -au bob -ap "$SUB_PW" -key contact_port "$UAS" -m 1 -timeout 5s -timeout_error
	[ "$SIPP_RC_reg" = 0 ] && break
	[ $i -ge 5 ] && e2e_fail "bob cannot register: $(cat "$E2E_TMP/reg.err" 2>/dev/null | tail -5)"
	sleep 1; i=$((i + 1))
done
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'web-call-%u@test' \
	-i 127.0.0.1 -p "$UAC" -s bob -m 1 -d 500 -timeout 20s -timeout_error
e2e_expect_calls uac 1
e2e_sipp_wait uas
i=0
until [ "$(q 'SELECT count(*) FROM acc_cdrs')" = 1 ]; do
	[ $i -ge 50 ] && e2e_fail "no CDR in acc_cdrs"
	sleep 0.1; i=$((i + 1))
done

if main_part; then
# 4.
browser check
e2e_sipp end_uas -sf "$E2E_SRC/uas_wait_bye.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 300s
e2e_wait_sipp_up end_uas "$UAS"
e2e_sipp end_uac -sf "$E2E_SRC/uac_wait_bye.xml" "127.0.0.1:$PROXY" -cid_str 'web-end-%u@test' \
	-i 127.0.0.1 -p "$UAC" -s bob -m 1 -timeout 300s -timeout_error
browser calls
e2e_sipp_wait end_uac
e2e_expect_calls end_uac 1
e2e_sipp_wait end_uas
e2e_expect_calls end_uas 1
i=0
until [ "$(q "SELECT end_reason, hangup_by FROM acc_cdrs WHERE callid = 'web-end-1@test'")" = "ended|operator" ]; do
	[ $i -ge 50 ] && e2e_fail "the ended call's CDR: $(q "SELECT * FROM acc_cdrs")"
	sleep 0.1; i=$((i + 1))
done
[ "$(q "SELECT count(*) FROM web_audit WHERE action = 'call end'")" = 1 ] ||
	e2e_fail "ending the call is not in the audit log"
fi
if ops_part; then
# bob disabled in the browser: the proxy answers his REGISTER (with the
# right password) 403 "Subscriber Disabled" once it has seen the change
# (its credential cache holds bob: it is emptied on the table's change);
# enabled again, he registers.
browser disable
[ "$(q "SELECT disabled FROM subscriber WHERE username = 'bob'")" = 1 ] || e2e_fail "bob is not disabled"
i=0
while :; do
	e2e_sipp_run regdis -sf "$E2E_SRC/reg_auth_disabled.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
		-p "$UAC" -s bob -au bob -ap "$SUB_PW" -key contact_port "$UAS" -key domain 127.0.0.1 \
		-m 1 -timeout 5s -timeout_error
	[ "$SIPP_RC_regdis" = 0 ] && break
	[ $i -ge 5 ] && e2e_fail "the disabled bob's REGISTER did not get 403 Subscriber Disabled"
	sleep 1; i=$((i + 1))
done
browser enable
[ "$(q "SELECT disabled FROM subscriber WHERE username = 'bob'")" = 0 ] || e2e_fail "bob is not enabled"
i=0
while :; do
	e2e_sipp_run reg2 -sf "$E2E_SRC/web_reg.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		-s bob -au bob -ap "$SUB_PW" -key contact_port "$UAS" -m 1 -timeout 5s -timeout_error
	[ "$SIPP_RC_reg2" = 0 ] && break
	[ $i -ge 5 ] && e2e_fail "bob cannot register once enabled again"
	sleep 1; i=$((i + 1))
done
# Two gateways, sipp UASs: 0049... goes to gateway 2, which answers,
# 0033... to gateway 3, which rejects (486). acc writes each call's
# gateway (gw_id); the CDR page shows ASR and ACD per gateway.
"$CTL" --db "$DB" --sync "$SOCK" gw add 2 "sip:127.0.0.1:$GWA" &&
	"$CTL" --db "$DB" --sync "$SOCK" gw add 3 "sip:127.0.0.1:$GWB" &&
	"$CTL" --db "$DB" --sync "$SOCK" rule add 1 0049 2 &&
	"$CTL" --db "$DB" --sync "$SOCK" rule add 1 0033 3 &&
	"$CTL" --db "$DB" --sync "$SOCK" ds add 2 "sip:127.0.0.1:$DSM" "desc=media server B" ||
	e2e_fail "sipcc-ctl gw/rule/ds add failed"
# A call to 8001 goes to set 2 of the dispatcher (web.sip).
e2e_sipp dsm -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$DSM" -m 1 -timeout 20s
e2e_wait_sipp_up dsm "$DSM"
e2e_sipp_run dscall -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'web-ds-%u@test' \
	-i 127.0.0.1 -p "$UAC" -s 8001 -m 1 -timeout 20s -timeout_error
e2e_expect_calls dscall 1
e2e_sipp_wait dsm
e2e_expect_calls dsm 1
e2e_sipp gwa -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$GWA" -m 1 -timeout 20s
e2e_sipp gwb -sf "$E2E_SRC/uas_reject.xml" -i 127.0.0.1 -p "$GWB" -m 1 -timeout 20s
e2e_wait_sipp_up gwa "$GWA"
e2e_wait_sipp_up gwb "$GWB"
e2e_sipp_run gwcall -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str 'web-gw-ok-%u@test' \
	-i 127.0.0.1 -p "$UAC" -s 0049301234 -m 1 -d 1000 -timeout 20s -timeout_error
e2e_expect_calls gwcall 1
e2e_sipp_run gwrej -sf "$E2E_SRC/uac_reject.xml" "127.0.0.1:$PROXY" -cid_str 'web-gw-rej-%u@test' \
	-i 127.0.0.1 -p "$UAC" -s 0033123456 -m 1 -timeout 20s -timeout_error
e2e_expect_calls gwrej 1
e2e_sipp_wait gwa
e2e_expect_calls gwa 1
e2e_sipp_wait gwb
e2e_expect_calls gwb 1
i=0
until [ "$(q "SELECT gw_id FROM acc_cdrs WHERE callid = 'web-gw-ok-1@test'")" = 2 ] &&
	[ "$(q "SELECT gw_id FROM missed_calls WHERE callid = 'web-gw-rej-1@test'")" = 3 ]; do
	[ $i -ge 50 ] && e2e_fail "the gateways in acc_cdrs and missed_calls: $(q "SELECT callid, gw_id FROM acc_cdrs") / $(q "SELECT callid, gw_id FROM missed_calls")"
	sleep 0.1; i=$((i + 1))
done
[ "$(q "SELECT count(*) FROM acc_cdrs WHERE gw_id <> 0")" = 1 ] ||
	e2e_fail "a call that went to no gateway has a gw_id"
browser gateways
[ "$(q "SELECT address, strip FROM dr_gateway WHERE id = 3")" = "sip:127.0.0.1:$GWB|2" ] ||
	e2e_fail "gateway 3 after its edit: $(q "SELECT * FROM dr_gateway WHERE id = 3")"
[ "$(q "SELECT groupid, prefix, priority, gwlist FROM dr_rule WHERE id = 3")" = "1|0033|5|3,2" ] ||
	e2e_fail "rule 3 after its edit: $(q "SELECT * FROM dr_rule WHERE id = 3")"
got=$(q "SELECT grp, ip, mask, port, proto, context_info FROM address")
[ "$got" = "1|10.0.0.0|24|5080|udp|pstn-gw2" ] || e2e_fail "address after its edit: '$got'"
got=$(q "SELECT dpid, pr, match_op, match_exp, subst_exp, repl_exp, attrs FROM dialplan")
[ "$got" = '1|20|1|^0[1-9][0-9]+$|^0(.*)$|+49\1|national-e164' ] || e2e_fail "dialplan after its edit: '$got'"
[ "$(q "SELECT count(*) FROM web_audit WHERE action IN ('gateway edit', 'rule edit', 'address edit',
	'dialplan edit')")" = 4 ] ||
	e2e_fail "the edits are not in the audit log"
browser accounts
got=$(q "SELECT action, object, detail FROM web_audit WHERE action LIKE 'account%' ORDER BY id" | tr '\n' ' ')
[ "$got" = "account add|ops2|support account role|ops2|support -> admin account password reset|ops2| account remove|ops2|admin " ] ||
	e2e_fail "the account changes in the audit log: '$got'"
[ "$(q "SELECT count(*) FROM web_admin WHERE name IN ('ops2', 'eve')")" = 0 ] ||
	e2e_fail "ops2 or eve is still an account"

fi
if main_part; then
# 5.
curl -s -D "$E2E_TMP/headers" -o /dev/null "http://127.0.0.1:$WEB/login"
for h in "Content-Security-Policy: default-src 'self'" "X-Frame-Options: DENY" \
	"X-Content-Type-Options: nosniff" "Cache-Control: no-store"; do
	tr -d '\r' <"$E2E_TMP/headers" | grep -qF "$h" || e2e_fail "no '$h' header"
done
tr -d '\r' <"$E2E_TMP/headers" | grep -i '^set-cookie:' | grep -qi 'secure' &&
	e2e_fail "the cookie is marked Secure over plain HTTP"
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
		-keyout "$E2E_TMP/key.pem" -out "$E2E_TMP/cert.pem" >/dev/null 2>&1 ||
		e2e_error "openssl cannot make a certificate"
	"$WEB_BIN" --db "$DB" --listen "127.0.0.1:$WEBTLS" --tls-cert "$E2E_TMP/cert.pem" \
		--tls-key "$E2E_TMP/key.pem" >"$E2E_TMP/webtls.out" 2>&1 </dev/null &
	e2e_track "$!"
	i=0
	until curl -sk -D "$E2E_TMP/tls.headers" -o /dev/null "https://127.0.0.1:$WEBTLS/login"; do
		[ $i -ge 50 ] && e2e_fail "sipcc-web over TLS not answering: $(cat "$E2E_TMP/webtls.out")"
		sleep 0.1; i=$((i + 1))
	done
	tr -d '\r' <"$E2E_TMP/tls.headers" | grep -i '^set-cookie:' |
		grep -q 'HttpOnly; SameSite=Strict; Secure' || e2e_fail "no Secure cookie over TLS"
fi
fi
if ops_part; then
# A session survives a restart of the panel (web_session keeps it, by the
# SHA-256 of its cookie): the same cookie and CSRF token work afterwards;
# logging out removes the row.
tok=$(curl -s -c "$E2E_TMP/jarr" -b "$E2E_TMP/jarr" "$U/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | cut -d'"' -f4)
got=$(curl -s -c "$E2E_TMP/jarr" -b "$E2E_TMP/jarr" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$tok" \
	--data-urlencode "name=$ADMIN" --data-urlencode "password=$ADMIN_PW" "$U/login")
[ "$got" = 303 ] || e2e_fail "admin cannot log in with curl: $got"
cookie=$(awk '$6 == "sipcc_session" { print $7 }' "$E2E_TMP/jarr")
sid=$(printf '%s' "$cookie" | sha256sum | cut -c1-64)
[ "$(q "SELECT admin FROM web_session WHERE sid = '$sid'")" = "$ADMIN" ] ||
	e2e_fail "the session is not in web_session by the SHA-256 of its cookie"
[ "$(q "SELECT count(*) FROM web_session WHERE sid = '$cookie'")" = 0 ] || e2e_fail "web_session keeps the cookie itself"
tok=$(curl -s -b "$E2E_TMP/jarr" "$U/domains" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | cut -d'"' -f4)
kill "$WEB_PID"
wait "$WEB_PID" 2>/dev/null
"$WEB_BIN" --db "$DB" --ctl "$SOCK" --listen "127.0.0.1:$WEB" >"$E2E_TMP/web2.out" 2>&1 </dev/null &
WEB_PID=$!
e2e_track "$WEB_PID"
i=0
until curl -s -o /dev/null "$U/login"; do
	[ $i -ge 50 ] && e2e_fail "sipcc-web did not come back: $(cat "$E2E_TMP/web2.out")"
	sleep 0.1; i=$((i + 1))
done
got=$(curl -s -b "$E2E_TMP/jarr" -o "$E2E_TMP/after.html" -w '%{http_code}' "$U/subscribers")
[ "$got" = 200 ] && grep -q "$ADMIN (admin)" "$E2E_TMP/after.html" ||
	e2e_fail "the session did not survive the panel's restart: $got"
got=$(curl -s -b "$E2E_TMP/jarr" -o /dev/null -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$tok" "$U/logout")
[ "$got" = "303 $U/login" ] || e2e_fail "logout with the CSRF token from before the restart: $got"
[ "$(q "SELECT count(*) FROM web_session WHERE sid = '$sid'")" = 0 ] || e2e_fail "logging out left the session row"
got=$(curl -s -b "$E2E_TMP/jarr" -o /dev/null -w '%{http_code}' "$U/subscribers")
[ "$got" = 303 ] || e2e_fail "the session still works after logout: $got"
fi
if main_part; then
# A removed account's session ends at its next request.
tok=$(curl -s -c "$E2E_TMP/jar" -b "$E2E_TMP/jar" "$U/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | cut -d'"' -f4)
got=$(curl -s -c "$E2E_TMP/jar" -b "$E2E_TMP/jar" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$tok" \
	--data-urlencode name=helpdesk --data-urlencode "password=$SUPPORT_PW" "$U/login")
[ "$got" = 303 ] || e2e_fail "helpdesk cannot log in with curl: $got"
got=$(curl -s -c "$E2E_TMP/jar" -b "$E2E_TMP/jar" -o /dev/null -w '%{http_code}' "$U/subscribers")
[ "$got" = 200 ] || e2e_fail "helpdesk's session does not read the subscribers: $got"
"$WEB_BIN" --db "$DB" admin rm helpdesk || e2e_fail "admin rm failed"
got=$(curl -s -c "$E2E_TMP/jar" -b "$E2E_TMP/jar" -o /dev/null -w '%{http_code} %{redirect_url}' "$U/subscribers")
[ "$got" = "303 $U/login" ] || e2e_fail "a removed account's session still works: $got"
# Wrong passwords lock the account for a while, the right one too.
login_code() { # PASSWORD: the status of a login as admin
	rm -f "$E2E_TMP/jar3"
	tok=$(curl -s -c "$E2E_TMP/jar3" -b "$E2E_TMP/jar3" "$U/login" | grep -o 'name="csrf" value="[0-9a-f]*"' | cut -d'"' -f4)
	curl -s -c "$E2E_TMP/jar3" -b "$E2E_TMP/jar3" -o "$E2E_TMP/login3.html" -w '%{http_code}' \
		--data-urlencode "csrf=$tok" --data-urlencode name=admin --data-urlencode "password=$1" "$U/login"
}
n=0
while [ "$(login_code wrong-password)" = 403 ]; do
	n=$((n + 1))
	[ $n -gt 5 ] && e2e_fail "6 wrong passwords and admin is not locked"
done
[ "$(login_code "$ADMIN_PW")" = 429 ] && grep -q 'Too many wrong passwords' "$E2E_TMP/login3.html" ||
	e2e_fail "a locked account logs in"
e2e_log "admin locked after $n more wrong passwords"
fi
e2e_log "screenshots in $SHOTS: $(cd "$SHOTS" && ls | tr '\n' ' ')"
