#!/bin/sh
# Event routes run when the registrar's bindings change: a binding added,
# renewed, removed (Expires: 0) and expired each reaches an HTTP service
# started here (tests/e2e/http_server.py) through the policy's event
# route, with the address-of-record, the contact and the expiry; the
# route that handles an insertion also reads the subscriber table (a
# query on the database worker) and a second route for the same event
# runs after it. Then the YAML form (tests/e2e/events.yaml) on a second
# proxy: an insertion and a deletion posted to the service.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ctl_init
e2e_subscribers alice
e2e_ports PROXY HTTP SP1 SP2 YPROXY
EVENTS=$E2E_TMP/events.txt
: >"$EVENTS"
python3 "$E2E_SRC/http_server.py" "$HTTP" --events "$EVENTS" >"$E2E_TMP/http.out" 2>"$E2E_TMP/http.log" &
e2e_track $!
e2e_wait_tcp $! "$HTTP" "the HTTP server"
e2e_build tests/e2e/events.sip -D HTTP="http://127.0.0.1:$HTTP"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB"

register() { # USER SOURCE_PORT EXPIRES [PROXY_PORT]
	python3 "$E2E_SRC/sip_peer.py" "${4:-$PROXY}" REGISTER sip:voip.example.com \
		--from "sip:$1@voip.example.com" --to "sip:$1@voip.example.com" \
		--source-port "$2" --header "Expires: $3" --expect 200 >/dev/null ||
		e2e_fail "REGISTER of $1 (expires $3) was not answered 200"
}
# wait_event LINE: the service received LINE within 15 s
wait_event() {
	i=0
	until grep -qx "$1" "$EVENTS"; do
		i=$((i + 1))
		[ $i -lt 150 ] || e2e_fail "the service never got '$1'; it got: $(cat "$EVENTS")"
		sleep 0.1
	done
}

A=sip:test@127.0.0.1:$SP1
B=sip:test@127.0.0.1:$SP2
register alice "$SP1" 60
wait_event "inserted alice@voip.example.com $A 60"
e2e_wait_log "event inserted alice@voip.example.com $A 60 subscribers=1" 5 \
	"the insertion's route did not read the subscriber table"
e2e_wait_log "second route inserted alice@voip.example.com" 5 "the second route did not run"
register alice "$SP1" 120
wait_event "refreshed alice@voip.example.com $A 120"
register bob "$SP2" 2
wait_event "inserted bob@voip.example.com $B 2"
e2e_wait_log "event inserted bob@voip.example.com $B 2 subscribers=0" 5 \
	"bob is no subscriber, the query said otherwise"
register alice "$SP1" 0
wait_event "deleted alice@voip.example.com $A 0"
# bob's binding expires after 2 s; the registrar's sweep finds it within 8 s.
wait_event "expired bob@voip.example.com $B 0"
# Each once, in the order they happened.
printf '%s\n' "inserted alice@voip.example.com $A 60" "refreshed alice@voip.example.com $A 120" \
	"inserted bob@voip.example.com $B 2" "deleted alice@voip.example.com $A 0" \
	"expired bob@voip.example.com $B 0" >"$E2E_TMP/want.txt"
cmp -s "$E2E_TMP/want.txt" "$EVENTS" ||
	e2e_fail "the service got other events than expected: $(cat "$EVENTS")"
e2e_expect_proxy_alive

# The YAML form.
"$SIPCC" build "$top_srcdir/tests/e2e/events.yaml" -o "$E2E_TMP/proxy_yaml" \
	-D HTTP="http://127.0.0.1:$HTTP" >"$E2E_TMP/build_yaml.log" 2>&1 ||
	e2e_fail "sipcc build events.yaml failed: $(cat "$E2E_TMP/build_yaml.log")"
"$E2E_TMP/proxy_yaml" --listen "udp:127.0.0.1:$YPROXY" --log-level info >"$E2E_TMP/proxy_yaml.log" 2>&1 </dev/null &
e2e_track $!
i=0
until e2e_udp_bound "$YPROXY"; do
	i=$((i + 1)); [ $i -lt 100 ] || e2e_fail "the YAML proxy is not listening"; sleep 0.1
done
register carol "$SP1" 60 "$YPROXY"
wait_event "yaml inserted carol@voip.example.com $A"
register carol "$SP1" 0 "$YPROXY"
wait_event "yaml deleted carol@voip.example.com $A"
grep -q "yaml: carol@voip.example.com at $A" "$E2E_TMP/proxy_yaml.log" ||
	e2e_fail "the YAML event route's log step did not run"
