#!/bin/sh
# The dispatcher on two workers (--workers 2, tests/e2e/ds_workers.sip):
# callers on four source ports, each call's Call-ID giving it to one
# worker or the other, so both workers select destinations at once.
#   set 1: D1 D2 D3 (round robin)   set 3: D3 priority 10, D2 priority 5
#  - round robin takes turns across both workers together: 4 x 30 calls
#    at once give exactly 40 to each destination (counted by the UASes
#    and by "ds status"), and calls one at a time rotate D1 D2 D3 D1 ...
#    whichever worker routes each;
#  - D1 stopped: the probes (on worker 0) mark it inactive and round robin
#    on both workers splits calls exactly between D2 and D3; D1 restarted
#    is brought back by the probes and gets its share again;
#  - D3 answering 503: the failure route of the worker owning that call
#    marks it; 4 x 5 calls on both workers then go straight to D2 (no
#    failover, D3 gets nothing more) until the probes bring D3 back;
#  - messages went from one worker to the other (core.handoff_messages).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_plain_pass_only "ds.sh runs on several workers under the sanitizers"

command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed"
e2e_init
e2e_db_init
SOCK=$E2E_TMP/sipcc.ctl
CALLERS="c1 c2 c3 c4"

e2e_ports D1 D2 D3 PROXY METRICS P_c1 P_c2 P_c3 P_c4
ctl db init
ctl ds add 1 "sip:127.0.0.1:$D1"
ctl ds add 1 "sip:127.0.0.1:$D2"
ctl ds add 1 "sip:127.0.0.1:$D3"
ctl ds add 3 "sip:127.0.0.1:$D3" priority=10
ctl ds add 3 "sip:127.0.0.1:$D2" priority=5

e2e_build tests/e2e/ds_workers.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info --workers 2 \
	--metrics "127.0.0.1:$METRICS"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

uas() {
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
# invites NAME: calls destination NAME received (INVITEs by Call-ID).
invites() {
	[ -f "$E2E_TMP/$1.msg" ] || { echo 0; return; }
	awk '/^INVITE / { inv = 1 } inv && tolower($1) == "call-id:" { seen[$2] = 1; inv = 0 }
		END { n = 0; for (k in seen) n++; print n }' "$E2E_TMP/$1.msg"
}
# calls TAG SERVICE N: N calls to SERVICE from each of the four callers at
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
	"$CTL" --ctl "$SOCK" ds status "$@" >"$E2E_TMP/status.json" 2>&1 ||
		e2e_fail "ds status failed: $(cat "$E2E_TMP/status.json")"
}
field() {
	python3 - "$E2E_TMP/status.json" "$1" "sip:127.0.0.1:$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for x in d["destinations"]:
    if x["set"] == int(sys.argv[2]) and x["uri"] == sys.argv[3]:
        print(x[sys.argv[4]])
        break
else:
    print("missing")
PY
}
expect_field() {
	status
	v=$(field "$1" "$2" "$3")
	[ "$v" = "$4" ] || e2e_fail "set $1 destination $2: $3 is $v, expected $4: $(cat "$E2E_TMP/status.json")"
}
expect_invites() {
	i=0
	while [ "$(invites "$1")" != "$2" ]; do
		[ $i -ge 30 ] && e2e_fail "$1 received $(invites "$1") INVITEs, expected $2"
		sleep 0.1; i=$((i + 1))
	done
}
failovers() { grep -c "failover to sip:" "$E2E_TMP/proxy.log"; }

uas d1 "$D1"
uas d2 "$D2"
uas d3 "$D3"

# Round robin, 120 calls at once on both workers: 40 each.
calls rr rr 30
expect_invites d1 40
expect_invites d2 40
expect_invites d3 40
for d in "$D1" "$D2" "$D3"; do expect_field 1 "$d" calls_sent 40; done

# One call at a time, 12 Call-IDs owned by either worker: the turns go on
# D1 D2 D3 D1 ... in the order the calls come.
n0=$(grep -c "info: call .* to sip:" "$E2E_TMP/proxy.log")
e2e_sipp_run seq -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s rr -i 127.0.0.1 -p "$P_c1" \
	-m 12 -l 1 -r 10 -timeout 30s -timeout_error
e2e_expect_calls seq 12
grep "info: call .* to sip:" "$E2E_TMP/proxy.log" | tail -n +$((n0 + 1)) |
	sed 's/.* to //' >"$E2E_TMP/seq.txt"
python3 - "$E2E_TMP/seq.txt" <<'PY' || e2e_fail "round robin did not rotate: $(tr '\n' ' ' <"$E2E_TMP/seq.txt")"
import sys
s = open(sys.argv[1]).read().split()
ok = len(s) == 12 and len(set(s[:3])) == 3 and all(s[i] == s[i + 3] for i in range(9))
sys.exit(0 if ok else 1)
PY

# D1 stops: the probes mark it; both workers split round robin between D2
# and D3 exactly.
stop d1 "$D1"
e2e_wait_log "destination sip:127.0.0.1:$D1 of set 1 is now inactive (probe)" 15 \
	"D1 was not marked inactive by the probes"
b2=$(invites d2) b3=$(invites d3)
calls rr_down rr 10
expect_invites d2 $((b2 + 20))
expect_invites d3 $((b3 + 20))
expect_field 1 "$D1" calls_sent 44
expect_field 1 "$D1" state inactive

# D1 comes back: the probes make it active; it takes its turns again.
uas d1b "$D1"
e2e_wait_log "destination sip:127.0.0.1:$D1 of set 1 is now active (probe)" 20 \
	"D1 did not come back after it restarted"
calls rr_up rr 3
expect_invites d1b 4

# D3 answers calls with 503 (OPTIONS still 200): marked by the worker
# owning that call; the next calls on both workers skip it.
stop d3 "$D3"
uas d3b "$D3" uas_503
b2=$(invites d2)
e2e_sipp_run first -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s prio -i 127.0.0.1 \
	-p "$P_c1" -m 1 -timeout 30s -timeout_error
e2e_expect_calls first 1
expect_invites d3b 1
e2e_wait_log "destination sip:127.0.0.1:$D3 of set 3 is now inactive (call)" 5 \
	"ds_mark_dst() did not mark D3"
e2e_wait_log "event down set=3 uri=sip:127.0.0.1:$D3 reason=call" 5 \
	"no dispatcher.destination_down event for the mark"
f=$(failovers)
calls prio_down prio 5
expect_invites d2 $((b2 + 21))
[ "$(invites d3b)" = 1 ] || e2e_fail "D3 marked on one worker still got calls ($(invites d3b))"
[ "$(failovers)" = "$f" ] || e2e_fail "calls tried the marked D3 first ($(failovers) failovers, $f before)"
expect_field 3 "$D3" marked 1
expect_field 3 "$D3" state inactive

# The probes bring D3 back for every worker.
e2e_wait_log "destination sip:127.0.0.1:$D3 of set 3 is now active (probe)" 20 \
	"the probes did not bring D3 back"
e2e_sipp_run back -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s prio -i 127.0.0.1 \
	-p "$P_c2" -m 1 -timeout 30s -timeout_error
e2e_expect_calls back 1
expect_invites d3b 2

curl -s "http://127.0.0.1:$METRICS/metrics" >"$E2E_TMP/metrics.txt"
handed=$(awk '$1 == "sipcc_core_handoff_messages_total" { print $2 }' "$E2E_TMP/metrics.txt")
e2e_log "$handed messages handed to the other worker"
[ -n "$handed" ] && [ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other ($handed)"
e2e_expect_proxy_alive
