#!/bin/sh
# uac_replace_from / uac_replace_to_uri through sipp, with
# tests/e2e/trunk_replace.sip: 5 calls whose callee hangs up.
#  - the callee sees the replaced From (display and URI) and To (URI, the
#    caller's display name kept) in the INVITE and in the ACK;
#  - the caller sees its own From and To in the 180 and the 200;
#  - the callee's BYE reaches the caller with the caller's identities (To:
#    its From, From: its To), and the 200 of the BYE goes back to the
#    callee with the replaced ones.
# The proxy keeps no dialog: the originals travel in its Record-Route,
# sealed with uac.restore_key: the callee cannot read the caller's.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=5
e2e_init
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/trunk_replace.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "sqlite:$E2E_TMP/sipcc.db"

e2e_sipp uas -sf "$E2E_SRC/trunk_replace_callee.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 30s \
	-trace_msg -message_file "$E2E_TMP/uas_msgs.log"
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/trunk_replace_caller.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$CALLS" -r 5 -timeout 30s -timeout_error
e2e_expect_calls uac "$CALLS"
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"
grep -q "^Record-Route: <sip:127.0.0.1:$PROXY;lr;uacf=[A-Za-z0-9_-]*;uact=[A-Za-z0-9_-]*>" \
	"$E2E_TMP/uas_msgs.log" || e2e_fail "the callee saw no Record-Route with the uac parameters"
# "alice" in base64url, at any of the three alignments.
grep -q "uacf=[^;>]*\(YWxpY2\|FsaWNl\|hbGljZ\)" "$E2E_TMP/uas_msgs.log" &&
	e2e_fail "the callee can read the caller's original From in the Record-Route"
e2e_expect_proxy_alive
