#!/bin/sh
# A policy that uses a module not made safe for several workers (the
# http module, tests/e2e/http.sip):
#  1. --workers 2 is refused at start-up with a message naming the module;
#  2. without --workers the proxy runs one worker and says why;
#  3. an invalid --workers value is a usage error;
#  4. a policy whose only module is safe with several (nat,
#     tests/e2e/workers_nat.sip) gets the two workers it asks for, also
#     when it listens on TCP beside UDP (a stream listener no longer keeps
#     the proxy on one worker), and completes calls.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/http.sip -D "UAS=sip:127.0.0.1:$UAS"

# 1.
rc=0
"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --workers 2 >"$E2E_TMP/refused.log" 2>&1 </dev/null || rc=$?
cat "$E2E_TMP/refused.log" >&2
[ "$rc" = 1 ] || e2e_fail "--workers 2 with the http module: exit status $rc, expected 1"
grep -q "err: --workers 2 refused: the policy uses module http, which runs with one worker only; use --workers 1" \
	"$E2E_TMP/refused.log" || e2e_fail "no refusal naming the http module"
e2e_udp_bound "$PROXY" && e2e_fail "the refused proxy left a socket behind"

# 2.
e2e_start_proxy "$PROXY"
e2e_wait_log "running one worker: the policy uses module http" 10 \
	"no notice saying why the proxy runs one worker"
grep -q "notice: [0-9]* workers" "$E2E_TMP/proxy.log" && e2e_fail "more than one worker started"
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"

# 3.
for bad in 0 -1 two 65; do
	rc=0
	"$E2E_PROXY" --workers "$bad" >"$E2E_TMP/bad.log" 2>&1 </dev/null || rc=$?
	[ "$rc" = 2 ] || e2e_fail "--workers $bad: exit status $rc, expected 2"
	grep -q "invalid --workers '$bad' (1 to 64)" "$E2E_TMP/bad.log" ||
		e2e_fail "--workers $bad: no usage error"
done

# 4.
e2e_build tests/e2e/workers_nat.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY" --workers 2 --listen "tcp:127.0.0.1:$PROXY"
e2e_wait_log "notice: 2 workers" 10 "the nat policy on udp and tcp did not get 2 workers"
grep -q "refused\|running one worker" "$E2E_TMP/proxy.log" && e2e_fail "a refusal or a notice for one worker"
e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 20 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s 1000 -r 20 -m 20 -timeout 20s -timeout_error
e2e_expect_calls uac 20
e2e_sipp_wait uas
e2e_expect_calls uas 20
e2e_expect_proxy_alive
