#!/bin/sh
# Dialogs through sipp, with tests/e2e/dialog.sip:
#  1. 10 calls the caller hangs up (uac_rr.xml -> uas_dlg.xml): the BYE
#     reaches the callee with the caller's user name the INVITE stored in
#     a dialog variable, and the dialog state (confirmed).
#  2. 5 calls the callee hangs up (uac_dlg_bye.xml <- uas_dlg_bye.xml):
#     the BYE goes the other way and is matched to the same dialog.
#  3. 5 calls the callee rejects (486 after 180): each dialog ends,
#     rejected, without a BYE.
#  4. A BYE for no dialog gets 481 from the policy.
#  5. 3 calls to "short", whose dialogs get a lifetime of 1 s: neither
#     side hangs up; the proxy sends each a BYE when the lifetime runs out
#     (tests/e2e/dlg_end.sh tests the ways the proxy ends calls).
# The reply route of each BYE sees the dialog (ended by then), and once
# the calls are over no dialog is active.
#  6. an event route (route event dialog.state_changed) hears each state
#     change once: confirmed, ended by bye, rejected or timeout.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=10
BACK=5

e2e_init
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/dialog.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY"

# 1.
e2e_sipp uas -sf "$E2E_SRC/uas_dlg.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 40s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$CALLS" -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac "$CALLS"
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"

# 2.
e2e_sipp back_uas -sf "$E2E_SRC/uas_dlg_bye.xml" -i 127.0.0.1 -p "$UAS" -m "$BACK" \
	-timeout 30s
e2e_wait_sipp_up back_uas "$UAS"
e2e_sipp_run back_uac -sf "$E2E_SRC/uac_dlg_bye.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$BACK" -r 10 -timeout 30s -timeout_error
e2e_expect_calls back_uac "$BACK"
e2e_sipp_wait back_uas
e2e_expect_calls back_uas "$BACK"

# 3.
e2e_sipp rej_uas -sf "$E2E_SRC/uas_reject.xml" -i 127.0.0.1 -p "$UAS" -m "$BACK" \
	-timeout 30s
e2e_wait_sipp_up rej_uas "$UAS"
e2e_sipp_run rej_uac -sf "$E2E_SRC/uac_reject.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m "$BACK" -r 10 -timeout 30s -timeout_error
e2e_expect_calls rej_uac "$BACK"
e2e_sipp_wait rej_uas
e2e_expect_calls rej_uas "$BACK"

log=$E2E_TMP/proxy.log
n=$(grep -c "dialog [0-9]* ended (rejected)" "$log")
[ "$n" = "$BACK" ] || e2e_fail "$n dialogs ended rejected, expected $BACK"
n=$(grep -c "bye reply 200 for caller sipp: dialog ended" "$log")
[ "$n" = "$CALLS" ] || e2e_fail "the BYE reply route saw $n ended dialogs of sipp, expected $CALLS"
n=$(grep -c "bye reply 200 for caller alice: dialog ended" "$log")
[ "$n" = "$BACK" ] || e2e_fail "the BYE reply route saw $n ended dialogs of alice, expected $BACK"
n=$(grep -c "dialog [0-9]* ended (bye)" "$log")
[ "$n" = $((CALLS + BACK)) ] || e2e_fail "$n dialogs ended with a BYE, expected $((CALLS + BACK))"
# Each BYE's own dialog is active while its route runs.
n=$(grep -c "BYE in dialog confirmed, [1-9][0-9]* active" "$log")
[ "$n" = $((CALLS + BACK)) ] || e2e_fail "$n BYEs counted their dialog as active, expected $((CALLS + BACK))"
last=$(grep "dialog [0-9]* ended" "$log" | tail -n 1)
case $last in
*"; 0 active") ;;
*) e2e_fail "after the last call: '$last', expected 0 active" ;;
esac
# The timer route (every 200 ms) counts none once the calls are over.
sleep 1
last=$(grep "dialogs active:" "$log" | tail -n 1)
[ "$last" = "notice: dialogs active: 0" ] || e2e_fail "timer route after the calls: '$last', expected 0"

# 4.
e2e_sipp_run stray -sf "$E2E_SRC/uac_stray_bye.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 10s -timeout_error
e2e_expect_calls stray 1

# 5.
e2e_sipp short_uas -sf "$E2E_SRC/uas_wait_bye.xml" -i 127.0.0.1 -p "$UAS" -m 3 -timeout 30s
e2e_wait_sipp_up short_uas "$UAS"
e2e_sipp_run short_uac -sf "$E2E_SRC/uac_wait_bye.xml" -s short "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 3 -r 10 -timeout 30s -timeout_error
e2e_expect_calls short_uac 3
e2e_sipp_wait short_uas
e2e_expect_calls short_uas 3
n=$(grep -c "dialog [0-9]* ended (timeout) by proxy" "$log")
[ "$n" = 3 ] || e2e_fail "$n dialogs timed out, expected 3"
n=$(grep -c "dialog [0-9]*: the c[a-z]* answered the BYE with 200" "$log")
[ "$n" = 6 ] || e2e_fail "$n BYEs of the proxy answered, expected 6"
# 6. The event route heard every change (dialog.state_changed): each call
# confirmed, ended by a BYE (1, 2) or its lifetime (5); the rejected
# calls (3) ended without being confirmed.
i=0
until [ "$(grep -c "dlg event ended from confirmed reason=timeout" "$log")" = 3 ]; do
	[ $i -ge 30 ] && e2e_fail "event route: $(grep -c 'reason=timeout' "$log") timeouts, expected 3"
	sleep 0.1; i=$((i + 1))
done
n=$(grep -c "dlg event confirmed from " "$log")
[ "$n" = $((CALLS + BACK + 3)) ] || e2e_fail "event route: $n confirmed, expected $((CALLS + BACK + 3))"
n=$(grep -c "dlg event ended from confirmed reason=bye callid=" "$log")
[ "$n" = $((CALLS + BACK)) ] || e2e_fail "event route: $n ended by BYE, expected $((CALLS + BACK))"
n=$(grep -c "dlg event ended from early reason=rejected callid=" "$log")
[ "$n" = 5 ] || e2e_fail "event route: $n rejected, expected 5"
e2e_expect_proxy_alive
exit 0
