#!/bin/sh
# Trunk registrations with two workers (--workers 2; the uac module,
# tests/e2e/trunk_reg.sip): the registrations run on worker 0 (its timers,
# the answers to its REGISTERs) while is_from_trunk() reads them on
# whichever worker owns each request. The registrar is a second compiled
# proxy (tests/e2e/trunk_registrar.sip).
#  1. At start the trunk registers (the 401 answered): the registrar has
#     the binding, "trunk status" says registered, and the registration
#     is renewed before its 4 s run out.
#  2. 20 requests the registrar relays to the registered Contact, each
#     with its own Call-ID (so both workers take them): every one is
#     recognised by is_from_trunk(); 8 from other source ports are not.
#  3. The registrar stops: the registration fails and the control socket
#     says so; it comes back when the registrar starts again.
#  4. Messages went from one worker to the other (core.handoff_messages).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_plain_pass_only "trunk_reg.sh runs on several workers under the sanitizers"

command -v curl >/dev/null 2>&1 || e2e_skip "curl not installed"
e2e_init python3
e2e_ports REG PROXY METRICS P1 P2 P3 P4
e2e_ctl_init
SOCK=$E2E_TMP/ctl.sock
REGDB=sqlite:$E2E_TMP/reg.db
REGDB2=sqlite:$E2E_TMP/reg2.db
for d in "$REGDB" "$REGDB2"; do
	for cmd in "db init" "domain add up.example" "add acme@up.example s3cret"; do
		# shellcheck disable=SC2086
		"$CTL" --db "$d" $cmd >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "registrar: sipcc-ctl $cmd"
	done
done
ctl db init
ctl trunk add prov realm=up.example username=acme password=s3cret \
	"registrar=sip:127.0.0.1:$REG" aor=sip:acme@up.example \
	"contact=sip:trk7f3a@127.0.0.1:$PROXY" expires=4

"$SIPCC" build "$top_srcdir/tests/e2e/trunk_registrar.sip" -o "$E2E_TMP/registrar" \
	>"$E2E_TMP/build_reg.log" 2>&1 ||
	{ cat "$E2E_TMP/build_reg.log" >&2; e2e_fail "cannot build the registrar"; }
start_registrar() {
	"$E2E_TMP/registrar" --listen "udp:127.0.0.1:$REG" --db "$1" --log-level info \
		>>"$E2E_TMP/registrar.out" 2>&1 </dev/null &
	REG_PID=$!
	e2e_track "$REG_PID"
	i=0
	until e2e_udp_bound "$REG"; do
		[ $i -ge 100 ] && e2e_fail "the registrar is not listening"
		sleep 0.1; i=$((i + 1))
	done
}
wait_binding() {
	i=0
	until "$CTL" --db "$1" ul show acme@up.example 2>/dev/null | grep -q "trk7f3a@127.0.0.1:$PROXY"; do
		[ $i -ge 150 ] && e2e_fail "$2"
		sleep 0.1; i=$((i + 1))
	done
}
status() { "$CTL" --ctl "$SOCK" trunk status; }
wait_status() {
	i=0
	until status | grep -q -e "$1"; do
		[ $i -ge $(($2 * 10)) ] && { status >&2; e2e_fail "$3"; }
		sleep 0.1; i=$((i + 1))
	done
}

start_registrar "$REGDB"
e2e_build tests/e2e/trunk_reg.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info --workers 2 \
	--metrics "127.0.0.1:$METRICS"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

# 1.
wait_binding "$REGDB" "the registrar has no binding of the trunk"
wait_status '"name":"prov".*"state":"registered","last_code":200' 5 "trunk status does not say registered"
grep -q "trunk prov registered at sip:127.0.0.1:$REG for 4 s" "$E2E_TMP/proxy.log" ||
	e2e_fail "the registration was not logged with the 4 s the registrar granted"
wait_status '"registrations":3' 8 "the registration was not renewed before it expired"

# 2. Through the registrar (from its address and port), four at a time.
k=0
while [ $k -lt 5 ]; do
	for j in 1 2 3 4; do
		python3 "$E2E_SRC/sip_peer.py" "$REG" OPTIONS sip:acme@up.example --expect 603 \
			--timeout 5 >"$E2E_TMP/peer$j.out" 2>&1 &
		eval "peer$j=\$!"
	done
	for j in 1 2 3 4; do
		eval "wait \$peer$j" || e2e_fail "a request from the trunk was not recognised: $(cat "$E2E_TMP/peer$j.out")"
	done
	k=$((k + 1))
done
grep -q "request from trunk prov" "$E2E_TMP/proxy.log" || e2e_fail "\$trunk was not prov"
for p in "$P1" "$P2" "$P3" "$P4" "$P1" "$P2" "$P3" "$P4"; do
	python3 "$E2E_SRC/sip_peer.py" "$PROXY" OPTIONS "sip:someone@127.0.0.1:$PROXY" --expect 404 \
		--source-port "$p" --timeout 5 >>"$E2E_TMP/peer.out" 2>&1 ||
		e2e_fail "a request from elsewhere was taken for the trunk's"
done

# 3.
e2e_kill "$REG_PID"
wait_status '"state":"failed","last_code":\(408\|503\)' 10 "a registration to a stopped registrar did not fail"
start_registrar "$REGDB2"
wait_binding "$REGDB2" "the registration did not come back after the registrar restarted"
wait_status '"state":"registered","last_code":200,"expires":[1-4],"failures":0' 5 \
	"trunk status does not say registered again"

# 4.
handed=$(curl -s "http://127.0.0.1:$METRICS/metrics" |
	awk '$1 == "sipcc_core_handoff_messages_total" { print $2 }')
e2e_log "$handed messages handed to the other worker"
[ -n "$handed" ] && [ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other ($handed)"
e2e_expect_proxy_alive
