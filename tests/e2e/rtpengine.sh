#!/bin/sh
# The media relay (tests/e2e/rtpengine.sip) with a real rtpengine in
# userspace mode (no kernel module) and sipp at both ends:
#  - three calls whose INVITE offers a private address (10.0.0.5, a phone
#    behind a NAT): the callee's INVITE (uas_rtpe.xml) and the caller's
#    200 (uac_rtpe.xml) must carry c=IN IP4 127.0.0.1 and an m= port of
#    rtpengine's range, not sipp's own media port, and no 10.0.0.5;
#  - the BYE deletes each media session: rtpengine no longer knows the
#    Call-ID afterwards (an ng "query" answers an error); when the policy
#    leaves the media alone on the BYE, the end of the tracked dialog
#    (dlg_manage) deletes it;
#  - with rtpengine stopped an INVITE gets the policy's 503 and the proxy
#    stays up; once rtpengine is back (after the policy's disable_time)
#    calls go through the relay again.
# Skipped (77) when rtpengine (Debian package rtpengine-daemon) is missing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
command -v rtpengine >/dev/null 2>&1 ||
	e2e_skip "rtpengine not found (apt-get install rtpengine-daemon)"
e2e_ports PROXY UAS UAC NG
e2e_media_ports MEDIA_UAC MEDIA_UAS
# RTP ports below the kernel's ephemeral range, 20 per test run.
RTP_MIN=$((20000 + ($$ % 400) * 20))
RTP_MAX=$((RTP_MIN + 19))

sed "s/udp:127.0.0.1:2223/udp:127.0.0.1:$NG/" "$top_srcdir/tests/e2e/rtpengine.sip" \
	>"$E2E_TMP/rtpengine.sip"
e2e_build "$E2E_TMP/rtpengine.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"

rtpe_start() { e2e_rtpengine_start "$NG" "$RTP_MIN" "$RTP_MAX"; }

# ng: send one bencoded command and print the answer's result.
ng() {
	python3 - "$NG" "$@" <<'PY'
import socket, sys
port, cmd, callid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
b = lambda s: b"%d:%s" % (len(s), s.encode())
msg = b"q1 d" + b(b"call-id".decode()) + b(callid) + b("command") + b(cmd) + b"e"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(msg, ("127.0.0.1", port))
ans = s.recv(65535).decode("latin-1")
print("error" if "6:result5:error" in ans else "ok" if "6:result2:ok" in ans else ans)
PY
}

rtpe_start
e2e_start_proxy "$PROXY" --log-level notice

calls() {
	n=$1
	shift
	rm -f "$E2E_TMP"/*_logs.log
	e2e_sipp uas -sf "$top_srcdir/tests/e2e/uas_rtpe.xml" -i 127.0.0.1 -p "$UAS" \
		-mp "$MEDIA_UAS" -m "$n" -trace_logs -timeout 30s
	e2e_wait_sipp_up uas "$UAS"
	e2e_sipp_run uac -sf "$top_srcdir/tests/e2e/uac_rtpe.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
		-p "$UAC" -mp "$MEDIA_UAC" -m "$n" -l 1 -trace_logs -timeout 30s -timeout_error "$@"
	e2e_expect_calls uac "$n"
	e2e_sipp_wait uas
	e2e_expect_calls uas "$n"
	# Every SDP that crossed the proxy points at rtpengine's ports.
	for kind in offer answer; do
		ports=$(cat "$E2E_TMP"/*_logs.log | sed -n "s/^$kind-port \([0-9]*\).*/\1/p")
		[ "$(echo "$ports" | grep -c .)" = "$n" ] ||
			e2e_fail "expected $n $kind ports, got: $ports"
		for p in $ports; do
			[ "$p" -ge "$RTP_MIN" ] && [ "$p" -le "$RTP_MAX" ] ||
				e2e_fail "$kind SDP has m= port $p, not rtpengine's $RTP_MIN-$RTP_MAX"
			[ "$p" != "$MEDIA_UAC" ] && [ "$p" != "$MEDIA_UAS" ] ||
				e2e_fail "$kind SDP kept sipp's media port $p"
		done
	done
}

calls 3
# The BYEs deleted the sessions: rtpengine has forgotten each Call-ID.
ids=$(sed -n 's/.*media deleted \(.*\)$/\1/p' "$E2E_TMP/proxy.log")
[ "$(echo "$ids" | grep -c .)" = 3 ] || e2e_fail "expected 3 'media deleted' lines, got: $ids"
for id in $ids; do
	[ "$(ng query "$id")" = error ] || e2e_fail "rtpengine still has call $id after its BYE"
done
[ "$(grep -c "Received command 'offer'" "$E2E_TMP/rtpengine.log")" -ge 3 ] ||
	e2e_fail "rtpengine did not see 3 offers"

# A BYE that leaves the media alone: the end of the tracked dialog
# deletes it.
calls 1 -s dlgend
id=$(sed -n 's/.*media left to the dialog \(.*\)$/\1/p' "$E2E_TMP/proxy.log")
[ -n "$id" ] || e2e_fail "the BYE to dlgend did not reach the policy"
i=0
until [ "$(ng query "$id")" = error ]; do
	[ $i -ge 20 ] && e2e_fail "rtpengine still has call $id after its dialog ended"
	sleep 0.1; i=$((i + 1))
done

# rtpengine down: the policy's 503, at once or after the bounded wait.
kill "$RTPE_PID"
wait "$RTPE_PID" 2>/dev/null
python3 - "$PROXY" >"$E2E_TMP/down.out" 2>&1 <<'PY' || { cat "$E2E_TMP/down.out" >&2; e2e_fail "no 503 while rtpengine is down"; }
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
for n in range(2):
    inv = ("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-down%d;rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=d%d\r\nTo: <sip:bob@127.0.0.1>\r\n"
           "Call-ID: down-%d@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@%s>\r\n"
           "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
           % (me, n, n, n, me, len(body), body))
    s.sendto(inv.encode(), proxy)
    s.settimeout(5)
    line = "SIP/2.0 100 Trying"
    while line.startswith("SIP/2.0 100 "):     # the request waited for the relay
        line = s.recv(65535).split(b"\r\n", 1)[0].decode()
    print(line)
    if line != "SIP/2.0 503 Media Relay Unavailable":
        sys.exit(1)
PY
e2e_expect_proxy_alive
grep -q "does not answer" "$E2E_TMP/proxy.log" || e2e_fail "the proxy did not log rtpengine as down"

# Back up: after disable_time (1 s) calls use the relay again.
rtpe_start
sleep 1.2
calls 1
grep -q "answers again" "$E2E_TMP/proxy.log" || e2e_fail "the proxy did not log rtpengine back"
e2e_expect_proxy_alive
