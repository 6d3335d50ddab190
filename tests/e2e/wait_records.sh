#!/bin/sh
# Transactions in their final wait states (RFC 3261 timers J and K after
# an OPTIONS answered 200; I and D after an INVITE answered 486 and
# acknowledged), which the proxy keeps as compact records: a
# retransmitted OPTIONS gets the same 200 and is not forwarded again; the
# callee's retransmitted 200 and 486 are absorbed, the 486 acknowledged
# with the same ACK; the caller's INVITE and ACK sent again are absorbed;
# a late CANCEL is answered 200 and goes nowhere; after an INVITE answered
# 200 (L and M, also records) the callee's retransmitted 200 reaches the
# caller as the same bytes, another dialog's 200 goes on, the INVITE sent
# again is absorbed. tests/e2e/wait_records.py plays both ends.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY UAC UAS
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY"
python3 "$E2E_SRC/wait_records.py" "$PROXY" "$UAC" "$UAS" >"$E2E_TMP/peer.log" 2>&1 ||
	{ cat "$E2E_TMP/peer.log" >&2; e2e_fail "retransmissions in the wait states"; }
e2e_expect_proxy_alive
e2e_log "retransmissions answered and absorbed as in the wait states"
