#!/bin/sh
# Load balancing through a compiled proxy (tests/e2e/ds.sip) with sipp
# UASes as the destinations, the sets made by sipcc-ctl while the proxy
# runs (SQLite, or PostgreSQL for ds_pgsql.sh):
#   set 1: D1 D2 D3 (round robin, call-id hash)
#   set 2: D1 weight 1, D2 weight 3 (weighted)
#   set 3: D3 priority 10, D2 priority 5 (priority, ds_select_domain)
#  - round robin spreads 30 calls 10/10/10 (counted by the UASes and by
#    "ds status"); the call-id hash reaches all three; weighted sends more
#    to D2 than to D1; priority sends every call to D3;
#  - D1 stopped: probes (OPTIONS every second, 2 failures) mark it
#    inactive in sets 1 and 2, and round robin calls reach D2 and D3 only;
#    D1 started again: after 2 answered probes it is active and gets calls;
#  - D3 answering 503 to calls (but OPTIONS 200): the failure route's
#    ds_mark_dst() marks it, ds_next_dst() moves the call to D2, and the
#    probes bring D3 back;
#  - ds set SETID URI inactive|active by hand; ds rm while the proxy runs
#    (--sync) takes the destination out of the next selection;
#  - sipcc-ctl refuses bad input.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_db_init
SOCK=$E2E_TMP/sipcc.ctl

ctl_refused() {
	what=$1; shift
	"$CTL" --db "$DB" "$@" >"$E2E_TMP/ctl.err" 2>&1 && e2e_fail "sipcc-ctl $* accepted bad input"
	grep -q -- "$what" "$E2E_TMP/ctl.err" ||
		e2e_fail "sipcc-ctl $*: expected '$what', got: $(cat "$E2E_TMP/ctl.err")"
}

e2e_ports D1 D2 D3 PROXY UAC
ctl db init
ctl ds add 1 "127.0.0.1:$D1" attrs=first desc="server one"
ctl ds add 1 "sip:127.0.0.1:$D2"
ctl ds add 1 "sip:127.0.0.1:$D3"
ctl ds add 2 "sip:127.0.0.1:$D1" weight=1
ctl ds add 2 "sip:127.0.0.1:$D2" weight=3
ctl ds add 3 "sip:127.0.0.1:$D3" priority=10
ctl ds add 3 "sip:127.0.0.1:$D2" priority=5
ctl_refused "is in set 1 already" ds add 1 "sip:127.0.0.1:$D2"
ctl_refused "bad destination" ds add 1 "tel:+4930123"
ctl_refused "bad weight" ds add 1 "sip:127.0.0.1:9" weight=-1
ctl_refused "bad set" ds add x "sip:127.0.0.1:9"
ctl_refused "no destination 99" ds rm 99
"$CTL" --db "$DB" ds list 1 >"$E2E_TMP/ds.list" || e2e_fail "ds list failed"
grep -q "^1 set=1 sip:127.0.0.1:$D1 flags=0 priority=0 weight=1 attrs=first desc=server one$" \
	"$E2E_TMP/ds.list" || e2e_fail "ds list: $(cat "$E2E_TMP/ds.list")"
[ "$(wc -l <"$E2E_TMP/ds.list")" = 3 ] || e2e_fail "ds list 1: $(cat "$E2E_TMP/ds.list")"

e2e_build tests/e2e/ds.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info

# uas NAME PORT [SCENARIO]: a destination (answers OPTIONS with 200: -aa);
# every message it gets is in NAME.msg.
uas() {
	e2e_sipp "$1" -sf "$E2E_SRC/${3:-uas_rr}.xml" -i 127.0.0.1 -p "$2" -aa -timeout 200s \
		-trace_msg -message_file "$E2E_TMP/$1.msg"
	e2e_wait_sipp_up "$1" "$2"
}
# stop NAME: stop a destination.
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
# invites NAME: INVITEs destination NAME received so far.
# (by Call-ID: a retransmission is not another call).
invites() {
	[ -f "$E2E_TMP/$1.msg" ] || { echo 0; return; }
	awk '/^INVITE / { inv = 1 } inv && tolower($1) == "call-id:" { seen[$2] = 1; inv = 0 }
		END { n = 0; for (k in seen) n++; print n }' "$E2E_TMP/$1.msg"
}
# call NAME SERVICE CALLS: calls to SERVICE@proxy, each must succeed.
call() {
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -s "$2" \
		-i 127.0.0.1 -p "$UAC" -m "$3" -r 20 -timeout 30s -timeout_error
	e2e_expect_calls "$1" "$3"
}
# status [SETID]: "ds status" of the running proxy into status.json.
status() {
	"$CTL" --ctl "$SOCK" ds status "$@" >"$E2E_TMP/status.json" 2>&1 ||
		e2e_fail "ds status failed: $(cat "$E2E_TMP/status.json")"
}
# field SET PORT NAME: a field of a destination in status.json.
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
# expect_field SET PORT NAME VALUE
expect_field() {
	status
	v=$(field "$1" "$2" "$3")
	[ "$v" = "$4" ] || e2e_fail "set $1 destination $2: $3 is $v, expected $4: $(cat "$E2E_TMP/status.json")"
}
# expect_invites NAME N: destination NAME received N INVITEs.
expect_invites() {
	i=0
	while [ "$(invites "$1")" != "$2" ]; do
		[ $i -ge 20 ] && e2e_fail "$1 received $(invites "$1") INVITEs, expected $2"
		sleep 0.1; i=$((i + 1))
	done
}

uas d1 "$D1"
uas d2 "$D2"
uas d3 "$D3"

# Round robin: exactly a third each, as the UASes and the counters say.
call rr rr 30
expect_invites d1 10
expect_invites d2 10
expect_invites d3 10
expect_field 1 "$D1" calls_sent 10
expect_field 1 "$D1" attrs first
grep -q "to sip:127.0.0.1:$D1 (first)" "$E2E_TMP/proxy.log" ||
	e2e_fail "\$ds_dst_uri/\$ds_dst_attrs not seen in the log"

# Call-id hash: 30 calls with 30 Call-IDs reach all three.
call hash hash 30
for d in d1 d2 d3; do
	[ "$(invites $d)" -gt 10 ] || e2e_fail "the call-id hash sent no call to $d"
done
[ $(($(invites d1) + $(invites d2) + $(invites d3))) = 60 ] || e2e_fail "calls lost"

# Weighted 1:3 over 40 calls: D2 gets more than D1 (30 expected against
# 10; fewer than 21 has a chance below 1e-3).
b1=$(invites d1) b2=$(invites d2)
call weighted weighted 40
w1=$(($(invites d1) - b1)) w2=$(($(invites d2) - b2))
e2e_log "weighted: D1 $w1, D2 $w2"
[ $((w1 + w2)) = 40 ] || e2e_fail "weighted: $w1 + $w2 calls, expected 40"
[ "$w2" -gt 20 ] && [ "$w1" -gt 0 ] || e2e_fail "weighted 1:3 gave D1 $w1, D2 $w2"

# Priority: every call to D3, with the Request-URI's host rewritten.
b3=$(invites d3) b2=$(invites d2)
call prio prio 5
expect_invites d3 $((b3 + 5))
[ "$(invites d2)" = "$b2" ] || e2e_fail "priority: D2 got calls while D3 was up"
grep -q "^INVITE sip:prio@127.0.0.1:$D3 SIP/2.0" "$E2E_TMP/d3.msg" ||
	e2e_fail "ds_select_domain did not rewrite the Request-URI"

# D1 stops: the probes mark it inactive in both of its sets.
expect_field 1 "$D1" state active
stop d1 "$D1"
e2e_wait_log "destination sip:127.0.0.1:$D1 of set 1 is now inactive (probe)" 15 \
	"D1 was not marked inactive by the probes"
e2e_wait_log "destination sip:127.0.0.1:$D1 of set 2 is now inactive (probe)" 15 \
	"D1 was not marked inactive in set 2"
e2e_wait_log "event down set=1 uri=sip:127.0.0.1:$D1 reason=probe" 5 \
	"no dispatcher.destination_down event route ran"
expect_field 1 "$D1" state inactive
status 1
[ "$(field 1 "$D1" probes_failed)" -ge 2 ] || e2e_fail "probes_failed: $(cat "$E2E_TMP/status.json")"
grep -q '"set":2' "$E2E_TMP/status.json" && e2e_fail "ds status 1 lists set 2"
c1=$(field 1 "$D1" calls_sent)
b2=$(invites d2) b3=$(invites d3)
call rr_down rr 20
expect_field 1 "$D1" calls_sent "$c1"
[ $(($(invites d2) - b2)) = 10 ] && [ $(($(invites d3) - b3)) = 10 ] ||
	e2e_fail "with D1 down: D2 got $(($(invites d2) - b2)), D3 $(($(invites d3) - b3)) of 20"
call weighted_down weighted 5
[ $(($(invites d2) - b2)) = 15 ] || e2e_fail "weighted with D1 down: not every call to D2"

# D1 comes back: two answered probes make it active; it gets calls again.
uas d1b "$D1"
e2e_wait_log "destination sip:127.0.0.1:$D1 of set 1 is now active (probe)" 15 \
	"D1 did not come back after it restarted"
e2e_wait_log "event up set=1 uri=sip:127.0.0.1:$D1 reason=probe" 5 \
	"no dispatcher.destination_up event route ran"
call rr_up rr 9
expect_invites d1b 3

# D3 answers calls with 503 (OPTIONS still 200): the failure route marks
# it and the call goes on to D2; the probes bring it back.
stop d3 "$D3"
uas d3b "$D3" uas_503
b2=$(invites d2)
call prio_fail prio 1
expect_invites d3b 1
expect_invites d2 $((b2 + 1))
e2e_wait_log "destination sip:127.0.0.1:$D3 of set 3 is now inactive (call)" 5 \
	"ds_mark_dst() did not mark D3"
grep -q "failover to sip:127.0.0.1:$D2 ru sip:prio@127.0.0.1:$D2" "$E2E_TMP/proxy.log" ||
	e2e_fail "ds_next_dst() did not rewrite the Request-URI for D2"
e2e_wait_log "destination sip:127.0.0.1:$D3 of set 3 is now active (probe)" 15 \
	"the probes did not bring D3 back"
expect_field 3 "$D3" marked 1

# By hand.
"$CTL" --ctl "$SOCK" ds set 2 "sip:127.0.0.1:$D2" inactive >"$E2E_TMP/set.json" 2>&1 ||
	e2e_fail "ds set: $(cat "$E2E_TMP/set.json")"
grep -q '"state":"inactive"' "$E2E_TMP/set.json" || e2e_fail "ds set: $(cat "$E2E_TMP/set.json")"
grep -q "destination sip:127.0.0.1:$D2 of set 2 is now inactive (admin)" "$E2E_TMP/proxy.log" ||
	e2e_fail "ds set: no state change logged"
"$CTL" --ctl "$SOCK" ds set 2 "sip:127.0.0.1:9" active >"$E2E_TMP/set.json" 2>&1 &&
	e2e_fail "ds set accepted an unknown destination"
"$CTL" --ctl "$SOCK" ds set 2 "sip:127.0.0.1:$D2" active >/dev/null 2>&1 || e2e_fail "ds set active"

# A destination removed while the proxy runs is not selected any more.
stop d3b "$D3"
uas d3c "$D3"
"$CTL" --db "$DB" --sync "$SOCK" ds rm 1 "sip:127.0.0.1:$D3" >>"$E2E_TMP/ctl.out" 2>&1 ||
	e2e_fail "ds rm failed"
b3=$(invites d3c)
call rr_rm rr 6
[ "$(invites d3c)" = "$b3" ] || e2e_fail "a removed destination still gets calls"
status 1
[ "$(field 1 "$D3" state)" = missing ] || e2e_fail "ds status still lists the removed destination"

e2e_expect_proxy_alive
