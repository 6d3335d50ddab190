#!/bin/sh
# Final-response timers end to end (tests/e2e/timers.sip), sipp on every
# side:
#  1. A callee that never answers: the proxy's fr_timer (use tm) fires,
#     the failure route sees 408 and relays to a backup, whose 200 reaches
#     the caller.
#  2. A callee that only rings: the transaction's timer C (t_set_fr)
#     fires, the callee gets a CANCEL (its scenario requires it) and the
#     call goes to the backup as well.
#  3. append_branch(): a parallel fork to the ringing callee and the
#     backup; the backup answers, the ringing callee gets a CANCEL.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY UAC SILENT RINGING BACKUP
e2e_build tests/e2e/timers.sip -D "SILENT=sip:silent@127.0.0.1:$SILENT" \
	-D "RINGING=sip:ringing@127.0.0.1:$RINGING" -D "BACKUP=sip:backup@127.0.0.1:$BACKUP"
e2e_start_proxy "$PROXY"

e2e_sipp silent -sf "$E2E_SRC/uas_silent.xml" -i 127.0.0.1 -p "$SILENT" -m 1 -timeout 30s
e2e_sipp ringing -sf "$E2E_SRC/uas_ring.xml" -i 127.0.0.1 -p "$RINGING" -m 2 -timeout 40s
e2e_sipp backup -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$BACKUP" -m 3 -timeout 40s
e2e_wait_sipp_up silent "$SILENT"
e2e_wait_sipp_up ringing "$RINGING"
e2e_wait_sipp_up backup "$BACKUP"

call() {  # NAME CALLEE
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_rr.xml" -s "$2" "127.0.0.1:$PROXY" \
		-i 127.0.0.1 -p "$UAC" -m 1 -timeout 15s -timeout_error
	e2e_expect_calls "$1" 1
}
call call_silent silent
grep -q "timeout of .*, retrying at the backup" "$E2E_TMP/proxy.log" ||
	e2e_fail "the failure route did not see a 408 for the silent callee"
call call_ringing ringing
[ "$(grep -c "timeout of .*, retrying at the backup" "$E2E_TMP/proxy.log")" = 2 ] ||
	e2e_fail "the failure route did not see a 408 for the ringing callee"
call call_both both

e2e_sipp_wait silent
e2e_expect_calls silent 1
# uas_ring.xml passes a call only when it got the CANCEL and the ACK for
# its 487.
e2e_sipp_wait ringing
e2e_expect_calls ringing 2
e2e_sipp_wait backup
e2e_expect_calls backup 3
[ "$(grep -c "timeout of" "$E2E_TMP/proxy.log")" = 2 ] ||
	e2e_fail "the fork of call 3 ran the failure route"
e2e_expect_proxy_alive
