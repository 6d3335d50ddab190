#!/bin/sh
# Basic calls through a proxy built from examples/minimal.sip, at a bounded
# rate; every call must succeed and the proxy must still run afterwards.
#  1. 1000 calls between sipp's built-in uac and uas scenarios (INVITE, 100,
#     180, 200, ACK, BYE, 200). The built-in uas ignores Record-Route, so
#     the ACK and BYE reach the proxy without Route headers.
#  2. 200 calls between uac_rr.xml and uas_rr.xml, which keep the route set
#     the proxy's Record-Route built: ACK and BYE are loose-routed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=${E2E_CALLS:-1000}
RR_CALLS=${E2E_RR_CALLS:-200}
RATE=${E2E_RATE:-200}

e2e_init
e2e_ports UAS PROXY UAC
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

# 1. Built-in scenarios.
e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 90s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sn uac "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -s 1000 -r "$RATE" -m "$CALLS" \
	-timeout 60s -timeout_error
e2e_expect_calls uac "$CALLS"
# The callee saw every call, and every call ended with a BYE.
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"
e2e_expect_proxy_alive

# 2. Record-routed dialogs.
e2e_sipp rruas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" \
	-m "$RR_CALLS" -timeout 60s
e2e_wait_sipp_up rruas "$UAS"
e2e_sipp_run rruac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -s 1000 -r "$RATE" -m "$RR_CALLS" \
	-timeout 40s -timeout_error
e2e_expect_calls rruac "$RR_CALLS"
e2e_sipp_wait rruas
e2e_expect_calls rruas "$RR_CALLS"

e2e_expect_proxy_alive
