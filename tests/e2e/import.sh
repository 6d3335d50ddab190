#!/bin/sh
# Bulk provisioning with sipcc-ctl import, on SQLite or, with E2E_DB=pgsql
# (import_pgsql.sh), on a PostgreSQL server the test starts:
#  1. 10,000 subscribers from one CSV file (with a header line) in one
#     transaction; the time is logged (one "sipcc-ctl add" each takes
#     about 90 s for as many);
#  2. an imported subscriber registers with digest authentication through
#     a proxy (its ha1 is the one "add" computes);
#  3. a file with bad lines (bad address, unknown domain, a duplicate in
#     the file, one that exists already, too few fields) is refused whole:
#     each bad line is reported with its number, nothing is loaded;
#  4. aliases, prefs and groups import, and land in their tables.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_db_init
D=voip.example.com
N=${E2E_IMPORT_N:-10000}
e2e_subscribers

# 1. N subscribers.
python3 - "$E2E_TMP/subs.csv" "$N" "$D" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("subscriber,password\n")
    for i in range(int(sys.argv[2])):
        f.write("u%05d@%s,u%05d-secret\n" % (i, sys.argv[3], i))
PY
t0=$(date +%s%N)
"$CTL" --db "$DB" import subscribers "$E2E_TMP/subs.csv" >"$E2E_TMP/imp1.out" 2>&1 ||
	e2e_fail "import failed: $(cat "$E2E_TMP/imp1.out")"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
e2e_log "imported $N subscribers in $ms ms"
grep -q "imported $N subscribers" "$E2E_TMP/imp1.out" || e2e_fail "import said: $(cat "$E2E_TMP/imp1.out")"
[ "$ms" -lt 60000 ] || e2e_fail "importing $N subscribers took $ms ms"

# 2. One of them registers with its password.
e2e_ports PROXY UAC CONTACT
e2e_build tests/e2e/auth_registrar.sip
e2e_start_proxy "$PROXY" --db "$DB"
e2e_sipp_run reg -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s u04711 -au u04711 -ap u04711-secret -key contact_port "$CONTACT" -m 1 \
	-timeout 10s -timeout_error
e2e_expect_calls reg 1
e2e_wait_binding "u04711@$D" "the imported subscriber's registration is not stored"

# 3. Bad lines: all reported, nothing loaded.
cat >"$E2E_TMP/bad.csv" <<CSV
# new subscribers
new1@$D,pw1
not-an-address,pw2
new3@other.example.org,pw3
new1@$D,pw4
u00042@$D,pw5
new6@$D
"new7@$D","pw,with ""quotes"""
CSV
"$CTL" --db "$DB" import subscribers "$E2E_TMP/bad.csv" >"$E2E_TMP/bad.out" 2>&1 &&
	e2e_fail "a file with bad lines was imported"
for l in 3 4 5 6 7; do
	grep -q "bad.csv:$l: " "$E2E_TMP/bad.out" || e2e_fail "line $l not reported: $(cat "$E2E_TMP/bad.out")"
done
grep -q "bad.csv:[28]: " "$E2E_TMP/bad.out" && e2e_fail "a good line was reported: $(cat "$E2E_TMP/bad.out")"
grep -q "5 bad lines in .*nothing imported" "$E2E_TMP/bad.out" ||
	e2e_fail "no summary: $(cat "$E2E_TMP/bad.out")"
for u in new1 new7; do
	"$CTL" --db "$DB" passwd "$u@$D" x >/dev/null 2>&1 &&
		e2e_fail "$u was loaded from a refused file"
done
# The good lines alone go in.
grep -v -e not-an -e other.example -e pw4 -e u00042 -e 'new6@' "$E2E_TMP/bad.csv" >"$E2E_TMP/good.csv"
ctl import subscribers "$E2E_TMP/good.csv"
ctl passwd "new7@$D" changed

# 4. The other tables.
printf 'alias,subscriber\n4711@%s,u04711@%s\n' "$D" "$D" >"$E2E_TMP/aliases.csv"
ctl import aliases "$E2E_TMP/aliases.csv"
"$CTL" --db "$DB" alias list | grep -q "^4711@$D -> u04711@$D" || e2e_fail "the alias was not imported"
printf 'u00001@%s,cfu,sip:u00002@%s\n@%s,max_calls,4,int\n' "$D" "$D" "$D" >"$E2E_TMP/prefs.csv"
ctl import prefs "$E2E_TMP/prefs.csv"
[ "$("$CTL" --db "$DB" pref get "@$D")" = "max_calls int 4" ] || e2e_fail "the int attribute was not imported"
[ "$("$CTL" --db "$DB" pref get "u00001@$D" cfu)" = "sip:u00002@$D" ] || e2e_fail "cfu was not imported"
printf 'u00001@%s,pstn\nu00001@%s,intl\n' "$D" "$D" >"$E2E_TMP/groups.csv"
ctl import groups "$E2E_TMP/groups.csv"
"$CTL" --db "$DB" import groups "$E2E_TMP/groups.csv" >"$E2E_TMP/grp2.out" 2>&1 &&
	e2e_fail "group members were imported twice"
grep -q "groups.csv:1: u00001@$D pstn exists already" "$E2E_TMP/grp2.out" ||
	e2e_fail "the existing member is not reported: $(cat "$E2E_TMP/grp2.out")"
e2e_expect_proxy_alive
