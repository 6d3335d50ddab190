#!/bin/sh
# Calls cancelled while ringing, through a proxy built from
# examples/minimal.sip: the caller gets 100/180, sends CANCEL, and must see
# 200 for the CANCEL and 487 for the INVITE; the callee must see the
# CANCEL, and the ACK for its 487 from the proxy (hop by hop).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=${E2E_CANCEL_CALLS:-20}

e2e_init
e2e_ports UAS PROXY UAC
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"

e2e_sipp uas -sf "$E2E_SRC/uas_ring.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" \
	-timeout 60s
e2e_wait_sipp_up uas "$UAS"

e2e_sipp_run uac -sf "$E2E_SRC/uac_cancel.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -s 1000 -r 10 -m "$CALLS" \
	-timeout 40s -timeout_error
e2e_expect_calls uac "$CALLS"
# The proxy absorbs the caller's ACK for the 487; without it the 487 is
# retransmitted and arrives after the call ended ("Dead call" in sipp's log).
if grep -q 'Dead call' "$E2E_TMP/uac.err" 2>/dev/null; then
	e2e_fail "the caller received replies after its calls ended (ACK for 487 not absorbed?)"
fi

e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"

e2e_expect_proxy_alive
