#!/bin/sh
# Five policy swaps under a steady load (tests/e2e/policy_swap_load.sip,
# two workers): sipp places calls at a steady rate through the proxy to a
# sipp callee while five builds of the policy, each answering
# "OPTIONS sip:version@..." with its own code (202..206), are loaded one
# after the other:
#  - right after each "policy load" returns, every OPTIONS, whichever
#    worker its Call-ID picks, gets the new build's code;
#  - "policy status" counts the generations (6 at the end);
#  - every call succeeds: 0 failed, none lost across a swap.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_plain_pass_only "policy_swap.sh and workers.sh swap under the sanitizers"

CALLS=${E2E_SWAP_CALLS:-600}
RATE=${E2E_SWAP_RATE:-60}

e2e_init
CTL=${SIPCC_CTL:-$top_builddir/sipcc-ctl}
[ -x "$CTL" ] || e2e_error "sipcc-ctl not found: SIPCC_CTL=$CTL"
SOCK=$E2E_TMP/sipcc.ctl
BURST="python3 $E2E_SRC/sip_burst.py"
e2e_ports UAS PROXY UAC
e2e_build tests/e2e/policy_swap_load.sip -D "NEXT_HOP=sip:127.0.0.1:$UAS"
for v in 202 203 204 205 206; do
	"$SIPCC" build --hot "$top_srcdir/tests/e2e/policy_swap_load.sip" \
		-D "NEXT_HOP=sip:127.0.0.1:$UAS" -D "VERSION=$v" -o "$E2E_TMP/v$v.so" \
		>>"$E2E_TMP/build.log" 2>&1 || e2e_fail "sipcc build --hot (VERSION=$v) failed"
done
e2e_start_proxy "$PROXY" --ctl "$SOCK" --workers 2
e2e_wait_log "notice: 2 workers" 10 "the proxy did not start 2 workers"

version() {
	$BURST "$PROXY" OPTIONS sip:version@127.0.0.1 -n 40 --expect "$1" >"$E2E_TMP/version.out" 2>&1 ||
		e2e_fail "$2: not every OPTIONS got $1: $(tr '\n' ' ' <"$E2E_TMP/version.out")"
}
version 201 "before any swap"

e2e_sipp uas -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m "$CALLS" -timeout 120s
e2e_wait_sipp_up uas "$UAS"
e2e_sipp uac -sf "$E2E_SRC/uac_rr.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s 1000 -r "$RATE" -m "$CALLS" -timeout 100s -timeout_error
gen=1
for v in 202 203 204 205 206; do
	sleep 1
	"$CTL" --ctl "$SOCK" policy load "$E2E_TMP/v$v.so" >"$E2E_TMP/load.json" 2>&1 ||
		e2e_fail "policy load of VERSION=$v: $(cat "$E2E_TMP/load.json")"
	gen=$((gen + 1))
	grep -q "\"generation\":$gen," "$E2E_TMP/load.json" ||
		e2e_fail "VERSION=$v is not generation $gen: $(cat "$E2E_TMP/load.json")"
	version "$v" "right after loading VERSION=$v"
done
"$CTL" --ctl "$SOCK" policy status >"$E2E_TMP/status.json" 2>&1 ||
	e2e_fail "policy status: $(cat "$E2E_TMP/status.json")"
grep -q '"generation":6,' "$E2E_TMP/status.json" ||
	e2e_fail "policy status after five swaps: $(cat "$E2E_TMP/status.json")"
e2e_sipp_wait uac
e2e_expect_calls uac "$CALLS"
e2e_sipp_wait uas
e2e_expect_calls uas "$CALLS"
e2e_expect_proxy_alive
