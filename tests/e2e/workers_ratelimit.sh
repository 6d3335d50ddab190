#!/bin/sh
# Rate-limit pipes on two workers (tests/e2e/ratelimit.sip, --workers 2):
# bursts of OPTIONS from four source addresses at once (tests/e2e/sip_flood,
# a Call-ID per request, so both workers take requests of every burst) into
# one pipe; the limit holds for the sum of both workers' requests, within
# the tolerance of the single-worker test (ratelimit.sh):
#  1. TOKEN_BUCKET (10/s): 4 x 15 requests in about 15 ms: the bucket's 10
#     tokens pass (and one per 100 ms the bursts took), not 10 per worker;
#     "rl status tb" counts exactly what the senders saw;
#  2. TAILDROP (10/s): 4 x 15 requests: 10 pass (20 when the bursts span
#     the start of a second);
#  3. the statistics add up; messages went from one worker to the other
#     (core.handoff_messages).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
FLOOD=$top_builddir/tests/e2e/sip_flood
[ -x "$FLOOD" ] || e2e_error "tests/e2e/sip_flood not built (make check builds it)"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
e2e_ports PROXY
SOCK=$E2E_TMP/sipcc.ctl
SRCS="127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4"

ctl() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl --ctl $* failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
}

# bursts NAME USER COUNT: COUNT requests at 1000/s to USER from each of
# SRCS at once; sets NAME_r200, NAME_r503 (their sums) and NAME_ms (the
# longest burst).
bursts() {
	pids=
	for src in $SRCS; do
		"$FLOOD" --src "$src" --dst "127.0.0.1:$PROXY" --user "$2" --rate 1000 --count "$3" \
			--wait 500 >"$E2E_TMP/$1_$src.out" 2>&1 &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || e2e_fail "sip_flood failed: $(cat "$E2E_TMP/$1"_*.out)"
	done
	ok=0 no=0 ms=0
	for src in $SRCS; do
		f=$E2E_TMP/$1_$src.out
		sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' "$f")
		r200=$(sed -n 's/.*r200=\([0-9]*\).*/\1/p' "$f")
		r503=$(sed -n 's/.*r503=\([0-9]*\).*/\1/p' "$f")
		rother=$(sed -n 's/.*rother=\([0-9]*\).*/\1/p' "$f")
		b=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$f" | awk '{ printf "%d", $1 * 1000 }')
		[ "$sent" = "$3" ] && [ "$rother" = 0 ] && [ $((r200 + r503)) = "$3" ] ||
			e2e_fail "$1 from $src: every request must get 200 or 503: $(cat "$f")"
		ok=$((ok + r200)) no=$((no + r503))
		[ "$b" -gt "$ms" ] && ms=$b
	done
	eval "$1_r200=$ok $1_r503=$no $1_ms=$ms"
	e2e_log "$1: 4 x $3 sent to $2: $ok passed, $no refused (bursts of $ms ms)"
}

in_range() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ] || e2e_fail "$4: $1, expected $2..$3"
}

# pipe NAME PASSED REFUSED ALGORITHM LIMIT: rl status NAME says so.
pipe() {
	ctl rl status "$1"
	python3 - "$E2E_TMP/ctl.json" "$@" <<'PY' || e2e_fail "rl status $1: $(cat "$E2E_TMP/ctl.json")"
import json, sys
p = json.load(open(sys.argv[1]))["pipes"]
assert len(p) == 1, p
p = p[0]
name, passed, refused, algo, limit = sys.argv[2:]
assert (p["name"], p["passed"], p["refused"], p["algorithm"], p["limit"]) == \
    (name, int(passed), int(refused), algo, int(limit)), p
PY
}

stat() {
	ctl stats "$1"
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["stats"][sys.argv[2]])' \
		"$E2E_TMP/ctl.json" "$1"
}

e2e_build tests/e2e/ratelimit.sip
e2e_start_proxy "$PROXY" --workers 2 --ctl "$SOCK"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

# 1.
bursts tb tb 15
in_range "$tb_r200" 10 $((10 + (tb_ms + 200) / 100)) \
	"TOKEN_BUCKET 10/s: requests passed of 4 x 15 in $tb_ms ms on two workers"
pipe tb "$tb_r200" "$tb_r503" TOKEN_BUCKET 10
# 2.
bursts td td 15
in_range "$td_r200" 10 20 "TAILDROP 10/s: requests passed of 4 x 15 on two workers"
pipe td "$td_r200" "$td_r503" TAILDROP 10
# 3.
[ "$(stat ratelimit.passed)" = $((tb_r200 + td_r200)) ] ||
	e2e_fail "ratelimit.passed is $(stat ratelimit.passed), expected $((tb_r200 + td_r200))"
[ "$(stat ratelimit.refused)" = $((tb_r503 + td_r503)) ] ||
	e2e_fail "ratelimit.refused is $(stat ratelimit.refused), expected $((tb_r503 + td_r503))"
handed=$(stat core.handoff_messages)
e2e_log "$handed messages handed to the other worker"
[ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other"
e2e_expect_proxy_alive
