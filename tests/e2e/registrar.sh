#!/bin/sh
# Authentication and registration end to end (tests/e2e/auth_registrar.sip)
# against the database $E2E_DB_URL (default: a new SQLite file), with
# subscribers made by sipcc-ctl:
#  1. REGISTER gets 401, then 200 listing the binding with the right
#     password; a wrong password gets a second 401 and no binding.
#  2. An INVITE gets 407, then is relayed to the contact the callee
#     registered (a sipp UAS), and the call completes.
#  3. An INVITE to a subscriber without a registration gets 404.
#  4. After a restart of the proxy the registration is still found.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init "${E2E_DB_URL:-}"
e2e_subscribers alice bob carol

e2e_ports UAS PROXY UAC
e2e_build tests/e2e/auth_registrar.sip
e2e_start_proxy "$PROXY" --db "$DB"

register() {  # NAME USER PASSWORD CONTACT_PORT SCENARIO
	e2e_sipp_run "$1" -sf "$E2E_SRC/$5" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		-s "$2" -au "$2" -ap "$3" -key contact_port "$4" -m 1 -timeout 10s -timeout_error
}

# 1. Registration: wrong password first, then the right one.
register wrongpw bob not-bobs-password "$UAS" reg_wrong.xml
e2e_expect_calls wrongpw 1
"$CTL" --db "$DB" ul show bob@voip.example.com >/dev/null 2>&1 &&
	e2e_fail "a REGISTER with a wrong password created a binding"
register regbob bob bob-secret "$UAS" reg_auth.xml
e2e_expect_calls regbob 1
e2e_wait_binding bob@voip.example.com "no binding for bob in the database after REGISTER"
grep -q "<sip:bob@127.0.0.1:$UAS>" "$E2E_TMP/ul.out" ||
	e2e_fail "bob's binding is not his contact: $(cat "$E2E_TMP/ul.out")"

# 2. Authenticated call to the registered callee; 3. unregistered callee.
e2e_sipp callee -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 2 -timeout 40s
e2e_wait_sipp_up callee "$UAS"
call() {  # NAME SCENARIO CALLEE
	e2e_sipp_run "$1" -sf "$E2E_SRC/$2" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		-s alice -au alice -ap alice-secret -key callee "$3" -m 1 -timeout 15s -timeout_error
}
call call1 uac_auth.xml bob
e2e_expect_calls call1 1
call nobody uac_auth_404.xml carol
e2e_expect_calls nobody 1

# 4. Restart: the binding comes back from the database.
e2e_expect_proxy_alive
e2e_kill "$PROXY_PID"
e2e_start_proxy "$PROXY" --db "$DB"
grep -q "1 bindings loaded" "$E2E_TMP/proxy.log" ||
	e2e_fail "the restarted proxy did not load bob's binding"
call call2 uac_auth.xml bob
e2e_expect_calls call2 1
e2e_sipp_wait callee
e2e_expect_calls callee 2
e2e_expect_proxy_alive
