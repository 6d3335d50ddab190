#!/bin/sh
# Dynamic routing on two workers (--workers 2, tests/e2e/dr_health.sip):
# callers on four source ports, each call's Call-ID giving it to one
# worker or the other, so both workers route at once.
#   gateways 1 and 2 probed; group 1: 49 -> 1=1,2=3 (weighted)   33 -> 1,2
#  - 4 x 10 weighted calls at once: 1:3 (more to gateway 2, some to 1),
#    "dr status" counting what both workers sent;
#  - gateway 1 takes INVITEs and never answers: the 408 marks it on the
#    worker owning that call; 4 x 5 calls on both workers then go straight
#    to gateway 2 (no failover, gateway 1 gets nothing more); the probes
#    (worker 0) bring it back and the next call reaches it again;
#  - messages went from one worker to the other (core.handoff_messages).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_plain_pass_only "dr_health.sh runs on several workers under the sanitizers"

command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed"
e2e_init
e2e_db_init
SOCK=$E2E_TMP/sipcc.ctl
CALLERS="c1 c2 c3 c4"

e2e_ports GW1 GW2 PROXY METRICS P_c1 P_c2 P_c3 P_c4
ctl db init
ctl gw add 1 "sip:127.0.0.1:$GW1" probe=1
ctl gw add 2 "sip:127.0.0.1:$GW2" probe=1
ctl rule add 1 49 1=1,2=3
ctl rule add 1 33 1,2

e2e_build tests/e2e/dr_health.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info --workers 2 \
	--metrics "127.0.0.1:$METRICS"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

gateway() {
	e2e_sipp "$1" -sf "$E2E_SRC/${3:-uas_rr}.xml" -i 127.0.0.1 -p "$2" -aa -timeout 200s \
		-trace_msg -message_file "$E2E_TMP/$1.msg"
	e2e_wait_sipp_up "$1" "$2"
}
stop() {
	eval "pid=\$SIPP_PID_$1"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	i=0
	while e2e_udp_bound "$2"; do
		[ $i -ge 50 ] && e2e_fail "sipp $1 still bound to $2"
		sleep 0.1; i=$((i + 1))
	done
}
invites() {
	[ -f "$E2E_TMP/$1.msg" ] || { echo 0; return; }
	awk '/^INVITE / { inv = 1 } inv && tolower($1) == "call-id:" { seen[$2] = 1; inv = 0 }
		END { n = 0; for (k in seen) n++; print n }' "$E2E_TMP/$1.msg"
}
# calls TAG NUMBER N: N calls to NUMBER from each of the four callers at
# once (each from its own source port), every one must succeed.
calls() {
	for c in $CALLERS; do
		eval "port=\$P_$c"
		e2e_sipp "$1_$c" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s "$2" \
			-i 127.0.0.1 -p "$port" -m "$3" -r 10 -timeout 60s -timeout_error
	done
	for c in $CALLERS; do
		e2e_sipp_wait "$1_$c"
		e2e_expect_calls "$1_$c" "$3"
	done
}
status() {
	"$CTL" --ctl "$SOCK" dr status >"$E2E_TMP/status.json" 2>&1 ||
		e2e_fail "dr status failed: $(cat "$E2E_TMP/status.json")"
}
field() {
	python3 - "$E2E_TMP/status.json" "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["gateways"]:
    if x["id"] == int(sys.argv[2]):
        print(str(x[sys.argv[3]]).lower())
        break
else:
    print("missing")
PY
}
expect_field() {
	status
	v=$(field "$1" "$2")
	[ "$v" = "$3" ] || e2e_fail "gateway $1: $2 is $v, expected $3: $(cat "$E2E_TMP/status.json")"
}
failovers() { grep -c "trying sip:" "$E2E_TMP/proxy.log"; }

gateway gw1 "$GW1"
gateway gw2 "$GW2"

# Weighted 1:3 over 40 calls on both workers (fewer than 21 for gateway
# 2: chance < 1e-3).
calls weighted 4912345 10
g1=$(invites gw1) g2=$(invites gw2)
e2e_log "weighted: gateway 1 $g1, gateway 2 $g2"
[ $((g1 + g2)) = 40 ] || e2e_fail "weighted: $g1 + $g2 calls, expected 40"
[ "$g2" -gt 20 ] && [ "$g1" -gt 0 ] || e2e_fail "weighted 1:3 gave $g1 and $g2"
expect_field 1 calls_sent "$g1"
expect_field 2 calls_sent "$g2"

# Gateway 1 takes the INVITE and never answers: 408, marked at once on the
# worker owning that call; the calls that follow on both workers skip it.
stop gw1 "$GW1"
gateway gw1c "$GW1" dr_silent
e2e_sipp_run silent -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s 3312345 -i 127.0.0.1 \
	-p "$P_c1" -m 1 -timeout 30s -timeout_error
e2e_expect_calls silent 1
[ "$(invites gw1c)" = 1 ] || e2e_fail "the silent gateway got $(invites gw1c) INVITEs"
e2e_wait_log "drouting: gateway 1 (sip:127.0.0.1:$GW1) is now inactive (call)" 5 \
	"the 408 did not disable gateway 1"
e2e_wait_log "event down gw=1 uri=sip:127.0.0.1:$GW1 reason=call" 5 \
	"no drouting.gateway_down event for the 408"
f=$(failovers) b2=$(invites gw2)
calls skip 3312345 5
[ "$(invites gw1c)" = 1 ] || e2e_fail "gateway 1 marked on one worker still got calls ($(invites gw1c))"
[ "$(failovers)" = "$f" ] || e2e_fail "calls waited for the marked gateway 1 (failovers ran)"
[ $(($(invites gw2) - b2)) = 20 ] || e2e_fail "gateway 2 got $(($(invites gw2) - b2)) of 20 calls"
expect_field 1 timeouts 1
expect_field 1 state inactive

# The probes bring it back for every worker: the next call reaches it.
e2e_wait_log "drouting: gateway 1 (sip:127.0.0.1:$GW1) is now active (probe)" 20 \
	"the probes did not bring gateway 1 back after the timeout"
e2e_sipp_run back -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s 3312345 -i 127.0.0.1 \
	-p "$P_c2" -m 1 -timeout 30s -timeout_error
e2e_expect_calls back 1
[ "$(invites gw1c)" = 2 ] || e2e_fail "gateway 1 back: $(invites gw1c) INVITEs, expected 2"

# That call timed out on gateway 1 again: marked again, it went on to
# gateway 2.
e2e_wait_log "event up gw=1 uri=sip:127.0.0.1:$GW1 reason=probe" 5 \
	"no drouting.gateway_up event for the probes"
expect_field 1 timeouts 2
expect_field 1 state inactive

handed=$(curl -s "http://127.0.0.1:$METRICS/metrics" |
	awk '$1 == "sipcc_core_handoff_messages_total" { print $2 }')
e2e_log "$handed messages handed to the other worker"
[ -n "$handed" ] && [ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other ($handed)"
e2e_expect_proxy_alive
