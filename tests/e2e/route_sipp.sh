#!/bin/sh
# Every route kind through sipp, with tests/e2e/route_all.sip:
#  1. request, named route with parameters and a result, branch, failure
#     and reply routes: sipp calls are rejected by the callee (486), which
#     checks the headers the named and branch routes added; the caller
#     checks the 480 the failure route made of the 486.
#  2. local route: calls cancelled while ringing; the proxy's own CANCELs
#     go through the local route (logged with their Call-ID).
#  3. error route: sipp sends requests that fail the sanity checks and
#     gets the error route's reply.
#  4. startup and timer routes: logged once and periodically meanwhile.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=10

e2e_init
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/route_all.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

# 1.
e2e_sipp busy_uas -sf "$E2E_SRC/uas_busy.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" \
	-timeout 30s
e2e_wait_sipp_up busy_uas "$UAS"
e2e_sipp_run busy_uac -sf "$E2E_SRC/uac_busy.xml" -s bob "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$CALLS" -r 10 -timeout 30s -timeout_error
e2e_expect_calls busy_uac "$CALLS"
e2e_sipp_wait busy_uas
e2e_expect_calls busy_uas "$CALLS"

# 2.
e2e_sipp ring_uas -sf "$E2E_SRC/uas_ring.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" \
	-timeout 40s
e2e_wait_sipp_up ring_uas "$UAS"
e2e_sipp_run cancel_uac -sf "$E2E_SRC/uac_cancel.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$CALLS" -r 10 -timeout 40s -timeout_error
e2e_expect_calls cancel_uac "$CALLS"
e2e_sipp_wait ring_uas
e2e_expect_calls ring_uas "$CALLS"
log=$E2E_TMP/proxy.log
n=$(grep -c "local route: CANCEL " "$log")
[ "$n" = "$CALLS" ] || e2e_fail "the local route saw $n CANCELs, expected $CALLS"
grep -q "local route: INVITE" "$log" && e2e_fail "the local route ran for a relayed request"

# 3.
e2e_sipp_run error_uac -sf "$E2E_SRC/uac_bad_cseq.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 3 -timeout 20s -timeout_error
e2e_expect_calls error_uac 3
n=$(grep -c "error route: 400 .* from 127.0.0.1" "$log")
[ "$n" = 3 ] || e2e_fail "the error route logged $n refused requests, expected 3"

# 4.
n=$(grep -c "startup route ran" "$log")
[ "$n" = 1 ] || e2e_fail "the startup route ran $n times, expected once"
first=$(grep -n -m1 -E "startup route ran|listening on" "$log" | cut -d: -f2-)
case $first in
*"startup route ran"*) ;;
*) e2e_fail "the startup route did not run before the proxy listened" ;;
esac
ticks=$(grep -c "timer route tick at [0-9]" "$log")
[ "$ticks" -ge 3 ] || e2e_fail "the timer route ran $ticks times while the calls ran"
e2e_expect_proxy_alive
exit 0
