#!/bin/sh
# The database hangs under a running proxy (tests/e2e/auth_registrar.sip on
# a PostgreSQL server the test starts, frozen with SIGSTOP):
#  1. Before: bob registers and alice calls him (their credentials are now
#     cached by the proxy).
#  2. Frozen: carol, whose credentials are not cached, REGISTERs; her
#     authenticated REGISTER gets 503 with Retry-After within the proxy's
#     bound (its retransmissions meanwhile are not answered twice), and
#     while it waits for the database, calls from alice to bob keep
#     completing: the event loop is not stalled by the database.
#  3. Once the proxy has seen the connection go, a REGISTER of bob (cached
#     credentials, but the write-through needs the database) gets 503 at
#     once.
#  4. Thawed: the proxy reconnects by itself; carol's REGISTER succeeds and
#     her binding reaches the database.
# Skipped without the PostgreSQL server binaries or sipp.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_init
e2e_pg_start
e2e_ctl_init "$PG_URL"
e2e_subscribers alice bob carol

e2e_ports UAS PROXY UAC UAC2 UAC3
e2e_build tests/e2e/auth_registrar.sip
E2E_LOG_LEVEL=debug
e2e_start_proxy "$PROXY" --db "$DB"

register() {  # NAME USER PASSWORD PORT SCENARIO
	e2e_sipp_run "$1" -sf "$E2E_SRC/$5" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$4" \
		-s "$2" -au "$2" -ap "$3" -key contact_port "$UAS" -m 1 -timeout 15s -timeout_error
}
now_ms() { date +%s%3N; }

# 1. Before the outage.
register regbob bob bob-secret "$UAC" reg_auth.xml
e2e_expect_calls regbob 1
e2e_sipp callee -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 6 -timeout 60s
e2e_wait_sipp_up callee "$UAS"
e2e_sipp_run call1 -sf "$E2E_SRC/uac_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s alice -au alice -ap alice-secret -key callee bob -m 1 -timeout 15s -timeout_error
e2e_expect_calls call1 1

# 2. Freeze the database; carol's REGISTER waits for it, calls go on.
e2e_pg_signal STOP || e2e_error "cannot find the PostgreSQL processes"
t0=$(now_ms)
e2e_sipp carol503 -sf "$E2E_SRC/reg_auth_503.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC2" \
	-s carol -au carol -ap carol-secret -key contact_port "$UAS" -m 1 -timeout 20s -timeout_error
sleep 0.3
e2e_sipp_run calls -sf "$E2E_SRC/uac_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC3" \
	-s alice -au alice -ap alice-secret -key callee bob -m 5 -r 5 -timeout 15s -timeout_error
t_calls=$(( $(now_ms) - t0 ))
e2e_expect_calls calls 5
e2e_sipp_wait carol503
t_carol=$(( $(now_ms) - t0 ))
e2e_expect_calls carol503 1
e2e_log "calls done after $t_calls ms, carol's 503 after $t_carol ms"
[ "$t_carol" -lt 10000 ] || e2e_fail "carol's REGISTER took $t_carol ms to fail (bound: 3 s + slack)"
# The calls finished while carol's REGISTER was still waiting: a loop that
# waited for the database would have held them up behind it.
[ "$t_calls" -lt "$t_carol" ] || e2e_fail "the calls waited for the database"
# Suspended once: its retransmissions meanwhile were absorbed by the
# transaction made when it began to wait, not routed again.
held=$(grep -c "request waits while carol@voip.example.com" "$E2E_TMP/proxy.log")
[ "$held" = 1 ] || e2e_fail "carol's REGISTER waited $held times"
grep -q "no answer from the database" "$E2E_TMP/proxy.log" ||
	e2e_fail "the proxy did not give up waiting for the database"

# 3. Once the connection is known lost, a REGISTER needing a write gets 503 at once.
e2e_wait_log "postgres connection lost" 15 "the proxy did not notice the frozen database in 15 s"
t1=$(now_ms)
register bob503 bob bob-secret "$UAC" reg_auth_503.xml
t_bob=$(( $(now_ms) - t1 ))
e2e_expect_calls bob503 1
e2e_log "bob's REGISTER got 503 after $t_bob ms"
[ "$t_bob" -lt 3000 ] || e2e_fail "bob's REGISTER took $t_bob ms with the database down"
e2e_expect_proxy_alive

# 4. Thaw: the proxy reconnects by itself and carol registers.
e2e_pg_signal CONT
ok=""
for try in 1 2 3 4 5 6 7 8 9 10 11 12; do
	register "carol$try" carol carol-secret "$UAC2" reg_auth.xml
	if [ "$(e2e_stat "carol$try" 'SuccessfulCall(C)')" = 1 ]; then
		ok=$try
		break
	fi
	sleep 1
done
[ -n "$ok" ] || e2e_fail "carol cannot register after the database came back"
e2e_log "carol registered at attempt $ok after the database came back"
i=0
until "$CTL" --db "$DB" ul show carol@voip.example.com >"$E2E_TMP/ul.out" 2>&1 &&
	grep -q "<sip:carol@127.0.0.1:$UAS>" "$E2E_TMP/ul.out"; do
	[ $i -ge 50 ] && e2e_fail "carol's binding did not reach the database: $(cat "$E2E_TMP/ul.out")"
	sleep 0.1; i=$((i + 1))
done
grep -q "connection restored" "$E2E_TMP/proxy.log" || e2e_fail "no reconnection logged"
e2e_sipp_wait callee
e2e_expect_calls callee 6
e2e_expect_proxy_alive
