#!/bin/sh
# A disabled subscriber (sipcc-ctl disable: subscriber.disabled) can neither
# register nor call, through a real proxy on SQLite
# (tests/e2e/auth_registrar.sip: REGISTER challenged with 401, calls with
# 407):
#  1. bob registers and calls alice: his credentials are now in the
#     proxy's credential cache;
#  2. disabled (--sync: the proxy has loaded the change when sipcc-ctl
#     returns), his REGISTER and his INVITE with the right password get
#     403 "Subscriber Disabled", not a new challenge (the cache did not
#     keep him usable); the refusals are logged at notice; a wrong
#     password still gets a challenge (the state is not told to guesses);
#  3. enabled again, he registers and calls alice.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init sipp
e2e_ctl_init
e2e_subscribers alice bob
SOCK=$E2E_TMP/sipcc.ctl

e2e_ports UAS PROXY UAC BOBC
e2e_build tests/e2e/auth_registrar.sip
e2e_start_proxy "$PROXY" --db "$DB" --ctl "$SOCK"

# call NAME: bob calls alice (uac_auth.xml), answered by a sipp UAS.
call() {
	e2e_sipp "${1}uas" -sf "$E2E_SRC/uas_rr.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 20s
	e2e_wait_sipp_up "${1}uas" "$UAS"
	e2e_sipp_run "$1" -sf "$E2E_SRC/uac_auth.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		-s bob -au bob -ap bob-secret -key callee alice -m 1 -timeout 10s -timeout_error
	e2e_expect_calls "$1" 1
	e2e_sipp_wait "${1}uas"
	e2e_expect_calls "${1}uas" 1
}

# 1.
e2e_sipp_register regalice alice "$UAC" "$UAS"
e2e_sipp_register regbob bob "$UAC" "$BOBC"
call call1

# 2.
"$CTL" --db "$DB" --sync "$SOCK" disable bob@voip.example.com ||
	e2e_fail "sipcc-ctl disable failed"
[ "$(sqlite3 "${DB#sqlite:}" "SELECT disabled FROM subscriber WHERE username = 'bob'")" = 1 ] ||
	e2e_fail "bob is not marked disabled"
e2e_sipp_run regdis -sf "$E2E_SRC/reg_auth_disabled.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s bob -au bob -ap bob-secret -key contact_port "$BOBC" -key domain voip.example.com \
	-m 1 -timeout 10s -timeout_error
e2e_expect_calls regdis 1
e2e_sipp_run calldis -sf "$E2E_SRC/uac_auth_disabled.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s bob -au bob -ap bob-secret -key callee alice -m 1 -timeout 10s -timeout_error
e2e_expect_calls calldis 1
n=$(grep -c 'reason="disabled subscriber" user="bob"' "$E2E_TMP/proxy.log")
[ "$n" = 2 ] || e2e_fail "$n refusals of the disabled bob logged, expected 2"
# A wrong password is challenged again as for anyone (reg_wrong.xml).
e2e_sipp_run regwrong -sf "$E2E_SRC/reg_wrong.xml" "127.0.0.1:$PROXY" -i 127.0.0.1 \
	-p "$UAC" -s bob -au bob -ap wrong-secret -key contact_port "$BOBC" -m 1 -timeout 10s \
	-timeout_error
e2e_expect_calls regwrong 1
"$CTL" --db "$DB" disable nobody@voip.example.com 2>/dev/null &&
	e2e_fail "disable of a missing subscriber succeeded"

# 3.
"$CTL" --db "$DB" --sync "$SOCK" enable bob@voip.example.com || e2e_fail "sipcc-ctl enable failed"
e2e_sipp_register regbob2 bob "$UAC" "$BOBC"
call call2
e2e_expect_proxy_alive
