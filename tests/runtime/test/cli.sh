#!/bin/sh
# sipcc test's command line: exit statuses (0 passed, 1 a case failed,
# 2 usage, a policy that does not compile, a malformed test file),
# --coverage, a case whose file is wrong.
# Output of sipcc test shown in the log is indented: scripts/check counts
# lines that begin "N passed, N failed" as results of the log's test.
. "${top_srcdir:-$(dirname "$0")/../../..}/tests/e2e/lib.sh"

e2e_init none

t=$E2E_TMP
cat >"$t/p.sip" <<'POLICY'
listen udp 127.0.0.1:5060
route request {
    if (method == OPTIONS) {
        reply(200, "OK");
        exit;
    }
    if ($time(hour) < 8) {
        reply(480, "Closed");
        exit;
    }
    if ($rU == "forward") {
        $du = "sip:192.0.2.50:5060";
        @allow(open_relay) t_relay();
        exit;
    }
    reply(404, "Not Here");
}
POLICY

cat >"$t/p.test.yaml" <<'CASES'
cases:
  - name: options
    send: { method: OPTIONS, ruri: "sip:x@127.0.0.1" }
    expect: { reply: { status: 200, reason: OK } }
  - name: night
    time: "2026-12-07 03:00:00"
    send: { method: INVITE, ruri: "sip:x@127.0.0.1" }
    expect: { reply: 480 }
  - name: day
    time: "2026-12-07 09:30"
    send: { method: INVITE, ruri: "sip:x@127.0.0.1" }
    expect: { reply: 404 }
CASES
"$SIPCC" test "$t/p.sip" >"$t/ok.out" 2>&1 || { sed "s/^/  | /" "$t/ok.out" >&2; e2e_fail "passing cases: exit $?"; }
grep -q '^3 passed, 0 failed' "$t/ok.out" || { sed "s/^/  | /" "$t/ok.out" >&2; e2e_fail "3 cases should pass"; }

# --coverage: the relay was reached by no case.
"$SIPCC" test --coverage "$t/p.sip" >"$t/cov.out" 2>&1 || e2e_fail "--coverage: exit $?"
grep -q "^coverage: [0-9]* of [0-9]* statements" "$t/cov.out" || e2e_fail "--coverage: no count"
grep -q "^$t/p.sip:12:[0-9]*: not reached" "$t/cov.out" || { sed "s/^/  | /" "$t/cov.out" >&2; e2e_fail "--coverage: line 12 not listed"; }
grep -q "^$t/p.sip:4:" "$t/cov.out" && e2e_fail "--coverage: a reached line is listed"

# A failing case: exit 1, the diff, the line of the reply.
cat >"$t/fail.test.yaml" <<'CASES'
cases:
  - name: forwarded
    time: "2026-12-07 10:00"
    send: { method: INVITE, ruri: "sip:forward@127.0.0.1" }
    expect: { relay: { to: "192.0.2.51:5060" } }
  - name: wrong status
    time: "2026-12-07 09:30"
    send: { method: INVITE, ruri: "sip:x@127.0.0.1" }
    expect: { reply: 403 }
CASES
"$SIPCC" test "$t/p.sip" "$t/fail.test.yaml" >"$t/fail.out" 2>&1
rc=$?
sed "s/^/  | /" "$t/fail.out" >&2
[ $rc -eq 1 ] || e2e_fail "failing cases: exit $rc, expected 1"
grep -q '^0 passed, 2 failed' "$t/fail.out" || e2e_fail "failing cases: summary"
grep -q 'expected: 192.0.2.51:5060' "$t/fail.out" || e2e_fail "no expected destination"
grep -q 'got:      192.0.2.50:5060' "$t/fail.out" || e2e_fail "no actual destination"
grep -q "decided at $t/p.sip:13:" "$t/fail.out" || e2e_fail "the relay's line is not named"
grep -q "decided at $t/p.sip:16:" "$t/fail.out" || e2e_fail "the reply's line is not named"

# Usage errors: 2.
"$SIPCC" test >/dev/null 2>&1; [ $? -eq 2 ] || e2e_fail "no policy: not exit 2"
cp "$t/p.sip" "$t/lonely.sip"
"$SIPCC" test "$t/lonely.sip" >/dev/null 2>&1; [ $? -eq 2 ] || e2e_fail "no test file: not exit 2"
printf 'route request { relpy(200, "OK"); }\n' >"$t/bad.sip"
"$SIPCC" test "$t/bad.sip" "$t/p.test.yaml" >/dev/null 2>&1; [ $? -eq 2 ] ||
	e2e_fail "a policy that does not compile: not exit 2"
printf 'cases: [ { name: x\n' >"$t/broken.test.yaml"
"$SIPCC" test "$t/p.sip" "$t/broken.test.yaml" >"$t/yaml.out" 2>&1; [ $? -eq 2 ] ||
	e2e_fail "malformed YAML: not exit 2"
grep -q "broken.test.yaml:[0-9]*:[0-9]*:" "$t/yaml.out" || e2e_fail "malformed YAML: no file:line"

# A malformed case is reported at its line and fails.
cat >"$t/odd.test.yaml" <<'CASES'
cases:
  - name: no method
    send: { ruri: "sip:x@127.0.0.1" }
    expect: { reply: 200 }
CASES
"$SIPCC" test "$t/p.sip" "$t/odd.test.yaml" >"$t/odd.out" 2>&1; [ $? -eq 1 ] || e2e_fail "malformed case: not exit 1"
grep -q "odd.test.yaml:3: error: send: needs 'method'" "$t/odd.out" || { sed "s/^/  | /" "$t/odd.out" >&2; e2e_fail "malformed case: no message"; }
exit 0
