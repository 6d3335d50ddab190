#!/bin/sh
# HEP tracing on two workers (tests/e2e/siptrace.sip, --workers 2) to
# tests/e2e/hep_recv.py over TCP, a collector that decodes every chunk and
# reports a stream that does not add up; four sipp callers on their own
# source ports, so that both workers read, own and send messages:
#  1. trace_all: every message of every call, in and out, is captured
#     once (13 per call, as in siptrace.sh), nothing is garbled (each
#     worker sends on a connection of its own: there are two), and
#     siptrace.sent counts them all with no send error;
#  2. sip_trace_dialog() without trace_all: the calls to "dlg" are
#     captured whole (13 messages each), whichever worker owns them; the
#     calls to "other" not at all;
#  3. messages went from one worker to the other (core.handoff_messages).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

CALLS=10                # per caller
CALLERS="c1 c2 c3 c4"

e2e_init sipp python3
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
e2e_ports UAS PROXY HEP P_c1 P_c2 P_c3 P_c4
SOCK=$E2E_TMP/ctl.sock
KEY=s3cret

# build TRACE_ALL: the test policy, HEP over TCP to $HEP.
build() {
	sed -e "s/udp:127.0.0.1:9060/tcp:127.0.0.1:$HEP/" -e "s/trace_all = true/trace_all = $1/" \
		"$E2E_SRC/siptrace.sip" >"$E2E_TMP/siptrace.sip"
	grep -q "auth_key = \"$KEY\"" "$E2E_TMP/siptrace.sip" || e2e_error "siptrace.sip has another auth_key"
	e2e_build "$E2E_TMP/siptrace.sip" -D "NEXT_HOP=sip:127.0.0.1:$UAS"
}

# recv NAME: hep_recv.py on $HEP, one line per packet into NAME.txt.
recv() {
	rm -f "$E2E_TMP/$1.txt"
	python3 "$E2E_SRC/hep_recv.py" tcp "$HEP" "$E2E_TMP/$1.txt" >"$E2E_TMP/$1.out" 2>&1 &
	RECV_PID=$!
	e2e_track "$RECV_PID"
	e2e_wait_tcp "$RECV_PID" "$HEP" "hep_recv.py"
}

# calls USER...: CALLS calls from each caller, the first to the first
# USER and so on (the last one for the rest), at once.
calls() {
	total=0
	for c in $CALLERS; do total=$((total + CALLS)); done
	e2e_sipp uas -sn uas -i 127.0.0.1 -p "$UAS" -m "$total" -timeout 60s
	e2e_wait_sipp_up uas "$UAS"
	for c in $CALLERS; do
		user=$1
		[ $# -gt 1 ] && shift
		eval "port=\$P_$c"
		e2e_sipp "$c" -sn uac "127.0.0.1:$PROXY" -s "$user" -i 127.0.0.1 -p "$port" \
			-m "$CALLS" -r 10 -timeout 60s -timeout_error
	done
	for c in $CALLERS; do
		e2e_sipp_wait "$c"
		e2e_expect_calls "$c" "$CALLS"
	done
	e2e_sipp_wait uas
	e2e_expect_calls uas "$total"
}

# hep_wait NAME COUNT: wait (10 s at most) until NAME.txt has COUNT
# packets, then a little longer for any extra one.
hep_wait() {
	i=0
	until [ "$(wc -l <"$E2E_TMP/$1.txt")" -ge "$2" ] || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 0.5
	grep -q '^BAD' "$E2E_TMP/$1.txt" && e2e_fail "$1: garbled HEP: $(grep '^BAD' "$E2E_TMP/$1.txt" | head -3)"
	return 0
}

# per_call FILE USER: "CALLS-WITH-13 OTHER-CALLS" of the INVITEs to USER
# (a call's packets by their Call-ID, the 9th field).
per_call() {
	awk -F '\t' -v u="INVITE sip:$2@" '
		{ n[$9]++ }
		index($8, u) == 1 { to[$9] = 1 }
		END { for (c in to) if (n[c] == 13) good++; else bad++; printf "%d %d\n", good, bad }' "$1"
}

stat() {
	"$CTL" --ctl "$SOCK" stats "$1" >"$E2E_TMP/ctl.json" 2>&1 ||
		e2e_fail "sipcc-ctl stats failed: $(cat "$E2E_TMP/ctl.json")"
	python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["stats"][sys.argv[2]])' "$E2E_TMP/ctl.json" "$1"
}

# Connections established from the proxy to the collector (/proc/net/tcp:
# remote port $HEP, state 01).
conns() {
	awk -v p=":$(printf '%04X' "$HEP")" '$3 ~ p"$" && $4 == "01"' /proc/net/tcp | wc -l
}

TOTAL=0
for c in $CALLERS; do TOTAL=$((TOTAL + CALLS)); done

# 1.
build true
recv all
e2e_start_proxy "$PROXY" --workers 2 --ctl "$SOCK"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"
calls all
hep_wait all $((TOTAL * 13))
f=$E2E_TMP/all.txt
set -- $(per_call "$f" all)
e2e_log "trace_all: $(wc -l <"$f") packets; calls with their 13 messages: $1, others: ${2:-0}"
[ "$1" = "$TOTAL" ] && [ "${2:-0}" = 0 ] ||
	e2e_fail "trace_all: $1 calls of $TOTAL captured whole, ${2:-0} not"
[ "$(wc -l <"$f")" = $((TOTAL * 13)) ] ||
	e2e_fail "trace_all: $(wc -l <"$f") packets for $TOTAL calls, expected $((TOTAL * 13))"
awk -F '\t' -v k="$KEY" '$4 != 2001 || $5 != k || $6 != $9 || $3 != 17' "$f" | grep -q . &&
	e2e_fail "a packet without the capture id, key, correlation or transport: $(awk -F '\t' -v k="$KEY" '$4 != 2001 || $5 != k || $6 != $9 || $3 != 17' "$f" | head -1)"
[ "$(stat siptrace.sent)" = $((TOTAL * 13)) ] ||
	e2e_fail "siptrace.sent is $(stat siptrace.sent), expected $((TOTAL * 13))"
[ "$(stat siptrace.send_errors)" = 0 ] || e2e_fail "siptrace.send_errors is not 0"
[ "$(conns)" = 2 ] || e2e_fail "$(conns) connections to the collector, expected 2 (one per worker)"
handed=$(stat core.handoff_messages)
e2e_log "trace_all: $handed messages handed to the other worker"
[ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other"
e2e_kill "$PROXY_PID"
e2e_kill "$RECV_PID"

# 2.
build false
recv some
e2e_start_proxy "$PROXY" --workers 2 --ctl "$SOCK"
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"
calls dlg dlg other
hep_wait some $((CALLS * 2 * 13))
f=$E2E_TMP/some.txt
set -- $(per_call "$f" dlg)
[ "$1" = $((CALLS * 2)) ] && [ "${2:-0}" = 0 ] ||
	e2e_fail "sip_trace_dialog: $1 calls to dlg of $((CALLS * 2)) captured whole, ${2:-0} not"
grep -q "INVITE sip:other@" "$f" && e2e_fail "a call to other was traced"
[ "$(wc -l <"$f")" = $((CALLS * 2 * 13)) ] ||
	e2e_fail "sip_trace_dialog: $(wc -l <"$f") packets, expected $((CALLS * 2 * 13))"
[ "$(stat siptrace.traced)" = $((CALLS * 2)) ] ||
	e2e_fail "siptrace.traced is $(stat siptrace.traced), expected $((CALLS * 2))"
# 3.
handed=$(stat core.handoff_messages)
[ "$handed" -gt 0 ] || e2e_fail "no message went from one worker to the other"
e2e_expect_proxy_alive
