#!/bin/sh
# Gateway health in dynamic routing through a compiled proxy
# (tests/e2e/dr_health.sip) with sipp UASes as the gateways (SQLite, or
# PostgreSQL for dr_health_pgsql.sh):
#   gateway 1 and 2 probed (probe=1), gateway 3 not;
#   group 1: 49 -> 1=1,2=3 (weighted)   33 -> 1,2   44 -> 3
#  - 40 calls to 49... spread 1:3 (more to gateway 2, some to 1);
#  - gateway 1 stopped: the probes mark it inactive and calls to 33... go
#    straight to gateway 2, without a failover; gateway 3 is never probed;
#    gateway 1 started again: active after 5 answered probes, gets calls;
#  - gateway 1 takes INVITEs but never answers (OPTIONS still answered):
#    the call's 408 marks it inactive at once and the failure route moves
#    the call to gateway 2; the next call skips gateway 1 without waiting;
#    the probes bring it back;
#  - dr status shows states and counters; dr set by hand.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_db_init
SOCK=$E2E_TMP/sipcc.ctl

e2e_ports GW1 GW2 GW3 PROXY UAC
ctl db init
ctl gw add 1 "sip:127.0.0.1:$GW1" probe=1
ctl gw add 2 "sip:127.0.0.1:$GW2" probe=1
ctl gw add 3 "sip:127.0.0.1:$GW3"
ctl rule add 1 49 1=1,2=3
ctl rule add 1 33 1,2
ctl rule add 1 44 3
"$CTL" --db "$DB" gw list >"$E2E_TMP/gw.list" || e2e_fail "gw list failed"
grep -q "^1 sip:127.0.0.1:$GW1 strip=0 prefix= probe=1$" "$E2E_TMP/gw.list" ||
	e2e_fail "gw list: $(cat "$E2E_TMP/gw.list")"
"$CTL" --db "$DB" gw add 4 "sip:127.0.0.1:9" probe=yes >"$E2E_TMP/ctl.err" 2>&1 &&
	e2e_fail "gw add accepted probe=yes"
"$CTL" --db "$DB" rule add 1 55 "1=x" >"$E2E_TMP/ctl.err" 2>&1 &&
	e2e_fail "rule add accepted a bad weight"

e2e_build tests/e2e/dr_health.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info

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
# invites NAME: calls gateway NAME got (INVITEs by Call-ID: a silent
# gateway gets retransmissions).
invites() {
	[ -f "$E2E_TMP/$1.msg" ] || { echo 0; return; }
	awk '/^INVITE / { inv = 1 } inv && tolower($1) == "call-id:" { seen[$2] = 1; inv = 0 }
		END { n = 0; for (k in seen) n++; print n }' "$E2E_TMP/$1.msg"
}
call() {
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s "$2" \
		-i 127.0.0.1 -p "$UAC" -m "$3" -r 20 -timeout 30s -timeout_error
	e2e_expect_calls "$1" "$3"
}
status() {
	"$CTL" --ctl "$SOCK" dr status >"$E2E_TMP/status.json" 2>&1 ||
		e2e_fail "dr status failed: $(cat "$E2E_TMP/status.json")"
}
# field GWID NAME: a field of a gateway in status.json.
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
gateway gw3 "$GW3"

# Weighted 1:3 over 40 calls (fewer than 21 for gateway 2: chance < 1e-3).
call weighted 4912345 40
g1=$(invites gw1) g2=$(invites gw2)
e2e_log "weighted: gateway 1 $g1, gateway 2 $g2"
[ $((g1 + g2)) = 40 ] || e2e_fail "weighted: $g1 + $g2 calls, expected 40"
[ "$g2" -gt 20 ] && [ "$g1" -gt 0 ] || e2e_fail "weighted 1:3 gave $g1 and $g2"
expect_field 1 probed true
expect_field 3 probed false
expect_field 3 probes_sent 0
expect_field 2 calls_sent "$g2"
status
[ "$(field 1 probes_sent)" -gt 0 ] || e2e_fail "gateway 1 not probed: $(cat "$E2E_TMP/status.json")"

# Gateway 1 stops: the probes disable it; calls go straight to gateway 2.
stop gw1 "$GW1"
e2e_wait_log "drouting: gateway 1 (sip:127.0.0.1:$GW1) is now inactive (probe)" 15 \
	"gateway 1 was not marked inactive by the probes"
e2e_wait_log "event down gw=1 uri=sip:127.0.0.1:$GW1 reason=probe" 5 \
	"no drouting.gateway_down event route ran"
expect_field 1 state inactive
f=$(failovers) b2=$(invites gw2)
call down 3312345 10
[ $(($(invites gw2) - b2)) = 10 ] || e2e_fail "with gateway 1 down, gateway 2 got $(($(invites gw2) - b2)) of 10"
[ "$(failovers)" = "$f" ] || e2e_fail "calls waited for the dead gateway 1 (failovers ran)"
# Gateway 3 is not probed: it stays active whatever happens to it.
call gw3 4412345 2
expect_field 3 state active

# Gateway 1 comes back.
gateway gw1b "$GW1"
e2e_wait_log "drouting: gateway 1 (sip:127.0.0.1:$GW1) is now active (probe)" 20 \
	"gateway 1 did not come back after it restarted"
call up 3312345 2
[ "$(invites gw1b)" = 2 ] || e2e_fail "gateway 1 back: $(invites gw1b) calls, expected 2"

# Gateway 1 takes the INVITE and never answers: 408, marked inactive at
# once, the call completes through gateway 2; the next call skips it.
stop gw1b "$GW1"
gateway gw1c "$GW1" dr_silent
"$CTL" --ctl "$SOCK" dr set 1 active >/dev/null 2>&1 || e2e_fail "dr set 1 active"
call silent 3312345 1
[ "$(invites gw1c)" = 1 ] || e2e_fail "the silent gateway got $(invites gw1c) INVITEs"
grep -q "drouting: gateway 1 (sip:127.0.0.1:$GW1) is now inactive (call)" "$E2E_TMP/proxy.log" ||
	e2e_fail "the 408 did not disable gateway 1"
f=$(failovers)
call skip 3312345 1
[ "$(invites gw1c)" = 1 ] || e2e_fail "the next call still went to the silent gateway"
[ "$(failovers)" = "$f" ] || e2e_fail "the next call waited for the silent gateway"
expect_field 1 timeouts 1
e2e_wait_log "drouting: gateway 1 (sip:127.0.0.1:$GW1) is now active (probe)" 20 \
	"the probes did not bring gateway 1 back after the timeout"

# By hand.
"$CTL" --ctl "$SOCK" dr set 2 inactive >"$E2E_TMP/set.json" 2>&1 ||
	e2e_fail "dr set: $(cat "$E2E_TMP/set.json")"
grep -q '"state":"inactive"' "$E2E_TMP/set.json" || e2e_fail "dr set: $(cat "$E2E_TMP/set.json")"
grep -q "drouting: gateway 2 (sip:127.0.0.1:$GW2) is now inactive (admin)" "$E2E_TMP/proxy.log" ||
	e2e_fail "dr set: no state change logged"
"$CTL" --ctl "$SOCK" dr set 9 active >/dev/null 2>&1 && e2e_fail "dr set accepted gateway 9"

e2e_expect_proxy_alive
