#!/bin/sh
# The examples ship their test cases: sipcc test passes every case of
# examples/residential.test.yaml and examples/provider.test.yaml, for the
# DSL policy and for the YAML one that means the same.
# Output of sipcc test shown in the log is indented: scripts/check counts
# lines that begin "N passed, N failed" as results of the log's test.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/e2e/lib.sh"

e2e_init none

passed=0 failed=0
for ex in residential provider; do
	for policy in "$ex.sip" "$ex.yaml"; do
		out=$E2E_TMP/$policy.out
		"$SIPCC" test "$top_srcdir/examples/$policy" "$top_srcdir/examples/$ex.test.yaml" \
			>"$out" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			sed "s/^/  | /" "$out" >&2
			e2e_fail "sipcc test $policy: exit status $rc"
		fi
		grep -q '^[1-9][0-9]* passed, 0 failed' "$out" || {
			sed "s/^/  | /" "$out" >&2
			e2e_fail "sipcc test $policy: no summary line with 0 failed"
		}
		e2e_log "ok $policy: $(grep passed "$out")"
		set -- $(grep ' passed, ' "$out")
		passed=$((passed + $1)) failed=$((failed + $3))
	done
done

# The default test file is the policy's name with .test.yaml.
"$SIPCC" test "$top_srcdir/examples/residential.sip" >"$E2E_TMP/default.out" 2>&1 ||
	e2e_fail "sipcc test without a test file did not find residential.test.yaml"
grep -q ' passed, 0 failed' "$E2E_TMP/default.out" || e2e_fail "default test file: no summary"
# The cases of the four runs, for scripts/check's count.
echo "$passed passed, $failed failed"
exit 0
