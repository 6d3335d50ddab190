#!/bin/sh
# Registrations with a trunk (the uac module, uac_registrant-style): the
# provider's registrar is a second compiled proxy (tests/e2e/trunk_registrar.sip)
# that authenticates REGISTERs against its own database and saves them.
#  1. At start our proxy (tests/e2e/trunk_reg.sip) registers the trunk of
#     its table (sipcc-ctl trunk add ... registrar=...), answering the
#     401: the registrar shows the binding, "trunk status" says
#     registered.
#  2. Registered for 4 s, it registers again before that runs out.
#  3. The registrar stops: the registration fails (503 when the port is
#     refused, 408 when nothing answers) and is retried (with backoff);
#     the registrar starts again with an empty location table
#     and the binding comes back.
#  4. A request the registrar relays to the registered Contact is
#     recognised by is_from_trunk() ($trunk = prov); one from elsewhere is
#     not.
#  5. A wrong password: the registration fails (401 again) and says so.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports REG PROXY PEER
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
# start_registrar DB: run it on $REG; sets REG_PID.
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
# wait_binding DB MESSAGE: the registrar's table has our binding.
wait_binding() {
	i=0
	until "$CTL" --db "$1" ul show acme@up.example 2>/dev/null | grep -q "trk7f3a@127.0.0.1:$PROXY"; do
		[ $i -ge 150 ] && e2e_fail "$2"
		sleep 0.1; i=$((i + 1))
	done
}
# status: the proxy's "trunk status" answer.
status() { "$CTL" --ctl "$SOCK" trunk status; }
# wait_status REGEX SECONDS MESSAGE
wait_status() {
	i=0
	until status | grep -q -e "$1"; do
		[ $i -ge $(($2 * 10)) ] && { status >&2; e2e_fail "$3"; }
		sleep 0.1; i=$((i + 1))
	done
}

start_registrar "$REGDB"
e2e_build tests/e2e/trunk_reg.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --log-level info

# 1.
wait_binding "$REGDB" "the registrar has no binding of the trunk"
wait_status '"name":"prov".*"state":"registered","last_code":200' 5 "trunk status does not say registered"
status | grep -q "\"registrar\":\"sip:127.0.0.1:$REG\",\"aor\":\"sip:acme@up.example\"" ||
	e2e_fail "trunk status does not name the registrar and the AOR"
grep -q "trunk prov registered at sip:127.0.0.1:$REG for 4 s" "$E2E_TMP/proxy.log" ||
	e2e_fail "the registration was not logged with the 4 s the registrar granted"

# 2.
wait_status '"registrations":3' 8 "the registration was not renewed before it expired"

# 3.
e2e_kill "$REG_PID"
wait_status '"state":"failed","last_code":\(408\|503\)' 10 "a registration to a stopped registrar did not fail"
grep -q "registration of trunk prov at sip:127.0.0.1:$REG failed with \(408\|503\); trying again in" \
	"$E2E_TMP/proxy.log" || e2e_fail "the failure and the retry were not logged"
start_registrar "$REGDB2"
wait_binding "$REGDB2" "the registration did not come back after the registrar restarted"
wait_status '"state":"registered","last_code":200,"expires":[1-4],"failures":0' 5 \
	"trunk status does not say registered again"

# 4.
python3 "$E2E_SRC/sip_peer.py" "$REG" OPTIONS sip:acme@up.example --expect 603 --timeout 5 \
	>"$E2E_TMP/peer.out" 2>&1 || e2e_fail "a request from the trunk was not recognised"
grep -q "request from trunk prov" "$E2E_TMP/proxy.log" || e2e_fail "\$trunk was not prov"
python3 "$E2E_SRC/sip_peer.py" "$PROXY" OPTIONS "sip:someone@127.0.0.1:$PROXY" --expect 404 \
	--source-port "$PEER" --timeout 5 >>"$E2E_TMP/peer.out" 2>&1 ||
	e2e_fail "a request from elsewhere was taken for the trunk's"

# 5.
ctl trunk rm prov
ctl trunk add prov realm=up.example username=acme password=wrong \
	"registrar=sip:127.0.0.1:$REG" aor=sip:acme@up.example \
	"contact=sip:trk7f3a@127.0.0.1:$PROXY" expires=4
"$CTL" --ctl "$SOCK" db sync >>"$E2E_TMP/ctl.out" 2>&1 || e2e_fail "db sync failed"
wait_status '"state":"failed","last_code":401' 10 "a wrong password did not fail the registration"
e2e_expect_proxy_alive
