#!/bin/sh
# The SDP pseudo-variables of a policy (tests/e2e/sdp.sip): has_sdp(),
# $sdp_ip, $sdp_af, $sdp_port and $sdp_dir of the first audio stream, read
# from INVITEs a python peer sends (the answers carry what the policy read)
# and from sipp's built-in uac, whose calls reach the uas.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC
e2e_media_ports MEDIA_UAC MEDIA_UAS
e2e_build tests/e2e/sdp.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
e2e_start_proxy "$PROXY" --log-level notice

python3 - "$PROXY" >"$E2E_TMP/sdp.out" 2>&1 <<'PY' ||
import socket, sys

proxy = ("127.0.0.1", int(sys.argv[1]))
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % sock.getsockname()[1]
failed = 0

def invite(n, user, ctype, body):
    hdrs = ("INVITE sip:%s@%s:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s;branch=z9hG4bK-sdp-%d;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:caller@%s>;tag=s%d\r\n"
            "To: <sip:%s@%s:%d>\r\n"
            "Call-ID: sdp-%d@127.0.0.1\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: <sip:caller@%s>\r\n"
            % (user, proxy[0], proxy[1], me, n, me, n, user, proxy[0], proxy[1], n, me))
    if ctype:
        hdrs += "Content-Type: %s\r\n" % ctype
    return (hdrs + "Content-Length: %d\r\n\r\n" % len(body) + body).encode()

def expect(name, payload, status_line):
    global failed
    sock.sendto(payload, proxy)
    sock.settimeout(2.0)
    try:
        while True:
            line = sock.recv(65535).split(b"\r\n", 1)[0].decode("latin-1")
            if not line.startswith("SIP/2.0 100 "):
                break
    except socket.timeout:
        line = "(no reply)"
    if line != status_line:
        print("FAIL %s: got %r, expected %r" % (name, line, status_line))
        failed += 1
    else:
        print("ok   %s: %s" % (name, line))

v6 = ("v=0\r\no=- 1 1 IN IP6 2001:db8::5\r\ns=-\r\nc=IN IP6 2001:db8::5\r\nt=0 0\r\n"
      "m=video 5000 RTP/AVP 96\r\n"
      "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n")
v4media = ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
           "a=recvonly\r\nm=audio 0 RTP/AVP 0\r\nc=IN IP4 198.51.100.7/127\r\n")
expect("IPv6 session address, second stream is audio",
       invite(1, "probe", "application/sdp", v6), "SIP/2.0 480 sdp IP6 2001:db8::5 4000 sendonly")
expect("media address and session direction",
       invite(2, "probe", "application/sdp; charset=utf-8", v4media),
       "SIP/2.0 480 sdp IP4 198.51.100.7 0 recvonly")
expect("no body", invite(3, "bob", None, ""), "SIP/2.0 488 No SDP")
expect("not SDP", invite(4, "bob", "text/plain", v6), "SIP/2.0 488 No SDP")
expect("broken SDP", invite(5, "bob", "application/sdp", "v=0\r\nm=audio x\r\n"),
       "SIP/2.0 488 No SDP")
expect("disabled audio stream", invite(6, "bob", "application/sdp", v4media),
       "SIP/2.0 488 No Audio Stream")
sys.exit(1 if failed else 0)
PY
{
	cat "$E2E_TMP/sdp.out" >&2
	e2e_fail "the policy read the SDP wrong"
}
cat "$E2E_TMP/sdp.out" >&2

# sipp's uac offers c=IN IP4 127.0.0.1 and an m=audio line with a port.
e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -mp "$MEDIA_UAS" -m 5 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp_run uac -sn uac "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -mp "$MEDIA_UAC" \
	-m 5 -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac 5
e2e_sipp_wait uas
e2e_expect_calls uas 5
n=$(grep -c -E 'sdp audio IP4 127.0.0.1 port [1-9][0-9]* sendrecv' "$E2E_TMP/proxy.log")
[ "$n" = 5 ] || e2e_fail "expected 5 'sdp audio' log lines, found $n"
e2e_expect_proxy_alive
