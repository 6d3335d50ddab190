#!/bin/sh
# Calls over TCP through a proxy built from examples/minimal.sip.
#  1. A proxy that listens on TCP only: sipp's uac and uas both over TCP
#     (one connection each way). The next hop names no transport, so the
#     request leaves over the proxy's only transport; replies go back over
#     the connections the requests came on. Then record-routed dialogs,
#     whose ACK and BYE are loose-routed over TCP.
#  2. A proxy on UDP and TCP: a UDP uac, a TCP uas reached through
#     ;transport=tcp in the next hop (the transport changes at the proxy).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=${E2E_TCP_CALLS:-200}
RR_CALLS=${E2E_RR_CALLS:-50}
RATE=${E2E_RATE:-200}

e2e_init
e2e_ports UAS PROXY UAC PROXY2

# 1. TCP end to end.
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
"$E2E_PROXY" --listen "tcp:127.0.0.1:$PROXY" >"$E2E_TMP/proxy.log" 2>&1 </dev/null &
PROXY_PID=$!
e2e_track "$PROXY_PID"
e2e_wait_tcp "$PROXY_PID" "$PROXY" proxy
e2e_wait_log "listening on tcp:127.0.0.1:$PROXY" 20 "the proxy does not say it listens on tcp"

e2e_sipp uas -sn uas -t t1 -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 60s
eval "e2e_wait_tcp \$SIPP_PID_uas $UAS 'sipp uas'"
e2e_sipp_run uac -sn uac -t t1 "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -s 1000 -r "$RATE" -m "$CALLS" \
	-timeout 40s -timeout_error
e2e_expect_calls uac "$CALLS"
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"
e2e_expect_proxy_alive

# Record-routed dialogs: ACK and BYE follow <sip:proxy;transport=tcp;lr>.
e2e_sipp rruas -sf "$E2E_SRC/uas_rr.xml" -t t1 -i 127.0.0.1 -p "$UAS" \
	-m "$RR_CALLS" -timeout 60s
eval "e2e_wait_tcp \$SIPP_PID_rruas $UAS 'sipp rruas'"
e2e_sipp_run rruac -sf "$E2E_SRC/uac_rr.xml" -t t1 "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -s 1000 -r "$RATE" -m "$RR_CALLS" \
	-timeout 40s -timeout_error
e2e_expect_calls rruac "$RR_CALLS"
e2e_sipp_wait rruas
e2e_expect_calls rruas "$RR_CALLS"
e2e_expect_proxy_alive
# Nothing went over UDP: the proxy has no UDP socket at all.
e2e_udp_bound "$PROXY" && e2e_fail "the TCP-only proxy bound a UDP port"
e2e_kill "$PROXY_PID"

# 2. UDP in, TCP out.
e2e_build examples/minimal.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS;transport=tcp"
e2e_start_proxy "$PROXY2" --listen "tcp:127.0.0.1:$PROXY2"
e2e_wait_tcp "$PROXY_PID" "$PROXY2" proxy
e2e_sipp uas2 -sn uas -t t1 -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 60s
eval "e2e_wait_tcp \$SIPP_PID_uas2 $UAS 'sipp uas'"
e2e_sipp_run uac2 -sn uac "127.0.0.1:$PROXY2" \
	-i 127.0.0.1 -p "$UAC" -s 1000 -r "$RATE" -m "$CALLS" \
	-timeout 40s -timeout_error
e2e_expect_calls uac2 "$CALLS"
e2e_sipp_wait uas2
e2e_expect_calls uas2 "$CALLS"
e2e_expect_proxy_alive
