#!/bin/sh
# The media relay on two workers (tests/e2e/workers_rtpengine.sip, --workers
# 2) with a real rtpengine in userspace mode and sipp at both ends: four
# callers on their own source ports, so that the calls (by Call-ID) and the
# datagrams (by source port) are spread over both workers:
#  - every call succeeds, and every SDP that crossed the proxy (the
#    callee's INVITE, the caller's 200) points at rtpengine's ports, not
#    at sipp's own media port: the offer and the answer of calls owned by
#    either worker were answered and the waiting messages resumed;
#  - each BYE deleted its media session: rtpengine has no call left (its
#    ng "list" is empty) and the proxy logged one "media deleted" per call;
#  - both workers sent commands, each on a control socket of its own
#    (rtpengine saw offers from two source ports);
#  - messages went from one worker to the other (core.handoff_messages).
# Skipped (77) when rtpengine (Debian package rtpengine-daemon) is missing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=8                 # per caller
CALLERS="c1 c2 c3 c4"

e2e_init
command -v rtpengine >/dev/null 2>&1 ||
	e2e_skip "rtpengine not found (apt-get install rtpengine-daemon)"
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
e2e_ports PROXY UAS NG P_c1 P_c2 P_c3 P_c4
e2e_media_ports MEDIA_UAS M_c1 M_c2 M_c3 M_c4
# RTP ports below the kernel's ephemeral range, 40 per test run (four
# calls at once take 16).
RTP_MIN=$((20000 + ($$ % 300) * 40))
RTP_MAX=$((RTP_MIN + 39))
SOCK=$E2E_TMP/ctl.sock

sed "s/udp:127.0.0.1:2223/udp:127.0.0.1:$NG/" "$top_srcdir/tests/e2e/workers_rtpengine.sip" \
	>"$E2E_TMP/workers_rtpengine.sip"
e2e_build "$E2E_TMP/workers_rtpengine.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_rtpengine_start "$NG" "$RTP_MIN" "$RTP_MAX"
e2e_start_proxy "$PROXY" --workers 2 --log-level notice --ctl "$SOCK"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

# ng COMMAND: the number of calls rtpengine knows (for "list").
ng_calls() {
	python3 - "$NG" <<'PY'
import re, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"w1 d7:command4:liste", ("127.0.0.1", int(sys.argv[1])))
ans = s.recv(65535).decode("latin-1")
if "6:result2:ok" not in ans:
    print("error: " + ans); sys.exit(1)
m = re.search(r"5:callsl(.*?)e", ans)
print(len(re.findall(r"\d+:", m.group(1))) if m else "error: " + ans)
PY
}

TOTAL=0
for c in $CALLERS; do TOTAL=$((TOTAL + CALLS)); done
e2e_sipp uas -sf "$top_srcdir/tests/e2e/uas_rtpe.xml" -i 127.0.0.1 -p "$UAS" -mp "$MEDIA_UAS" \
	-m "$TOTAL" -trace_logs -timeout 90s
e2e_wait_sipp_up uas "$UAS"
for c in $CALLERS; do
	eval "port=\$P_$c media=\$M_$c"
	e2e_sipp "$c" -sf "$top_srcdir/tests/e2e/uac_rtpe.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
		-p "$port" -mp "$media" -m "$CALLS" -l 1 -r 5 -trace_logs -timeout 60s -timeout_error
done
for c in $CALLERS; do
	e2e_sipp_wait "$c"
	e2e_expect_calls "$c" "$CALLS"
done
e2e_sipp_wait uas
e2e_expect_calls uas "$TOTAL"

# Every SDP that crossed the proxy points at rtpengine's ports.
for kind in offer answer; do
	ports=$(cat "$E2E_TMP"/*_logs.log | sed -n "s/^$kind-port \([0-9]*\).*/\1/p")
	[ "$(echo "$ports" | grep -c .)" = "$TOTAL" ] ||
		e2e_fail "expected $TOTAL $kind ports, got: $ports"
	for p in $ports; do
		[ "$p" -ge "$RTP_MIN" ] && [ "$p" -le "$RTP_MAX" ] ||
			e2e_fail "$kind SDP has m= port $p, not rtpengine's $RTP_MIN-$RTP_MAX"
	done
done

# Every BYE deleted its media: nothing is left in rtpengine.
n=$(grep -c "media deleted " "$E2E_TMP/proxy.log")
[ "$n" = "$TOTAL" ] || e2e_fail "$n 'media deleted' lines for $TOTAL calls"
grep -q "media not deleted\|rtpengine_answer failed\|does not answer" "$E2E_TMP/proxy.log" &&
	e2e_fail "a command failed: $(grep "media not deleted\|rtpengine_answer failed\|does not answer" "$E2E_TMP/proxy.log" | head -3)"
left=$(ng_calls) || e2e_fail "rtpengine's list: $left"
[ "$left" = 0 ] || e2e_fail "rtpengine still has $left calls after every BYE"

# Both workers sent commands, each from a socket of its own.
srcs=$(sed -n "s/.*Received command 'offer' from \([0-9.:]*\).*/\1/p" "$E2E_TMP/rtpengine.log" | sort -u)
e2e_log "offers came from: $(echo $srcs)"
[ "$(echo "$srcs" | grep -c .)" = 2 ] ||
	e2e_fail "rtpengine saw offers from $(echo "$srcs" | grep -c .) sockets, expected 2 (one per worker)"

"$CTL" --ctl "$SOCK" stats core.handoff_messages >"$E2E_TMP/ctl.json" 2>&1 ||
	e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
handed=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"]["core.handoff_messages"])' "$E2E_TMP/ctl.json")
e2e_log "$TOTAL calls, $handed messages handed to the other worker"
[ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other"
e2e_expect_proxy_alive
