#!/bin/sh
# save() is written through: no REGISTER is answered 200 before its
# binding is stored (tests/e2e/auth_registrar.sip on a PostgreSQL server
# the test starts, frozen with SIGSTOP):
#  1. bob registers (his credentials are now cached by the proxy, so his
#     next REGISTER needs the database only for the write).
#  2. The database freezes; bob REGISTERs from another contact. The write
#     cannot end, so the REGISTER gets 503 with Retry-After (the running
#     write's bounded wait), never 200.
#  3. Thawed: alice calls bob and reaches his first contact: the failed
#     change was undone in the proxy's memory, and the database holds the
#     first contact only.
# Skipped without the PostgreSQL server binaries or sipp.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/e2e/lib.sh"

e2e_init
e2e_pg_start
e2e_ctl_init "$PG_URL"
e2e_subscribers alice bob

e2e_ports UAS UAS2 PROXY UAC UAC2
e2e_build tests/e2e/auth_registrar.sip
e2e_start_proxy "$PROXY" --db "$DB"

# 1. bob at UAS.
e2e_sipp_run regbob -sf "$E2E_SRC/reg_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s bob -au bob -ap bob-secret -key contact_port "$UAS" -m 1 -timeout 15s -timeout_error
e2e_expect_calls regbob 1
i=0
until "$CTL" --db "$DB" ul show bob@voip.example.com >"$E2E_TMP/ul.out" 2>&1 &&
	grep -q "<sip:bob@127.0.0.1:$UAS>" "$E2E_TMP/ul.out"; do
	[ $i -ge 50 ] && e2e_fail "bob's binding did not reach the database: $(cat "$E2E_TMP/ul.out")"
	sleep 0.1; i=$((i + 1))
done

# 2. Frozen: bob at UAS2 is refused, not acknowledged.
e2e_pg_signal STOP || e2e_error "cannot find the PostgreSQL processes"
e2e_sipp_run reg503 -sf "$E2E_SRC/reg_auth_503.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
	-s bob -au bob -ap bob-secret -key contact_port "$UAS2" -m 1 -timeout 30s -timeout_error
e2e_expect_calls reg503 1
grep -q "bindings of a REGISTER were not stored" "$E2E_TMP/proxy.log" ||
	e2e_fail "the proxy did not say the write failed"

# 3. Thawed: bob is still at UAS, in memory and in the database.
e2e_pg_signal CONT
e2e_sipp callee -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 60s
e2e_wait_sipp_up callee "$UAS"
ok=""
for try in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	e2e_sipp_run "call$try" -sf "$E2E_SRC/uac_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
		-p "$UAC2" -s alice -au alice -ap alice-secret -key callee bob -m 1 -timeout 10s \
		-timeout_error
	if [ "$(e2e_stat "call$try" 'SuccessfulCall(C)')" = 1 ]; then
		ok=$try
		break
	fi
	sleep 1
done
[ -n "$ok" ] || e2e_fail "alice cannot reach bob at his stored contact after the thaw"
e2e_sipp_wait callee
e2e_expect_calls callee 1
"$CTL" --db "$DB" ul show bob@voip.example.com >"$E2E_TMP/ul.out" 2>&1 ||
	e2e_fail "ul show failed: $(cat "$E2E_TMP/ul.out")"
grep -q "<sip:bob@127.0.0.1:$UAS>" "$E2E_TMP/ul.out" || e2e_fail "bob's stored binding is gone"
if grep -q "<sip:bob@127.0.0.1:$UAS2>" "$E2E_TMP/ul.out"; then
	e2e_fail "the refused binding was stored"
fi
e2e_expect_proxy_alive
