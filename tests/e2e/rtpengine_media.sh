#!/bin/sh
# A relayed call whose media stops is ended by the proxy
# (tests/e2e/rtpengine_media.sip, rtpengine.media_check = 1): a real
# rtpengine in userspace mode with --timeout=2, sipp at both ends, and
# RTP from tests/e2e/rtp_send.py to the relay's port for the caller for
# 4 s. Once the RTP has stopped, rtpengine closes the media session after
# its timeout, the proxy's check finds it gone and ends the dialog: both
# sipp sides get a BYE, and the CDR in acc_cdrs says media_timeout by
# proxy, after the 4 s of media plus the timeout (not before: while RTP
# flows the call stays up).
# Skipped (77) when rtpengine (Debian package rtpengine-daemon) is missing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
command -v rtpengine >/dev/null 2>&1 ||
	e2e_skip "rtpengine not found (apt-get install rtpengine-daemon)"
command -v sqlite3 >/dev/null 2>&1 || e2e_skip "sqlite3 not found"
e2e_ports PROXY UAS UAC NG
e2e_media_ports MEDIA_UAC MEDIA_UAS
# RTP ports below the kernel's ephemeral range, 20 per test run (apart
# from tests/e2e/rtpengine.sh's).
RTP_MIN=$((28000 + ($$ % 200) * 20))
RTP_MAX=$((RTP_MIN + 19))
DB=sqlite:$E2E_TMP/acc.db

sed "s/udp:127.0.0.1:2223/udp:127.0.0.1:$NG/" "$top_srcdir/tests/e2e/rtpengine_media.sip" \
	>"$E2E_TMP/rtpengine_media.sip"
e2e_build "$E2E_TMP/rtpengine_media.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_rtpengine_start "$NG" "$RTP_MIN" "$RTP_MAX" --timeout=2 --silent-timeout=2
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: $CTL"
SOCK=$E2E_TMP/ctl.sock
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"
log=$E2E_TMP/proxy.log

rm -f "$E2E_TMP"/*_logs.log
e2e_sipp uas -sf "$top_srcdir/tests/e2e/uas_rtpe.xml" -i 127.0.0.1 -p "$UAS" \
	-mp "$MEDIA_UAS" -m 1 -timeout 40s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp uac -sf "$top_srcdir/tests/e2e/uac_rtpe_media.xml" "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -mp "$MEDIA_UAC" -m 1 -cid_str 'media-stops@test' -trace_logs \
	-timeout 40s -timeout_error
# The relay's port for the caller, from the 200.
i=0
until port=$(sed -n 's/^answer-port \([0-9]*\).*/\1/p' "$E2E_TMP"/*_logs.log 2>/dev/null) &&
	[ -n "$port" ]; do
	[ $i -ge 100 ] && e2e_fail "the caller got no 200 with the relay's port"
	sleep 0.1; i=$((i + 1))
done
[ "$port" -ge "$RTP_MIN" ] && [ "$port" -le "$RTP_MAX" ] ||
	e2e_fail "the 200's m= port $port is not rtpengine's $RTP_MIN-$RTP_MAX"
sent=$(python3 "$top_srcdir/tests/e2e/rtp_send.py" "$port" 4) || e2e_fail "rtp_send.py failed"
[ "$sent" -gt 50 ] || e2e_fail "only $sent RTP packets sent"
# While the RTP flowed the call stayed up.
grep -q "rtpengine has closed its media session" "$log" &&
	e2e_fail "the call was ended while its RTP flowed"
e2e_sipp_wait uac
e2e_expect_calls uac 1
e2e_sipp_wait uas
e2e_expect_calls uas 1
grep -q "dialog [0-9]* (media-stops@test): rtpengine has closed its media session (no media): ending the call" \
	"$log" || e2e_fail "the proxy did not end the call for its media"
i=0
until r=$(sqlite3 "${DB#sqlite:}" \
	"SELECT end_reason, hangup_by, duration_ms FROM acc_cdrs WHERE callid = 'media-stops@test'" \
	2>/dev/null) && [ -n "$r" ]; do
	[ $i -ge 100 ] && e2e_fail "no CDR for the call"
	sleep 0.1; i=$((i + 1))
done
set -- $(echo "$r" | tr '|' ' ')
[ "$1 $2" = "media_timeout proxy" ] || e2e_fail "CDR of the call: $*"
# 4 s of RTP from the confirmation on, then rtpengine's 2 s (whole
# seconds: 1 to 2 s after the last packet), then up to a second until the
# check: never less than the 4 s of RTP.
[ "$3" -ge 4000 ] && [ "$3" -le 20000 ] || e2e_fail "the call lasted $3 ms, not 5 to 8 s"
n=$(grep -c "the c[a-z]* answered the BYE with 200" "$log")
[ "$n" = 2 ] || e2e_fail "$n of the proxy's BYEs answered 200, expected 2"
"$CTL" --ctl "$SOCK" stats rtpengine.media_timeouts >"$E2E_TMP/ctl.json" 2>&1 ||
	e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
grep -q '"rtpengine.media_timeouts":1[,}]' "$E2E_TMP/ctl.json" ||
	e2e_fail "rtpengine.media_timeouts: $(cat "$E2E_TMP/ctl.json")"
e2e_expect_proxy_alive
exit 0
