#!/bin/sh
# Two proxies, A and B, sharing one redis-server (cluster.store) and one
# PostgreSQL database (CDRs), with tests/e2e/cluster_dialog.sip: every
# call is in the profile active_calls, at most 2 at once over both.
#  1. One call through A and one through B are up: a third through A and
#     a fourth through B get 486 (the limit counts both proxies). Once the
#     call through A has ended, a new call through B is accepted.
#  2. A call through A, its Record-Route naming the service
#     (record_route_preset): A is killed (kill -9) during the call; the
#     caller's BYE, sent to B with the call's Route set, is relayed to the
#     callee and answered 200 (B took the dialog over from the store), and
#     the call has exactly one CDR in the database, closed by that BYE
#     with a duration.
#  3. Redis stopped, with a call up through B: a new call through B gets
#     503 with Retry-After at once (sipp's own timeout bounds the wait);
#     Redis started again (empty): calls through B are accepted again, and
#     the call that was up is back in the store, counted in its profile.
#  4. A started again takes a call; killed, its place in the profile is
#     free within dialog.cluster_ttl (5 s), nobody renewing it.
#  5. A call through A whose BYE goes to B while A is up: B takes it over
#     and closes it (one CDR); when A's copy ends too (its lifetime, 6 s),
#     A finds the call closed in the store and writes no CDR.
# The calls of 1. outlive cluster_ttl many times: they keep counting only
# because their proxies renew them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp psql redis-server redis-cli
# 90 s of calls, kills and restarts: run under ASan+UBSan and TSan when
# written; the sanitizer pass of scripts/check leaves it out for time.
e2e_plain_pass_only "cluster_store.sh and cluster_auth.sh run the store under the sanitizers"
e2e_ports UAS PA PB UAC
e2e_pg_start
. "$top_srcdir/tests/redis_server.sh"
redis_server_start "$E2E_TMP/redis"
rc=$?
[ $rc = 77 ] && e2e_skip "redis-server not found"
[ $rc = 0 ] || e2e_error "cannot start redis-server"
# At exit Redis goes too (the proxies and sipp go in e2e_cleanup).
trap 'rc=$?; redis_server_stop; e2e_pg_cleanup; (exit $rc); e2e_cleanup' EXIT
e2e_ctl_init "$PG_URL"
ctl db init
q() { psql -X -A -t -q -d "$DB" -c "$1"; }

# Each proxy: the policy with the store and its name in the cluster block.
for node in a b; do
	sed -e "s|store = \"\";|store = \"$REDIS_URL\";|" -e "s|node = \"a\";|node = \"$node\";|" \
		"$top_srcdir/tests/e2e/cluster_dialog.sip" >"$E2E_TMP/policy_$node.sip"
	grep -q "node = \"$node\";" "$E2E_TMP/policy_$node.sip" || e2e_error "no cluster block to fill"
done
e2e_build "$E2E_TMP/policy_a.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
mv "$E2E_PROXY" "$E2E_TMP/proxy_a"
e2e_build "$E2E_TMP/policy_b.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
mv "$E2E_PROXY" "$E2E_TMP/proxy_b"

# start_px NODE PORT: proxy NODE on 127.0.0.1:PORT (log proxy_NODE.out,
# shown on failure); sets
# PID_NODE once its socket is bound.
start_px() {
	"$E2E_TMP/proxy_$1" --listen "udp:127.0.0.1:$2" --db "$DB" --log-level "${E2E_LOG_LEVEL:-info}" \
		>"$E2E_TMP/proxy_$1.out" 2>&1 </dev/null &
	eval "PID_$1=\$!"
	e2e_track "$!"
	i=0
	until e2e_udp_bound "$2"; do
		kill -0 "$!" 2>/dev/null || e2e_fail "proxy $1 exited at start-up"
		[ $i -ge 100 ] && e2e_fail "proxy $1 not listening on udp port $2 after 10 s"
		sleep 0.1; i=$((i + 1))
	done
}
start_px a "$PA"
start_px b "$PB"

# live: the calls in the profile in Redis whose place has not expired (by
# Redis's clock, as the proxies' scripts count).
live() {
	now=$($REDIS_CLI time | awk 'NR == 1 { s = $1 } NR == 2 { printf "%d", s * 1000 + int($1 / 1000) }')
	$REDIS_CLI zcount sipcc:prof:active_calls "($now" +inf 2>/dev/null
}
# members N: wait up to 20 s until the profile holds N live calls.
members() {
	i=0
	until [ "$(live)" = "$1" ]; do
		[ $i -ge 200 ] && e2e_fail "active_calls holds $(live) live calls in Redis, expected $1"
		sleep 0.1; i=$((i + 1))
	done
}

# 1. The limit holds over both proxies.
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 3 -timeout 90s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp call_a -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PA" -cid_str 'lim-a-%u@test' \
	-i 127.0.0.1 -p "$UAC" -m 1 -d 20000 -timeout 60s -timeout_error
e2e_sipp call_b -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PB" -cid_str 'lim-b-%u@test' \
	-i 127.0.0.1 -p "$((UAC + 1))" -m 1 -d 35000 -timeout 60s -timeout_error
members 2
e2e_sipp_run full_a -sf "$E2E_SRC/cluster_uac_486.xml" "127.0.0.1:$PA" -cid_str 'full-a-%u@test' \
	-i 127.0.0.1 -p "$((UAC + 2))" -m 1 -timeout 20s -timeout_error
e2e_expect_calls full_a 1
e2e_sipp_run full_b -sf "$E2E_SRC/cluster_uac_486.xml" "127.0.0.1:$PB" -cid_str 'full-b-%u@test' \
	-i 127.0.0.1 -p "$((UAC + 2))" -m 1 -timeout 20s -timeout_error
e2e_expect_calls full_b 1
e2e_sipp_wait call_a
e2e_expect_calls call_a 1
members 1
e2e_sipp_run again_b -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PB" -cid_str 'again-b-%u@test' \
	-i 127.0.0.1 -p "$((UAC + 2))" -m 1 -d 500 -timeout 20s -timeout_error
e2e_expect_calls again_b 1
e2e_sipp_wait call_b
e2e_expect_calls call_b 1
e2e_sipp_wait uas
e2e_expect_calls uas 3
members 0

# 2. A dies during a call; its BYE through B closes it, with one CDR.
e2e_sipp uas_fo -sf "$E2E_SRC/cluster_uas_fo.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 60s
e2e_wait_sipp_up uas_fo "$UAS"
e2e_sipp_run fo -sf "$E2E_SRC/cluster_uac_fo.xml" "127.0.0.1:$PA" -cid_str 'fo-1@test' \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error
e2e_expect_calls fo 1
i=0
until [ "$($REDIS_CLI hget sipcc:dlg:fo-1@test owner 2>/dev/null)" = a ]; do
	[ $i -ge 100 ] && e2e_fail "the call through A is not in the store: $($REDIS_CLI hgetall sipcc:dlg:fo-1@test | tr '\n' ' ')"
	sleep 0.1; i=$((i + 1))
done
kill -KILL "$PID_a"
wait "$PID_a" 2>/dev/null
e2e_sipp_run fo_bye -sf "$E2E_SRC/cluster_uac_fo_bye.xml" "127.0.0.1:$PB" -cid_str 'fo-1@test' \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error -key uas_port "$UAS"
e2e_expect_calls fo_bye 1
e2e_sipp_wait uas_fo
e2e_expect_calls uas_fo 1
grep -q "taken over from a" "$E2E_TMP/proxy_b.out" || e2e_fail "B did not log the take-over"
i=0
until [ "$(q "SELECT count(*) FROM acc_cdrs WHERE callid = 'fo-1@test'")" = 1 ]; do
	[ $i -ge 100 ] && e2e_fail "no CDR of the call taken over"
	sleep 0.1; i=$((i + 1))
done
got=$(q "SELECT end_reason, hangup_by, duration_ms > 0, from_tag, to_tag FROM acc_cdrs
	WHERE callid = 'fo-1@test'")
[ "$got" = "bye|caller|t|fo-caller|fo-callee" ] || e2e_fail "CDR of the call taken over: '$got'"
[ "$($REDIS_CLI exists sipcc:dlg:fo-1@test)" = 0 ] || e2e_fail "the call's record is still in the store"
members 0
# Nothing writes it twice: B's queue is empty (a second CDR would have
# gone with the first) and A is gone.
sleep 1
n=$(q "SELECT count(*) FROM acc_cdrs WHERE callid = 'fo-1@test'")
[ "$n" = 1 ] || e2e_fail "$n CDRs of the call taken over, expected 1"

# 3. Redis down: 503 at once; back: calls again.
e2e_sipp uas_back -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 90s
e2e_wait_sipp_up uas_back "$UAS"
e2e_sipp held -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PB" -cid_str 'held-%u@test' \
	-i 127.0.0.1 -p "$((UAC + 3))" -m 1 -d 30000 -timeout 60s -timeout_error
members 1
i=0
until [ "$($REDIS_CLI hget sipcc:dlg:held-1@test owner 2>/dev/null)" = b ]; do
	[ $i -ge 100 ] && e2e_fail "the call through B is not in the store"
	sleep 0.1; i=$((i + 1))
done
eval "$REDIS_STOP"
e2e_sipp_run down -sf "$E2E_SRC/cluster_uac_503.xml" "127.0.0.1:$PB" -cid_str 'down-%u@test' \
	-i 127.0.0.1 -p "$((UAC + 2))" -m 2 -r 10 -timeout 10s -timeout_error
e2e_expect_calls down 2
sh -c "$REDIS_START" >/dev/null 2>&1 || e2e_error "cannot start Redis again"
# The store's worker reconnects within its backoff (5 s at most): until
# then a call still gets 503; one call every half second, for 20 s.
i=0
while :; do
	[ $i -ge 40 ] && e2e_fail "no call accepted through B after Redis came back"
	e2e_sipp_run back -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PB" -cid_str "back-$i-%u@test" \
		-i 127.0.0.1 -p "$((UAC + 2))" -m 1 -d 200 -timeout 10s -timeout_error
	[ "$(e2e_stat back 'SuccessfulCall(C)')" = 1 ] && break
	sleep 0.5; i=$((i + 1))
done
e2e_log "a call accepted after $i refused once Redis was back"
i=0
until [ -n "$($REDIS_CLI zscore sipcc:prof:active_calls held-1@test 2>/dev/null)" ]; do
	[ $i -ge 100 ] && e2e_fail "the call up through the outage is not counted again"
	sleep 0.1; i=$((i + 1))
done
i=0
until [ "$($REDIS_CLI hget sipcc:dlg:held-1@test owner 2>/dev/null)" = b ]; do
	[ $i -ge 100 ] && e2e_fail "the call up through the outage is not in the store again"
	sleep 0.1; i=$((i + 1))
done
e2e_sipp_wait held
e2e_expect_calls held 1
e2e_sipp_wait uas_back
e2e_expect_calls uas_back 2
members 0

# 4. A's places expire when A is gone.
start_px a "$PA"
e2e_sipp uas_dead -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 60s
e2e_wait_sipp_up uas_dead "$UAS"
e2e_sipp call_dead -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PA" -cid_str 'dead-%u@test' \
	-i 127.0.0.1 -p "$UAC" -m 1 -d 60000 -timeout 60s
members 1
sleep 6
[ "$(live)" = 1 ] || e2e_fail "the place of A's call was not renewed"
kill -KILL "$PID_a"
wait "$PID_a" 2>/dev/null
e2e_kill "$SIPP_PID_call_dead"
e2e_kill "$SIPP_PID_uas_dead"
members 0

# 5. Both proxies see the end of one call: one CDR.
start_px a "$PA"
e2e_sipp uas_twice -sf "$E2E_SRC/cluster_uas_fo.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 60s
e2e_wait_sipp_up uas_twice "$UAS"
e2e_sipp_run twice -sf "$E2E_SRC/cluster_uac_fo.xml" "127.0.0.1:$PA" -cid_str 'twice-1@test' \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error
e2e_expect_calls twice 1
i=0
until [ "$($REDIS_CLI hget sipcc:dlg:twice-1@test owner 2>/dev/null)" = a ]; do
	[ $i -ge 100 ] && e2e_fail "the second call through A is not in the store"
	sleep 0.1; i=$((i + 1))
done
e2e_sipp_run twice_bye -sf "$E2E_SRC/cluster_uac_fo_bye.xml" "127.0.0.1:$PB" \
	-cid_str 'twice-1@test' -i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error \
	-key uas_port "$UAS"
e2e_expect_calls twice_bye 1
e2e_sipp_wait uas_twice
e2e_expect_calls uas_twice 1
i=0
until grep -q "Call-ID twice-1@test ended here but was closed in the store already" \
	"$E2E_TMP/proxy_a.out"; do
	[ $i -ge 200 ] && e2e_fail "A's copy of the call taken over did not end"
	sleep 0.1; i=$((i + 1))
done
n=$(q "SELECT count(*) FROM acc_cdrs WHERE callid = 'twice-1@test'")
[ "$n" = 1 ] || e2e_fail "$n CDRs of the call both proxies ended, expected 1"
got=$(q "SELECT end_reason FROM acc_cdrs WHERE callid = 'twice-1@test'")
[ "$got" = bye ] || e2e_fail "the CDR of the call both proxies ended says '$got', expected bye"
kill -0 "$PID_a" 2>/dev/null || e2e_fail "proxy A is no longer running"
kill -0 "$PID_b" 2>/dev/null || e2e_fail "proxy B is no longer running"
exit 0
