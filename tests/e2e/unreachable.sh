#!/bin/sh
# A UDP next hop that answers with ICMP port unreachable (nothing listens
# on its port): the proxy reads the error from its socket's error queue and
# fails the branch with 503 at once, so the failure route moves the call to
# the backup in milliseconds instead of after the 32 s of timer B. Three
# calls in a row, each of which must complete through the backup, all in
# well under 32 s; with the proxy waiting in recvmmsg (one socket) and in
# epoll (a TCP listener besides).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=3

e2e_init
e2e_ports PROXY UAC DEAD BACKUP TCP
e2e_build tests/e2e/unreachable.sip -D "DEAD=sip:dead@127.0.0.1:$DEAD" \
	-D "BACKUP=sip:backup@127.0.0.1:$BACKUP"

e2e_sipp backup -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$BACKUP" -m $((2 * CALLS)) \
	-timeout 40s
e2e_wait_sipp_up backup "$BACKUP"
e2e_udp_bound "$DEAD" && e2e_error "something listens on udp port $DEAD"

# calls NAME: CALLS calls to the dead next hop, each completed through the
# backup, all within 5 s.
calls() {
	t0=$(date +%s)
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_rr.xml" -s dead "127.0.0.1:$PROXY" \
		-i 127.0.0.1 -p "$UAC" -m "$CALLS" -l 1 -timeout 25s -timeout_error
	t1=$(date +%s)
	e2e_expect_calls "$1" "$CALLS"
	[ $((t1 - t0)) -lt 5 ] ||
		e2e_fail "$CALLS calls took $((t1 - t0)) s: the unreachable next hop was not noticed at once"
	[ "$(grep -c "next hop failed with 503, trying the backup" "$E2E_TMP/proxy.log")" = "$CALLS" ] ||
		e2e_fail "the failure route did not see 503 for every call"
	grep -q "INVITE to 127.0.0.1:$DEAD .* not delivered: the branch ends with 503" \
		"$E2E_TMP/proxy.log" || e2e_fail "the failed branch was not logged"
}

# The UDP socket alone: the proxy waits in recvmmsg, which the error ends.
e2e_start_proxy "$PROXY"
calls uac_udp
e2e_expect_proxy_alive
kill "$PROXY_PID"
wait "$PROXY_PID" 2>/dev/null
# With a TCP listener too the loop waits in epoll, which reports EPOLLERR.
e2e_start_proxy "$PROXY" --listen "tcp:127.0.0.1:$TCP"
calls uac_epoll

e2e_sipp_wait backup
e2e_expect_calls backup $((2 * CALLS))
e2e_expect_proxy_alive
