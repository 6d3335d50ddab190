#!/bin/sh
# Digest authentication over two proxies sharing one Redis
# (tests/e2e/cluster_auth.sip: the same auth.secret, cluster.store):
#  1. a REGISTER challenged by proxy A and answered with the credentials
#     to proxy B is accepted (200): B takes A's nonce;
#  2. the same nonce-count again, to A, is refused (401, challenged
#     again): the count was spent on B; the next count, to A, is accepted;
#     the store holds the nonce's count (sipcc:nc:NONCE) with an expiry;
#  3. Redis stopped: credentials get 503 with Retry-After, at once (the
#     count cannot be checked); Redis started again: they are accepted
#     once more, on both proxies;
#  4. Redis frozen (SIGSTOP): 503 within the store's timeout, recovery
#     once it thaws.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init none
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not found"
e2e_redis_start
e2e_ctl_init
e2e_subscribers alice bob
e2e_ports PA PB

e2e_build tests/e2e/cluster_auth.sip -D "CLUSTER_STORE=$REDIS_URL"

# start NAME PORT: a proxy on PORT, its log in NAME.log; its pid in NAME_PID.
start() {
	"$E2E_PROXY" --listen "udp:127.0.0.1:$2" --db "$DB" >"$E2E_TMP/$1.log" 2>&1 </dev/null &
	eval "$1_PID=$!"
	e2e_track $!
	i=0
	until e2e_udp_bound "$2"; do
		kill -0 $! 2>/dev/null || e2e_fail "proxy $1 exited at start-up: $(cat "$E2E_TMP/$1.log")"
		[ $i -ge 100 ] && e2e_fail "proxy $1 not listening after 10 s"
		sleep 0.1; i=$((i + 1))
	done
}

# wait_log NAME REGEX SECONDS MESSAGE
wait_log() {
	i=0
	until grep -q -e "$2" "$E2E_TMP/$1.log"; do
		[ $i -ge $(($3 * 10)) ] && e2e_fail "$4"
		sleep 0.1; i=$((i + 1))
	done
}

# digest NAME CHALLENGE_PORT STEP...: tests/e2e/cluster_digest.py for alice.
digest() {
	name=$1; shift
	python3 "$E2E_SRC/cluster_digest.py" alice alice-secret voip.example.com "$@" \
		>"$E2E_TMP/$name.out" 2>&1
	rc=$?
	cat "$E2E_TMP/$name.out" >&2
	return $rc
}

start a "$PA"
start b "$PB"
wait_log a "cluster: redis store ready" 10 "proxy A did not find its store"
wait_log b "cluster: redis store ready" 10 "proxy B did not find its store"

# 1 and 2.
digest across "$PA" "$PB:1:200" "$PA:1:401" "$PB:1:401" "$PA:2:200" ||
	e2e_fail "a nonce of A was not accepted once over both proxies"
nonce=$(sed -n 's/^nonce \([0-9a-f]*\) from.*/\1/p' "$E2E_TMP/across.out")
[ -n "$nonce" ] || e2e_fail "no nonce"
[ "$($REDIS_CLI get "sipcc:nc:$nonce")" = 2 ] ||
	e2e_fail "the store does not hold the nonce's count: $($REDIS_CLI keys 'sipcc:nc:*')"
ttl=$($REDIS_CLI ttl "sipcc:nc:$nonce")
[ "$ttl" -gt 0 ] && [ "$ttl" -le 32 ] || e2e_fail "the count's key expires in $ttl s"
grep -q 'reason="replayed nonce-count"' "$E2E_TMP/a.log" ||
	e2e_fail "the replay on A was not logged"
# Challenged by B, answered to A, in the other direction.
digest back "$PB" "$PA:1:200" "$PB:1:401" || e2e_fail "a nonce of B was not accepted by A"

# 3. Redis down: the count cannot be checked.
eval "$REDIS_STOP"
digest down "$PA" "$PB:1:503" || e2e_fail "no 503 while the store is down"
t=$(sed -n 's/^step [0-9]* nc [0-9a-f]*: 503 \([0-9.]*\)$/\1/p' "$E2E_TMP/down.out")
awk -v t="$t" 'BEGIN { exit !(t < 2) }' || e2e_fail "the 503 took $t s"
digest down2 "$PB" "$PA:1:503" || e2e_fail "no 503 from A while the store is down"
wait_log a "auth: cannot check nonce-counts in the cluster store" 5 "the outage was not logged"
[ "$(grep -c 'auth: cannot check nonce-counts' "$E2E_TMP/a.log")" = 1 ] ||
	e2e_fail "the outage was logged more than once"
sh -c "$REDIS_START" || e2e_fail "cannot start Redis again"
wait_log a "cluster: the store (redis) is back" 15 "A did not notice the store's return"
wait_log b "cluster: the store (redis) is back" 15 "B did not notice the store's return"
digest again "$PB" "$PA:1:200" "$PB:2:200" "$PA:2:401" || e2e_fail "no recovery after the outage"

# 4. Redis frozen (its connections open, no answer): 503 within the
# store's reply timeout, and credentials accepted again once it thaws.
e2e_redis_signal STOP
digest frozen "$PA" "$PB:1:503" || e2e_fail "no 503 while the store does not answer"
t=$(sed -n 's/^step [0-9]* nc [0-9a-f]*: 503 \([0-9.]*\)$/\1/p' "$E2E_TMP/frozen.out")
awk -v t="$t" 'BEGIN { exit !(t < 4) }' || e2e_fail "the 503 took $t s"
e2e_redis_signal CONT
i=0
until digest thawed "$PA" "$PB:1:200" "$PA:2:200"; do
	[ $i -ge 20 ] && e2e_fail "no recovery after Redis thawed"
	sleep 0.5; i=$((i + 1))
done
kill -0 "$a_PID" && kill -0 "$b_PID" || e2e_fail "a proxy died"
