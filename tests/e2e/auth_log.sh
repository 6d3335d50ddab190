#!/bin/sh
# What an operator's log shows (tests/e2e/auth_registrar.sip against
# SQLite): every failed check of credentials is a notice line with the
# source address, method, user and realm (what fail2ban-style filters
# match, sipcc(1) LOGGING), and every INVITE that ends 300 or above is a
# notice line with its status, From, To and source, whether the proxy
# answered it (404) or relayed the callee's answer (486). A challenge
# (401, 407) is no failure and is not logged; a good password logs
# nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"

e2e_init
e2e_ctl_init
e2e_subscribers alice bob

e2e_ports UAS PROXY UAC
e2e_build tests/e2e/auth_registrar.sip
E2E_LOG_LEVEL=notice e2e_start_proxy "$PROXY" --db "$DB"
LOG=$E2E_TMP/proxy.log

# expect_line FIXED-STRING / expect_re REGEX: the proxy logged this line
# (given time to).
expect_line() { expect_grep -xF "$1"; }
expect_re() { expect_grep "$1"; }
expect_grep() {
	i=0
	until grep -q "$@" "$LOG"; do
		[ $i -ge 20 ] && e2e_fail "no log line: $*"
		sleep 0.1; i=$((i + 1))
	done
}

register() {  # NAME USER PASSWORD SCENARIO
	e2e_sipp_run "$1" -sf "$E2E_SRC/$4" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		-s "$2" -au "$2" -ap "$3" -key contact_port "$UAS" -m 1 -timeout 10s -timeout_error
	e2e_expect_calls "$1" 1
}

# 1. A wrong password and an unknown user.
register wrongpw bob not-bobs-password reg_wrong.xml
expect_line "notice: auth: failed: src=127.0.0.1:$UAC transport=udp method=REGISTER reason=\"wrong password\" user=\"bob\" realm=\"voip.example.com\""
register nosuch mallory guess reg_wrong.xml
expect_line "notice: auth: failed: src=127.0.0.1:$UAC transport=udp method=REGISTER reason=\"unknown user\" user=\"mallory\" realm=\"voip.example.com\""
[ "$(grep -c 'auth: failed' "$LOG")" = 2 ] ||
	e2e_fail "not one line per failed check: $(grep 'auth: failed' "$LOG")"

# 2. bob registers (his password is right: no line) and is busy.
register regbob bob bob-secret reg_auth.xml
[ "$(grep -c 'auth: failed' "$LOG")" = 2 ] || e2e_fail "a good password was logged as a failure"
e2e_sipp callee -sf "$E2E_SRC/uas_ring_busy.xml" -i 127.0.0.1 -p "$UAS" -m 1 -timeout 30s
e2e_wait_sipp_up callee "$UAS"
call() {  # NAME SCENARIO CALLEE
	e2e_sipp_run "$1" -sf "$E2E_SRC/$2" "127.0.0.1:$PROXY" -i 127.0.0.1 -p "$UAC" \
		-s alice -au alice -ap alice-secret -key callee "$3" -m 1 -timeout 15s -timeout_error
	e2e_expect_calls "$1" 1
}
call busy uac_auth_486.xml bob
expect_re "^notice: call failed: src=127.0.0.1:$UAC transport=udp method=INVITE status=486 reason=\"Busy Here\" from=\"sip:alice@voip.example.com\" to=\"sip:bob@voip.example.com\" call-id=\"[^\"]*\"\$"

# 3. A callee without a registration: the proxy's own 404.
call nobody uac_auth_404.xml carol
expect_re "^notice: call failed: src=127.0.0.1:$UAC transport=udp method=INVITE status=404 reason=\"Not Found\" from=\"sip:alice@voip.example.com\" to=\"sip:carol@voip.example.com\" call-id=\"[^\"]*\"\$"
# The 407s of both calls are challenges, not failed calls.
[ "$(grep -c 'call failed' "$LOG")" = 2 ] ||
	e2e_fail "not one line per failed call: $(grep 'call failed' "$LOG")"
e2e_sipp_wait callee
e2e_expect_proxy_alive
