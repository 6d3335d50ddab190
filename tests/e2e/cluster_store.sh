#!/bin/sh
# The shared store (cluster.store, runtime/proxy/store.c) of a proxy:
# a Redis store is checked at start-up ("redis store ready" with the node's
# name), an outage is noticed without traffic and its end too (the modules
# then reload what they keep there); a SQL store gets the schema; a store
# URL no adapter takes stops the proxy at start with the reason, and a
# redis:// main database is refused with a pointer to cluster.store.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init none
e2e_redis_start

e2e_ports PROXY
policy() { # STORE-URL
	sed "s#^define NEXT_HOP.*#&\nuse cluster {\n    store = \"$1\";\n    node = \"edge-a\";\n}#" \
		"$top_srcdir/examples/minimal.sip" >"$E2E_TMP/store.sip"
}
policy "$REDIS_URL"
e2e_build "$E2E_TMP/store.sip" -D NEXT_HOP=sip:127.0.0.1:5999
e2e_start_proxy "$PROXY"
e2e_wait_log "notice: cluster: redis store ready (node edge-a)" 10 "the Redis store was not checked"
eval "$REDIS_STOP"
e2e_wait_log "cluster: the store (redis) is down" 10 "the outage was not noticed"
sh -c "$REDIS_START" || e2e_fail "cannot start Redis again"
e2e_wait_log "cluster: the store (redis) is back" 15 "the store's return was not noticed"
e2e_kill "$PROXY_PID"

# A SQL store gets the schema (here a SQLite file, as a PostgreSQL one would).
policy "sqlite:$E2E_TMP/shared.db"
e2e_build "$E2E_TMP/store.sip" -D NEXT_HOP=sip:127.0.0.1:5999
e2e_start_proxy "$PROXY"
e2e_wait_log "notice: cluster: sqlite store ready" 10 "the SQL store was not made ready"
command -v sqlite3 >/dev/null 2>&1 &&
	{ sqlite3 "$E2E_TMP/shared.db" .tables | grep -qw location ||
		e2e_fail "the SQL store has no schema"; }
e2e_kill "$PROXY_PID"

# A store no adapter takes: the proxy does not start, and says why.
policy "mongodb://127.0.0.1/sip"
e2e_build "$E2E_TMP/store.sip" -D NEXT_HOP=sip:127.0.0.1:5999
"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" >"$E2E_TMP/bad.log" 2>&1 </dev/null &
pid=$!
e2e_track "$pid"
wait "$pid"
status=$?
[ "$status" -ne 0 ] || e2e_fail "a proxy with an unusable cluster.store started"
grep -q "cannot use cluster.store 'mongodb://127.0.0.1/sip': unknown database URL scheme" \
	"$E2E_TMP/bad.log" || e2e_fail "unclear refusal: $(cat "$E2E_TMP/bad.log")"

# Redis as the proxy's own database: refused, pointing at cluster.store.
"$E2E_PROXY" --listen "udp:127.0.0.1:$PROXY" --db "$REDIS_URL" >"$E2E_TMP/db.log" 2>&1 </dev/null &
pid=$!
e2e_track "$pid"
wait "$pid"
grep -q "Redis is not supported as the proxy's database.*cluster.store" "$E2E_TMP/db.log" ||
	e2e_fail "a redis:// database was not refused clearly: $(cat "$E2E_TMP/db.log")"
