#!/bin/sh
# CANCEL before any provisional reply (RFC 3261 §9.1), through
# tests/e2e/cancel_early.sip, sipp on every side:
#  1. The callee is silent for 2 s, then rings. The caller cancels after
#     300 ms and must get 200 and 487 within 1.5 s (not 408 after the 32 s
#     timer B); the callee must get the CANCEL once it rang, and the ACK for
#     its 487.
#  2. The callee is silent for 2 s, then answers 200. The caller gets its
#     487 at once; the proxy acknowledges the late 200 and sends the callee
#     a BYE (the callee's scenario requires both).
#  3. A callee that rings, cancelled the usual way, with a failure route
#     that relays to a voicemail: the failure route runs but t_relay()
#     refuses, the voicemail gets nothing, and the caller gets exactly one
#     487 and no 180 after its CANCEL.
# Cases 1 and 2 run the same failure route: the voicemail gets nothing
# from them either.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports PROXY UAC LATE_RING LATE_ANSWER RINGING VOICEMAIL
e2e_build tests/e2e/cancel_early.sip -D "LATE_RING=sip:late_ring@127.0.0.1:$LATE_RING" \
	-D "LATE_ANSWER=sip:late_answer@127.0.0.1:$LATE_ANSWER" \
	-D "RINGING=sip:ringing@127.0.0.1:$RINGING" -D "VOICEMAIL=sip:vm@127.0.0.1:$VOICEMAIL"
e2e_start_proxy "$PROXY"

e2e_sipp late_ring -sf "$E2E_SRC/uas_silent_ring.xml" -i 127.0.0.1 -p "$LATE_RING" -m 1 \
	-timeout 30s
e2e_sipp late_answer -sf "$E2E_SRC/uas_silent_answer.xml" -i 127.0.0.1 -p "$LATE_ANSWER" -m 1 \
	-timeout 30s
e2e_sipp ringing -sf "$E2E_SRC/uas_ring.xml" -i 127.0.0.1 -p "$RINGING" -m 1 -timeout 30s
# The voicemail must receive nothing; it traces every message it gets.
e2e_sipp voicemail -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$VOICEMAIL" -m 1 -timeout 25s \
	-trace_msg -message_file "$E2E_TMP/voicemail.msg"
e2e_wait_sipp_up late_ring "$LATE_RING"
e2e_wait_sipp_up late_answer "$LATE_ANSWER"
e2e_wait_sipp_up ringing "$RINGING"
e2e_wait_sipp_up voicemail "$VOICEMAIL"

# call NAME SCENARIO CALLEE: one call, its messages traced to NAME.msg.
call() {
	t0=$(date +%s)
	e2e_sipp_run "$1" -sf "$E2E_SRC/$2" -s "$3" "127.0.0.1:$PROXY" \
		-i 127.0.0.1 -p "$UAC" -m 1 -timeout 20s -timeout_error \
		-trace_msg -message_file "$E2E_TMP/$1.msg"
	e2e_expect_calls "$1" 1
	t1=$(date +%s)
	# 300 ms, the reply within 1.5 s, 3 s of waiting for stray replies.
	[ $((t1 - t0)) -le 8 ] || e2e_fail "call $1 took $((t1 - t0)) s"
}

# received NAME PATTERN: how many received messages of NAME's trace start
# with PATTERN (sipp writes "message received" before each one).
received() {
	awk -v pat="$2" '/message received/ { r = 1; next }
		r && NF { if (index($0, pat) == 1) n++; r = 0 }
		END { print n + 0 }' "$E2E_TMP/$1.msg"
}

call call_late_ring uac_cancel_early.xml late_ring
call call_late_answer uac_cancel_early.xml late_answer
call call_ringing uac_cancel.xml ringing

for c in call_late_ring call_late_answer call_ringing; do
	n=$(received "$c" "SIP/2.0 487")
	[ "$n" = 1 ] || e2e_fail "$c: the caller received $n 487 replies, expected one"
	n=$(received "$c" "SIP/2.0 200")
	[ "$n" = 1 ] || e2e_fail "$c: the caller received $n 200 replies (only the CANCEL's expected)"
done
n=$(received call_late_ring "SIP/2.0 180")
[ "$n" = 0 ] || e2e_fail "the caller of late_ring received a 180 after its CANCEL"
n=$(received call_ringing "SIP/2.0 180")
[ "$n" = 1 ] || e2e_fail "the caller of ringing received $n 180s, expected the one before its CANCEL"

# uas_silent_ring.xml passes only with the CANCEL after its 180 and the ACK
# for its 487; uas_silent_answer.xml only with the ACK and the BYE.
e2e_sipp_wait late_ring
e2e_expect_calls late_ring 1
e2e_sipp_wait late_answer
e2e_expect_calls late_answer 1
e2e_sipp_wait ringing
e2e_expect_calls ringing 1

[ "$(grep -c "failure route of cancelled call" "$E2E_TMP/proxy.log")" = 3 ] ||
	e2e_fail "the failure route did not run for the three cancelled calls"
[ "$(grep -c "voicemail not tried" "$E2E_TMP/proxy.log")" = 3 ] ||
	e2e_fail "t_relay() in the failure route of a cancelled call was not false"
[ "$(grep -c "not relayed: the caller cancelled it" "$E2E_TMP/proxy.log")" = 3 ] ||
	e2e_fail "no log line for the refused t_relay()"
kill "$SIPP_PID_voicemail" 2>/dev/null
e2e_sipp_wait voicemail
if [ -s "$E2E_TMP/voicemail.msg" ] && grep -q "INVITE" "$E2E_TMP/voicemail.msg"; then
	e2e_fail "the voicemail received an INVITE for a cancelled call"
fi
e2e_expect_proxy_alive
