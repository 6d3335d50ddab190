#!/bin/sh
# A reload of the gateway tables while the database hangs (the policy
# tests/e2e/drouting.sip on a PostgreSQL server the test starts, frozen
# with SIGSTOP):
#  1. Before: rule 49 of group 1 sends 4989123 to gateway 1 (timer reloads
#     are off: drouting.reload_interval = 0).
#  2. A longer rule 4989 -> gateway 2 is written, the database frozen, and
#     a reload asked for with SIGHUP and with "sipcc-ctl dr reload". The
#     load runs on the database worker and waits there: calls to 4989123,
#     which need no database, keep completing meanwhile, through gateway 1
#     (the tables loaded before stay in use, whole), and no reload is
#     reported done.
#  3. Thawed: the reload completes (the SIGHUP reply is logged, the
#     sipcc-ctl client gets its deferred answer with the new numbers), and
#     4989123 now goes to gateway 2.
# Skipped without the PostgreSQL server binaries or sipp.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_init
e2e_pg_start
e2e_ctl_init "$PG_URL"
SOCK=$E2E_TMP/sipcc.ctl
now_ms() { date +%s%3N; }

e2e_ports GW1 GW2 PROXY UAC
ctl db init
ctl gw add 1 "sip:127.0.0.1:$GW1"
ctl gw add 2 "sip:127.0.0.1:$GW2"
ctl rule add 1 49 1

# No timer and no polling of the change serials: only SIGHUP and the
# control command reload the tables here.
{ echo "use drouting { reload_interval = 0; }"; echo "use db { change_interval = 0; }"; cat "$top_srcdir/tests/e2e/drouting.sip"; } \
	>"$E2E_TMP/dr_manual.sip"
e2e_build "$E2E_TMP/dr_manual.sip"
E2E_LOG_LEVEL=debug
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"
e2e_wait_log "drouting: 2 gateways, 1 rules" 10 "the proxy did not load the gateway tables"

# gateway NAME PORT RURI-REGEXP CALLS: a gateway UAS answering 200.
gateway() {
	sed -e "s|@RURI@|$3|" -e "/@ANSWER@/r $E2E_SRC/dr_answer_200.xml" -e "/@ANSWER@/d" \
		"$E2E_SRC/dr_uas.xml" >"$E2E_TMP/$1.xml"
	e2e_sipp "$1" -sf "$E2E_TMP/$1.xml" -i 127.0.0.1 -p "$2" -m "$4" -timeout 30s
	e2e_wait_sipp_up "$1" "$2"
}
call() {  # NAME CALLS
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s 4989123 \
		-i 127.0.0.1 -p "$UAC" -m "$2" -r 10 -timeout 20s -timeout_error
	e2e_expect_calls "$1" "$2"
}

# 1. Before.
gateway gw1 "$GW1" "sip:4989123@127[.]0[.]0[.]1:$GW1" 4
call before 1

# 2. New rule, frozen database, reloads asked for.
ctl rule add 1 4989 2
e2e_pg_signal STOP || e2e_error "cannot find the PostgreSQL processes"
t0=$(now_ms)
loads=$(grep -c "dr: loading the tables" "$E2E_TMP/proxy.log")
kill -HUP "$PROXY_PID"
"$CTL" --ctl "$SOCK" dr reload >"$E2E_TMP/reload.json" 2>"$E2E_TMP/reload.err" &
CTL_PID=$!
e2e_track "$CTL_PID"
i=0
until [ "$(grep -c "dr: loading the tables" "$E2E_TMP/proxy.log")" -gt "$loads" ]; do
	[ $i -ge 30 ] && e2e_fail "no reload started within 3 s of SIGHUP"
	sleep 0.1; i=$((i + 1))
done
call frozen 3
t_calls=$(( $(now_ms) - t0 ))
e2e_log "3 calls completed $t_calls ms into the freeze"
# A loop that waited for the database would have held them for the
# adapter's query bound (5 s).
[ "$t_calls" -lt 4500 ] || e2e_fail "the calls took $t_calls ms: they waited for the database"
grep -q "SIGHUP: dr reload:" "$E2E_TMP/proxy.log" &&
	e2e_fail "a reload was reported done while the database was frozen"
kill -0 "$CTL_PID" 2>/dev/null || e2e_fail "sipcc-ctl dr reload answered while the database was frozen: $(cat "$E2E_TMP/reload.json" "$E2E_TMP/reload.err")"
e2e_expect_proxy_alive

# 3. Thaw: the reload completes and the new rule routes.
e2e_pg_signal CONT
wait "$CTL_PID" || e2e_fail "sipcc-ctl dr reload failed: $(cat "$E2E_TMP/reload.json" "$E2E_TMP/reload.err")"
grep -q '"ok":true,"gateways":2,"rules":2' "$E2E_TMP/reload.json" ||
	e2e_fail "dr reload answered: $(cat "$E2E_TMP/reload.json")"
e2e_wait_log 'SIGHUP: dr reload: {"ok":true,"gateways":2,"rules":2}' 10 "the SIGHUP reload did not complete after the thaw"
e2e_sipp_wait gw1
e2e_expect_calls gw1 4
gateway gw2 "$GW2" "sip:4989123@127[.]0[.]0[.]1:$GW2" 1
call after 1
e2e_sipp_wait gw2
e2e_expect_calls gw2 1
"$CTL" --ctl "$SOCK" stats dr. >"$E2E_TMP/stats.json" || e2e_fail "stats dr. failed"
grep -q '"dr.rules":2' "$E2E_TMP/stats.json" || e2e_fail "stats: $(cat "$E2E_TMP/stats.json")"
grep -q '"dr.reload_failures":0' "$E2E_TMP/stats.json" || e2e_fail "stats: $(cat "$E2E_TMP/stats.json")"
# The first load, then SIGHUP's and the control command's (one ran after
# the other, or both joined one): no timer.
n=$(grep -c "dr: loading the tables" "$E2E_TMP/proxy.log")
[ "$n" -le 3 ] || e2e_fail "$n loads with reload_interval = 0"
e2e_expect_proxy_alive
