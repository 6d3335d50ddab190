#!/bin/sh
# A broken copy of examples/provider.sip fails its tests, and the report
# names the statement of the policy that made the wrong decision:
#   - authentication removed (proxy_authorize and check_from never run; the
#     toll-fraud check silenced with @allow, as a careless edit would): a
#     call without credentials is relayed instead of challenged;
#   - the cfu attribute misspelt (cf_u): unconditional forwarding is never
#     loaded and the call rings the callee.
# Output of sipcc test shown in the log is indented: scripts/check counts
# lines that begin "N passed, N failed" as results of the log's test.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/e2e/lib.sh"

e2e_init none

src=$top_srcdir/examples/provider.sip
broken=$E2E_TMP/provider.sip
sed -e 's/if (!proxy_authorize(\$fd)) {/if (false \&\& !proxy_authorize($fd)) {/' \
    -e 's/if (!check_from()) {/if (false \&\& !check_from()) {/' \
    -e 's/^\( *\)route(to_pstn);/\1@allow(toll_fraud)\n\1route(to_pstn);/' \
    -e 's/\bcfu\b/cf_u/g' "$src" >"$broken"
# Each edit applied (the example may have changed under the patterns).
grep -q 'false && !proxy_authorize' "$broken" || e2e_error "the proxy_authorize edit did not apply"
grep -q 'false && !check_from' "$broken" || e2e_error "the check_from edit did not apply"
grep -q '@allow(toll_fraud)' "$broken" || e2e_error "the @allow edit did not apply"
grep -q 'avp cf_u' "$broken" || e2e_error "the cfu edit did not apply"
"$SIPCC" check "$broken" >"$E2E_TMP/check.out" 2>&1 || {
	sed "s/^/  | /" "$E2E_TMP/check.out" >&2
	e2e_error "the broken copy does not compile: the test would prove nothing"
}

out=$E2E_TMP/test.out
"$SIPCC" test "$broken" "$top_srcdir/examples/provider.test.yaml" >"$out" 2>&1
rc=$?
sed "s/^/  | /" "$out" >&2
[ $rc -eq 1 ] || e2e_fail "sipcc test on the broken copy: exit status $rc, expected 1"
grep -q '^[0-9]* passed, [1-9][0-9]* failed' "$out" || e2e_fail "no summary line with failures"

# The relay of the call that should have been challenged: the t_relay()
# of route to_subscriber (the statement after t_on_failure(callee_failed)).
relay=$(grep -n 't_on_failure(callee_failed);' "$broken" | head -n 1 | cut -d: -f1)
relay=$((relay + 1))
sed -n "${relay}p" "$broken" | grep -q 't_relay()' || e2e_error "line $relay is not the relay"

# The case name, the expectation, what came instead, and the line.
awk '/^FAIL .*a call from a subscriber is challenged$/ { f = 1; next } /^FAIL/ { f = 0 } f' \
	"$out" >"$E2E_TMP/challenge.out"
grep -q 'expected: 407' "$E2E_TMP/challenge.out" || e2e_fail "challenge case: no 'expected: 407'"
grep -q 'got:      INVITE sip:bob@10.0.0.12:5062' "$E2E_TMP/challenge.out" ||
	e2e_fail "challenge case: the relayed INVITE is not shown"
grep -q "decided at $broken:$relay:" "$E2E_TMP/challenge.out" ||
	e2e_fail "challenge case: the line of the relay ($broken:$relay) is not named"

awk '/^FAIL .*unconditional forwarding/ { f = 1; next } /^FAIL/ { f = 0 } f' \
	"$out" >"$E2E_TMP/cfu.out"
grep -q 'expected: 10.0.0.13:5064' "$E2E_TMP/cfu.out" || e2e_fail "cfu case: no expected destination"
grep -q 'got:      10.0.0.12:5062' "$E2E_TMP/cfu.out" || e2e_fail "cfu case: no actual destination"
grep -q "decided at $broken:$relay:" "$E2E_TMP/cfu.out" ||
	e2e_fail "cfu case: the line of the relay ($broken:$relay) is not named"
exit 0
