#!/bin/sh
# Reply routes through sipp: 20 calls between a uac that checks the
# headers the reply routes added (uac_reply.xml) and sipp's built-in uas
# (100, 180, 200; BYE, 200). The 180 and the 200 of each INVITE must carry
# the status the armed reply route saw, every reply the header of the
# unnamed reply route; the proxy logs the armed route once per reply.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=20

e2e_init
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/reply_route.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 60s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_reply.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$CALLS" -r 20 -timeout 30s -timeout_error
e2e_expect_calls uac "$CALLS"
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"

log=$E2E_TMP/proxy.log
n180=$(grep -c "invite reply route: 180 Ringing" "$log")
n200=$(grep -c "invite reply route: 200 OK" "$log")
[ "$n180" = "$CALLS" ] || e2e_fail "the armed reply route saw $n180 180s, expected $CALLS"
[ "$n200" = "$CALLS" ] || e2e_fail "the armed reply route saw $n200 200s, expected $CALLS"
e2e_expect_proxy_alive
exit 0
