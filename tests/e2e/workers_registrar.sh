#!/bin/sh
# The registrar and digest authentication on several workers
# (--workers 2, tests/e2e/auth_registrar.sip, SQLite): tests/e2e/workers_reg.py
# registers 48 subscribers, each from a port and with a Call-ID of its
# own, so the REGISTERs are read on both workers' sockets and owned by
# both; then:
#  - the location listing on the control socket (ul show) has every one
#    with its contact, whichever worker saved it;
#  - a call to every user (alice, a new port and Call-ID each, 407 then
#    credentials) reaches that user's phone: no 404, no wrong contact;
#  - with the nonces of the first challenges and nc=2 (no new challenge,
#    checked on whichever worker owns the new request), users move to a
#    new contact, unregister or refresh; the listing and a second round of
#    calls see every change (404 for the unregistered);
#  - a wrong password gets a second 401 and no binding;
#  - messages went from one worker to the other (core.handoff_messages);
#  - restarted (two workers again), the proxy loads the bindings from the
#    database: the same listing, and a third round of calls the same
#    answers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

USERS=${E2E_WORKERS_REG_USERS:-48}

e2e_init
e2e_ctl_init
users=alice
i=1
while [ $i -le "$USERS" ]; do
	users="$users $(printf 'u%02d' $i)"
	i=$((i + 1))
done
# shellcheck disable=SC2086
e2e_subscribers $users

e2e_ports PROXY
e2e_build tests/e2e/auth_registrar.sip
SOCK=$E2E_TMP/ctl.sock
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --workers 2
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

# The script says "restart" and waits for a line on its stdin (a FIFO held
# open here, so neither side blocks opening it).
mkfifo "$E2E_TMP/go"
exec 3<>"$E2E_TMP/go"
python3 "$E2E_SRC/workers_reg.py" "$PROXY" "$USERS" "$CTL" "$SOCK" <&3 >"$E2E_TMP/reg.out" 2>&1 &
REG_PID=$!
e2e_track "$REG_PID"
i=0
until grep -q "^restart" "$E2E_TMP/reg.out"; do
	kill -0 "$REG_PID" 2>/dev/null || e2e_fail "$(cat "$E2E_TMP/reg.out")"
	[ $i -ge 1200 ] && e2e_fail "registrations and calls not done in 120 s: $(cat "$E2E_TMP/reg.out")"
	sleep 0.1; i=$((i + 1))
done

"$CTL" --ctl "$SOCK" stats core.handoff_messages >"$E2E_TMP/stats.json" 2>&1 ||
	e2e_fail "stats: $(cat "$E2E_TMP/stats.json")"
handed=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"]["core.handoff_messages"])' "$E2E_TMP/stats.json")
e2e_log "$handed messages handed to the other worker"
[ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other"

e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"
mv "$E2E_TMP/proxy.log" "$E2E_TMP/proxy.1.log"
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK" --workers 2
e2e_wait_log "notice: 2 workers" 10 "the restarted proxy did not start 2 workers"
kept=$((USERS - (USERS + 2) / 4))
e2e_wait_log "notice: registrar: $kept bindings loaded" 10 \
	"the restarted proxy did not load $kept bindings: $(grep registrar "$E2E_TMP/proxy.log")"
echo go >&3
wait "$REG_PID" || e2e_fail "$(cat "$E2E_TMP/reg.out")"
e2e_log "$(cat "$E2E_TMP/reg.out")"
e2e_expect_proxy_alive
