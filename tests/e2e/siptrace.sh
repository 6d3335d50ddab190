#!/bin/sh
# HEP v3 tracing to a real HEP collector: sngrep (Debian package sngrep)
# listening for HEP (-L udp:127.0.0.1:PORT) writes what it accepts to a
# pcap file, frames whose addresses and ports are those of the HEP chunks
# and whose payload is the SIP message; tests/e2e/hep_pcap.py reads it.
# sngrep is given the proxy's auth_key as its capture password, so a
# packet without the right key chunk would not be stored.
#  1. trace_all: a call between sipp's built-in uac and uas and an INVITE
#     the proxy answers itself (404), over UDP and over TCP: every message
#     in and out is captured once, with its addresses and Call-ID: INVITE
#     (caller to proxy, proxy to callee), the proxy's 100 Trying, 180 and
#     200 both ways, ACK and BYE both ways, the BYE's 200 both ways; the
#     404 and its ACK. siptrace.sent counts them, no send failed. (sngrep
#     writes every message as a UDP frame: the transport chunk is checked
#     by tests/modules/siptrace/test_hep.)
#  2. sip_trace() and sip_trace_dialog() without trace_all: the call to
#     "txn" shows its INVITE transaction and the ACK (same CSeq) but not
#     the BYE; the call to "dlg" shows everything up to the BYE's 200;
#     the call to "other" and the 404 to "nobody" show nothing.
#  3. The collector stops: calls still succeed, the failed sends are
#     counted in siptrace.send_errors.
#  4. Over TCP to tests/e2e/hep_recv.py, a collector that decodes every
#     chunk itself: each packet of a call and of an INVITE over TCP has
#     capture_id, auth_key, protocol type SIP, the transport (17 UDP, 6
#     TCP) and the message's Call-ID as correlation id. The collector is
#     stopped during a call (its packets are counted lost, the call goes
#     on) and started again: the next call is traced over a new
#     connection.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp python3 sngrep
e2e_ports UAS PROXY UAC PEER PEER2 HEP
SOCK=$E2E_TMP/ctl.sock
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
KEY=s3cret

# build TRACE_ALL [tcp]: the test policy with the collector's port.
build() {
	sed -e "s/udp:127.0.0.1:9060/${2:-udp}:127.0.0.1:$HEP/" -e "s/trace_all = true/trace_all = $1/" \
		"$E2E_SRC/siptrace.sip" >"$E2E_TMP/siptrace.sip"
	grep -q "auth_key = \"$KEY\"" "$E2E_TMP/siptrace.sip" || e2e_error "siptrace.sip has another auth_key"
	e2e_build "$E2E_TMP/siptrace.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
}

# hep_listen NAME: sngrep receives HEP on $HEP into NAME.pcap.
hep_listen() {
	printf 'set eep.listen.pass %s\n' "$KEY" >"$E2E_TMP/sngrep.conf"
	rm -f "$E2E_TMP/$1.pcap"
	TERM=dumb sngrep -N -q -F -f "$E2E_TMP/sngrep.conf" -L "udp:127.0.0.1:$HEP" \
		-O "$E2E_TMP/$1.pcap" </dev/null >"$E2E_TMP/sngrep_$1.out" 2>&1 &
	SNGREP_PID=$!
	e2e_track "$SNGREP_PID"
	i=0
	until e2e_udp_bound "$HEP"; do
		kill -0 "$SNGREP_PID" 2>/dev/null || e2e_fail "sngrep exited: $(cat "$E2E_TMP/sngrep_$1.out")"
		[ $i -ge 100 ] && e2e_fail "sngrep not listening on udp port $HEP after 10 s"
		sleep 0.1; i=$((i + 1))
	done
}

# hep_wait NAME COUNT: wait (10 s at most) until NAME.pcap holds COUNT
# messages, then a little longer for any extra one; its messages are in
# NAME.txt.
hep_wait() {
	i=0
	while :; do
		python3 "$E2E_SRC/hep_pcap.py" "$E2E_TMP/$1.pcap" >"$E2E_TMP/$1.txt" 2>/dev/null
		[ "$(wc -l <"$E2E_TMP/$1.txt")" -ge "$2" ] && break
		[ $i -ge 100 ] && break
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.5
	python3 "$E2E_SRC/hep_pcap.py" "$E2E_TMP/$1.pcap" >"$E2E_TMP/$1.txt" ||
		e2e_fail "cannot read $1.pcap"
}

# expect SRC DST FIRST-LINE CSEQ: $f has exactly one such message of the
# Call-ID $cid.
expect() {
	n=$(awk -F '\t' -v s="$1" -v d="$2" -v f="$3" -v c="$4" -v i="$cid" \
		'$1 == s && $2 == d && index($4, f) == 1 && $6 == c && $5 == i' "$f" | wc -l)
	[ "$n" = 1 ] || e2e_fail "$(basename "$f"): $n x '$3' ($4) from $1 to $2, expected 1"
}

# callid FILE USER [tcp]: the Call-ID of the INVITE to USER (with
# transport=tcp in its URI when asked).
callid() {
	awk -F '\t' -v u="INVITE sip:$2@" -v t="${3:-}" \
		'index($4, u) == 1 && (index($4, "transport=tcp") > 0) == (t != "") { print $5; exit }' "$1"
}

# count FILE CALLID: messages of that Call-ID.
count() {
	awk -F '\t' -v c="$2" '$5 == c' "$1" | wc -l
}

# call NAME USER: one call of sipp's built-in uac to USER.
call() {
	e2e_sipp_run "$1" -sn uac "127.0.0.1:$PROXY" -s "$2" -i 127.0.0.1 -p "$UAC" -m 1 \
		-timeout 15s -timeout_error
	e2e_expect_calls "$1" 1
}

trace_stat() {
	"$CTL" --ctl "$SOCK" stats siptrace. >"$E2E_TMP/stats.json" 2>&1 ||
		e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/stats.json")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"].get(sys.argv[2], "missing"))' "$E2E_TMP/stats.json" "$1"
}

P=127.0.0.1:$PROXY
A=127.0.0.1:$UAC
B=127.0.0.1:$UAS
C=127.0.0.1:$PEER
C2=127.0.0.1:$PEER2

# 1.
build true
hep_listen all
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK" --listen "tcp:127.0.0.1:$PROXY"
e2e_wait_tcp "$PROXY_PID" "$PROXY" proxy
e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up uas "$UAS"
call uac all
e2e_sipp_wait uas
e2e_expect_calls uas 1
python3 "$E2E_SRC/sip_peer.py" "$PROXY" INVITE "sip:nobody@127.0.0.1:$PROXY" --expect 404 \
	--source-port "$PEER" >"$E2E_TMP/peer.out" 2>&1 || e2e_fail "no 404 for nobody"
python3 "$E2E_SRC/sip_peer.py" "$PROXY" INVITE "sip:nobody@127.0.0.1:$PROXY;transport=tcp" \
	--expect 404 --tcp --source-port "$PEER" >"$E2E_TMP/peer_tcp.out" 2>&1 ||
	e2e_fail "no 404 for nobody over TCP"
hep_wait all 19
f=$E2E_TMP/all.txt
cid=$(callid "$f" all)
[ -n "$cid" ] || e2e_fail "no INVITE to all captured"
expect "$A" "$P" "INVITE sip:all@" "1 INVITE"
expect "$P" "$A" "SIP/2.0 100 " "1 INVITE"
expect "$P" "$B" "INVITE sip:all@" "1 INVITE"
expect "$B" "$P" "SIP/2.0 180 " "1 INVITE"
expect "$P" "$A" "SIP/2.0 180 " "1 INVITE"
expect "$B" "$P" "SIP/2.0 200 " "1 INVITE"
expect "$P" "$A" "SIP/2.0 200 " "1 INVITE"
expect "$A" "$P" "ACK " "1 ACK"
expect "$P" "$B" "ACK " "1 ACK"
expect "$A" "$P" "BYE " "2 BYE"
expect "$P" "$B" "BYE " "2 BYE"
expect "$B" "$P" "SIP/2.0 200 " "2 BYE"
expect "$P" "$A" "SIP/2.0 200 " "2 BYE"
n=$(count "$f" "$cid")
[ "$n" = 13 ] || e2e_fail "$n messages of the call captured, expected 13"
cid=$(callid "$f" nobody)
expect "$C" "$P" "INVITE sip:nobody@" "1 INVITE"
expect "$P" "$C" "SIP/2.0 404 " "1 INVITE"
expect "$C" "$P" "ACK sip:nobody@" "1 ACK"
cid=$(callid "$f" nobody tcp)
[ -n "$cid" ] || e2e_fail "no INVITE over TCP captured"
expect "$C" "$P" "INVITE sip:nobody@" "1 INVITE"
expect "$P" "$C" "SIP/2.0 404 " "1 INVITE"
total=$(wc -l <"$f")
[ "$(trace_stat siptrace.sent)" = "$total" ] ||
	e2e_fail "siptrace.sent is $(trace_stat siptrace.sent), sngrep stored $total"
[ "$(trace_stat siptrace.send_errors)" = 0 ] || e2e_fail "siptrace.send_errors is not 0"
e2e_kill "$PROXY_PID"
e2e_kill "$SNGREP_PID"

# 2.
build false
hep_listen some
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK"
e2e_sipp uas2 -sn uas -i 127.0.0.1 -p "$UAS" -m 3 -timeout 60s
e2e_wait_sipp_up uas2 "$UAS"
call txn txn
call dlg dlg
call other other
e2e_sipp_wait uas2
e2e_expect_calls uas2 3
python3 "$E2E_SRC/sip_peer.py" "$PROXY" INVITE "sip:nobody@127.0.0.1:$PROXY" --expect 404 \
	--source-port "$PEER" >"$E2E_TMP/peer2.out" 2>&1 || e2e_fail "no 404 for nobody"
hep_wait some 22
f=$E2E_TMP/some.txt
cid=$(callid "$f" txn)
[ -n "$cid" ] || e2e_fail "no INVITE to txn captured"
expect "$A" "$P" "INVITE sip:txn@" "1 INVITE"
expect "$P" "$A" "SIP/2.0 100 " "1 INVITE"
expect "$P" "$B" "INVITE sip:txn@" "1 INVITE"
expect "$P" "$A" "SIP/2.0 200 " "1 INVITE"
expect "$P" "$B" "ACK " "1 ACK"
n=$(count "$f" "$cid")
[ "$n" = 9 ] || e2e_fail "$n messages of the call to txn captured, expected 9 (no BYE)"
cid=$(callid "$f" dlg)
[ -n "$cid" ] || e2e_fail "no INVITE to dlg captured"
n=$(count "$f" "$cid")
[ "$n" = 13 ] || e2e_fail "$n messages of the call to dlg captured, expected 13"
n=$(awk -F '\t' -v c="$cid" '$5 == c && $6 == "2 BYE"' "$f" | wc -l)
[ "$n" = 4 ] || e2e_fail "$n messages of the BYE of the call to dlg captured, expected 4"
[ -z "$(callid "$f" other)" ] || e2e_fail "the call to other was captured"
[ -z "$(callid "$f" nobody)" ] || e2e_fail "the INVITE to nobody was captured"
[ "$(wc -l <"$f")" = 22 ] || e2e_fail "$(wc -l <"$f") messages captured, expected 22"

# 3.
e2e_kill "$SNGREP_PID"
e2e_sipp uas3 -sn uas -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up uas3 "$UAS"
call down dlg
e2e_sipp_wait uas3
e2e_expect_calls uas3 1
e2e_expect_proxy_alive
errs=$(trace_stat siptrace.send_errors)
[ "$errs" -gt 0 ] 2>/dev/null || e2e_fail "siptrace.send_errors is '$errs' with the collector down"
e2e_log "collector down: $errs failed sends counted"

# 4.
e2e_kill "$PROXY_PID"
build true tcp
# hep_tcp NAME: the decoding collector on TCP port $HEP, into NAME.txt.
hep_tcp() {
	python3 "$E2E_SRC/hep_recv.py" tcp "$HEP" "$E2E_TMP/$1.txt" >"$E2E_TMP/$1.out" 2>&1 &
	RECV_PID=$!
	e2e_track "$RECV_PID"
	e2e_wait_tcp "$RECV_PID" "$HEP" "hep_recv.py"
}
# lines NAME COUNT: wait (10 s at most) until NAME.txt has COUNT lines.
lines() {
	i=0
	until [ "$(wc -l <"$E2E_TMP/$1.txt")" -ge "$2" ] || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.3
}
hep_tcp tcp1
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK" --listen "tcp:127.0.0.1:$PROXY"
e2e_wait_tcp "$PROXY_PID" "$PROXY" proxy
e2e_sipp uas4 -sn uas -i 127.0.0.1 -p "$UAS" -m 3 -timeout 60s
e2e_wait_sipp_up uas4 "$UAS"
call tcp1 tcp1
python3 "$E2E_SRC/sip_peer.py" "$PROXY" INVITE "sip:nobody@127.0.0.1:$PROXY;transport=tcp" \
	--expect 404 --tcp --source-port "$PEER2" >"$E2E_TMP/peer_tcp2.out" 2>&1 ||
	e2e_fail "no 404 for nobody over TCP"
lines tcp1 16
f=$E2E_TMP/tcp1.txt
[ "$(wc -l <"$f")" = 16 ] || e2e_fail "the TCP collector decoded $(wc -l <"$f") packets, expected 16"
grep BAD "$f" && e2e_fail "the TCP collector could not decode a packet"
# Columns: src dst ip-proto capture-id key correlation type first-line call-id.
bad=$(awk -F '\t' '$4 != 2001 || $5 != "s3cret" || $6 != $9 || $7 != 1' "$f")
[ -z "$bad" ] || e2e_fail "packets without capture_id 2001, the key, the Call-ID as correlation id or type SIP: $bad"
n=$(awk -F '\t' -v a="$A" -v p="$P" '$1 == a && $2 == p && $3 == 17 && index($8, "INVITE sip:tcp1@") == 1' "$f" | wc -l)
[ "$n" = 1 ] || e2e_fail "the INVITE over UDP was decoded $n times with IP protocol 17"
n=$(awk -F '\t' -v c="$C2" -v p="$P" '$1 == c && $2 == p && $3 == 6 && index($8, "INVITE sip:nobody@") == 1' "$f" | wc -l)
[ "$n" = 1 ] || e2e_fail "the INVITE over TCP was decoded $n times with IP protocol 6"
n=$(awk -F '\t' -v c="$C2" -v p="$P" '$1 == p && $2 == c && $3 == 6 && index($8, "SIP/2.0 404 ") == 1' "$f" | wc -l)
[ "$n" = 1 ] || e2e_fail "the 404 over TCP was decoded $n times with IP protocol 6"

# The collector goes away during a call, and comes back.
errs=$(trace_stat siptrace.send_errors)
e2e_kill "$RECV_PID"
call tcp2 tcp2
e2e_expect_proxy_alive
errs2=$(trace_stat siptrace.send_errors)
[ "$errs2" -gt "$errs" ] || e2e_fail "siptrace.send_errors went from $errs to $errs2 with the collector gone"
hep_tcp tcp2
sleep 1.2       # a lost connection is made again at most once a second
call tcp3 again
e2e_sipp_wait uas4
e2e_expect_calls uas4 3
lines tcp2 13
f=$E2E_TMP/tcp2.txt
cid=$(awk -F '\t' 'index($8, "INVITE sip:again@") == 1 { print $9; exit }' "$f")
[ -n "$cid" ] || e2e_fail "the call after the collector came back was not traced"
n=$(awk -F '\t' -v c="$cid" '$9 == c' "$f" | wc -l)
[ "$n" = 13 ] || e2e_fail "$n packets of the call after the collector came back, expected 13"
grep BAD "$f" && e2e_fail "the TCP collector could not decode a packet"
e2e_log "TCP collector gone: $((errs2 - errs)) packets lost; back: traced again"
