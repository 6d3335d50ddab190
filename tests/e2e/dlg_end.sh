#!/bin/sh
# Calls the proxy ends itself, with tests/e2e/dlg_end.sip and sipp on both
# sides (callers and callees that never hang up, so a call ends only when
# the proxy's BYE reaches them); each CDR says why and by whom:
#  1. 3 calls whose dialog lifetime (2 s) runs out: both sides get a BYE
#     (reason=timeout hangup_by=proxy, after about 2 s).
#  2. 2 calls ended with "sipcc-ctl --ctl SOCK dlg end", one by dialog id
#     and one by Call-ID (reason=ended hangup_by=operator); dlg end of a
#     dialog that has ended is refused.
#  3. 2 calls whose caller sends an INFO that makes the policy call
#     dlg_end_dlg() (reason=ended hangup_by=policy).
#  4. dlg_set_keepalive(2): the callee answers the in-dialog OPTIONS with
#     481, the caller with 200: the caller gets a BYE, the callee none
#     (reason=keepalive hangup_by=proxy).
#  5. The same with a callee that no longer answers at all (408).
#  6. Route sets: caller -> A -> B -> C -> callee, three proxies that
#     record-route; "dlg end" on B: its BYE to the caller goes through A
#     (Route: A), its BYE to the callee through C (Route: C), and A and C
#     see their dialogs end with a BYE from the callee and from the caller.
# At the end no dialog is left.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ports UAS PROXY UAC
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: $CTL"
SOCK=$E2E_TMP/ctl.sock
e2e_build tests/e2e/dlg_end.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
E2E_LOG_LEVEL=info e2e_start_proxy "$PROXY" --ctl "$SOCK"
log=$E2E_TMP/proxy.log

ctl_q() {
	"$CTL" --ctl "$SOCK" "$@" >"$E2E_TMP/ctl.json" 2>>"$E2E_TMP/ctl.err"
}

# cdrs REASON BY: how many CDR lines say so.
cdrs() {
	grep -c "ACC: call ended: .* reason=$1 hangup_by=$2\$" "$log"
}

# calls NAME SERVICE UAS_XML UAC_XML N: N calls of sipp NAME to SERVICE,
# the callee running UAS_XML; both must complete every call.
calls() {
	e2e_sipp "$1_uas" -sf "$E2E_SRC/$3" -i 127.0.0.1 -p "$UAS" -m "$5" -timeout 30s
	e2e_wait_sipp_up "$1_uas" "$UAS"
	e2e_sipp_run "$1_uac" -sf "$E2E_SRC/$4" -s "$2" "127.0.0.1:$PROXY" \
		-i 127.0.0.1 -p "$UAC" -m "$5" -r 10 -timeout 30s -timeout_error
	e2e_expect_calls "$1_uac" "$5"
	e2e_sipp_wait "$1_uas"
	e2e_expect_calls "$1_uas" "$5"
}

# 1.
calls short short uas_wait_bye.xml uac_wait_bye.xml 3
n=$(cdrs timeout proxy)
[ "$n" = 3 ] || e2e_fail "$n CDRs of timed-out calls, expected 3"
grep "reason=timeout" "$log" | sed 's/.*duration_ms=\([0-9]*\).*/\1/' | while read -r ms; do
	[ "$ms" -ge 1900 ] && [ "$ms" -le 4000 ] ||
		{ echo "duration $ms" >"$E2E_TMP/bad_duration"; }
done
[ -f "$E2E_TMP/bad_duration" ] && e2e_fail "a timed-out call lasted $(cat "$E2E_TMP/bad_duration") ms, not about 2000"
n=$(grep -c "the callee answered the BYE with 200" "$log")
[ "$n" = 3 ] || e2e_fail "$n BYEs to callees answered, expected 3"
n=$(grep -c "the caller answered the BYE with 200" "$log")
[ "$n" = 3 ] || e2e_fail "$n BYEs to callers answered, expected 3"

# 2.
e2e_sipp end_uas -sf "$E2E_SRC/uas_wait_bye.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 30s
e2e_wait_sipp_up end_uas "$UAS"
e2e_sipp end_uac -sf "$E2E_SRC/uac_wait_bye.xml" -s long "127.0.0.1:$PROXY" \
	-i 127.0.0.1 -p "$UAC" -m 2 -r 10 -timeout 30s -timeout_error
i=0
until ctl_q dlg list && [ "$(grep -o '"state":"confirmed"' "$E2E_TMP/ctl.json" | wc -l)" = 2 ]; do
	[ $i -ge 100 ] && e2e_fail "dlg list: not 2 confirmed dialogs: $(cat "$E2E_TMP/ctl.json")"
	sleep 0.1; i=$((i + 1))
done
cp "$E2E_TMP/ctl.json" "$E2E_TMP/dlg_list.json"
set -- $(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["dialogs"]
print(d[0]["id"], d[1]["callid"], d[1]["id"])' "$E2E_TMP/dlg_list.json")
ctl_q dlg end "$1" || e2e_fail "dlg end $1 failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
grep -q '"ended":1' "$E2E_TMP/ctl.json" || e2e_fail "dlg end $1: $(cat "$E2E_TMP/ctl.json")"
ctl_q dlg end "$2" || e2e_fail "dlg end $2 failed: $(cat "$E2E_TMP/ctl.json" "$E2E_TMP/ctl.err")"
ctl_q dlg end "$3" && e2e_fail "dlg end of an ended dialog succeeded: $(cat "$E2E_TMP/ctl.json")"
e2e_sipp_wait end_uac
e2e_expect_calls end_uac 2
e2e_sipp_wait end_uas
e2e_expect_calls end_uas 2
n=$(cdrs ended operator)
[ "$n" = 2 ] || e2e_fail "$n CDRs of calls ended by the operator, expected 2"

# 3.
calls info info uas_wait_bye.xml uac_info_end.xml 2
n=$(cdrs ended policy)
[ "$n" = 2 ] || e2e_fail "$n CDRs of calls ended by the policy, expected 2"

# 4.
calls ka481 ka uas_ka_481.xml uac_ka.xml 1
grep -q "the callee answered the keep-alive with 481: ending the call" "$log" ||
	e2e_fail "no keep-alive answered 481 in the log"
n=$(cdrs keepalive proxy)
[ "$n" = 1 ] || e2e_fail "$n CDRs of calls ended by the keep-alive, expected 1"

# 5.
calls kasilent ka uas_ka_silent.xml uac_ka.xml 1
grep -q "the callee answered the keep-alive with 408: ending the call" "$log" ||
	e2e_fail "no keep-alive without an answer (408) in the log"
n=$(cdrs keepalive proxy)
[ "$n" = 2 ] || e2e_fail "$n CDRs of calls ended by the keep-alive, expected 2"
# No BYE ever went to a callee that was gone.
n=$(grep -c "the callee answered the BYE" "$log")
[ "$n" = 7 ] || e2e_fail "$n BYEs to callees answered, expected 7 (3 timeouts, 2 dlg end, 2 policy)"

ctl_q dlg list || e2e_fail "dlg list failed"
grep -q '"dialogs":\[\]' "$E2E_TMP/ctl.json" || e2e_fail "dialogs left: $(cat "$E2E_TMP/ctl.json")"

# 6.
e2e_ports PA PB PC
# extra NAME PORT NEXT_HOP_PORT [options]: another proxy of dlg_end.sip
# on PORT relaying to 127.0.0.1:NEXT_HOP_PORT, logging to NAME.log.
extra() {
	name=$1 port=$2 hop=$3
	shift 3
	"$SIPCC" build "$top_srcdir/tests/e2e/dlg_end.sip" -o "$E2E_TMP/$name" \
		-D "NEXT_HOP=sip:127.0.0.1:$hop" >"$E2E_TMP/$name.build" 2>&1 ||
		e2e_fail "sipcc build for proxy $name failed: $(cat "$E2E_TMP/$name.build")"
	"$E2E_TMP/$name" --listen "udp:127.0.0.1:$port" --log-level info "$@" \
		>"$E2E_TMP/$name.log" 2>&1 </dev/null &
	e2e_track $!
	i=0
	until e2e_udp_bound "$port"; do
		[ $i -ge 100 ] && e2e_fail "proxy $name not listening on $port"
		sleep 0.1; i=$((i + 1))
	done
}
SOCK_B=$E2E_TMP/ctl_b.sock
extra proxy_a "$PA" "$PB"
extra proxy_b "$PB" "$PC" --ctl "$SOCK_B"
extra proxy_c "$PC" "$UAS"
e2e_sipp chain_uas -sf "$E2E_SRC/uas_wait_bye.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up chain_uas "$UAS"
e2e_sipp chain_uac -sf "$E2E_SRC/uac_wait_bye.xml" -s long "127.0.0.1:$PA" \
	-i 127.0.0.1 -p "$UAC" -m 1 -timeout 30s -timeout_error
i=0
until "$CTL" --ctl "$SOCK_B" dlg list >"$E2E_TMP/ctl.json" 2>&1 &&
	grep -q '"state":"confirmed"' "$E2E_TMP/ctl.json"; do
	[ $i -ge 100 ] && e2e_fail "no confirmed dialog on proxy B: $(cat "$E2E_TMP/ctl.json")"
	sleep 0.1; i=$((i + 1))
done
callid=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["dialogs"][0]["callid"])' \
	"$E2E_TMP/ctl.json")
"$CTL" --ctl "$SOCK_B" dlg end "$callid" >"$E2E_TMP/ctl.json" 2>&1 ||
	e2e_fail "dlg end on proxy B: $(cat "$E2E_TMP/ctl.json")"
e2e_sipp_wait chain_uac
e2e_expect_calls chain_uac 1
e2e_sipp_wait chain_uas
e2e_expect_calls chain_uas 1
grep -q "BYE sent to the caller (sip:sipp@127.0.0.1:$UAC) via <\?sip:127.0.0.1:$PA[;>]" \
	"$E2E_TMP/proxy_b.log" || e2e_fail "proxy B sent no BYE to the caller's Contact through proxy A"
grep -q "BYE sent to the callee (sip:127.0.0.1:$UAS;transport=UDP) via <\?sip:127.0.0.1:$PC[;>]" \
	"$E2E_TMP/proxy_b.log" || e2e_fail "proxy B sent no BYE to the callee's Contact through proxy C"
grep -q "the caller answered the BYE with 200" "$E2E_TMP/proxy_b.log" ||
	e2e_fail "the caller's 200 for the BYE did not come back to proxy B"
grep -q "the callee answered the BYE with 200" "$E2E_TMP/proxy_b.log" ||
	e2e_fail "the callee's 200 for the BYE did not come back to proxy B"
grep -q "dialog [0-9]* ended (bye) by callee" "$E2E_TMP/proxy_a.log" ||
	e2e_fail "proxy A did not route the BYE to the caller (no dialog ended by the callee's BYE)"
grep -q "dialog [0-9]* ended (bye) by caller" "$E2E_TMP/proxy_c.log" ||
	e2e_fail "proxy C did not route the BYE to the callee (no dialog ended by the caller's BYE)"
e2e_expect_proxy_alive
exit 0
