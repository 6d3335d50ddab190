#!/bin/sh
# Accounting while the database hangs (tests/e2e/acc.sip with
# "use acc { queue_max = 4; }", on a PostgreSQL server the test starts and
# freezes with SIGSTOP):
#  1. Before: one call; its acc row and CDR are written.
#  2. Frozen: 3 more calls complete (writing accounting records never
#     holds up SIP); their 6 records (an acc row and a CDR each) wait in
#     memory, 4 of them as the bound allows, and the 2 beyond are dropped
#     and logged.
#  3. Thawed: the proxy reconnects by itself and writes the 4 records it
#     kept, without a new call.
# Skipped without the PostgreSQL server binaries, psql or sipp.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_init
command -v sipp >/dev/null 2>&1 || e2e_skip "sipp not found"
command -v psql >/dev/null 2>&1 || e2e_skip "psql not found"

e2e_pg_start
DB=$PG_URL
q() { psql -X -A -t -q -d "$DB" -c "$1"; }
rows() { echo $(( $(q "SELECT count(*) FROM acc") + $(q "SELECT count(*) FROM acc_cdrs") )); }
# wait_rows N SECONDS: acc and acc_cdrs hold N rows together.
wait_rows() {
	i=0
	until [ "$(rows 2>/dev/null)" = "$1" ]; do
		[ $i -ge $(($2 * 10)) ] && e2e_fail "$(rows) accounting rows, expected $1"
		sleep 0.1; i=$((i + 1))
	done
}
call() {  # NAME CALLID-PREFIX: one answered call of 500 ms
	e2e_sipp "$1_uas" -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m "$3" -timeout 30s
	e2e_wait_sipp_up "$1_uas" "$UAS"
	e2e_sipp_run "$1_uac" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -cid_str "$2-%u@test" \
		-i 127.0.0.1 -p "$UAC" -m "$3" -r 10 -d 500 -timeout 30s -timeout_error
	e2e_expect_calls "$1_uac" "$3"
	e2e_sipp_wait "$1_uas"
	e2e_expect_calls "$1_uas" "$3"
}

e2e_ports UAS PROXY UAC
sed 's/^listen udp .*/&\nuse acc { queue_max = 4; }/' "$E2E_SRC/acc.sip" >"$E2E_TMP/acc_outage.sip"
grep -q 'queue_max = 4' "$E2E_TMP/acc_outage.sip" || e2e_error "cannot make the policy"
e2e_build "$E2E_TMP/acc_outage.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB"
log=$E2E_TMP/proxy.log

# 1.
call before before 1
wait_rows 2 10

# 2.
e2e_pg_signal STOP || e2e_error "cannot find the PostgreSQL processes"
call frozen frozen 3
i=0
until grep -q "accounting records dropped" "$log"; do
	[ $i -ge 150 ] && e2e_fail "no drop logged while the database is frozen"
	sleep 0.1; i=$((i + 1))
done
e2e_log "$(grep "acc:" "$log")"
n=$(grep -c "acc: the queue of records waiting for the database is full; 1 accounting records dropped" "$log")
[ "$n" = 1 ] || e2e_fail "the first drop was logged $n times"

# 3.
e2e_pg_signal CONT
wait_rows 6 20
n=$(q "SELECT count(*) FROM acc_cdrs WHERE callid LIKE 'frozen-%'")
m=$(q "SELECT count(*) FROM acc WHERE callid LIKE 'frozen-%'")
[ $((n + m)) = 4 ] || e2e_fail "$n CDRs and $m acc rows of the frozen calls, expected 4 in all"
e2e_expect_proxy_alive
kill -TERM "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
grep -q "acc: 0 accounting records not written at shutdown, 2 dropped before" "$log" ||
	e2e_fail "shutdown: $(grep 'acc:' "$log" | tail -n 2)"
exit 0
