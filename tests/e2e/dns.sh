#!/bin/sh
# RFC 3263 with a real DNS server: dnsmasq on 127.0.0.1 (a free port)
# serves NAPTR, SRV and A records; the proxy (tests/e2e/dns.sip) resolves
# through it with c-ares (--dns 127.0.0.1:PORT). The calls are
# record-routed (uac_rr.xml, uas_rr.xml): ACK and BYE follow the Route set.
#  1. sip:service.test: NAPTR SIP+D2U -> SRV _sip._udp -> priority 10 at
#     sipp uas A, priority 20 at sipp uas B; the calls reach A.
#  2. A answers 503 (uas_503.xml): each call fails over to B and succeeds.
#  3. sip:tcp.test: NAPTR SIP+D2T -> SRV _sip._tcp -> priority 10 on a port
#     nobody listens on (the TCP connection is refused), priority 20 at a
#     sipp uas over TCP; the calls reach it.
#  4. sip:nowhere.test has no records: 503.
#  5. sip:silent.test: the priority-10 UDP target (a sipp that takes the
#     INVITE and says nothing) never answers; the policy's 1 s timer
#     (t_set_fr) gives 408 and the calls fail over to the priority-20
#     target.
#  6. sip:unreach.test: nobody listens on the priority-10 UDP port; its
#     ICMP port unreachable fails the branch with 503 at once and the
#     calls fail over to the priority-20 target in milliseconds (with no
#     t_set_fr: not after the 32 s of timer B).
#  7. A failure route relays to sip:late.test, not looked up before (the
#     first branch went to a dead port): the failure route's relay waits
#     for DNS, the transaction holds the first branch's 503 meanwhile, and
#     the calls reach the priority-10 target of late.test.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 dnsmasq
e2e_ports DNS UAS_A UAS_B PROXY PROXY_TCP UAC TCP_UAS DEAD SILENT
e2e_media_ports MEDIA1 MEDIA2
e2e_build tests/e2e/dns.sip -D "DEAD_HOP=sip:127.0.0.1:$DEAD"

dnsmasq --no-daemon --port="$DNS" --listen-address=127.0.0.1 --bind-interfaces \
	--no-resolv --no-hosts --conf-file=/dev/null --local=/test/ --log-queries \
	--naptr-record=service.test,10,50,s,SIP+D2U,,_sip._udp.service.test \
	--srv-host=_sip._udp.service.test,sip-a.test,"$UAS_A",10,0 \
	--srv-host=_sip._udp.service.test,sip-b.test,"$UAS_B",20,0 \
	--naptr-record=tcp.test,10,50,s,SIP+D2T,,_sip._tcp.tcp.test \
	--srv-host=_sip._tcp.tcp.test,dead.test,"$DEAD",10,0 \
	--srv-host=_sip._tcp.tcp.test,sip-b.test,"$TCP_UAS",20,0 \
	--host-record=sip-a.test,127.0.0.1 --host-record=sip-b.test,127.0.0.1 \
	--naptr-record=silent.test,10,50,s,SIP+D2U,,_sip._udp.silent.test \
	--srv-host=_sip._udp.silent.test,dead.test,"$SILENT",10,0 \
	--srv-host=_sip._udp.silent.test,sip-b.test,"$UAS_B",20,0 \
	--naptr-record=unreach.test,10,50,s,SIP+D2U,,_sip._udp.unreach.test \
	--srv-host=_sip._udp.unreach.test,dead.test,"$DEAD",10,0 \
	--srv-host=_sip._udp.unreach.test,sip-b.test,"$UAS_B",20,0 \
	--host-record=dead.test,127.0.0.1 \
	--naptr-record=late.test,10,50,s,SIP+D2U,,_sip._udp.late.test \
	--srv-host=_sip._udp.late.test,sip-b.test,"$UAS_B",10,0 \
	>"$E2E_TMP/dnsmasq.log" 2>&1 </dev/null &
DNS_PID=$!
e2e_track $DNS_PID
i=0
until e2e_udp_bound "$DNS"; do
	kill -0 $DNS_PID 2>/dev/null || { cat "$E2E_TMP/dnsmasq.log" >&2; e2e_error "dnsmasq exited"; }
	[ $i -ge 100 ] && e2e_error "dnsmasq not listening on udp port $DNS"
	sleep 0.1; i=$((i + 1))
done

e2e_start_proxy "$PROXY" --listen "tcp:127.0.0.1:$PROXY_TCP" --dns "127.0.0.1:$DNS" \
	--log-level info
e2e_wait_tcp "$PROXY_PID" "$PROXY_TCP" proxy

# 1. The priority-10 target takes the calls.
e2e_sipp uasA -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS_A" -mp "$MEDIA1" -m 3 -timeout 30s
e2e_wait_sipp_up uasA "$UAS_A"
e2e_sipp_run uac1 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s svc \
	-m 3 -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac1 3
e2e_sipp_wait uasA
e2e_expect_calls uasA 3
grep -q "dns: sip:service.test:0: 2 targets" "$E2E_TMP/proxy.log" ||
	e2e_fail "the proxy did not resolve service.test to its two SRV targets"
grep -q "query\[NAPTR\] service.test" "$E2E_TMP/dnsmasq.log" ||
	e2e_fail "dnsmasq saw no NAPTR query"

# 2. The priority-10 target answers 503: failover to priority 20.
e2e_sipp uas503 -sf "$E2E_SRC/uas_503.xml" -i 127.0.0.1 -p "$UAS_A" -mp "$MEDIA1" -m 3 -timeout 30s
e2e_sipp uasB -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS_B" -mp "$MEDIA2" -m 3 -timeout 30s
e2e_wait_sipp_up uas503 "$UAS_A"
e2e_wait_sipp_up uasB "$UAS_B"
e2e_sipp_run uac2 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s svc \
	-m 3 -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac2 3
e2e_sipp_wait uasB
e2e_expect_calls uasB 3
e2e_sipp_wait uas503
e2e_expect_calls uas503 3
n=$(grep -c "dns: branch failed (503); trying target 2 of 2" "$E2E_TMP/proxy.log")
[ "$n" = 3 ] || e2e_fail "expected 3 failovers after 503 in the log, found $n"

# 3. TCP: the priority-10 target refuses the connection.
e2e_sipp uastcp -sf "$E2E_SRC/uas_rr.xml" -t t1 -i 127.0.0.1 -p "$TCP_UAS" -mp "$MEDIA2" -m 3 -timeout 30s
eval "e2e_wait_tcp \$SIPP_PID_uastcp $TCP_UAS 'sipp uastcp'"
e2e_sipp_run uac3 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s tcp \
	-m 3 -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac3 3
e2e_sipp_wait uastcp
e2e_expect_calls uastcp 3
grep -q "trying target 2 of 2: sip:127.0.0.1:$TCP_UAS;transport=tcp" "$E2E_TMP/proxy.log" ||
	e2e_fail "no failover from the dead TCP target in the log"

# 4. No records.
python3 - "$PROXY" >"$E2E_TMP/nowhere.out" 2>&1 <<'PY' ||
import socket, sys
proxy = ("127.0.0.1", int(sys.argv[1]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
me = "127.0.0.1:%d" % s.getsockname()[1]
s.sendto(("INVITE sip:nowhere@%s:%d SIP/2.0\r\n"
          "Via: SIP/2.0/UDP %s;branch=z9hG4bK-dns-nowhere;rport\r\n"
          "Max-Forwards: 70\r\nFrom: <sip:a@%s>;tag=n1\r\nTo: <sip:nowhere@%s:%d>\r\n"
          "Call-ID: dns-nowhere@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@%s>\r\n"
          "Content-Length: 0\r\n\r\n" % (proxy + (me, me) + proxy + (me,))).encode(), proxy)
s.settimeout(10)
codes = []
try:
    while True:
        line = s.recv(65535).split(b"\r\n", 1)[0].decode()
        codes.append(line)
        if not line.startswith("SIP/2.0 1"):
            break
except socket.timeout:
    pass
print(codes)
sys.exit(0 if codes and codes[-1].startswith("SIP/2.0 503 ") else 1)
PY
{
	cat "$E2E_TMP/nowhere.out" >&2
	e2e_fail "a name without records did not get 503"
}
# 5. A UDP target that never answers: the final-response timer fails over.
e2e_sipp silent5 -sf "$E2E_SRC/uas_silent.xml" -i 127.0.0.1 -p "$SILENT" -m 2 -timeout 20s
e2e_wait_sipp_up silent5 "$SILENT"
e2e_sipp uasB5 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS_B" -mp "$MEDIA2" -m 2 -timeout 30s
e2e_wait_sipp_up uasB5 "$UAS_B"
e2e_sipp_run uac5 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s silent \
	-m 2 -r 10 -timeout 30s -timeout_error
e2e_expect_calls uac5 2
e2e_sipp_wait uasB5
e2e_expect_calls uasB5 2
n=$(grep -c "dns: branch failed (408); trying target 2 of 2" "$E2E_TMP/proxy.log")
[ "$n" = 2 ] || e2e_fail "expected 2 failovers after 408 in the log, found $n"
e2e_sipp_wait silent5
# 6. A UDP target with nobody on its port: ICMP, 503, failover at once.
before=$(grep -c "dns: branch failed (503); trying target 2 of 2" "$E2E_TMP/proxy.log")
e2e_sipp uasB6 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS_B" -mp "$MEDIA2" -m 2 -timeout 30s
e2e_wait_sipp_up uasB6 "$UAS_B"
t0=$(date +%s)
e2e_sipp_run uac6 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s unreach \
	-m 2 -l 1 -timeout 30s -timeout_error
t1=$(date +%s)
e2e_expect_calls uac6 2
[ $((t1 - t0)) -lt 5 ] || e2e_fail "2 calls past an unreachable SRV target took $((t1 - t0)) s"
e2e_sipp_wait uasB6
e2e_expect_calls uasB6 2
n=$(grep -c "dns: branch failed (503); trying target 2 of 2" "$E2E_TMP/proxy.log")
[ $((n - before)) = 2 ] || e2e_fail "expected 2 failovers after 503 (ICMP), found $((n - before))"
# 7. A failure route's relay to a name not looked up yet.
e2e_sipp uasB7 -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS_B" -mp "$MEDIA2" -m 2 -timeout 30s
e2e_wait_sipp_up uasB7 "$UAS_B"
e2e_sipp_run uac7 -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" -s late \
	-m 2 -l 1 -timeout 30s -timeout_error
e2e_expect_calls uac7 2
e2e_sipp_wait uasB7
e2e_expect_calls uasB7 2
grep -q "query\[NAPTR\] late.test" "$E2E_TMP/dnsmasq.log" ||
	e2e_fail "dnsmasq saw no NAPTR query for late.test"
n=$(grep -c "late: failure route" "$E2E_TMP/proxy.log")
[ "$n" = 2 ] || e2e_fail "the failure route ran $n times for 2 calls"
e2e_expect_proxy_alive
