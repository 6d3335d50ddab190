#!/bin/sh
# Two proxies, A and B, sharing the location through one Redis
# (cluster.store; tests/redis_server.sh starts it), built from one policy
# (their cluster.node is the default, host name and port, so they
# differ). CLUSTER_STORE=pgsql runs the same with PostgreSQL as the only
# store (cluster_location_pgsql.sh): the location table, LISTEN/NOTIFY.
#  a. bob registers through A; B finds the binding (the change
#     announced, read back) and a call from alice through B reaches bob.
#  b. bob unregisters through A: B answers 404 within a bounded time.
#  c. bob registers again through A; B is restarted and still routes to
#     the binding (loaded from the store at start-up).
#  d. (Redis) The store is frozen: REGISTERs through A are answered at
#     once all the same, B routes. Then the store stops: a REGISTER
#     through A is answered 503 with Retry-After, at once (answered, not
#     timed out); B's lookups keep working from memory and a call through
#     B still reaches bob.
#  e. The store starts again: registrations through A work again and B
#     sees them; B still has bob. Redis (no persistence in the test) came
#     back empty: the proxy that noticed wrote the bindings it had back,
#     so a proxy C started afterwards finds bob in the store.
#     PostgreSQL kept its rows.
# Waits poll for the condition with generous bounds; the delays observed
# are logged, never asserted below their bounds.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
STORE_KIND=${CLUSTER_STORE:-redis}
if [ "$STORE_KIND" = pgsql ]; then
	e2e_plain_pass_only "the Redis form runs the same code under the sanitizers"
	e2e_pg_start
	STORE_URL=$PG_URL
	STORE_STOP=$PG_STOP
	STORE_START=$PG_START
else
	e2e_redis_start
	STORE_URL=$REDIS_URL
	STORE_STOP=$REDIS_STOP
	STORE_START=$REDIS_START
fi
e2e_ports PA PB UAS UAC

cat >"$E2E_TMP/cluster.sip" <<EOF
# Two proxies sharing the location (tests/e2e/cluster_location.sh).
listen udp 127.0.0.1:5060
use cluster { store = "$STORE_URL"; }
use registrar { min_expires = 0; cluster_sync = 30; }

@allow(open_relay)
route request {
    if (!maxfwd_ok(70)) {
        reply(483, "Too Many Hops");
        exit;
    }
    if (has_totag()) {
        if (loose_route()) {
            t_relay();
            exit;
        }
        if (method == ACK) {
            exit;
        }
        t_relay();
        exit;
    }
    if (method == REGISTER) {
        @allow(unauth_register)
        save("location");
        exit;
    }
    # A probe of this proxy's table that reaches nobody.
    if (method == OPTIONS) {
        if (registered("location")) {
            reply(200, "Registered");
        } else {
            reply(404, "Not Registered");
        }
        exit;
    }
    if (!lookup("location")) {
        t_reply(404, "Not Found");
        exit;
    }
    record_route();
    t_relay();
}
EOF
e2e_build "$E2E_TMP/cluster.sip"

# start_px NAME PORT: run the proxy on PORT, its log in NAME.out; wait
# until it listens and its store is ready.
start_px() {
	"$E2E_PROXY" --listen "udp:127.0.0.1:$2" ${E2E_LOG_LEVEL:+--log-level "$E2E_LOG_LEVEL"} \
		>>"$E2E_TMP/$1.out" 2>&1 </dev/null &
	eval "PID_$1=\$!"
	e2e_track "$!"
	i=0
	until e2e_udp_bound "$2"; do
		eval "kill -0 \$PID_$1" 2>/dev/null || e2e_fail "proxy $1 exited at start-up"
		[ $i -ge 100 ] && e2e_fail "proxy $1 not listening on udp port $2 after 10 s"
		sleep 0.1; i=$((i + 1))
	done
	i=0
	until [ "$(grep -c "store ready" "$E2E_TMP/$1.out")" -ge "${3:-1}" ]; do
		[ $i -ge 150 ] && e2e_fail "proxy $1: the store was not ready within 15 s"
		sleep 0.1; i=$((i + 1))
	done
}

# register PORT USER CONTACT EXPIRES: one REGISTER to the proxy on PORT;
# prints its status line, the Retry-After it had and how long the answer
# took (reg.out); fails the test when no answer came within 5 s.
register() {
	python3 - "$@" >"$E2E_TMP/reg.last" 2>&1 <<'PY'
import random, socket, sys, time
port, user, contact, expires = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
n = random.getrandbits(32)
req = ("REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/UDP %s;branch=z9hG4bK-reg-%x;rport\r\n"
       "Max-Forwards: 70\r\n"
       "From: <sip:%s@127.0.0.1>;tag=r1\r\n"
       "To: <sip:%s@127.0.0.1>\r\n"
       "Call-ID: reg-%x@127.0.0.1\r\n"
       "CSeq: 1 REGISTER\r\n"
       "Contact: %s\r\n"
       "Expires: %s\r\n"
       "Content-Length: 0\r\n\r\n"
       % (port, me, n, user, user, n, contact, expires))
t0 = time.monotonic()
s.sendto(req.encode(), ("127.0.0.1", port))
s.settimeout(5.0)
try:
    while True:
        resp = s.recv(65535).decode("latin-1")
        if not resp.startswith("SIP/2.0 1"):
            break
except socket.timeout:
    print("NO ANSWER after 5 s")
    sys.exit(1)
lines = resp.split("\r\n")
ra = [l for l in lines if l.lower().startswith("retry-after:")]
print("%s | %s | %.3f s" % (lines[0], ra[0] if ra else "no Retry-After", time.monotonic() - t0))
PY
	rc=$?
	cat "$E2E_TMP/reg.last" >>"$E2E_TMP/reg.out"
	[ $rc = 0 ] || e2e_fail "REGISTER of $2 through port $1 was not answered: $(cat "$E2E_TMP/reg.last")"
	REG_STATUS=$(cut -d' ' -f2 "$E2E_TMP/reg.last")
}

# probe PORT USER CODE SECONDS: poll the proxy on PORT until its table
# says CODE for USER (200 registered, 404 not); prints how long it took.
probe() {
	t0=$(date +%s.%N)
	python3 "$E2E_SRC/sip_peer.py" "$1" OPTIONS "sip:$2@127.0.0.1" --until "$3" --timeout "$4" \
		>>"$E2E_TMP/probe.out" 2>&1 || return 1
	PROBE_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	return 0
}

# call NAME: one call from alice through B to bob (uac_caller.xml, bob's
# UAS sipp's built-in one on $UAS).
call() {
	e2e_sipp "uas$1" -sn uas -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s
	e2e_wait_sipp_up "uas$1" "$UAS"
	e2e_sipp_run "uac$1" -sf "$E2E_SRC/uac_caller.xml" -key caller alice -i 127.0.0.1 \
		-p "$UAC" -s bob "127.0.0.1:$PB" -m 1 -d 100 -timeout 15s -timeout_error
	e2e_expect_calls "uac$1" 1
	e2e_sipp_wait "uas$1"
}

start_px A "$PA"
start_px B "$PB"

# a.
register "$PA" bob "<sip:bob@127.0.0.1:$UAS>" 300
[ "$REG_STATUS" = 200 ] || e2e_fail "a: bob's REGISTER through A: $(cat "$E2E_TMP/reg.last")"
probe "$PB" bob 200 10 || e2e_fail "a: B does not know bob's binding made through A after 10 s"
e2e_log "a: B saw bob's binding after ${PROBE_S} s"
call a

# b.
register "$PA" bob "*" 0
[ "$REG_STATUS" = 200 ] || e2e_fail "b: bob's unREGISTER through A: $(cat "$E2E_TMP/reg.last")"
probe "$PB" bob 404 10 || e2e_fail "b: B still has bob's binding 10 s after it was removed through A"
e2e_log "b: B forgot bob's binding after ${PROBE_S} s"
python3 "$E2E_SRC/sip_peer.py" "$PB" INVITE "sip:bob@127.0.0.1" --expect 404 >>"$E2E_TMP/probe.out" 2>&1 ||
	e2e_fail "b: an INVITE for bob through B was not answered 404"

# c.
register "$PA" bob "<sip:bob@127.0.0.1:$UAS>" 300
[ "$REG_STATUS" = 200 ] || e2e_fail "c: bob's REGISTER through A: $(cat "$E2E_TMP/reg.last")"
probe "$PB" bob 200 10 || e2e_fail "c: B does not know bob's new binding"
e2e_kill "$PID_B"
start_px B "$PB" 2
probe "$PB" bob 200 10 || e2e_fail "c: B restarted does not know bob's binding made through A"
grep -q "bindings read from the shared store" "$E2E_TMP/B.out" ||
	e2e_fail "c: B did not read the bindings at start-up"
call c

# d. With Redis, first a Redis that does not answer (frozen): every
# REGISTER is still answered at once (200 while the write waits on the
# store's worker, 503 once the store is known down), and B routes.
if [ "$STORE_KIND" = redis ]; then
	e2e_redis_signal STOP
	for n in 1 2 3; do
		register "$PA" dave "<sip:dave@127.0.0.1:$UAC>" 300
		case $REG_STATUS in
		200|503) ;;
		*) e2e_fail "d: REGISTER through A with Redis frozen: $(cat "$E2E_TMP/reg.last")" ;;
		esac
	done
	e2e_log "d: Redis frozen: $(cat "$E2E_TMP/reg.last")"
	probe "$PB" bob 200 3 || e2e_fail "d: B forgot bob while Redis is frozen"
	e2e_redis_signal CONT
fi
eval "$STORE_STOP"
got=
for n in 1 2 3 4 5 6 7 8 9 10; do
	register "$PA" alice "<sip:alice@127.0.0.1:$UAC>" 300
	if [ "$REG_STATUS" = 503 ]; then
		got=$n
		break
	fi
	sleep 0.5
done
[ -n "$got" ] || e2e_fail "d: REGISTER through A with the store down was never answered 503: $(cat "$E2E_TMP/reg.out")"
grep -q "Retry-After" "$E2E_TMP/reg.last" || e2e_fail "d: the 503 has no Retry-After: $(cat "$E2E_TMP/reg.last")"
e2e_log "d: store down: $(cat "$E2E_TMP/reg.last") (REGISTER number $got)"
probe "$PB" bob 200 3 || e2e_fail "d: B forgot bob while the store is down"
call d

# e.
eval "$STORE_START" || e2e_error "cannot start the store again"
i=0
until register "$PA" carol "<sip:carol@127.0.0.1:$UAC>" 300; [ "$REG_STATUS" = 200 ]; do
	[ $i -ge 40 ] && e2e_fail "e: REGISTER through A not accepted 20 s after the store came back: $(cat "$E2E_TMP/reg.last")"
	sleep 0.5; i=$((i + 1))
done
e2e_log "e: registrations accepted again after $i retries"
probe "$PB" carol 200 10 || e2e_fail "e: B does not see carol's binding made through A after the outage"
probe "$PB" bob 200 3 || e2e_fail "e: B lost bob's binding after the outage"
if [ "$STORE_KIND" = redis ]; then
	# The proxy that found Redis empty wrote its bindings back.
	i=0
	until [ "$($REDIS_CLI hlen "sipcc:loc:bob@127.0.0.1")" = 1 ]; do
		[ $i -ge 100 ] && e2e_fail "e: bob's binding was not written back to the Redis that restarted empty"
		sleep 0.1; i=$((i + 1))
	done
	grep -q "written back from memory" "$E2E_TMP/A.out" "$E2E_TMP/B.out" ||
		e2e_fail "e: no proxy said it wrote the location back"
fi
call e
# A third proxy, C, started now, finds bob's binding in the store.
e2e_ports PC
start_px C "$PC"
probe "$PC" bob 200 10 || e2e_fail "e: a proxy started after the outage does not find bob"

kill -0 "$PID_A" 2>/dev/null || e2e_fail "proxy A died"
kill -0 "$PID_C" 2>/dev/null || e2e_fail "proxy C died"
kill -0 "$PID_B" 2>/dev/null || e2e_fail "proxy B died"
