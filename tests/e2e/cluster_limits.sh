#!/bin/sh
# Limits that hold over two proxies sharing one Redis
# (tests/e2e/cluster_limits.sip, tests/e2e/cluster_flood.py):
#  1. ratelimit, 20 requests a second: 30 a second offered to each proxy
#     for 4 s (each alone would pass 20 a second, 160 in all): about 20 a
#     second pass over both, within the documented overshoot (at most 1.5
#     times the limit here), and the store holds the pipe's counts;
#  2. with Redis stopped each proxy limits alone (logged once,
#     ratelimit.store_errors), and over both again once it is back;
#  3. pike, more than 40 requests within 2 s: a source sending 15 a
#     second to each proxy (never hot on one alone) is found hot and
#     banned on both; neither answers it any more; a source flooding A
#     alone is banned by A and, through the store, by B.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init none
# Floods timed on the wall clock: the sanitizers slow the proxies, not
# what is counted; test_pike and test_ratelimit run the merging under them.
e2e_plain_pass_only "test_pike and test_ratelimit run the cluster counting under the sanitizers"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not found"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
e2e_redis_start
e2e_ports PA PB

e2e_build tests/e2e/cluster_limits.sip -D "CLUSTER_STORE=$REDIS_URL"

# start NAME PORT: a proxy on PORT, its log in NAME.log, its control
# socket NAME.ctl; its pid in NAME_PID.
start() {
	"$E2E_PROXY" --listen "udp:127.0.0.1:$2" --ctl "$E2E_TMP/$1.ctl" \
		>"$E2E_TMP/$1.log" 2>&1 </dev/null &
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

# ctl NAME COMMAND...: the reply of the proxy NAME in ctl.json.
ctl() {
	name=$1; shift
	"$CTL" --ctl "$E2E_TMP/$name.ctl" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl $* on $name failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
}

# stat NAME STAT
stat() {
	ctl "$1" stats "$2"
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"][sys.argv[2]])' \
		"$E2E_TMP/ctl.json" "$2"
}

# flood NAME ARGS...: cluster_flood.py; its counts as variables (sent, ok,
# refused, lost, last_ok).
flood() {
	name=$1; shift
	python3 "$E2E_SRC/cluster_flood.py" "$@" >"$E2E_TMP/$name.out" 2>&1 ||
		e2e_fail "cluster_flood.py failed: $(cat "$E2E_TMP/$name.out")"
	e2e_log "$name: $(cat "$E2E_TMP/$name.out")"
	eval "$(tr ' ' '\n' <"$E2E_TMP/$name.out" | grep -E '^(sent|ok|refused|lost|last_ok)=[0-9.]+$')"
}

start a "$PA"
start b "$PB"
wait_log a "cluster: redis store ready" 10 "proxy A did not find its store"
wait_log b "cluster: redis store ready" 10 "proxy B did not find its store"

# 1. 60 a second over both for 4 s, starting just after a second's edge:
# 4 whole seconds and a sliver of a fifth.
flood rl --ports "$PA,$PB" --rate 60 --seconds 4 --align
[ "$lost" -le 5 ] || e2e_fail "$lost requests got no answer"
[ "$ok" -ge 70 ] || e2e_fail "only $ok passed: less than the limit"
[ "$ok" -le 125 ] || e2e_fail "$ok passed: the limit of 20 a second did not hold over both proxies"
okA=$(sed -n "s/.*ok_$PA=\([0-9]*\).*/\1/p" "$E2E_TMP/rl.out")
okB=$(sed -n "s/.*ok_$PB=\([0-9]*\).*/\1/p" "$E2E_TMP/rl.out")
[ "$okA" -ge 10 ] && [ "$okB" -ge 10 ] || e2e_fail "the passes were not split: A $okA, B $okB"
$REDIS_CLI --scan --pattern 'sipcc:rl:cluster:*' >"$E2E_TMP/keys.out"
[ -s "$E2E_TMP/keys.out" ] || e2e_fail "no counts of the pipe in the store"
ctl a rl status cluster
grep -q '"cluster_load":' "$E2E_TMP/ctl.json" || e2e_fail "rl status without cluster_load"

# 2. Redis down: each proxy alone.
eval "$REDIS_STOP"
wait_log a "cluster: the store (redis) is down" 10 "A did not notice the outage"
flood rl_down --ports "$PA,$PB" --rate 60 --seconds 3 --align
[ "$ok" -ge 100 ] || e2e_fail "$ok passed with the store down: each proxy should limit alone (20 a second each)"
wait_log a "ratelimit: the cluster store is unavailable" 5 "the outage was not logged by ratelimit"
[ "$(grep -c 'ratelimit: the cluster store is unavailable' "$E2E_TMP/a.log")" = 1 ] ||
	e2e_fail "the outage was logged more than once"
[ "$(stat a ratelimit.store_errors)" -ge 1 ] || e2e_fail "ratelimit.store_errors did not count"
sh -c "$REDIS_START" || e2e_fail "cannot start Redis again"
wait_log a "cluster: the store (redis) is back" 15 "A did not notice the store's return"
wait_log b "cluster: the store (redis) is back" 15 "B did not notice the store's return"
flood rl_back --ports "$PA,$PB" --rate 60 --seconds 3 --align
wait_log a "ratelimit: the cluster store is back" 5 "the return was not logged by ratelimit"
[ "$ok" -le 95 ] || e2e_fail "$ok passed after the store came back: the limit did not hold over both"

# 3. pike: 15 a second to each, 30 in all, from 127.0.0.3.
flood pike --src 127.0.0.3 --ports "$PA,$PB" --rate 30 --seconds 4 --user flood
[ "$ok" -ge 35 ] || e2e_fail "the source was banned after only $ok requests"
[ "$ok" -le 70 ] || e2e_fail "$ok requests of the source were answered: not counted over both proxies"
for p in a b; do
	i=0
	until ctl "$p" ban list && grep -q '"ip":"127.0.0.3","by":"pike"' "$E2E_TMP/ctl.json"; do
		[ $i -ge 30 ] && e2e_fail "127.0.0.3 is not banned on $p: $(cat "$E2E_TMP/ctl.json")"
		sleep 0.1; i=$((i + 1))
	done
done
flood pike_after --src 127.0.0.3 --ports "$PA,$PB" --rate 10 --seconds 0.4 --user flood
[ "$ok" = 0 ] && [ "$refused" = 0 ] || e2e_fail "a banned source was answered"
[ $(($(stat a pike.blocked) + $(stat b pike.blocked))) -ge 1 ] || e2e_fail "no ban counted"
[ "$($REDIS_CLI exists sipcc:pike:ban:127.0.0.3)" = 1 ] || e2e_fail "the ban is not in the store"
# A source that floods A alone: A bans it, and so does B, from the store,
# without having had a request from it.
# 100 requests in 2.5 s; pike's windows are 2 s of the wall clock, so the
# 41st in one window may come only after up to 40 in the window before:
# at most 80 are answered (all 100 without pike).
flood pike_a --src 127.0.0.4 --ports "$PA" --rate 40 --seconds 2.5 --user flood
[ "$ok" -le 80 ] || e2e_fail "A answered $ok requests of 127.0.0.4"
i=0
until ctl b ban list && grep -q '"ip":"127.0.0.4","by":"pike"' "$E2E_TMP/ctl.json"; do
	[ $i -ge 30 ] && e2e_fail "a ban made by A is not on B: $(cat "$E2E_TMP/ctl.json")"
	sleep 0.1; i=$((i + 1))
done
wait_log b "pike: 127.0.0.4 was banned by another proxy" 5 "B did not log the ban it took"
flood pike_b --src 127.0.0.4 --ports "$PB" --rate 10 --seconds 0.3 --user flood
[ "$ok" = 0 ] || e2e_fail "B answered a source banned by A"
[ "$(stat b pike.cluster_bans)" -ge 1 ] || e2e_fail "pike.cluster_bans did not count"
kill -0 "$a_PID" && kill -0 "$b_PID" || e2e_fail "a proxy died"
