#!/bin/sh
# Several workers (--workers 2) on one UDP address: a stateful
# record-routing proxy (examples/minimal.sip) between four callers, each
# on its own source port so that the kernel spreads them over the two
# workers' sockets, and a callee that sends its 180 and 200 back to back.
#  - every call succeeds: no request or reply is lost on its way from the
#    worker that read it to the worker that owns its transaction;
#  - no caller sees a 180 after the 200 (uac_rr.xml takes a 180 only
#    before the 200: a late one is an unexpected message and fails the
#    call), the reordering two processes racing on replies cause;
#  - messages did go from one worker to the other (core.handoff_messages),
#    so both workers took part, and every request was counted once;
#  - the policy is swapped twice while the calls run (sipcc build --hot,
#    policy load): both workers go on without losing a call;
#  - the per-worker figures ("sipcc-ctl workers", /metrics labelled by
#    worker) show both at work and add up to the totals.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=${E2E_WORKERS_CALLS:-250}      # per caller
RATE=${E2E_WORKERS_RATE:-100}        # per caller
CALLERS="c1 c2 c3 c4"

command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed"
e2e_init
e2e_ports UAS PROXY METRICS P_c1 P_c2 P_c3 P_c4
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
"$SIPCC" build --hot "$top_srcdir/examples/minimal.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS" \
	-o "$E2E_TMP/minimal.so" >>"$E2E_TMP/build.log" 2>&1 || e2e_fail "sipcc build --hot failed"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
e2e_start_proxy "$PROXY" --workers 2 --metrics "127.0.0.1:$METRICS" --ctl "$E2E_TMP/ctl"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

# Both sockets of the address belong to the proxy. /proc/net/udp is read
# a page at a time, and a socket another test opens or closes meanwhile
# can make a read skip a line: counted again until both are seen (5 s).
i=0
until n=$(awk -v p=":$(printf '%04X' "$PROXY")" '$2 ~ p"$"' /proc/net/udp | wc -l) &&
	[ "$n" = 2 ]; do
	[ $i -ge 50 ] && e2e_fail "expected 2 UDP sockets on port $PROXY, found $n"
	sleep 0.1; i=$((i + 1))
done

TOTAL=0
for c in $CALLERS; do TOTAL=$((TOTAL + CALLS)); done
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m "$TOTAL" -timeout 90s
e2e_wait_sipp_up uas "$UAS"
for c in $CALLERS; do
	eval "port=\$P_$c"
	e2e_sipp "$c" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$port" \
		-s 1000 -r "$RATE" -m "$CALLS" -timeout 60s -timeout_error
done
# Two swaps while the calls run.
for gen in 2 3; do
	sleep 0.7
	"$CTL" --ctl "$E2E_TMP/ctl" policy load "$E2E_TMP/minimal.so" >"$E2E_TMP/load.json" 2>&1 ||
		e2e_fail "policy load under load: $(cat "$E2E_TMP/load.json")"
	grep -q "\"generation\":$gen," "$E2E_TMP/load.json" ||
		e2e_fail "not generation $gen: $(cat "$E2E_TMP/load.json")"
done
for c in $CALLERS; do
	e2e_sipp_wait "$c"
	e2e_expect_calls "$c" "$CALLS"
	[ -s "$E2E_TMP/$c.err" ] && grep -q "180" "$E2E_TMP/$c.err" &&
		e2e_fail "caller $c saw a 180 it did not expect (after the 200?)"
done
e2e_sipp_wait uas
e2e_expect_calls uas "$TOTAL"

metric() {
	curl -s "http://127.0.0.1:$METRICS/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
handed=$(metric sipcc_core_handoff_messages_total)
requests=$(metric sipcc_core_rcv_requests_total)
e2e_log "$TOTAL calls: $requests requests received, $handed messages handed to the other worker"
[ -n "$handed" ] && [ "$handed" -gt 0 ] ||
	e2e_fail "no message went from one worker to the other ($handed)"
# INVITE, ACK and BYE of every call, each counted once (retransmissions
# may add a few).
[ "$requests" -ge $((3 * TOTAL)) ] && [ "$requests" -le $((3 * TOTAL + TOTAL / 10)) ] ||
	e2e_fail "core.rcv_requests is $requests for $TOTAL calls (expected about $((3 * TOTAL)))"
e2e_expect_proxy_alive

# Per worker: both handled requests, their sum is the total, and so is
# that of the messages they handed over (control socket and /metrics
# agree). Which worker hands what depends on where the kernel puts each
# peer's address: the callee's replies all reach one worker's socket, so
# one worker may hand over everything and the other nothing (all five
# peers on one socket: one run in sixteen).
"$CTL" --ctl "$E2E_TMP/ctl" workers >"$E2E_TMP/workers.json" 2>&1 ||
	e2e_fail "sipcc-ctl workers failed: $(cat "$E2E_TMP/workers.json")"
python3 - "$E2E_TMP/workers.json" "$requests" "$handed" <<'PY' || e2e_fail "per-worker figures: $(cat "$E2E_TMP/workers.json")"
import json, sys
r = json.load(open(sys.argv[1]))
w = r["workers"]
assert r["n"] == 2 and [x["id"] for x in w] == [0, 1], r
assert all(x["requests"] > 0 for x in w) and any(x["handed"] > 0 for x in w), w
# Read a moment after the metrics: nothing arrives meanwhile.
assert sum(x["requests"] for x in w) == int(sys.argv[2]), (w, sys.argv[2])
assert sum(x["handed"] for x in w) == int(sys.argv[3]), (w, sys.argv[3])
assert all(x["waiting"] == 0 and x["dropped"] == 0 for x in w), w
PY
for i in 0 1; do
	v=$(metric "sipcc_worker_requests_total{worker=\"$i\"}")
	[ -n "$v" ] && [ "$v" -gt 0 ] || e2e_fail "no sipcc_worker_requests_total for worker $i ($v)"
done
