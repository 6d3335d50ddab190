#!/bin/sh
# Target refreshes inside a dialog, with tests/e2e/dlg_end.sip and a
# caller and callee in Python (tests/e2e/dlg_target.py): a re-INVITE
# moves both sides (the caller's Contact in the request, the callee's in
# its 200), an UPDATE's 200 moves the caller again, and the BYEs the proxy
# sends for "sipcc-ctl dlg end" reach the sides where they are now, not
# where the call began (RFC 3261 §12.2.1.2).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init python3
e2e_ports UAS PROXY
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: $CTL"
SOCK=$E2E_TMP/ctl.sock
e2e_build tests/e2e/dlg_end.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK"
e2e_wait_log "listening on udp:127.0.0.1:$PROXY" 20 "the proxy did not start listening"

python3 "$E2E_SRC/dlg_target.py" "$E2E_SRC" "$PROXY" "$UAS" "$CTL" --ctl "$SOCK" ||
	e2e_fail "see the checks above"
grep -q "the callee answered the BYE with 200" "$E2E_TMP/proxy.log" ||
	e2e_fail "the callee's 200 for the BYE did not come back"
grep -q "the caller answered the BYE with 200" "$E2E_TMP/proxy.log" ||
	e2e_fail "the caller's 200 for the BYE did not come back"
e2e_expect_proxy_alive
exit 0
