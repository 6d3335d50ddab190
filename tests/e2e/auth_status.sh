#!/bin/sh
# www_authorize returns an auth_result, and nothing is answered behind the
# policy's back (tests/e2e/auth_status.sip, PostgreSQL frozen with
# SIGSTOP while carol's and dave's credentials are not cached):
#  1. dave's REGISTER goes through a route that compares the result with
#     AUTH_ERROR and answers 480 itself: he gets the 480 and nothing else
#     (reg_auth_own.xml fails on any further reply), and the policy logged
#     the status it saw (-5).
#  2. carol's REGISTER goes through "if (!www_authorize(...))
#     www_challenge(...)": she gets 503 with Retry-After, not a 401 again.
#  3. Thawed: dave registers (AUTH_OK is true in the route's "if (!rc)").
# Skipped without the PostgreSQL server binaries or sipp.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_init
e2e_pg_start
e2e_ctl_init "$PG_URL"
e2e_subscribers carol dave

e2e_ports PROXY UAC UAC2 CONTACT
e2e_build tests/e2e/auth_status.sip
e2e_start_proxy "$PROXY" --db "$DB"

# 1 and 2, at the same time: both wait for the frozen database.
e2e_pg_signal STOP || e2e_error "cannot find the PostgreSQL processes"
e2e_sipp dave -sf "$E2E_SRC/reg_auth_own.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s dave -au dave -ap dave-secret -key contact_port "$CONTACT" -m 1 -timeout 20s -timeout_error
e2e_sipp_run carol -sf "$E2E_SRC/reg_auth_503.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC2" \
	-s carol -au carol -ap carol-secret -key contact_port "$CONTACT" -m 1 -timeout 20s -timeout_error
e2e_expect_calls carol 1
e2e_sipp_wait dave
e2e_expect_calls dave 1
grep -q "auth_status: dave's check returned -5" "$E2E_TMP/proxy.log" ||
	e2e_fail "the policy did not see AUTH_ERROR (-5) for dave"
n=$(grep -c "auth_status: dave's check returned" "$E2E_TMP/proxy.log")
[ "$n" = 2 ] || e2e_fail "dave's route logged $n results, expected 2 (no credentials, then the error)"

# 3. Thawed: the proxy reconnects by itself; dave registers.
e2e_pg_signal CONT
ok=""
for try in 1 2 3 4 5 6 7 8 9 10 11 12; do
	e2e_sipp_run "dave$try" -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
		-p "$UAC" -s dave -au dave -ap dave-secret -key contact_port "$CONTACT" -m 1 \
		-timeout 15s -timeout_error
	if [ "$(e2e_stat "dave$try" 'SuccessfulCall(C)')" = 1 ]; then
		ok=$try
		break
	fi
	sleep 1
done
[ -n "$ok" ] || e2e_fail "dave cannot register after the database came back"
grep -q "auth_status: dave's check returned 1" "$E2E_TMP/proxy.log" ||
	e2e_fail "the policy did not see AUTH_OK (1) for dave"
e2e_expect_proxy_alive
