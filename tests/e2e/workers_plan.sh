#!/bin/sh
# How many workers a proxy runs (every module of the tree runs on several;
# the refusal of a module that would not is tests/runtime/proxy/test_worker.c):
#  1. the book's provider (examples/provider.sip: registrar, auth, dialog,
#     acc, drouting, dispatcher, prefs, nat, rtpengine, ...) runs one
#     worker per CPU it may use without --workers, and the two it asks for
#     with --workers 2, with no notice of a module keeping it on one;
#  3. an invalid --workers value is a usage error;
#  4. a policy whose only module is nat (tests/e2e/workers_nat.sip) gets
#     the two workers it asks for also when it listens on TCP beside UDP
#     (a stream listener does not keep the proxy on one worker), and
#     completes calls.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
e2e_ports UAS PROXY UAC VM
ctl db init
e2e_build examples/provider.sip -D "VOICEMAIL=sip:127.0.0.1:$VM"

# 1.
ncpu=$(nproc)
e2e_start_proxy "$PROXY" --db "$DB"
if [ "$ncpu" -gt 1 ]; then
	n=$((ncpu < 64 ? ncpu : 64))
	e2e_wait_log "notice: $n workers" 10 "the provider did not start one worker per CPU ($n)"
fi
grep -q "running one worker\|refused" "$E2E_TMP/proxy.log" &&
	e2e_fail "a module kept the provider on one worker: $(grep -m1 'one worker' "$E2E_TMP/proxy.log")"
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"
e2e_start_proxy "$PROXY" --db "$DB" --workers 2
e2e_wait_log "notice: 2 workers" 10 "the provider did not start the 2 workers it asked for"
python3 "$E2E_SRC/sip_peer.py" "$PROXY" OPTIONS "sip:127.0.0.1:$PROXY" \
	>"$E2E_TMP/options.out" 2>&1 || e2e_fail "the provider on 2 workers did not answer: $(cat "$E2E_TMP/options.out")"
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
